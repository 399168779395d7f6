// Deterministic random numbers that are identical on every platform and compiler.
// std::*_distribution is implementation-defined, so primer never uses it for anything
// that must be reproducible (prompt words, features, story choices, splits, weight
// initialisation, sampling).
#pragma once

#include <cstdint>
#include <string_view>

namespace primer::base {

// SplitMix64 finaliser: a bijective 64-bit mixer.
constexpr uint64_t mix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// The stable id of prompt `index` in a run with `seed`. Everything sampled for the
// prompt derives from this id, so any index range can be (re)generated on its own.
constexpr uint64_t prompt_id(uint64_t seed, uint64_t index) {
  return mix64(mix64(seed) ^ mix64(index + 0x632BE59BD9B4E019ull));
}

// FNV-1a over bytes, for deriving a stream from a label ("features", "words").
constexpr uint64_t hash_label(std::string_view s) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001B3ull;
  return h;
}

// A small counter-based generator: Rng(id, "label") gives an independent stream per
// purpose, so adding a draw in one place never shifts the draws of another.
class Rng {
 public:
  explicit constexpr Rng(uint64_t key, std::string_view label = {}) : state_(mix64(key ^ hash_label(label))) {}

  constexpr uint64_t next() { return mix64(state_ += 0x9E3779B97F4A7C15ull); }
  // Uniform in [0, n) (n > 0), by Lemire's multiply-shift; bias < n / 2^64.
  constexpr uint64_t below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(next()) * n) >> 64);
  }
  // Uniform in [0, 1) with 53 bits.
  constexpr double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  constexpr bool chance(double p) { return uniform() < p; }
  template <typename Container>
  constexpr const auto& pick(const Container& c) {
    return c[below(c.size())];
  }

 private:
  uint64_t state_;
};

}  // namespace primer::base
