// Decoding with the KV cache gives the training forward's logits; sampling is greedy at
// temperature 0, deterministic per seed, and follows the model's distribution.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "base/rng.h"
#include "model/inference.h"
#include "model/kernels/matmul.h"
#include "model/kernels/matvec.h"
#include "model/transformer.h"

using namespace primer::model;

TEST_CASE("matvec equals the naive product on odd shapes") {
  for (auto [m, k] : {std::pair{1, 1}, {7, 13}, {37, 320}, {4099, 321}}) {
    std::vector<float> w(static_cast<size_t>(m) * k), x(k), y(m), ref(m);
    primer::base::Rng rng(m, "mv");
    for (auto& v : w) v = static_cast<float>(rng.uniform() - 0.5);
    for (auto& v : x) v = static_cast<float>(rng.uniform() - 0.5);
    kernels::matvec(y.data(), w.data(), x.data(), m, k);
    kernels::matmul_reference<float>(ref.data(), 1, kernels::rows(w.data(), k), kernels::rows(x.data(), 1), m, 1, k,
                                     false);
    double err = 0;
    for (int i = 0; i < m; ++i) err = std::max(err, std::abs(double(y[i]) - ref[i]));
    CHECK(err < 1e-5);
  }
}

TEST_CASE("weight buffers: 2 MB aligned from 2 MB on, zeroed, usable to the last byte") {
  for (size_t n : {size_t{1}, size_t{4096}, (size_t{2} << 20) - 1, size_t{2} << 20, (size_t{5} << 20) + 3}) {
    std::vector<uint8_t, WeightAllocator<uint8_t>> v(n, 0);
    CAPTURE(n);
    if (n >= (size_t{2} << 20)) CHECK(reinterpret_cast<uintptr_t>(v.data()) % (size_t{2} << 20) == 0);
    CHECK(std::all_of(v.begin(), v.end(), [](uint8_t b) { return b == 0; }));
    v.front() = 1, v.back() = 2;
    auto moved = std::move(v);  // moving keeps the buffer
    CHECK(moved.front() == (n == 1 ? 2 : 1));
    CHECK(moved.back() == 2);
  }
}

TEST_CASE("KV-cache decoding reproduces the training forward's logits at every position") {
  ModelConfig c;
  c.dim = 48, c.n_layers = 2, c.n_heads = 4, c.n_kv_heads = 2, c.hidden_dim = 100, c.vocab_size = 67, c.seq_len = 24;
  Transformer t(c);
  t.init_random(11);
  std::vector<int32_t> tokens = {1, 5, 9, 33, 2, 60, 7, 7, 7, 12, 40, 3, 18};
  const int n = static_cast<int>(tokens.size());
  t.forward(tokens.data(), nullptr, 1, n);
  const auto full = t.logits();
  InferenceModel im(c, std::vector<float>(t.parameters().begin(), t.parameters().end()));
  Session s(im);
  double worst = 0;
  for (int i = 0; i < n; ++i) {
    const auto l = s.step(tokens[i]);
    for (int v = 0; v < c.vocab_size; ++v) worst = std::max(worst, std::abs(double(l[v]) - full[i * c.vocab_size + v]));
  }
  MESSAGE("KV-cache vs batch forward: max abs logit difference " << worst);
  CHECK(worst < 1e-4);
  CHECK(s.pos() == n);
  // the context is enforced
  Session full_ctx(im);
  for (int i = 0; i < c.seq_len; ++i) full_ctx.step(1);
  CHECK_THROWS_AS(full_ctx.step(1), ModelError);
}

TEST_CASE("decoding_loss equals the training forward's loss on the same windows") {
  ModelConfig c;
  c.dim = 32, c.n_layers = 2, c.n_heads = 4, c.n_kv_heads = 2, c.hidden_dim = 64, c.vocab_size = 50, c.seq_len = 12;
  Transformer t(c);
  t.init_random(3);
  std::vector<std::vector<int>> windows = {{1, 4, 9, 16, 25, 36, 49, 2, 3, 5, 8, 13, 21},
                                           {7, 7, 7, 1, 0, 44, 3, 3, 9, 10, 11, 12, 30}};
  std::vector<int32_t> in, tg;
  for (const auto& w : windows) {
    in.insert(in.end(), w.begin(), w.end() - 1);
    tg.insert(tg.end(), w.begin() + 1, w.end());
  }
  t.reserve(2, 12);
  const double want = t.forward(in.data(), tg.data(), 2, 12);
  InferenceModel im(c, std::vector<float>(t.parameters().begin(), t.parameters().end()));
  const double got = decoding_loss(im, windows);
  MESSAGE("decoding loss " << got << ", forward loss " << want);
  CHECK(std::abs(got - want) < 1e-4);
}

