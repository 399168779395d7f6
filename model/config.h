// The reference transformer's shape (README, "The reference model"): Llama with RMSNorm,
// RoPE on interleaved pairs, grouped-query attention, SwiGLU, no biases and a tied
// input/output embedding. Lives in every checkpoint as config.json.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace primer::model {

class ModelError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ModelConfig {
  int dim = 320;  // model width C
  int n_layers = 7;
  int n_heads = 8;        // query heads; head size = dim / n_heads
  int n_kv_heads = 8;     // key/value heads (n_heads a multiple of it)
  int hidden_dim = 864;   // SwiGLU width H
  int vocab_size = 4096;  // V; the embedding is also the output classifier
  int seq_len = 256;      // longest context T
  float norm_eps = 1e-5f;
  float rope_theta = 10000.0f;

  int head_size() const { return dim / n_heads; }
  int kv_dim() const { return n_kv_heads * head_size(); }
  // Throws ModelError naming the first inconsistent field.
  void validate() const;
  int64_t parameter_count() const;
  // Training FLOPs per token (forward + backward): 6 × the matmul weights (classifier
  // included) + 6·L·T·C for causal attention, the usual accounting of MFU papers.
  double training_flops_per_token() const;

  std::string to_json() const;
  // Throws ModelError naming `origin` for malformed JSON, a missing or bad field.
  static ModelConfig from_json(std::string_view json, std::string_view origin);
};

// One tensor of the parameter buffer. Tensors of all layers are stacked as in llama2.c's
// run.c: embedding, attn_norm (L, C), wq (L, C, C), wk (L, KV, C), wv (L, KV, C),
// wo (L, C, C), ffn_norm (L, C), w1 (L, H, C), w2 (L, C, H), w3 (L, H, C), final_norm (C).
// Linear weights are (out, in), so y = x · Wᵀ.
struct TensorInfo {
  std::string name;
  std::vector<int64_t> shape;
  int64_t offset = 0;  // in floats from the start of the buffer
  int64_t size = 0;
  bool decay = false;  // AdamW weight decay applies (matrices), not to RMSNorm gains
};
std::vector<TensorInfo> tensor_layout(const ModelConfig& c);

}  // namespace primer::model
