#include "model/train.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <memory>
#include <fstream>
#include <vector>

#include <fmt/format.h>
#include <simdjson.h>
#include <tbb/parallel_for.h>

#include "base/json.h"
#include "base/rng.h"
#include "base/svg.h"
#include "base/text.h"
#include "model/checkpoint.h"
#include "model/distributed.h"
#include "model/export.h"
#include "model/kernels/adamw.h"
#include "model/kernels/parallel.h"
#include "model/tokenizer.h"
#include "model/transformer.h"
#include "storage/files.h"
#include "storage/layout.h"
#include "storage/manifest.h"
#include "storage/tokens.h"

namespace primer::model {

namespace fs = std::filesystem;

namespace {

// The token shards of one split, memory-mapped, as one sequence of windows of T + 1
// tokens that never cross a shard boundary.
class TokenStream {
 public:
  // tokenizer_sha256: DIR/tokenizer.model's; a shard that records another is refused.
  TokenStream(const fs::path& dir, const std::string& split, int window, const std::string& tokenizer_sha256) {
    std::vector<fs::path> files;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir / storage::kTokensDir, ec))
      if (storage::is_token_file(e.path()) && storage::split_of(e.path()) == split) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      uint64_t count = 0;
      try {
        const storage::TokenShardHeader h = storage::read_token_header(f);
        storage::check_token_tokenizer(f, h, tokenizer_sha256);
        count = h.tokens;
      } catch (const std::exception& e) {
        throw ModelError(e.what());
      }
      const int fd = ::open(f.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) throw ModelError(f.string() + ": cannot open");
      const size_t len = storage::kTokenHeaderBytes + count * sizeof(uint16_t);
      void* map = ::mmap(nullptr, len, PROT_READ, MAP_PRIVATE, fd, 0);
      ::close(fd);
      if (map == MAP_FAILED) throw ModelError(f.string() + ": cannot map");
      Shard s{map, len, reinterpret_cast<const uint16_t*>(static_cast<const char*>(map) + storage::kTokenHeaderBytes),
              count, count > static_cast<uint64_t>(window) ? count - window + 1 : 0};
      shards_.push_back(s);
      tokens_ += count;
      windows_ += s.windows;
      paths_.push_back(f);
    }
  }
  ~TokenStream() {
    for (const Shard& s : shards_) ::munmap(s.map, s.len);
  }
  TokenStream(const TokenStream&) = delete;
  TokenStream& operator=(const TokenStream&) = delete;

  uint64_t tokens() const { return tokens_; }
  uint64_t windows() const { return windows_; }
  size_t files() const { return shards_.size(); }

  // Window w (0 ≤ w < windows()): T + 1 consecutive tokens.
  const uint16_t* window(uint64_t w) const {
    for (const Shard& s : shards_) {
      if (w < s.windows) return s.tokens + w;
      w -= s.windows;
    }
    return nullptr;
  }

  // Largest token id (checked against the model's vocabulary once).
  uint16_t max_token() const {
    uint16_t mx = 0;
    for (const Shard& s : shards_)
      for (uint64_t i = 0; i < s.count; ++i) mx = std::max(mx, s.tokens[i]);
    return mx;
  }

 private:
  struct Shard {
    void* map;
    size_t len;
    const uint16_t* tokens;
    uint64_t count, windows;
  };
  std::vector<Shard> shards_;
  std::vector<fs::path> paths_;
  uint64_t tokens_ = 0, windows_ = 0;
};

// Fills inputs/targets (B, T) from windows.
void fill_batch(const TokenStream& s, const std::vector<uint64_t>& windows, int t, std::vector<int32_t>& inputs,
                std::vector<int32_t>& targets) {
  for (size_t row = 0; row < windows.size(); ++row) {
    const uint16_t* w = s.window(windows[row]);
    for (int j = 0; j < t; ++j) {
      inputs[row * t + j] = w[j];
      targets[row * t + j] = w[j + 1];
    }
  }
}

