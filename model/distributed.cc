#include "model/distributed.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "model/config.h"

namespace primer::model {

namespace {

class SingleProcess final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void sum_tree(float*, int64_t) override {}
  void all_gather(const float* mine, int count, float* all) override {
    if (count > 0) std::memmove(all, mine, static_cast<size_t>(count) * sizeof(float));
  }
  void broadcast(void*, size_t) override {}
  bool any(bool flag) override { return flag; }
  [[noreturn]] void abort(int code) override { std::exit(code); }
  std::string library() const override { return ""; }
};

int env_int(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoi(v) : 0;
}

}  // namespace

void agree(Communicator& comm, const std::function<void()>& setup) {
  std::string error;
  bool failed = false;
  try {
    setup();
  } catch (const std::exception& e) {
    failed = true, error = e.what();
  }
  if (!comm.any(failed)) return;
  char root_failed = failed ? 1 : 0;
  comm.broadcast(&root_failed, 1);
  if (failed && (comm.rank() == 0 || !root_failed)) throw SetupFailed(error);
  throw PeerFailed("another rank failed");
}

std::unique_ptr<Communicator> single_process() { return std::make_unique<SingleProcess>(); }

#ifdef PRIMER_HAVE_MPI
std::unique_ptr<Communicator> mpi_world();  // mpi_communicator.cc
#endif

std::unique_ptr<Communicator> start_ranks() {
  const bool launched = std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMIX_RANK") || std::getenv("PMI_RANK");
  const int slurm_tasks = env_int("SLURM_STEP_NUM_TASKS");
  if (launched) {
#ifdef PRIMER_HAVE_MPI
    return mpi_world();
#else
    if (env_int("OMPI_COMM_WORLD_SIZE") > 1 || env_int("PMI_SIZE") > 1 || slurm_tasks > 1)
      throw ModelError(
          "this primer was built without MPI, so its ranks cannot work together; install "
          "libopenmpi-dev and rebuild (CMake finds it), or run one process");
    return single_process();
#endif
  }
  if (slurm_tasks > 1)
    throw ModelError(
        fmt::format("srun started {} tasks but gave them no MPI wiring (no PMIx/PMI in the "
                    "environment); run `srun --mpi=pmix primer train ...` (`srun --mpi=list` shows "
                    "the plugins)",
                    slurm_tasks));
  return single_process();
}

#ifndef PRIMER_HAVE_MPI
std::string mpi_library_version() { return ""; }
#endif

int local_ranks() {
  for (const char* name : {"OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS", "SLURM_NTASKS_PER_NODE"})
    if (const int n = env_int(name); n > 0) return n;
  return 1;
}

int default_threads_per_rank(int cores) {
  if (const int slurm = env_int("SLURM_CPUS_PER_TASK"); slurm > 0) return slurm;
  return std::max(1, cores / local_ranks());
}

}  // namespace primer::model
