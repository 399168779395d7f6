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

// `primer slurm train`: one data-parallel training job (model/distributed.h) of
// nodes × tasks_per_node MPI ranks started by `srun --mpi=MPI primer train`. --requeue
// lets Slurm restart it after a node failure or preemption; the script passes --resume
// whenever OUT has a checkpoint, so a restarted job continues the same loss curve (on any
// rank count). Files: OUT/slurm/train.sbatch, OUT/slurm/logs/train.log (every attempt,
// appended).
struct SlurmTrainOptions {
  std::filesystem::path primer, config, out;  // absolute
  uint32_t nodes = 1;
  uint32_t tasks_per_node = 1;
  uint32_t cpus_per_task = 0;  // --cpus-per-task and primer --threads (0: not set)
  std::string partition, time;
  std::string mpi = "pmix";  // srun --mpi=... (`srun --mpi=list`)
  std::string job_name = "primer-train";
};
// Throws std::invalid_argument for values a script line cannot hold safely.
std::string slurm_train_script(const SlurmTrainOptions& options);
// Writes OUT/slurm/train.sbatch and submits it; returns the job id.
std::string slurm_submit_train(const SlurmTrainOptions& options);

// 'text' quoted for a POSIX shell.
std::string shell_quote(std::string_view text);

}  // namespace primer::pipeline
