// Exports of a trained model to the formats people run small models with, and loading
// any of them back (`primer sample model.gguf` gives the logits of the checkpoint).
//
// llama2.c (`run.c`, legacy version-0 layout):
//   header   7 × int32: dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size
//            (positive: the classifier is the embedding), seq_len
//   weights  float32 in run.c's order: token embedding (V, C), rms_att (L, C), wq, wk, wv,
//            wo, rms_ffn (L, C), w1, w2, w3, rms_final (C), then the RoPE cos and sin
//            tables (seq_len, head_size / 2) that old run.c versions read
//   tokenizer.bin beside it, as llama2.c's tokenizer.py writes it: int32 max token
//            length, then per token float32 score, int32 length, bytes (▁ → space,
//            BOS "\n<s>\n" = id 1, EOS "\n</s>\n" = id 2)
// GGUF (version 3, llama architecture): llama.* hyperparameters, the sentencepiece
//   vocabulary (tokenizer.ggml.*), tensors token_embd / blk.N.{attn_norm, attn_q, attn_k,
//   attn_v, attn_output, ffn_norm, ffn_gate, ffn_down, ffn_up} / output_norm; no
//   output.weight (tied: llama.cpp then uses token_embd). float32, or float16 matrices
//   with float32 norms. RoPE pairs are adjacent ("norm"), as trained: no permutation.
//   primer.tokenizer.model carries the sentencepiece model itself (uint8 array).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/config.h"
#include "model/inference.h"
#include "model/tokenizer.h"

namespace primer::model {

struct LoadedModel {
  ModelConfig config;
  std::vector<float> weights;           // tensor_layout order; encoded matrices decoded exactly
  std::optional<PackedWeights> packed;  // a GGUF's matrices as stored (absent: float32 files)
  std::optional<Tokenizer> tokenizer;   // when the source carries or sits beside one
  std::string source;                   // "checkpoint", "gguf", "llama2c" or "hf"
  std::filesystem::path path;
};

// A checkpoint directory, a training directory (its newest checkpoint), a transformers
// export directory (model/export_hf.h), a .gguf file or a llama2.c .bin file. Throws
// ModelError saying what the path is not.
// verify_checksums: a checkpoint's model.bin must match state.json's sha256 (inspect
// turns it off to report every problem itself).
LoadedModel load_model(const std::filesystem::path& path, bool verify_checksums = true);
// The parsers of the two single-file formats, over the file's bytes in memory (`path`
// names it in errors; no tokenizer.model is looked for beside a llama2.c model).
LoadedModel parse_gguf(std::string_view bytes, const std::filesystem::path& path);
LoadedModel parse_llama2c(std::string_view bytes, const std::filesystem::path& path);

// Writes FILE (and tokenizer.bin beside it). Throws ModelError.
void export_llama2c(const LoadedModel& m, const std::filesystem::path& out);
// Matrices as `type` (norms stay float32); from the float32 weights, or copied as stored
// when the source already holds them in `type`. q8_0 needs dim and hidden_dim multiples
// of 32. Needs a tokenizer. Throws ModelError.
void export_gguf(const LoadedModel& m, const std::filesystem::path& out, WeightType type = WeightType::kF32);

// The model for decoding: in the format the file stores (a q8_0 GGUF runs as q8_0), or,
// with `as`, encoded into that format (from the float32 values unless stored so already).
InferenceModel inference_model(const LoadedModel& m, std::optional<WeightType> as = {});
// The format decoding would run: the stored one, f32 for checkpoints and llama2.c files.
WeightType stored_type(const LoadedModel& m);

// IEEE half precision, round to nearest even (portable; no F16C needed).
uint16_t float_to_half(float f);
float half_to_float(uint16_t h);

}  // namespace primer::model
