#include "pipeline/report_scan.h"

#include <fmt/format.h>
#include <simdjson.h>
#include <tbb/parallel_pipeline.h>
#include <tbb/task_arena.h>

#include <atomic>
#include <exception>
#include <set>

#include "base/rng.h"
#include "base/svg.h"
#include "base/text.h"
#include "storage/files.h"
#include "storage/layout.h"
#include "storage/parsed_block.h"
#include "storage/reader.h"
#include "storage/record.h"
#include "storage/shard.h"

namespace primer::pipeline::report {
namespace fs = std::filesystem;
namespace {

using base::cut_utf8;
using base::join;
using base::svg::esc;

// Moves `pos` back to the start of a UTF-8 sequence.
size_t utf8_floor(std::string_view s, size_t pos) {
  while (pos > 0 && pos < s.size() && (static_cast<unsigned char>(s[pos]) & 0xC0) == 0x80) --pos;
  return pos;
}

// Adds `b` (the records after a's, in file order) to `a`: sums, unions, lengths in
// order, OOV examples until three (the first three in order, as one scan finds them) and
// the sample rows (bottom-k does not depend on order). The rejected/ half is not merged.
void merge_scan(DatasetScan& a, DatasetScan&& b) {
  a.records += b.records;
  a.malformed += b.malformed;
  a.words.insert(a.words.end(), b.words.begin(), b.words.end());
  a.oov_rates.insert(a.oov_rates.end(), b.oov_rates.begin(), b.oov_rates.end());
  a.tokens += b.tokens;
  a.oov_tokens += b.oov_tokens;
  a.docs_with_oov += b.docs_with_oov;
  auto add = [](auto& into, const auto& from) {
    for (const auto& [k, n] : from) into[k] += n;
  };
  add(a.splits, b.splits);
  a.with_features_field += b.with_features_field;
  a.with_no_features += b.with_no_features;
  add(a.features, b.features);
  a.with_words += b.with_words;
  a.words_in_vocab += b.words_in_vocab;
  a.all_found += b.all_found;
  for (int k = 0; k < 3; ++k) {
    a.found[k] += b.found[k];
    a.distinct[k].merge(b.distinct[k]);
  }
  a.with_topic += b.with_topic;
  a.with_audience += b.with_audience;
  a.with_style += b.with_style;
  add(a.topics, b.topics);
  add(a.audiences, b.audiences);
  add(a.styles, b.styles);
  add(a.topic_audience, b.topic_audience);
  a.with_slots += b.with_slots;
  for (const auto& name : b.slot_names)
    if (std::find(a.slot_names.begin(), a.slot_names.end(), name) == a.slot_names.end()) a.slot_names.push_back(name);
  for (const auto& [name, values] : b.slot_values) add(a.slot_values[name], values);
  add(a.cover_combos, b.cover_combos);
  for (auto& [w, o] : b.oov) {
    OovWord& t = a.oov[w];
    t.count += o.count;
    t.docs += o.docs;
    for (auto& e : o.examples)
      if (t.examples.size() < 3) t.examples.push_back(std::move(e));
  }
  for (auto& row : b.kept.take()) a.kept.add(std::move(row));
}

// Scores one record into `s`. Called from parallel pieces, each with its own `s`.
void score_record(const storage::RecordView& r, const std::string& split, const std::optional<vocab::Vocabulary>& vocab,
                  size_t sample_chars, DatasetScan& s) {
  ++s.records;
  ++s.splits[split.empty() ? "(unknown)" : split];
  const std::string_view text = r.text;
  // Required words: the entries to watch while scoring.
  thread_local storage::RecordFields fields;  // reused: no allocation per record (pieces run in parallel)
  storage::RecordFields& f = fields;
  storage::parse_record(r.json, f);
  const std::vector<std::string> words(f.words.begin(), f.words.end());
  std::vector<uint32_t> watch;
  if (words.size() == 3) {
    ++s.with_words;
    const vocab::Pos pos[3] = {vocab::Pos::kVerb, vocab::Pos::kNoun, vocab::Pos::kAdj};
    for (int k = 0; k < 3; ++k) {
      s.distinct[k].insert(words[k]);
      const int64_t i = vocab ? vocab->find(words[k], pos[k]) : -1;
      if (i >= 0) watch.push_back(static_cast<uint32_t>(i));
    }
    if (watch.size() != 3) watch.clear();
  }
  uint32_t length = 0;
  uint64_t oov_in_doc = 0;
  if (vocab) {
    const vocab::Conformance c = vocab->score(text, watch);
    length = static_cast<uint32_t>(c.tokens);
    oov_in_doc = c.oov_tokens;
    s.tokens += c.tokens;
    s.oov_tokens += c.oov_tokens;
    s.oov_rates.push_back(static_cast<float>(c.oov_rate()));
    if (!watch.empty()) {
      ++s.words_in_vocab;
      for (int k = 0; k < 3; ++k) s.found[k] += c.found_mask >> k & 1;
      s.all_found += (c.found_mask & 7) == 7;
    }
    if (c.oov_tokens) {
      ++s.docs_with_oov;
      std::set<std::string_view> in_doc;
      for (const auto& w : c.oov_words) {
        OovWord& o = s.oov[w];
        ++o.count;
        if (in_doc.insert(w).second) ++o.docs;
      }
      // Examples in context for words that still need them.
      bool need = false;
      for (const auto& w : in_doc) need = need || s.oov[std::string(w)].examples.size() < 3;
      if (need) {
        std::set<std::string> done;
        vocab->for_each_token(text, [&](const vocab::Token& t) {
          if (t.kind != vocab::TokenKind::kOov) return;
          const std::string folded(t.folded);
          OovWord& o = s.oov[folded];
          if (o.examples.size() >= 3 || !done.insert(folded).second) return;
          // Where the word is: the token is a view of the text for ASCII stretches.
          size_t at = std::string_view::npos;
          if (t.text.data() >= text.data() && t.text.data() + t.text.size() <= text.data() + text.size())
            at = static_cast<size_t>(t.text.data() - text.data());
          else at = text.find(t.text);
          if (at == std::string_view::npos) return;
          const size_t from = utf8_floor(text, at > 60 ? at - 60 : 0);
          const size_t end = utf8_floor(text, std::min(text.size(), at + t.text.size() + 60));
          o.examples.push_back((from > 0 ? "…" : "") + esc(text.substr(from, at - from)) + "<mark>" +
                               esc(cut_utf8(t.text, kMaxWord)) + "</mark>" +
                               esc(text.substr(at + t.text.size(), end - at - t.text.size())) +
                               (end < text.size() ? "…" : ""));
        });
      }
    }
  } else {
    bool in_word = false;
    for (char ch : text) {
      const bool space = ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r';
      if (!space && !in_word) ++length;
      in_word = !space;
    }
  }
  s.words.push_back(length);
  const std::vector<std::string> features(f.features.begin(), f.features.end());
  if (f.has_features) {
    ++s.with_features_field;
    if (features.empty()) ++s.with_no_features;
    for (const auto& name : features) ++s.features[name];
  }
  const std::string topic(f.topic), audience(f.audience), style(f.style);
  if (!topic.empty()) ++s.with_topic, ++s.topics[topic];
  if (!audience.empty()) ++s.with_audience, ++s.audiences[audience];
  if (!style.empty()) ++s.with_style, ++s.styles[style];
  if (!topic.empty() || !audience.empty()) ++s.topic_audience[{topic, audience}];
  if (!f.slots.empty()) {
    ++s.with_slots;
    for (const auto& [name, value] : f.slots) {
      auto& values = s.slot_values[std::string(name)];
      if (values.empty() && std::find(s.slot_names.begin(), s.slot_names.end(), name) == s.slot_names.end())
        s.slot_names.emplace_back(name);
      ++values[std::string(value)];
    }
    if (!s.cover.empty()) {
      std::string combo;
      size_t found = 0;
      for (const std::string& c : s.cover)
        for (const auto& [name, value] : f.slots)
          if (name == c) {
            combo.append(value).push_back('\x1f');
            ++found;
            break;
          }
      if (found == s.cover.size()) ++s.cover_combos[combo];
    }
  }

  // A sample row (bottom-k on a hash of the text: order-independent, reproducible).
  const uint64_t key = base::mix64(std::hash<std::string_view>{}(text) ^ r.line_number);
  if (!s.kept.wants(key) || key > s.kept_bar) return;
  std::string meta = fmt::format("<b>{}</b>", esc(split.empty() ? "-" : split));
  if (!f.id.empty()) meta += " · " + esc(f.id);
  meta += fmt::format(" <br>{} words", length);
  if (vocab) meta += fmt::format(" · {} OOV", oov_in_doc);
  if (!words.empty()) meta += " <br>words: " + esc(join(words, ", "));
  if (!features.empty()) meta += " <br>features: " + esc(join(features, ", "));
  for (const auto& [k, v] : {std::pair{"topic", topic}, {"audience", audience}, {"style", style}})
    if (!v.empty()) meta += fmt::format(" <br>{}: {}", k, esc(v));
  s.kept.add({key, fmt::format("<tr><td class=\"meta\">{} </td> <td><div class=\"text\">{}</div></td></tr>", meta,
                               esc(cut_utf8(text, sample_chars)))});
}

// Reads the records of the first `limit` lines of `file` into `scan` ("stopped" when a
// record follows them). A reader thread decompresses and splits the file into blocks of
// about 2 MB of lines (storage/line_blocks.h); blocks are parsed and scored in parallel,
// and their partial scans merged in line order, so the figures are those of one scan in
// order, on every core, while the next blocks are read. `sha256` non-null: the file is
// read to its end (the lines after the limit parsed and counted in the stats, not
// scored) and its sha256 is stored there.
storage::ReadStats scan_file(const fs::path& file, const std::string& split, uint64_t limit, const ReportOptions& o,
                             const std::optional<vocab::Vocabulary>& vocab, DatasetScan& scan, bool& stopped,
                             std::string* sha256 = nullptr) {
  const bool whole = sha256 != nullptr;
  struct Block : storage::ParsedLineBlock {
    size_t within = 0;          // lines up to the limit
    bool record_after = false;  // a record follows the limit in this block
    DatasetScan scan;
    void clear() override {
      within = 0;
      record_after = false;
      scan = DatasetScan();
      ParsedLineBlock::clear();
    }
  };
  storage::ReadStats stats;
  storage::LineBlockReader<Block> reader({file}, 2 << 20, 4, whole);
  std::atomic<bool> done{false};                    // the scan needs no more blocks
  std::atomic<uint64_t> kept_bar{scan.kept.bar()};  // of the merged scan (falls as it grows)
  std::exception_ptr error;
  const size_t tokens = 2 * static_cast<size_t>(tbb::this_task_arena::max_concurrency()) + 1;
  tbb::parallel_pipeline(
      tokens, tbb::make_filter<void, Block*>(tbb::filter_mode::serial_in_order, [&](tbb::flow_control& fc) -> Block* {
                std::unique_ptr<Block> b = done.load() ? nullptr : reader.next();
                if (!b) {
                  fc.stop();
                  return nullptr;
                }
                b->within = b->first_line >= limit ? 0 : std::min<uint64_t>(b->size(), limit - b->first_line);
                return b.release();
              }) & tbb::make_filter<Block*, Block*>(tbb::filter_mode::parallel, [&](Block* b) {
                thread_local simdjson::dom::parser parser;
                b->scan.kept = BottomK(o.sample_rows);
                b->scan.kept_bar = kept_bar.load();
                b->scan.cover = scan.cover;
                for (size_t i = 0; i < b->within; ++i) {
                  storage::RecordView r;
                  if (b->parse_next(parser, r)) score_record(r, split, vocab, o.sample_chars, b->scan);
                }
                // After the limit: is there a record? (Reading whole: every line parsed and counted.)
                for (size_t i = b->within; i < b->size() && (whole || !b->record_after); ++i) {
                  storage::RecordView r;
                  const bool record = whole
                                          ? b->parse_next(parser, r)
                                          : storage::parse_record_line(parser, b->line(i), r, /*padded=*/true).record();
                  b->record_after = b->record_after || record;
                }
                return b;
              }) & tbb::make_filter<Block*, void>(tbb::filter_mode::serial_in_order, [&](Block* b) {
                std::unique_ptr<Block> own(b);
                if (done.load()) return;
                b->count_into(stats);
                merge_scan(scan, std::move(b->scan));
                kept_bar.store(scan.kept.bar());
                if (whole && b->last && !b->error) *sha256 = b->sha256;
                if (b->record_after) {
                  stopped = true;
                  if (!whole) done.store(true);
                }
                if (b->error && (whole || !b->record_after)) {
                  error = b->error;  // the records before the damage count, as in a serial scan
                  done.store(true);
                }
                reader.recycle(std::move(own));
              }));
  if (error) std::rethrow_exception(error);
  return stats;
}

}  // namespace

std::vector<fs::path> shard_files_in(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_regular_file() && storage::is_shard_file(e.path()) && e.path().filename() != "metrics.jsonl")
      files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

ShardsRead scan_shards(const fs::path& dir, const std::vector<ShardToRead>& shards, const ReportOptions& o,
                       const std::optional<vocab::Vocabulary>& vocab, DatasetScan& scan,
                       const std::function<void(const std::string&)>& problem, bool whole) {
  ShardsRead read;
  if (shards.empty()) return read;
  read.per_shard = std::max<uint64_t>(1, (o.scan_records + shards.size() - 1) / shards.size());
  for (const auto& sh : shards) {
    const fs::path file = dir / sh.path;
    if (!fs::exists(file)) {
      problem(sh.path + ": missing (the manifest lists it)");
      continue;
    }
    ShardVerified* verified = nullptr;
    if (whole) {
      verified = &read.whole.emplace_back();
      verified->path = sh.path;
    }
    try {
      bool stopped = false;
      const storage::ReadStats st =
          scan_file(file, sh.split, read.per_shard, o, vocab, scan, stopped, verified ? &verified->sha256 : nullptr);
      if (verified) {
        verified->read = true;
        verified->records = st.records;
        verified->malformed = st.malformed;
      }
      if (stopped && !whole) {
        read.in_shards += read.per_shard;  // at least
        continue;
      }
      read.in_shards += st.records;
      scan.malformed += st.malformed;
      if (st.malformed) problem(sh.path + ": " + st.describe_malformed());
    } catch (const storage::StorageError& e) {
      problem(sh.path + ": cannot be read: " + e.what());
    }
  }
  return read;
}

void scan_rejected(const fs::path& dir, const ReportOptions& o, DatasetScan& scan,
                   const std::function<void(const std::string&)>& problem) {
  const std::vector<fs::path> files = shard_files_in(dir / storage::kRejectedDir);
  if (files.empty()) return;
  scan.rejected_files = files.size();
  const uint64_t per_file = std::max<uint64_t>(1, (o.scan_records + files.size() - 1) / files.size());
  storage::RecordFields fields;  // the rejected record being scanned (reused: no allocation per record)
  for (const auto& f : files) {
    const std::string rel = fs::relative(f, dir).string();
    struct Stop {};
    try {
      storage::ReadStats st = storage::for_each_record(f, [&](const storage::RecordView& r) {
        if (r.line_number > per_file) throw Stop{};
        ++scan.rejected_records;
        storage::parse_record(r.json, fields);
        const std::string by(fields.rejected_by), reason(fields.reject_reason);
        ++scan.rejected_reasons[{by, reason}];
        const uint64_t key = base::mix64(std::hash<std::string_view>{}(r.text) ^ r.line_number);
        if (!scan.rejected.wants(key)) return;
        std::string meta =
            fmt::format("<b>{}</b> <br>{}", esc(by.empty() ? "?" : by), esc(reason.empty() ? "?" : reason));
        if (!fields.id.empty()) meta += " <br>" + esc(fields.id);
        scan.rejected.add(
            {key, fmt::format("<tr><td class=\"meta\">{} </td> <td><div class=\"text\">{}</div></td></tr>", meta,
                              esc(cut_utf8(r.text, o.sample_chars)))});
      });
      if (st.malformed) problem(rel + ": " + st.describe_malformed());
    } catch (const Stop&) {
    } catch (const storage::StorageError& e) {
      problem(rel + ": cannot be read: " + e.what());
    }
  }
}

}  // namespace primer::pipeline::report
