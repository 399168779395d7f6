// A checkpoint's model.bin / optim.bin: model::parse_float_file (magic, version, count,
// size, sha256), for the count of the tiny model of the seed corpus and one other.
#include "model/checkpoint.h"
#include "storage/sha256.h"
#include "tests/fuzz/fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes = primer::fuzz::as_text(data, size);
  const uint64_t seed_count = size >= 64 ? (size - 64) / 4 : 0;
  for (uint32_t magic : {primer::model::kWeightsMagic, primer::model::kOptimMagic})
    for (uint64_t count : {seed_count, uint64_t{1000}}) {
      try {
        const auto floats = primer::model::parse_float_file(bytes, "model.bin", magic, count);
        primer::fuzz::require(floats.size() == count, "the count is the expected one");
        (void)primer::model::parse_float_file(bytes, "model.bin", magic, count, primer::storage::sha256_hex(bytes));
      } catch (const primer::model::ModelError&) {
      }
    }
  return 0;
}
