#include "model/config.h"

#include <simdjson.h>

#include "base/json.h"

namespace primer::model {

void ModelConfig::validate() const {
  auto require = [](bool ok, const std::string& what) {
    if (!ok) throw ModelError("model config: " + what);
  };
  require(dim > 0 && n_layers > 0 && n_heads > 0 && n_kv_heads > 0 && hidden_dim > 0 && vocab_size > 1 && seq_len > 0,
          "dim, n_layers, n_heads, n_kv_heads, hidden_dim, vocab_size and seq_len must be positive");
  require(dim % n_heads == 0,
          "dim (" + std::to_string(dim) + ") must be a multiple of n_heads (" + std::to_string(n_heads) + ")");
  require(head_size() % 2 == 0, "the head size dim / n_heads must be even for RoPE");
  require(n_heads % n_kv_heads == 0, "n_heads must be a multiple of n_kv_heads");
  require(vocab_size <= 65535, "vocab_size must be at most 65,535 (token shards hold uint16 ids)");
  require(norm_eps > 0 && rope_theta > 0, "norm_eps and rope_theta must be positive");
  // Counted in double first: a hostile header (GGUF, llama2.c, config.json) must not make
  // parameter_count() overflow int64. 2^40 floats (4 TB) is far beyond any model here.
  const double C = dim, L = n_layers, H = hidden_dim, V = vocab_size, KV = kv_dim();
  const double parameters = V * C + L * (2 * C + 2 * C * C + 2 * KV * C + 3 * H * C) + C;
  require(parameters <= 0x1p40,
          "the shape has " + std::to_string(parameters) + " parameters; primer's models have at most 2^40");
}

std::vector<TensorInfo> tensor_layout(const ModelConfig& c) {
  const int64_t C = c.dim, L = c.n_layers, H = c.hidden_dim, V = c.vocab_size, KV = c.kv_dim();
  std::vector<TensorInfo> t = {
      {"embedding", {V, C}, 0, 0, true}, {"attn_norm", {L, C}, 0, 0, false}, {"wq", {L, C, C}, 0, 0, true},
      {"wk", {L, KV, C}, 0, 0, true},    {"wv", {L, KV, C}, 0, 0, true},     {"wo", {L, C, C}, 0, 0, true},
      {"ffn_norm", {L, C}, 0, 0, false}, {"w1", {L, H, C}, 0, 0, true},      {"w2", {L, C, H}, 0, 0, true},
      {"w3", {L, H, C}, 0, 0, true},     {"final_norm", {C}, 0, 0, false},
  };
  int64_t offset = 0;
  for (auto& x : t) {
    x.size = 1;
    for (int64_t d : x.shape) x.size *= d;
    x.offset = offset;
    offset += x.size;
  }
  return t;
}

int64_t ModelConfig::parameter_count() const {
  const auto t = tensor_layout(*this);
  return t.back().offset + t.back().size;
}

double ModelConfig::training_flops_per_token() const {
  const double C = dim, L = n_layers, H = hidden_dim, V = vocab_size, KV = kv_dim();
  const double matmul_weights = L * (2 * C * C + 2 * KV * C + 3 * H * C) + V * C;
  return 6 * matmul_weights + 6 * L * seq_len * C;
}

std::string ModelConfig::to_json() const {
  base::JsonWriter w(2);
  w.begin_object()
      .field("architecture", "llama")
      .field("dim", dim)
      .field("n_layers", n_layers)
      .field("n_heads", n_heads)
      .field("n_kv_heads", n_kv_heads)
      .field("hidden_dim", hidden_dim)
      .field("vocab_size", vocab_size)
      .field("seq_len", seq_len)
      .field("norm_eps", static_cast<double>(norm_eps))
      .field("rope_theta", static_cast<double>(rope_theta))
      .field("parameters", parameter_count())
      .end_object();
  return w.take() + "\n";
}

ModelConfig ModelConfig::from_json(std::string_view json, std::string_view origin) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element root;
  if (parser.parse(padded).get(root) || !root.is_object())
    throw ModelError(std::string(origin) + ": not a JSON object; the checkpoint is damaged");
  ModelConfig c;
  auto get_int = [&](const char* key, int& out) {
    int64_t v;
    if (root[key].get_int64().get(v) || v <= 0 || v > (1 << 30))
      throw ModelError(std::string(origin) + ": missing or bad integer field '" + key + "'");
    out = static_cast<int>(v);
  };
  auto get_float = [&](const char* key, float& out) {
    double v;
    if (root[key].get_double().get(v)) throw ModelError(std::string(origin) + ": missing or bad number '" + key + "'");
    out = static_cast<float>(v);
  };
  get_int("dim", c.dim);
  get_int("n_layers", c.n_layers);
  get_int("n_heads", c.n_heads);
  get_int("n_kv_heads", c.n_kv_heads);
  get_int("hidden_dim", c.hidden_dim);
  get_int("vocab_size", c.vocab_size);
  get_int("seq_len", c.seq_len);
  get_float("norm_eps", c.norm_eps);
  get_float("rope_theta", c.rope_theta);
  try {
    c.validate();
  } catch (const ModelError& e) {
    throw ModelError(std::string(origin) + ": " + e.what());
  }
  return c;
}

}  // namespace primer::model
