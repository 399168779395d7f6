// `primer slurm submit`: the sbatch scripts it writes, and how it submits them (against a
// stand-in `sbatch` on PATH that records its arguments; tests/e2e/slurm_test.sh submits
// to a real Slurm).
#include <doctest/doctest.h>

#include <stdlib.h>
#include <sys/stat.h>

#include <sstream>

#include "pipeline/slurm.h"
#include "storage/files.h"
#include "tests/support/testing.h"

namespace fs = std::filesystem;
using namespace primer;
using primer::testing::TempDir;

namespace {

// The arguments bash gives a script line's command, one per line (checks the quoting).
std::vector<std::string> words_of(const std::string& command_line, const TempDir& dir) {
  primer::testing::write_file(dir / "words.sh", "set -- " + command_line + "\nprintf '%s\\n' \"$@\"\n");
  const auto r = primer::testing::run_command({"/bin/bash", (dir / "words.sh").string()});
  REQUIRE(r.exit_code == 0);
  std::vector<std::string> words;
  std::istringstream in(r.out);
  for (std::string w; std::getline(in, w);) words.push_back(w);
  return words;
}

std::string line_starting(const std::string& script, const std::string& prefix) {
  std::istringstream in(script);
  for (std::string line; std::getline(in, line);)
    if (line.starts_with(prefix)) return line;
  return "";
}

}  // namespace

TEST_CASE("the array script runs every task with --requeue, a throttle and a log per task; the merge script merges") {
  TempDir dir;
  pipeline::SlurmOptions o;
  o.primer = "/opt/primer/bin/primer";
  o.config = dir / "my configs/run's.toml";  // a space and a quote survive the quoting
  o.out = dir / "out dir";
  o.tasks = 8;
  o.throttle = 3;
  o.partition = "cpu";
  o.time = "2:00:00";
  o.cpus_per_task = 4;
  const auto s = pipeline::slurm_scripts(o);
  CHECK(s.array.starts_with("#!/bin/bash\n"));
  CHECK(line_starting(s.array, "#SBATCH --array=") == "#SBATCH --array=0-7%3");
  CHECK(line_starting(s.array, "#SBATCH --requeue") == "#SBATCH --requeue");
  CHECK(line_starting(s.array, "#SBATCH --partition=") == "#SBATCH --partition=cpu");
  CHECK(line_starting(s.array, "#SBATCH --time=") == "#SBATCH --time=2:00:00");
  CHECK(line_starting(s.array, "#SBATCH --cpus-per-task=") == "#SBATCH --cpus-per-task=4");
  CHECK(line_starting(s.array, "#SBATCH --open-mode=") == "#SBATCH --open-mode=append");
  const std::string log = line_starting(s.array, "#SBATCH --output=").substr(17);
  CHECK(words_of(log, dir) == std::vector<std::string>{(o.out / "slurm/logs/task-%a.log").string()});
  // The task comes from the Slurm environment; every path is one word.
  const std::string run = line_starting(s.array, "'" + o.primer.string() + "' run ");
  CHECK(words_of(run, dir) == std::vector<std::string>{o.primer.string(), "run", o.config.string(), "--out",
                                                       o.out.string(), "--threads", "4"});
  CHECK(s.array.find("--task") == std::string::npos);
  // The task that completes the set releases a merge job Slurm gave up on.
  CHECK(s.array.find("k < 8; ++k") != std::string::npos);
  CHECK(s.array.find("/slurm/merge.job") != std::string::npos);
  CHECK(s.array.find("= DependencyNeverSatisfied ]") != std::string::npos);
  CHECK(s.array.find("scontrol update JobId=\"$merge\" Dependency=") != std::string::npos);

  CHECK(line_starting(s.merge, "#SBATCH --array").empty());
  CHECK(line_starting(s.merge, "#SBATCH --partition=") == "#SBATCH --partition=cpu");
  CHECK(words_of(line_starting(s.merge, "exec ").substr(5), dir) ==
        std::vector<std::string>{o.primer.string(), "merge", o.out.string(), "--config", o.config.string()});

  o.throttle = 0;
  o.partition.clear();
  o.time.clear();
  o.cpus_per_task = 0;
  const auto plain = pipeline::slurm_scripts(o);
  CHECK(line_starting(plain.array, "#SBATCH --array=") == "#SBATCH --array=0-7");
  CHECK(line_starting(plain.array, "#SBATCH --partition").empty());
  CHECK(line_starting(plain.array, "#SBATCH --time").empty());
  CHECK(plain.array.find("--threads") == std::string::npos);

  o.partition = "debug\n#SBATCH --exclusive";
  CHECK_THROWS_AS(pipeline::slurm_scripts(o), std::invalid_argument);
  o.partition = "ok";
  o.time = "1 day";
  CHECK_THROWS_AS(pipeline::slurm_scripts(o), std::invalid_argument);
}

