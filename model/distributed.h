// The ranks of a data-parallel training run, and the few collectives the trainer needs.
//
//   auto comm = model::start_ranks();   // MPI when launched by mpirun/srun, else one rank
//   req.comm = comm.get();
//   model::train(req);                  // every rank calls it; rank 0 writes the files
//
// Determinism is the point of this interface: sum_tree adds the ranks' buffers in one
// fixed order, a balanced binary tree over rank order ((r0 + r1) + (r2 + r3)) ..., the
// same bits on every rank. The trainer sums the micro-batch gradients of a step in the
// same tree (model/train.cc), so N ranks — a power of two dividing grad_accum — give the
// very sum one process computes.
//
// MPI (Open MPI from Debian; optional at build time, PRIMER_WITH_MPI): start_ranks()
// initialises MPI only when the environment says a launcher started this process
// (OMPI_COMM_WORLD_SIZE from mpirun, PMIX_RANK or PMI_RANK from srun --mpi=pmix|pmi2),
// and finalises it when the returned object is destroyed. Only the thread that made the
// communicator calls it (MPI_THREAD_FUNNELED); not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "model/config.h"

namespace primer::model {

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // In place on every rank: data = Σ over ranks, added as a balanced binary tree over rank
  // order (size() a power of two). Bandwidth of a ring all-reduce: each rank sends and
  // receives 2 (N - 1) / N × n floats (a reduce-scatter by all-to-all, its chunk summed by
  // the owner in tree order, then an all-gather).
  virtual void sum_tree(float* data, int64_t n) = 0;
  // all[r * count + i] = rank r's mine[i], on every rank.
  virtual void all_gather(const float* mine, int count, float* all) = 0;
  // Rank 0's bytes to every rank.
  virtual void broadcast(void* data, size_t bytes) = 0;
  // True on every rank when flag is true on any.
  virtual bool any(bool flag) = 0;
  // Ends every rank of the job now (a failure the others cannot learn of otherwise).
  [[noreturn]] virtual void abort(int code) = 0;
  // "Open MPI v4.1.4, ..." or "" for the single-process communicator.
  virtual std::string library() const = 0;
};

// A failure during setup that every rank learned of (agree()): the rank that says it
// throws SetupFailed with the message, the others PeerFailed; all can exit normally.
class SetupFailed : public ModelError {
 public:
  using ModelError::ModelError;
};
class PeerFailed : public ModelError {
 public:
  using ModelError::ModelError;
};

// Runs setup on every rank, then lets every rank learn whether any failed, so that no
// rank is left waiting in a collective for one that gave up. The failed rank that speaks
// — rank 0 when it failed, else each failed rank — throws SetupFailed with its error's
// message; the rest throw PeerFailed. A mistake every rank makes is thus said once.
void agree(Communicator& comm, const std::function<void()>& setup);

// One process, no communication.
std::unique_ptr<Communicator> single_process();

// MPI's world when a launcher started this process and primer was built with MPI;
// single_process() otherwise. Throws ModelError when the environment says several tasks
// were started but they cannot be joined (srun without --mpi, or a build without MPI).
std::unique_ptr<Communicator> start_ranks();

// Whether this binary was built with MPI, and its library version ("" without).
std::string mpi_library_version();

// Ranks started on this node by the launcher (OMPI_COMM_WORLD_LOCAL_SIZE,
// SLURM_NTASKS_PER_NODE, ...); 1 when unknown.
int local_ranks();
// The threads a rank uses when not told: SLURM_CPUS_PER_TASK when Slurm set it, else the
// cores this process may use divided among the ranks on its node (at least 1).
int default_threads_per_rank(int cores);

}  // namespace primer::model