// Mean loss over up to `batches` × b windows evenly spaced through `data` (the same
// windows every time); nullopt when it has none.
std::optional<double> validation_loss_on(Transformer& model, const TokenStream& data, int b, int t, int batches) {
  if (data.windows() == 0) return std::nullopt;
  const uint64_t total = std::min<uint64_t>(static_cast<uint64_t>(batches) * b, data.windows());
  std::vector<int32_t> inputs(static_cast<size_t>(b) * t), targets(inputs.size());
  double sum = 0;
  uint64_t rows = 0;
  for (uint64_t first = 0; first < total; first += b) {
    const int rows_now = static_cast<int>(std::min<uint64_t>(b, total - first));
    std::vector<uint64_t> w(rows_now);
    for (int r = 0; r < rows_now; ++r) w[r] = (first + r) * data.windows() / total;
    fill_batch(data, w, t, inputs, targets);
    sum += static_cast<double>(model.forward(inputs.data(), targets.data(), rows_now, t)) * rows_now;
    rows += rows_now;
  }
  return sum / static_cast<double>(rows);
}

// Windows of micro-step `micro` of `step`: a pure function of (seed, step, micro).
void sample_windows(const TokenStream& s, uint64_t seed, int64_t step, int micro, std::vector<uint64_t>& out) {
  base::Rng rng(base::mix64(seed) ^ base::mix64(static_cast<uint64_t>(step) * 1024 + micro), "batch");
  for (auto& w : out) w = rng.below(s.windows());
}

double grad_norm(std::span<const float> g) {
  // Fixed chunks summed in order: the same value whatever the thread count.
  constexpr int64_t kChunk = 1 << 16;
  const int64_t n = static_cast<int64_t>(g.size()), chunks = (n + kChunk - 1) / kChunk;
  std::vector<double> partial(chunks);
  tbb::parallel_for(int64_t{0}, chunks, [&](int64_t c) {
    double s = 0;
    for (int64_t i = c * kChunk; i < std::min(n, (c + 1) * kChunk); ++i) s += static_cast<double>(g[i]) * g[i];
    partial[c] = s;
  });
  double total = 0;
  for (double p : partial) total += p;
  return std::sqrt(total);
}

std::string state_json(const TrainOptions& o, int64_t step, uint64_t tokens_seen, uint64_t windows) {
  base::JsonWriter w(2);
  w.begin_object()
      .field("step", step)
      .field("tokens_seen", tokens_seen)
      .field("config_hash", o.config_hash)
      .key("rng")
      .begin_object()
      .field("kind", "counter")
      .field("seed", o.seed)
      .field("next_step", step)
      .end_object()
      .key("data")
      .begin_object()
      .field("path", o.data.string())
      .field("windows", windows)
      .field("sampling", "uniform windows; micro-step m of step s draws from Rng(seed, s, m)")
      .end_object()
      .end_object();
  return w.take() + "\n";
}

// Keeps the rows of metrics.jsonl up to `step` (a resumed run rewrites what follows).
void truncate_metrics(const fs::path& path, int64_t step) {
  if (!fs::exists(path)) return;
  std::ifstream in(path);
  std::string line, kept;
  simdjson::dom::parser parser;
  while (std::getline(in, line)) {
    simdjson::padded_string padded(line);
    simdjson::dom::element row;
    int64_t s;
    if (parser.parse(padded).get(row) || row["step"].get_int64().get(s)) continue;  // a torn last line
    if (s <= step) kept += line + "\n";
  }
  storage::write_file_atomic(path, kept);
}

}  // namespace

