#include "pipeline/config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <fstream>
#include <set>
#include <sstream>
#include <unistd.h>

#include "base/text.h"
#include "filters/recipe_reply.h"
#include "pipeline/toml_reader.h"
#include "prompts/sampler.h"
#include "storage/files.h"
#include "storage/sha256.h"

#ifndef PRIMER_DATA_DIR
#define PRIMER_DATA_DIR "."
#endif

namespace primer::pipeline {
namespace {

class TomlFilterSettings final : public filters::FilterSettings {
 public:
  explicit TomlFilterSettings(TableReader& r) : r_(r) {}
  std::optional<double> number(std::string_view k) override { return r_.number(k); }
  std::optional<int64_t> integer(std::string_view k) override { return r_.integer(k); }
  std::optional<bool> boolean(std::string_view k) override { return r_.boolean(k); }
  std::optional<std::string> string(std::string_view k) override { return r_.string(k); }
  std::optional<std::vector<std::string>> strings(std::string_view k) override { return r_.strings(k); }
  [[noreturn]] void invalid(std::string_view k, const std::string& m) override { r_.fail(k, m); }

 private:
  TableReader& r_;
};

// [prompts.slots.NAME] tables, in the order the file declares them (toml++ sorts keys).
void read_slots(const toml::table& slots, const std::string& file, std::vector<prompts::SlotSpec>& out) {
  std::vector<std::pair<std::string, const toml::node*>> ordered;
  for (auto&& [k, v] : slots) ordered.emplace_back(std::string(k.str()), &v);
  std::stable_sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) {
    const auto &x = a.second->source().begin, &y = b.second->source().begin;
    return x.line != y.line ? x.line < y.line : x.column < y.column;
  });
  for (const auto& [name, node] : ordered) {
    const std::string key = "prompts.slots." + name;
    if (!node->is_table())
      throw ConfigError(where(file, node->source()) + ": " + key + " must be a table ([" + key + "])");
    if (name.empty() || !std::all_of(name.begin(), name.end(), [](char ch) {
          return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_';
        }))
      throw ConfigError(where(file, node->source()) + ": " + key + ": a slot name is letters, digits and '_'");
    TableReader r(*node->as_table(), key, file);
    prompts::SlotSpec s;
    s.name = name;
    const auto f = r.string("file");
    const auto values = r.strings("values");
    const auto voc = r.string("vocab");
    if (int(bool(f)) + int(bool(values)) + int(bool(voc)) != 1)
      throw ConfigError(where(file, node->source()) + ": " + key + " needs exactly one of file, values, vocab");
    if (f) s.file = *f;
    if (voc) s.vocab = *voc;
    if (values) {
      if (values->empty()) r.fail("values", "is empty");
      s.values = *values;
    }
    if (const toml::node* w = node->as_table()->get("weights")) {
      r.allow("weights");
      if (!values) r.fail("weights", "goes with values (a slot file gives weights in a TAB column)");
      const toml::array* a = w->as_array();
      if (!a) r.fail("weights", "must be an array of positive numbers");
      for (const auto& e : *a) {
        const auto d = e.value<double>();
        if (!d || !(*d > 0) || !std::isfinite(*d)) r.fail("weights", "must be an array of positive numbers");
        s.weights.push_back(*d);
      }
      if (s.weights.size() != s.values.size())
        r.fail("weights", "has " + std::to_string(s.weights.size()) + " numbers for " +
                              std::to_string(s.values.size()) + " values (one weight per value)");
    }
    const bool vocab_only[] = {r.string("pos").has_value(), r.integer("count").has_value(),
                               r.string("join").has_value(), r.boolean("require").has_value()};
    const char* vocab_keys[] = {"pos", "count", "join", "require"};
    for (size_t i = 0; i < std::size(vocab_keys); ++i)
      if (vocab_only[i] && !voc) r.fail(vocab_keys[i], "goes with vocab (a slot drawn from a vocabulary list)");
    if (auto v = r.string("pos")) {
      vocab::Pos p;
      if (!vocab::parse_pos(*v, p) || p == vocab::Pos::kFunc || p == vocab::Pos::kName)
        r.fail("pos", "must be noun, verb, adj or adv");
      s.pos = p;
    }
    if (auto v = r.integer("count")) {
      if (*v < 1 || *v > 100) r.fail("count", "must be between 1 and 100");
      s.count = static_cast<int>(*v);
    }
    if (auto v = r.string("join")) s.join = *v;
    if (auto v = r.boolean("require")) s.require = *v;
    r.finish();
    out.push_back(std::move(s));
  }
}

}  // namespace

