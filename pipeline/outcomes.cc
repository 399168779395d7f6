#include "pipeline/outcomes.h"

#include <cstring>
#include <stdexcept>

#include "storage/files.h"

namespace primer::pipeline {
namespace {

constexpr uint32_t kMagic = 0x4F545250;  // "PRTO"
constexpr uint32_t kVersion = 1;
constexpr size_t kHeaderBytes = 16;

enum : uint8_t { kFailed = 1, kCandidate = 2, kValidation = 4 };

template <typename T>
void put(std::string& out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out.append(b, sizeof(T));
}

// Reads fixed-size values from a byte range; any read past the end marks the input bad.
class Cursor {
 public:
  explicit Cursor(std::string_view bytes) : rest_(bytes) {}
  template <typename T>
  T get() {
    T v{};
    if (rest_.size() < sizeof(T)) {
      bad_ = true;
      rest_ = {};
      return v;
    }
    std::memcpy(&v, rest_.data(), sizeof(T));
    rest_.remove_prefix(sizeof(T));
    return v;
  }
  std::string_view bytes(size_t n) {
    if (rest_.size() < n) {
      bad_ = true;
      rest_ = {};
      return {};
    }
    std::string_view s = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return s;
  }
  // How many more items of `size` bytes could be in the input (to bound allocations).
  size_t room(size_t size) const { return rest_.size() / size; }
  bool bad() const { return bad_; }
  bool done() const { return rest_.empty(); }

 private:
  std::string_view rest_;
  bool bad_ = false;
};

}  // namespace

void append_outcome(std::string& out, const PromptOutcome& o) {
  put<uint64_t>(out, o.index);
  put<uint8_t>(out, static_cast<uint8_t>((o.failed ? kFailed : 0) | (o.candidate() ? kCandidate : 0) |
                                         (o.validation ? kValidation : 0)));
  put<int32_t>(out, o.prepared.dropped_at);
  const std::string_view reason = o.prepared.reason.substr(0, 0xFFFF);
  put<uint16_t>(out, static_cast<uint16_t>(reason.size()));
  out.append(reason);
  put<uint32_t>(out, o.prompt_tokens);
  put<uint32_t>(out, o.completion_tokens);
  put<double>(out, o.cost_usd);
  put<uint64_t>(out, o.text_bytes);
  put<uint64_t>(out, o.invalid_utf8);
  put<uint32_t>(out, static_cast<uint32_t>(o.prepared.keys.size()));
  for (const auto& k : o.prepared.keys) {
    put<uint64_t>(out, k.hash[0]);
    put<uint64_t>(out, k.hash[1]);
    put<uint32_t>(out, static_cast<uint32_t>(k.extra.size()));
    const size_t at = out.size();
    out.resize(at + k.extra.size() * sizeof(uint64_t));
    if (!k.extra.empty()) std::memcpy(out.data() + at, k.extra.data(), k.extra.size() * sizeof(uint64_t));
  }
}

std::string signature_file(std::string_view records, uint64_t count) {
  std::string out;
  out.reserve(kHeaderBytes + records.size());
  put<uint32_t>(out, kMagic);
  put<uint32_t>(out, kVersion);
  put<uint64_t>(out, count);
  out.append(records);
  return out;
}

std::vector<PromptOutcome> read_signature_file(const std::filesystem::path& path, std::set<std::string>& reasons) {
  const std::string bytes = storage::read_file(path);
  const std::string corrupt = path.string() + " is corrupt; rerun that task (delete its directory first)";
  Cursor c(bytes);
  const uint32_t magic = c.get<uint32_t>(), version = c.get<uint32_t>();
  const uint64_t count = c.get<uint64_t>();
  if (c.bad() || magic != kMagic) throw std::runtime_error(path.string() + " is not a primer signature file");
  if (version != kVersion)
    throw std::runtime_error(path.string() + " has signature version " + std::to_string(version) +
                             ", this primer reads " + std::to_string(kVersion) + "; rerun the tasks with this primer");
  std::vector<PromptOutcome> out;
  if (count > c.room(8)) throw std::runtime_error(corrupt);
  out.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    PromptOutcome o;
    o.index = c.get<uint64_t>();
    const uint8_t flags = c.get<uint8_t>();
    o.failed = flags & kFailed;
    o.validation = flags & kValidation;
    o.prepared.dropped_at = c.get<int32_t>();
    const std::string_view reason = c.bytes(c.get<uint16_t>());
    if (!reason.empty()) o.prepared.reason = *reasons.emplace(reason).first;
    o.prompt_tokens = c.get<uint32_t>();
    o.completion_tokens = c.get<uint32_t>();
    o.cost_usd = c.get<double>();
    o.text_bytes = c.get<uint64_t>();
    o.invalid_utf8 = c.get<uint64_t>();
    const uint32_t keys = c.get<uint32_t>();
    if (keys > c.room(20)) throw std::runtime_error(corrupt);
    o.prepared.keys.resize(keys);
    for (auto& k : o.prepared.keys) {
      k.hash[0] = c.get<uint64_t>();
      k.hash[1] = c.get<uint64_t>();
      const uint32_t n = c.get<uint32_t>();
      if (n > c.room(8)) throw std::runtime_error(corrupt);
      k.extra.resize(n);
      const std::string_view words = c.bytes(n * sizeof(uint64_t));
      if (c.bad()) throw std::runtime_error(corrupt);
      if (n) std::memcpy(k.extra.data(), words.data(), words.size());
    }
    if (c.bad() || bool(flags & kCandidate) != o.candidate()) throw std::runtime_error(corrupt);
    out.push_back(std::move(o));
  }
  if (!c.done()) throw std::runtime_error(corrupt);
  return out;
}

}  // namespace primer::pipeline
