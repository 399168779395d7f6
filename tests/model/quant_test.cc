// Weight formats for decoding (kernels/quant.h): the Q8_0 bytes are ggml's, every
// product path (portable, AVX2, AVX-512 VNNI where the CPU has it) gives the same bits
// and stays within rounding of the double-precision oracle, and a whole model decoded in
// f16, bf16 or q8_0 keeps to its float32 logits. Max errors are printed.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "base/rng.h"
#include "model/inference.h"
#include "model/kernels/quant.h"
#include "model/transformer.h"

using namespace primer::model;
using namespace primer::model::kernels;

namespace {

std::vector<float> random_floats(size_t n, uint64_t seed, double scale = 1.0) {
  primer::base::Rng rng(seed, "quant");
  std::vector<float> v(n);
  for (auto& x : v) x = static_cast<float>((rng.uniform() * 2 - 1) * scale);
  return v;
}

std::vector<QuantPath> available_paths() {
  std::vector<QuantPath> p;
  for (QuantPath q : {QuantPath::kPortable, QuantPath::kAvx2, QuantPath::kAvx512Vnni})
    if (quant_path_available(q)) p.push_back(q);
    else MESSAGE("this CPU cannot run the " << quant_path_name(q) << " path: not tested here");
  return p;
}

struct PathGuard {
  ~PathGuard() { force_quant_path(std::nullopt); }
};

std::vector<uint8_t> encode(WeightType t, const std::vector<float>& w, int rows, int cols) {
  const size_t stride = row_bytes(t, cols);
  std::vector<uint8_t> out(rows * stride);
  for (int r = 0; r < rows; ++r)
    quantize_row(t, w.data() + static_cast<size_t>(r) * cols, cols, out.data() + r * stride);
  return out;
}

}  // namespace

TEST_CASE("fp16 and bf16: round to nearest even, specials kept") {
  CHECK(fp32_to_fp16(1.0f) == 0x3c00);
  CHECK(fp32_to_fp16(-2.0f) == 0xc000);
  CHECK(fp32_to_fp16(65504.0f) == 0x7bff);
  CHECK(fp32_to_fp16(1e6f) == 0x7c00);                   // overflow: infinity
  CHECK(fp32_to_fp16(1.0f + 0x1.0p-11f) == 0x3c00);      // a tie: to even (down)
  CHECK(fp32_to_fp16(1.0f + 3 * 0x1.0p-11f) == 0x3c02);  // a tie: to even (up)
  CHECK(fp16_to_fp32(0x0001) == 0x1.0p-24f);             // smallest subnormal
  CHECK(fp32_to_bf16(1.0f) == 0x3f80);
  CHECK(fp32_to_bf16(1.0f + 0x1.0p-8f) == 0x3f80);  // tie to even
  CHECK(fp32_to_bf16(1.0f + 3 * 0x1.0p-8f) == 0x3f82);
  CHECK(std::isnan(bf16_to_fp32(fp32_to_bf16(NAN))));
  CHECK(bf16_to_fp32(0x4049) == 3.140625f);
  for (float f : random_floats(1000, 3, 100.0)) {
    CHECK(std::abs(fp16_to_fp32(fp32_to_fp16(f)) - f) <= std::abs(f) * 0x1.0p-11f);
    CHECK(std::abs(bf16_to_fp32(fp32_to_bf16(f)) - f) <= std::abs(f) * 0x1.0p-8f);
  }
}

