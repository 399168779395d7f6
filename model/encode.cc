#include "model/encode.h"

#include <fmt/format.h>
#include <simdjson.h>
#include <tbb/parallel_pipeline.h>
#include <tbb/task_arena.h>

#include <atomic>
#include <chrono>
#include <exception>
#include <map>

#include "storage/card.h"
#include "storage/files.h"
#include "storage/layout.h"
#include "storage/parsed_block.h"
#include "storage/reader.h"
#include "storage/tokens.h"

namespace primer::model {
namespace fs = std::filesystem;

void require_uint16_vocab(int vocab_size, const std::string& origin) {
  if (vocab_size > 65535)
    throw TokenizerError(
        fmt::format("{} has {} pieces; token shards store uint16 ids, so at most 65,535 — train a "
                    "smaller one with 'primer tokenizer train --vocab-size N'",
                    origin, vocab_size));
}

namespace {

// Encodes one record shard into one token shard. A reader thread decompresses the shard
// into blocks of lines (storage/line_blocks.h); blocks are parsed and encoded in parallel
// and written in line order, so the file is the same for any thread count, while the next
// blocks are read.
void encode_shard(const fs::path& in, const fs::path& out, const Tokenizer& tok, const EncodeOptions& o,
                  storage::TokenShardInfo& info, EncodeReport& report) {
  struct Block : storage::ParsedLineBlock {
    std::vector<std::vector<uint16_t>> documents;  // one per record, in line order
    void clear() override {
      documents.clear();
      ParsedLineBlock::clear();
    }
  };
  storage::TokenShardWriter writer(out, tok.sha256());
  const uint16_t bos = static_cast<uint16_t>(tok.bos_id());
  storage::ReadStats stats;
  storage::LineBlockReader<Block> reader({in}, o.block_bytes);
  std::atomic<bool> done{false};  // the shard broke: no more blocks
  std::exception_ptr error;
  const size_t tokens = 2 * static_cast<size_t>(tbb::this_task_arena::max_concurrency()) + 1;
  tbb::parallel_pipeline(
      tokens, tbb::make_filter<void, Block*>(tbb::filter_mode::serial_in_order, [&](tbb::flow_control& fc) -> Block* {
                std::unique_ptr<Block> b = done.load() ? nullptr : reader.next();
                if (!b) fc.stop();
                return b.release();
              }) & tbb::make_filter<Block*, Block*>(tbb::filter_mode::parallel, [&](Block* b) {
                thread_local simdjson::dom::parser parser;
                thread_local std::vector<int> ids;
                for (size_t i = 0; i < b->size(); ++i) {
                  storage::RecordView r;
                  if (!b->parse_next(parser, r)) continue;
                  ids.clear();
                  tok.encode(r.text, ids);
                  auto& t = b->documents.emplace_back(ids.size() + 1);
                  t[0] = bos;
                  for (size_t k = 0; k < ids.size(); ++k) t[k + 1] = static_cast<uint16_t>(ids[k]);
                }
                return b;
              }) & tbb::make_filter<Block*, void>(tbb::filter_mode::serial_in_order, [&](Block* b) {
                std::unique_ptr<Block> own(b);
                if (done.load()) return;
                b->count_into(stats);
                for (const auto& d : b->documents) writer.append_document(d);
                if (b->error) {  // the records before the damage are written, as a serial read would
                  error = b->error;
                  done.store(true);
                }
                reader.recycle(std::move(own));
              }));
  if (error) std::rethrow_exception(error);
  report.malformed += stats.malformed;
  report.text_bytes += stats.text_bytes;
  const std::string split = info.split;
  info = writer.finish();
  info.split = split;
}

}  // namespace

EncodeReport encode_dataset(const fs::path& dir, const std::vector<storage::ShardInfo>& shards, const Tokenizer& tok,
                            const EncodeOptions& o) {
  require_uint16_vocab(tok.vocab_size(), (dir / "tokenizer.model").string());
  const auto t0 = std::chrono::steady_clock::now();
  fs::create_directories(dir / storage::kTokensDir);
  storage::remove_stale_temporaries(dir / storage::kTokensDir);
  EncodeReport report;
  std::map<std::string, int> next_index;  // per split
  tbb::task_arena arena(o.threads > 0 ? o.threads : tbb::task_arena::automatic);
  arena.execute([&] {
    for (const auto& s : shards) {
      storage::TokenShardInfo info;
      info.split = s.split;
      const std::string rel = storage::token_shard_path(s.split, next_index[s.split]++);
      encode_shard(dir / s.path, dir / rel, tok, o, info, report);
      info.path = rel;
      report.documents += info.documents;
      report.tokens += info.tokens;
      report.shards.push_back(std::move(info));
    }
  });
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return report;
}

bool update_manifest(const fs::path& dir, const std::function<void(storage::Manifest&)>& change) {
  const fs::path path = dir / "manifest.json";
  if (!fs::exists(path)) return false;
  storage::Manifest m = storage::Manifest::load(path);
  change(m);
  if (fs::exists(dir / "README.md"))
    storage::write_file_atomic(dir / "README.md",
                               storage::update_card_tokens(storage::read_file(dir / "README.md"), m));
  storage::write_file_atomic(path, m.to_json());
  return true;
}

}  // namespace primer::model
