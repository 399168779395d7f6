#include "storage/record.h"

#include <algorithm>

#include "base/json.h"
#include "generators/instruct.h"
#include "prompts/sampler.h"

namespace primer::storage {

size_t append_record_json(std::string& out, const base::Doc& doc) {
  const auto& p = doc.prompt;
  size_t invalid = 0;
  out.append("{\"text\":");
  // Instruct records: the text is the Instruct format; summary and sentence are fields too
  const bool instruct = prompts::reply_shape(p.kind) == prompts::ReplyShape::kInstruct;
  std::string sentence;
  if (instruct) invalid += base::append_json_string(out, generators::instruct_text(doc, &sentence));
  else invalid += base::append_json_string(out, doc.reply.text);
  out.append(",\"id\":\"").append(base::hex64(p.id)).append("\",\"index\":").append(std::to_string(p.index));
  out.append(",\"kind\":");
  base::append_json_string(out, p.kind);
  out.append(",\"teacher\":");
  base::append_json_string(out, doc.teacher);
  if (prompts::reply_shape(p.kind) == prompts::ReplyShape::kRecipe) {  // the slots; the reply's fields follow
    out.append(",\"slots\":{");
    bool first = true;
    for (const auto& [name, value] : p.slots) {
      if (!first) out.push_back(',');
      base::append_json_string(out, name);
      out.push_back(':');
      invalid += base::append_json_string(out, value);
      first = false;
    }
    out.push_back('}');
  } else if (!p.topic.empty()) {  // code kinds: what the lesson or exercise is about
    for (const auto& [key, value] : {std::pair<const char*, const std::string*>{"topic", &p.topic},
                                     {"audience", &p.audience},
                                     {"style", &p.style},
                                     {"function", &p.function_name},
                                     {"difficulty", &p.difficulty}})
      if (!value->empty()) {
        out.append(",\"").append(key).append("\":");
        base::append_json_string(out, *value);
      }
  } else {
    out.append(",\"words\":[");
    bool first = true;
    for (auto w : p.words()) {
      if (!first) out.push_back(',');
      base::append_json_string(out, w);
      first = false;
    }
    out.append("],\"features\":[");
    first = true;
    for (auto f : p.features.list()) {
      if (!first) out.push_back(',');
      base::append_json_string(out, prompts::feature_info(f).key);
      first = false;
    }
    out.append("]");
    if (instruct) {
      out.append(",\"summary\":");
      invalid += base::append_json_string(out, doc.reply.summary);
      out.append(",\"sentence\":");
      invalid += base::append_json_string(out, sentence);
    }
  }
  out.append(",\"prompt\":");
  invalid += base::append_json_string(out, p.text);
  out.append(",\"finish_reason\":");
  base::append_json_string(out, doc.reply.finish_reason);
  for (const auto& [key, json] : doc.fields) {
    out.push_back(',');
    base::append_json_string(out, key);
    out.append(":").append(json);
  }
  out.push_back('}');
  return invalid;
}

void parse_record(simdjson::dom::element json, RecordFields& out) {
  std::vector<std::string_view> words = std::move(out.words), features = std::move(out.features);
  std::vector<std::pair<std::string_view, std::string_view>> slot_values = std::move(out.slots);
  std::vector<std::pair<std::string_view, simdjson::dom::element>> others = std::move(out.others);
  words.clear();
  features.clear();
  slot_values.clear();
  others.clear();
  out = RecordFields{};
  out.words = std::move(words);
  out.features = std::move(features);
  out.slots = std::move(slot_values);
  out.others = std::move(others);
  simdjson::dom::object obj;
  if (json.get_object().get(obj)) return;
  // One pass over the members; `seen` keeps the first of a repeated key.
  // clang-format off
  enum : uint32_t {
    kText = 1u << 0, kId = 1u << 1, kKind = 1u << 2, kTeacher = 1u << 3, kPrompt = 1u << 4, kFinish = 1u << 5,
    kTopic = 1u << 6, kAudience = 1u << 7, kStyle = 1u << 8, kFunction = 1u << 9, kDifficulty = 1u << 10,
    kSummary = 1u << 11, kSentence = 1u << 12, kRejectedBy = 1u << 13, kRejectReason = 1u << 14, kIndex = 1u << 15,
    kWords = 1u << 16, kFeatures = 1u << 17, kSlots = 1u << 18,
  };
  static constexpr std::pair<std::string_view, uint32_t> kStrings[] = {
      {"text", kText},         {"id", kId},           {"kind", kKind},       {"teacher", kTeacher},
      {"prompt", kPrompt},     {"topic", kTopic},     {"audience", kAudience},
      {"style", kStyle},       {"function", kFunction}, {"difficulty", kDifficulty}, {"summary", kSummary},
      {"sentence", kSentence}, {"rejected_by", kRejectedBy}, {"reject_reason", kRejectReason}};
  std::string_view* const slots[] = {&out.text,     &out.id,       &out.kind,        &out.teacher,
                                     &out.prompt,   &out.topic,    &out.audience,
                                     &out.style,    &out.function, &out.difficulty, &out.summary,
                                     &out.sentence, &out.rejected_by, &out.reject_reason};
  static_assert(std::size(kStrings) == std::size(slots));
  // clang-format on
  uint32_t seen = 0;
  auto first = [&seen](uint32_t bit) {
    if (seen & bit) return false;
    seen |= bit;
    return true;
  };
  for (auto [key, value] : obj) {
    if (key == "index") {
      int64_t i;
      if (first(kIndex) && !value.get_int64().get(i) && i >= 0) out.index = static_cast<uint64_t>(i);
      continue;
    }
    if (key == "words" || key == "features") {
      const bool is_words = key == "words";
      simdjson::dom::array a;
      if (!first(is_words ? kWords : kFeatures) || value.get_array().get(a)) continue;
      (is_words ? out.has_words : out.has_features) = true;
      if (is_words) out.words_size = a.size();
      for (auto e : a) {
        std::string_view s;
        if (!e.get_string().get(s)) (is_words ? out.words : out.features).push_back(s);
      }
      continue;
    }
    if (key == "slots") {
      simdjson::dom::object o;
      if (!first(kSlots) || value.get_object().get(o)) continue;
      for (auto [name, v] : o) {
        std::string_view s;
        if (!v.get_string().get(s)) out.slots.emplace_back(name, s);
      }
      continue;
    }
    if (key == "finish_reason") {
      std::string_view s;
      if (first(kFinish) && !value.get_string().get(s)) out.finish_reason = s;
      continue;
    }
    size_t k = 0;
    while (k < std::size(kStrings) && key != kStrings[k].first) ++k;
    if (k == std::size(kStrings)) {       // the first of a repeated key; at most kMaxOthers (hostile records)
      const std::string_view name = key;  // a lambda may not capture a structured binding (C++20, clang)
      if (out.others.size() < RecordFields::kMaxOthers &&
          std::none_of(out.others.begin(), out.others.end(), [&](const auto& o) { return o.first == name; }))
        out.others.emplace_back(name, value);
      continue;
    }
    std::string_view v;
    if (first(kStrings[k].second) && !value.get_string().get(v)) *slots[k] = v;
  }
}

std::optional<uint64_t> parse_record_id(std::string_view s) {
  if (s.size() != 16) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) return std::nullopt;
    v = v << 4 | static_cast<uint64_t>(d);
  }
  return v;
}

