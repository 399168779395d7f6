// Kernels: every backward against central finite differences in double, every fast
// path against its naive reference on odd shapes (not multiples of the 6×16 tiles or
// the 256-deep k blocks). Max errors are printed.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "base/rng.h"
#include "model/kernels/adamw.h"
#include "model/kernels/attention.h"
#include "model/kernels/cross_entropy.h"
#include "model/kernels/embedding.h"
#include "model/kernels/matmul.h"
#include "model/kernels/rmsnorm.h"
#include "model/kernels/rope.h"
#include "model/kernels/swiglu.h"
#include "model/kernels/vmath.h"

using namespace primer::model::kernels;

namespace {

template <typename T>
std::vector<T> random_vector(size_t n, uint64_t seed, double scale = 1.0) {
  primer::base::Rng rng(seed, "test");
  std::vector<T> v(n);
  for (auto& x : v) x = static_cast<T>((rng.uniform() * 2 - 1) * scale);
  return v;
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

// Compares `analytic` (d loss / d x) with central differences of loss() around x.
// Returns the largest error relative to max(1, |gradient|).
double finite_difference_error(std::vector<double>& x, const std::function<double()>& loss,
                               const std::vector<double>& analytic, double h = 1e-6) {
  REQUIRE(x.size() == analytic.size());
  double worst = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double saved = x[i];
    x[i] = saved + h;
    const double up = loss();
    x[i] = saved - h;
    const double down = loss();
    x[i] = saved;
    const double numeric = (up - down) / (2 * h);
    worst = std::max(worst, std::abs(numeric - analytic[i]) / std::max(1.0, std::abs(numeric)));
  }
  return worst;
}

double max_abs_diff(const float* a, const float* b, size_t n) {
  double worst = 0;
  for (size_t i = 0; i < n; ++i) worst = std::max(worst, std::abs(static_cast<double>(a[i]) - b[i]));
  return worst;
}

constexpr double kFdTolerance = 1e-7;  // double precision, h = 1e-6

}  // namespace

TEST_CASE("matmul: packed kernels equal the naive reference on odd shapes, all transposes") {
  const int shapes[][3] = {{1, 1, 1},       {7, 17, 5},     {13, 33, 300}, {97, 50, 257}, {6, 16, 256},
                           {200, 130, 513}, {50, 40, 1000}, {12, 32, 64},  {19, 95, 77}};
  // The AVX-512 tiles (where the CPU has them), the AVX2 kernel, the portable one.
  for (int mode : {0, 1, 2}) {
    force_portable_kernels(mode == 2);
    if (mode == 0 && !allow_avx512_kernels(true)) continue;
    if (mode == 1) allow_avx512_kernels(false);
    double worst = 0;
    for (const auto& s : shapes) {
      const int m = s[0], n = s[1], k = s[2];
      const auto a = random_vector<float>(static_cast<size_t>(m) * k, 1);
      const auto b = random_vector<float>(static_cast<size_t>(k) * n, 2);
      for (int ta = 0; ta < 2; ++ta)
        for (int tb = 0; tb < 2; ++tb)
          for (bool accumulate : {false, true})
            for (bool parallel : {false, true}) {
              const ConstView av = ta ? transposed(a.data(), m) : rows(a.data(), k);
              const ConstView bv = tb ? transposed(b.data(), k) : rows(b.data(), n);
              const int ldc = n + 3;  // C with padding between rows
              auto c = random_vector<float>(static_cast<size_t>(m) * ldc, 3);
              auto expected = c;
              matmul_reference<float>(expected.data(), ldc, av, bv, m, n, k, accumulate);
              (parallel ? matmul : matmul_serial)(c.data(), ldc, av, bv, m, n, k, accumulate);
              // padding columns untouched, values within float rounding of a k-long sum
              double err = 0;
              for (int i = 0; i < m; ++i)
                for (int j = 0; j < ldc; ++j) {
                  const double d = std::abs(static_cast<double>(c[i * ldc + j]) - expected[i * ldc + j]);
                  if (j >= n) CHECK(d == 0);
                  err = std::max(err, d);
                }
              CHECK(err < 1e-5 * std::sqrt(static_cast<double>(k)) + 1e-6);
              worst = std::max(worst, err);
            }
    }
    std::printf("matmul %s vs reference: max abs error %.3g\n", matmul_kernel_name(), worst);
  }
  force_portable_kernels(false);
}

