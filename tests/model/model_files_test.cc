// Hostile model files are refused with a ModelError, never a crash (each case was a
// fuzzing finding: tests/fuzz/gguf/, tests/fuzz/llama2c/, tests/fuzz/hf/).
#include <doctest/doctest.h>

#include <cstring>
#include <string>

#include "model/export.h"
#include "model/export_hf.h"

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

// config.json of the smallest Llama shape: dim 2, one head, hidden 1, vocab 2 (32 parameters).
constexpr const char* kTinyConfig =
    R"({"model_type": "llama", "hidden_size": 2, "intermediate_size": 1, "num_hidden_layers": 1,
        "num_attention_heads": 1, "vocab_size": 2, "max_position_embeddings": 4, "tie_word_embeddings": true})";

std::string hf_error_of(std::string_view config, const std::string& header, size_t data_bytes) {
  Bytes b;
  b.str(header).s.append(data_bytes, '\0');
  try {
    parse_hf(config, b.s, "m");
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

TEST_CASE("hf: a config.json naming a huge model beside a small safetensors file is refused before allocating it") {
  const std::string config = R"({"model_type": "llama", "hidden_size": 4096, "intermediate_size": 11008,
      "num_hidden_layers": 32, "num_attention_heads": 32, "vocab_size": 32000, "max_position_embeddings": 16,
      "tie_word_embeddings": true})";
  const std::string e = hf_error_of(config, "{}", 64);
  INFO(e);
  CHECK(e.find("cannot hold") != std::string::npos);
}

TEST_CASE("hf: data_offsets that wrap around, run backwards or past the file are refused") {
  // The embedding is 2x2 F32 (16 bytes); the file holds 64 bytes of tensors.
  for (const char* offsets : {"[18446744073709551600, 0]", "[16, 0]", "[56, 72]", "[0]", "[0, 16, 32]", "[0, 16.5]"}) {
    const std::string header =
        std::string(R"({"model.embed_tokens.weight": {"dtype": "F32", "shape": [2, 2], "data_offsets": )") + offsets +
        "}}";
    const std::string e = hf_error_of(kTinyConfig, header, 64);
    INFO(offsets, " -> ", e);
    CHECK(e.find("data_offsets do not fit") != std::string::npos);
  }
  const std::string fits =
      R"({"model.embed_tokens.weight": {"dtype": "F32", "shape": [2, 2], "data_offsets": [48, 64]}})";
  CHECK(hf_error_of(kTinyConfig, fits, 64).find("no tensor model.layers.0.input_layernorm.weight") !=
        std::string::npos);
}

TEST_CASE("hf: a shape of non-integers is refused") {
  const std::string header =
      R"({"model.embed_tokens.weight": {"dtype": "F32", "shape": [2, 2.0], "data_offsets": [0, 16]}})";
  CHECK(hf_error_of(kTinyConfig, header, 64).find("shape is not integers") != std::string::npos);
}

TEST_CASE("hf: config.json counts of zero heads or beyond int's range are refused as such") {
  const std::string zero_heads =
      R"({"model_type": "llama", "hidden_size": 8, "intermediate_size": 16, "num_hidden_layers": 1,
      "num_attention_heads": 0, "head_dim": 4, "vocab_size": 4, "max_position_embeddings": 4, "tie_word_embeddings": true})";
  CHECK(hf_error_of(zero_heads, "{}", 0).find("not a model shape primer knows") != std::string::npos);
  const std::string wide =
      R"({"model_type": "llama", "hidden_size": 4294967298, "intermediate_size": 1, "num_hidden_layers": 1,
      "num_attention_heads": 1, "vocab_size": 2, "max_position_embeddings": 4, "tie_word_embeddings": true})";
  CHECK(hf_error_of(wide, "{}", 0).find("\"hidden_size\" is 4294967298") != std::string::npos);
}
