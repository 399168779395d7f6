// The trainer behind `primer train`: AdamW with warm-up + cosine learning rate, gradient
// accumulation and clipping, validation loss, metrics.jsonl + loss.svg, and checkpoints
// that a killed or interrupted run resumes from exactly.
//
// Determinism: batches are windows of the token stream chosen by a counter-based RNG of
// (seed, step, micro-step), and every kernel reduces in a fixed order, so the same
// config and seed give bit-identical losses on any thread count, and a run resumed from
// a checkpoint continues the very same loss curve.
//
// Data parallel (TrainRequest::comm, model/distributed.h): a step is the global batch of
// grad_accum micro-batches whatever the rank count N; rank r computes micro-batches
// [r·G/N, (r+1)·G/N). Each micro-batch's gradient is computed on its own, and the G
// gradients are summed as a fixed tree over micro-batch order: halves while the count is
// even, an odd count adds its last one to the sum of the others (G = 6: (g0+g1)+g2 +
// (g3+g4)+g5). Each rank sums its own block; when N is a power of two the blocks are
// subtrees, and Communicator::sum_tree finishes the same tree across ranks. So N ∈ {1,
// 2, 4, 8, ...} dividing grad_accum give bit-identical losses and weights (other N are
// refused), and a run killed on N ranks resumes on M. Every rank keeps the full weights
// and AdamW moments and applies the same update; rank 0 evaluates, logs and writes
// every file.
//
// Output directory:
//   metrics.jsonl                  one object per step: step, loss, lr, grad_norm,
//                                  tokens_per_s, gflops, ms; + val_loss on eval steps
//   loss.svg                       train and validation loss curves
//   checkpoints/step-NNNNNNNN/     config.json, model.bin, optim.bin, state.json
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "model/config.h"

namespace primer::model {

class Communicator;

struct TrainOptions {
  std::filesystem::path data;  // dataset directory with tokens/train-*.bin (and validation-*.bin)
  int batch_size = 8;
  int seq_len = 0;  // 0: the model's seq_len
  int grad_accum = 1;
  int64_t steps = 2000;
  double lr = 5e-4;
  double min_lr = -1;  // < 0: lr / 10
  int64_t warmup = 100;
  double weight_decay = 0.1;
  double beta1 = 0.9, beta2 = 0.95;
  double grad_clip = 1.0;          // 0: off
  int64_t eval_every = 100;        // 0: only at the end
  int eval_batches = 8;            // validation batches per evaluation
  int64_t checkpoint_every = 500;  // 0: only at the end (and on SIGINT/SIGTERM)
  int keep_checkpoints = 3;        // newest kept; 0 keeps all
  uint64_t seed = 1;
  int64_t log_every = 1;    // stdout lines (metrics.jsonl has every step)
  std::string config_hash;  // of the training config; a resume must match it
};

struct TrainRequest {
  ModelConfig model;
  TrainOptions options;
  std::filesystem::path out;
  bool resume = false;                           // continue the newest checkpoint in out
  std::optional<std::filesystem::path> init;     // start from these weights (fine-tuning)
  const std::atomic<bool>* stop = nullptr;       // set by SIGINT/SIGTERM: checkpoint and return
                                                 // (on any rank: all stop at the same step)
  Communicator* comm = nullptr;                  // the ranks sharing the run; nullptr: one process
  std::function<void(const std::string&)> log;   // progress lines (stdout)
  std::function<void(const std::string&)> warn;  // warnings (stderr); unset: through log
};

struct TrainResult {
  int64_t step = 0;               // completed steps
  bool interrupted = false;       // stopped by `stop`; --resume continues
  bool already_finished = false;  // --resume of a run that had done all its steps: nothing changed
  double last_loss = 0;
  std::optional<double> last_val_loss;
  double tokens_per_s = 0;  // mean over this session
  double gflops = 0;        // mean achieved model GFLOP/s over this session
};

// Throws ModelError for bad data, configs, or a resume that does not match (with several
// ranks: SetupFailed on the rank that says it, PeerFailed on the others). When
// DATA/tokenizer.model exists, model.vocab_size must cover its pieces (else ModelError);
// a vocab_size larger than the pieces is warned about: those embedding rows are never
// trained, and sampling never draws them.
TrainResult train(const TrainRequest& request);

// Learning rate at 0-based step s: linear warm-up to lr, then cosine down to min_lr.
double learning_rate(const TrainOptions& o, int64_t step);

class Transformer;
// Mean cross-entropy of `model` over up to batches × batch windows of seq_len tokens,
// evenly spaced through DATA/tokens/validation-*.bin; nullopt when there are none.
// tokenizer_sha256 (the model's tokenizer, Tokenizer::sha256()): shards that record
// another tokenizer are refused with ModelError ("" checks nothing).
std::optional<double> validation_loss(Transformer& model, const std::filesystem::path& data, int batch, int seq_len,
                                      int batches, const std::string& tokenizer_sha256 = "");

// Writes DIR/loss.svg from DIR/metrics.jsonl.
void write_loss_chart(const std::filesystem::path& train_dir);

}  // namespace primer::model
