#include "storage/shard.h"

#include <zstd.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <fstream>
#include <initializer_list>
#include <mutex>
#include <thread>
#include <vector>

#include "base/thread_name.h"
#include "storage/sha256.h"

namespace primer::storage {

namespace {
constexpr size_t kChunk = 1 << 20;  // lines are handed to zstd in chunks of at least this
constexpr size_t kQueued = 3;       // chunks waiting for the compressor at most
}  // namespace

// The compressor thread: chunks of lines go through a bounded queue to one thread that
// calls zstd, hashes and writes. It sees the same chunks, in the same order, with the
// same ZSTD_e_continue / ZSTD_e_end as a caller compressing inline would, so the bytes do
// not depend on whether or when it runs. It starts with the first full chunk: a shard
// under kChunk (a journal piece, a small shard) is compressed inline by finish().
struct ShardWriter::Impl {
  AtomicFile file;
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  Sha256 sha;
  std::string pending;  // uncompressed lines not yet handed to zstd
  std::vector<char> out = std::vector<char>(ZSTD_CStreamOutSize());

  // Shared with the compressor thread (under mu).
  std::mutex mu;
  std::condition_variable changed;
  std::deque<std::string> queue;   // chunks to compress, in order
  std::vector<std::string> spare;  // emptied chunk buffers, reused
  bool busy = false;               // the thread holds a chunk
  bool end = false;                // the last chunk is queued: end the frame after it
  bool quit = false;               // abandon (destructor)
  std::exception_ptr error;        // the thread's failure, rethrown to the caller
  std::thread thread;

