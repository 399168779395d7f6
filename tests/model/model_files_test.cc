// Hostile model files are refused with a ModelError, never a crash (each case was a
// fuzzing finding: tests/fuzz/gguf/, tests/fuzz/llama2c/).
#include <doctest/doctest.h>

#include <cstring>
#include <string>

#include "model/export.h"

using namespace primer::model;

namespace {

struct Bytes {
  std::string s;
  template <typename T>
  Bytes& raw(T v) {
    s.append(reinterpret_cast<const char*>(&v), sizeof v);
    return *this;
  }
  Bytes& str(const std::string& v) {
    raw<uint64_t>(v.size());
    s += v;
    return *this;
  }
  Bytes& kv_u32(const std::string& k, uint32_t v) { return str(k).raw<uint32_t>(4).raw(v); }
};

std::string error_of(std::string_view bytes, bool gguf) {
  try {
    gguf ? parse_gguf(bytes, "m.gguf") : parse_llama2c(bytes, "m.bin");
  } catch (const ModelError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("GGUF: general.alignment 0 is refused (it divided by zero)") {
  Bytes b;
  b.raw<uint32_t>(0x46554747).raw<uint32_t>(3).raw<uint64_t>(0).raw<uint64_t>(1).kv_u32("general.alignment", 0);
  CHECK(error_of(b.s, true).find("general.alignment 0") != std::string::npos);
}

TEST_CASE("GGUF: a header describing a huge model in a small file is refused before allocating it") {
  Bytes b;
  b.raw<uint32_t>(0x46554747).raw<uint32_t>(3).raw<uint64_t>(1).raw<uint64_t>(8);
  b.str("general.architecture").raw<uint32_t>(8).str("llama");
  b.kv_u32("llama.embedding_length", 8192).kv_u32("llama.block_count", 512).kv_u32("llama.feed_forward_length", 16384);
  b.kv_u32("llama.attention.head_count", 64).kv_u32("llama.context_length", 16);
  b.str("llama.attention.layer_norm_rms_epsilon").raw<uint32_t>(6).raw<float>(1e-5f);
  b.kv_u32("llama.rope.freq_base", 10000);
  b.str("token_embd.weight").raw<uint32_t>(2).raw<uint64_t>(8192).raw<uint64_t>(100).raw<uint32_t>(0).raw<uint64_t>(0);
  const std::string e = error_of(b.s, true);
  INFO(e);
  CHECK(e.find("cannot hold") != std::string::npos);
}

TEST_CASE("GGUF: a count beyond int's range is refused") {
  Bytes b;
  b.raw<uint32_t>(0x46554747).raw<uint32_t>(3).raw<uint64_t>(0).raw<uint64_t>(2);
  b.str("general.architecture").raw<uint32_t>(8).str("llama");
  b.str("llama.embedding_length").raw<uint32_t>(10).raw<uint64_t>(uint64_t{1} << 40);
  CHECK(error_of(b.s, true).find("llama.embedding_length") != std::string::npos);
}

TEST_CASE("llama2.c: a header whose parameter count overflows is refused as a shape") {
  Bytes b;
  for (int32_t v : {1 << 30, 1 << 30, 1 << 30, 2, 1, 100, 16}) b.raw(v);
  const std::string e = error_of(b.s, false);
  CHECK(e.find("not a llama2.c model of a shape primer knows") != std::string::npos);
  CHECK(e.find("2^40") != std::string::npos);
}
