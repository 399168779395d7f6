#include "storage/manifest.h"

#include <simdjson.h>

#include <ctime>

#include <fmt/format.h>

#include "base/json.h"

namespace primer::storage {

uint64_t FilterReport::dropped_total() const {
  uint64_t n = 0;
  for (const auto& d : dropped) n += d.count;
  return n;
}

uint64_t Manifest::split_records(std::string_view split) const {
  uint64_t n = 0;
  for (const auto& s : shards)
    if (s.split == split) n += s.records;
  return n;
}

uint64_t Manifest::split_tokens(std::string_view split) const {
  uint64_t n = 0;
  for (const auto& s : token_shards)
    if (s.split == split) n += s.tokens;
  return n;
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string Manifest::to_json() const {
  base::JsonWriter w(2);
  w.begin_object();
  w.field("schema", schema).field("primer_version", primer_version);
  w.field("config_hash", config_hash);
  w.key("config").raw(config_json.empty() ? "{}" : config_json);
  if (!inputs.empty()) {
    w.key("inputs").begin_array();
    for (const auto& f : inputs)
      w.begin_object().field("key", f.key).field("path", f.path).field("sha256", f.sha256).end_object();
    w.end_array();
  }
  w.field("kind", kind).field("teacher", teacher);
  if (!caveats.empty()) {
    w.key("caveats").begin_array();
    for (const auto& c : caveats) w.value(c);
    w.end_array();
  }
  w.key("counts").begin_object();
  w.field("prompts", prompts).field("replies", replies).field("teacher_failures", teacher_failures);
  w.field("kept", kept);
  w.field("train", split_records("train")).field("validation", split_records("validation"));
  w.field("text_bytes", text_bytes).field("invalid_utf8", invalid_utf8);
  w.end_object();
  w.key("filters").begin_array();
  for (const auto& f : filters) {
    w.begin_object().field("name", f.name).field("seen", f.seen).field("kept", f.kept);
    w.key("dropped").begin_object();
    for (const auto& d : f.dropped) w.field(d.reason, d.count);
    w.end_object().end_object();
  }
  w.end_array();
  if (compression)
    w.key("compression")
        .begin_object()
        .field("zstd_level", int64_t(compression->zstd_level))
        .field("zstd_workers", int64_t(compression->zstd_workers))
        .field("zstd_workers_from", compression->workers_auto ? "auto" : "config")
        .end_object();
  w.key("shards").begin_array();
  for (const auto& s : shards)
    w.begin_object()
        .field("path", s.path)
        .field("split", s.split)
        .field("records", s.records)
        .field("bytes", s.bytes)
        .field("sha256", s.sha256)
        .end_object();
  w.end_array();
  w.key("usage")
      .begin_object()
      .field("prompt_tokens", prompt_tokens)
      .field("completion_tokens", completion_tokens)
      .end_object();
  w.key("cost").begin_object().field("usd", cost_usd).end_object();
  w.key("timings")
      .begin_object()
      .field("started_at", started_at)
      .field("finished_at", finished_at)
      .field("seconds", seconds)
      .end_object();
  if (tokenizer) {
    w.key("tokenizer")
        .begin_object()
        .field("path", tokenizer->path)
        .field("model_type", tokenizer->model_type)
        .field("vocab_size", uint64_t(tokenizer->vocab_size));
    if (tokenizer->requested_vocab_size) w.field("requested_vocab_size", uint64_t(tokenizer->requested_vocab_size));
    w.field("sentences", tokenizer->sentences).field("sha256", tokenizer->sha256).end_object();
  }
  if (!token_shards.empty()) {
    w.key("tokens")
        .begin_object()
        .field("train", split_tokens("train"))
        .field("validation", split_tokens("validation"));
    w.key("shards").begin_array();
    for (const auto& t : token_shards)
      w.begin_object()
          .field("path", t.path)
          .field("split", t.split)
          .field("documents", t.documents)
          .field("tokens", t.tokens)
          .field("bytes", t.bytes)
          .field("sha256", t.sha256)
          .end_object();
    w.end_array().end_object();
  }
  w.end_object();
  return w.take() + "\n";
}

Manifest Manifest::parse(std::string_view json, std::string_view origin) {
  auto fail = [&](const std::string& what) -> StorageError { return StorageError(std::string(origin) + ": " + what); };
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto err = parser.parse(json.data(), json.size()).get(root); err)
    throw fail(std::string("not valid JSON (") + simdjson::error_message(err) + ")");
  auto inner = [&](simdjson::dom::element e, const char* what) {
    const std::string_view path(e["path"]);
    if (!is_inner_path(path))
      throw fail(fmt::format("{} path \"{}\" is not a relative path inside the dataset", what, path));
    return std::string(path);
  };
  Manifest m;
  try {
    m.schema = static_cast<int>(int64_t(root["schema"]));
    if (m.schema != kManifestSchema)
      throw fail("manifest schema " + std::to_string(m.schema) + " is not supported (expected " +
                 std::to_string(kManifestSchema) + ")");
    m.primer_version = std::string(std::string_view(root["primer_version"]));
    m.config_hash = std::string(std::string_view(root["config_hash"]));
    m.config_json = simdjson::minify(root["config"]);
    simdjson::dom::array inputs;
    if (!root["inputs"].get(inputs))
      for (auto f : inputs)
        m.inputs.push_back({std::string(std::string_view(f["key"])), std::string(std::string_view(f["path"])),
                            std::string(std::string_view(f["sha256"]))});
    m.kind = std::string(std::string_view(root["kind"]));
    m.teacher = std::string(std::string_view(root["teacher"]));
    auto counts = root["counts"];
    m.prompts = uint64_t(counts["prompts"]);
    m.replies = uint64_t(counts["replies"]);
    m.teacher_failures = uint64_t(counts["teacher_failures"]);
    m.kept = uint64_t(counts["kept"]);
    m.text_bytes = uint64_t(counts["text_bytes"]);
    m.invalid_utf8 = uint64_t(counts["invalid_utf8"]);
    for (auto f : root["filters"].get_array()) {
      FilterReport r;
      r.name = std::string(std::string_view(f["name"]));
      r.seen = uint64_t(f["seen"]);
      r.kept = uint64_t(f["kept"]);
      for (auto [reason, count] : f["dropped"].get_object())
        r.dropped.push_back({std::string(reason), uint64_t(count)});
      m.filters.push_back(std::move(r));
    }
    for (auto s : root["shards"].get_array()) {
      ShardInfo info;
      info.path = inner(s, "shard");
      info.split = std::string(std::string_view(s["split"]));
      info.records = uint64_t(s["records"]);
      info.bytes = uint64_t(s["bytes"]);
      info.sha256 = std::string(std::string_view(s["sha256"]));
      m.shards.push_back(std::move(info));
    }
    m.prompt_tokens = uint64_t(root["usage"]["prompt_tokens"]);
    m.completion_tokens = uint64_t(root["usage"]["completion_tokens"]);
    m.cost_usd = double(root["cost"]["usd"]);
    m.started_at = std::string(std::string_view(root["timings"]["started_at"]));
    m.finished_at = std::string(std::string_view(root["timings"]["finished_at"]));
    m.seconds = double(root["timings"]["seconds"]);
    simdjson::dom::array caveats;
    if (!root["caveats"].get(caveats))
      for (auto c : caveats) m.caveats.emplace_back(std::string_view(c));
    simdjson::dom::element t;
    if (!root["compression"].get(t)) {
      CompressionInfo c;
      c.zstd_level = static_cast<int>(int64_t(t["zstd_level"]));
      c.zstd_workers = static_cast<int>(int64_t(t["zstd_workers"]));
      c.workers_auto = std::string_view(t["zstd_workers_from"]) == "auto";
      m.compression = c;
    }
    if (!root["tokenizer"].get(t)) {
      TokenizerInfo info;
      info.path = inner(t, "tokenizer");
      info.model_type = std::string(std::string_view(t["model_type"]));
      info.vocab_size = static_cast<uint32_t>(uint64_t(t["vocab_size"]));
      uint64_t requested = 0;
      if (!t["requested_vocab_size"].get_uint64().get(requested))
        info.requested_vocab_size = static_cast<uint32_t>(requested);
      info.sentences = uint64_t(t["sentences"]);
      info.sha256 = std::string(std::string_view(t["sha256"]));
      m.tokenizer = std::move(info);
    }
    if (!root["tokens"].get(t)) {
      for (auto s : t["shards"].get_array()) {
        TokenShardInfo info;
        info.path = inner(s, "token shard");
        info.split = std::string(std::string_view(s["split"]));
        info.documents = uint64_t(s["documents"]);
        info.tokens = uint64_t(s["tokens"]);
        info.bytes = uint64_t(s["bytes"]);
        info.sha256 = std::string(std::string_view(s["sha256"]));
        m.token_shards.push_back(std::move(info));
      }
    }
  } catch (const simdjson::simdjson_error& e) {
    throw fail(std::string("malformed manifest (") + e.what() + ")");
  }
  return m;
}

Manifest Manifest::load(const std::filesystem::path& path) { return parse(read_file(path), path.string()); }

}  // namespace primer::storage
