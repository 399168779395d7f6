#include "storage/tokens.h"

#include <bit>
#include <cstring>
#include <fstream>
#include <sstream>

#include "storage/sha256.h"

static_assert(std::endian::native == std::endian::little, "token shards are little-endian; add byte swapping");

namespace primer::storage {

namespace {

constexpr size_t kTokenizerFlagSlot = 3, kTokenizerHashSlot = 4;  // header ints

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

TokenShardWriter::TokenShardWriter(std::filesystem::path path, const std::string& tokenizer_sha256)
    : file_(std::move(path)), tokenizer_sha256_(tokenizer_sha256) {
  if (!tokenizer_sha256_.empty()) {
    bool hex = tokenizer_sha256_.size() == 64;
    for (char c : tokenizer_sha256_) hex &= hex_value(c) >= 0;
    if (!hex) throw StorageError("internal error: '" + tokenizer_sha256_ + "' is not a sha256 in hex");
  }
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
  if (!tokenizer_sha256_.empty()) {
    header[kTokenizerFlagSlot] = 1;
    unsigned char digest[32];
    for (size_t i = 0; i < 32; ++i)
      digest[i] = static_cast<unsigned char>(hex_value(tokenizer_sha256_[2 * i]) * 16 +
                                             hex_value(tokenizer_sha256_[2 * i + 1]));
    std::memcpy(header + kTokenizerHashSlot, digest, sizeof digest);
  }
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

// `size`: the whole file's bytes, header included.
TokenShardHeader check_header(std::istream& in, uint64_t size, const std::filesystem::path& path) {
  const std::string hint = "; re-create it with 'primer tokenizer encode --data DIR'";
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
  const uint64_t want = kTokenHeaderBytes + 2 * count;
  if (size != want)
    throw StorageError(path.string() + (size < want ? " is truncated" : " has trailing bytes") + ": header says " +
                       std::to_string(count) + " tokens (" + std::to_string(want) + " bytes), the file has " +
                       std::to_string(size) + " bytes" + hint);
  TokenShardHeader h;
  h.tokens = count;
  if (header[kTokenizerFlagSlot] == 1) {
    unsigned char digest[32];
    std::memcpy(digest, header + kTokenizerHashSlot, sizeof digest);
    static const char* kHex = "0123456789abcdef";
    for (unsigned char b : digest) h.tokenizer_sha256 += {kHex[b >> 4], kHex[b & 15]};
  }
  return h;
}

std::ifstream open_shard(const std::filesystem::path& path, uint64_t& size) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw StorageError("cannot read token shard " + path.string());
  std::error_code ec;
  size = std::filesystem::file_size(path, ec);
  if (ec) throw StorageError("cannot stat " + path.string() + ": " + ec.message());
  return in;
}

}  // namespace

TokenShardHeader read_token_header(const std::filesystem::path& path) {
  uint64_t size = 0;
  std::ifstream in = open_shard(path, size);
  return check_header(in, size, path);
}

uint64_t read_token_count(const std::filesystem::path& path) { return read_token_header(path).tokens; }

void check_token_tokenizer(const std::filesystem::path& path, const TokenShardHeader& header,
                           const std::string& tokenizer_sha256) {
  if (header.tokenizer_sha256.empty() || tokenizer_sha256.empty() || header.tokenizer_sha256 == tokenizer_sha256)
    return;
  const std::filesystem::path tokens = path.parent_path();
  const std::string dir =
      tokens.filename() == "tokens" && !tokens.parent_path().empty() ? tokens.parent_path().string() : "DIR";
  throw StorageError(path.string() + " was encoded with another tokenizer (sha256 " +
                     header.tokenizer_sha256.substr(0, 12) + "…) than " + dir + "/tokenizer.model (" +
                     tokenizer_sha256.substr(0, 12) +
                     "…): it is stale; re-create the token shards with 'primer "
                     "tokenizer encode --data " +
                     dir + "'");
}

std::vector<uint16_t> read_token_shard(const std::filesystem::path& path) {
  uint64_t size = 0;
  std::ifstream in = open_shard(path, size);
  const uint64_t count = check_header(in, size, path).tokens;
  std::vector<uint16_t> tokens(count);
  in.read(reinterpret_cast<char*>(tokens.data()), static_cast<std::streamsize>(2 * count));
  if (static_cast<uint64_t>(in.gcount()) != 2 * count) throw StorageError("cannot read " + path.string());
  return tokens;
}

std::vector<uint16_t> parse_token_shard(std::string_view bytes, const std::filesystem::path& origin) {
  std::istringstream in{std::string(bytes)};
  const uint64_t count = check_header(in, bytes.size(), origin).tokens;
  std::vector<uint16_t> tokens(count);
  if (count) std::memcpy(tokens.data(), bytes.data() + kTokenHeaderBytes, 2 * count);
  return tokens;
}

}  // namespace primer::storage