std::optional<double> validation_loss(Transformer& model, const fs::path& data, int batch, int seq_len, int batches,
                                      const std::string& tokenizer_sha256) {
  model.reserve(batch, seq_len);
  const TokenStream val(data, "validation", seq_len + 1, tokenizer_sha256);
  if (val.windows() > 0 && val.max_token() >= model.config().vocab_size)
    throw ModelError(data.string() + ": validation token ids exceed the model's vocab_size");
  return validation_loss_on(model, val, batch, seq_len, batches);
}

double learning_rate(const TrainOptions& o, int64_t step) {
  const double min_lr = o.min_lr < 0 ? o.lr / 10 : o.min_lr;
  if (step < o.warmup) return o.lr * static_cast<double>(step + 1) / static_cast<double>(o.warmup);
  if (o.steps <= o.warmup) return o.lr;
  const double progress = std::min(1.0, static_cast<double>(step - o.warmup) / static_cast<double>(o.steps - o.warmup));
  return min_lr + 0.5 * (o.lr - min_lr) * (1 + std::cos(M_PI * progress));
}

namespace {

// Gradient sums of one step, in the fixed tree of train.h: halves while the count is even,
// else the last micro-batch added to the sum of the others. Buffers of parameter size are
// kept between steps (one per tree level in use).
class MicroBatchTree {
 public:
  explicit MicroBatchTree(size_t n) : n_(n) {}
  // Calls leaf(micro) for micro in [lo, lo + count): it must leave that micro-batch's
  // gradient alone in `grads`. The sum lands in dest (dest may be grads when count is 1).
  template <typename Leaf>
  void sum(int lo, int count, float* dest, float* grads, Leaf&& leaf, size_t depth = 0) {
    if (count == 1) {
      leaf(lo);
      if (dest != grads) kernels::parallel_copy(grads, static_cast<int64_t>(n_), dest);
      return;
    }
    const int left = count % 2 == 0 ? count / 2 : count - 1;
    sum(lo, left, dest, grads, leaf, depth + 1);
    if (scratch_.size() <= depth) scratch_.resize(depth + 1);
    if (scratch_[depth].size() != n_) scratch_[depth].assign(n_, 0.0f);
    float* right = scratch_[depth].data();
    sum(lo + left, count - left, right, grads, leaf, depth + 1);
    kernels::parallel_rows(static_cast<int64_t>(n_), 1 << 16, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) dest[i] += right[i];
    });
  }

 private:
  size_t n_;
  std::vector<std::vector<float>> scratch_;
};

}  // namespace