Config parse_config(std::string_view text, const std::filesystem::path& origin) {
  const std::string file = origin.string();
  // Shared, so that each filter block can point into the parsed document (copies of
  // toml++ nodes lose their source positions, which error messages need).
  auto document = std::make_shared<toml::table>();
  toml::table& root = *document;
  try {
    root = toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    throw ConfigError(where(file, e.source()) + ": " + std::string(e.description()));
  }

  Config c;
  c.file = origin;
  TableReader top(root, "", file);
  auto positive = [&](TableReader& r, std::string_view key, int64_t v) {
    if (v <= 0) r.fail(key, "must be positive");
    return v;
  };
  if (auto v = top.integer("seed")) {
    if (*v < 0) top.fail("seed", "must not be negative");
    c.seed = static_cast<uint64_t>(*v);
  }
  if (auto v = top.integer("count")) c.count = static_cast<uint64_t>(positive(top, "count", *v));
  if (auto v = top.string("out")) c.out = *v;
  if (auto v = top.integer("tasks")) {
    if (*v < 1 || *v > 100000) top.fail("tasks", "must be between 1 and 100000");
    c.tasks = static_cast<uint32_t>(*v);
  }

  if (const auto* t = top.table("prompts")) {
    TableReader r(*t, "prompts", file);
    if (auto v = r.string("kind")) {
      const auto kinds = prompts::sampler_kinds();
      if (std::find(kinds.begin(), kinds.end(), *v) == kinds.end()) {
        std::string list;
        for (auto k : kinds) list += (list.empty() ? "" : ", ") + std::string(k);
        r.fail("kind", "'" + *v + "' is not supported by this build (supported: " + list + ")");
      }
      c.prompts.kind = *v;
    }
    c.prompts.template_path = prompts::default_template(c.prompts.kind);
    if (auto v = r.string("template")) c.prompts.template_path = *v;
    if (auto v = r.number("feature_probability")) {
      if (*v < 0 || *v > 1) r.fail("feature_probability", "must be between 0 and 1");
      c.prompts.feature_probability = *v;
    }
    const bool recipe = prompts::reply_shape(c.prompts.kind) == prompts::ReplyShape::kRecipe;
    if (recipe && !t->contains("template"))
      r.fail("kind", "= \"recipe\" needs a template (prompts.template = \"my-recipe.txt\")");
    if (const auto* slots = r.table("slots")) {
      if (!recipe) r.fail("slots", "is for kind = \"recipe\" only");
      read_slots(*slots, file, c.prompts.recipe.slots);
    } else if (recipe) {
      r.fail("kind", "= \"recipe\" needs slots ([prompts.slots.NAME] tables)");
    }
    if (auto v = r.strings("cover")) {
      if (!recipe) r.fail("cover", "is for kind = \"recipe\" only");
      for (const auto& name : *v) {
        const auto& slots = c.prompts.recipe.slots;
        const auto s = std::find_if(slots.begin(), slots.end(), [&](const auto& x) { return x.name == name; });
        if (s == slots.end()) r.fail("cover", "names '" + name + "', which is not a declared slot");
        if (!s->vocab.empty())
          r.fail("cover", "names '" + name + "', which draws from a vocabulary (cover file or values slots)");
      }
      c.prompts.recipe.cover = *v;
    }
    r.finish();
  }
  if (const auto* t = top.table("reply")) {
    TableReader r(*t, "reply", file);
    if (prompts::reply_shape(c.prompts.kind) != prompts::ReplyShape::kRecipe)
      throw ConfigError(where(file, t->source()) + ": [reply] is for [prompts] kind = \"recipe\" only");
    auto& reply = c.prompts.recipe.reply;
    if (auto v = r.string("format")) {
      if (*v == "text") reply.format = prompts::ReplyFormat::kText;
      else if (*v == "json") reply.format = prompts::ReplyFormat::kJson;
      else if (*v == "sections") reply.format = prompts::ReplyFormat::kSections;
      else r.fail("format", "must be \"text\", \"json\" or \"sections\"");
    }
    if (auto v = r.strings("fields")) reply.fields = *v;
    if (auto v = r.string("text")) reply.text = *v;
    if (reply.format == prompts::ReplyFormat::kText) {
      if (!reply.fields.empty()) r.fail("fields", "needs format = \"json\" or \"sections\" (a text reply is all text)");
      if (!reply.text.empty()) r.fail("text", "needs format = \"json\" or \"sections\" (a text reply is all text)");
    } else {
      if (reply.fields.empty()) r.fail("format", "needs fields = [\"...\"] (the json keys or section headings)");
      for (size_t i = 0; i < reply.fields.size(); ++i) {
        const std::string& f = reply.fields[i];
        if (f.empty() || base::trim(f) != f || f.find('\n') != std::string::npos)
          r.fail("fields", "has an empty name or one with surrounding spaces or a line break");
        if (std::find(reply.fields.begin(), reply.fields.begin() + static_cast<std::ptrdiff_t>(i), f) !=
            reply.fields.begin() + static_cast<std::ptrdiff_t>(i))
          r.fail("fields", "names '" + f + "' twice");
      }
      if (reply.text.empty()) r.fail("format", "needs text = \"FIELD\": the field that becomes the record's text");
      if (std::find(reply.fields.begin(), reply.fields.end(), reply.text) == reply.fields.end())
        r.fail("text", "'" + reply.text + "' is not one of the fields");
    }
    r.finish();
  }
  if (const auto* t = top.table("vocab")) {
    TableReader r(*t, "vocab", file);
    if (auto v = r.string("list")) c.vocab_list = *v;
    r.finish();
  }
  if (const auto* t = top.table("teacher")) {
    TableReader r(*t, "teacher", file);
    if (auto v = r.string("kind")) {
      if (*v != "builtin" && *v != "openai")
        r.fail("kind", "'" + *v + "' is not supported by this build (supported: builtin, openai)");
      c.teacher.kind = *v;
    }
    if (auto v = r.number("noise")) {
      if (*v < 0 || *v > 1) r.fail("noise", "must be between 0 and 1");
      c.teacher.noise = *v;
    }
    if (auto v = r.number("hostile")) {
      if (*v < 0 || *v + c.teacher.noise > 1) r.fail("hostile", "must be between 0 and 1 - noise");
      c.teacher.hostile = *v;
    }
    auto& h = c.teacher.http;
    auto& q = h.request;
    if (auto v = r.string("base_url")) {
      const size_t sep = v->find("://");
      std::string scheme = sep == std::string::npos ? std::string() : v->substr(0, sep);
      for (char& ch : scheme) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (scheme != "http" && scheme != "https") r.fail("base_url", "must start with http:// or https://");
      h.base_url = *v;
    }
    if (auto v = r.string("model")) q.model = *v;
    if (auto v = r.string("endpoint")) {
      if (*v != "chat" && *v != "completions") r.fail("endpoint", "must be \"chat\" or \"completions\"");
      q.endpoint = *v;
    }
    if (auto v = r.string("api_key_env")) h.api_key_env = *v;
    if (auto v = r.string("max_tokens_field")) {
      if (*v != "max_tokens" && *v != "max_completion_tokens")
        r.fail("max_tokens_field", "must be \"max_tokens\" or \"max_completion_tokens\"");
      q.max_tokens_field = *v;
    }
    if (auto v = r.integer("max_tokens")) q.max_tokens = positive(r, "max_tokens", *v);
    if (auto v = r.number("temperature")) {
      if (*v < 0 || *v > 2) r.fail("temperature", "must be between 0 and 2");
      q.temperature = *v;
    }
    if (auto v = r.number("top_p")) {
      if (*v <= 0 || *v > 1) r.fail("top_p", "must be in (0, 1]");
      q.top_p = *v;
    }
    if (auto v = r.boolean("seed")) q.seed = *v;
    if (auto v = r.integer("n")) {
      if (*v != 1) r.fail("n", "must be 1 (one story per prompt; more prompts make more stories)");
      q.n = *v;
    }
    if (auto v = r.strings("stop")) q.stop = *v;
    if (auto v = r.string("system_prompt")) q.system_prompt = *v;
    if (auto v = r.boolean("stream")) q.stream = *v;
    if (const auto* extra = r.table("extra_body")) {
      std::ostringstream js;
      js << toml::json_formatter{*extra, toml::format_flags::none};
      std::string members = js.str();
      // "{ ... }" → the members alone, appended to every request body.
      const size_t open = members.find('{'), close = members.rfind('}');
      members = members.substr(open + 1, close - open - 1);
      while (!members.empty() && (members.front() == ' ' || members.front() == '\n')) members.erase(0, 1);
      while (!members.empty() && (members.back() == ' ' || members.back() == '\n')) members.pop_back();
      q.extra_body = members;
    }
    if (auto v = r.integer("max_in_flight")) h.max_in_flight = static_cast<int>(positive(r, "max_in_flight", *v));
    if (auto v = r.number("rpm")) h.rpm = std::max(0.0, *v);
    if (auto v = r.number("tpm")) h.tpm = std::max(0.0, *v);
    if (auto v = r.integer("max_attempts")) h.max_attempts = static_cast<int>(positive(r, "max_attempts", *v));
    if (auto v = r.number("connect_timeout")) h.connect_timeout_s = *v;
    if (auto v = r.number("timeout")) h.timeout_s = *v;
    if (auto v = r.number("stall_timeout")) h.stall_timeout_s = *v;
    if (auto v = r.integer("max_reply_bytes"))
      h.max_reply_bytes = static_cast<size_t>(positive(r, "max_reply_bytes", *v));
    const auto pin = r.number("price_input"), pout = r.number("price_output");
    if (pin.has_value() != pout.has_value())
      r.fail(pin ? "price_input" : "price_output", "needs price_input and price_output together (USD per 1M tokens)");
    if (pin) h.price = generators::Price{*pin, *pout};
    else if (!q.model.empty()) h.price = generators::builtin_price(q.model);
    if (auto v = r.number("budget_usd")) {
      if (*v < 0) r.fail("budget_usd", "must not be negative");
      c.teacher.budget_usd = *v;
    }
    if (c.teacher.kind == "openai" && q.model.empty()) r.fail("kind", "= \"openai\" needs a model (teacher.model)");
    r.finish();
  }
  if (const auto* arr = top.array_of_tables("filters")) {
    for (const auto& node : *arr) {
      const toml::table& t = *node.as_table();
      TableReader r(t, "filters", file);
      FilterConfig f;
      const auto kind = r.string("kind");
      if (!kind) throw ConfigError(where(file, t.source()) + ": [[filters]] block without a kind");
      f.kind = *kind;
      f.where = where(file, t.source());
      f.table = std::shared_ptr<void>(document, const_cast<toml::table*>(&t));  // aliasing: shares ownership
      c.filters.push_back(std::move(f));
    }
  }
  if (const auto* t = top.table("storage")) {
    TableReader r(*t, "storage", file);
    if (auto v = r.integer("shard_records")) {
      if (*v < 0) r.fail("shard_records", "must not be negative (0: no limit)");
      c.storage.shard_records = *v;
    }
    if (auto v = r.number("shard_mb")) {
      if (*v < 0) r.fail("shard_mb", "must not be negative (0: no limit)");
      c.storage.shard_mb = *v;
    }
    if (c.storage.shard_records == 0 && c.storage.shard_mb == 0)
      r.fail(r.integer("shard_records") ? "shard_records" : "shard_mb",
             "and shard_mb cannot both be 0: shards need a size");
    if (auto v = r.integer("zstd_workers")) {
      if (*v < 0 || *v > 64) r.fail("zstd_workers", "must be between 0 and 64");
      c.storage.zstd_workers = static_cast<int>(*v);
    }
    if (auto v = r.boolean("rejected")) c.storage.rejected = *v;
    if (auto v = r.number("validation_fraction")) {
      if (*v < 0 || *v >= 1) r.fail("validation_fraction", "must be in [0, 1)");
      c.storage.validation_fraction = *v;
    }
    if (auto v = r.integer("zstd_level")) {
      if (*v < 1 || *v > 19) r.fail("zstd_level", "must be between 1 and 19");
      c.storage.zstd_level = static_cast<int>(*v);
    }
    if (auto v = r.string("license")) c.storage.license = *v;
    r.finish();
  }
  if (const auto* t = top.table("report")) {
    TableReader r(*t, "report", file);
    if (auto v = r.boolean("enabled")) c.report.enabled = *v;
    if (auto v = r.boolean("verify")) c.report.verify = *v;
    r.finish();
  }
  if (const auto* t = top.table("tokenizer")) {
    TableReader r(*t, "tokenizer", file);
    model::TokenizerOptions o;
    if (auto v = r.integer("vocab_size")) o.vocab_size = static_cast<int>(positive(r, "vocab_size", *v));
    if (auto v = r.string("model_type")) o.model_type = *v;
    if (auto v = r.integer("max_sentences")) o.max_sentences = static_cast<uint64_t>(positive(r, "max_sentences", *v));
    try {
      model::check_tokenizer_options(o);
    } catch (const model::TokenizerError& e) {
      throw ConfigError(where(file, t->source()) + ": [tokenizer] " + e.what());
    }
    r.finish();
    c.tokenizer = o;
  }
  top.finish();

  // Validate the filter blocks now (unknown kinds and keys), so a typo fails before the run.
  filters::FilterContext dry;
  dry.check_only = true;
  vocab::Vocabulary empty = vocab::Vocabulary::parse("x noun\nx verb\nx adj\n", "(check)");
  dry.vocab = &empty;
  c.input_files = {{"vocab.list", c.vocab_list}, {"prompts.template", c.prompts.template_path}};
  for (const auto& s : c.prompts.recipe.slots) {  // a recipe's slot files are inputs too
    if (!s.file.empty()) c.input_files.emplace_back("prompts.slots." + s.name + ".file", s.file);
    if (!s.vocab.empty()) c.input_files.emplace_back("prompts.slots." + s.name + ".vocab", s.vocab);
  }
  dry.resolve_path = [&c](const std::filesystem::path& p, std::string_view key) {
    auto resolved = c.resolve(p, key);
    c.input_files.emplace_back(std::string(key), p);  // the run reads it: its bytes join the inputs
    return resolved;
  };
  make_filters(c, dry);

  // The hash covers what decides the output. Operational keys (where the server is, how
  // hard to push it, what may be spent) can change between sessions of one run.
  toml::table canonical = root;
  canonical.erase("out");
  canonical.erase("report");
  canonical.erase("tasks");  // how a run is split does not change its output
  if (auto* teacher = canonical["teacher"].as_table())
    for (const char* key : {"base_url", "api_key_env", "max_in_flight", "rpm", "tpm", "max_attempts", "connect_timeout",
                            "timeout", "stall_timeout", "max_reply_bytes", "budget_usd"})
      teacher->erase(key);
  std::ostringstream json;
  json << toml::json_formatter{canonical, toml::format_flags::none};
  c.canonical_json = json.str();
  c.hash = storage::sha256_hex(c.canonical_json);
  return c;
}

