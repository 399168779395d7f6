// Decoding with a KV cache (`primer sample`, `primer serve`, `primer eval`).
//
// InferenceModel holds read-only weights and is shared by any number of Sessions, one per
// stream, each with its own KV cache (L, seq_len, KV) and scratch. A step feeds one token
// and returns the next token's logits: matrix–vector products in the weights' own format
// (kernels/quant.h: f32, f16, bf16 or q8_0, never widened to a float32 matrix), the
// training kernels for RMSNorm, RoPE and SwiGLU, and single-row attention over the cache.
// Sessions are not thread-safe; different sessions may run on different threads.
//
// A step reads every matrix once: bytes_per_token() is what bounds decoding on a CPU
// (bench/sample_bench.sh sets tokens/s beside memory bandwidth / bytes_per_token).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "model/config.h"
#include "model/kernels/quant.h"
#include "model/kernels/rope.h"
#include "model/transformer.h"

namespace primer::model {

using kernels::WeightType;

// The matrices of one layer, in decoding order.
enum LayerMatrix { kWq, kWk, kWv, kWo, kW1, kW3, kW2, kLayerMatrices };

// Memory for weights that every decoded token reads from end to end: buffers of 2 MB and
// more are mapped on 2 MB boundaries and marked for transparent huge pages (madvise)
// before their first touch, so reading 10–40 MB of weights walks a few dozen pages, not
// thousands of 4 KB ones. Smaller buffers, or a kernel without THP, get ordinary pages.
void* weight_alloc(size_t bytes);
void weight_free(void* p, size_t bytes);
template <typename T>
struct WeightAllocator {
  using value_type = T;
  WeightAllocator() = default;
  template <typename U>
  WeightAllocator(const WeightAllocator<U>&) {}
  T* allocate(size_t n) { return static_cast<T*>(weight_alloc(n * sizeof(T))); }
  void deallocate(T* p, size_t n) { weight_free(p, n * sizeof(T)); }
  template <typename U>
  bool operator==(const WeightAllocator<U>&) const {
    return true;
  }
};

// A model's weights as decoding reads them: RMSNorm gains in float32, each matrix in its
// own storage format (a GGUF file may mix them), 64-byte aligned in one buffer.
struct PackedWeights {
  std::vector<float> norms;  // attn_norm (L, C), ffn_norm (L, C), final_norm (C)
  struct Matrix {
    WeightType type = WeightType::kF32;
    size_t offset = 0;  // into bytes; rows row_bytes(type, cols) apart
  };
  std::vector<Matrix> matrices;  // embedding (V, C), then per layer kWq..kW2 (LayerMatrix order)
  std::vector<uint8_t, WeightAllocator<uint8_t>> bytes;
};
// Index of a layer's matrix in PackedWeights::matrices.
inline size_t packed_index(int layer, LayerMatrix which) {
  return 1 + static_cast<size_t>(layer) * kLayerMatrices + which;
}
// The shape (rows, cols) of matrix `index`.
std::pair<int, int> packed_shape(const ModelConfig& c, size_t index);
// Float32 weights (tensor_layout order) encoded as `type`; every matrix's rows must fit it
// (kernels::fits_row: q8_0 needs dim and hidden_dim multiples of 32; ModelError if not).
PackedWeights pack_weights(const ModelConfig& c, std::span<const float> weights, WeightType type);
// An empty PackedWeights with room for each matrix in its type (norms sized, bytes zero).
PackedWeights packed_layout(const ModelConfig& c, const std::vector<WeightType>& types);

class InferenceModel {
 public:
  // Float32 weights (tensor_layout order), decoded as `type` (encoded once, here).
  InferenceModel(const ModelConfig& config, std::vector<float> weights, WeightType type = WeightType::kF32);
  InferenceModel(const ModelConfig& config, PackedWeights weights);
  // Moving keeps the buffer (the matrices point into it); a copy would not.
  InferenceModel(InferenceModel&&) = default;
  InferenceModel(const InferenceModel&) = delete;
  InferenceModel& operator=(const InferenceModel&) = delete;
  const ModelConfig& config() const { return config_; }
  const kernels::RopeTable& rope() const { return rope_; }
  const kernels::WeightMatrix& embedding() const { return matrices_[0]; }
  const kernels::WeightMatrix& matrix(int layer, LayerMatrix which) const {
    return matrices_[packed_index(layer, which)];
  }
  const float* attn_norm(int layer) const { return w_.norms.data() + static_cast<size_t>(layer) * config_.dim; }
  const float* ffn_norm(int layer) const {
    return w_.norms.data() + static_cast<size_t>(config_.n_layers + layer) * config_.dim;
  }
  const float* final_norm() const { return w_.norms.data() + static_cast<size_t>(2 * config_.n_layers) * config_.dim; }
  // The matrices' format: the embedding's (a mixed file: see matrix(...).type).
  WeightType weight_type() const { return matrices_[0].type; }
  // Bytes a decoding step reads from the weights: every matrix once (the embedding as the
  // classifier), the norms, and one embedding row.
  size_t bytes_per_token() const;