  explicit Impl(std::filesystem::path p) : file(std::move(p)) {}
  ~Impl() { ZSTD_freeCCtx(cctx); }
  // Abandons what is queued (an unfinished shard is discarded anyway) and joins.
  void stop() {
    if (!thread.joinable()) return;
    {
      std::lock_guard lock(mu);
      quit = true;
    }
    changed.notify_all();
    thread.join();
  }
};

int auto_zstd_workers() {
  const unsigned cores = std::thread::hardware_concurrency();
  return static_cast<int>(std::clamp(cores, 1u, 8u));
}

ShardWriter::ShardWriter(std::filesystem::path path, int zstd_level)
    : ShardWriter(std::move(path), ShardOptions{zstd_level, 0}) {}

ShardWriter::ShardWriter(std::filesystem::path path, const ShardOptions& options)
    : impl_(std::make_unique<Impl>(std::move(path))) {
  auto set = [&](ZSTD_cParameter p, int v, const char* what) {
    const size_t r = ZSTD_CCtx_setParameter(impl_->cctx, p, v);
    if (ZSTD_isError(r))
      throw StorageError(std::string("zstd rejected ") + what + " = " + std::to_string(v) + " for " +
                         impl_->file.path().string() + ": " + ZSTD_getErrorName(r));
  };
  set(ZSTD_c_compressionLevel, options.zstd_level, "level");
  set(ZSTD_c_checksumFlag, 1, "checksum");
  if (options.zstd_workers < 0)
    throw StorageError("zstd workers = " + std::to_string(options.zstd_workers) + " for " +
                       impl_->file.path().string() + ": use 0 (single-threaded) or more");
  if (options.zstd_workers > 0) set(ZSTD_c_nbWorkers, options.zstd_workers, "workers");
  impl_->pending.reserve(kChunk + (64 << 10));
}

ShardWriter::~ShardWriter() { impl_->stop(); }

void ShardWriter::compress_loop() {
  Impl& m = *impl_;
  for (;;) {
    std::string chunk;
    bool last = false;
    {
      std::unique_lock lock(m.mu);
      m.changed.wait(lock, [&] { return m.quit || !m.queue.empty(); });
      if (m.quit) return;
      chunk = std::move(m.queue.front());
      m.queue.pop_front();
      last = m.end && m.queue.empty();
      m.busy = true;
    }
    m.changed.notify_all();  // room in the queue
    try {
      compress(chunk, last);
    } catch (...) {
      std::lock_guard lock(m.mu);
      m.error = std::current_exception();
      m.busy = false;
      m.queue.clear();
      m.changed.notify_all();
      return;
    }
    chunk.clear();
    {
      std::lock_guard lock(m.mu);
      m.busy = false;
      m.spare.push_back(std::move(chunk));
    }
    m.changed.notify_all();
    if (last) return;
  }
}

// Hands the pending chunk to the compressor thread (started on first use), waiting while
// the queue is full.
void ShardWriter::submit(bool end) {
  Impl& m = *impl_;
  if (!m.thread.joinable())
    m.thread = std::thread([this] {
      base::name_this_thread("primer-zstd");
      compress_loop();
    });
  std::string next;
  {
    std::unique_lock lock(m.mu);
    m.changed.wait(lock, [&] { return m.error || m.queue.size() < kQueued; });
    if (m.error) std::rethrow_exception(m.error);
    m.queue.push_back(std::move(m.pending));
    m.end = end;
    if (!m.spare.empty()) {
      next = std::move(m.spare.back());
      m.spare.pop_back();
    }
  }
  m.changed.notify_all();
  m.pending = std::move(next);
  m.pending.clear();
  if (m.pending.capacity() < kChunk) m.pending.reserve(kChunk + (64 << 10));
}

void ShardWriter::compress(std::string_view in, bool end) {
  ZSTD_inBuffer input{in.data(), in.size(), 0};
  for (;;) {
    ZSTD_outBuffer output{impl_->out.data(), impl_->out.size(), 0};
    const size_t left = ZSTD_compressStream2(impl_->cctx, &output, &input, end ? ZSTD_e_end : ZSTD_e_continue);
    if (ZSTD_isError(left))
      throw StorageError("zstd compression failed for " + impl_->file.path().string() + ": " + ZSTD_getErrorName(left));
    const std::string_view chunk(impl_->out.data(), output.pos);
    impl_->sha.update(chunk);
    impl_->file.write(chunk);
    if (end ? left == 0 : input.pos == input.size) break;
  }
}

void ShardWriter::append(std::string_view line) {
  impl_->pending.append(line);
  impl_->pending.push_back('\n');
  ++records_;
  uncompressed_ += line.size() + 1;
  if (impl_->pending.size() >= kChunk) {
    submit(false);
  }
}

ShardInfo ShardWriter::finish() {
  Impl& m = *impl_;
  if (m.thread.joinable()) {
    submit(true);
    {
      std::unique_lock lock(m.mu);
      m.changed.wait(lock, [&] { return m.error || (m.queue.empty() && !m.busy); });
    }
    m.thread.join();
    if (m.error) std::rethrow_exception(m.error);
  } else {
    compress(m.pending, true);
  }
  m.pending.clear();
  m.file.commit();
  ShardInfo info;
  info.path = impl_->file.path().filename().string();
  info.records = records_;
  info.bytes = impl_->file.bytes_written();
  info.sha256 = impl_->sha.hex();
  return info;
}

void read_lines(const std::filesystem::path& path, const std::function<void(std::string_view)>& fn,
                const std::function<void(std::string_view)>& raw) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw StorageError("cannot read " + path.string());
  read_lines(in, path.string(), fn, raw);
}

