#include "storage/layout.h"

#include <fmt/format.h>

#include "base/rng.h"

namespace primer::storage {

std::string numbered_name(std::string_view prefix, uint64_t k, std::string_view suffix) {
  return fmt::format("{}{:05d}{}", prefix, k, suffix);
}

std::string shard_name(std::string_view split, uint64_t i, uint64_t n) {
  return fmt::format("{}-{:05d}-of-{:05d}{}", split, i, n, kShardSuffix);
}

std::string data_shard_path(std::string_view split, uint64_t i, uint64_t n) {
  return fmt::format("{}/{}", kDataDir, shard_name(split, i, n));
}

std::string data_shard_glob(std::string_view split) { return fmt::format("{}/{}-*{}", kDataDir, split, kShardSuffix); }

std::string rejected_shard_path(uint64_t i) {
  return fmt::format("{}/{}", kRejectedDir, numbered_name("rejected-", i, kShardSuffix));
}

std::string token_shard_path(std::string_view split, uint64_t i) {
  return fmt::format("{}/{}-{:05d}{}", kTokensDir, split, i, kTokenSuffix);
}

bool is_shard_file(const std::filesystem::path& p) {
  const std::string name = p.filename().string();
  return name.ends_with(kShardSuffix) || name.ends_with(".jsonl");
}

bool is_token_file(const std::filesystem::path& p) { return p.extension() == kTokenSuffix; }

std::string split_of(const std::filesystem::path& p) {
  const std::string name = p.filename().string();
  for (const char* s : {"train", "validation", "test"})
    if (name.starts_with(std::string(s) + "-")) return s;
  return "";
}

bool in_validation(uint64_t id, double fraction) {
  base::Rng r(id, "split");
  return r.uniform() < fraction;
}

}  // namespace primer::storage
