#include "storage/inspect.h"

#include <fmt/format.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <exception>
#include <map>
#include <set>

#include "base/json.h"
#include "base/text.h"
#include "storage/layout.h"
#include "storage/reader.h"
#include "storage/sha256.h"
#include "storage/tokens.h"

namespace primer::storage {

using base::cut_utf8;
using base::with_commas;
namespace fs = std::filesystem;
namespace {

const char* type_name(simdjson::dom::element_type t) {
  using T = simdjson::dom::element_type;
  switch (t) {
    case T::ARRAY: return "array";
    case T::OBJECT: return "object";
    case T::STRING: return "string";
    case T::BOOL: return "bool";
    case T::NULL_VALUE: return "null";
    default: return "number";
  }
}

class Inspector {
 public:
  Inspector(const fs::path& path, const InspectOptions& o) : path_(path), o_(o) {
    r_.path = path.string();
    r_.verified = o.verify;
  }

  InspectReport run() {
    std::error_code ec;
    if (!fs::exists(path_, ec)) throw StorageError(path_.string() + " does not exist");
    if (fs::is_directory(path_)) {
      if (fs::exists(path_ / "manifest.json")) dataset();
      else if (path_.filename() == kTokensDir || (!fs::exists(path_ / kDataDir) && has_bin(path_)))
        tokens_dir(path_, "");
      else loose_dir();
    } else if (is_shard_file(path_)) {
      r_.kind = "shard";
      ShardReport s;
      s.path = path_.string();
      s.split = split_of(path_);
      s.bytes = fs::file_size(path_);
      read_shard(path_, s, UINT64_MAX);
      r_.shards.push_back(std::move(s));
    } else if (path_.extension() == ".bin") {
      r_.kind = "tokens";
      tokenizer_beside(path_.parent_path());
      token_file(path_, path_.string(), nullptr);
    } else {
      throw StorageError(path_.string() +
                         " is neither a dataset directory, a .jsonl[.zst] shard nor a .bin token shard");
    }
    return std::move(r_);
  }