TrainResult train(const TrainRequest& req) {
  std::unique_ptr<Communicator> own;
  Communicator& comm = req.comm ? *req.comm : *(own = single_process());
  const int rank = comm.rank(), ranks = comm.size();
  const bool root = rank == 0;
  const TrainOptions& o = req.options;
  const ModelConfig& mc = req.model;
  const int B = o.batch_size, T = o.seq_len > 0 ? o.seq_len : mc.seq_len;
  auto log = [&](const std::string& line) {
    if (req.log && root) req.log(line);
  };
  auto warn = [&](const std::string& line) {
    if (!root) return;
    if (req.warn) req.warn(line);
    else log("warning: " + line);
  };
  const fs::path metrics_path = req.out / "metrics.jsonl";

  std::unique_ptr<TokenStream> train_stream, val_stream;
  std::unique_ptr<Transformer> model_ptr;
  std::vector<float> optim;  // AdamW m then v
  struct Start {
    int64_t step = 0;
    uint64_t tokens_seen = 0;
    int32_t finished = 0;  // a --resume of a finished run: nothing to do
    int32_t loaded = 0;    // weights (and moments) came from a checkpoint: rank 0 sends them
  } start;

  agree(comm, [&] {
    mc.validate();
    if (B <= 0 || o.grad_accum <= 0 || o.steps <= 0)
      throw ModelError("batch_size, grad_accum and steps must be positive");
    if (T > mc.seq_len) throw ModelError(fmt::format("train.seq_len {} exceeds model.seq_len {}", T, mc.seq_len));
    if (ranks > 1 && (ranks & (ranks - 1)) != 0)
      throw ModelError(
          fmt::format("{} ranks: data-parallel training needs a power of two (1, 2, 4, 8, ...) so that "
                      "the gradient sum is the same bits as one process's; start 2, 4 or 8 ranks",
                      ranks));
    if (o.grad_accum % ranks != 0)
      throw ModelError(
          fmt::format("train.grad_accum = {} is not a multiple of the {} ranks: the ranks split a step's "
                      "micro-batches evenly; set grad_accum to a multiple of {} (the global batch is "
                      "batch_size x grad_accum whatever the rank count)",
                      o.grad_accum, ranks, ranks));

    // A new run goes into an empty directory, or one holding only what an earlier attempt
    // of a run wrote before its first checkpoint; never into someone's unrelated files.
    if (root && !req.resume) {
      std::error_code ec;
      for (const auto& e : fs::directory_iterator(req.out, ec)) {
        const std::string name = e.path().filename().string();
        if (name == "metrics.jsonl" || name == "loss.svg" || name == "checkpoints" || name == "report.html" ||
            name == "slurm" ||  // `primer slurm train` keeps its script and log there
            name.find(".tmp-") != std::string::npos)
          continue;
        throw ModelError(
            fmt::format("{} is not empty and holds no primer training run (it has '{}'); choose another "
                        "--out",
                        req.out.string(), name));
      }
    }

    // The dataset's tokenizer: the model must have a row for each of its pieces. It may
    // have fewer pieces than its training asked for (sentencepiece stops when the text
    // runs out of merges), so a config's vocab_size can easily be too large: say so. Token
    // shards record the tokenizer that made them; shards of another one are refused.
    int pieces = 0;
    std::string tokenizer_sha256;
    if (const fs::path tp = o.data / "tokenizer.model"; fs::exists(tp)) {
      try {
        const Tokenizer tok = Tokenizer::load(tp);
        pieces = tok.vocab_size(), tokenizer_sha256 = tok.sha256();
      } catch (const TokenizerError& e) {
        throw ModelError(e.what());
      }
      if (pieces > mc.vocab_size)
        throw ModelError(
            fmt::format("{} has {} pieces but model.vocab_size is {}: the model cannot read every token "
                        "id; set vocab_size = {} in [model]",
                        tp.string(), pieces, mc.vocab_size, pieces));
      if (pieces < mc.vocab_size)
        warn(
            fmt::format("model.vocab_size is {} but {} has only {} pieces: {} embedding rows will never be trained "
                        "(sampling never draws them); set vocab_size = {} in [model] to save {} parameters",
                        mc.vocab_size, tp.string(), pieces, mc.vocab_size - pieces, pieces,
                        base::with_commas(static_cast<uint64_t>(mc.vocab_size - pieces) * mc.dim)));
    }

    // Every rank maps the shards (pages are read as its windows touch them).
    train_stream = std::make_unique<TokenStream>(o.data, "train", T + 1, tokenizer_sha256);
    const TokenStream& train_data = *train_stream;
    if (train_data.files() == 0)
      throw ModelError(o.data.string() +
                       ": no tokens/train-*.bin; make them with a [tokenizer] section in the run "
                       "config or `primer tokenizer encode`");
    if (train_data.windows() == 0)
      throw ModelError(fmt::format("{}: the training tokens ({}) are fewer than one window of seq_len + 1 = {}",
                                   o.data.string(), train_data.tokens(), T + 1));
    if (train_data.max_token() >= mc.vocab_size)
      throw ModelError(
          fmt::format("{}: token id {} does not fit model.vocab_size {}; set vocab_size to the "
                      "tokenizer's vocabulary size",
                      o.data.string(), train_data.max_token(), mc.vocab_size));
    val_stream = std::make_unique<TokenStream>(o.data, "validation", T + 1, tokenizer_sha256);
    if (val_stream->windows() > 0 && val_stream->max_token() >= mc.vocab_size)
      throw ModelError(o.data.string() + ": validation token ids exceed model.vocab_size");

    model_ptr = std::make_unique<Transformer>(mc);
    model_ptr->reserve(B, T);
    Transformer& model = *model_ptr;
    optim.assign(2 * model.parameters().size(), 0.0f);
    if (!root) return;  // rank 0 owns the output directory and sends what it loaded

    fs::create_directories(req.out);
    std::error_code ec;  // temporaries of a writer killed mid-checkpoint
    for (const auto& e : fs::directory_iterator(req.out / "checkpoints", ec))
      if (e.path().filename().string().find(".tmp-") != std::string::npos) fs::remove_all(e.path());
    if (req.resume) {
      if (list_checkpoints(req.out).empty())
        throw ModelError(req.out.string() + ": nothing to resume (no checkpoints/step-*); run without --resume");
      const Checkpoint ck = load_checkpoint(req.out, true);
      if (ck.config.to_json() != mc.to_json())
        throw ModelError(ck.dir.string() +
                         ": the checkpoint's model differs from the config's [model]; resume with "
                         "the same config");
      const TrainState st = parse_train_state(ck.state_json, ck.dir / "state.json");
      if (st.config_hash != o.config_hash)
        throw ModelError(ck.dir.string() +
                         ": the training config changed since this run started (its hash differs); "
                         "resume with the same config or start a new --out");
      if (ck.optim.size() != optim.size()) throw ModelError(ck.dir.string() + ": optim.bin is missing; cannot resume");
      if (st.step >= o.steps) {  // nothing to do: leave every file as it is
        log(fmt::format("{} is already finished: step {} of {}; nothing to resume", req.out.string(), st.step,
                        o.steps));
        start.step = st.step, start.finished = 1;
        return;
      }
      std::copy(ck.weights.begin(), ck.weights.end(), model.parameters().begin());
      optim = ck.optim;
      start.step = st.step, start.tokens_seen = st.tokens_seen, start.loaded = 1;
      truncate_metrics(metrics_path, start.step);
      log(fmt::format("resuming {} at step {}", ck.dir.string(), start.step));
    } else {
      if (!list_checkpoints(req.out).empty())
        throw ModelError(req.out.string() +
                         " already holds a training run; pass --resume to continue it or choose "
                         "another --out");
      if (req.init) {
        const LoadedModel init = load_model(*req.init);  // a checkpoint or a transformers export
        if (init.config.to_json() != mc.to_json())
          throw ModelError(init.path.string() + ": --init weights have another model shape than [model] (" +
                           std::to_string(init.config.parameter_count()) + " vs " +
                           std::to_string(mc.parameter_count()) + " parameters); use the same [model] section");
        std::copy(init.weights.begin(), init.weights.end(), model.parameters().begin());
        start.loaded = 1;
        log("initialised from " + init.path.string());
      }
      storage::write_file_atomic(metrics_path, "");
    }
  });

  comm.broadcast(&start, sizeof start);
  if (start.finished) {
    TrainResult done;
    done.step = start.step;
    done.already_finished = true;
    return done;
  }
  Transformer& model = *model_ptr;
  const TokenStream& train_data = *train_stream;
  const TokenStream& val_data = *val_stream;
  const size_t n_params = model.parameters().size();
  if (start.loaded) {
    comm.broadcast(model.parameters().data(), n_params * sizeof(float));
    comm.broadcast(optim.data(), optim.size() * sizeof(float));
  } else {
    model.init_random(o.seed);  // a pure function of the seed: the same on every rank
  }
  int64_t step = start.step;
  uint64_t tokens_seen = start.tokens_seen;

  log(fmt::format("model: {} parameters (dim {}, {} layers, {} heads / {} KV, hidden {}, vocab {}, context {})",
                  base::with_commas(mc.parameter_count()), mc.dim, mc.n_layers, mc.n_heads, mc.n_kv_heads,
                  mc.hidden_dim, mc.vocab_size, mc.seq_len));
  log(fmt::format("data: {} training tokens in {} shard(s), {} validation tokens; batch {} x {} x {} accumulation",
                  base::with_commas(train_data.tokens()), train_data.files(), base::with_commas(val_data.tokens()), B,
                  T, o.grad_accum));
  if (ranks > 1)
    log(fmt::format("ranks: {} ({}), {} micro-batch(es) of the {} each per step", ranks, comm.library(),
                    o.grad_accum / ranks, o.grad_accum));

  const auto layout = tensor_layout(mc);
  std::vector<uint64_t> windows(B);
  std::vector<int32_t> inputs(static_cast<size_t>(B) * T), targets(inputs.size());
  const double flops_per_token = mc.training_flops_per_token();
  std::ofstream metrics;
  if (root) {
    metrics.open(metrics_path, std::ios::app);
    if (!metrics) throw ModelError(metrics_path.string() + ": cannot open for appending");
  }

  auto validation_loss = [&]() { return validation_loss_on(model, val_data, B, T, o.eval_batches); };

  auto save = [&](int64_t at) {
    if (!root) return;
    const fs::path dir = checkpoint_dir(req.out, at);
    const fs::path tokenizer = o.data / "tokenizer.model";
    save_checkpoint(dir, mc, model.parameters(), optim, state_json(o, at, tokens_seen, train_data.windows()),
                    fs::exists(tokenizer) ? tokenizer : fs::path());
    if (o.keep_checkpoints > 0) {
      auto all = list_checkpoints(req.out);
      for (size_t i = 0; i + o.keep_checkpoints < all.size(); ++i) fs::remove_all(all[i]);
    }
    metrics.flush();
    write_loss_chart(req.out);
  };

  // This rank's micro-batches of each step, and the sum of their gradients.
  const int local = o.grad_accum / ranks, first = rank * local;
  MicroBatchTree tree(n_params);
  std::vector<float> sum_buffer(local > 1 ? n_params : 0);
  float* grads = model.gradients().data();
  float* grad_sum = local > 1 ? sum_buffer.data() : grads;
  std::vector<float> local_losses(local), losses(o.grad_accum);
  const float grad_scale = 1.0f / static_cast<float>(B * T * o.grad_accum);

  TrainResult result;
  double session_seconds = 0;
  uint64_t session_tokens = 0;
  while (step < o.steps) {
    if (comm.any(req.stop && req.stop->load())) {  // a signal on any rank stops them all here
      save(step);
      result.interrupted = true;
      log(fmt::format("interrupted: checkpoint at step {} saved; run again with --resume to continue", step));
      break;
    }
    const auto started = std::chrono::steady_clock::now();
    tree.sum(first, local, grad_sum, grads, [&](int micro) {
      model.zero_grad();
      sample_windows(train_data, o.seed, step, micro, windows);
      fill_batch(train_data, windows, T, inputs, targets);
      local_losses[micro - first] = model.forward(inputs.data(), targets.data(), B, T, grad_scale);
      model.backward();
    });
    comm.sum_tree(grad_sum, static_cast<int64_t>(n_params));
    comm.all_gather(local_losses.data(), local, losses.data());
    double loss = 0;
    for (float l : losses) loss += l;  // micro-batch order, as one process adds them
    loss /= o.grad_accum;
    if (!std::isfinite(loss))
      throw ModelError(
          fmt::format("the loss became {} at step {}; lower train.lr or raise warmup, then resume from "
                      "the last checkpoint",
                      loss, step + 1));
    const std::span<float> gradient(grad_sum, n_params);
    const double norm = grad_norm(gradient);
    if (o.grad_clip > 0 && norm > o.grad_clip) {
      const float scale = static_cast<float>(o.grad_clip / norm);
      for (float& g : gradient) g *= scale;
    }
    const double lr = learning_rate(o, step);
    for (const TensorInfo& t : layout) {
      kernels::AdamW opt;
      opt.lr = static_cast<float>(lr), opt.beta1 = static_cast<float>(o.beta1), opt.beta2 = static_cast<float>(o.beta2);
      opt.weight_decay = t.decay ? static_cast<float>(o.weight_decay) : 0.0f;
      opt.step = step + 1;
      kernels::adamw_update<float>(model.parameters().data() + t.offset, grad_sum + t.offset, optim.data() + t.offset,
                                   optim.data() + n_params + t.offset, t.size, opt);
    }
    ++step;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const uint64_t step_tokens = static_cast<uint64_t>(B) * T * o.grad_accum;  // the global batch
    tokens_seen += step_tokens;
    session_seconds += seconds, session_tokens += step_tokens;
    const double tps = step_tokens / seconds, gflops = tps * flops_per_token / 1e9;
    result.last_loss = loss;
    if (!root) continue;  // the others go on to the next step's gradients

    std::optional<double> val;
    if ((o.eval_every > 0 && step % o.eval_every == 0) || step == o.steps) val = validation_loss();

    base::JsonWriter row;
    row.begin_object()
        .field("step", step)
        .field("loss", loss)
        .field("lr", lr)
        .field("grad_norm", norm)
        .field("tokens_per_s", tps)
        .field("gflops", gflops)
        .field("ms", seconds * 1000);
    if (val) row.field("val_loss", *val);
    row.end_object();
    metrics << row.str() << "\n";
    metrics.flush();  // whole rows for anyone tailing the file; a resume truncates past the checkpoint
    if (o.log_every > 0 && (step % o.log_every == 0 || step == o.steps || val))
      log(fmt::format("step {}/{} | loss {:.4f}{} | lr {:.2e} | grad norm {:.3f} | {} tok/s | {:.1f} GFLOP/s", step,
                      o.steps, loss, val ? fmt::format(" | val {:.4f}", *val) : "", lr, norm,
                      base::with_commas(static_cast<uint64_t>(std::llround(tps))), gflops));
    if (val) result.last_val_loss = val;
    if (step == o.steps || (o.checkpoint_every > 0 && step % o.checkpoint_every == 0)) save(step);
  }
  if (root) metrics.flush();
  result.step = step;
  result.tokens_per_s = session_seconds > 0 ? session_tokens / session_seconds : 0;
  result.gflops = result.tokens_per_s * flops_per_token / 1e9;
  return result;
}

