#include "model/inference.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <new>

#include <sys/mman.h>

#include <fmt/format.h>
#include <tbb/parallel_for.h>

#include "base/rng.h"
#include "model/kernels/attention.h"
#include "model/kernels/quant.h"
#include "model/kernels/rmsnorm.h"
#include "model/kernels/swiglu.h"
#include "model/kernels/vmath.h"

namespace primer::model {

namespace {
constexpr size_t kHugePage = size_t{2} << 20;
size_t huge_round(size_t bytes) { return (bytes + kHugePage - 1) / kHugePage * kHugePage; }
}  // namespace

void* weight_alloc(size_t bytes) {
  if (bytes < kHugePage) return ::operator new(bytes);
  // map one huge page more than needed and trim the ends to a 2 MB-aligned range
  const size_t size = huge_round(bytes), span = size + kHugePage;
  void* m = ::mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) throw std::bad_alloc();
  const uintptr_t start = reinterpret_cast<uintptr_t>(m), aligned = (start + kHugePage - 1) / kHugePage * kHugePage;
  if (aligned > start) ::munmap(m, aligned - start);
  if (aligned + size < start + span) ::munmap(reinterpret_cast<void*>(aligned + size), start + span - aligned - size);
  ::madvise(reinterpret_cast<void*>(aligned), size, MADV_HUGEPAGE);  // advice only: ignored without THP
  return reinterpret_cast<void*>(aligned);
}

void weight_free(void* p, size_t bytes) {
  if (bytes < kHugePage) ::operator delete(p);
  else ::munmap(p, huge_round(bytes));
}

std::pair<int, int> packed_shape(const ModelConfig& c, size_t index) {
  if (index == 0) return {c.vocab_size, c.dim};
  switch (static_cast<LayerMatrix>((index - 1) % kLayerMatrices)) {
    case kWq:
    case kWo: return {c.dim, c.dim};
    case kWk:
    case kWv: return {c.kv_dim(), c.dim};
    case kW1:
    case kW3: return {c.hidden_dim, c.dim};
    case kW2: return {c.dim, c.hidden_dim};
    default: return {0, 0};
  }
}

PackedWeights packed_layout(const ModelConfig& c, const std::vector<WeightType>& types) {
  const size_t n = 1 + static_cast<size_t>(c.n_layers) * kLayerMatrices;
  if (types.size() != n) throw ModelError("packed_layout: one type per matrix");
  PackedWeights p;
  p.norms.assign(static_cast<size_t>(2 * c.n_layers + 1) * c.dim, 0.0f);
  size_t offset = 0;
  for (size_t i = 0; i < n; ++i) {
    const auto [rows, cols] = packed_shape(c, i);
    if (!kernels::fits_row(types[i], cols))
      throw ModelError(fmt::format("{} stores rows in blocks of {}; this model has rows of {} (dim {}, hidden_dim {})",
                                   kernels::weight_type_name(types[i]), kernels::kQ8Block, cols, c.dim, c.hidden_dim));
    p.matrices.push_back({types[i], offset});
    offset += (static_cast<size_t>(rows) * kernels::row_bytes(types[i], cols) + 63) / 64 * 64;
  }
  p.bytes.assign(offset, 0);
  return p;
}

PackedWeights pack_weights(const ModelConfig& c, std::span<const float> weights, WeightType type) {
  if (static_cast<int64_t>(weights.size()) != c.parameter_count())
    throw ModelError("weights hold " + std::to_string(weights.size()) + " floats; the model needs " +
                     std::to_string(c.parameter_count()));
  PackedWeights p =
      packed_layout(c, std::vector<WeightType>(1 + static_cast<size_t>(c.n_layers) * kLayerMatrices, type));
  const ParameterViews w = bind_parameters(c, const_cast<float*>(weights.data()));
  const int64_t C = c.dim;
  std::copy_n(w.attn_norm, c.n_layers * C, p.norms.begin());
  std::copy_n(w.ffn_norm, c.n_layers * C, p.norms.begin() + c.n_layers * C);
  std::copy_n(w.final_norm, C, p.norms.begin() + 2 * c.n_layers * C);
  auto encode = [&](size_t index, const float* m) {
    const auto [rows, cols] = packed_shape(c, index);
    const size_t stride = kernels::row_bytes(type, cols);
    uint8_t* out = p.bytes.data() + p.matrices[index].offset;
    for (int r = 0; r < rows; ++r)
      kernels::quantize_row(type, m + static_cast<int64_t>(r) * cols, cols, out + r * stride);
  };
  encode(0, w.embedding);
  const int64_t KV = c.kv_dim(), H = c.hidden_dim;
  for (int l = 0; l < c.n_layers; ++l) {
    encode(packed_index(l, kWq), w.wq + l * C * C);
    encode(packed_index(l, kWk), w.wk + l * KV * C);
    encode(packed_index(l, kWv), w.wv + l * KV * C);
    encode(packed_index(l, kWo), w.wo + l * C * C);
    encode(packed_index(l, kW1), w.w1 + l * H * C);
    encode(packed_index(l, kW3), w.w3 + l * H * C);
    encode(packed_index(l, kW2), w.w2 + l * C * H);
  }
  return p;
}

