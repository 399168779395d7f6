// Hugging Face transformers export (`primer export CKPT --format hf --out DIR`) and its
// loader (`primer sample|serve|inspect|eval DIR`, `primer train --init DIR`).
//
//   DIR/config.json              LlamaForCausalLM: hidden_size, intermediate_size,
//                                num_hidden_layers, num_attention_heads,
//                                num_key_value_heads, head_dim, vocab_size,
//                                max_position_embeddings, rms_norm_eps, rope_theta,
//                                hidden_act "silu", tie_word_embeddings true, torch_dtype
//   DIR/model.safetensors        8-byte little-endian header length, a JSON header
//                                {name: {dtype, shape, data_offsets}} padded with spaces
//                                to 8 bytes, then the tensors (row-major, little-endian):
//                                model.embed_tokens, model.layers.N.{input_layernorm,
//                                self_attn.{q,k,v,o}_proj, post_attention_layernorm,
//                                mlp.{gate,up,down}_proj}, model.norm — all ".weight";
//                                no lm_head (tied to the embedding). F32, F16 or BF16
//                                (every tensor; rounded to nearest even, kernels/quant.h).
//   DIR/tokenizer.model          the sentencepiece model, with tokenizer_config.json
//                                (LlamaTokenizer, BOS added) and special_tokens_map.json
//   DIR/generation_config.json   bos/eos ids, max_length = the context
//
// RoPE: primer rotates interleaved pairs (2i, 2i+1) of a head, transformers' Llama the
// halves (i, i + head_size/2) (rotate_half). Export permutes the rows of q_proj and
// k_proj within each head — HF row a·hs/2 + i is primer row 2i + a, a ∈ {0, 1} — as
// Meta's convert_llama_weights_to_hf.py does; load undoes it. The model computes the same
// function either way.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "model/export.h"

namespace primer::model {

enum class HfDtype { kF32, kF16, kBF16 };

// Writes DIR (created; it must not hold files other than an earlier export's) through a
// temporary directory renamed into place. Needs a tokenizer. Throws ModelError.
void export_hf(const LoadedModel& m, const std::filesystem::path& dir, HfDtype dtype);

// Whether DIR looks like a transformers export (config.json + model.safetensors).
bool is_hf_dir(const std::filesystem::path& dir);
// Reads such a directory back (any of the three dtypes, as float32). Throws ModelError
// naming the file and what is wrong (another architecture, a missing tensor, a shape).
LoadedModel load_hf(const std::filesystem::path& dir);
// load_hf's parser of the two files' bytes (no tokenizer); DIR names them in errors.
LoadedModel parse_hf(std::string_view config_json, std::string_view safetensors, const std::filesystem::path& dir);

}  // namespace primer::model
