#include "model/inference.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "model/kernels/matvec.h"
#include "model/kernels/rmsnorm.h"
#include "model/kernels/swiglu.h"
#include "prompts/rng.h"

namespace primer::model {

InferenceModel::InferenceModel(const ModelConfig& config, std::vector<float> weights)
    : config_(config), params_(std::move(weights)) {
  config_.validate();
  if (static_cast<int64_t>(params_.size()) != config_.parameter_count())
    throw ModelError("weights hold " + std::to_string(params_.size()) + " floats; the model needs " +
                     std::to_string(config_.parameter_count()));
  w_ = bind_parameters(config_, params_.data());
  rope_ = kernels::RopeTable(config_.seq_len, config_.head_size(), config_.rope_theta);
}

Session::Session(const InferenceModel& model) : m_(model) {
  const ModelConfig& c = m_.config();
  const size_t cache = static_cast<size_t>(c.n_layers) * c.seq_len * c.kv_dim();
  k_cache_.assign(cache, 0.0f);
  v_cache_.assign(cache, 0.0f);
  x_.resize(c.dim), xn_.resize(c.dim), q_.resize(c.dim), k_.resize(c.kv_dim()), v_.resize(c.kv_dim());
  att_.resize(c.dim), h1_.resize(c.hidden_dim), h3_.resize(c.hidden_dim), scores_.resize(c.seq_len);
  logits_.resize(c.vocab_size);
}

std::span<const float> Session::step(int token) {
  const ModelConfig& c = m_.config();
  const ParameterViews& w = m_.weights();
  if (pos_ >= c.seq_len) throw ModelError("the context is full (" + std::to_string(c.seq_len) + " tokens)");
  if (token < 0 || token >= c.vocab_size) throw ModelError("token id " + std::to_string(token) + " out of range");
  const int C = c.dim, KV = c.kv_dim(), H = c.hidden_dim, HS = c.head_size(), T = c.seq_len;
  const int group = c.n_heads / c.n_kv_heads;
  const float scale = 1.0f / std::sqrt(static_cast<float>(HS));
  float rstd;
  std::copy_n(w.embedding + static_cast<int64_t>(token) * C, C, x_.data());
  for (int l = 0; l < c.n_layers; ++l) {
    const int64_t lc = static_cast<int64_t>(l) * C;
    kernels::rmsnorm_forward(xn_.data(), &rstd, x_.data(), w.attn_norm + lc, 1, C, c.norm_eps);
    kernels::matvec(q_.data(), w.wq + lc * C, xn_.data(), C, C);
    float* kc = k_cache_.data() + (static_cast<int64_t>(l) * T + pos_) * KV;
    float* vc = v_cache_.data() + (static_cast<int64_t>(l) * T + pos_) * KV;
    kernels::matvec(kc, w.wk + static_cast<int64_t>(l) * KV * C, xn_.data(), KV, C);
    kernels::matvec(vc, w.wv + static_cast<int64_t>(l) * KV * C, xn_.data(), KV, C);
    kernels::rope_forward(q_.data(), m_.rope().cos.data(), m_.rope().sin.data(), 1, 1, c.n_heads, HS, pos_);
    kernels::rope_forward(kc, m_.rope().cos.data(), m_.rope().sin.data(), 1, 1, c.n_kv_heads, HS, pos_);
    // one query row against the cached keys and values of positions 0..pos
    const float* keys = k_cache_.data() + static_cast<int64_t>(l) * T * KV;
    const float* values = v_cache_.data() + static_cast<int64_t>(l) * T * KV;
    for (int h = 0; h < c.n_heads; ++h) {
      const float* qh = q_.data() + h * HS;
      const int kvh = h / group;
      float mx = -INFINITY;
      for (int t = 0; t <= pos_; ++t) {
        const float* kt = keys + static_cast<int64_t>(t) * KV + kvh * HS;
        float d = 0;
        for (int i = 0; i < HS; ++i) d += qh[i] * kt[i];
        scores_[t] = d * scale;
        mx = std::max(mx, scores_[t]);
      }
      float sum = 0;
      for (int t = 0; t <= pos_; ++t) sum += scores_[t] = std::exp(scores_[t] - mx);
      float* out = att_.data() + h * HS;
      std::fill(out, out + HS, 0.0f);
      for (int t = 0; t <= pos_; ++t) {
        const float p = scores_[t] / sum;
        const float* vt = values + static_cast<int64_t>(t) * KV + kvh * HS;
        for (int i = 0; i < HS; ++i) out[i] += p * vt[i];
      }
    }
    kernels::matvec(xn_.data(), w.wo + lc * C, att_.data(), C, C);
    for (int i = 0; i < C; ++i) x_[i] += xn_[i];
    kernels::rmsnorm_forward(xn_.data(), &rstd, x_.data(), w.ffn_norm + lc, 1, C, c.norm_eps);
    kernels::matvec(h1_.data(), w.w1 + static_cast<int64_t>(l) * H * C, xn_.data(), H, C);
    kernels::matvec(h3_.data(), w.w3 + static_cast<int64_t>(l) * H * C, xn_.data(), H, C);
    kernels::swiglu_forward(h1_.data(), h1_.data(), h3_.data(), H);
    kernels::matvec(xn_.data(), w.w2 + lc * H, h1_.data(), C, H);
    for (int i = 0; i < C; ++i) x_[i] += xn_[i];
  }
  kernels::rmsnorm_forward(xn_.data(), &rstd, x_.data(), w.final_norm, 1, C, c.norm_eps);
  kernels::matvec(logits_.data(), w.embedding, xn_.data(), c.vocab_size, C);
  ++pos_;
  return logits_;
}

TokenSampler::TokenSampler(const SamplingOptions& o) : o_(o), state_(prompts::mix64(o.seed ^ 0x5A4D504C45ull)) {}

int TokenSampler::sample(std::span<const float> logits, double* logprob) {
  const int v = static_cast<int>(logits.size());
  const float mx = *std::max_element(logits.begin(), logits.end());
  int chosen = 0;
  if (o_.temperature <= 0) {
    chosen = static_cast<int>(std::max_element(logits.begin(), logits.end()) - logits.begin());
  } else {
    sorted_.resize(v);
    for (int i = 0; i < v; ++i) sorted_[i] = {(logits[i] - mx) / o_.temperature, i};
    int keep = v;
    if (o_.top_k > 0 && o_.top_k < v) {
      std::partial_sort(sorted_.begin(), sorted_.begin() + o_.top_k, sorted_.end(),
                        [](const auto& a, const auto& b) { return a.first > b.first || (a.first == b.first && a.second < b.second); });
      keep = o_.top_k;
    } else {
      std::sort(sorted_.begin(), sorted_.end(),
                [](const auto& a, const auto& b) { return a.first > b.first || (a.first == b.first && a.second < b.second); });
    }
    double total = 0;
    for (int i = 0; i < keep; ++i) total += std::exp(static_cast<double>(sorted_[i].first));
    if (o_.top_p < 1.0f) {  // smallest prefix with probability ≥ top_p
      double cum = 0;
      int n = 0;
      while (n < keep) {
        cum += std::exp(static_cast<double>(sorted_[n].first)) / total;
        ++n;
        if (cum >= o_.top_p) break;
      }
      keep = std::max(n, 1);
      total = 0;
      for (int i = 0; i < keep; ++i) total += std::exp(static_cast<double>(sorted_[i].first));
    }
    state_ += 0x9E3779B97F4A7C15ull;
    const double u = static_cast<double>(prompts::mix64(state_) >> 11) * 0x1.0p-53 * total;
    double cum = 0;
    chosen = sorted_[keep - 1].second;
    for (int i = 0; i < keep; ++i) {
      cum += std::exp(static_cast<double>(sorted_[i].first));
      if (u < cum) {
        chosen = sorted_[i].second;
        break;
      }
    }
  }
  if (logprob) {
    double sum = 0;
    for (float l : logits) sum += std::exp(static_cast<double>(l - mx));
    *logprob = static_cast<double>(logits[chosen] - mx) - std::log(sum);
  }
  return chosen;
}

GenerateResult generate(const InferenceModel& model, const GenerateRequest& req, const std::function<bool(int)>& on_token) {
  using Clock = std::chrono::steady_clock;
  GenerateResult r;
  r.prompt_tokens = static_cast<int>(req.prompt.size());
  if (req.prompt.empty()) throw ModelError("the prompt has no tokens");
  if (r.prompt_tokens >= model.config().seq_len)
    throw ModelError("the prompt (" + std::to_string(r.prompt_tokens) + " tokens) does not fit the context of " +
                     std::to_string(model.config().seq_len));
  const int vocab = model.config().vocab_size;
  const int limit = req.vocab_limit > 0 ? std::min(req.vocab_limit, vocab) : vocab;
  Session s(model);
  TokenSampler sampler(req.sampling);
  auto t0 = Clock::now();
  std::span<const float> logits;
  for (int t : req.prompt) logits = s.step(t);
  auto t1 = Clock::now();
  r.prefill_seconds = std::chrono::duration<double>(t1 - t0).count();
  while (static_cast<int>(r.tokens.size()) < req.max_tokens) {
    if (s.pos() >= model.config().seq_len) break;  // the next token has no position left: "length"
    double lp = 0;
    const int next = sampler.sample(logits.first(limit), &lp);
    if (std::find(req.stop_tokens.begin(), req.stop_tokens.end(), next) != req.stop_tokens.end()) {
      r.finish_reason = "stop";
      break;
    }
    r.tokens.push_back(next);
    r.sum_logprob += lp;
    if (on_token && !on_token(next)) {
      r.finish_reason = "stop";
      break;
    }
    if (s.pos() >= model.config().seq_len) break;
    logits = s.step(next);
  }
  r.decode_seconds = std::chrono::duration<double>(Clock::now() - t1).count();
  return r;
}

}  // namespace primer::model