InferenceModel::InferenceModel(const ModelConfig& config, std::vector<float> weights, WeightType type)
    : config_(config) {
  config_.validate();
  w_ = pack_weights(config_, weights, type);
  bind();
}

InferenceModel::InferenceModel(const ModelConfig& config, PackedWeights weights)
    : config_(config), w_(std::move(weights)) {
  config_.validate();
  bind();
}

void InferenceModel::bind() {
  const size_t n = 1 + static_cast<size_t>(config_.n_layers) * kLayerMatrices;
  if (w_.matrices.size() != n || w_.norms.size() != static_cast<size_t>(2 * config_.n_layers + 1) * config_.dim)
    throw ModelError("packed weights do not match the model's shape");
  matrices_.clear();
  for (size_t i = 0; i < n; ++i) {
    const auto [rows, cols] = packed_shape(config_, i);
    const PackedWeights::Matrix& m = w_.matrices[i];
    if (!kernels::fits_row(m.type, cols) || m.offset % 4 ||
        m.offset + static_cast<size_t>(rows) * kernels::row_bytes(m.type, cols) > w_.bytes.size())
      throw ModelError("packed weights: matrix " + std::to_string(i) + " lies outside its buffer");
    matrices_.push_back({m.type, w_.bytes.data() + m.offset, rows, cols});
  }
  rope_ = kernels::RopeTable(config_.seq_len, config_.head_size(), config_.rope_theta);
}

size_t InferenceModel::bytes_per_token() const {
  size_t n = w_.norms.size() * sizeof(float);
  for (const kernels::WeightMatrix& m : matrices_)
    n += static_cast<size_t>(m.rows) * kernels::row_bytes(m.type, m.cols);
  return n + kernels::row_bytes(matrices_[0].type, config_.dim);
}

Session::Session(const InferenceModel& model) : m_(model) {
  const ModelConfig& c = m_.config();
  const size_t cache = static_cast<size_t>(c.n_layers) * c.seq_len * c.kv_dim();
  k_cache_.assign(cache, 0.0f);
  v_cache_.assign(cache, 0.0f);
  x_.resize(c.dim), xn_.resize(c.dim), q_.resize(c.dim), k_.resize(c.kv_dim()), v_.resize(c.kv_dim());
  att_.resize(c.dim), h1_.resize(c.hidden_dim), h3_.resize(c.hidden_dim);
  scores_.resize(static_cast<size_t>(c.n_heads) * c.seq_len);
  logits_.resize(c.vocab_size);
}