std::vector<storage::InputFile> hash_inputs(const Config& config) {
  std::vector<storage::InputFile> out;
  for (const auto& [key, path] : config.input_files) {
    const std::filesystem::path resolved = config.resolve(path, key);
    out.push_back({key, resolved.string(), storage::sha256_file(resolved)});
  }
  return out;
}

std::string changed_input(const std::vector<storage::InputFile>& before, const std::vector<storage::InputFile>& now) {
  if (before.empty()) return "";
  auto what = [](const std::string& key) -> std::string {
    if (key == "vocab.list") return "the vocabulary list";
    if (key == "prompts.template") return "the prompt template";
    if (key.starts_with("prompts.slots.")) return key.ends_with(".vocab") ? "the slot vocabulary" : "the slot file";
    if (key == "filters.rules") return "the regex rules";
    if (key == "filters.eval_sets") return "the evaluation set";
    return "the file";
  };
  for (size_t i = 0; i < std::max(before.size(), now.size()); ++i) {
    if (i >= before.size()) return what(now[i].key) + " " + now[i].path + " (" + now[i].key + ") was not read before";
    if (i >= now.size() || before[i].key != now[i].key)
      return what(before[i].key) + " " + before[i].path + " (" + before[i].key + ") is no longer read";
    if (before[i].sha256 != now[i].sha256)
      return what(now[i].key) + " " + now[i].path + " (" + now[i].key + ") changed (sha256 " +
             before[i].sha256.substr(0, 12) + "..., now " + now[i].sha256.substr(0, 12) + "...)";
  }
  return "";
}

