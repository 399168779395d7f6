// primer slurm submit CONFIG --tasks N [--throttle K] [--partition P] [--time T] [--dry-run]
// primer slurm train CONFIG --nodes N --tasks-per-node K [--cpus-per-task C] [--dry-run]
#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>
#include <memory>

#include "pipeline/commands.h"
#include "pipeline/config.h"
#include "pipeline/slurm.h"
#include "pipeline/train_config.h"

namespace primer::cli {
namespace {

struct SubmitArgs {
  std::string config;
  std::string out;
  uint32_t tasks = 0;
  uint32_t throttle = 0;
  std::string partition;
  std::string time;
  uint32_t cpus = 0;
  std::string job_name = "primer";
  bool dry_run = false;
};

std::filesystem::path this_executable() {
  std::error_code ec;
  const auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) throw std::runtime_error("cannot find the primer executable (/proc/self/exe): " + ec.message());
  return p;
}

int submit_command(const SubmitArgs& a) {
  const pipeline::Config config = pipeline::load_config(a.config);
  pipeline::SlurmOptions o;
  o.tasks = a.tasks ? a.tasks : config.tasks;
  if (o.tasks == 0) throw UsageError("how many tasks? give --tasks N (or set tasks = N in " + a.config + ")");
  if (config.tasks != 0 && config.tasks != o.tasks)
    throw UsageError("--tasks " + std::to_string(o.tasks) +
                     " differs from the config's tasks = " + std::to_string(config.tasks));
  if (o.tasks > config.count)
    throw UsageError("--tasks " + std::to_string(o.tasks) + " is more than the config's " +
                     std::to_string(config.count) + " prompts");
  const std::filesystem::path out = !a.out.empty() ? std::filesystem::path(a.out) : config.out;
  if (out.empty()) throw UsageError("no output directory; give --out DIR or set out = \"...\" in " + a.config);
  // The jobs may start in another directory: every path they use is absolute.
  o.out = std::filesystem::absolute(out).lexically_normal();
  o.config = std::filesystem::absolute(a.config).lexically_normal();
  o.primer = this_executable();
  o.throttle = a.throttle;
  o.partition = a.partition;
  o.time = a.time;
  o.cpus_per_task = a.cpus;
  o.job_name = a.job_name;
  try {
    if (a.dry_run) {
      const pipeline::SlurmScripts s = pipeline::slurm_scripts(o);
      std::printf("# ---- %s/slurm/array.sbatch (sbatch --parsable array.sbatch) ----\n%s\n", o.out.c_str(),
                  s.array.c_str());
      std::printf(
          "# ---- %s/slurm/merge.sbatch (sbatch --parsable --dependency=afterok:ARRAY_JOB_ID "
          "--kill-on-invalid-dep=no merge.sbatch) ----\n%s",
          o.out.c_str(), s.merge.c_str());
      return 0;
    }
    const pipeline::SlurmJobs jobs = pipeline::slurm_submit(o);
    std::printf("array job %s: %u tasks%s; merge job %s runs after it (afterok)\n", jobs.array_job.c_str(), o.tasks,
                o.throttle ? (", at most " + std::to_string(o.throttle) + " at once").c_str() : "",
                jobs.merge_job.c_str());
    std::printf("logs: %s/slurm/logs/; dataset: %s\n", o.out.c_str(), o.out.c_str());
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  return 0;
}

struct TrainJobArgs {
  std::string config, out, partition, time, mpi = "pmix", job_name = "primer-train";
  uint32_t nodes = 1, tasks_per_node = 1, cpus = 0;
  bool dry_run = false;
};

int train_job_command(const TrainJobArgs& a) {
  const pipeline::TrainConfig config = pipeline::load_train_config(a.config);  // a bad config fails here, not queued
  const uint32_t ranks = a.nodes * a.tasks_per_node;
  if ((ranks & (ranks - 1)) != 0 || config.train.grad_accum % static_cast<int>(ranks) != 0)
    throw UsageError(
        fmt::format("{} ranks ({} node(s) x {} task(s)): the rank count must be a power of two dividing "
                    "train.grad_accum = {} (the ranks split a step's micro-batches)",
                    ranks, a.nodes, a.tasks_per_node, config.train.grad_accum));
  const std::filesystem::path out = !a.out.empty() ? std::filesystem::path(a.out) : config.out;
  if (out.empty()) throw UsageError("no output directory; give --out DIR or set out = \"...\" in " + a.config);
  pipeline::SlurmTrainOptions o;
  o.out = std::filesystem::absolute(out).lexically_normal();
  o.config = std::filesystem::absolute(a.config).lexically_normal();
  o.primer = this_executable();
  o.nodes = a.nodes, o.tasks_per_node = a.tasks_per_node, o.cpus_per_task = a.cpus;
  o.partition = a.partition, o.time = a.time, o.mpi = a.mpi, o.job_name = a.job_name;
  try {
    if (a.dry_run) {
      std::printf("# ---- %s/slurm/train.sbatch (sbatch --parsable train.sbatch) ----\n%s", o.out.c_str(),
                  pipeline::slurm_train_script(o).c_str());
      return 0;
    }
    const std::string job = pipeline::slurm_submit_train(o);
    std::printf("training job %s: %u rank(s) on %u node(s); log: %s/slurm/logs/train.log; run: %s\n", job.c_str(),
                ranks, o.nodes, o.out.c_str(), o.out.c_str());
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  return 0;
}

}  // namespace

void add_slurm_commands(Commands& commands) {
  CLI::App* slurm = commands.app().add_subcommand(
      "slurm", "Run a config as a Slurm array job with a merge job, or train on Slurm over MPI.");
  slurm->require_subcommand(1);
  auto args = std::make_shared<SubmitArgs>();
  CLI::App* s = commands.add(
      "submit",
      "Submit an array job (one task per element, each 'primer run --task K/N') and a merge "
      "job that starts when all tasks have succeeded.",
      [args] { return submit_command(*args); }, slurm);
  s->footer(
      "Writes OUT/slurm/array.sbatch (--array=0-(N-1)%K, --requeue, a log per task in OUT/slurm/logs/task-K.log) "
      "and OUT/slurm/merge.sbatch ('primer merge OUT', submitted with --dependency=afterok on the array), and "
      "submits both with sbatch. A task that is requeued, preempted or rerun resumes from its journal. "
      "--dry-run prints both scripts and submits nothing.");
  s->add_option("config", args->config, "Run config (TOML)")->required();
  s->add_option("--tasks", args->tasks, "Array tasks (default: the config's 'tasks')")->check(at_least(1));
  s->add_option("--throttle", args->throttle, "At most K tasks running at once (default: no limit)")
      ->check(at_least(1));
  s->add_option("--partition", args->partition, "Slurm partition (default: the cluster's)");
  s->add_option("--time", args->time, "Time limit per job, e.g. 4:00:00 (default: the partition's)");
  s->add_option("--cpus-per-task", args->cpus, "CPUs per task, also primer's --threads (default: Slurm's)")
      ->check(at_least(1));
  s->add_option("--job-name", args->job_name, "Job name (default: primer; the merge job adds -merge)");
  s->add_option("--out", args->out, "Output dataset directory (default: the config's 'out')");
  s->add_flag("--dry-run", args->dry_run, "Print both sbatch scripts; write and submit nothing");

  auto targs = std::make_shared<TrainJobArgs>();
  CLI::App* t = commands.add(
      "train",
      "Submit one data-parallel training job: 'srun primer train' on nodes x tasks-per-node "
      "MPI ranks.",
      [targs] { return train_job_command(*targs); }, slurm);
  t->footer(
      "Writes OUT/slurm/train.sbatch (--nodes, --ntasks-per-node, --requeue; log in OUT/slurm/logs/train.log) and "
      "submits it with sbatch. The ranks split each step's grad_accum micro-batches, so the rank count must be a power "
      "of two dividing it; the losses are those of one process. A requeued job resumes from OUT's newest checkpoint. "
      "--dry-run prints the script and submits nothing.");
  t->add_option("config", targs->config, "Training config (TOML)")->required();
  t->add_option("--nodes", targs->nodes, "Nodes (default 1)")->check(CLI::PositiveNumber);
  t->add_option("--tasks-per-node", targs->tasks_per_node, "MPI ranks per node (default 1)")
      ->check(CLI::PositiveNumber);
  t->add_option("--cpus-per-task", targs->cpus, "CPUs per rank, also primer's --threads (default: Slurm's)")
      ->check(CLI::PositiveNumber);
  t->add_option("--partition", targs->partition, "Slurm partition (default: the cluster's)");
  t->add_option("--time", targs->time, "Time limit, e.g. 24:00:00 (default: the partition's)");
  t->add_option("--mpi", targs->mpi, "srun --mpi plugin that wires the ranks (default pmix; see srun --mpi=list)");
  t->add_option("--job-name", targs->job_name, "Job name (default primer-train)");
  t->add_option("--out", targs->out, "Training output directory (default: the config's 'out')");
  t->add_flag("--dry-run", targs->dry_run, "Print the sbatch script; write and submit nothing");
}

}  // namespace primer::cli