DocFromRecord doc_from_record(const RecordFields& r, const vocab::Vocabulary& vocab, base::Doc& doc) {
  DocFromRecord found;
  auto& p = doc.prompt;
  doc.reply.text = r.text;
  if (const auto id = parse_record_id(r.id)) {
    p.id = *id;
    found.has_id = true;
  }
  if (r.index) {
    p.index = *r.index;
    found.has_index = true;
  }
  if (r.words_size == 3 && r.words.size() == 3) {
    const int64_t v = vocab.find(r.words[0], vocab::Pos::kVerb);
    const int64_t n = vocab.find(r.words[1], vocab::Pos::kNoun);
    const int64_t a = vocab.find(r.words[2], vocab::Pos::kAdj);
    if (v >= 0 && n >= 0 && a >= 0) {  // words the vocabulary does not list: no required-word check
      p.verb = static_cast<uint32_t>(v);
      p.noun = static_cast<uint32_t>(n);
      p.adjective = static_cast<uint32_t>(a);
      p.verb_word = r.words[0];
      p.noun_word = r.words[1];
      p.adjective_word = r.words[2];
    }
  }
  for (auto s : r.features)
    for (int f = 0; f < prompts::kFeatureCount; ++f)
      if (prompts::feature_info(static_cast<prompts::Feature>(f)).key == s)
        p.features.add(static_cast<prompts::Feature>(f));
  if (r.finish_reason) doc.reply.finish_reason = *r.finish_reason;
  if (!r.prompt.empty()) p.text = r.prompt;
  if (!r.kind.empty()) p.kind = r.kind;
  if (!r.teacher.empty()) doc.teacher = r.teacher;
  doc.fields.clear();
  for (const auto& [key, value] : r.others) doc.fields.emplace_back(std::string(key), simdjson::minify(value));
  return found;
}

void append_rejection(std::string& out, std::string_view by, std::string_view reason) {
  out.append(",\"rejected_by\":");
  base::append_json_string(out, by);
  out.append(",\"reject_reason\":");
  base::append_json_string(out, reason);
}

void append_rejected_record(std::string& out, std::string_view line, std::string_view by, std::string_view reason) {
  out.append(line.substr(0, line.size() - 1));  // without its closing '}'
  append_rejection(out, by, reason);
  out.push_back('}');
}

std::string rewrite_record(std::string_view line, std::string_view text, std::string_view extra) {
  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  std::string out = "{\"text\":";
  base::append_json_string(out, text);
  out += extra;
  if (parser.parse(line).get_object().get(obj)) return out + "}";
  for (auto [key, value] : obj) {
    if (key == "text") continue;
    out += ',';
    base::append_json_string(out, key);
    out += ':';
    out += simdjson::minify(value);
  }
  return out + "}";
}

}  // namespace primer::storage
