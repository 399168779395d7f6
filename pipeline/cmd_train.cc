// primer train CONFIG.toml --out DIR [--resume] [--init CHECKPOINT] [--threads N]
// Under mpirun or srun every rank runs this; model/distributed.h joins them.
#include <cstdio>
#include <cstdlib>
#include <memory>

#include <fmt/format.h>
#include <tbb/global_control.h>
#include <tbb/info.h>

#include "model/distributed.h"
#include "model/kernels/matmul.h"
#include "model/train.h"
#include "pipeline/commands.h"
#include "pipeline/config.h"
#include "pipeline/report.h"
#include "pipeline/stop_signal.h"
#include "pipeline/train_config.h"

namespace primer::cli {
namespace {

struct TrainArgs {
  std::string config, out, init;
  bool resume = false;
  int threads = -1;
};

int train_command(const TrainArgs& a) {
  const std::unique_ptr<model::Communicator> comm = model::start_ranks();
  const bool root = comm->rank() == 0;
  pipeline::TrainConfig config;
  if (comm->size() == 1) {
    config = pipeline::load_train_config(a.config);
  } else {
    try {
      model::agree(*comm, [&] { config = pipeline::load_train_config(a.config); });
    } catch (const model::PeerFailed&) {
      comm->any(false);  // until the rank that speaks has said why (mpirun ends the job at the first exit)
      return 2;
    } catch (const model::SetupFailed& e) {
      const int code = cli::report_error(2, e.what());
      comm->any(false);
      return code;
    }
  }
  model::TrainRequest req;
  req.model = config.model;
  req.options = config.train;
  req.out = !a.out.empty() ? std::filesystem::path(a.out) : config.out;
  if (req.out.empty()) throw UsageError("no output directory; give --out DIR or set out = \"...\" in " + a.config);
  req.resume = a.resume;
  if (!a.init.empty()) {
    if (a.resume) throw UsageError("--init starts a new run from trained weights; it cannot be combined with --resume");
    req.init = a.init;
  }
  // Ranks on one node share its cores: each takes its part unless told otherwise.
  const int threads = a.threads >= 0 ? a.threads : config.threads;
  const int use = threads > 0 ? threads : model::default_threads_per_rank(tbb::info::default_concurrency());
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, use);
  req.stop = &pipeline::stop_flag();
  req.comm = comm.get();
  if (root) {
    req.log = [](const std::string& line) {
      std::printf("%s\n", line.c_str());
      std::fflush(stdout);
    };
    req.warn = [](const std::string& line) { std::fprintf(stderr, "primer: warning: %s\n", line.c_str()); };
    std::printf("primer train: %s -> %s (%d threads%s, %s kernels)\n", a.config.c_str(), req.out.c_str(), use,
                comm->size() > 1 ? fmt::format(" on each of {} ranks", comm->size()).c_str() : "",
                model::kernels::matmul_kernel_name());
  }
  model::TrainResult r;
  try {
    const pipeline::StopOnSignals stop;  // Ctrl-C: checkpoint after the current step and stop
    r = model::train(req);
  } catch (const model::PeerFailed&) {
    comm->any(false);  // the rank that failed says why; wait until it has
    return 1;
  } catch (const model::SetupFailed& e) {
    const int code = cli::report_error(1, e.what());  // every rank knows; each exits normally
    comm->any(false);
    return code;
  } catch (const std::exception& e) {
    if (comm->size() == 1) throw;
    // A failure the other ranks cannot see (a full disk on rank 0's checkpoint): end the job.
    std::fprintf(stderr, "primer: error: %s%s\n", root ? "" : fmt::format("rank {}: ", comm->rank()).c_str(), e.what());
    comm->abort(1);
  }
  if (!root) return r.interrupted ? 130 : 0;
  if (r.already_finished) {
    std::printf("%s: already finished at step %lld; nothing to do (its files are unchanged)\n", req.out.c_str(),
                static_cast<long long>(r.step));
    return 0;
  }
  if (config.report) pipeline::write_report_at_end(req.out, false, true);
  if (r.interrupted) return 130;
  std::printf(
      "done: %lld steps, final loss %.4f%s, %.0f tokens/s, %.1f GFLOP/s; checkpoints in %s/checkpoints, "
      "metrics.jsonl and loss.svg beside them\n",
      static_cast<long long>(r.step), r.last_loss,
      r.last_val_loss ? fmt::format(" (validation {:.4f})", *r.last_val_loss).c_str() : "", r.tokens_per_s, r.gflops,
      req.out.c_str());
  return 0;
}

}  // namespace

void add_train_command(Commands& commands) {
  auto args = std::make_shared<TrainArgs>();
  CLI::App* cmd = commands.add("train", "Train the reference transformer on a dataset's token shards.",
                               [args] { return train_command(*args); });
  cmd->footer(
      "CONFIG has [model] (the shape) and [train] (data = a dataset directory with tokens/*.bin, batch_size, "
      "steps, lr, ...; see README.md, \"Training config\"). Writes DIR/metrics.jsonl (one row per step), "
      "DIR/loss.svg and DIR/checkpoints/step-N/ (config.json, model.bin, optim.bin, state.json). Ctrl-C saves a "
      "checkpoint and stops; --resume continues the same run with the same losses.");
  cmd->add_option("config", args->config, "Training config (TOML), e.g. examples/train.toml")->required();
  cmd->add_option("--out", args->out, "Output directory (default: the config's 'out')");
  cmd->add_flag("--resume", args->resume, "Continue the newest checkpoint in --out");
  cmd->add_option("--init", args->init,
                  "Start from these trained weights (fine-tuning): a checkpoint or training directory")
      ->check(existing_path());
  cmd->add_option("--threads", args->threads, "Threads (default: train.threads, else all cores)")->check(at_least(0));
}

}  // namespace primer::cli