 private:
  static bool has_bin(const fs::path& dir) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec))
      if (e.path().extension() == ".bin") return true;
    return false;
  }

  void problem(const std::string& file, const std::string& what) { r_.problems.push_back(file + ": " + what); }

  // DATASET/tokenizer.model for token shards in DATASET/tokens: the tokenizer they must
  // have been encoded with (each shard's header records the sha256 of its own).
  void tokenizer_beside(const fs::path& tokens_dir) {
    fs::path dir = tokens_dir.empty() ? fs::path(".") : tokens_dir;
    if (dir.filename().empty()) dir = dir.parent_path();  // "out/tokens/"
    std::error_code ec;
    if (dir.filename() == kTokensDir && fs::exists(dir.parent_path() / "tokenizer.model", ec))
      tokenizer_sha256_ = sha256_file(dir.parent_path() / "tokenizer.model");
  }

  // What reading one shard found: read on its own (shards are read in parallel when
  // verifying), then merged into the report in shard order by merge_read().
  struct ShardRead {
    bool complete = false;
    uint64_t records = 0, malformed = 0, text_bytes = 0, records_read = 0;
    std::vector<std::string> problems;                         // about this shard
    std::vector<std::pair<std::string, std::string>> samples;  // (split, text), at most o_.samples
    std::vector<FieldReport> fields;                           // in order of first appearance
  };

  // Reads up to `limit` records of a shard into the field counts and samples. Reading
  // errors become problems (verify) or stop the scan (otherwise they are problems too:
  // a file that cannot be read is reported, never skipped silently). Thread-safe.
  ShardRead read_shard(const fs::path& file, const std::string& split, uint64_t limit) const {
    struct Stop {};
    ShardRead rd;
    std::map<std::string, size_t, std::less<>> index;
    try {
      const ReadStats st = for_each_record(file, [&](const RecordView& rec) {
        if (rec.line_number > limit) throw Stop{};
        ++rd.records_read;
        if (rd.samples.size() < o_.samples) rd.samples.emplace_back(split, cut_utf8(rec.text, o_.sample_chars));
        simdjson::dom::object object;
        if (rec.json.get(object)) return;  // for_each_record only delivers objects
        for (auto [key, value] : object) {
          auto it = index.find(key);
          if (it == index.end()) {
            it = index.emplace(std::string(key), rd.fields.size()).first;
            rd.fields.push_back({std::string(key), type_name(value.type()), 0});
          }
          ++rd.fields[it->second].count;
        }
        rd.text_bytes += rec.text.size();
      });
      rd.complete = true;
      rd.records = st.records;
      rd.malformed = st.malformed;
      if (st.malformed) rd.problems.push_back(st.describe_malformed());
    } catch (const Stop&) {
      // A partial scan: counts stay as the manifest says.
    } catch (const StorageError& e) {
      rd.problems.push_back(std::string("cannot be read: ") + e.what());
    }
    return rd;
  }

  void merge_read(ShardRead&& rd, ShardReport& s) {
    r_.records_read += rd.records_read;
    size_t& shown = samples_per_split_[s.split];
    for (auto& sample : rd.samples)
      if (shown < o_.samples) {
        r_.samples.push_back(std::move(sample));
        ++shown;
      }
    for (const auto& f : rd.fields) {
      auto it = field_index_.find(f.name);
      if (it == field_index_.end()) {
        it = field_index_.emplace(f.name, r_.fields.size()).first;
        r_.fields.push_back({f.name, f.type, 0});
      }
      r_.fields[it->second].count += f.count;
    }
    s.text_bytes += rd.text_bytes;
    if (rd.complete) {
      s.complete = true;
      s.records = rd.records;
      s.malformed = rd.malformed;
    }
    for (const auto& p : rd.problems) problem(s.path, p);
  }

  void read_shard(const fs::path& file, ShardReport& s, uint64_t limit) {
    merge_read(read_shard(file, s.split, limit), s);
  }

  void dataset() {
    r_.kind = "dataset";
    try {
      r_.manifest = Manifest::load(path_ / "manifest.json");
    } catch (const StorageError& e) {
      problem("manifest.json", e.what());
      return;
    }
    const Manifest& m = *r_.manifest;
    std::set<std::string> scanned_splits, listed;
    // Verifying reads every shard whole (checksum, records): on every core, one shard a
    // task, merged in the manifest's order (the report is the same as one pass's).
    struct Verified {
      std::string sha;
      std::exception_ptr error;  // thrown where a serial pass would have thrown it
      ShardRead read;
    };
    std::vector<Verified> verified(m.shards.size());
    const bool read_listed = o_.verify && o_.read_shards;
    if (read_listed)
      tbb::parallel_for(size_t(0), m.shards.size(), [&](size_t i) {
        const fs::path file = path_ / m.shards[i].path;
        std::error_code ec;
        if (!fs::exists(file, ec)) return;
        try {
          verified[i].sha = sha256_file(file);
        } catch (...) {
          verified[i].error = std::current_exception();
          return;
        }
        verified[i].read = read_shard(file, m.shards[i].split, UINT64_MAX);
      });
    for (size_t i = 0; i < m.shards.size(); ++i) {
      const ShardInfo& info = m.shards[i];
      listed.insert(fs::path(info.path).lexically_normal().string());
      ShardReport s;
      s.path = info.path;
      s.split = info.split;
      s.records = info.records;
      const fs::path file = path_ / info.path;
      std::error_code ec;
      if (!fs::exists(file, ec)) {
        s.exists = false;
        problem(info.path, "missing (the manifest lists it)");
        r_.shards.push_back(std::move(s));
        continue;
      }
      s.bytes = fs::file_size(file);
      if (o_.verify) {
        if (s.bytes != info.bytes)
          problem(info.path, fmt::format("{}: {} bytes on disk, the manifest says {}",
                                         s.bytes < info.bytes ? "truncated" : "wrong size", s.bytes, info.bytes));
        if (read_listed) {
          if (verified[i].error) std::rethrow_exception(verified[i].error);
          for (const auto& p : check_shard(info, verified[i].sha, std::nullopt)) problem(info.path, p);
          const size_t before = r_.problems.size();
          merge_read(std::move(verified[i].read), s);
          if (r_.problems.size() == before && s.complete)
            for (const auto& p : check_shard(info, info.sha256, s.records)) problem(info.path, p);
        }
      } else if (!scanned_splits.count(info.split)) {
        scanned_splits.insert(info.split);
        read_shard(file, s, o_.scan_records);
      }
      r_.shards.push_back(std::move(s));
    }
    if (o_.verify) {
      if (m.split_records("train") + m.split_records("validation") != m.kept)
        problem("manifest.json", fmt::format("the shards hold {} records, counts.kept says {}",
                                             m.split_records("train") + m.split_records("validation"), m.kept));
      std::error_code ec;
      for (const auto& e : fs::directory_iterator(path_ / kDataDir, ec)) {
        const std::string rel = (fs::path(kDataDir) / e.path().filename()).lexically_normal().string();
        if (is_shard_file(e.path()) && !listed.count(rel)) problem(rel, "not listed in manifest.json (remove it)");
      }
    }
    tokenizer_and_tokens();
  }

  void tokenizer_and_tokens() {
    const Manifest* m = r_.manifest ? &*r_.manifest : nullptr;
    const fs::path model = path_ / (m && m->tokenizer ? m->tokenizer->path : "tokenizer.model");
    std::error_code ec;
    if (fs::exists(model, ec)) {
      r_.has_tokenizer = true;
      r_.tokenizer_bytes = fs::file_size(model);
      tokenizer_sha256_ = sha256_file(model);
      if (m && m->tokenizer) r_.tokenizer_vocab = m->tokenizer->vocab_size;
      if (o_.verify && m && m->tokenizer && sha256_file(model) != m->tokenizer->sha256)
        problem(m->tokenizer->path, "corrupted: sha256 differs from the manifest");
    } else if (m && m->tokenizer) {
      problem(m->tokenizer->path, "missing (the manifest lists it)");
    }
    std::set<std::string> listed;
    if (m) {
      for (const auto& t : m->token_shards) {
        listed.insert(fs::path(t.path).lexically_normal().string());
        token_file(path_ / t.path, t.path, &t);
      }
    }
    // Token shards the manifest does not list (encoded without a manifest).
    std::vector<fs::path> extra;
    for (const auto& e : fs::directory_iterator(path_ / kTokensDir, ec))
      if (e.path().extension() == ".bin" &&
          !listed.count((fs::path(kTokensDir) / e.path().filename()).lexically_normal().string()))
        extra.push_back(e.path());
    std::sort(extra.begin(), extra.end());
    for (const auto& p : extra) token_file(p, (fs::path(kTokensDir) / p.filename()).string(), nullptr);
  }

  void token_file(const fs::path& file, const std::string& name, const TokenShardInfo* listed) {
    TokenFileReport t;
    t.path = name;
    t.split = listed ? listed->split : split_of(file);
    std::error_code ec;
    if (!fs::exists(file, ec)) {
      problem(name, "missing (the manifest lists it)");
      r_.token_files.push_back(std::move(t));
      return;
    }
    t.bytes = fs::file_size(file);
    try {
      const TokenShardHeader h = read_token_header(file);
      t.tokens = h.tokens;
      check_token_tokenizer(file, h, tokenizer_sha256_);
    } catch (const StorageError& e) {
      problem(name, e.what());
      if (listed) t.tokens = listed->tokens;
    }
    if (o_.verify && listed) {
      if (t.tokens != listed->tokens)
        problem(name, fmt::format("{} tokens, the manifest says {}", t.tokens, listed->tokens));
      if (t.bytes != listed->bytes)
        problem(name, fmt::format("{} bytes on disk, the manifest says {}", t.bytes, listed->bytes));
      else if (sha256_file(file) != listed->sha256) problem(name, "corrupted: sha256 differs from the manifest");
    }
    r_.token_files.push_back(std::move(t));
  }

  void loose_dir() {
    r_.kind = "shards";
    fs::path dir = fs::exists(path_ / kDataDir) ? path_ / kDataDir : path_;
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir))
      if (e.is_regular_file() && is_shard_file(e.path())) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    if (files.empty() && !has_bin(path_ / kTokensDir))
      throw StorageError(path_.string() + " holds no manifest.json, no .jsonl[.zst] shards and no tokens/*.bin");
    for (const auto& f : files) {
      ShardReport s;
      s.path = fs::relative(f, path_).string();
      s.split = split_of(f);
      s.bytes = fs::file_size(f);
      read_shard(f, s, UINT64_MAX);
      r_.shards.push_back(std::move(s));
    }
    tokenizer_and_tokens();
  }

  void tokens_dir(const fs::path& dir, const std::string&) {
    r_.kind = "tokens";
    tokenizer_beside(dir);
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir))
      if (e.path().extension() == ".bin") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) token_file(f, f.filename().string(), nullptr);
  }

  fs::path path_;
  InspectOptions o_;
  InspectReport r_;
  std::string tokenizer_sha256_;  // of the dataset's tokenizer.model; "" when there is none
  std::map<std::string, size_t, std::less<>> field_index_;
  std::map<std::string, size_t> samples_per_split_;
};

}  // namespace

