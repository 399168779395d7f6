// Record lines for the storage tests: varied, not too compressible text, the same for the
// same index on every run.
#pragma once

#include <cstdint>
#include <string>

#include "base/json.h"

namespace primer::storage::testing {

inline std::string record(uint64_t i) {
  std::string text = "Story " + std::to_string(i) + ":";
  uint64_t x = i * 0x9E3779B97F4A7C15ull + 1;
  for (int w = 0; w < 40; ++w) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    text += " w" + std::to_string(x % 5000);
  }
  std::string line = "{\"text\":";
  base::append_json_string(line, text);
  line += ",\"id\":\"" + base::hex64(i) + "\",\"index\":" + std::to_string(i) + "}";
  return line;
}

}  // namespace primer::storage::testing
