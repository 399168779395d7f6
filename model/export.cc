#include "model/export.h"
#include "model/export_hf.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>

#include <fmt/format.h>

#include "model/checkpoint.h"
#include "model/kernels/quant.h"
#include "model/kernels/rope.h"
#include "model/transformer.h"
#include "storage/files.h"

namespace primer::model {

namespace fs = std::filesystem;

uint16_t float_to_half(float f) { return kernels::fp32_to_fp16(f); }
float half_to_float(uint16_t h) { return kernels::fp16_to_fp32(h); }

namespace {

// ---- GGUF -------------------------------------------------------------------------
constexpr uint32_t kGgufMagic = 0x46554747;  // "GGUF"
constexpr uint32_t kGgufVersion = 3;
constexpr uint64_t kAlignment = 32;
// clang-format off
enum GgufType : uint32_t {
  kU8 = 0, kI8 = 1, kU16 = 2, kI16 = 3, kU32 = 4, kI32 = 5, kF32 = 6, kBool = 7, kString = 8, kArray = 9,
  kU64 = 10, kI64 = 11, kF64 = 12
};
// clang-format on
// ggml's tensor type ids (ggml.h enum ggml_type) and llama.cpp's file types (llama_ftype)
constexpr uint32_t kGgmlF32 = 0, kGgmlF16 = 1, kGgmlQ8_0 = 8, kGgmlBF16 = 30;

uint32_t ggml_type(WeightType t) {
  switch (t) {
    case WeightType::kF32: return kGgmlF32;
    case WeightType::kF16: return kGgmlF16;
    case WeightType::kBF16: return kGgmlBF16;
    case WeightType::kQ8_0: return kGgmlQ8_0;
  }
  return kGgmlF32;
}

std::optional<WeightType> from_ggml_type(uint32_t t) {
  switch (t) {
    case kGgmlF32: return WeightType::kF32;
    case kGgmlF16: return WeightType::kF16;
    case kGgmlBF16: return WeightType::kBF16;
    case kGgmlQ8_0: return WeightType::kQ8_0;
    default: return std::nullopt;
  }
}

uint32_t llama_file_type(WeightType t) {  // LLAMA_FTYPE_ALL_F32, MOSTLY_F16, MOSTLY_BF16, MOSTLY_Q8_0
  switch (t) {
    case WeightType::kF32: return 0;
    case WeightType::kF16: return 1;
    case WeightType::kBF16: return 32;
    case WeightType::kQ8_0: return 7;
  }
  return 0;
}

class GgufWriter {
 public:
  template <typename T>
  void raw(T v) {
    out.append(reinterpret_cast<const char*>(&v), sizeof v);
  }
  void str(std::string_view s) {
    raw<uint64_t>(s.size());
    out.append(s);
  }
  void kv_u32(std::string_view k, uint32_t v) { str(k), raw<uint32_t>(kU32), raw(v), ++kvs; }
  void kv_i32(std::string_view k, int32_t v) { str(k), raw<uint32_t>(kI32), raw(v), ++kvs; }
  void kv_f32(std::string_view k, float v) { str(k), raw<uint32_t>(kF32), raw(v), ++kvs; }
  void kv_bool(std::string_view k, bool v) { str(k), raw<uint32_t>(kBool), raw<uint8_t>(v), ++kvs; }
  void kv_str(std::string_view k, std::string_view v) { str(k), raw<uint32_t>(kString), str(v), ++kvs; }
  std::string out;
  uint64_t kvs = 0;
};

struct TensorRef {
  std::string name;
  std::vector<uint64_t> ne;  // ggml order: ne[0] is the contiguous (input) dimension
  const float* data;
  bool norm;
  size_t packed = 0;  // matrices: the index in PackedWeights::matrices
  uint64_t count() const {
    uint64_t n = 1;
    for (uint64_t d : ne) n *= d;
    return n;
  }
};

std::vector<TensorRef> gguf_tensors(const ModelConfig& c, const ParameterViews& w) {
  const uint64_t C = c.dim, KV = c.kv_dim(), H = c.hidden_dim, V = c.vocab_size;
  std::vector<TensorRef> t;
  t.push_back({"token_embd.weight", {C, V}, w.embedding, false, 0});
  for (int l = 0; l < c.n_layers; ++l) {
    const std::string b = "blk." + std::to_string(l) + ".";
    t.push_back({b + "attn_norm.weight", {C}, w.attn_norm + l * C, true});
    t.push_back({b + "attn_q.weight", {C, C}, w.wq + l * C * C, false, packed_index(l, kWq)});
    t.push_back({b + "attn_k.weight", {C, KV}, w.wk + l * KV * C, false, packed_index(l, kWk)});
    t.push_back({b + "attn_v.weight", {C, KV}, w.wv + l * KV * C, false, packed_index(l, kWv)});
    t.push_back({b + "attn_output.weight", {C, C}, w.wo + l * C * C, false, packed_index(l, kWo)});
    t.push_back({b + "ffn_norm.weight", {C}, w.ffn_norm + l * C, true});
    t.push_back({b + "ffn_gate.weight", {C, H}, w.w1 + l * H * C, false, packed_index(l, kW1)});
    t.push_back({b + "ffn_down.weight", {H, C}, w.w2 + l * C * H, false, packed_index(l, kW2)});
    t.push_back({b + "ffn_up.weight", {C, H}, w.w3 + l * H * C, false, packed_index(l, kW3)});
  }
  t.push_back({"output_norm.weight", {C}, w.final_norm, true});
  return t;
}

// A cursor over a GGUF file in memory; every read is bounds-checked.
class GgufReader {
 public:
  GgufReader(std::string_view bytes, const fs::path& path) : b_(bytes), path_(path) {}
  template <typename T>
  T raw() {
    need(sizeof(T));
    T v;
    std::memcpy(&v, b_.data() + pos_, sizeof v);
    pos_ += sizeof v;
    return v;
  }
  std::string str() {
    const uint64_t n = raw<uint64_t>();
    need(n);
    std::string s(b_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  void skip_value(uint32_t type, int depth = 0) {
    static const int sizes[] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};
    if (type == kString) str();
    else if (type == kArray) {
      // arrays of arrays recurse: bounded, so that a hostile file cannot exhaust the stack
      if (depth >= 8) fail("metadata arrays nested deeper than 8");
      const uint32_t et = raw<uint32_t>();
      const uint64_t n = raw<uint64_t>();
      for (uint64_t i = 0; i < n; ++i) skip_value(et, depth + 1);
    } else if (type < 13) {
      need(sizes[type]);
      pos_ += sizes[type];
    } else fail("unknown metadata type " + std::to_string(type));
  }
  void need(uint64_t n) const {
    if (n > b_.size() || pos_ > b_.size() - n) fail("truncated");
  }
  [[noreturn]] void fail(const std::string& what) const {
    throw ModelError(path_.string() + ": bad GGUF file: " + what);
  }
  uint64_t pos_ = 0;

 private:
  std::string_view b_;
  fs::path path_;
};

}  // namespace

LoadedModel parse_gguf(std::string_view bytes, const fs::path& path) {
  GgufReader r(bytes, path);
  if (r.raw<uint32_t>() != kGgufMagic) r.fail("no GGUF magic");
  const uint32_t version = r.raw<uint32_t>();
  if (version != 3 && version != 2) r.fail("version " + std::to_string(version) + " (2 or 3 supported)");
  const uint64_t n_tensors = r.raw<uint64_t>(), n_kv = r.raw<uint64_t>();
  std::map<std::string, double> num;
  std::string arch, tokenizer_proto;
  uint64_t alignment = kAlignment;
  for (uint64_t i = 0; i < n_kv; ++i) {
    const std::string key = r.str();
    const uint32_t type = r.raw<uint32_t>();
    if (type == kString && key == "general.architecture") arch = r.str();
    else if (type == kArray && key == "primer.tokenizer.model") {
      if (r.raw<uint32_t>() != kU8) r.fail("primer.tokenizer.model is not a uint8 array");
      const uint64_t n = r.raw<uint64_t>();
      r.need(n);
      tokenizer_proto = std::string(bytes.substr(r.pos_, n));
      r.pos_ += n;
    } else if (type == kU32) num[key] = r.raw<uint32_t>();
    else if (type == kI32) num[key] = r.raw<int32_t>();
    else if (type == kF32) num[key] = r.raw<float>();
    else if (type == kU64) num[key] = static_cast<double>(r.raw<uint64_t>());
    else r.skip_value(type);
    if (key == "general.alignment" && num.count(key)) {  // a power of two, as llama.cpp requires
      const double a = num[key];
      if (!(a >= 1 && a <= 65536) || (static_cast<uint64_t>(a) & (static_cast<uint64_t>(a) - 1)) ||
          a != static_cast<double>(static_cast<uint64_t>(a)))
        r.fail("general.alignment " + std::to_string(a) + " is not a power of two up to 65536");
      alignment = static_cast<uint64_t>(a);
    }
  }
  if (arch != "llama") r.fail("architecture '" + arch + "'; primer loads llama models");
  auto get = [&](const std::string& k) {
    auto it = num.find(k);
    if (it == num.end()) r.fail("missing " + k);
    return it->second;
  };
  // A hyperparameter that is a count: checked before it becomes an int (a double out of
  // int's range does not convert).
  auto count = [&](const std::string& k) {
    const double v = get(k);
    if (!(v >= 1 && v <= 0x1p30) || v != static_cast<double>(static_cast<int>(v)))
      r.fail(k + " = " + std::to_string(v) + " is not a whole number from 1 to 2^30");
    return static_cast<int>(v);
  };
  struct Info {
    std::vector<uint64_t> ne;
    uint32_t type;
    uint64_t offset;
  };
  std::map<std::string, Info> infos;
  for (uint64_t i = 0; i < n_tensors; ++i) {
    const std::string name = r.str();
    Info info;
    const uint32_t dims = r.raw<uint32_t>();
    if (dims > 4) r.fail(name + " has " + std::to_string(dims) + " dimensions");
    for (uint32_t d = 0; d < dims; ++d) info.ne.push_back(r.raw<uint64_t>());
    info.type = r.raw<uint32_t>();
    info.offset = r.raw<uint64_t>();
    infos[name] = info;
  }
  const uint64_t data_start = (r.pos_ + alignment - 1) / alignment * alignment;

  ModelConfig c;
  c.dim = count("llama.embedding_length");
  c.n_layers = count("llama.block_count");
  c.hidden_dim = count("llama.feed_forward_length");
  c.n_heads = count("llama.attention.head_count");
  c.n_kv_heads = num.count("llama.attention.head_count_kv") ? count("llama.attention.head_count_kv") : c.n_heads;
  c.seq_len = count("llama.context_length");
  c.norm_eps = static_cast<float>(get("llama.attention.layer_norm_rms_epsilon"));
  if (num.count("llama.rope.freq_base")) c.rope_theta = static_cast<float>(num["llama.rope.freq_base"]);
  auto emb = infos.find("token_embd.weight");
  if (emb == infos.end() || emb->second.ne.size() != 2) r.fail("missing token_embd.weight");
  c.vocab_size = static_cast<int>(emb->second.ne[1]);
  try {
    c.validate();
  } catch (const ModelError& e) {
    r.fail(e.what());
  }
  if (infos.count("output.weight")) r.fail("has a separate output.weight; primer's model ties it to token_embd");

  // every element takes more than 1 byte (Q8_0: 34 bytes per 32; F16, BF16: 2): refuse a
  // file too short for its model before allocating the model
  if (static_cast<uint64_t>(c.parameter_count()) > bytes.size())
    r.fail(fmt::format("{} bytes cannot hold the {} parameters its metadata describes", bytes.size(),
                       c.parameter_count()));
  LoadedModel m;
  m.config = c, m.source = "gguf", m.path = path;
  m.weights.assign(c.parameter_count(), 0.0f);
  const ParameterViews w = bind_parameters(c, m.weights.data());
  const auto tensors = gguf_tensors(c, w);
  auto info_of = [&](const TensorRef& t) -> const Info& {
    auto it = infos.find(t.name);
    if (it == infos.end()) r.fail("missing tensor " + t.name);
    if (it->second.ne != t.ne) r.fail(t.name + " has another shape than the metadata implies");
    return it->second;
  };
  std::vector<WeightType> types(1 + static_cast<size_t>(c.n_layers) * kLayerMatrices, WeightType::kF32);
  for (const TensorRef& t : tensors) {
    const Info& info = info_of(t);
    const auto type = from_ggml_type(info.type);
    if (!type || (t.norm && *type == WeightType::kQ8_0))
      r.fail(t.name + ": tensor type " + std::to_string(info.type) +
             " (primer reads F32, F16, BF16 and Q8_0; norms not Q8_0)");
    if (!kernels::fits_row(*type, static_cast<int64_t>(t.ne[0])))
      r.fail(t.name + ": rows of " + std::to_string(t.ne[0]) + " cannot be " +
             std::string(kernels::weight_type_name(*type)));
    if (!t.norm) types[t.packed] = *type;
  }
  PackedWeights packed = packed_layout(c, types);
  bool all_f32 = true;
  for (const TensorRef& t : tensors) {
    const Info& info = info_of(t);
    const WeightType type = *from_ggml_type(info.type);
    const uint64_t cols = t.ne[0], rows = t.count() / cols,
                   stride = kernels::row_bytes(type, static_cast<int64_t>(cols));
    const uint64_t at = data_start + info.offset;
    if (at > bytes.size() || rows * stride > bytes.size() - at) r.fail(t.name + " lies past the end of the file");
    const char* src = bytes.data() + at;
    kernels::dequantize_row(type, src, static_cast<int64_t>(t.count()), const_cast<float*>(t.data));
    if (!t.norm) {
      std::memcpy(packed.bytes.data() + packed.matrices[t.packed].offset, src, rows * stride);
      all_f32 = all_f32 && type == WeightType::kF32;
    }
  }
  if (!all_f32) {
    const int64_t C = c.dim;
    std::copy_n(w.attn_norm, c.n_layers * C, packed.norms.begin());
    std::copy_n(w.ffn_norm, c.n_layers * C, packed.norms.begin() + c.n_layers * C);
    std::copy_n(w.final_norm, C, packed.norms.begin() + 2 * c.n_layers * C);
    m.packed = std::move(packed);
  }
  if (!tokenizer_proto.empty()) m.tokenizer = Tokenizer::from_serialized(tokenizer_proto, path.string());
  return m;
}

// ---- llama2.c ---------------------------------------------------------------------
LoadedModel parse_llama2c(std::string_view bytes, const fs::path& path) {
  int32_t h[7];
  if (bytes.size() < sizeof h) throw ModelError(path.string() + ": too short for a llama2.c model");
  std::memcpy(h, bytes.data(), sizeof h);
  ModelConfig c;
  c.dim = h[0], c.hidden_dim = h[1], c.n_layers = h[2], c.n_heads = h[3], c.n_kv_heads = h[4], c.vocab_size = h[5],
  c.seq_len = h[6];
  if (c.vocab_size < 0) throw ModelError(path.string() + ": has a separate classifier; primer's model ties it");
  try {
    c.validate();
  } catch (const ModelError& e) {
    throw ModelError(path.string() + ": not a llama2.c model of a shape primer knows (" + e.what() + ")");
  }
  const uint64_t n = c.parameter_count(), rope = static_cast<uint64_t>(c.seq_len) * c.head_size();
  if (bytes.size() != sizeof h + (n + rope) * sizeof(float))
    throw ModelError(fmt::format("{}: {} bytes; a llama2.c model with this header has {}", path.string(), bytes.size(),
                                 sizeof h + (n + rope) * sizeof(float)));
  LoadedModel m;
  m.config = c, m.source = "llama2c", m.path = path;
  m.weights.resize(n);
  // run.c's order is tensor_layout's order up to rms_final; the RoPE tables follow.
  std::memcpy(m.weights.data(), bytes.data() + sizeof h, n * sizeof(float));
  return m;
}

namespace {

LoadedModel load_gguf(const fs::path& path) { return parse_gguf(storage::read_file(path), path); }

LoadedModel load_llama2c(const fs::path& path) {
  LoadedModel m = parse_llama2c(storage::read_file(path), path);
  const fs::path tok = path.parent_path() / "tokenizer.model";
  if (fs::exists(tok)) m.tokenizer = Tokenizer::load(tok);
  return m;
}

}  // namespace

LoadedModel load_model(const fs::path& path, bool verify_checksums) {
  if (is_hf_dir(path) && !fs::exists(path / "model.bin")) return load_hf(path);
  if (fs::is_directory(path)) {
    const Checkpoint ck = load_checkpoint(path, false, verify_checksums);
    LoadedModel m;
    m.config = ck.config, m.weights = ck.weights, m.source = "checkpoint", m.path = ck.dir;
    if (fs::exists(ck.dir / "tokenizer.model")) m.tokenizer = Tokenizer::load(ck.dir / "tokenizer.model");
    return m;
  }
  if (!fs::exists(path)) throw ModelError(path.string() + ": no such checkpoint, directory or model file");
  char magic[4] = {};
  std::ifstream(path, std::ios::binary).read(magic, 4);
  if (std::memcmp(magic, "GGUF", 4) == 0) return load_gguf(path);
  if (path.extension() == ".bin") return load_llama2c(path);
  throw ModelError(path.string() + ": not a checkpoint directory, a .gguf file or a llama2.c .bin file");
}

void export_llama2c(const LoadedModel& m, const fs::path& out) {
  const ModelConfig& c = m.config;
  std::string bytes;
  const int32_t h[7] = {c.dim, c.hidden_dim, c.n_layers, c.n_heads, c.n_kv_heads, c.vocab_size, c.seq_len};
  bytes.append(reinterpret_cast<const char*>(h), sizeof h);
  bytes.append(reinterpret_cast<const char*>(m.weights.data()), m.weights.size() * sizeof(float));
  const kernels::RopeTable rope(c.seq_len, c.head_size(), c.rope_theta);
  bytes.append(reinterpret_cast<const char*>(rope.cos.data()), rope.cos.size() * sizeof(float));
  bytes.append(reinterpret_cast<const char*>(rope.sin.data()), rope.sin.size() * sizeof(float));
  storage::write_file_atomic(out, bytes);
  if (!m.tokenizer) return;
  // tokenizer.bin as llama2.c's tokenizer.py writes it
  const Tokenizer& t = *m.tokenizer;
  std::vector<std::string> pieces;
  int32_t max_len = 0;
  for (int i = 0; i < c.vocab_size; ++i) {
    std::string p = i < t.vocab_size() ? t.piece(i) : "<unused>";
    if (i == t.bos_id()) p = "\n<s>\n";
    else if (i == t.eos_id()) p = "\n</s>\n";
    std::string spaced;
    for (size_t k = 0; k < p.size(); ++k) {
      if (p.compare(k, 3, "\xE2\x96\x81") == 0) spaced += ' ', k += 2;  // ▁ → space
      else spaced += p[k];
    }
    max_len = std::max<int32_t>(max_len, static_cast<int32_t>(spaced.size()));
    pieces.push_back(std::move(spaced));
  }
  std::string tb(reinterpret_cast<const char*>(&max_len), 4);
  for (int i = 0; i < c.vocab_size; ++i) {
    const float score = i < t.vocab_size() ? t.score(i) : 0.0f;
    const int32_t len = static_cast<int32_t>(pieces[i].size());
    tb.append(reinterpret_cast<const char*>(&score), 4);
    tb.append(reinterpret_cast<const char*>(&len), 4);
    tb += pieces[i];
  }
  storage::write_file_atomic(out.parent_path() / "tokenizer.bin", tb);
}

WeightType stored_type(const LoadedModel& m) { return m.packed ? m.packed->matrices[0].type : WeightType::kF32; }

InferenceModel inference_model(const LoadedModel& m, std::optional<WeightType> as) {
  if (m.packed) {
    const auto& ms = m.packed->matrices;
    const bool uniform =
        std::all_of(ms.begin(), ms.end(), [&](const PackedWeights::Matrix& x) { return x.type == ms[0].type; });
    if (!as || (uniform && *as == ms[0].type)) return InferenceModel(m.config, *m.packed);
  }
  return InferenceModel(m.config, m.weights, as.value_or(WeightType::kF32));
}

void export_gguf(const LoadedModel& m, const fs::path& out, WeightType type) {
  if (!m.tokenizer)
    throw ModelError("GGUF embeds the tokenizer, and " + m.path.string() + " has none (no tokenizer.model)");
  const ModelConfig& c = m.config;
  const Tokenizer& tok = *m.tokenizer;
  if (tok.vocab_size() > c.vocab_size)
    throw ModelError(
        fmt::format("the tokenizer has {} pieces but the model only {} embeddings", tok.vocab_size(), c.vocab_size));
  GgufWriter g;
  g.kv_str("general.architecture", "llama");
  g.kv_str("general.name", "primer");
  g.kv_u32("general.alignment", kAlignment);
  g.kv_u32("general.file_type", llama_file_type(type));
  g.kv_u32("llama.context_length", c.seq_len);
  g.kv_u32("llama.embedding_length", c.dim);
  g.kv_u32("llama.block_count", c.n_layers);
  g.kv_u32("llama.feed_forward_length", c.hidden_dim);
  g.kv_u32("llama.rope.dimension_count", c.head_size());
  g.kv_u32("llama.attention.head_count", c.n_heads);
  g.kv_u32("llama.attention.head_count_kv", c.n_kv_heads);
  g.kv_f32("llama.attention.layer_norm_rms_epsilon", c.norm_eps);
  g.kv_f32("llama.rope.freq_base", c.rope_theta);
  g.kv_u32("llama.vocab_size", c.vocab_size);
  g.kv_str("tokenizer.ggml.model", "llama");
  // tokens, scores, types; embeddings past the tokenizer's pieces are unused ids
  g.str("tokenizer.ggml.tokens"), g.raw<uint32_t>(kArray), g.raw<uint32_t>(kString), g.raw<uint64_t>(c.vocab_size);
  for (int i = 0; i < c.vocab_size; ++i) g.str(i < tok.vocab_size() ? tok.piece(i) : fmt::format("<unused{}>", i));
  ++g.kvs;
  g.str("tokenizer.ggml.scores"), g.raw<uint32_t>(kArray), g.raw<uint32_t>(kF32), g.raw<uint64_t>(c.vocab_size);
  for (int i = 0; i < c.vocab_size; ++i) g.raw<float>(i < tok.vocab_size() ? tok.score(i) : -1e9f);
  ++g.kvs;
  g.str("tokenizer.ggml.token_type"), g.raw<uint32_t>(kArray), g.raw<uint32_t>(kI32), g.raw<uint64_t>(c.vocab_size);
  for (int i = 0; i < c.vocab_size; ++i) g.raw<int32_t>(i < tok.vocab_size() ? tok.token_type(i) : 5);
  ++g.kvs;
  g.kv_u32("tokenizer.ggml.bos_token_id", tok.bos_id());
  g.kv_u32("tokenizer.ggml.eos_token_id", tok.eos_id());
  g.kv_u32("tokenizer.ggml.unknown_token_id", tok.unk_id());
  g.kv_bool("tokenizer.ggml.add_bos_token", true);
  g.kv_bool("tokenizer.ggml.add_eos_token", false);
  const std::string proto = tok.serialized();
  g.str("primer.tokenizer.model"), g.raw<uint32_t>(kArray), g.raw<uint32_t>(kU8), g.raw<uint64_t>(proto.size());
  g.out += proto;
  ++g.kvs;

  const ParameterViews w = bind_parameters(c, const_cast<float*>(m.weights.data()));
  const auto tensors = gguf_tensors(c, w);
  for (const TensorRef& t : tensors)
    if (!t.norm && !kernels::fits_row(type, static_cast<int64_t>(t.ne[0])))
      throw ModelError(
          fmt::format("{} stores rows in blocks of {}, and {} has rows of {} (dim {}, hidden_dim {}); "
                      "use f16 or bf16 for this model",
                      kernels::weight_type_name(type), kernels::kQ8Block, t.name, t.ne[0], c.dim, c.hidden_dim));
  auto type_of = [&](const TensorRef& t) { return t.norm ? WeightType::kF32 : type; };
  auto size_of = [&](const TensorRef& t) {
    return t.count() / t.ne[0] * kernels::row_bytes(type_of(t), static_cast<int64_t>(t.ne[0]));
  };
  GgufWriter info;
  uint64_t offset = 0;
  std::vector<uint64_t> offsets;
  for (const TensorRef& t : tensors) {
    info.str(t.name);
    info.raw<uint32_t>(static_cast<uint32_t>(t.ne.size()));
    for (uint64_t d : t.ne) info.raw<uint64_t>(d);
    info.raw<uint32_t>(ggml_type(type_of(t)));
    info.raw<uint64_t>(offset);
    offsets.push_back(offset);
    offset += (size_of(t) + kAlignment - 1) / kAlignment * kAlignment;
  }
  std::string file;
  GgufWriter head;
  head.raw<uint32_t>(kGgufMagic), head.raw<uint32_t>(kGgufVersion), head.raw<uint64_t>(tensors.size()),
      head.raw<uint64_t>(g.kvs);
  file = head.out + g.out + info.out;
  file.resize((file.size() + kAlignment - 1) / kAlignment * kAlignment, '\0');
  const size_t data_start = file.size();
  file.resize(data_start + offset, '\0');
  for (size_t i = 0; i < tensors.size(); ++i) {
    const TensorRef& t = tensors[i];
    char* dst = file.data() + data_start + offsets[i];
    const WeightType tt = type_of(t);
    if (!t.norm && m.packed && m.packed->matrices[t.packed].type == tt)  // as stored: no second rounding
      std::memcpy(dst, m.packed->bytes.data() + m.packed->matrices[t.packed].offset, size_of(t));
    else {
      const uint64_t cols = t.ne[0], stride = kernels::row_bytes(tt, static_cast<int64_t>(cols));
      for (uint64_t r = 0; r < t.count() / cols; ++r)
        kernels::quantize_row(tt, t.data + r * cols, static_cast<int64_t>(cols), dst + r * stride);
    }
  }
  storage::write_file_atomic(out, file);
}

}  // namespace primer::model