void write_loss_chart(const fs::path& dir) {
  std::ifstream in(dir / "metrics.jsonl");
  std::vector<std::pair<double, double>> train, val;
  std::string line;
  simdjson::dom::parser parser;
  while (std::getline(in, line)) {
    simdjson::padded_string padded(line);
    simdjson::dom::element row;
    double step, loss, v;
    if (parser.parse(padded).get(row) || row["step"].get_double().get(step) || row["loss"].get_double().get(loss))
      continue;
    train.emplace_back(step, loss);
    if (!row["val_loss"].get_double().get(v)) val.emplace_back(step, v);
  }
  // The report's loss chart (pipeline/report.cc draws the same one from metrics.jsonl).
  std::string y_label = "loss (nats/token)";
  if (!train.empty())
    y_label += fmt::format("; final: train {:.3f}{}", train.back().second,
                           val.empty() ? "" : fmt::format(", validation {:.3f}", val.back().second));
  std::vector<base::svg::Series> series{{"train loss", std::move(train), 0, false}};
  if (!val.empty()) series.push_back({"validation loss", std::move(val), 1, true});
  const std::string svg =
      base::svg::standalone(base::svg::lines(series, "step", y_label, "Training loss (cross-entropy, nats/token)"));
  storage::write_file_atomic(dir / "loss.svg", svg);
}

}  // namespace primer::model
