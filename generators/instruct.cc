#include "generators/instruct.h"

#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <vector>

#include "base/json.h"
#include "base/rng.h"
#include "base/text.h"
#include "prompts/prompt.h"

namespace primer::generators {

namespace {

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

// A JSON object with string fields "story" and "summary" somewhere in the reply.
std::optional<InstructParts> from_json(std::string_view reply) {
  simdjson::dom::parser parser;
  for (const std::string_view candidate : base::json_object_candidates(reply)) {
    simdjson::padded_string padded(candidate);
    simdjson::dom::element root;
    simdjson::dom::object obj;
    if (parser.parse(padded).get(root) || root.get_object().get(obj)) continue;
    InstructParts parts;
    for (auto [k, v] : obj) {
      std::string_view s;
      if (v.get_string().get(s)) continue;
      const std::string key = base::ascii_lower(k);
      if (key == "story") parts.story = trim(s);
      else if (key == "summary") parts.summary = trim(s);
    }
    if (!parts.story.empty() && !parts.summary.empty()) return parts;
  }
  return std::nullopt;
}

// Where a "Label:" section starts (at a line start, after optional '#', '*', spaces);
// returns the offset of its content, npos if absent. `label` is lower case.
size_t section(const std::string& lowered, std::string_view label, size_t* label_at) {
  for (size_t at = lowered.find(label); at != std::string::npos; at = lowered.find(label, at + 1)) {
    size_t line = at;
    while (line > 0 && (lowered[line - 1] == '*' || lowered[line - 1] == '#' || lowered[line - 1] == ' ' ||
                        lowered[line - 1] == '_'))
      --line;
    if (line != 0 && lowered[line - 1] != '\n') continue;
    size_t content = at + label.size();
    while (content < lowered.size() && (lowered[content] == '*' || lowered[content] == '_')) ++content;
    if (content >= lowered.size() || lowered[content] != ':') {
      // "**Story**:" has the colon after the bold mark; "Story" alone on a line also counts
      if (content < lowered.size() && lowered[content] == '\n') {
        *label_at = line;
        return content;
      }
      continue;
    }
    ++content;
    while (content < lowered.size() && (lowered[content] == '*' || lowered[content] == '_')) ++content;
    *label_at = line;
    return content;
  }
  return std::string::npos;
}

}  // namespace

std::optional<InstructParts> parse_instruct_reply(std::string_view reply) {
  if (auto j = from_json(reply)) return j;
  const std::string text(reply), lowered = base::ascii_lower(reply);
  size_t story_label = 0, summary_label = 0;
  const size_t story = section(lowered, "story", &story_label);
  const size_t summary = section(lowered, "summary", &summary_label);
  if (story == std::string::npos || summary == std::string::npos) return std::nullopt;
  InstructParts parts;
  if (story < summary) {
    parts.story = trim(std::string_view(text).substr(story, summary_label - story));
    parts.summary = trim(std::string_view(text).substr(summary));
  } else {
    parts.summary = trim(std::string_view(text).substr(summary, story_label - summary));
    parts.story = trim(std::string_view(text).substr(story));
  }
  // a summary is one or two sentences: keep its first paragraph
  if (auto nl = parts.summary.find("\n\n"); nl != std::string::npos) parts.summary = trim(parts.summary.substr(0, nl));
  if (parts.story.empty() || parts.summary.empty()) return std::nullopt;
  return parts;
}

std::string format_instruct_reply(const base::PromptSpec& p, std::string_view story, std::string_view summary) {
  if (p.id % 3 == 0) {
    base::JsonWriter w;
    w.begin_object().field("story", story).field("summary", summary).end_object();
    return "```json\n" + w.take() + "\n```";
  }
  return "Story:\n" + std::string(story) + "\n\nSummary: " + std::string(summary);
}

std::vector<std::string_view> narrative_sentences(std::string_view story, std::string_view marks) {
  std::vector<std::string_view> sentences;
  size_t start = 0;
  for (size_t i = 0; i < story.size(); ++i) {
    if (marks.find(story[i]) == std::string_view::npos ||
        !(i + 1 == story.size() || story[i + 1] == ' ' || story[i + 1] == '\n'))
      continue;
    std::string_view s = story.substr(start, i + 1 - start);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    if (!s.empty() && s.front() != '"') sentences.push_back(s);
    start = i + 1;
  }
  return sentences;
}

std::string pick_sentence(std::string_view story, uint64_t id) {
  std::vector<std::string_view> sentences = narrative_sentences(story);
  std::erase_if(sentences, [](std::string_view s) { return s.size() <= 12; });  // not "Yes." or "The end."
  if (sentences.empty()) return trim(story.substr(0, std::min<size_t>(story.size(), 120)));
  base::Rng rng(id, "instruct-sentence");
  return std::string(sentences[rng.below(sentences.size())]);
}

std::string instruct_text(const base::Doc& doc, std::string* sentence_out) {
  const base::PromptSpec& p = doc.prompt;
  base::Rng rng(p.id, "instruct-lines");
  // As TinyStories-Instruct: each instruction line is present or not, at random; the
  // story always comes last.
  const bool with_summary = rng.chance(0.5), with_features = rng.chance(0.5), with_sentence = rng.chance(0.5),
             with_words = rng.chance(0.5);
  const std::string sentence = pick_sentence(doc.reply.text, p.id);
  if (sentence_out) *sentence_out = sentence;
  std::string t;
  if (with_summary && !doc.reply.summary.empty()) t += "Summary: " + doc.reply.summary + "\n";
  if (with_features && p.features.size() > 0) {
    t += "Features: ";
    bool first = true;
    for (auto f : p.features.list()) {
      if (!first) t += ", ";
      t += prompts::feature_info(f).label;
      first = false;
    }
    t += "\n";
  }
  if (with_sentence) t += "Sentence: " + sentence + "\n";
  if (with_words) t += "Words: " + p.verb_word + ", " + p.noun_word + ", " + p.adjective_word + "\n";
  t += "Story: " + doc.reply.text;
  return t;
}

}  // namespace primer::generators