std::vector<std::string> check_shard(const ShardInfo& listed, const std::string& sha256,
                                     std::optional<uint64_t> records) {
  std::vector<std::string> problems;
  if (sha256 != listed.sha256)
    problems.push_back("corrupted: sha256 " + sha256.substr(0, 16) + "…, the manifest says " +
                       listed.sha256.substr(0, 16) + "…");
  if (records && *records != listed.records)
    problems.push_back(fmt::format("{} records, the manifest says {}", *records, listed.records));
  return problems;
}

InspectReport inspect(const fs::path& path, const InspectOptions& options) { return Inspector(path, options).run(); }

std::string InspectReport::to_text() const {
  std::string s;
  if (manifest) {
    const Manifest& m = *manifest;
    s += fmt::format("dataset {}: manifest schema {}, primer {}, finished {}\n", path, m.schema, m.primer_version,
                     m.finished_at);
    s += fmt::format("  kind {}, teacher {}, config sha256 {}\n", m.kind, m.teacher, m.config_hash.substr(0, 16));
    s += fmt::format("  prompts {} -> replies {} -> kept {} ({} train, {} validation), {:.1f} MB of text\n",
                     with_commas(m.prompts), with_commas(m.replies), with_commas(m.kept),
                     with_commas(m.split_records("train")), with_commas(m.split_records("validation")),
                     double(m.text_bytes) / 1e6);
    for (const auto& f : m.filters) {
      std::string reasons;
      for (const auto& d : f.dropped)
        if (d.count) reasons += fmt::format("{}{} {}", reasons.empty() ? "" : ", ", d.reason, with_commas(d.count));
      s += fmt::format("  filter {:<14} seen {:>10} kept {:>10}{}\n", f.name, with_commas(f.seen), with_commas(f.kept),
                       reasons.empty() ? "" : "  dropped: " + reasons);
    }
    if (m.cost_usd > 0 || m.prompt_tokens > 0)
      s += fmt::format("  teacher usage: {} prompt + {} completion tokens, ${:.4f}\n", with_commas(m.prompt_tokens),
                       with_commas(m.completion_tokens), m.cost_usd);
  } else {
    s += fmt::format("{} {}\n", kind, path);
  }
  if (!shards.empty()) {
    uint64_t bytes = 0, records = 0;
    for (const auto& sh : shards) bytes += sh.bytes, records += sh.records;
    s += fmt::format("shards: {} files, {} records, {:.2f} MB on disk\n", shards.size(), with_commas(records),
                     double(bytes) / 1e6);
    for (const auto& sh : shards) {
      if (!sh.exists) {
        s += fmt::format("  {:<44} MISSING\n", sh.path);
        continue;
      }
      s += fmt::format("  {:<44} {:>10} records {:>14} bytes{}{}\n", sh.path, with_commas(sh.records),
                       with_commas(sh.bytes),
                       sh.complete && sh.records
                           ? fmt::format("  {:.0f} text bytes/record", double(sh.text_bytes) / double(sh.records))
                           : "",
                       sh.malformed ? fmt::format("  {} malformed", sh.malformed) : "");
    }
  }
  if (records_read > 0) {
    s += fmt::format("fields (of {} records read):", with_commas(records_read));
    for (const auto& f : fields)
      s += fmt::format(
          " {} ({}{})", f.name, f.type,
          f.count == records_read ? "" : fmt::format(", {:.0f}%", 100.0 * double(f.count) / double(records_read)));
    s += "\n";
  }
  if (!samples.empty()) {
    s += "samples:\n";
    for (const auto& [split, text] : samples) {
      std::string one = text;
      std::replace(one.begin(), one.end(), '\n', ' ');
      s += fmt::format("  [{}] {}\n", split.empty() ? "-" : split, one);
    }
  }
  if (has_tokenizer) {
    const uint32_t asked = manifest && manifest->tokenizer ? manifest->tokenizer->requested_vocab_size : 0;
    s += fmt::format("tokenizer: {} bytes{}{}\n", with_commas(tokenizer_bytes),
                     tokenizer_vocab ? fmt::format(", {} pieces", tokenizer_vocab) : "",
                     asked > tokenizer_vocab && tokenizer_vocab ? fmt::format(" ({} asked for)", asked) : "");
  }
  if (!token_files.empty()) {
    uint64_t total = 0;
    for (const auto& t : token_files) total += t.tokens;
    s += fmt::format("tokens: {} in {} files\n", with_commas(total), token_files.size());
    for (const auto& t : token_files) s += fmt::format("  {:<44} {:>14} tokens\n", t.path, with_commas(t.tokens));
  }
  if (verified || !problems.empty()) {
    if (problems.empty()) {
      s += fmt::format("verify: OK ({} shards{}: sizes, sha256 and record counts match)\n", shards.size(),
                       token_files.empty() ? "" : fmt::format(", {} token shards", token_files.size()));
    } else {
      s += fmt::format("{}: {} problem{}\n", verified ? "verify: FAILED" : "problems", problems.size(),
                       problems.size() == 1 ? "" : "s");
      for (const auto& p : problems) s += "  " + p + "\n";
    }
  }
  return s;
}

