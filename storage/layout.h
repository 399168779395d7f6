// The names of a dataset directory's files, written and read back in one place (README,
// "Dataset directory"; docs/architecture.md, "Records and the directory layout"):
//
//   data/{split}-{i:05d}-of-{n:05d}.jsonl.zst   record shards (split: train, validation)
//   rejected/rejected-{i:05d}.jsonl.zst          dropped records ([storage] rejected)
//   tokens/{split}-{i:05d}.bin                   token shards
//   candidates-{i:05d}-of-{n:05d}.jsonl.zst      a --task slice's candidates (OUT/tasks/K/)
//   journal/...                                  pieces numbered {prefix}{k:05d}{suffix}
//
// and which split a record goes to (by its id, whatever the thread count or the task).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace primer::storage {

inline constexpr std::string_view kDataDir = "data";
inline constexpr std::string_view kRejectedDir = "rejected";
inline constexpr std::string_view kTokensDir = "tokens";
inline constexpr std::string_view kShardSuffix = ".jsonl.zst";
inline constexpr std::string_view kTokenSuffix = ".bin";

// "{prefix}{k:05d}{suffix}": the numbered files of the journal and of unfinished output,
// e.g. numbered_name("shards/train-", 3, ".jsonl.zst") = "shards/train-00003.jsonl.zst".
std::string numbered_name(std::string_view prefix, uint64_t k, std::string_view suffix);

// "train-00000-of-00004.jsonl.zst": shard i of n of a split (or "candidates").
std::string shard_name(std::string_view split, uint64_t i, uint64_t n);
// "data/train-00000-of-00004.jsonl.zst", relative to the dataset directory.
std::string data_shard_path(std::string_view split, uint64_t i, uint64_t n);
// "data/train-*.jsonl.zst": every shard of a split, as a glob (the dataset card's
// data_files for Hugging Face `datasets`).
std::string data_shard_glob(std::string_view split);
// "rejected/rejected-00000.jsonl.zst", relative to the dataset directory.
std::string rejected_shard_path(uint64_t i);
// "tokens/train-00000.bin", relative to the dataset directory.
std::string token_shard_path(std::string_view split, uint64_t i);

// A record shard by its name: .jsonl.zst or .jsonl.
bool is_shard_file(const std::filesystem::path& p);
// A token shard by its name: .bin.
bool is_token_file(const std::filesystem::path& p);
// The split a shard or token file name starts with: "train" from
// "train-00000-of-00004.jsonl.zst" or "train-00000.bin", likewise "validation" and
// "test"; "" for any other name.
std::string split_of(const std::filesystem::path& p);

// Split assignment: true for the share `fraction` of record ids that go to the
// validation split (a function of the id alone).
bool in_validation(uint64_t id, double fraction);

}  // namespace primer::storage