TEST_CASE("matmul: the AVX-512 tiles give the AVX2 kernel's bits") {
  if (!allow_avx512_kernels(true)) {
    std::printf("matmul: no AVX-512 tiles here (CPU or PRIMER_KERNELS), nothing to compare\n");
    return;
  }
  const int shapes[][3] = {{300, 200, 600}, {97, 50, 257}, {2048, 320, 864}, {31, 47, 1000}};
  for (const auto& s : shapes) {
    const int m = s[0], n = s[1], k = s[2];
    const auto a = random_vector<float>(static_cast<size_t>(m) * k, 21);
    const auto b = random_vector<float>(static_cast<size_t>(k) * n, 22);
    for (int ta = 0; ta < 2; ++ta)
      for (int tb = 0; tb < 2; ++tb) {
        const ConstView av = ta ? transposed(a.data(), m) : rows(a.data(), k);
        const ConstView bv = tb ? transposed(b.data(), k) : rows(b.data(), n);
        std::vector<float> wide(static_cast<size_t>(m) * n), narrow(wide.size());
        REQUIRE(allow_avx512_kernels(true));
        matmul(wide.data(), n, av, bv, m, n, k, false);
        allow_avx512_kernels(false);
        CHECK(std::string(matmul_kernel_name()) == "avx2-fma");
        matmul(narrow.data(), n, av, bv, m, n, k, false);
        CHECK(std::memcmp(wide.data(), narrow.data(), wide.size() * sizeof(float)) == 0);
      }
  }
  allow_avx512_kernels(true);
}

TEST_CASE("matmul: bit-identical results serial and parallel") {
  const int m = 300, n = 200, k = 600;
  const auto a = random_vector<float>(static_cast<size_t>(m) * k, 4);
  const auto b = random_vector<float>(static_cast<size_t>(k) * n, 5);
  std::vector<float> c1(static_cast<size_t>(m) * n), c2(c1.size());
  matmul(c1.data(), n, rows(a.data(), k), rows(b.data(), n), m, n, k, false);
  matmul_serial(c2.data(), n, rows(a.data(), k), rows(b.data(), n), m, n, k, false);
  CHECK(c1 == c2);
}

TEST_CASE("matmul backward (dA = dC·Bᵀ, dB = Aᵀ·dC) matches finite differences") {
  const int m = 5, n = 7, k = 9;
  auto a = random_vector<double>(m * k, 6), b = random_vector<double>(k * n, 7);
  const auto r = random_vector<double>(m * n, 8);  // loss = Σ C ⊙ r, so dC = r
  std::vector<double> c(m * n);
  auto loss = [&] {
    matmul_reference<double>(c.data(), n, {a.data(), k, 1}, {b.data(), n, 1}, m, n, k, false);
    return dot(c, r);
  };
  std::vector<double> da(m * k), db(k * n);
  matmul_reference<double>(da.data(), k, {r.data(), n, 1}, {b.data(), 1, n}, m, k, n, false);
  matmul_reference<double>(db.data(), n, {a.data(), 1, k}, {r.data(), n, 1}, k, n, m, false);
  CHECK(finite_difference_error(a, loss, da) < kFdTolerance);
  CHECK(finite_difference_error(b, loss, db) < kFdTolerance);
}

TEST_CASE("rmsnorm backward matches finite differences") {
  const int n = 3, c = 11;
  auto x = random_vector<double>(n * c, 10), w = random_vector<double>(c, 11, 2.0);
  const auto r = random_vector<double>(n * c, 12);
  std::vector<double> out(n * c), rstd(n);
  auto loss = [&] {
    rmsnorm_forward<double>(out.data(), rstd.data(), x.data(), w.data(), n, c, 1e-5);
    return dot(out, r);
  };
  loss();
  std::vector<double> dx(n * c, 0.5), dw(c, 0.0);
  rmsnorm_backward<double>(dx.data(), dw.data(), r.data(), x.data(), w.data(), rstd.data(), n, c, true);
  for (auto& v : dx) v -= 0.5;  // accumulate = true added into the 0.5 already there
  CHECK(finite_difference_error(x, loss, dx) < kFdTolerance);
  CHECK(finite_difference_error(w, loss, dw) < kFdTolerance);
}