std::string InspectReport::to_json() const {
  base::JsonWriter w;
  w.begin_object().field("path", path).field("kind", kind);
  if (manifest) w.key("manifest").raw(manifest->to_json());
  w.key("shards").begin_array();
  for (const auto& s : shards)
    w.begin_object()
        .field("path", s.path)
        .field("split", s.split)
        .field("exists", s.exists)
        .field("bytes", s.bytes)
        .field("records", s.records)
        .field("malformed", s.malformed)
        .field("complete", s.complete)
        .end_object();
  w.end_array();
  w.field("records_read", records_read);
  w.key("fields").begin_array();
  for (const auto& f : fields)
    w.begin_object().field("name", f.name).field("type", f.type).field("count", f.count).end_object();
  w.end_array();
  w.key("samples").begin_array();
  for (const auto& [split, text] : samples) w.begin_object().field("split", split).field("text", text).end_object();
  w.end_array();
  if (has_tokenizer)
    w.key("tokenizer")
        .begin_object()
        .field("bytes", tokenizer_bytes)
        .field("vocab_size", uint64_t(tokenizer_vocab))
        .end_object();
  w.key("tokens").begin_array();
  for (const auto& t : token_files)
    w.begin_object()
        .field("path", t.path)
        .field("split", t.split)
        .field("tokens", t.tokens)
        .field("bytes", t.bytes)
        .end_object();
  w.end_array();
  w.field("verified", verified).field("ok", ok());
  w.key("problems").begin_array();
  for (const auto& p : problems) w.value(p);
  w.end_array().end_object();
  return w.take() + "\n";
}

}  // namespace primer::storage