TEST_CASE("primer slurm submit: --dry-run prints both scripts; a submission queues the merge afterok the array") {
  using primer::testing::run_command;
  TempDir dir;
  const std::string primer = primer::testing::primer_binary();
  primer::testing::write_file(dir / "run.toml", "count = 100\ntasks = 4\n");
  const fs::path out = dir / "out";

  auto dry = run_command(
      {primer, "slurm", "submit", (dir / "run.toml").string(), "--out", out.string(), "--throttle", "2", "--dry-run"});
  CHECK(dry.exit_code == 0);
  CHECK(dry.out.find("#SBATCH --array=0-3%2") != std::string::npos);
  CHECK(dry.out.find("#SBATCH --requeue") != std::string::npos);
  CHECK(dry.out.find("--dependency=afterok:ARRAY_JOB_ID") != std::string::npos);
  CHECK(dry.out.find(" merge ") != std::string::npos);
  CHECK_FALSE(fs::exists(out));

  auto differs = run_command(
      {primer, "slurm", "submit", (dir / "run.toml").string(), "--out", out.string(), "--tasks", "3", "--dry-run"});
  CHECK(differs.exit_code == 2);
  CHECK(differs.err.find("differs from the config's tasks = 4") != std::string::npos);
  auto help = run_command({primer, "slurm", "submit", "--help"});
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("--throttle") != std::string::npos);
  CHECK(help.out.find("--dry-run") != std::string::npos);

  // A stand-in sbatch: records its arguments, answers like `sbatch --parsable`.
  fs::create_directories(dir / "bin");
  primer::testing::write_file(dir / "bin/sbatch",
                              "#!/bin/sh\n"
                              "echo \"$*\" >>\"$(dirname \"$0\")/calls\"\n"
                              "n=$(wc -l <\"$(dirname \"$0\")/calls\")\n"
                              "if [ \"$n\" = 1 ]; then echo 4242; else echo '4243;cluster'; fi\n");
  ::chmod((dir / "bin/sbatch").c_str(), 0755);
  const std::string old_path = ::getenv("PATH") ? ::getenv("PATH") : "";
  ::setenv("PATH", ((dir / "bin").string() + ":" + old_path).c_str(), 1);
  auto submitted =
      run_command({primer, "slurm", "submit", (dir / "run.toml").string(), "--out", out.string(), "--throttle", "2"});
  ::setenv("PATH", old_path.c_str(), 1);
  CHECK(submitted.exit_code == 0);
  CHECK(submitted.out.find("array job 4242: 4 tasks, at most 2 at once; merge job 4243") != std::string::npos);
  const std::string calls = storage::read_file(dir / "bin/calls");
  CHECK(calls == "--parsable " + (out / "slurm/array.sbatch").string() + "\n" +
                     "--parsable --dependency=afterok:4242 --kill-on-invalid-dep=no " +
                     (out / "slurm/merge.sbatch").string() + "\n");
  CHECK(storage::read_file(out / "slurm/array.sbatch").find("#SBATCH --array=0-3%2") != std::string::npos);
  CHECK(storage::read_file(out / "slurm/merge.job") == "4243\n");  // the tasks release the merge by this id
  CHECK(fs::is_directory(out / "slurm/logs"));

  // sbatch's own complaint reaches the user.
  primer::testing::write_file(dir / "bin/sbatch",
                              "#!/bin/sh\necho 'sbatch: error: invalid partition specified: gpu' >&2\nexit 1\n");
  ::setenv("PATH", ((dir / "bin").string() + ":" + old_path).c_str(), 1);
  auto failed = run_command({primer, "slurm", "submit", (dir / "run.toml").string(), "--out", (dir / "o2").string()});
  ::setenv("PATH", old_path.c_str(), 1);
  CHECK(failed.exit_code == 1);
  CHECK(failed.err ==
        "primer: error: sbatch could not submit the array job: sbatch: error: invalid partition specified: gpu\n");
}

TEST_CASE("the training script: nodes x tasks ranks through srun --mpi, --requeue, --resume once a checkpoint exists") {
  TempDir dir;
  pipeline::SlurmTrainOptions o;
  o.primer = "/opt/primer/bin/primer";
  o.config = dir / "my configs/train's.toml";
  o.out = dir / "train out";
  o.nodes = 2, o.tasks_per_node = 4, o.cpus_per_task = 8;
  o.time = "24:00:00";
  const std::string s = pipeline::slurm_train_script(o);
  CHECK(line_starting(s, "#SBATCH --nodes=") == "#SBATCH --nodes=2");
  CHECK(line_starting(s, "#SBATCH --ntasks-per-node=") == "#SBATCH --ntasks-per-node=4");
  CHECK(line_starting(s, "#SBATCH --cpus-per-task=") == "#SBATCH --cpus-per-task=8");
  CHECK(line_starting(s, "#SBATCH --requeue") == "#SBATCH --requeue");
  CHECK(line_starting(s, "#SBATCH --time=") == "#SBATCH --time=24:00:00");
  CHECK(words_of(line_starting(s, "#SBATCH --output=").substr(17), dir) ==
        std::vector<std::string>{(o.out / "slurm/logs/train.log").string()});

  // Run the script with a stand-in srun that prints its arguments, one per line.
  fs::create_directories(dir / "bin");
  primer::testing::write_file(dir / "bin" / "srun", "#!/bin/sh\nprintf '%s\\n' \"$@\"\n");
  ::chmod((dir / "bin" / "srun").c_str(), 0755);
  primer::testing::write_file(dir / "train.sbatch", s);
  auto srun_words = [&] {
    const auto r = primer::testing::run_command({"/usr/bin/env", "PATH=" + (dir / "bin").string() + ":/usr/bin:/bin",
                                                 "SLURM_JOB_ID=7", "SLURM_JOB_NODELIST=n[1-2]", "/bin/bash",
                                                 (dir / "train.sbatch").string()});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    std::vector<std::string> words;
    std::istringstream in(r.out);
    for (std::string w; std::getline(in, w);)
      if (!w.starts_with("primer: ")) words.push_back(w);
    return words;
  };
  const std::vector<std::string> fresh = {"--mpi=pmix", o.primer.string(), "train",     o.config.string(),
                                          "--out",      o.out.string(),    "--threads", "8"};
  CHECK(srun_words() == fresh);
  fs::create_directories(o.out / "checkpoints" / "step-00000500");
  std::vector<std::string> resumed = fresh;
  resumed.push_back("--resume");
  CHECK(srun_words() == resumed);

  o.mpi = "pmi2\n#SBATCH --exclusive";
  CHECK_THROWS_AS(pipeline::slurm_train_script(o), std::invalid_argument);
}