TEST_CASE("q8_0: ggml's block bytes, scale max|w|/127 in fp16, quants rounded half away from zero") {
  // one block: w[j] = (j - 16) / 8, max |w| = 2, so d = 2/127 and q = round(w · 63.5)
  std::vector<float> w(32);
  for (int j = 0; j < 32; ++j) w[j] = static_cast<float>(j - 16) / 8.0f;
  uint8_t bytes[34];
  quantize_row(WeightType::kQ8_0, w.data(), 32, bytes);
  uint16_t d16;
  std::memcpy(&d16, bytes, 2);  // little-endian fp16 first, as ggml's block_q8_0
  CHECK(d16 == fp32_to_fp16(2.0f / 127.0f));
  const float id = 1.0f / (2.0f / 127.0f);
  for (int j = 0; j < 32; ++j) CHECK(static_cast<int8_t>(bytes[2 + j]) == static_cast<int>(std::roundf(w[j] * id)));
  CHECK(static_cast<int8_t>(bytes[2]) == -127);    // w = -2
  CHECK(static_cast<int8_t>(bytes[2 + 17]) == 8);  // w = 0.125 → 7.9375 → 8
  CHECK(row_bytes(WeightType::kQ8_0, 320) == 340);
  CHECK(!fits_row(WeightType::kQ8_0, 48));
  // an all-zero block has scale 0 and quants 0; decoding is d·q
  std::vector<float> zeros(32, 0.0f), back(32, 1.0f);
  quantize_row(WeightType::kQ8_0, zeros.data(), 32, bytes);
  dequantize_row(WeightType::kQ8_0, bytes, 32, back.data());
  CHECK(std::all_of(back.begin(), back.end(), [](float v) { return v == 0.0f; }));
  // decoding error is at most half a step (d / 2) per weight, plus the scale's own
  // rounding to fp16 times the largest quant
  const auto r = random_floats(320, 9);
  std::vector<uint8_t> q(row_bytes(WeightType::kQ8_0, 320));
  std::vector<float> dq(320);
  quantize_row(WeightType::kQ8_0, r.data(), 320, q.data());
  dequantize_row(WeightType::kQ8_0, q.data(), 320, dq.data());
  for (int b = 0; b < 10; ++b) {
    float amax = 0;
    for (int j = 0; j < 32; ++j) amax = std::max(amax, std::abs(r[b * 32 + j]));
    const float d = amax / 127, dh = fp16_to_fp32(fp32_to_fp16(d));
    for (int j = 0; j < 32; ++j)
      CHECK(std::abs(dq[b * 32 + j] - r[b * 32 + j]) <= 0.5f * dh + 127 * std::abs(d - dh) + 1e-7f);
  }
}

TEST_CASE("dequantize_row reads a row at any address (a tensor inside a file's bytes)") {
  // A GGUF file may choose general.alignment = 1: its tensors can start at odd offsets.
  // (Under UBSan a typed load from there was a misaligned-address report: fuzz target gguf.)
  const auto w = random_floats(64, 4);
  for (WeightType t : {WeightType::kF16, WeightType::kBF16, WeightType::kQ8_0}) {
    CAPTURE(weight_type_name(t));
    const size_t n = row_bytes(t, 64);
    std::vector<uint8_t> aligned(n), shifted(n + 1);
    quantize_row(t, w.data(), 64, aligned.data());
    std::copy(aligned.begin(), aligned.end(), shifted.begin() + 1);
    std::vector<float> a(64), b(64, -1.0f);
    dequantize_row(t, aligned.data(), 64, a.data());
    dequantize_row(t, shifted.data() + 1, 64, b.data());
    CHECK(a == b);
    CHECK(std::abs(a[5] - w[5]) < 0.05f);
  }
}

TEST_CASE("q8_0 input quantization: llama.cpp's run-time rounding (127/max, ties to even) on every path") {
  PathGuard guard;
  // max |x| = 127 makes the multiplier exactly 1: x.5 values are ties
  std::vector<float> x(64);
  for (int j = 0; j < 64; ++j) x[j] = static_cast<float>(j % 16) - 7.5f;
  x[5] = 127.0f, x[40] = -127.0f;
  for (QuantPath p : available_paths()) {
    force_quant_path(p);
    std::vector<BlockQ8_0> q(2);
    quantize_input_q8_0(x.data(), 64, q.data());
    CAPTURE(quant_path_name(p));
    CHECK(q[0].d == fp32_to_fp16(1.0f));
    for (int j = 0; j < 64; ++j) {
      if (j == 5 || j == 40) continue;
      CHECK(q[j / 32].q[j % 32] == static_cast<int>(std::nearbyint(x[j])));  // -7.5 → -8, -6.5 → -6, 0.5 → 0
    }
    CHECK(q[0].q[5] == 127);
    CHECK(q[1].q[8] == -127);
  }
  // random inputs: every path gives the same bytes
  const auto r = random_floats(864, 5, 3.0);
  std::vector<BlockQ8_0> first(27), other(27);
  force_quant_path(QuantPath::kPortable);
  quantize_input_q8_0(r.data(), 864, first.data());
  for (QuantPath p : available_paths()) {
    force_quant_path(p);
    quantize_input_q8_0(r.data(), 864, other.data());
    CHECK(std::memcmp(first.data(), other.data(), first.size() * sizeof(BlockQ8_0)) == 0);
  }
}