TEST_CASE("sampling: greedy at temperature 0, top_k = 1 is greedy, seeds repeat, frequencies follow the softmax") {
  const std::vector<float> logits = {0.0f, 2.0f, 1.0f, -1.0f, 1.5f};
  TokenSampler greedy({0.0f, 1.0f, 0, 1});
  double lp = 0;
  CHECK(greedy.sample(logits, &lp) == 1);
  double z = 0;
  for (float l : logits) z += std::exp(l);
  CHECK(lp == doctest::Approx(2.0 - std::log(z)));
  TokenSampler k1({1.0f, 1.0f, 1, 7});
  for (int i = 0; i < 20; ++i) CHECK(k1.sample(logits) == 1);

  TokenSampler a({1.0f, 1.0f, 0, 42}), b({1.0f, 1.0f, 0, 42});
  std::map<int, int> counts;
  const int draws = 20000;
  for (int i = 0; i < draws; ++i) {
    const int x = a.sample(logits);
    CHECK(x == b.sample(logits));
    counts[x]++;
  }
  for (int v = 0; v < 5; ++v)
    CHECK(counts[v] / double(draws) == doctest::Approx(std::exp(logits[v]) / z).epsilon(0.05));
  // top_p = 0.5 keeps only the most likely token here (p(1) ≈ 0.40 < 0.5, so 1 and 4)
  TokenSampler p({1.0f, 0.5f, 0, 3});
  for (int i = 0; i < 200; ++i) {
    const int x = p.sample(logits);
    CHECK((x == 1 || x == 4));
  }
}

TEST_CASE("generate stops at a stop token and at max_tokens") {
  ModelConfig c;
  c.dim = 16, c.n_layers = 1, c.n_heads = 2, c.n_kv_heads = 2, c.hidden_dim = 20, c.vocab_size = 11, c.seq_len = 12;
  Transformer t(c);
  t.init_random(2);
  InferenceModel im(c, std::vector<float>(t.parameters().begin(), t.parameters().end()));
  GenerateRequest req;
  req.prompt = {1, 4};
  req.max_tokens = 5;
  req.sampling.temperature = 0;
  const auto r = generate(im, req);
  CHECK(r.tokens.size() == 5);
  CHECK(r.finish_reason == "length");
  req.stop_tokens = {r.tokens[2]};
  const auto s = generate(im, req);
  CHECK(s.finish_reason == "stop");
  CHECK(s.tokens.size() <= 2);
  req.max_tokens = 100;  // capped by the context
  req.stop_tokens = {};
  CHECK(generate(im, req).tokens.size() == 10);
}

TEST_CASE("generate never draws an id at or above vocab_limit (the tokenizer's pieces)") {
  // A model whose vocab_size exceeds the tokenizer's pieces: the extra rows must never be
  // sampled, or the tokenizer fails to decode them ("Invalid id").
  ModelConfig c;
  c.dim = 16, c.n_layers = 1, c.n_heads = 2, c.n_kv_heads = 2, c.hidden_dim = 20, c.vocab_size = 40, c.seq_len = 64;
  Transformer t(c);
  t.init_random(5);
  std::vector<float> w(t.parameters().begin(), t.parameters().end());
  for (float& x : w) x *= 4;  // sharper logits, so greedy and sampling both range widely
  InferenceModel im(c, w);
  const int limit = 25;
  GenerateRequest req;
  req.prompt = {1, 4};
  req.max_tokens = 60;
  req.sampling = {100.0f, 1.0f, 0, 9};  // nearly uniform: 15 of 40 ids lie past the limit
  const auto unlimited = generate(im, req);
  REQUIRE(std::any_of(unlimited.tokens.begin(), unlimited.tokens.end(), [&](int id) { return id >= limit; }));
  req.vocab_limit = limit;
  for (float temperature : {100.0f, 1.0f, 0.0f}) {
    req.sampling.temperature = temperature;
    const auto r = generate(im, req);
    CHECK(r.tokens.size() == 60);
    for (int id : r.tokens) CHECK(id < limit);
  }
}
