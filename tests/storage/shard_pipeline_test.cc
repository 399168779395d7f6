// The shard writer's compressor thread (issue 24): the bytes are those of a writer that
// compresses inline, on the caller's thread, as the writer did before the thread
// existed, for every zstd_workers; a shard under one chunk starts no thread; and the
// manifest records the compression that was used.
#include <doctest/doctest.h>

#include <zstd.h>

#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "storage/files.h"
#include "storage/manifest.h"
#include "storage/sha256.h"
#include "storage/shard.h"
#include "tests/storage/record_lines.h"
#include "tests/support/testing.h"

namespace fs = std::filesystem;
using namespace primer::storage;
using primer::storage::testing::record;
using primer::testing::TempDir;

namespace {

// The reference: the pre-thread writer, inline. Lines gathered until a chunk reaches
// 1 MB, each chunk handed to zstd with ZSTD_e_continue, the rest with ZSTD_e_end.
std::string inline_shard(uint64_t n, int level, int workers) {
  ZSTD_CCtx* c = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
  if (workers > 0) ZSTD_CCtx_setParameter(c, ZSTD_c_nbWorkers, workers);
  std::string file, pending;
  std::vector<char> out(ZSTD_CStreamOutSize());
  auto compress = [&](bool end) {
    ZSTD_inBuffer in{pending.data(), pending.size(), 0};
    for (;;) {
      ZSTD_outBuffer o{out.data(), out.size(), 0};
      const size_t left = ZSTD_compressStream2(c, &o, &in, end ? ZSTD_e_end : ZSTD_e_continue);
      REQUIRE(!ZSTD_isError(left));
      file.append(out.data(), o.pos);
      if (end ? left == 0 : in.pos == in.size) break;
    }
    pending.clear();
  };
  for (uint64_t i = 0; i < n; ++i) {
    pending += record(i);
    pending += '\n';
    if (pending.size() >= (1u << 20)) compress(false);
  }
  compress(true);
  ZSTD_freeCCtx(c);
  return file;
}

std::string threaded_shard(const fs::path& path, uint64_t n, const ShardOptions& o, ShardInfo* info = nullptr) {
  ShardWriter w(path, o);
  for (uint64_t i = 0; i < n; ++i) w.append(record(i));
  const ShardInfo got = w.finish();
  if (info) *info = got;
  return primer::testing::read_file(path);
}

}  // namespace

TEST_CASE("shard writer: the compressor thread writes the bytes of an inline writer") {
  TempDir dir;
  // ~9 MB: nine chunks through the thread's queue (it holds three), several zstd jobs.
  const uint64_t n = 30000;
  for (int workers : {0, 1, 2, 4}) {
    CAPTURE(workers);
    ShardInfo info;
    std::string name = std::to_string(workers);
    name += "-workers.jsonl.zst";
    const std::string got = threaded_shard(dir / name, n, {3, workers}, &info);
    const std::string want = inline_shard(n, 3, workers);
    CHECK(got.size() > (1u << 20));
    CHECK(got == want);
    CHECK(info.bytes == got.size());
    CHECK(info.sha256 == sha256_hex(want));
    CHECK(info.records == n);
  }
  // Level 1 as well, and a shard of just over one chunk (one chunk queued, then the end).
  CHECK(threaded_shard(dir / "l1.jsonl.zst", 5000, {1, 0}) == inline_shard(5000, 1, 0));
  uint64_t one_chunk = 0;
  for (uint64_t bytes = 0; bytes < (1u << 20); ++one_chunk) bytes += record(one_chunk).size() + 1;
  CHECK(threaded_shard(dir / "c1.jsonl.zst", one_chunk, {3, 0}) == inline_shard(one_chunk, 3, 0));
  CHECK(threaded_shard(dir / "c2.jsonl.zst", one_chunk + 1, {3, 2}) == inline_shard(one_chunk + 1, 3, 2));
}

TEST_CASE("shard writer: abandoned with chunks in flight, it leaves no file") {
  TempDir dir;
  {
    ShardWriter w(dir / "gone.jsonl.zst", ShardOptions{3, 0});
    for (uint64_t i = 0; i < 20000; ++i) w.append(record(i));
  }  // no finish(): the thread is stopped, the temporary removed
  CHECK(!fs::exists(dir / "gone.jsonl.zst"));
  CHECK(fs::is_empty(dir.path()));
}

TEST_CASE("auto zstd workers: always > 0, so its bytes do not depend on the machine") {
  const int w = auto_zstd_workers();
  CHECK(w >= 1);
  CHECK(w <= 8);
  TempDir dir;
  CHECK(threaded_shard(dir / "a.jsonl.zst", 20000, {3, w}) == threaded_shard(dir / "b.jsonl.zst", 20000, {3, 1}));
}

TEST_CASE("manifest: the compression used, read back") {
  Manifest m;
  m.compression = CompressionInfo{5, 2, true};
  const std::string json = m.to_json();
  CHECK(json.find("\"zstd_workers_from\": \"auto\"") != std::string::npos);
  const Manifest back = Manifest::parse(json, "test");
  REQUIRE(back.compression);
  CHECK(back.compression->zstd_level == 5);
  CHECK(back.compression->zstd_workers == 2);
  CHECK(back.compression->workers_auto);
  Manifest old;  // a manifest from before the field: none read back
  CHECK(!Manifest::parse(old.to_json(), "old").compression);
}