TEST_CASE("typed matvec: every path gives the same bits, within rounding of the double oracle") {
  PathGuard guard;
  const auto paths = available_paths();
  struct Shape {
    int m, k;
  };
  for (WeightType t : {WeightType::kF16, WeightType::kBF16, WeightType::kQ8_0}) {
    std::vector<Shape> shapes = {{1, 32}, {7, 96}, {37, 320}, {320, 864}, {4099, 320}};
    if (t != WeightType::kQ8_0) shapes.insert(shapes.end(), {{3, 13}, {9, 321}});
    for (const Shape& shape : shapes) {
      const int m = shape.m, k = shape.k;  // not a structured binding: clang 14 cannot capture those
      const auto w = random_floats(static_cast<size_t>(m) * k, static_cast<uint64_t>(m) * 31 + k, 0.5);
      const auto x = random_floats(k, k, 2.0);
      const auto bytes = encode(t, w, m, k);
      const WeightMatrix mat{t, bytes.data(), m, k};
      std::vector<float> ref(m), first(m), y(m);
      matvec_reference(ref.data(), mat, x.data());
      // the scale of each row's terms: Σ |w_j x_j| on the decoded weights
      std::vector<float> row(k);
      double worst = 0;
      for (size_t pi = 0; pi < paths.size(); ++pi) {
        force_quant_path(paths[pi]);
        MatvecScratch scratch;
        std::fill(y.begin(), y.end(), NAN);
        matvec(y.data(), mat, x.data(), scratch);
        if (pi == 0) first = y;
        CAPTURE(weight_type_name(t));
        CAPTURE(quant_path_name(paths[pi]));
        CAPTURE(m);
        CAPTURE(k);
        CHECK(std::memcmp(y.data(), first.data(), m * sizeof(float)) == 0);
        for (int i = 0; i < m; ++i) {
          dequantize_row(t, bytes.data() + i * row_bytes(t, k), k, row.data());
          double mag = 0;
          for (int j = 0; j < k; ++j) mag += std::abs(double(row[j]) * x[j]);
          const double err = std::abs(double(y[i]) - ref[i]) / (mag + 1e-30);
          worst = std::max(worst, err);
        }
      }
      MESSAGE(weight_type_name(t) << " " << m << "x" << k << ": max |y - oracle| / Σ|w·x| = " << worst);
      CHECK(worst < 2e-6);
    }
  }
}

TEST_CASE("q8_0 matvec is the float product up to the quantization of weights and input") {
  // an independent check of the int8 arithmetic: the decoded weights times the decoded
  // input, in double, against the kernel
  const int m = 64, k = 320;
  const auto w = random_floats(static_cast<size_t>(m) * k, 77, 0.3);
  const auto x = random_floats(k, 78, 1.5);
  const auto bytes = encode(WeightType::kQ8_0, w, m, k);
  std::vector<BlockQ8_0> xq(k / 32);
  quantize_input_q8_0(x.data(), k, xq.data());
  std::vector<float> xd(k), wd(k), y(m);
  dequantize_row(WeightType::kQ8_0, xq.data(), k, xd.data());  // BlockQ8_0 input decodes like a weight row
  MatvecScratch scratch;
  matvec(y.data(), {WeightType::kQ8_0, bytes.data(), m, k}, x.data(), scratch);
  double worst = 0, worst_float = 0;
  for (int i = 0; i < m; ++i) {
    dequantize_row(WeightType::kQ8_0, bytes.data() + i * row_bytes(WeightType::kQ8_0, k), k, wd.data());
    double s = 0, exact = 0;
    for (int j = 0; j < k; ++j) s += double(wd[j]) * xd[j], exact += double(w[i * k + j]) * x[j];
    worst = std::max(worst, std::abs(s - y[i]));
    worst_float = std::max(worst_float, std::abs(exact - y[i]));
  }
  MESSAGE("q8_0 vs decoded operands: " << worst << "; vs the float32 product: " << worst_float);
  CHECK(worst < 1e-5);
  CHECK(worst_float < 0.05);  // 320 terms, each off by about 1% of its size
  CHECK(worst_float > 0);     // the quantization is real
}

