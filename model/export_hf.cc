#include "model/export_hf.h"

#include <unistd.h>

#include <cstring>
#include <limits>
#include <optional>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <simdjson.h>

#include "base/json.h"
#include "model/kernels/quant.h"
#include "model/transformer.h"
#include "storage/files.h"

namespace primer::model {

namespace fs = std::filesystem;

namespace {

// One tensor of the export: its HF name, shape, and where its float32 values come from.
struct HfTensor {
  std::string name;
  std::vector<int64_t> shape;
  const float* data;  // (rows, cols) row-major in primer's layout
  int64_t rows, cols;
  int rope_heads = 0;  // > 0: q or k, rows permuted per head (interleaved pairs → halves)
};

std::vector<HfTensor> hf_tensors(const ModelConfig& c, const ParameterViews& w) {
  const int64_t C = c.dim, KV = c.kv_dim(), H = c.hidden_dim, V = c.vocab_size;
  std::vector<HfTensor> t;
  t.push_back({"model.embed_tokens.weight", {V, C}, w.embedding, V, C});
  for (int l = 0; l < c.n_layers; ++l) {
    const std::string p = fmt::format("model.layers.{}.", l);
    t.push_back({p + "input_layernorm.weight", {C}, w.attn_norm + l * C, 1, C});
    t.push_back({p + "self_attn.q_proj.weight", {C, C}, w.wq + l * C * C, C, C, c.n_heads});
    t.push_back({p + "self_attn.k_proj.weight", {KV, C}, w.wk + l * KV * C, KV, C, c.n_kv_heads});
    t.push_back({p + "self_attn.v_proj.weight", {KV, C}, w.wv + l * KV * C, KV, C});
    t.push_back({p + "self_attn.o_proj.weight", {C, C}, w.wo + l * C * C, C, C});
    t.push_back({p + "post_attention_layernorm.weight", {C}, w.ffn_norm + l * C, 1, C});
    t.push_back({p + "mlp.gate_proj.weight", {H, C}, w.w1 + l * H * C, H, C});
    t.push_back({p + "mlp.up_proj.weight", {H, C}, w.w3 + l * H * C, H, C});
    t.push_back({p + "mlp.down_proj.weight", {C, H}, w.w2 + l * C * H, C, H});
  }
  t.push_back({"model.norm.weight", {C}, w.final_norm, 1, C});
  return t;
}

// HF row of primer row r within a head of hs rows: pair (2i, 2i+1) → (i, i + hs/2).
int64_t hf_row(int64_t r, int64_t hs) {
  const int64_t head = r / hs, j = r % hs;
  return head * hs + (j % 2) * (hs / 2) + j / 2;
}

const char* dtype_name(HfDtype d) { return d == HfDtype::kF32 ? "F32" : d == HfDtype::kF16 ? "F16" : "BF16"; }
const char* torch_dtype(HfDtype d) {
  return d == HfDtype::kF32 ? "float32" : d == HfDtype::kF16 ? "float16" : "bfloat16";
}

const std::set<std::string> kExportFiles = {
    "config.json",           "model.safetensors",       "tokenizer.model",
    "tokenizer_config.json", "special_tokens_map.json", "generation_config.json"};

std::string config_json(const ModelConfig& c, const Tokenizer& tok, HfDtype dtype) {
  base::JsonWriter j(2);
  j.begin_object().key("architectures").begin_array().value("LlamaForCausalLM").end_array();
  j.field("model_type", "llama")
      .field("hidden_size", c.dim)
      .field("intermediate_size", c.hidden_dim)
      .field("num_hidden_layers", c.n_layers)
      .field("num_attention_heads", c.n_heads)
      .field("num_key_value_heads", c.n_kv_heads)
      .field("head_dim", c.head_size())
      .field("vocab_size", c.vocab_size)
      .field("max_position_embeddings", c.seq_len)
      .field("rms_norm_eps", static_cast<double>(c.norm_eps))
      .field("rope_theta", static_cast<double>(c.rope_theta))
      .key("rope_scaling")
      .raw("null")
      .field("hidden_act", "silu")
      .field("tie_word_embeddings", true)
      .field("attention_bias", false)
      .field("attention_dropout", 0.0)
      .field("mlp_bias", false)
      .field("initializer_range", 0.02)
      .field("bos_token_id", tok.bos_id())
      .field("eos_token_id", tok.eos_id())
      .field("use_cache", true)
      .field("torch_dtype", torch_dtype(dtype))
      .end_object();
  return j.take() + "\n";
}

}  // namespace

bool is_hf_dir(const fs::path& dir) {
  return fs::is_directory(dir) && fs::exists(dir / "config.json") && fs::exists(dir / "model.safetensors");
}

void export_hf(const LoadedModel& m, const fs::path& dir, HfDtype dtype) {
  if (!m.tokenizer)
    throw ModelError("a transformers export carries the tokenizer, and " + m.path.string() +
                     " has none (no tokenizer.model)");
  const ModelConfig& c = m.config;
  const Tokenizer& tok = *m.tokenizer;
  if (tok.vocab_size() > c.vocab_size)
    throw ModelError(
        fmt::format("the tokenizer has {} pieces but the model only {} embeddings", tok.vocab_size(), c.vocab_size));
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (!kExportFiles.contains(e.path().filename().string()))
      throw ModelError(fmt::format("{} holds '{}', which no transformers export writes; choose an empty or new --out",
                                   dir.string(), e.path().filename().string()));

  std::vector<float> weights(m.weights);  // bind_parameters wants a mutable base
  const auto tensors = hf_tensors(c, bind_parameters(c, weights.data()));
  const size_t elem = dtype == HfDtype::kF32 ? 4 : 2;

  // Header: every tensor's dtype, shape and byte range; padded with spaces to 8 bytes.
  base::JsonWriter h;
  h.begin_object().key("__metadata__").begin_object().field("format", "pt").end_object();
  uint64_t offset = 0;
  for (const HfTensor& t : tensors) {
    const uint64_t bytes = static_cast<uint64_t>(t.rows * t.cols) * elem;
    h.key(t.name).begin_object().field("dtype", dtype_name(dtype)).key("shape").begin_array();
    for (int64_t d : t.shape) h.value(d);
    h.end_array().key("data_offsets").begin_array().value(offset).value(offset + bytes).end_array().end_object();
    offset += bytes;
  }
  h.end_object();
  std::string header = h.take();
  header.append((8 - header.size() % 8) % 8, ' ');
  std::string file(8, '\0');
  const uint64_t header_len = header.size();
  std::memcpy(file.data(), &header_len, 8);  // little-endian (x86-64, aarch64)
  file += header;
  file.reserve(file.size() + offset);
  std::vector<float> row;
  for (const HfTensor& t : tensors) {
    const int64_t hs = t.rope_heads > 0 ? t.rows / t.rope_heads : 0;
    std::vector<float> out(static_cast<size_t>(t.rows * t.cols));
    for (int64_t r = 0; r < t.rows; ++r)
      std::memcpy(out.data() + (hs ? hf_row(r, hs) : r) * t.cols, t.data + r * t.cols, t.cols * sizeof(float));
    for (float v : out) {
      if (dtype == HfDtype::kF32) {
        file.append(reinterpret_cast<const char*>(&v), 4);
      } else {
        const uint16_t half = dtype == HfDtype::kF16 ? float_to_half(v) : kernels::fp32_to_bf16(v);
        file.append(reinterpret_cast<const char*>(&half), 2);
      }
    }
  }

  base::JsonWriter tc(2);
  tc.begin_object()
      .field("tokenizer_class", "LlamaTokenizer")
      .field("bos_token", tok.piece(tok.bos_id()))
      .field("eos_token", tok.piece(tok.eos_id()))
      .field("unk_token", tok.piece(0))
      .key("pad_token")
      .raw("null")
      .field("add_bos_token", true)
      .field("add_eos_token", false)
      .field("legacy", false)
      .field("clean_up_tokenization_spaces", false)
      .field("model_max_length", c.seq_len)
      .key("sp_model_kwargs")
      .begin_object()
      .end_object()
      .end_object();
  base::JsonWriter sm(2);
  sm.begin_object()
      .field("bos_token", tok.piece(tok.bos_id()))
      .field("eos_token", tok.piece(tok.eos_id()))
      .field("unk_token", tok.piece(0))
      .end_object();
  base::JsonWriter gc(2);
  gc.begin_object()
      .field("bos_token_id", tok.bos_id())
      .field("eos_token_id", tok.eos_id())
      .field("max_length", c.seq_len)
      .end_object();

  const fs::path tmp = dir.string() + ".tmp-" + std::to_string(getpid());
  fs::remove_all(tmp);
  try {
    fs::create_directories(tmp);
    storage::write_file_atomic(tmp / "model.safetensors", file);
    storage::write_file_atomic(tmp / "config.json", config_json(c, tok, dtype));
    storage::write_file_atomic(tmp / "tokenizer.model", tok.serialized());
    storage::write_file_atomic(tmp / "tokenizer_config.json", tc.take() + "\n");
    storage::write_file_atomic(tmp / "special_tokens_map.json", sm.take() + "\n");
    storage::write_file_atomic(tmp / "generation_config.json", gc.take() + "\n");
    if (fs::exists(dir)) fs::remove_all(dir);
    storage::rename_durable(tmp, dir);
  } catch (...) {
    fs::remove_all(tmp, ec);
    throw;
  }
}

LoadedModel parse_hf(std::string_view config_json, std::string_view safetensors, const fs::path& dir) {
  const fs::path cfg_path = dir / "config.json", st_path = dir / "model.safetensors";
  simdjson::dom::parser parser;
  simdjson::dom::element cfg;
  const simdjson::padded_string cfg_text(config_json);
  if (parser.parse(cfg_text).get(cfg)) throw ModelError(cfg_path.string() + ": not JSON");
  std::string_view model_type;
  if (cfg["model_type"].get_string().get(model_type) || model_type != "llama")
    throw ModelError(cfg_path.string() + ": model_type is not \"llama\"; primer reads Llama checkpoints only");
  auto integer = [&](const char* key, std::optional<int> fallback = std::nullopt) {
    int64_t v;
    if (cfg[key].get_int64().get(v)) {
      if (fallback) return *fallback;
      throw ModelError(fmt::format("{}: no integer \"{}\"", cfg_path.string(), key));
    }
    if (v < 0 || v > std::numeric_limits<int>::max())
      throw ModelError(
          fmt::format("{}: \"{}\" is {}, outside 0..{}", cfg_path.string(), key, v, std::numeric_limits<int>::max()));
    return static_cast<int>(v);
  };
  auto real = [&](const char* key, double fallback) {
    double v;
    return cfg[key].get_double().get(v) ? fallback : v;
  };
  ModelConfig c;
  c.dim = integer("hidden_size"), c.hidden_dim = integer("intermediate_size"),
  c.n_layers = integer("num_hidden_layers"), c.n_heads = integer("num_attention_heads"),
  c.vocab_size = integer("vocab_size"), c.seq_len = integer("max_position_embeddings");
  c.n_kv_heads = integer("num_key_value_heads", c.n_heads);
  c.norm_eps = static_cast<float>(real("rms_norm_eps", 1e-6));
  c.rope_theta = static_cast<float>(real("rope_theta", 10000.0));
  bool tied = false;
  if (cfg["tie_word_embeddings"].get_bool().get(tied) || !tied)
    throw ModelError(cfg_path.string() + ": tie_word_embeddings is not true; primer's model ties its classifier");
  try {
    c.validate();
  } catch (const ModelError& e) {
    throw ModelError(cfg_path.string() + ": not a model shape primer knows (" + e.what() + ")");
  }
  if (int64_t hd; !cfg["head_dim"].get_int64().get(hd) && hd != c.dim / c.n_heads)
    throw ModelError(cfg_path.string() + ": head_dim differs from hidden_size / num_attention_heads");

  const std::string_view bytes = safetensors;
  uint64_t header_len = 0;
  if (bytes.size() < 8) throw ModelError(st_path.string() + ": too short for safetensors");
  std::memcpy(&header_len, bytes.data(), 8);
  if (header_len > bytes.size() - 8) throw ModelError(st_path.string() + ": header length past the end of the file");
  const uint64_t data_start = 8 + header_len, data_size = bytes.size() - data_start;
  // Every tensor takes at least 2 bytes an element: a file too short for its model is refused
  // before the model is allocated (a 100-byte file naming a 2^40-parameter shape).
  if (static_cast<uint64_t>(c.parameter_count()) > data_size / 2)
    throw ModelError(fmt::format("{}: {} bytes of tensors cannot hold the {} parameters config.json names",
                                 st_path.string(), data_size, c.parameter_count()));
  const simdjson::padded_string header(bytes.substr(8, header_len));
  simdjson::dom::parser hp;
  simdjson::dom::element meta;
  if (hp.parse(header).get(meta)) throw ModelError(st_path.string() + ": the header is not JSON");

  LoadedModel m;
  m.config = c, m.source = "hf", m.path = dir;
  m.weights.assign(c.parameter_count(), 0.0f);
  const auto tensors = hf_tensors(c, bind_parameters(c, m.weights.data()));
  for (const HfTensor& t : tensors) {
    simdjson::dom::element e;
    if (meta[t.name].get(e)) throw ModelError(fmt::format("{}: no tensor {}", st_path.string(), t.name));
    std::string_view dtype;
    simdjson::dom::array shape, offsets;
    if (e["dtype"].get_string().get(dtype) || e["shape"].get_array().get(shape) ||
        e["data_offsets"].get_array().get(offsets))
      throw ModelError(fmt::format("{}: tensor {} lacks dtype, shape or data_offsets", st_path.string(), t.name));
    std::vector<int64_t> dims;
    for (auto d : shape) {
      int64_t v;
      if (d.get_int64().get(v))
        throw ModelError(fmt::format("{}: tensor {}'s shape is not integers", st_path.string(), t.name));
      dims.push_back(v);
    }
    if (dims != t.shape)
      throw ModelError(fmt::format("{}: tensor {} has shape [{}], config.json implies [{}]", st_path.string(), t.name,
                                   fmt::join(dims, ", "), fmt::join(t.shape, ", ")));
    using kernels::WeightType;
    const std::optional<WeightType> type = dtype == "F32"    ? std::optional(WeightType::kF32)
                                           : dtype == "F16"  ? std::optional(WeightType::kF16)
                                           : dtype == "BF16" ? std::optional(WeightType::kBF16)
                                                             : std::nullopt;
    if (!type)
      throw ModelError(
          fmt::format("{}: tensor {} is {}; primer reads F32, F16 and BF16", st_path.string(), t.name, dtype));
    // data_offsets: [begin, end) relative to the end of the header, begin <= end <= the data.
    uint64_t begin = 0, end = 0;
    const bool pair =
        offsets.size() == 2 && !offsets.at(0).get_uint64().get(begin) && !offsets.at(1).get_uint64().get(end);
    const uint64_t n = static_cast<uint64_t>(t.rows * t.cols);
    const size_t elem = kernels::row_bytes(*type, 1);
    if (!pair || begin > end || end > data_size || end - begin != n * elem)
      throw ModelError(
          fmt::format("{}: tensor {}'s data_offsets do not fit its shape or the file", st_path.string(), t.name));
    const char* src = bytes.data() + data_start + begin;
    const int64_t hs = t.rope_heads > 0 ? t.rows / t.rope_heads : 0;
    float* dst = const_cast<float*>(t.data);
    for (int64_t r = 0; r < t.rows; ++r) {
      const char* row = src + (hs ? hf_row(r, hs) : r) * t.cols * elem;
      kernels::dequantize_row(*type, row, t.cols, dst + r * t.cols);  // any alignment
    }
  }
  return m;
}

LoadedModel load_hf(const fs::path& dir) {
  LoadedModel m = parse_hf(storage::read_file(dir / "config.json"), storage::read_file(dir / "model.safetensors"), dir);
  if (fs::exists(dir / "tokenizer.model")) m.tokenizer = Tokenizer::load(dir / "tokenizer.model");
  return m;
}

}  // namespace primer::model
