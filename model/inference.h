// Decoding with a KV cache (`primer sample`, `primer serve`, `primer eval`).
//
// InferenceModel holds read-only weights and is shared by any number of Sessions, one per
// stream, each with its own KV cache (L, seq_len, KV) and scratch. A step feeds one token
// and returns the next token's logits: matrix–vector products (kernels/matvec), the
// training kernels for RMSNorm, RoPE and SwiGLU, and single-row attention over the cache.
// Sessions are not thread-safe; different sessions may run on different threads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "model/config.h"
#include "model/kernels/rope.h"
#include "model/transformer.h"

namespace primer::model {

class InferenceModel {
 public:
  InferenceModel(const ModelConfig& config, std::vector<float> weights);
  const ModelConfig& config() const { return config_; }
  const ParameterViews& weights() const { return w_; }
  std::span<const float> parameters() const { return params_; }
  const kernels::RopeTable& rope() const { return rope_; }

 private:
  ModelConfig config_;
  std::vector<float> params_;
  ParameterViews w_;
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
  std::vector<int> tokens;             // generated, without the prompt or the stop token
  std::string finish_reason = "length";  // "stop" (stop token or on_token said stop) | "length"
  double sum_logprob = 0;              // over the generated tokens
  int prompt_tokens = 0;
  double prefill_seconds = 0, decode_seconds = 0;
};

// Generates after `prompt`. on_token(token) returning false stops early ("stop"). The
// prompt plus max_tokens is capped at the model's context ("length" when reached).
GenerateResult generate(const InferenceModel& model, const GenerateRequest& request,
                        const std::function<bool(int)>& on_token = {});

}  // namespace primer::model
