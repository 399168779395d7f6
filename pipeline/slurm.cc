#include "pipeline/slurm.h"

#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "storage/files.h"

extern char** environ;

namespace primer::pipeline {
namespace fs = std::filesystem;
namespace {

// Partition names and time limits go into #SBATCH lines: no spaces, quotes or newlines.
void check_word(std::string_view what, std::string_view value) {
  for (char c : value)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == ':' || c == ','))
      throw std::invalid_argument(std::string(what) + " '" + std::string(value) +
                                  "' may hold only letters, digits and - _ . : ,");
}

std::string common_lines(const SlurmOptions& o) {
  std::string s;
  if (!o.partition.empty()) s += "#SBATCH --partition=" + o.partition + "\n";
  if (!o.time.empty()) s += "#SBATCH --time=" + o.time + "\n";
  if (o.cpus_per_task > 0) s += fmt::format("#SBATCH --cpus-per-task={}\n", o.cpus_per_task);
  return s;
}

struct Captured {
  int status = -1;
  std::string output;  // stdout and stderr together
};

// Runs argv[0] (found on PATH) and collects what it prints.
Captured run_capture(const std::vector<std::string>& argv) {
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, argv[0].c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  Captured c;
  if (rc != 0) {
    ::close(fds[0]);
    throw std::runtime_error("cannot run " + argv[0] + ": " + std::strerror(rc) +
                             (rc == ENOENT ? " (not on PATH: submit from a Slurm login node)" : ""));
  }
  char buf[4096];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    c.output.append(buf, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  c.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return c;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

// `sbatch --parsable` prints "JOBID" or "JOBID;CLUSTER".
std::string submit(const std::vector<std::string>& argv, const std::string& what) {
  const Captured c = run_capture(argv);
  const std::string out = trim(c.output);
  const std::string id = out.substr(0, out.find(';'));
  if (c.status != 0 || id.empty() || id.find_first_not_of("0123456789") != std::string::npos)
    throw std::runtime_error("sbatch could not submit the " + what + ": " + (out.empty() ? "no output" : out));
  return id;
}

}  // namespace

std::string shell_quote(std::string_view text) {
  std::string s = "'";
  for (char c : text) {
    if (c == '\'') s += "'\\''";
    else s.push_back(c);
  }
  return s + "'";
}

SlurmScripts slurm_scripts(const SlurmOptions& o) {
  check_word("partition", o.partition);
  check_word("time", o.time);
  check_word("job name", o.job_name);
  if (o.tasks < 1) throw std::invalid_argument("--tasks must be at least 1");
  const fs::path logs = o.out / "slurm" / "logs";
  const std::string threads = o.cpus_per_task > 0 ? fmt::format(" --threads {}", o.cpus_per_task) : "";
  SlurmScripts s;
  s.array = fmt::format(
      "#!/bin/bash\n"
      "# primer: {tasks} tasks of {config}, one per array element (written by `primer slurm submit`).\n"
      "# Each element finds its task in SLURM_ARRAY_TASK_ID / SLURM_ARRAY_TASK_COUNT and writes\n"
      "# {out}/tasks/K/; a requeued or restarted task resumes from its journal there.\n"
      "#SBATCH --job-name={name}\n"
      "#SBATCH --array=0-{last}{throttle}\n"
      "#SBATCH --requeue\n"
      "#SBATCH --open-mode=append\n"
      "#SBATCH --output={logs}/task-%a.log\n"
      "{common}"
      "set -euo pipefail\n"
      "echo \"primer: $(date -u +%FT%TZ) job $SLURM_JOB_ID, array task $SLURM_ARRAY_TASK_ID on $(hostname), restart ${{SLURM_RESTART_COUNT:-0}}\"\n"
      "{primer} run {qconfig} --out {qout}{threads}\n"
      "# Slurm never starts a job whose afterok dependency once failed, even when the failed\n"
      "# task is requeued and then succeeds (sbatch(1)); a requeue can also be seen as a failure\n"
      "# for a moment. So the merge waits with --kill-on-invalid-dep=no, and the task that\n"
      "# completes the set releases it if Slurm gave up on its dependency.\n"
      "out={qout}\n"
      "merge=$(cat \"$out/slurm/merge.job\" 2>/dev/null || true)\n"
      "for ((k = 0; k < {tasks}; ++k)); do [ -e \"$out/tasks/$k/manifest.json\" ] || exit 0; done\n"
      "if [ -n \"$merge\" ] && [ \"$(squeue -h -j \"$merge\" -o %r 2>/dev/null || true)\" = DependencyNeverSatisfied ]; then\n"
      "  echo \"primer: every task is complete; releasing merge job $merge (Slurm had given up on its dependency)\"\n"
      "  scontrol update JobId=\"$merge\" Dependency= || echo \"primer: could not release job $merge: run primer merge by hand\"\n"
      "fi\n",
      fmt::arg("tasks", o.tasks), fmt::arg("config", o.config.string()), fmt::arg("out", o.out.string()),
      fmt::arg("name", o.job_name), fmt::arg("last", o.tasks - 1),
      fmt::arg("throttle", o.throttle > 0 ? fmt::format("%{}", o.throttle) : ""),
      fmt::arg("logs", shell_quote(logs.string())), fmt::arg("common", common_lines(o)),
      fmt::arg("primer", shell_quote(o.primer.string())), fmt::arg("qconfig", shell_quote(o.config.string())),
      fmt::arg("qout", shell_quote(o.out.string())), fmt::arg("threads", threads));
  s.merge = fmt::format(
      "#!/bin/bash\n"
      "# primer: merges the {tasks} tasks of {config} into {out} (written by `primer slurm submit`).\n"
      "# Submitted with --dependency=afterok:ARRAY_JOB_ID: it starts once every task has succeeded.\n"
      "# (If Slurm gives up on that dependency, the last task to complete releases this job.)\n"
      "#SBATCH --job-name={name}-merge\n"
      "#SBATCH --requeue\n"
      "#SBATCH --open-mode=append\n"
      "#SBATCH --output={logs}/merge.log\n"
      "{common}"
      "set -euo pipefail\n"
      "exec {primer} merge {qout} --config {qconfig}\n",
      fmt::arg("tasks", o.tasks), fmt::arg("config", o.config.string()), fmt::arg("out", o.out.string()),
      fmt::arg("name", o.job_name), fmt::arg("logs", shell_quote(logs.string())), fmt::arg("common", common_lines(o)),
      fmt::arg("primer", shell_quote(o.primer.string())), fmt::arg("qconfig", shell_quote(o.config.string())),
      fmt::arg("qout", shell_quote(o.out.string())));
  return s;
}

SlurmJobs slurm_submit(const SlurmOptions& o) {
  const SlurmScripts scripts = slurm_scripts(o);
  const fs::path dir = o.out / "slurm";
  fs::create_directories(dir / "logs");
  storage::write_file_atomic(dir / "array.sbatch", scripts.array);
  storage::write_file_atomic(dir / "merge.sbatch", scripts.merge);
  SlurmJobs jobs;
  jobs.array_job = submit({"sbatch", "--parsable", (dir / "array.sbatch").string()}, "array job");
  jobs.merge_job = submit({"sbatch", "--parsable", "--dependency=afterok:" + jobs.array_job, "--kill-on-invalid-dep=no",
                           (dir / "merge.sbatch").string()},
                          "merge job");
  // For the array tasks: the one that completes the set releases the merge if needed.
  storage::write_file_atomic(dir / "merge.job", jobs.merge_job + "\n");
  return jobs;
}

std::string slurm_train_script(const SlurmTrainOptions& o) {
  check_word("partition", o.partition);
  check_word("time", o.time);
  check_word("job name", o.job_name);
  check_word("mpi", o.mpi);
  if (o.nodes < 1 || o.tasks_per_node < 1)
    throw std::invalid_argument("--nodes and --tasks-per-node must be at least 1");
  const uint32_t ranks = o.nodes * o.tasks_per_node;
  const std::string threads = o.cpus_per_task > 0 ? fmt::format(" --threads {}", o.cpus_per_task) : "";
  SlurmOptions common;
  common.partition = o.partition, common.time = o.time, common.cpus_per_task = o.cpus_per_task;
  return fmt::format(
      "#!/bin/bash\n"
      "# primer: data-parallel training of {config} on {ranks} MPI ranks ({nodes} node(s) x {per} task(s)),\n"
      "# written by `primer slurm train`. Rank 0 writes {out}; a requeued or restarted job\n"
      "# resumes from its newest checkpoint there and continues the same loss curve.\n"
      "#SBATCH --job-name={name}\n"
      "#SBATCH --nodes={nodes}\n"
      "#SBATCH --ntasks-per-node={per}\n"
      "#SBATCH --requeue\n"
      "#SBATCH --open-mode=append\n"
      "#SBATCH --output={log}\n"
      "{common}"
      "set -euo pipefail\n"
      "echo \"primer: $(date -u +%FT%TZ) job $SLURM_JOB_ID on $SLURM_JOB_NODELIST, restart ${{SLURM_RESTART_COUNT:-0}}\"\n"
      "out={qout}\n"
      "resume=()\n"
      "if compgen -G \"$out/checkpoints/step-*\" >/dev/null; then resume=(--resume); fi\n"
      "srun --mpi={mpi} {primer} train {qconfig} --out \"$out\"{threads} \"${{resume[@]}}\"\n",
      fmt::arg("config", o.config.string()), fmt::arg("ranks", ranks), fmt::arg("nodes", o.nodes),
      fmt::arg("per", o.tasks_per_node), fmt::arg("out", o.out.string()), fmt::arg("name", o.job_name),
      fmt::arg("log", shell_quote((o.out / "slurm" / "logs" / "train.log").string())),
      fmt::arg("common", common_lines(common)), fmt::arg("qout", shell_quote(o.out.string())), fmt::arg("mpi", o.mpi),
      fmt::arg("primer", shell_quote(o.primer.string())), fmt::arg("qconfig", shell_quote(o.config.string())),
      fmt::arg("threads", threads));
}

std::string slurm_submit_train(const SlurmTrainOptions& o) {
  const std::string script = slurm_train_script(o);
  const fs::path dir = o.out / "slurm";
  fs::create_directories(dir / "logs");
  storage::write_file_atomic(dir / "train.sbatch", script);
  return submit({"sbatch", "--parsable", (dir / "train.sbatch").string()}, "training job");
}

}  // namespace primer::pipeline
