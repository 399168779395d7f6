#include "pipeline/batch.h"

#include <simdjson.h>

#include <fmt/format.h>
#include <functional>
#include <unordered_map>

#include "base/json.h"
#include "base/rng.h"
#include "prompts/prompt.h"
#include "storage/files.h"
#include "storage/shard.h"

namespace primer::pipeline {
namespace fs = std::filesystem;
namespace {

// The sampler of a config (the vocabulary must outlive it).
struct Prompts {
  vocab::Vocabulary vocab;
  std::unique_ptr<prompts::PromptSampler> sampler;
  explicit Prompts(const Config& c)
      : vocab(vocab::Vocabulary::load(c.resolve(c.vocab_list, "vocab.list"))), sampler(make_sampler(c, vocab)) {}
};

void require_openai(const Config& c) {
  if (c.teacher.kind != "openai")
    throw ConfigError(c.file.string() + ": the Batch API needs [teacher] kind = \"openai\" (with a model)");
}

}  // namespace

BatchExport export_batch(const Config& config, const fs::path& dir, uint64_t max_lines, uint64_t max_bytes) {
  require_openai(config);
  Prompts p(config);
  generators::RequestOptions request = config.teacher.http.request;
  request.stream = false;  // the Batch API does not stream
  const std::string url = "/v1" + std::string(generators::endpoint_path(request));
  fs::create_directories(dir);
  BatchExport out;
  std::string buffer;
  uint64_t lines = 0;
  auto flush = [&] {
    if (lines == 0) return;
    const fs::path path = dir / fmt::format("batch-{:05d}.jsonl", out.files.size());
    storage::write_file_atomic(path, buffer);
    out.files.push_back(path);
    out.bytes += buffer.size();
    buffer.clear();
    lines = 0;
  };
  for (uint64_t i = 0; i < config.count; ++i) {
    const base::PromptSpec spec = p.sampler->sample(config.seed, i);
    std::string line = "{\"custom_id\":\"" + base::hex64(spec.id) + "\",\"method\":\"POST\",\"url\":\"" + url +
                       "\",\"body\":" + generators::request_body(request, spec) + "}\n";
    if (lines > 0 && (lines >= max_lines || buffer.size() + line.size() > max_bytes)) flush();
    buffer += line;
    ++lines;
    ++out.requests;
  }
  flush();
  return out;
}

namespace {

using LineFn = std::function<void(std::string_view)>;

// Joins the result lines that `each_source` delivers (one file after another) on custom_id.
BatchResults read_results(const Config& config, const std::function<void(const LineFn&)>& each_source) {
  require_openai(config);
  std::unordered_map<uint64_t, uint64_t> index_of;  // prompt id → index
  index_of.reserve(config.count);
  for (uint64_t i = 0; i < config.count; ++i) index_of.emplace(base::prompt_id(config.seed, i), i);
  const bool chat = config.teacher.http.request.endpoint != "completions";
  const auto& price = config.teacher.http.price;

  BatchResults r;
  simdjson::dom::parser parser;
  {
    each_source([&](std::string_view line) {
      if (line.empty()) return;
      ++r.lines;
      simdjson::dom::element e;
      std::string_view custom_id;
      if (parser.parse(line.data(), line.size()).get(e) || e["custom_id"].get(custom_id)) {
        ++r.malformed;
        return;
      }
      uint64_t id = 0;
      const auto it = base::parse_hex64(custom_id, id) ? index_of.find(id) : index_of.end();
      if (it == index_of.end()) {
        ++r.unknown;
        return;
      }
      if (r.replies.count(it->second)) {
        ++r.duplicates;
        return;
      }
      generators::Completion c;
      c.index = it->second;
      simdjson::dom::element error, response;
      if (!e["error"].get(error) && !error.is_null()) {
        simdjson::dom::element msg;
        c.error = !error["message"].get(msg) && msg.is_string() ? std::string(std::string_view(msg))
                                                                : std::string(simdjson::minify(error));
      } else if (e["response"].get(response) || !response.is_object()) {
        ++r.malformed;
        return;
      } else {
        int64_t status = 0;
        simdjson::dom::element body;
        if (response["status_code"].get(status) || response["body"].get(body)) {
          ++r.malformed;
          return;
        }
        const std::string body_json = simdjson::minify(body);
        if (status != 200) {
          c.error = generators::parse_error_body(status, body_json).message;
        } else {
          auto parsed = generators::parse_completion(body_json, chat);
          if (parsed.ok) {
            c.ok = true;
            c.reply = std::move(parsed.reply);
            if (price) c.cost_usd = generators::cost_usd(*price, c.reply.usage, true);
          } else {
            c.error = parsed.error;
          }
        }
      }
      if (c.ok) ++r.ok;
      else {
        ++r.failed;
        if (r.examples.size() < 3) r.examples.push_back(c.error);
      }
      r.replies.emplace(c.index, std::move(c));
    });
  }
  return r;
}

}  // namespace

BatchResults read_batch_results(const Config& config, const std::vector<fs::path>& files) {
  return read_results(config, [&](const LineFn& fn) {
    for (const auto& file : files) storage::read_lines(file, fn);
  });
}

BatchResults read_batch_results(const Config& config, std::istream& in, const std::string& name) {
  return read_results(config, [&](const LineFn& fn) { storage::read_lines(in, name, fn); });
}

}  // namespace primer::pipeline
