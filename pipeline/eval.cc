#include "pipeline/eval.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>
#include <simdjson.h>
#include <tbb/parallel_for.h>

#include "base/json.h"
#include "base/rng.h"
#include "base/svg.h"
#include "base/text.h"
#include "generators/http_teacher.h"
#include "model/export.h"
#include "model/inference.h"
#include "model/train.h"
#include "model/transformer.h"
#include "storage/layout.h"
#include "pipeline/run.h"
#include "prompts/prompt.h"
#include "prompts/sampler.h"
#include "storage/files.h"
#include "storage/reader.h"
#include "storage/shard.h"
#include "storage/tokens.h"

namespace primer::pipeline {

namespace fs = std::filesystem;

namespace {

// Lower-case word tokens (letters, digits, apostrophes inside words).
std::vector<std::string> words_of(std::string_view text) {
  std::vector<std::string> out;
  std::string cur;
  for (char ch : text) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || (c == '\'' && !cur.empty()) || c >= 0x80) cur += static_cast<char>(std::tolower(c));
    else if (!cur.empty()) out.push_back(std::move(cur)), cur.clear();
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

bool sentence_end(char c) { return c == '.' || c == '!' || c == '?'; }

bool ends_sentence(std::string_view text) {
  while (!text.empty() && (std::isspace(static_cast<unsigned char>(text.back())) || text.back() == '"' ||
                           text.back() == '\'' || text.back() == ')'))
    text.remove_suffix(1);
  return !text.empty() && sentence_end(text.back());
}

// Share of word 4-grams that repeat an earlier 4-gram of the same text.
double repetition(const std::vector<std::string>& w) {
  if (w.size() < 5) return 0;
  std::unordered_set<std::string> seen;
  uint64_t repeats = 0, total = 0;
  for (size_t i = 0; i + 4 <= w.size(); ++i, ++total)
    if (!seen.insert(w[i] + ' ' + w[i + 1] + ' ' + w[i + 2] + ' ' + w[i + 3]).second) ++repeats;
  return static_cast<double>(repeats) / static_cast<double>(total);
}

double clamp_score(double x) { return std::clamp(std::round(1 + 9 * std::clamp(x, 0.0, 1.0)), 1.0, 10.0); }

// The offline grader: measurable proxies, written as a grader's answer.
std::string heuristic_grade(std::string_view beginning, std::string_view completion, const vocab::Vocabulary& vocab,
                            bool plot) {
  const auto w = words_of(completion);
  // sentences: capitalised start and a terminal mark
  uint64_t sentences = 0, well_formed = 0;
  std::string_view rest = completion;
  while (!rest.empty()) {
    size_t end = 0;
    while (end < rest.size() && !sentence_end(rest[end])) ++end;
    std::string_view s = rest.substr(0, std::min(rest.size(), end + 1));
    rest.remove_prefix(s.size());
    while (!s.empty() && (std::isspace(static_cast<unsigned char>(s.front())) || s.front() == '"')) s.remove_prefix(1);
    if (s.empty()) continue;
    ++sentences;
    if (std::isupper(static_cast<unsigned char>(s.front())) && sentence_end(s.back())) ++well_formed;
  }
  const double shape = sentences ? static_cast<double>(well_formed) / static_cast<double>(sentences) : 0;
  const double oov = vocab.score(completion).oov_rate();
  const double rep = repetition(w);
  const double grammar = clamp_score(0.5 * shape + 0.3 * (1 - std::min(1.0, 5 * oov)) + 0.2 * (1 - rep));
  std::set<std::string> content;
  for (const auto& x : words_of(beginning))
    if (x.size() >= 4) content.insert(x);
  std::set<std::string> used(w.begin(), w.end());
  uint64_t reused = 0;
  for (const auto& x : content) reused += used.count(x);
  const double consistency = clamp_score(
      content.empty() ? 0.5 : std::min(1.0, 2.5 * static_cast<double>(reused) / static_cast<double>(content.size())));
  std::set<std::string> bigrams;
  for (size_t i = 0; i + 1 < w.size(); ++i) bigrams.insert(w[i] + ' ' + w[i + 1]);
  const double distinct = w.size() > 1 ? static_cast<double>(bigrams.size()) / static_cast<double>(w.size() - 1) : 0;
  const double creativity = clamp_score(distinct * std::min(1.0, static_cast<double>(w.size()) / 60.0));
  std::string answer = fmt::format(
      "Heuristic grade (offline; not a language model).\nGrammar: {:.0f}/10\nCreativity: {:.0f}/10\n"
      "Consistency: {:.0f}/10\n",
      grammar, creativity, consistency);
  if (plot) answer += fmt::format("Plot: {:.0f}/10\n", std::round((grammar + consistency) / 2));
  return answer;
}

struct Completion {
  std::string beginning, text;
  bool greedy = true;
};

// BOS + the tokens of `text`, in at most `budget` tokens: a text too long loses words at
// its front (the model continues its end), or tokens when even its last word is too long.
// `text` becomes what is kept. Returns whether it was cut.
bool fit_prompt(const model::Tokenizer& tok, std::string& text, size_t budget, std::vector<int>& ids) {
  auto encode = [&](std::string_view t) {
    ids.assign(1, tok.bos_id());
    tok.encode(t, ids);
    return ids.size() <= budget;
  };
  if (encode(text)) return false;
  std::vector<size_t> starts;  // word starts after the first, in order
  for (size_t i = 1; i < text.size(); ++i)
    if (std::isspace(static_cast<unsigned char>(text[i - 1])) && !std::isspace(static_cast<unsigned char>(text[i])))
      starts.push_back(i);
  // the earliest start whose rest fits (the token count falls as the start moves right)
  size_t lo = 0, hi = starts.size();
  while (lo < hi) {
    const size_t mid = (lo + hi) / 2;
    if (encode(std::string_view(text).substr(starts[mid]))) hi = mid;
    else lo = mid + 1;
  }
  if (lo < starts.size() && encode(std::string_view(text).substr(starts[lo]))) {
    text.erase(0, starts[lo]);
    return true;
  }
  encode(text);  // not even the last word fits: its last tokens
  ids.erase(ids.begin() + 1, ids.end() - static_cast<std::ptrdiff_t>(budget - 1));
  text = tok.decode(std::span<const int>(ids).subspan(1));
  return true;
}

std::optional<double> score_value(simdjson::dom::element e) {
  double d;
  if (!e.get_double().get(d)) return d;
  std::string_view s;
  if (!e.get_string().get(s)) {
    char* end = nullptr;
    const std::string str(s);
    d = std::strtod(str.c_str(), &end);
    if (end != str.c_str()) return d;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::map<std::string, double>> parse_scores(std::string_view answer,
                                                          const std::vector<std::string>& keys) {
  auto valid = [](double v) { return v >= 1 && v <= 10; };
  // 1. the last JSON object that holds every key
  simdjson::dom::parser parser;
  std::optional<std::map<std::string, double>> best;
  for (const std::string_view candidate : base::json_object_candidates(answer)) {
    simdjson::padded_string padded(candidate);
    simdjson::dom::element root;
    simdjson::dom::object obj;
    if (parser.parse(padded).get(root) || root.get_object().get(obj)) continue;
    std::map<std::string, double> got;
    for (auto [k, v] : obj) {
      const std::string key = base::ascii_lower(k);
      if (std::find(keys.begin(), keys.end(), key) == keys.end()) continue;
      if (auto x = score_value(v); x && valid(*x)) got[key] = *x;
    }
    if (got.size() == keys.size()) best = got;
  }
  if (best) return best;
  // 2. "Grammar: 7/10" lines (the last mention of each key wins)
  std::map<std::string, double> got;
  const std::string text = base::ascii_lower(answer);
  for (const auto& key : keys) {
    for (size_t at = text.find(key); at != std::string::npos; at = text.find(key, at + 1)) {
      size_t i = at + key.size();
      while (i < text.size() &&
             (text[i] == ' ' || text[i] == '*' || text[i] == ':' || text[i] == '=' || text[i] == '-'))
        ++i;
      if (i >= text.size() || !std::isdigit(static_cast<unsigned char>(text[i]))) continue;
      const double v = std::strtod(text.c_str() + i, nullptr);
      if (valid(v)) got[key] = v;
    }
  }
  if (got.size() == keys.size()) return got;
  return std::nullopt;
}

std::string story_beginning(std::string_view story, double share) {
  const auto total = words_of(story).size();
  std::vector<size_t> ends;  // positions after each sentence end
  for (size_t i = 0; i < story.size(); ++i) {
    if (!sentence_end(story[i])) continue;
    size_t e = i + 1;
    if (e < story.size() && story[e] == '"') ++e;
    if (e < story.size() && !std::isspace(static_cast<unsigned char>(story[e]))) continue;  // "3.5", "Mr.Tom"
    size_t next = e;
    while (next < story.size() && std::isspace(static_cast<unsigned char>(story[next]))) ++next;
    // "Hi!" said Sue. — the sentence goes on after a quotation
    if (next < story.size() && std::islower(static_cast<unsigned char>(story[next]))) continue;
    ends.push_back(e);
  }
  if (ends.size() < 2) return "";
  size_t cut = ends[0];
  for (size_t e : ends) {
    if (e >= story.size() - 1) break;  // never the whole story
    if (static_cast<double>(words_of(story.substr(0, e)).size()) > share * static_cast<double>(total)) break;
    cut = e;
  }
  return std::string(story.substr(0, cut));
}

namespace {

// Validation windows of seq_len + 1 tokens, up to `count`, evenly spaced through the
// concatenated tokens/validation-*.bin shards (in name order).
std::vector<std::vector<int>> validation_windows(const fs::path& data, int seq_len, int count, const std::string& sha) {
  std::vector<fs::path> shards;
  if (!data.empty() && fs::exists(data / storage::kTokensDir))
    for (const auto& e : fs::directory_iterator(data / storage::kTokensDir))
      if (storage::split_of(e.path()) == "validation" && storage::is_token_file(e.path())) shards.push_back(e.path());
  std::sort(shards.begin(), shards.end());
  std::vector<uint16_t> all;
  for (const fs::path& p : shards) {
    storage::check_token_tokenizer(p, storage::read_token_header(p), sha);
    const auto t = storage::read_token_shard(p);
    all.insert(all.end(), t.begin(), t.end());
  }
  const size_t w = static_cast<size_t>(seq_len) + 1, available = all.size() / w;
  const size_t n = std::min<size_t>(available, static_cast<size_t>(count));
  std::vector<std::vector<int>> out;
  for (size_t i = 0; i < n; ++i) {
    const size_t start = i * available / n * w;
    out.emplace_back(all.begin() + static_cast<std::ptrdiff_t>(start),
                     all.begin() + static_cast<std::ptrdiff_t>(start + w));
  }
  return out;
}

// EvalResult::formats: the model as loaded, then each of o.formats (see eval.h).
template <typename Log>
void compare_formats(const model::LoadedModel& loaded, const model::InferenceModel& reference, const fs::path& data,
                     const std::vector<std::vector<int>>& prompts, const model::Tokenizer& tok, const EvalOptions& o,
                     EvalResult& r, Log&& log) {
  if (o.formats.empty()) return;
  constexpr int kGreedyTokens = 50;
  const auto windows = validation_windows(data, loaded.config.seq_len, 16, tok.sha256());
  r.format_windows = windows.size();
  for (const auto& w : windows) r.format_tokens += w.size() - 1;
  auto greedy = [&](const model::InferenceModel& m) {
    std::vector<std::vector<int>> out(prompts.size());
    tbb::parallel_for(size_t{0}, prompts.size(), [&](size_t i) {
      model::GenerateRequest req;
      req.prompt = prompts[i];
      req.max_tokens = kGreedyTokens;
      req.stop_tokens = {tok.bos_id(), tok.eos_id()};
      req.vocab_limit = tok.vocab_size();
      req.sampling = model::SamplingOptions{0.0f, 1.0f, 0, 1};
      out[i] = model::generate(m, req).tokens;
    });
    return out;
  };
  auto measure = [&](const model::InferenceModel& m, FormatQuality& q) {
    q.bytes_per_token = m.bytes_per_token();
    if (!windows.empty()) q.perplexity = std::exp(model::decoding_loss(m, windows));
  };
  FormatQuality ref;
  ref.format = std::string(model::kernels::weight_type_name(reference.weight_type()));
  ref.reference = true;
  ref.greedy_identical = 1;
  measure(reference, ref);
  const auto ref_greedy = greedy(reference);
  r.formats.push_back(ref);
  for (const std::string& name : o.formats) {
    FormatQuality q;
    q.format = name;
    const auto type = model::kernels::parse_weight_type(name);
    if (!type) throw RunError("unknown weight format '" + name + "' (f32, f16, bf16 or q8_0)");
    try {
      const model::InferenceModel m = model::inference_model(loaded, *type);
      log(fmt::format("eval: {} weights: perplexity on {} validation windows, {} greedy continuations", name,
                      windows.size(), prompts.size()));
      measure(m, q);
      const auto g = greedy(m);
      size_t same = 0;
      for (size_t i = 0; i < g.size(); ++i) same += g[i] == ref_greedy[i];
      q.greedy_identical = g.empty() ? 0 : static_cast<double>(same) / static_cast<double>(g.size());
    } catch (const model::ModelError& e) {
      q.skipped = e.what();
    }
    r.formats.push_back(q);
  }
  for (const FormatQuality& q : r.formats) {
    if (!q.skipped.empty()) continue;
    if (q.perplexity) r.automatic["weights." + q.format + ".perplexity"] = *q.perplexity;
    r.automatic["weights." + q.format + ".greedy_identical_50"] = q.greedy_identical;
  }
}

}  // namespace

EvalResult evaluate(const Config& config, const EvalOptions& o) {
  auto log = [&](const std::string& s) {
    if (o.progress) std::fprintf(stderr, "%s\n", s.c_str());
  };
  EvalResult r;
  model::LoadedModel loaded = model::load_model(o.checkpoint);
  r.checkpoint = fs::is_directory(loaded.path) ? loaded.path : loaded.path.parent_path();
  if (!loaded.tokenizer) throw RunError(loaded.path.string() + " carries no tokenizer.model; cannot complete text");
  const model::Tokenizer& tok = *loaded.tokenizer;
  const fs::path data = o.data.empty() ? config.out : o.data;
  const bool instruct = prompts::reply_shape(config.prompts.kind) == prompts::ReplyShape::kInstruct;

  // validation loss
  {
    model::Transformer t(loaded.config);
    std::copy(loaded.weights.begin(), loaded.weights.end(), t.parameters().begin());
    if (!data.empty() && fs::exists(data / storage::kTokensDir)) {
      r.val_loss = model::validation_loss(t, data, 8, loaded.config.seq_len, 8, tok.sha256());
      if (r.val_loss) r.automatic["val_loss"] = *r.val_loss, r.automatic["perplexity"] = std::exp(*r.val_loss);
    }
  }

  // beginnings
  std::vector<std::string> beginnings;
  if (o.beginnings) {
    storage::read_lines(*o.beginnings, [&](std::string_view line) {
      if (!line.empty() && static_cast<int>(beginnings.size()) < o.samples) beginnings.emplace_back(line);
    });
  } else {
    if (data.empty() || !fs::exists(data))
      throw RunError("no dataset to take story beginnings from: set out in the config, or pass --data or --beginnings");
    auto shards = model::dataset_shards(data);
    std::stable_partition(shards.begin(), shards.end(), [](const auto& s) { return s.split == "validation"; });
    for (const auto& s : shards) {
      if (static_cast<int>(beginnings.size()) >= o.samples) break;
      storage::for_each_record(data / s.path, [&](const storage::RecordView& rec) {
        if (static_cast<int>(beginnings.size()) >= o.samples) return;
        // Instruct records: the instruction lines, "Story: " and the story's first sentences
        const std::string_view text = rec.text;
        const size_t story = text.starts_with("Story: ") ? 0 : text.find("\nStory: ");
        const size_t cut = story == std::string_view::npos ? 0 : text.find("Story: ", story) + 7;
        std::string b = story_beginning(text.substr(cut));
        if (!b.empty()) beginnings.push_back(std::string(text.substr(0, cut)) + b);
      });
    }
  }
  if (beginnings.empty()) throw RunError("no story beginnings found (stories need at least two sentences)");
  log(fmt::format("eval: {} beginnings, greedy and sampled completions of up to {} tokens", beginnings.size(),
                  o.max_tokens));

  // Prompts: BOS + the beginning, leaving room in the context for the completion (up to
  // max_tokens, at most half the context). A longer beginning keeps its end.
  const int context = loaded.config.seq_len;
  const size_t budget = static_cast<size_t>(context - std::min(o.max_tokens, context / 2));
  std::vector<std::vector<int>> prompts(beginnings.size());
  for (size_t i = 0; i < beginnings.size(); ++i) r.beginnings_cut += fit_prompt(tok, beginnings[i], budget, prompts[i]);
  r.beginnings = beginnings.size();
  if (r.beginnings_cut)
    log(
        fmt::format("eval: {} of {} beginnings were longer than {} tokens (the context of {} less room for the "
                    "completion) and lost their first words",
                    r.beginnings_cut, beginnings.size(), budget, context));

  // completions: greedy and sampled for each beginning
  const model::InferenceModel im = model::inference_model(loaded);
  std::vector<Completion> done(beginnings.size() * 2);
  tbb::parallel_for(size_t{0}, done.size(), [&](size_t i) {
    Completion& c = done[i];
    c.beginning = beginnings[i / 2];
    c.greedy = i % 2 == 0;
    model::GenerateRequest req;
    req.prompt = prompts[i / 2];
    req.max_tokens = o.max_tokens;
    req.stop_tokens = {tok.bos_id(), tok.eos_id()};
    req.vocab_limit = tok.vocab_size();  // never an id the tokenizer cannot decode
    req.sampling = c.greedy ? model::SamplingOptions{0.0f, 1.0f, 0, 1}
                            : model::SamplingOptions{0.8f, 0.95f, 0, o.seed * 1000003 + i};
    const model::GenerateResult g = model::generate(im, req);
    c.text = tok.decode_continuation(req.prompt, g.tokens);
  });

  compare_formats(loaded, im, data, prompts, tok, o, r, log);

  if (std::all_of(done.begin(), done.end(), [](const Completion& c) { return c.text.empty(); }))
    throw RunError(
        fmt::format("nothing to measure: the model wrote no text after any of the {} beginnings (each "
                    "ended at once); train it longer or check the checkpoint",
                    beginnings.size()));

  // automatic measures per mode
  const vocab::Vocabulary vocabulary = vocab::Vocabulary::load(config.resolve(config.vocab_list, "vocab.list"));
  for (const bool greedy : {true, false}) {
    const std::string mode = greedy ? "greedy." : "sampled.";
    std::set<std::string> uni, bi, tri;
    uint64_t n1 = 0, n2 = 0, n3 = 0, ended = 0, count = 0, tokens = 0, oov = 0;
    double rep = 0;
    for (const Completion& c : done) {
      if (c.greedy != greedy) continue;
      const auto w = words_of(c.text);
      for (size_t i = 0; i < w.size(); ++i) {
        uni.insert(w[i]), ++n1;
        if (i + 1 < w.size()) bi.insert(w[i] + ' ' + w[i + 1]), ++n2;
        if (i + 2 < w.size()) tri.insert(w[i] + ' ' + w[i + 1] + ' ' + w[i + 2]), ++n3;
      }
      rep += repetition(w);
      ended += ends_sentence(c.text);
      const auto conf = vocabulary.score(c.text);
      tokens += conf.tokens, oov += conf.oov_tokens;
      ++count;
    }
    auto ratio = [](uint64_t a, uint64_t b) { return b ? static_cast<double>(a) / static_cast<double>(b) : 0.0; };
    r.automatic[mode + "distinct_1"] = ratio(uni.size(), n1);
    r.automatic[mode + "distinct_2"] = ratio(bi.size(), n2);
    r.automatic[mode + "distinct_3"] = ratio(tri.size(), n3);
    r.automatic[mode + "repetition"] = count ? rep / static_cast<double>(count) : 0;
    r.automatic[mode + "oov_rate"] = ratio(oov, tokens);
    r.automatic[mode + "ends_sentence"] = ratio(ended, count);
    r.automatic[mode + "words"] = ratio(n1, count);
  }
  for (size_t i = 0; i < std::min<size_t>(4, done.size()); ++i)
    r.examples.push_back(done[i].beginning + " ***" + done[i].text);

  // grading
  std::vector<std::string> keys = {"grammar", "creativity", "consistency"};
  if (instruct) keys.push_back("plot");
  std::string criteria, json_keys = "{";
  for (size_t i = 0; i < keys.size(); ++i) {
    criteria += (i ? (i + 1 == keys.size() ? " and " : ", ") : "") + keys[i];
    json_keys += fmt::format("{}\"{}\": 7", i ? ", " : "", keys[i]);
  }
  json_keys += "}";
  const auto rubric = prompts::PromptTemplate::load(config.resolve("prompts/eval_rubric.txt", "eval rubric"),
                                                    {"beginning", "completion", "criteria", "json_keys"});
  std::vector<std::string> answers(done.size());
  std::vector<bool> answered(done.size(), false);
  std::string judge_error;  // the first request the judge could not answer: why
  if (config.teacher.kind == "openai") {
    r.judge = config.teacher.http.request.model;
    generators::HttpTeacher judge(config.teacher.http);
    uint64_t submitted = 0;
    double spent = 0;
    bool stop = false;
    for (size_t i = 0; i < done.size() && !stop; ++i) {
      if (done[i].text.empty()) continue;
      base::PromptSpec spec;
      spec.index = i;
      spec.id = base::prompt_id(o.seed, i);
      spec.kind = "eval";
      spec.text = rubric.render({done[i].beginning, done[i].text, criteria, json_keys});
      judge.submit(i, spec);
      ++submitted;
      // budget: stop sending once what is spent plus what is in flight could cross it
      while (judge.outstanding() >= static_cast<uint64_t>(config.teacher.http.max_in_flight) ||
             (i + 1 == done.size() && judge.outstanding() > 0)) {
        for (auto& c : judge.wait(1.0)) {
          if (c.ok) answers[c.index] = c.reply.text, answered[c.index] = true;
          else if (judge_error.empty()) judge_error = c.error;
          spent += c.cost_usd;
          if (c.stop_run) stop = true;
        }
        if (config.teacher.budget_usd > 0 && spent >= config.teacher.budget_usd) stop = true;
      }
    }
    while (judge.outstanding() > 0)
      for (auto& c : judge.wait(1.0))
        if (c.ok) answers[c.index] = c.reply.text, answered[c.index] = true;
        else if (judge_error.empty()) judge_error = c.error;
    log(fmt::format("eval: {} grading requests to {}, ${:.4f}", submitted, r.judge, judge.stats().cost_usd));
  } else {
    r.judge = "heuristic";
    for (size_t i = 0; i < done.size(); ++i)
      if (!done[i].text.empty()) {
        answers[i] = heuristic_grade(done[i].beginning, done[i].text, vocabulary, instruct);
        answered[i] = true;
      }
  }
  std::map<std::string, std::vector<double>> values;
  for (size_t i = 0; i < done.size(); ++i) {
    const auto s = answered[i] ? parse_scores(answers[i], keys) : std::nullopt;
    if (!s) {
      ++r.ungraded;
      continue;
    }
    ++r.graded;
    for (const auto& [k, v] : *s) values[(done[i].greedy ? "greedy." : "sampled.") + k].push_back(v);
  }
  if (r.graded == 0)
    throw RunError(
        fmt::format("nothing was graded: none of the {} completions got usable grades from {} (answers "
                    "without every score: {}){}",
                    done.size(), r.judge, r.ungraded, judge_error.empty() ? "" : "; the judge failed: " + judge_error));
  for (const auto& [k, v] : values) {
    ScoreSummary s;
    s.n = v.size();
    for (double x : v) s.mean += x;
    s.mean /= static_cast<double>(s.n);
    double var = 0;
    for (double x : v) var += (x - s.mean) * (x - s.mean);
    if (s.n > 1) s.ci95 = 1.96 * std::sqrt(var / static_cast<double>(s.n - 1)) / std::sqrt(static_cast<double>(s.n));
    r.scores[k] = s;
  }
  return r;
}

std::string eval_table(const EvalResult& r) {
  std::string t = fmt::format("evaluation of {} (grades: {}{})\n", r.checkpoint.string(), r.judge,
                              r.judge == "heuristic" ? ", an offline stand-in for a teacher" : "");
  if (r.val_loss) t += fmt::format("  validation loss {:.4f}, perplexity {:.2f}\n", *r.val_loss, std::exp(*r.val_loss));
  t += fmt::format("  {:<14} {:>16} {:>16}\n", "score (1-10)", "greedy", "sampled");
  std::set<std::string> names;
  for (const auto& [k, v] : r.scores) names.insert(k.substr(k.find('.') + 1));
  for (const auto& n : names) {
    auto cell = [&](const std::string& mode) {
      auto it = r.scores.find(mode + "." + n);
      return it == r.scores.end() ? std::string("-") : fmt::format("{:.2f} ± {:.2f}", it->second.mean, it->second.ci95);
    };
    t += fmt::format("  {:<14} {:>16} {:>16}\n", n, cell("greedy"), cell("sampled"));
  }
  t += fmt::format("  {:<14} {:>16} {:>16}\n", "measure", "greedy", "sampled");
  for (const char* m : {"distinct_1", "distinct_2", "distinct_3", "repetition", "oov_rate", "ends_sentence", "words"}) {
    auto get = [&](const std::string& mode) {
      auto it = r.automatic.find(mode + "." + m);
      return it == r.automatic.end() ? 0.0 : it->second;
    };
    t += fmt::format("  {:<14} {:>16.3f} {:>16.3f}\n", m, get("greedy"), get("sampled"));
  }
  t += fmt::format("  graded {} completions, {} without usable grades\n", r.graded, r.ungraded);
  if (!r.formats.empty()) {
    t += fmt::format(
        "  {:<16} {:>13} {:>20} {:>12}   (perplexity: {} validation windows, {} tokens; greedy: first 50 "
        "tokens of {} beginnings)\n",
        "weights", "MB read/token", "perplexity", "greedy same", r.format_windows, r.format_tokens, r.beginnings);
    const auto& ref = r.formats.front();
    for (const auto& q : r.formats) {
      if (!q.skipped.empty()) {
        t += fmt::format("  {:<16} skipped: {}\n", q.format, q.skipped);
        continue;
      }
      std::string ppl = "-";
      if (q.perplexity)
        ppl = q.reference || !ref.perplexity
                  ? fmt::format("{:.4f}", *q.perplexity)
                  : fmt::format("{:.4f} ({:+.3f}%)", *q.perplexity, (*q.perplexity / *ref.perplexity - 1) * 100);
      t += fmt::format("  {:<16} {:>13.2f} {:>20} {:>12}\n", q.format + (q.reference ? " (as loaded)" : ""),
                       static_cast<double>(q.bytes_per_token) / 1e6, ppl,
                       q.reference ? std::string("reference") : fmt::format("{:.1f}%", q.greedy_identical * 100));
    }
  }
  if (r.beginnings_cut)
    t += fmt::format("  {} of {} beginnings were cut to fit the context (their first words dropped)\n",
                     r.beginnings_cut, r.beginnings);
  return t;
}

void write_eval_outputs(const EvalResult& r) {
  base::JsonWriter w(2);
  w.begin_object().field("checkpoint", r.checkpoint.string()).field("judge", r.judge);
  w.key("scores").begin_object();
  for (const auto& [k, s] : r.scores)
    w.key(k).begin_object().field("mean", s.mean).field("ci95", s.ci95).field("n", s.n).end_object();
  w.end_object().key("auto").begin_object();
  for (const auto& [k, v] : r.automatic) w.field(k, v);
  w.end_object().field("graded", r.graded).field("ungraded", r.ungraded);
  w.field("beginnings", r.beginnings).field("beginnings_cut", r.beginnings_cut).key("examples").begin_array();
  for (const auto& e : r.examples) w.value(e);
  w.end_array().end_object();
  storage::write_file_atomic(r.checkpoint / "eval.json", w.take() + "\n");

  // A bar per score and decoding (greedy, then sampled), on the grades' 1-10 scale, with
  // its 95% interval as a whisker.
  std::vector<std::string> names;
  for (const auto& [k, v] : r.scores) {
    const std::string n = k.substr(k.find('.') + 1);
    if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
  }
  std::vector<base::svg::Bar> bars;
  for (const auto& name : names)
    for (int sampled = 0; sampled < 2; ++sampled) {
      const auto it = r.scores.find((sampled ? "sampled." : "greedy.") + name);
      if (it == r.scores.end()) continue;
      const ScoreSummary& s = it->second;
      bars.push_back({name + (sampled ? ", sampled" : ", greedy"), s.mean, fmt::format("± {:.2f}, n = {}", s.ci95, s.n),
                      sampled, s.ci95});
    }
  const std::string svg =
      base::svg::standalone(base::svg::hbars(bars, "Grades (1-10, mean and 95% interval; " + r.judge + ")", 720, 10)) +
      "\n";
  storage::write_file_atomic(r.checkpoint / "eval.svg", svg);
}

}  // namespace primer::pipeline