 private:
  void bind();
  ModelConfig config_;
  PackedWeights w_;
  std::vector<kernels::WeightMatrix> matrices_;
  kernels::RopeTable rope_;
};

class Session {
 public:
  explicit Session(const InferenceModel& model);
  // Feeds `token` at position pos() and returns the logits (V) of the next token.
  // Throws ModelError past the context (seq_len).
  std::span<const float> step(int token);
  int pos() const { return pos_; }
  void reset() { pos_ = 0; }

 private:
  const InferenceModel& m_;
  int pos_ = 0;
  std::vector<float> k_cache_, v_cache_;  // (L, T, KV)
  std::vector<float> x_, xn_, q_, k_, v_, att_, h1_, h3_, scores_, logits_;
  kernels::MatvecScratch scratch_;
};

struct SamplingOptions {
  float temperature = 1.0f;  // 0: greedy
  float top_p = 1.0f;        // nucleus: smallest set of tokens with this much probability
  int top_k = 0;             // 0: all tokens
  uint64_t seed = 1;
};

// Draws tokens from logits; deterministic for a seed. Not thread-safe.
class TokenSampler {
 public:
  explicit TokenSampler(const SamplingOptions& o);
  // Returns the token; *logprob gets its log-probability under the model's unmodified
  // distribution (temperature 1, no truncation), for confidence-based routing.
  int sample(std::span<const float> logits, double* logprob = nullptr);

 private:
  SamplingOptions o_;
  uint64_t state_;
  std::vector<std::pair<float, int>> sorted_;
};

struct GenerateRequest {
  std::vector<int> prompt;  // token ids, BOS first as in training
  int max_tokens = 256;
  SamplingOptions sampling;
  std::vector<int> stop_tokens;  // e.g. BOS and EOS: a new document would begin
  // Ids at or above this are never drawn: the tokenizer's piece count, which can be
  // smaller than the model's vocab_size (the tokenizer may train fewer pieces than asked;
  // those rows of the embedding are never trained, and the tokenizer cannot decode them).
  // 0: the model's vocab_size.
  int vocab_limit = 0;
};

struct GenerateResult {
  std::vector<int> tokens;               // generated, without the prompt or the stop token
  std::string finish_reason = "length";  // "stop" (stop token or on_token said stop) | "length"
  double sum_logprob = 0;                // over the generated tokens
  int prompt_tokens = 0;
  double prefill_seconds = 0, decode_seconds = 0;
};

// Mean next-token cross-entropy (nats) of decoding each window from its first token: the
// logits after tokens 0..i against token i + 1, over all softmax ids. Windows run in
// parallel, each with its own Session; the sum is taken in window order (deterministic).
double decoding_loss(const InferenceModel& model, const std::vector<std::vector<int>>& windows);

// Generates after `prompt`. on_token(token) returning false stops early ("stop"). The
// prompt plus max_tokens is capped at the model's context ("length" when reached).
GenerateResult generate(const InferenceModel& model, const GenerateRequest& request,
                        const std::function<bool(int)>& on_token = {});

}  // namespace primer::model