TEST_CASE("a model decoded in f16, bf16 and q8_0 keeps to its float32 logits") {
  ModelConfig c;
  c.dim = 64, c.n_layers = 2, c.n_heads = 4, c.n_kv_heads = 2, c.hidden_dim = 96, c.vocab_size = 67, c.seq_len = 16;
  Transformer t(c);
  t.init_random(5);
  const std::vector<float> w(t.parameters().begin(), t.parameters().end());
  const std::vector<int> tokens = {1, 5, 9, 33, 2, 60, 7, 7};
  InferenceModel f32(c, w);
  std::vector<std::vector<float>> want;
  {
    Session s(f32);
    for (int tok : tokens) {
      const auto l = s.step(tok);
      want.emplace_back(l.begin(), l.end());
    }
  }
  for (auto [type, tol] : {std::pair{WeightType::kF16, 2e-3}, {WeightType::kBF16, 2e-2}, {WeightType::kQ8_0, 2e-2}}) {
    InferenceModel im(c, w, type);
    CHECK(im.weight_type() == type);
    CHECK(im.bytes_per_token() < f32.bytes_per_token() / (type == WeightType::kQ8_0 ? 3.5 : 1.9));
    Session s(im);
    double worst = 0, scale = 0;
    for (size_t i = 0; i < tokens.size(); ++i) {
      const auto l = s.step(tokens[i]);
      for (int v = 0; v < c.vocab_size; ++v) {
        worst = std::max(worst, std::abs(double(l[v]) - want[i][v]));
        scale = std::max(scale, std::abs(double(want[i][v])));
      }
    }
    MESSAGE(weight_type_name(type) << ": max |logit - float32 logit| = " << worst << " (largest logit " << scale
                                   << ")");
    CHECK(worst < tol * std::max(scale, 1.0));
    CHECK(worst > 0);
  }
  // q8_0 needs rows in blocks of 32
  ModelConfig odd = c;
  odd.dim = 48, odd.hidden_dim = 96;
  Transformer t2(odd);
  CHECK_THROWS_AS(
      InferenceModel(odd, std::vector<float>(t2.parameters().begin(), t2.parameters().end()), WeightType::kQ8_0),
      ModelError);
}

TEST_CASE("matvec_many gives each product matvec's bits, whatever the task boundaries") {
  for (WeightType t : {WeightType::kF32, WeightType::kF16, WeightType::kQ8_0}) {
    const int k = 320;
    const int rows[3] = {321, 40, 1000};
    std::vector<std::vector<uint8_t>> bytes;
    std::vector<WeightMatrix> mats;
    for (int i = 0; i < 3; ++i)
      bytes.push_back(encode(t, random_floats(static_cast<size_t>(rows[i]) * k, 40 + i), rows[i], k));
    for (int i = 0; i < 3; ++i) mats.push_back({t, bytes[i].data(), rows[i], k});
    const auto x = random_floats(k, 99);
    MatvecScratch scratch;
    std::vector<std::vector<float>> one(3), many(3);
    for (int i = 0; i < 3; ++i) {
      one[i].resize(rows[i]);
      many[i].assign(rows[i], NAN);
      matvec(one[i].data(), mats[i], x.data(), scratch);
    }
    matvec_many({{many[0].data(), &mats[0]}, {many[1].data(), &mats[1]}, {many[2].data(), &mats[2]}}, x.data(),
                scratch);
    CAPTURE(weight_type_name(t));
    for (int i = 0; i < 3; ++i) CHECK(std::memcmp(one[i].data(), many[i].data(), rows[i] * sizeof(float)) == 0);
  }
}