std::span<const float> Session::step(int token) {
  const ModelConfig& c = m_.config();
  if (pos_ >= c.seq_len) throw ModelError("the context is full (" + std::to_string(c.seq_len) + " tokens)");
  if (token < 0 || token >= c.vocab_size) throw ModelError("token id " + std::to_string(token) + " out of range");
  const int C = c.dim, KV = c.kv_dim(), H = c.hidden_dim, HS = c.head_size(), T = c.seq_len;
  const int group = c.n_heads / c.n_kv_heads;
  const float scale = 1.0f / std::sqrt(static_cast<float>(HS));
  float rstd;
  const kernels::WeightMatrix& emb = m_.embedding();
  kernels::dequantize_row(
      emb.type, static_cast<const uint8_t*>(emb.data) + static_cast<size_t>(token) * kernels::row_bytes(emb.type, C), C,
      x_.data());
  for (int l = 0; l < c.n_layers; ++l) {
    kernels::rmsnorm_forward(xn_.data(), &rstd, x_.data(), m_.attn_norm(l), 1, C, c.norm_eps);
    float* kc = k_cache_.data() + (static_cast<int64_t>(l) * T + pos_) * KV;
    float* vc = v_cache_.data() + (static_cast<int64_t>(l) * T + pos_) * KV;
    kernels::matvec_many({{q_.data(), &m_.matrix(l, kWq)}, {kc, &m_.matrix(l, kWk)}, {vc, &m_.matrix(l, kWv)}},
                         xn_.data(), scratch_);
    kernels::rope_forward(q_.data(), m_.rope().cos.data(), m_.rope().sin.data(), 1, 1, c.n_heads, HS, pos_);
    kernels::rope_forward(kc, m_.rope().cos.data(), m_.rope().sin.data(), 1, 1, c.n_kv_heads, HS, pos_);
    // one query row against the cached keys and values of positions 0..pos
    const float* keys = k_cache_.data() + static_cast<int64_t>(l) * T * KV;
    const float* values = v_cache_.data() + static_cast<int64_t>(l) * T * KV;
    auto head = [&](int h) {
      const int kvh = h / group;
      kernels::attention_decode(att_.data() + h * HS, scores_.data() + static_cast<size_t>(h) * T, q_.data() + h * HS,
                                keys + kvh * HS, values + kvh * HS, pos_ + 1, KV, HS, scale);
    };
    // heads in parallel once the cache is long enough to pay for the tasks
    if (static_cast<int64_t>(pos_ + 1) * HS * c.n_heads >= 32768) tbb::parallel_for(0, c.n_heads, head);
    else
      for (int h = 0; h < c.n_heads; ++h) head(h);
    kernels::matvec(xn_.data(), m_.matrix(l, kWo), att_.data(), scratch_);
    for (int i = 0; i < C; ++i) x_[i] += xn_[i];
    kernels::rmsnorm_forward(xn_.data(), &rstd, x_.data(), m_.ffn_norm(l), 1, C, c.norm_eps);
    kernels::matvec_many({{h1_.data(), &m_.matrix(l, kW1)}, {h3_.data(), &m_.matrix(l, kW3)}}, xn_.data(), scratch_);
    kernels::swiglu_forward(h1_.data(), h1_.data(), h3_.data(), H);
    kernels::matvec(xn_.data(), m_.matrix(l, kW2), h1_.data(), scratch_);
    for (int i = 0; i < C; ++i) x_[i] += xn_[i];
  }
  kernels::rmsnorm_forward(xn_.data(), &rstd, x_.data(), m_.final_norm(), 1, C, c.norm_eps);
  kernels::matvec(logits_.data(), m_.embedding(), xn_.data(), scratch_);
  ++pos_;
  return logits_;
}

TokenSampler::TokenSampler(const SamplingOptions& o) : o_(o), state_(base::mix64(o.seed ^ 0x5A4D504C45ull)) {}

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
      std::partial_sort(sorted_.begin(), sorted_.begin() + o_.top_k, sorted_.end(), [](const auto& a, const auto& b) {
        return a.first > b.first || (a.first == b.first && a.second < b.second);
      });
      keep = o_.top_k;
    } else {
      std::sort(sorted_.begin(), sorted_.end(), [](const auto& a, const auto& b) {
        return a.first > b.first || (a.first == b.first && a.second < b.second);
      });
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
    const double u = static_cast<double>(base::mix64(state_) >> 11) * 0x1.0p-53 * total;
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

double decoding_loss(const InferenceModel& model, const std::vector<std::vector<int>>& windows) {
  std::vector<double> sums(windows.size(), 0.0);
  std::vector<int64_t> counts(windows.size(), 0);
  tbb::parallel_for(size_t{0}, windows.size(), [&](size_t w) {
    Session s(model);
    const std::vector<int>& t = windows[w];
    for (size_t i = 0; i + 1 < t.size() && s.pos() < model.config().seq_len; ++i) {
      const auto logits = s.step(t[i]);
      const float mx = *std::max_element(logits.begin(), logits.end());
      double z = 0;
      for (float l : logits) z += std::exp(static_cast<double>(l - mx));
      sums[w] += std::log(z) - static_cast<double>(logits[t[i + 1]] - mx);
      ++counts[w];
    }
  });
  double sum = 0;
  int64_t n = 0;
  for (size_t w = 0; w < windows.size(); ++w) sum += sums[w], n += counts[w];
  if (n == 0) throw ModelError("no tokens to measure a loss on");
  return sum / static_cast<double>(n);
}

GenerateResult generate(const InferenceModel& model, const GenerateRequest& req,
                        const std::function<bool(int)>& on_token) {
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
