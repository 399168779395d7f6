// primer slurm submit CONFIG --tasks N [--throttle K] [--partition P] [--time T] [--dry-run]
#include <unistd.h>

#include <cstdio>
#include <memory>

#include "pipeline/commands.h"
#include "pipeline/config.h"
#include "pipeline/slurm.h"

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
    throw UsageError("--tasks " + std::to_string(o.tasks) + " differs from the config's tasks = " +
                     std::to_string(config.tasks));
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
      std::printf("# ---- %s/slurm/merge.sbatch (sbatch --parsable --dependency=afterok:ARRAY_JOB_ID "
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

}  // namespace

void add_slurm_commands(Commands& commands) {
  CLI::App* slurm = commands.app().add_subcommand("slurm", "Run a config as a Slurm array job with a merge job.");
  slurm->require_subcommand(1);
  auto args = std::make_shared<SubmitArgs>();
  CLI::App* s = commands.add("submit",
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
}

}  // namespace primer::cli