void read_lines(std::istream& in, const std::string& name, const std::function<void(std::string_view)>& fn,
                const std::function<void(std::string_view)>& raw) {
  // The first bytes decide, not the name: a zstd file named .jsonl is still zstd.
  unsigned char magic[6] = {};
  in.read(reinterpret_cast<char*>(magic), sizeof magic);
  const size_t got = static_cast<size_t>(in.gcount());
  in.clear();
  in.seekg(0);
  auto starts = [&](std::initializer_list<unsigned char> m) {
    return got >= m.size() && std::equal(m.begin(), m.end(), magic);
  };
  const bool zst = starts({0x28, 0xB5, 0x2F, 0xFD}) ||                                               // a zstd frame
                   (got >= 4 && (magic[0] & 0xF0) == 0x50 && starts({magic[0], 0x2A, 0x4D, 0x18}));  // skippable
  const char* other = starts({0x1F, 0x8B})                       ? "gzip (gunzip it)"
                      : starts({'B', 'Z', 'h'})                  ? "bzip2 (bunzip2 it)"
                      : starts({0xFD, '7', 'z', 'X', 'Z', 0x00}) ? "xz (unxz it)"
                      : starts({0x04, 0x22, 0x4D, 0x18})         ? "lz4 (lz4 -d it)"
                                                                 : nullptr;
  if (other)
    throw StorageError(name + " is compressed with " + other + "; primer reads plain or zstd-compressed JSON Lines");
  // Lines are delivered without "\n", without a "\r" before it (CRLF files) and, for the
  // first, without a UTF-8 byte order mark.
  std::vector<char> inbuf(zst ? ZSTD_DStreamInSize() : (1 << 20));
  std::vector<char> outbuf(ZSTD_DStreamOutSize());
  std::string carry;
  bool first = true;
  uint64_t lines = 0;
  auto deliver = [&](std::string_view line) {
    ++lines;
    if (first) {
      first = false;
      if (line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);
    }
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    fn(line);
  };
  auto emit = [&](const char* data, size_t n) {
    size_t start = 0;
    for (const char* nl; (nl = static_cast<const char*>(std::memchr(data + start, '\n', n - start)));) {
      const size_t i = static_cast<size_t>(nl - data);
      if (carry.empty()) {
        deliver(std::string_view(data + start, i - start));
      } else {
        carry.append(data + start, i - start);
        deliver(carry);
        carry.clear();
      }
      start = i + 1;
    }
    if (carry.size() + (n - start) > kMaxLineBytes)
      throw StorageError(name + ": line " + std::to_string(lines + 1) + " runs past " +
                         std::to_string(kMaxLineBytes >> 20) + " MiB without a newline (not JSON Lines?)");
    carry.append(data + start, n - start);
  };
  auto read_some = [&] {
    in.read(inbuf.data(), static_cast<std::streamsize>(inbuf.size()));
    const auto n = static_cast<size_t>(in.gcount());
    if (raw && n) raw(std::string_view(inbuf.data(), n));
    return n;
  };
  if (!zst) {
    while (in) {
      const size_t n = read_some();
      emit(inbuf.data(), n);
    }
  } else {
    ZSTD_DCtx* dctx = ZSTD_createDCtx();
    struct Free {
      ZSTD_DCtx* d;
      ~Free() { ZSTD_freeDCtx(d); }
    } guard{dctx};
    size_t last = 0;  // 0 once a frame has been completely decoded
    bool any = false;
    while (in) {
      ZSTD_inBuffer input{inbuf.data(), read_some(), 0};
      any = any || input.size > 0;
      while (input.pos < input.size) {
        ZSTD_outBuffer output{outbuf.data(), outbuf.size(), 0};
        last = ZSTD_decompressStream(dctx, &output, &input);
        if (ZSTD_isError(last)) throw StorageError(name + " is corrupt: " + ZSTD_getErrorName(last));
        emit(outbuf.data(), output.pos);
      }
    }
    // Flush whatever the decoder still holds.
    for (;;) {
      ZSTD_inBuffer input{nullptr, 0, 0};
      ZSTD_outBuffer output{outbuf.data(), outbuf.size(), 0};
      const size_t r = ZSTD_decompressStream(dctx, &output, &input);
      if (ZSTD_isError(r)) throw StorageError(name + " is corrupt: " + ZSTD_getErrorName(r));
      emit(outbuf.data(), output.pos);
      if (output.pos < output.size) break;
      last = r;
    }
    if (any && last != 0) throw StorageError(name + " is truncated (the zstd stream ends mid-frame)");
  }
  if (!carry.empty()) deliver(carry);
}

}  // namespace primer::storage
