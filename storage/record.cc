#include "storage/record.h"

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
  if (!p.topic.empty()) {  // code kinds: what the lesson or exercise is about
    for (const auto& [key, value] : {std::pair<const char*, const std::string*>{"topic", &p.topic},
                                     {"audience", &p.audience}, {"style", &p.style},
                                     {"function", &p.function_name}, {"difficulty", &p.difficulty}})
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

}  // namespace primer::storage