TEST_CASE("rope: backward matches finite differences and the rotation keeps norms") {
  const int b = 2, t = 5, heads = 3, hs = 6;
  const RopeTable table(t, hs, 10000.0f);
  auto x = random_vector<double>(b * t * heads * hs, 13);
  const auto r = random_vector<double>(x.size(), 14);
  std::vector<double> y;
  auto loss = [&] {
    y = x;
    rope_forward<double>(y.data(), table.cos.data(), table.sin.data(), b, t, heads, hs);
    return dot(y, r);
  };
  loss();
  CHECK(dot(y, y) == doctest::Approx(dot(x, x)).epsilon(1e-7));  // float cos/sin tables
  auto dx = r;
  rope_backward<double>(dx.data(), table.cos.data(), table.sin.data(), b, t, heads, hs);
  CHECK(finite_difference_error(x, loss, dx) < kFdTolerance);
  // position 0 is the identity; position 1 turns the first pair by exactly 1 radian
  std::vector<float> v(hs * heads, 0.0f);
  v[0] = 1.0f;
  std::vector<float> two(2 * hs * heads, 0.0f);
  two[hs * heads] = 1.0f;  // position 1, head 0, pair 0
  rope_forward<float>(two.data(), table.cos.data(), table.sin.data(), 1, 2, heads, hs);
  CHECK(two[hs * heads] == doctest::Approx(std::cos(1.0)));
  CHECK(two[hs * heads + 1] == doctest::Approx(std::sin(1.0)));
}

TEST_CASE("swiglu backward matches finite differences") {
  const int n = 40;
  auto h1 = random_vector<double>(n, 15, 4.0), h3 = random_vector<double>(n, 16, 2.0);
  const auto r = random_vector<double>(n, 17);
  std::vector<double> g(n);
  auto loss = [&] {
    swiglu_forward<double>(g.data(), h1.data(), h3.data(), n);
    return dot(g, r);
  };
  std::vector<double> d1(n), d3(n);
  swiglu_backward<double>(d1.data(), d3.data(), r.data(), h1.data(), h3.data(), n);
  CHECK(finite_difference_error(h1, loss, d1) < kFdTolerance);
  CHECK(finite_difference_error(h3, loss, d3) < kFdTolerance);
}

TEST_CASE("cross-entropy: fused gradient matches finite differences; loss is -log p") {
  const int n = 4, v = 9;
  auto logits = random_vector<double>(n * v, 18, 3.0);
  const std::vector<int32_t> targets = {0, 8, 3, 3};
  const double scale = 0.37;
  std::vector<double> losses(n);
  auto loss = [&] {
    cross_entropy_forward<double>(losses.data(), logits.data(), targets.data(), n, v);
    double s = 0;
    for (double l : losses) s += l * scale;
    return s;
  };
  auto grad = logits;
  std::vector<double> fused_losses(n);
  cross_entropy_forward_backward<double>(fused_losses.data(), grad.data(), targets.data(), n, v, scale);
  loss();
  for (int i = 0; i < n; ++i) {
    double z = 0;
    for (int j = 0; j < v; ++j) z += std::exp(logits[i * v + j]);
    CHECK(losses[i] == doctest::Approx(std::log(z) - logits[i * v + targets[i]]).epsilon(1e-12));
    CHECK(fused_losses[i] == losses[i]);
  }
  CHECK(finite_difference_error(logits, loss, grad) < kFdTolerance);
}

