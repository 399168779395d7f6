#include "prompts/code.h"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

#include "base/rng.h"
#include "prompts/sampler.h"

namespace primer::prompts {
namespace {

// The (topic, register) of a prompt, where a register is what is combined with the topic
// (audience × style, or difficulty). A pass is topics × registers prompts; within it,
// block b = k / topics gives every topic once, in the order of a keyed permutation σ, and
// topic σ(j) gets register (τ(j) + b) mod registers, τ another keyed permutation folded
// onto the registers. So a pass uses every combination exactly once, every block of
// `topics` consecutive prompts covers every topic once and every register within one of
// the others, and any prefix of a run is balanced. A new pass draws new permutations.
struct Combination {
  uint64_t topic, reg;
};
Combination combination_of(uint64_t seed, uint64_t index, uint64_t topics, uint64_t regs, std::string_view label) {
  const uint64_t per_pass = topics * regs;
  const uint64_t pass = index / per_pass, k = index % per_pass;
  const uint64_t block = k / topics, j = k % topics;
  const uint64_t key = base::mix64(seed ^ base::hash_label(label)) ^ base::mix64(pass + 1);
  const uint64_t topic = permute_index(j, topics, key);
  const uint64_t reg = (permute_index(j, topics, base::mix64(key ^ 0x5EED)) % regs + block) % regs;
  return {topic, reg};
}

CoverageStats stats(const std::unordered_map<std::string, uint64_t>& counts, uint64_t universe) {
  CoverageStats s;
  s.distinct = counts.size();
  if (counts.empty()) return s;
  s.min = counts.size() < universe ? 0 : ~uint64_t(0);
  uint64_t total = 0;
  for (const auto& [k, c] : counts) {
    s.min = std::min(s.min, c);
    s.max = std::max(s.max, c);
    total += c;
  }
  s.mean = double(total) / double(universe);
  return s;
}

}  // namespace

uint64_t permute_index(uint64_t x, uint64_t n, uint64_t key) {
  if (n <= 1) return 0;
  int bits = 2;
  while ((uint64_t(1) << bits) < n) bits += 2;
  const int half = bits / 2;
  const uint64_t mask = (uint64_t(1) << half) - 1;
  do {
    uint64_t l = x >> half, r = x & mask;
    for (uint64_t round = 0; round < 4; ++round) {
      const uint64_t f = base::mix64(r ^ base::mix64(key + round)) & mask;
      const uint64_t next = l ^ f;
      l = r;
      r = next;
    }
    x = (l << half) | r;
  } while (x >= n);  // cycle-walking: the domain is < 4n, so a few rounds at most
  return x;
}

const std::vector<std::string_view>& CodeTextbookSampler::placeholders() {
  static const std::vector<std::string_view> kNames = {
      "topic", "area", "audience", "audience_instructions", "style", "style_instructions"};
  return kNames;
}

uint64_t CodeTextbookSampler::combinations() {
  return code_topics().size() * code_audiences().size() * code_styles().size();
}

PromptSpec CodeTextbookSampler::sample(uint64_t seed, uint64_t index) const {
  PromptSpec spec;
  spec.index = index;
  spec.id = base::prompt_id(seed, index);
  spec.kind = kind_;
  const uint64_t n_aud = code_audiences().size(), n_sty = code_styles().size();
  const Combination c = combination_of(seed, index, code_topics().size(), n_aud * n_sty, kind_);
  const CodeRegister& style = code_styles()[c.reg % n_sty];
  const CodeRegister& audience = code_audiences()[c.reg / n_sty];
  const CodeTopic& topic = code_topics()[c.topic];
  spec.topic = topic_label(topic);
  spec.audience = audience.key;
  spec.style = style.key;
  const std::string_view area = code_areas()[topic.area].title;
  spec.text =
      template_.render({spec.topic, area, audience.label, audience.instructions, style.label, style.instructions});
  return spec;
}

const std::vector<std::string_view>& CodeExercisesSampler::placeholders() {
  static const std::vector<std::string_view> kNames = {
      "function", "signature", "description", "topic", "area", "difficulty", "difficulty_instructions"};
  return kNames;
}

uint64_t CodeExercisesSampler::combinations() { return code_topics().size() * code_difficulties().size(); }

PromptSpec CodeExercisesSampler::sample(uint64_t seed, uint64_t index) const {
  PromptSpec spec;
  spec.index = index;
  spec.id = base::prompt_id(seed, index);
  spec.kind = kind_;
  const Combination c = combination_of(seed, index, code_topics().size(), code_difficulties().size(), kind_);
  const CodeRegister& difficulty = code_difficulties()[c.reg];
  const CodeTopic& topic = code_topics()[c.topic];
  const CodeArea& area = code_areas()[topic.area];
  // The task: one of the area's exercises, and one of its names.
  std::vector<const ExerciseTask*> tasks;
  for (const auto& t : exercise_tasks())
    if (t.area == area.key) tasks.push_back(&t);
  base::Rng rng(spec.id, "exercise");
  const ExerciseTask& task = *tasks[rng.below(tasks.size())];
  spec.function_name = task.names[rng.below(task.names.size())];
  spec.topic = topic_label(topic);
  spec.difficulty = difficulty.key;
  const std::string signature = fmt::format("{}({}) -> {}", spec.function_name, task.params, task.returns);
  spec.text = template_.render({spec.function_name, signature, task.description, spec.topic, area.title,
                                difficulty.label, difficulty.instructions});
  return spec;
}

CodeCoverage code_coverage(const PromptSampler& sampler, uint64_t seed, uint64_t count) {
  CodeCoverage cov;
  cov.prompts = count;
  std::unordered_map<std::string, uint64_t> topics, audiences, styles, difficulties, combos;
  bool textbook = false;
  for (uint64_t i = 0; i < count; ++i) {
    const PromptSpec p = sampler.sample(seed, i);
    textbook = reply_shape(p.kind) == ReplyShape::kLesson;
    ++topics[p.topic];
    if (textbook) {
      ++audiences[p.audience];
      ++styles[p.style];
      ++combos[p.topic + '\n' + p.audience + '\n' + p.style];
    } else {
      ++difficulties[p.difficulty];
      ++combos[p.topic + '\n' + p.difficulty];
    }
  }
  cov.combinations = textbook ? CodeTextbookSampler::combinations() : CodeExercisesSampler::combinations();
  cov.topic = stats(topics, code_topics().size());
  cov.audience = stats(audiences, code_audiences().size());
  cov.style = stats(styles, code_styles().size());
  cov.difficulty = stats(difficulties, code_difficulties().size());
  cov.combination = stats(combos, cov.combinations);
  cov.audiences.insert(audiences.begin(), audiences.end());
  cov.styles.insert(styles.begin(), styles.end());
  cov.difficulties.insert(difficulties.begin(), difficulties.end());
  return cov;
}

std::string CodeCoverage::report() const {
  std::string s = fmt::format("{} prompts over {} combinations\n", prompts, combinations);
  s += fmt::format("{:<14}{:>9}{:>8}{:>8}{:>10}\n", "dimension", "distinct", "min", "max", "mean");
  auto row = [&](std::string_view name, const CoverageStats& c) {
    if (c.distinct) s += fmt::format("{:<14}{:>9}{:>8}{:>8}{:>10.2f}\n", name, c.distinct, c.min, c.max, c.mean);
  };
  row("topic", topic);
  row("audience", audience);
  row("style", style);
  row("difficulty", difficulty);
  row("combination", combination);
  for (const auto* m : {&audiences, &styles, &difficulties})
    for (const auto& [k, v] : *m) s += fmt::format("  {:<20}{:>8}\n", k, v);
  return s;
}

}  // namespace primer::prompts
