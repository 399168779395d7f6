#include "pipeline/run_state.h"

#include <simdjson.h>

#include "base/json.h"
#include "pipeline/run.h"
#include "storage/files.h"

namespace primer::pipeline {
namespace {
constexpr int kStateSchema = 1;
}  // namespace

std::string RunState::to_json() const {
  base::JsonWriter w(1);
  w.begin_object().field("schema", kStateSchema).field("phase", phase);
  w.field("next_index", next_index).field("checkpoints", checkpoints);
  w.key("validation_pieces").begin_array();
  for (const auto& p : validation_pieces) w.value(p);
  w.end_array().key("signature_pieces").begin_array();
  for (const auto& p : signature_pieces) w.value(p);
  w.end_array().key("rejected_pieces").begin_array();
  for (const auto& p : rejected_pieces) w.value(p);
  w.end_array().key("totals").raw(totals.to_json()).end_object();
  return w.take() + "\n";
}

RunState RunState::parse(const std::string& json, const std::filesystem::path& origin) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  const std::string corrupt = origin.string() + " is corrupt; delete the output directory and start again";
  if (parser.parse(json).get(root)) throw RunError(corrupt);
  RunState s;
  try {
    if (int64_t(root["schema"]) != kStateSchema)
      throw RunError(origin.string() + " was written by another version of primer");
    s.phase = std::string(std::string_view(root["phase"]));
    s.next_index = uint64_t(root["next_index"]);
    s.checkpoints = uint64_t(root["checkpoints"]);
    for (auto p : root["validation_pieces"].get_array()) s.validation_pieces.emplace_back(std::string_view(p));
    if (simdjson::dom::array a; !root["signature_pieces"].get(a))
      for (auto p : a) s.signature_pieces.emplace_back(std::string_view(p));
    if (simdjson::dom::array a; !root["rejected_pieces"].get(a))
      for (auto p : a) s.rejected_pieces.emplace_back(std::string_view(p));
    s.totals = storage::Manifest::parse(simdjson::minify(root["totals"]), origin.string());
    for (const auto* pieces : {&s.validation_pieces, &s.signature_pieces, &s.rejected_pieces})
      for (const auto& p : *pieces)
        if (!storage::is_inner_path(p)) throw RunError(corrupt);
  } catch (const simdjson::simdjson_error&) {
    throw RunError(corrupt);
  } catch (const storage::StorageError&) {
    throw RunError(corrupt);
  }
  return s;
}

}  // namespace primer::pipeline
