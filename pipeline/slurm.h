// `primer slurm submit`: a split run as a Slurm array job plus a dependent merge job.
//
// primer uses the cluster's scheduler instead of building its own. The array job runs
// `primer run CONFIG --out OUT` once per task; each array element finds its task in the
// Slurm environment (pipeline/merge.h: task_from_environment). `--requeue` lets Slurm
// restart a task after a node failure or preemption, and the task resumes from its
// journal in OUT/tasks/K/. The merge job (`primer merge OUT`) waits on the array with
// `--dependency=afterok:ARRAY`, so it starts only when every task has succeeded.
//
// Files (none with --dry-run, which prints the scripts):
//   OUT/slurm/array.sbatch, OUT/slurm/merge.sbatch
//   OUT/slurm/logs/task-K.log (every attempt of task K, appended), OUT/slurm/logs/merge.log
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace primer::pipeline {

struct SlurmOptions {
  std::filesystem::path primer;  // the primer executable the jobs run (absolute)
  std::filesystem::path config;  // the run config (absolute)
  std::filesystem::path out;     // the run's directory (absolute)
  uint32_t tasks = 1;            // array elements 0..tasks-1
  uint32_t throttle = 0;         // at most this many tasks at once (%K); 0: no limit
  std::string partition;         // --partition (empty: the cluster's default)
  std::string time;              // --time limit per job, e.g. "4:00:00" (empty: the partition's)
  uint32_t cpus_per_task = 0;    // --cpus-per-task and primer --threads (0: not set)
  std::string job_name = "primer";
};

struct SlurmScripts {
  std::string array;  // sbatch script of the array job
  std::string merge;  // sbatch script of the merge job (submitted with afterok on the array)
};

// Throws std::invalid_argument for a partition or time with characters a script line
// cannot hold safely.
SlurmScripts slurm_scripts(const SlurmOptions& options);

// Writes OUT/slurm/{array,merge}.sbatch, then submits them with `sbatch` (found on PATH):
// the array first, the merge with --dependency=afterok on it. Returns the two job ids.
// Throws std::runtime_error with sbatch's own message if a submission fails.
struct SlurmJobs {
  std::string array_job, merge_job;
};
SlurmJobs slurm_submit(const SlurmOptions& options);

// 'text' quoted for a POSIX shell.
std::string shell_quote(std::string_view text);

}  // namespace primer::pipeline
