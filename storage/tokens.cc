#include "storage/tokens.h"

#include <bit>
#include <cstring>
#include <fstream>

#include "storage/sha256.h"

static_assert(std::endian::native == std::endian::little, "token shards are little-endian; add byte swapping");

namespace primer::storage {

TokenShardWriter::TokenShardWriter(std::filesystem::path path) : file_(std::move(path)) {
  file_.write(std::string(kTokenHeaderBytes, '\0'));  // placeholder until finish()
  buffer_.reserve(1 << 20);
}

TokenShardWriter::~TokenShardWriter() = default;

void TokenShardWriter::append_document(std::span<const uint16_t> tokens) {
  if (tokens_ + tokens.size() > kMaxTokensPerShard)
    throw StorageError(file_.path().string() + ": more than 2^31-1 tokens in one shard (the llm.c header's limit)");
  buffer_.append(reinterpret_cast<const char*>(tokens.data()), tokens.size_bytes());
  tokens_ += tokens.size();
  ++documents_;
  if (buffer_.size() >= (1 << 20)) {
    file_.write(buffer_);
    buffer_.clear();
  }
}

TokenShardInfo TokenShardWriter::finish() {
  file_.write(buffer_);
  buffer_.clear();
  int32_t header[kTokenHeaderInts] = {};
  header[0] = kTokenMagic;
  header[1] = kTokenVersion;
  header[2] = static_cast<int32_t>(tokens_);
  file_.write_at(0, std::string_view(reinterpret_cast<const char*>(header), sizeof header));
  file_.commit();
  TokenShardInfo info;
  info.path = file_.path().filename().string();
  info.documents = documents_;
  info.tokens = tokens_;
  info.bytes = file_.bytes_written();
  info.sha256 = sha256_file(file_.path());
  return info;
}

namespace {

uint64_t check_header(std::ifstream& in, const std::filesystem::path& path) {
  const std::string hint = "; re-create it with 'primer tokenizer encode --data DIR'";
  if (!in) throw StorageError("cannot read token shard " + path.string());
  int32_t header[kTokenHeaderInts];
  in.read(reinterpret_cast<char*>(header), sizeof header);
  if (in.gcount() != static_cast<std::streamsize>(sizeof header))
    throw StorageError(path.string() + " is not a token shard: shorter than its 1024-byte header" + hint);
  if (header[0] != kTokenMagic)
    throw StorageError(path.string() + " is not a token shard: magic " + std::to_string(header[0]) + ", expected " +
                       std::to_string(kTokenMagic) + hint);
  if (header[1] != kTokenVersion)
    throw StorageError(path.string() + ": token shard version " + std::to_string(header[1]) +
                       " is not supported (expected " + std::to_string(kTokenVersion) + ")" + hint);
  if (header[2] < 0) throw StorageError(path.string() + ": negative token count in the header" + hint);
  const uint64_t count = static_cast<uint64_t>(header[2]);
  std::error_code ec;
  const uint64_t size = std::filesystem::file_size(path, ec);
  if (ec) throw StorageError("cannot stat " + path.string() + ": " + ec.message());
  const uint64_t want = kTokenHeaderBytes + 2 * count;
  if (size != want)
    throw StorageError(path.string() + (size < want ? " is truncated" : " has trailing bytes") + ": header says " +
                       std::to_string(count) + " tokens (" + std::to_string(want) + " bytes), the file has " +
                       std::to_string(size) + " bytes" + hint);
  return count;
}

}  // namespace

uint64_t read_token_count(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return check_header(in, path);
}

std::vector<uint16_t> read_token_shard(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  const uint64_t count = check_header(in, path);
  std::vector<uint16_t> tokens(count);
  in.read(reinterpret_cast<char*>(tokens.data()), static_cast<std::streamsize>(2 * count));
  if (static_cast<uint64_t>(in.gcount()) != 2 * count) throw StorageError("cannot read " + path.string());
  return tokens;
}

}  // namespace primer::storage
