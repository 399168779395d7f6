// Shared by the libFuzzer targets of this folder: one target per parser of bytes that come
// from outside primer (README.md, "Fuzzing"). A target returns normally when the parser
// accepts its input or refuses it with the error type its header documents; anything else
// (a sanitizer report, an assertion, another exception escaping, a hang) is a finding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <string_view>

namespace primer::fuzz {

inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// A property the parser must keep (for any input): abort with a message when it does not.
inline void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz property violated: %s\n", what);
    std::abort();
  }
}

}  // namespace primer::fuzz
