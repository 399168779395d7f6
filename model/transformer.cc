#include "model/transformer.h"

#include <algorithm>
#include <cmath>

#include "base/rng.h"
#include "model/kernels/attention.h"
#include "model/kernels/cross_entropy.h"
#include "model/kernels/embedding.h"
#include "model/kernels/matmul.h"
#include "model/kernels/parallel.h"
#include "model/kernels/rmsnorm.h"
#include "model/kernels/swiglu.h"

namespace primer::model {

using kernels::matmul;
using kernels::rows;
using kernels::transposed;

ParameterViews bind_parameters(const ModelConfig& c, float* base) {
  const auto t = tensor_layout(c);
  auto at = [&](size_t i) { return base + t[i].offset; };
  return {at(0), at(1), at(2), at(3), at(4), at(5), at(6), at(7), at(8), at(9), at(10)};
}

Transformer::Transformer(const ModelConfig& config) : config_(config) {
  config_.validate();
  params_.assign(config_.parameter_count(), 0.0f);
  grads_.assign(params_.size(), 0.0f);
  w_ = bind_parameters(config_, params_.data());
  gw_ = bind_parameters(config_, grads_.data());
  rope_ = kernels::RopeTable(config_.seq_len, config_.head_size(), config_.rope_theta);
}

void Transformer::init_random(uint64_t seed) {
  const auto layout = tensor_layout(config_);
  for (size_t i = 0; i < layout.size(); ++i) {
    const TensorInfo& t = layout[i];
    float* p = params_.data() + t.offset;
    if (!t.decay) {  // RMSNorm gains
      std::fill(p, p + t.size, 1.0f);
      continue;
    }
    double std = 0.02;
    if (t.name == "wo" || t.name == "w2") std /= std::sqrt(2.0 * config_.n_layers);
    base::Rng rng(seed, t.name);
    for (int64_t j = 0; j < t.size; j += 2) {  // Box–Muller, two normals per draw
      const double u1 = 1.0 - rng.uniform(), u2 = rng.uniform();
      const double r = std::sqrt(-2.0 * std::log(u1));
      p[j] = static_cast<float>(std * r * std::cos(2 * M_PI * u2));
      if (j + 1 < t.size) p[j + 1] = static_cast<float>(std * r * std::sin(2 * M_PI * u2));
    }
  }
}

void Transformer::reserve(int b, int t) {
  if (t > config_.seq_len)
    throw ModelError("sequence length " + std::to_string(t) + " exceeds the model's seq_len " +
                     std::to_string(config_.seq_len));
  if (b <= cap_b_ && t <= cap_t_) return;
  b = std::max(b, cap_b_);
  t = std::max(t, cap_t_);
  const int64_t n = static_cast<int64_t>(b) * t;
  const int64_t C = config_.dim, KV = config_.kv_dim(), H = config_.hidden_dim, V = config_.vocab_size;
  const int64_t probs = static_cast<int64_t>(config_.n_heads) * t;  // per position: (NH, T)
  auto padded = [](int64_t floats) { return (floats + 15) / 16 * 16; };
  const int64_t per_layer =
      padded(n * C) * 6 + padded(n * KV) * 2 + padded(n) * 2 + padded(n * probs) + padded(n * H) * 3;
  const int64_t rest =
      padded(n * C) * 2 + padded(n) * 2 + padded(n * V) + padded(n * C) * 4 + padded(n * KV) * 2 + padded(n * H) * 3;
  act_buffer_.assign(per_layer * config_.n_layers + rest + 16, 0.0f);
  float* p = act_buffer_.data();
  while (reinterpret_cast<uintptr_t>(p) % 64) ++p;
  auto take = [&](int64_t floats) {
    float* r = p;
    p += padded(floats);
    return r;
  };
  act_.layers.resize(config_.n_layers);
  for (Layer& l : act_.layers) {
    l.x_in = take(n * C), l.xn1 = take(n * C), l.rstd1 = take(n), l.q = take(n * C), l.k = take(n * KV),
    l.v = take(n * KV), l.probs = take(n * probs), l.attn = take(n * C), l.x_mid = take(n * C), l.xn2 = take(n * C),
    l.rstd2 = take(n), l.h1 = take(n * H), l.h3 = take(n * H), l.g = take(n * H);
  }
  act_.x_out = take(n * C), act_.xf = take(n * C), act_.rstdf = take(n), act_.logits = take(n * V),
  act_.losses = take(n);
  act_.dx = take(n * C), act_.dxn = take(n * C), act_.dq = take(n * C), act_.dk = take(n * KV), act_.dv = take(n * KV),
  act_.dattn = take(n * C), act_.dh1 = take(n * H), act_.dh3 = take(n * H), act_.dg = take(n * H);
  tokens_.assign(n, 0);
  cap_b_ = b, cap_t_ = t;
}

float Transformer::forward(const int32_t* tokens, const int32_t* targets, int b, int t, float grad_scale) {
  reserve(b, t);
  b_ = b, t_ = t;
  const int n = b * t;
  const int C = config_.dim, KV = config_.kv_dim(), H = config_.hidden_dim, V = config_.vocab_size;
  const int NH = config_.n_heads, NKV = config_.n_kv_heads, HS = config_.head_size();
  const kernels::AttentionShape shape{b, t, NH, NKV, HS};
  std::copy_n(tokens, n, tokens_.data());

  kernels::embedding_forward(act_.layers[0].x_in, tokens, w_.embedding, n, C);
  for (int l = 0; l < config_.n_layers; ++l) {
    Layer& a = act_.layers[l];
    const int64_t lc = static_cast<int64_t>(l) * C;
    const float* wq = w_.wq + lc * C;
    const float* wk = w_.wk + static_cast<int64_t>(l) * KV * C;
    const float* wv = w_.wv + static_cast<int64_t>(l) * KV * C;
    const float* wo = w_.wo + lc * C;
    const float* w1 = w_.w1 + static_cast<int64_t>(l) * H * C;
    const float* w2 = w_.w2 + lc * H;
    const float* w3 = w_.w3 + static_cast<int64_t>(l) * H * C;
    // attention block: x_mid = x_in + attention(rope(xn1 · wqᵀ), rope(xn1 · wkᵀ), xn1 · wvᵀ) · woᵀ
    kernels::rmsnorm_forward(a.xn1, a.rstd1, a.x_in, w_.attn_norm + lc, n, C, config_.norm_eps);
    matmul(a.q, C, rows(a.xn1, C), transposed(wq, C), n, C, C, false);
    matmul(a.k, KV, rows(a.xn1, C), transposed(wk, C), n, KV, C, false);
    matmul(a.v, KV, rows(a.xn1, C), transposed(wv, C), n, KV, C, false);
    kernels::rope_forward(a.q, rope_.cos.data(), rope_.sin.data(), b, t, NH, HS);
    kernels::rope_forward(a.k, rope_.cos.data(), rope_.sin.data(), b, t, NKV, HS);
    kernels::attention_forward(a.attn, a.probs, a.q, a.k, a.v, shape);
    kernels::parallel_copy(a.x_in, static_cast<int64_t>(n) * C, a.x_mid);
    matmul(a.x_mid, C, rows(a.attn, C), transposed(wo, C), n, C, C, true);
    // feed-forward block: x_out = x_mid + (silu(xn2 · w1ᵀ) ⊙ (xn2 · w3ᵀ)) · w2ᵀ
    kernels::rmsnorm_forward(a.xn2, a.rstd2, a.x_mid, w_.ffn_norm + lc, n, C, config_.norm_eps);
    matmul(a.h1, H, rows(a.xn2, C), transposed(w1, C), n, H, C, false);
    matmul(a.h3, H, rows(a.xn2, C), transposed(w3, C), n, H, C, false);
    kernels::swiglu_forward(a.g, a.h1, a.h3, static_cast<int64_t>(n) * H);
    float* next = l + 1 < config_.n_layers ? act_.layers[l + 1].x_in : act_.x_out;
    kernels::parallel_copy(a.x_mid, static_cast<int64_t>(n) * C, next);
    matmul(next, C, rows(a.g, H), transposed(w2, H), n, C, H, true);
  }
  kernels::rmsnorm_forward(act_.xf, act_.rstdf, act_.x_out, w_.final_norm, n, C, config_.norm_eps);
  matmul(act_.logits, V, rows(act_.xf, C), transposed(w_.embedding, C), n, V, C, false);
  if (!targets) return 0;
  if (grad_scale > 0) kernels::cross_entropy_forward_backward(act_.losses, act_.logits, targets, n, V, grad_scale);
  else kernels::cross_entropy_forward(act_.losses, act_.logits, targets, n, V);
  double sum = 0;
  for (int i = 0; i < n; ++i) sum += act_.losses[i];
  return static_cast<float>(sum / n);
}

void Transformer::backward() {
  const int b = b_, t = t_, n = b * t;
  const int C = config_.dim, KV = config_.kv_dim(), H = config_.hidden_dim, V = config_.vocab_size;
  const int NH = config_.n_heads, NKV = config_.n_kv_heads, HS = config_.head_size();
  const kernels::AttentionShape shape{b, t, NH, NKV, HS};
  float *dx = act_.dx, *dxn = act_.dxn;
  const float* dlogits = act_.logits;

  // forward: logits = xf · embeddingᵀ
  matmul(dxn, C, rows(dlogits, V), rows(w_.embedding, C), n, C, V, false);
  matmul(gw_.embedding, C, transposed(dlogits, V), rows(act_.xf, C), V, C, n, true);
  kernels::rmsnorm_backward(dx, gw_.final_norm, dxn, act_.x_out, w_.final_norm, act_.rstdf, n, C, false);

  for (int l = config_.n_layers - 1; l >= 0; --l) {
    const Layer& a = act_.layers[l];
    const int64_t lc = static_cast<int64_t>(l) * C, lkv = static_cast<int64_t>(l) * KV,
                  lh = static_cast<int64_t>(l) * H;
    // forward: x_out = x_mid + g · w2ᵀ   (dx holds d x_out; the residual passes it on)
    matmul(act_.dg, H, rows(dx, C), rows(w_.w2 + lc * H, H), n, H, C, false);
    matmul(gw_.w2 + lc * H, H, transposed(dx, C), rows(a.g, H), C, H, n, true);
    kernels::swiglu_backward(act_.dh1, act_.dh3, act_.dg, a.h1, a.h3, static_cast<int64_t>(n) * H);
    // forward: h1 = xn2 · w1ᵀ,  h3 = xn2 · w3ᵀ
    matmul(dxn, C, rows(act_.dh1, H), rows(w_.w1 + lh * C, C), n, C, H, false);
    matmul(dxn, C, rows(act_.dh3, H), rows(w_.w3 + lh * C, C), n, C, H, true);
    matmul(gw_.w1 + lh * C, C, transposed(act_.dh1, H), rows(a.xn2, C), H, C, n, true);
    matmul(gw_.w3 + lh * C, C, transposed(act_.dh3, H), rows(a.xn2, C), H, C, n, true);
    // forward: xn2 = rmsnorm(x_mid)  →  dx becomes d x_mid
    kernels::rmsnorm_backward(dx, gw_.ffn_norm + lc, dxn, a.x_mid, w_.ffn_norm + lc, a.rstd2, n, C, true);
    // forward: x_mid = x_in + attn · woᵀ
    matmul(act_.dattn, C, rows(dx, C), rows(w_.wo + lc * C, C), n, C, C, false);
    matmul(gw_.wo + lc * C, C, transposed(dx, C), rows(a.attn, C), C, C, n, true);
    kernels::attention_backward(act_.dq, act_.dk, act_.dv, act_.dattn, a.q, a.k, a.v, a.probs, shape);
    kernels::rope_backward(act_.dq, rope_.cos.data(), rope_.sin.data(), b, t, NH, HS);
    kernels::rope_backward(act_.dk, rope_.cos.data(), rope_.sin.data(), b, t, NKV, HS);
    // forward: q = xn1 · wqᵀ,  k = xn1 · wkᵀ,  v = xn1 · wvᵀ
    matmul(dxn, C, rows(act_.dq, C), rows(w_.wq + lc * C, C), n, C, C, false);
    matmul(dxn, C, rows(act_.dk, KV), rows(w_.wk + lkv * C, C), n, C, KV, true);
    matmul(dxn, C, rows(act_.dv, KV), rows(w_.wv + lkv * C, C), n, C, KV, true);
    matmul(gw_.wq + lc * C, C, transposed(act_.dq, C), rows(a.xn1, C), C, C, n, true);
    matmul(gw_.wk + lkv * C, C, transposed(act_.dk, KV), rows(a.xn1, C), KV, C, n, true);
    matmul(gw_.wv + lkv * C, C, transposed(act_.dv, KV), rows(a.xn1, C), KV, C, n, true);
    // forward: xn1 = rmsnorm(x_in)  →  dx becomes d x_in
    kernels::rmsnorm_backward(dx, gw_.attn_norm + lc, dxn, a.x_in, w_.attn_norm + lc, a.rstd1, n, C, true);
  }
  // forward: x_in[0] = embedding[tokens]
  kernels::embedding_backward(gw_.embedding, dx, tokens_.data(), n, C);
}

void Transformer::zero_grad() { kernels::parallel_fill(grads_.data(), static_cast<int64_t>(grads_.size()), 0.0f); }

}  // namespace primer::model
