#include "model/encode.h"

#include <fmt/format.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <chrono>
#include <map>

#include "storage/card.h"
#include "storage/files.h"
#include "storage/layout.h"
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

// Encodes one record shard into one token shard, a batch of documents at a time.
void encode_shard(const fs::path& in, const fs::path& out, const Tokenizer& tok, const EncodeOptions& o,
                  storage::TokenShardInfo& info, EncodeReport& report) {
  storage::TokenShardWriter writer(out, tok.sha256());
  const uint16_t bos = static_cast<uint16_t>(tok.bos_id());
  std::vector<std::string> batch;
  std::vector<std::vector<uint16_t>> encoded;
  auto flush = [&] {
    encoded.resize(batch.size());
    tbb::parallel_for(tbb::blocked_range<size_t>(0, batch.size(), 16), [&](const tbb::blocked_range<size_t>& r) {
      std::vector<int> ids;
      for (size_t i = r.begin(); i < r.end(); ++i) {
        ids.clear();
        tok.encode(batch[i], ids);
        auto& t = encoded[i];
        t.resize(ids.size() + 1);
        t[0] = bos;
        for (size_t k = 0; k < ids.size(); ++k) t[k + 1] = static_cast<uint16_t>(ids[k]);
      }
    });
    for (size_t i = 0; i < batch.size(); ++i) writer.append_document(encoded[i]);
    batch.clear();
  };
  const storage::ReadStats st = storage::for_each_record(in, [&](const storage::RecordView& r) {
    batch.emplace_back(r.text);
    if (batch.size() >= o.batch_documents) flush();
  });
  flush();
  report.malformed += st.malformed;
  report.text_bytes += st.text_bytes;
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
