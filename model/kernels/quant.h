// Weight storage formats for decoding, and the matrix–vector products that run on them
// as stored: the weights are never converted back to a float32 matrix.
//
//   format  bytes/weight  encoding
//   f32     4             IEEE single
//   f16     2             IEEE half, round to nearest even; AVX2 widens 8 at a time (F16C)
//   bf16    2             the top half of a float32, round to nearest even (NaN kept quiet)
//   q8_0    34/32         ggml's Q8_0, byte for byte: blocks of 32 weights along a row, each
//                         {fp16 d; int8 q[32]}, w ≈ d·q, d = max|w| / 127 (llama.cpp's
//                         quantize_row_q8_0_ref: q = roundf(w / d), ties away from zero)
//
// A q8_0 product quantizes its input vector to Q8_0 blocks too, with the rounding
// llama.cpp's CPU backend uses at run time (scale 127 / max|x|, ties to even), so every
// block's dot product is an exact int32 sum Σ q_w·q_x, scaled by d_w·d_x and summed in
// float: 8 lanes, one block after another, as llama.cpp's ggml_vec_dot_q8_0_q8_0 does.
//
// Paths (chosen once at run time; PRIMER_KERNELS=portable or =avx2 caps the choice):
//   portable    scalar C++, any CPU
//   avx2        AVX2 + FMA + F16C: int8 products by sign trick + maddubs + madd, f16 by
//               vcvtph2ps, bf16 by a 16-bit shift; 4 rows at a time, the rows ~8 KB
//               ahead prefetched in software (short interleaved rows defeat the
//               hardware prefetchers)
//   avx512vnni  AVX-512 F/BW/VL + VNNI: the int8 products by vpdpbusd (q8_0 only; f16
//               and bf16 take the avx2 path)
// Each has the naive reference below (matvec_reference) as its test oracle. Rows are
// split across the threads of the current TBB arena, like kernels::matvec.
//
// Usage:
//   std::vector<uint8_t> packed(rows * row_bytes(WeightType::kQ8_0, cols));
//   for (int r = 0; r < rows; ++r)
//     quantize_row(WeightType::kQ8_0, w + r * cols, cols, packed.data() + r * row_bytes(...));
//   MatvecScratch scratch;
//   matvec(y, {WeightType::kQ8_0, packed.data(), rows, cols}, x, scratch);
//
// Thread-safety: the functions are pure; a MatvecScratch belongs to one caller at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string_view>
#include <vector>

namespace primer::model::kernels {

enum class WeightType : uint8_t { kF32, kF16, kBF16, kQ8_0 };

// "f32", "f16", "bf16", "q8_0"; parse_weight_type is its inverse (nullopt otherwise).
std::string_view weight_type_name(WeightType t);
std::optional<WeightType> parse_weight_type(std::string_view name);

constexpr int kQ8Block = 32;
// ggml's block_q8_0: the fp16 scale first, then the 32 quants; 34 bytes, no padding.
struct BlockQ8_0 {
  uint16_t d;
  int8_t q[kQ8Block];
};
static_assert(sizeof(BlockQ8_0) == 34, "Q8_0 blocks are 34 bytes in GGUF files");

// Whether a row of `cols` weights can be stored as `t` (q8_0: cols a multiple of 32).
bool fits_row(WeightType t, int64_t cols);
// Bytes of one stored row of `cols` weights (fits_row must hold).
size_t row_bytes(WeightType t, int64_t cols);

// Encodes n weights (one row, fits_row(t, n)) into `out` (row_bytes(t, n) bytes), with
// the rounding model files use (see the table above); decoding is exact. dequantize_row
// reads `in` at any address (a tensor inside a file's bytes).
void quantize_row(WeightType t, const float* x, int64_t n, void* out);
void dequantize_row(WeightType t, const void* in, int64_t n, float* out);

// The input side of a q8_0 product: n % 32 == 0 values into n / 32 blocks, rounded as
// llama.cpp's CPU backend rounds activations (id = 127 / max|x|, ties to even).
void quantize_input_q8_0(const float* x, int64_t n, BlockQ8_0* out);

// Scalar conversions (portable; round to nearest even).
uint16_t fp32_to_fp16(float f);
float fp16_to_fp32(uint16_t h);
uint16_t fp32_to_bf16(float f);
float bf16_to_fp32(uint16_t h);

// A read-only matrix (rows, cols) stored row after row in `type`, rows row_bytes apart.
struct WeightMatrix {
  WeightType type = WeightType::kF32;
  const void* data = nullptr;
  int rows = 0, cols = 0;
};

// Per-caller scratch: the quantized input of q8_0 products.
struct MatvecScratch {
  std::vector<BlockQ8_0> xq;
};

// y (M) = W (M, K) · x (K) in W's format, on the chosen path, rows across threads.
// q8_0: x is quantized first (about 1 ns a value, serial; the rows then run in parallel).
void matvec(float* y, const WeightMatrix& w, const float* x, MatvecScratch& scratch);

// Products of one input x with several matrices of the same cols (q, k, v; gate and up)
// in one parallel region: x quantized once, one synchronisation instead of one each.
// Each y gets exactly matvec's bits.
struct MatvecOut {
  float* y;
  const WeightMatrix* w;
};
void matvec_many(std::initializer_list<MatvecOut> outs, const float* x, MatvecScratch& scratch);

// The naive oracle: one row at a time, in order; q8_0 with the same input quantization,
// its int32 block sums scaled and added one block after another in double; f16 / bf16
// widened one weight at a time, products summed in double.
void matvec_reference(float* y, const WeightMatrix& w, const float* x);

enum class QuantPath : uint8_t { kPortable, kAvx2, kAvx512Vnni };
std::string_view quant_path_name(QuantPath p);
// The path matvec uses now, and whether this CPU can run `p`.
QuantPath quant_path();
bool quant_path_available(QuantPath p);
// Tests and benchmarks: force a path (must be available); nullopt: back to the detected one.
void force_quant_path(std::optional<QuantPath> p);

}  // namespace primer::model::kernels
