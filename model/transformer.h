// The reference transformer: parameters, gradients and activations in three flat
// buffers, a forward pass that keeps what the backward needs, and the backward.
//
//   tokens (B, T) → embedding → L × [x += attn(rmsnorm(x)); x += ffn(rmsnorm(x))]
//                 → rmsnorm → logits (B, T, V) = x · embeddingᵀ → cross-entropy
//
// Buffers are sized once by reserve(B, T); forward/backward allocate nothing after the
// first step (the matmul packing scratch grows once). Not thread-safe: one Transformer
// per training loop; the kernels inside use all threads of the current TBB arena.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "model/config.h"
#include "model/kernels/rope.h"

namespace primer::model {

// Pointers into a parameter-shaped buffer (weights or gradients); shapes in config.h.
struct ParameterViews {
  float* embedding;   // (V, C)
  float* attn_norm;   // (L, C)
  float* wq;          // (L, C, C)
  float* wk;          // (L, KV, C)
  float* wv;          // (L, KV, C)
  float* wo;          // (L, C, C)
  float* ffn_norm;    // (L, C)
  float* w1;          // (L, H, C)
  float* w2;          // (L, C, H)
  float* w3;          // (L, H, C)
  float* final_norm;  // (C)
};
ParameterViews bind_parameters(const ModelConfig& c, float* base);

class Transformer {
 public:
  explicit Transformer(const ModelConfig& config);

  const ModelConfig& config() const { return config_; }
  std::span<float> parameters() { return params_; }
  std::span<const float> parameters() const { return params_; }
  std::span<float> gradients() { return grads_; }
  const ParameterViews& weights() const { return w_; }

  // Gaussian N(0, 0.02) for matrices (output projections wo and w2 scaled by
  // 1/sqrt(2L)), 1 for RMSNorm gains; a pure function of the seed.
  void init_random(uint64_t seed);

  // Sizes the activation buffers for up to b × t positions (t ≤ seq_len).
  void reserve(int b, int t);

  // Forward over tokens (B, T). With targets, returns the mean cross-entropy; when
  // grad_scale > 0 the logits are replaced by d(Σ losses · grad_scale)/d logits, ready
  // for backward(). Without targets (nullptr) returns 0 and keeps the logits.
  float forward(const int32_t* tokens, const int32_t* targets, int b, int t, float grad_scale = 0);
  // Adds the gradients of the last forward's (scaled) loss into gradients().
  void backward();
  void zero_grad();

  // Logits (B, T, V) of the last forward without gradient.
  std::span<const float> logits() const { return {act_.logits, static_cast<size_t>(b_) * t_ * config_.vocab_size}; }

 private:
  struct Layer {  // saved activations of one layer, (B·T, ·) each
    float *x_in, *xn1, *rstd1, *q, *k, *v, *probs, *attn, *x_mid, *xn2, *rstd2, *h1, *h3, *g;
  };
  struct Activations {
    std::vector<Layer> layers;
    float *x_out, *xf, *rstdf, *logits, *losses;
    // backward scratch
    float *dx, *dxn, *dq, *dk, *dv, *dattn, *dh1, *dh3, *dg;
  };

  ModelConfig config_;
  std::vector<float> params_, grads_, act_buffer_;
  ParameterViews w_{}, gw_{};
  Activations act_{};
  kernels::RopeTable rope_;
  std::vector<int32_t> tokens_;
  int cap_b_ = 0, cap_t_ = 0;  // reserved
  int b_ = 0, t_ = 0;          // last forward
};

}  // namespace primer::model