// The working directory's copy of a file wins over the one next to the config; when the
// two differ, say once (per key and file) which was loaded, so that a stray copy in the
// working directory does not pass for the config's own.
static void note_shadowed(std::string_view key, const std::filesystem::path& used,
                          const std::filesystem::path& beside) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(beside, ec) || std::filesystem::equivalent(used, beside, ec)) return;
  if (!std::filesystem::is_regular_file(used, ec)) return;
  if (storage::read_file(used) == storage::read_file(beside)) return;
  static std::mutex mutex;
  static std::set<std::string> noted;
  const std::lock_guard lock(mutex);
  if (!noted.insert(std::string(key) + "\n" + used.string()).second) return;
  std::fprintf(
      stderr,
      "primer: note: %.*s: loaded %s from the working directory (%s), not the different %s next to the config\n",
      int(key.size()), key.data(), used.c_str(), std::filesystem::current_path(ec).c_str(), beside.c_str());
}

Config load_config(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in || std::filesystem::is_directory(path))
    throw ConfigError("cannot read config file " + path.string() +
                      (std::filesystem::exists(path) ? "" : ": no such file"));
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_config(ss.str(), path);
}

std::filesystem::path Config::resolve(const std::filesystem::path& p, std::string_view key) const {
  if (p.is_absolute()) {
    if (!std::filesystem::exists(p))
      throw ConfigError(file.string() + ": " + std::string(key) + ": " + p.string() + " does not exist");
    return p;
  }
  const std::filesystem::path candidates[] = {p, file.parent_path() / p, std::filesystem::path(PRIMER_DATA_DIR) / p};
  for (const auto& c : candidates)
    if (std::filesystem::exists(c)) {
      if (&c == &candidates[0]) note_shadowed(key, c, candidates[1]);
      return c;
    }
  throw ConfigError(file.string() + ": " + std::string(key) + " = \"" + p.string() +
                    "\" not found (looked in the working directory, next to the config, and in " + PRIMER_DATA_DIR +
                    ")");
}

