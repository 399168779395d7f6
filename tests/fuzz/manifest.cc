// A dataset's manifest.json (`primer merge|report|inspect|tokenizer`, a task's output):
// storage::Manifest::parse. What it accepts writes back and reads again unchanged.
#include "storage/files.h"
#include "storage/manifest.h"
#include "tests/fuzz/fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using primer::storage::Manifest;
  try {
    const Manifest m = Manifest::parse(primer::fuzz::as_text(data, size), "manifest.json");
    for (const auto& s : m.shards) primer::fuzz::require(primer::storage::is_inner_path(s.path), "shard paths inside");
    const std::string json = m.to_json();
    primer::fuzz::require(Manifest::parse(json, "again").to_json() == json, "to_json reads back unchanged");
  } catch (const primer::storage::StorageError&) {
  }
  return 0;
}