TEST_CASE("vmath: vector exp within 2 ulp of std::exp; sums, max and tails agree with the scalar path") {
  // every 0.001 over the whole clamp range, plus the ends and odd lengths (tails)
  std::vector<float> x;
  for (double v = -87.3; v <= 88.3; v += 0.001) x.push_back(static_cast<float>(v));
  x.push_back(0.0f), x.push_back(-0.0f), x.push_back(1e-30f), x.push_back(-1e-30f);
  std::vector<float> y(x.size());
  exp_array(y.data(), x.data(), static_cast<int64_t>(x.size()));
  double worst_ulp = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const float want = std::exp(x[i]);
    const double ulp = std::nextafter(want, INFINITY) - want;
    worst_ulp = std::max(worst_ulp, std::abs(static_cast<double>(y[i]) - want) / ulp);
  }
  std::printf("vmath exp (%s): worst %.2f ulp over %zu points\n", vector_math_enabled() ? "avx2" : "scalar", worst_ulp,
              x.size());
  CHECK(worst_ulp <= 2.0);
  // clamped, never inf or NaN
  float extreme[3] = {-1000.0f, 1000.0f, -88.0f};
  exp_array(extreme, extreme, 3);
  CHECK(std::isfinite(extreme[0]));
  CHECK(extreme[0] < 1e-37f);
  CHECK(std::isfinite(extreme[1]));
  CHECK(extreme[2] > 0.0f);
  CHECK(extreme[2] < 1e-37f);

  // NaN stays NaN: a diverging run must still show a NaN loss.
  for (int n : {1, 9, 20}) {
    std::vector<float> v(static_cast<size_t>(n), 1.0f);
    v[static_cast<size_t>(n / 2)] = NAN;
    CHECK(std::isnan(max_array(v.data(), n)));
    exp_array(v.data(), v.data(), n);
    CHECK(std::isnan(v[static_cast<size_t>(n / 2)]));
    v[static_cast<size_t>(n / 2)] = NAN;
    CHECK(std::isnan(exp_scaled_sum(v.data(), n, 1.0f, 0.0f)));
    std::vector<float> logits(static_cast<size_t>(n), 0.5f), loss(1);
    logits[static_cast<size_t>(n - 1)] = NAN;
    const int32_t target = 0;
    cross_entropy_forward_backward<float>(loss.data(), logits.data(), &target, 1, n, 1.0f);
    CHECK(std::isnan(loss[0]));
  }

  for (int n : {1, 7, 8, 9, 31, 4099}) {
    const auto v = random_vector<float>(static_cast<size_t>(n), 40 + static_cast<uint64_t>(n), 6.0);
    float mx = v[0];
    for (float f : v) mx = std::max(mx, f);
    CHECK(max_array(v.data(), n) == mx);
    auto e = v;
    const float sum = exp_scaled_sum(e.data(), n, 0.5f, mx * 0.5f);
    double want = 0, stored = 0;
    for (int i = 0; i < n; ++i) {
      const double w = std::exp(static_cast<double>(v[static_cast<size_t>(i)]) * 0.5 - mx * 0.5);
      CHECK(e[static_cast<size_t>(i)] == doctest::Approx(w).epsilon(1e-6));
      want += w, stored += e[static_cast<size_t>(i)];
    }
    CHECK(sum == doctest::Approx(want).epsilon(1e-6));
    CHECK(sum == doctest::Approx(stored).epsilon(1e-6));
    auto stored_copy = v;
    CHECK(sum_exp(v.data(), n, mx) == exp_scaled_sum(stored_copy.data(), n, 1.0f, mx));  // the same bits
    const auto w = random_vector<float>(static_cast<size_t>(n), 90 + static_cast<uint64_t>(n));
    double want_dot = 0;
    for (int i = 0; i < n; ++i) want_dot += static_cast<double>(v[static_cast<size_t>(i)]) * w[static_cast<size_t>(i)];
    CHECK(dot_array(v.data(), w.data(), n) == doctest::Approx(want_dot).epsilon(1e-5).scale(1.0));
    scale_array(e.data(), n, 2.0f);
    CHECK(e[static_cast<size_t>(n - 1)] == doctest::Approx(2 * std::exp(v.back() * 0.5 - mx * 0.5)).epsilon(1e-6));
  }
}