std::unique_ptr<prompts::PromptSampler> make_sampler(const Config& config, const vocab::Vocabulary& vocab) {
  prompts::SamplerOptions o;
  o.kind = config.prompts.kind;
  o.template_path = config.resolve(config.prompts.template_path, "prompts.template");
  o.feature_probability = config.prompts.feature_probability;
  o.recipe = config.prompts.recipe;
  for (auto& s : o.recipe.slots) {
    if (!s.file.empty()) s.file = config.resolve(s.file, "prompts.slots." + s.name + ".file");
    if (!s.vocab.empty()) s.vocab = config.resolve(s.vocab, "prompts.slots." + s.name + ".vocab");
  }
  try {
    return prompts::make_sampler(o, vocab);
  } catch (const prompts::PromptError& e) {
    const std::string_view m = e.what();
    // A recipe's own keys ("prompts.slots.topic: ...") are named with the config file.
    if (m.starts_with("prompts.") || m.starts_with("slot ") || m.starts_with("kind "))
      throw ConfigError(config.file.string() + ": " + std::string(m));
    throw ConfigError(e.what());
  }
}

std::vector<std::unique_ptr<filters::Filter>> make_filters(const Config& config,
                                                           const filters::FilterContext& context) {
  std::vector<std::unique_ptr<filters::Filter>> out;
  const std::string file = config.file.string();
  // A recipe's reply is read into its text and fields before any other filter looks.
  if (prompts::reply_shape(config.prompts.kind) == prompts::ReplyShape::kRecipe)
    out.push_back(filters::make_reply_filter(config.prompts.recipe.reply, context));
  // Instruct replies are split into story and summary before any other filter looks.
  if (prompts::reply_shape(config.prompts.kind) == prompts::ReplyShape::kInstruct &&
      std::none_of(config.filters.begin(), config.filters.end(),
                   [](const FilterConfig& f) { return f.kind == "instruct"; })) {
    const toml::table empty;
    TableReader r(empty, "filters", file);
    TomlFilterSettings settings(r);
    out.push_back(filters::make_filter("instruct", settings, context));
  }
  for (const auto& f : config.filters) {
    const auto& table = *static_cast<const toml::table*>(f.table.get());
    TableReader r(table, "filters", file);
    r.allow("kind");
    TomlFilterSettings settings(r);
    try {
      out.push_back(filters::make_filter(f.kind, settings, context));
    } catch (const std::invalid_argument& e) {
      throw ConfigError(f.where + ": " + e.what());
    }
    r.finish();
  }
  return out;
}

std::vector<storage::FilterReport> filter_reports(const filters::FilterChain& chain) {
  std::vector<storage::FilterReport> out;
  for (const auto& c : chain.counts()) {
    storage::FilterReport r;
    r.name = c.name;
    r.seen = c.seen;
    r.kept = c.kept;
    for (const auto& [reason, n] : c.dropped) r.dropped.push_back({std::string(reason), n});
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<filters::FilterCounts> filter_counts(const std::vector<storage::FilterReport>& reports) {
  std::vector<filters::FilterCounts> out;
  for (const auto& f : reports) {
    filters::FilterCounts c;
    c.name = f.name;
    c.seen = f.seen;
    c.kept = f.kept;
    for (const auto& d : f.dropped) c.dropped.emplace_back(d.reason, d.count);
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace primer::pipeline
