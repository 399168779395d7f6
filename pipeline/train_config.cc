#include "pipeline/train_config.h"

#include <sstream>

#include "pipeline/toml_reader.h"
#include "storage/files.h"
#include "storage/sha256.h"

namespace primer::pipeline {

TrainConfig parse_train_config(std::string_view text, const std::filesystem::path& origin) {
  const std::string file = origin.string();
  toml::table root;
  try {
    root = toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    throw ConfigError(where(file, e.source()) + ": " + std::string(e.description()));
  }
  TrainConfig c;
  c.file = origin;
  TableReader top(root, "", file);
  if (auto v = top.string("out")) c.out = *v;

  auto int_key = [](TableReader& r, std::string_view key, int64_t min, int64_t max, auto& out) {
    if (auto v = r.integer(key)) {
      if (*v < min || *v > max) r.fail(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
      out = static_cast<std::remove_reference_t<decltype(out)>>(*v);
    }
  };
  auto num_key = [](TableReader& r, std::string_view key, double min, double max, auto& out) {
    if (auto v = r.number(key)) {
      if (!(*v >= min && *v <= max))
        r.fail(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
      out = static_cast<std::remove_reference_t<decltype(out)>>(*v);
    }
  };

  if (const toml::table* t = top.table("model")) {
    TableReader r(*t, "model", file);
    model::ModelConfig& m = c.model;
    int_key(r, "dim", 2, 65536, m.dim);
    int_key(r, "n_layers", 1, 1024, m.n_layers);
    int_key(r, "n_heads", 1, 1024, m.n_heads);
    int_key(r, "n_kv_heads", 1, 1024, m.n_kv_heads);
    int_key(r, "hidden_dim", 1, 1 << 20, m.hidden_dim);
    int_key(r, "vocab_size", 2, 65535, m.vocab_size);
    int_key(r, "seq_len", 1, 1 << 16, m.seq_len);
    num_key(r, "norm_eps", 1e-12, 1.0, m.norm_eps);
    num_key(r, "rope_theta", 1.0, 1e9, m.rope_theta);
    r.finish();
    try {
      m.validate();
    } catch (const model::ModelError& e) {
      throw ConfigError(where(file, t->source()) + ": " + e.what());
    }
  }
  const toml::table* t = top.table("train");
  if (!t) throw ConfigError(file + ": missing [train] section (at least train.data, the dataset directory)");
  TableReader r(*t, "train", file);
  model::TrainOptions& o = c.train;
  auto data = r.string("data");
  if (!data) throw ConfigError(where(file, t->source()) + ": train.data is missing (a dataset directory with tokens/)");
  int_key(r, "batch_size", 1, 1 << 16, o.batch_size);
  int_key(r, "seq_len", 1, 1 << 16, o.seq_len);
  int_key(r, "grad_accum", 1, 1 << 16, o.grad_accum);
  int_key(r, "steps", 1, int64_t{1} << 40, o.steps);
  num_key(r, "lr", 0.0, 10.0, o.lr);
  num_key(r, "min_lr", 0.0, 10.0, o.min_lr);
  int_key(r, "warmup", 0, int64_t{1} << 40, o.warmup);
  num_key(r, "weight_decay", 0.0, 10.0, o.weight_decay);
  num_key(r, "beta1", 0.0, 0.999999, o.beta1);
  num_key(r, "beta2", 0.0, 0.999999, o.beta2);
  num_key(r, "grad_clip", 0.0, 1e9, o.grad_clip);
  int_key(r, "eval_every", 0, int64_t{1} << 40, o.eval_every);
  int_key(r, "eval_batches", 1, 1 << 20, o.eval_batches);
  int_key(r, "checkpoint_every", 0, int64_t{1} << 40, o.checkpoint_every);
  int_key(r, "keep_checkpoints", 0, 1 << 20, o.keep_checkpoints);
  int_key(r, "log_every", 0, int64_t{1} << 40, o.log_every);
  int_key(r, "threads", 0, 4096, c.threads);
  if (auto v = r.integer("seed")) {
    if (*v < 0) r.fail("seed", "must not be negative");
    o.seed = static_cast<uint64_t>(*v);
  }
  if (auto v = r.boolean("report")) c.report = *v;
  r.finish();
  top.finish();
  if (o.seq_len > c.model.seq_len)
    throw ConfigError(where(file, t->source()) + ": train.seq_len (" + std::to_string(o.seq_len) +
                      ") exceeds model.seq_len (" + std::to_string(c.model.seq_len) + ")");

  // The data directory: as given, else next to the config.
  std::filesystem::path p = *data;
  if (p.is_relative() && !std::filesystem::exists(p) && std::filesystem::exists(origin.parent_path() / p))
    p = origin.parent_path() / p;
  o.data = p;

  // The hash a resume must match: everything that changes the loss curve. Left out:
  // "out", where the data lives, and operational keys (threads, logging, evaluation,
  // checkpoint cadence, report).
  toml::table canonical = root;
  canonical.erase("out");
  if (auto* tt = canonical["train"].as_table())
    for (const char* k : {"data", "threads", "log_every", "eval_every", "eval_batches", "checkpoint_every",
                          "keep_checkpoints", "report"})
      tt->erase(k);
  std::ostringstream json;
  json << toml::json_formatter{canonical, toml::format_flags::none};
  o.config_hash = storage::sha256_hex(json.str() + c.model.to_json());
  return c;
}

TrainConfig load_train_config(const std::filesystem::path& path) {
  std::string text;
  try {
    text = storage::read_file(path);
  } catch (const storage::StorageError&) {
    throw ConfigError(path.string() + ": cannot read the training config (does it exist?)");
  }
  return parse_train_config(text, path);
}

}  // namespace primer::pipeline