TEST_CASE("swiglu and cross-entropy in float (vector paths) match the double kernels") {
  for (bool scalar : {false, true}) {
    force_portable_kernels(scalar);
    const int n = 1003;  // not a multiple of 8
    const auto h1 = random_vector<double>(n, 50, 6.0), h3 = random_vector<double>(n, 51, 2.0),
               dg = random_vector<double>(n, 52);
    std::vector<double> g(n), d1(n), d3(n);
    swiglu_forward<double>(g.data(), h1.data(), h3.data(), n);
    swiglu_backward<double>(d1.data(), d3.data(), dg.data(), h1.data(), h3.data(), n);
    std::vector<float> h1f(h1.begin(), h1.end()), h3f(h3.begin(), h3.end()), dgf(dg.begin(), dg.end());
    std::vector<float> gf(n), d1f(n), d3f(n);
    swiglu_forward<float>(gf.data(), h1f.data(), h3f.data(), n);
    swiglu_backward<float>(d1f.data(), d3f.data(), dgf.data(), h1f.data(), h3f.data(), n);
    double worst = 0;
    for (int i = 0; i < n; ++i)
      worst = std::max({worst, std::abs(gf[i] - g[i]) / std::max(1.0, std::abs(g[i])),
                        std::abs(d1f[i] - d1[i]) / std::max(1.0, std::abs(d1[i])),
                        std::abs(d3f[i] - d3[i]) / std::max(1.0, std::abs(d3[i]))});
    CHECK(worst < 1e-5);

    const int rows = 5, v = 301;
    const auto z = random_vector<double>(rows * v, 53, 8.0);
    const std::vector<int32_t> targets = {0, 300, 7, 7, 150};
    std::vector<double> loss(rows), grad = z;
    cross_entropy_forward_backward<double>(loss.data(), grad.data(), targets.data(), rows, v, 0.25);
    std::vector<float> lossf(rows), lossf_only(rows), gradf(z.begin(), z.end());
    const std::vector<float> zf(z.begin(), z.end());
    cross_entropy_forward_backward<float>(lossf.data(), gradf.data(), targets.data(), rows, v, 0.25f);
    cross_entropy_forward<float>(lossf_only.data(), zf.data(), targets.data(), rows, v);
    for (int i = 0; i < rows; ++i) {
      CHECK(lossf[i] == doctest::Approx(loss[i]).epsilon(1e-5));
      CHECK(lossf_only[i] == lossf[i]);  // the same lse, whichever entry point
    }
    double gworst = 0;
    for (size_t i = 0; i < grad.size(); ++i) gworst = std::max(gworst, std::abs(gradf[i] - grad[i]));
    CHECK(gworst < 1e-6);
  }
  force_portable_kernels(false);
}

TEST_CASE("embedding backward matches finite differences, repeated tokens add up") {
  const int vocab = 5, c = 3, n = 6;
  auto table = random_vector<double>(vocab * c, 19);
  const std::vector<int32_t> tokens = {4, 1, 4, 0, 4, 2};
  const auto r = random_vector<double>(n * c, 20);
  std::vector<double> out(n * c);
  auto loss = [&] {
    embedding_forward<double>(out.data(), tokens.data(), table.data(), n, c);
    return dot(out, r);
  };
  std::vector<double> dtable(vocab * c, 0.0);
  embedding_backward<double>(dtable.data(), r.data(), tokens.data(), n, c);
  CHECK(finite_difference_error(table, loss, dtable) < kFdTolerance);
  for (int j = 0; j < c; ++j) CHECK(dtable[3 * c + j] == 0.0);  // token 3 never seen
}

TEST_CASE("attention: reference backward matches finite differences (grouped KV heads)") {
  const AttentionShape s{2, 5, 4, 2, 4};
  auto q = random_vector<double>(s.b * s.t * s.q_width(), 21);
  auto k = random_vector<double>(s.b * s.t * s.kv_width(), 22);
  auto v = random_vector<double>(s.b * s.t * s.kv_width(), 23);
  const auto r = random_vector<double>(q.size(), 24);
  std::vector<double> out(q.size()), probs(static_cast<size_t>(s.b) * s.n_heads * s.t * s.t);
  auto loss = [&] {
    attention_forward_reference<double>(out.data(), probs.data(), q.data(), k.data(), v.data(), s);
    return dot(out, r);
  };
  loss();
  // rows are distributions over j ≤ t
  for (int row = 0; row < s.b * s.n_heads * s.t; ++row) {
    const int i = row % s.t;
    double sum = 0;
    for (int j = 0; j < s.t; ++j) {
      sum += probs[row * s.t + j];
      if (j > i) CHECK(probs[row * s.t + j] == 0.0);
    }
    CHECK(sum == doctest::Approx(1.0).epsilon(1e-12));
  }
  std::vector<double> dq(q.size()), dk(k.size()), dv(v.size());
  attention_backward_reference<double>(dq.data(), dk.data(), dv.data(), r.data(), q.data(), k.data(), v.data(),
                                       probs.data(), s);
  CHECK(finite_difference_error(q, loss, dq) < kFdTolerance);
  CHECK(finite_difference_error(k, loss, dk) < kFdTolerance);
  CHECK(finite_difference_error(v, loss, dv) < kFdTolerance);
}

