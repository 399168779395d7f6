// The MPI communicator (built only with PRIMER_WITH_MPI). Collectives are plain MPI-1/3
// calls on MPI_COMM_WORLD from the thread that created it.
#include <mpi.h>

#include <algorithm>
#include <cstdio>
#include <vector>

#include <fmt/format.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include "model/config.h"
#include "model/distributed.h"

namespace primer::model {

namespace {

void check(int rc, const char* what) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, text, &len);
  throw ModelError(fmt::format("MPI {} failed: {}", what, std::string(text, len)));
}

class MpiWorld final : public Communicator {
 public:
  MpiWorld() {
    int provided = 0;
    check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "initialisation");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
  }
  ~MpiWorld() override { MPI_Finalize(); }

  int rank() const override { return rank_; }
  int size() const override { return size_; }

  void sum_tree(float* data, int64_t n) override {
    if (size_ == 1) return;
    // Rank r owns chunk r; every rank sends it its copy of that chunk.
    std::vector<int> counts(size_), displs(size_);
    for (int r = 0; r < size_; ++r) {
      const int64_t begin = n * r / size_, end = n * (r + 1) / size_;
      counts[r] = static_cast<int>(end - begin), displs[r] = static_cast<int>(begin);
    }
    const int mine = counts[rank_];
    recv_.resize(static_cast<size_t>(mine) * size_);
    std::vector<int> recv_counts(size_, mine), recv_displs(size_);
    for (int r = 0; r < size_; ++r) recv_displs[r] = r * mine;
    check(MPI_Alltoallv(data, counts.data(), displs.data(), MPI_FLOAT, recv_.data(), recv_counts.data(),
                        recv_displs.data(), MPI_FLOAT, MPI_COMM_WORLD),
          "all-to-all");
    // ((r0 + r1) + (r2 + r3)) + ...: the tree the trainer's micro-batch sum continues.
    float* base = recv_.data();
    tbb::parallel_for(tbb::blocked_range<int64_t>(0, mine, 1 << 14), [&](const tbb::blocked_range<int64_t>& range) {
      for (int stride = 1; stride < size_; stride *= 2)
        for (int r = 0; r + stride < size_; r += 2 * stride) {
          float* a = base + static_cast<int64_t>(r) * mine;
          const float* b = base + static_cast<int64_t>(r + stride) * mine;
          for (int64_t i = range.begin(); i < range.end(); ++i) a[i] += b[i];
        }
    });
    check(MPI_Allgatherv(base, mine, MPI_FLOAT, data, counts.data(), displs.data(), MPI_FLOAT, MPI_COMM_WORLD),
          "all-gather");
  }

  void all_gather(const float* mine, int count, float* all) override {
    check(MPI_Allgather(mine, count, MPI_FLOAT, all, count, MPI_FLOAT, MPI_COMM_WORLD), "all-gather");
  }

  void broadcast(void* data, size_t bytes) override {
    constexpr size_t kPiece = size_t{1} << 30;  // MPI counts are int
    for (size_t at = 0; at < bytes; at += kPiece)
      check(MPI_Bcast(static_cast<char*>(data) + at, static_cast<int>(std::min(kPiece, bytes - at)), MPI_BYTE, 0,
                      MPI_COMM_WORLD),
            "broadcast");
  }

  bool any(bool flag) override {
    int in = flag ? 1 : 0, out = 0;
    check(MPI_Allreduce(&in, &out, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD), "all-reduce");
    return out != 0;
  }

  [[noreturn]] void abort(int code) override {
    std::fflush(stdout);
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, code);
    std::_Exit(code);
  }

  std::string library() const override { return mpi_library_version(); }

 private:
  int rank_ = 0, size_ = 1;
  std::vector<float> recv_;
};

}  // namespace

std::unique_ptr<Communicator> mpi_world() { return std::make_unique<MpiWorld>(); }

std::string mpi_library_version() {
  char text[MPI_MAX_LIBRARY_VERSION_STRING];
  int len = 0;
  MPI_Get_library_version(text, &len);
  std::string s(text, len);
  if (const auto comma = s.find(','); comma != std::string::npos) s.resize(comma);  // "Open MPI v4.1.4"
  return s;
}

}  // namespace primer::model