TEST_CASE("attention: fast path equals the reference on odd shapes") {
  for (const AttentionShape s :
       {AttentionShape{2, 37, 6, 3, 10}, AttentionShape{1, 70, 4, 4, 18}, AttentionShape{3, 1, 2, 1, 8}}) {
    const auto q = random_vector<float>(s.b * s.t * s.q_width(), 25);
    const auto k = random_vector<float>(s.b * s.t * s.kv_width(), 26);
    const auto v = random_vector<float>(s.b * s.t * s.kv_width(), 27);
    const auto dout = random_vector<float>(q.size(), 28);
    const size_t np = static_cast<size_t>(s.b) * s.n_heads * s.t * s.t;
    std::vector<float> out(q.size()), out_ref(q.size()), probs(np), probs_ref(np);
    attention_forward(out.data(), probs.data(), q.data(), k.data(), v.data(), s);
    attention_forward_reference<float>(out_ref.data(), probs_ref.data(), q.data(), k.data(), v.data(), s);
    std::vector<float> dq(q.size()), dk(k.size()), dv(v.size()), dq_ref(q.size()), dk_ref(k.size()), dv_ref(v.size());
    attention_backward(dq.data(), dk.data(), dv.data(), dout.data(), q.data(), k.data(), v.data(), probs.data(), s);
    attention_backward_reference<float>(dq_ref.data(), dk_ref.data(), dv_ref.data(), dout.data(), q.data(), k.data(),
                                        v.data(), probs_ref.data(), s);
    const double e_out = max_abs_diff(out.data(), out_ref.data(), out.size());
    const double e_p = max_abs_diff(probs.data(), probs_ref.data(), np);
    const double e_grad =
        std::max({max_abs_diff(dq.data(), dq_ref.data(), dq.size()), max_abs_diff(dk.data(), dk_ref.data(), dk.size()),
                  max_abs_diff(dv.data(), dv_ref.data(), dv.size())});
    std::printf("attention (T=%d, heads %d/%d): max abs error out %.2g, probs %.2g, grads %.2g\n", s.t, s.n_heads,
                s.n_kv_heads, e_out, e_p, e_grad);
    CHECK(e_out < 1e-5);
    CHECK(e_p < 1e-6);
    CHECK(e_grad < 1e-5);
  }
}

TEST_CASE("attention_decode: one query row against the cache equals its double oracle") {
  // head sizes with the register path (8..64 by 8) and without (12, 72); position counts
  // around the four-at-a-time blocks; key/value rows wider than a head (the KV cache)
  for (const bool scalar : {false, true}) {
    force_scalar_math(scalar);
    for (const int hs : {8, 12, 40, 64, 72}) {
      for (const int n : {1, 2, 3, 4, 5, 7, 8, 9, 33, 256}) {
        const int64_t stride = 3 * hs + 5;
        const auto q = random_vector<float>(hs, 41 + hs, 2.0);
        const auto k = random_vector<float>(static_cast<size_t>(n) * stride, 42 + n, 2.0);
        const auto v = random_vector<float>(static_cast<size_t>(n) * stride, 43 + n);
        std::vector<float> out(hs, NAN), ref(hs), scores(n);
        const float scale = 1.0f / std::sqrt(static_cast<float>(hs));
        attention_decode(out.data(), scores.data(), q.data(), k.data() + hs, v.data() + hs, n, stride, hs, scale);
        attention_decode_reference(ref.data(), q.data(), k.data() + hs, v.data() + hs, n, stride, hs, scale);
        CAPTURE(scalar);
        CAPTURE(hs);
        CAPTURE(n);
        CHECK(max_abs_diff(out.data(), ref.data(), hs) < 1e-6);
      }
    }
  }
  force_scalar_math(false);
}

TEST_CASE("AdamW: one step by hand, decay only where asked") {
  std::vector<double> p = {1.0, -2.0}, g = {0.5, -0.25}, m = {0, 0}, v = {0, 0};
  AdamW opt;
  opt.lr = 0.1f, opt.weight_decay = 0.5f, opt.step = 1;
  adamw_update<double>(p.data(), g.data(), m.data(), v.data(), 2, opt);
  // step 1: m̂ = g, v̂ = g², so the Adam step is lr · sign(g) (eps aside)
  CHECK(p[0] == doctest::Approx(1.0 * (1 - 0.1 * 0.5) - 0.1).epsilon(1e-6));
  CHECK(p[1] == doctest::Approx(-2.0 * (1 - 0.1 * 0.5) + 0.1).epsilon(1e-6));
  CHECK(m[0] == doctest::Approx(0.05));
  CHECK(v[1] == doctest::Approx((1 - static_cast<double>(opt.beta2)) * 0.0625));
}
