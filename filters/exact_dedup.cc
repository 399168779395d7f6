// kind = "exact_dedup": drop "duplicate" when the normalised text (ASCII lower case,
// whitespace runs collapsed, ends trimmed) has the same 128-bit XXH3 hash as an earlier
// document's. The first occurrence in prompt order is kept.
//
// Memory: 16 bytes per kept document (plus hash-set overhead).
#include <xxhash.h>

#include <cstring>
#include <unordered_set>

#include "filters/kinds.h"

namespace primer::filters {
namespace {

struct Hash128 {
  uint64_t lo, hi;
  bool operator==(const Hash128&) const = default;
};
struct Hash128Hasher {
  size_t operator()(const Hash128& h) const { return static_cast<size_t>(h.lo); }
};

class ExactDedupFilter final : public OrderedFilter {
 public:
  explicit ExactDedupFilter(bool journal) : journal_(journal) {}
  std::string_view name() const override { return "exact_dedup"; }
  std::vector<std::string_view> reasons() const override { return {"duplicate"}; }

  FilterKey key(const Doc& doc) const override {
    // Branch-free: every byte writes a space and its lower-case form, and the cursor
    // moves past what is kept (the text never grows, so text + 1 bytes suffice).
    thread_local std::string norm;
    const std::string_view text = doc.text();
    norm.resize(text.size() + 1);
    char* const begin = norm.data();
    char* out = begin;
    bool space = false;  // whitespace seen after a kept byte
    constexpr uint64_t kWhitespace = (1ull << ' ') | (1ull << '\n') | (1ull << '\t') | (1ull << '\r');
    for (const char ch : text) {
      const auto c = static_cast<unsigned char>(ch);
      const bool ws = c <= ' ' && ((kWhitespace >> c) & 1);
      *out = ' ';
      out += space & !ws;
      *out = static_cast<char>(c + 32 * (static_cast<unsigned char>(c - 'A') < 26));
      out += !ws;
      space = ws & (out != begin);
    }
    const XXH128_hash_t h = XXH3_128bits(begin, static_cast<size_t>(out - begin));
    FilterKey k;
    k.hash[0] = h.low64;
    k.hash[1] = h.high64;
    return k;
  }

  Verdict admit(const FilterKey& key) override {
    const Hash128 h{key.hash[0], key.hash[1]};
    if (!seen_.insert(h).second) return Verdict::Drop("duplicate");
    if (journal_) delta_.push_back(h);
    return Verdict::Keep();
  }

  std::string take_state_delta() override {
    std::string out(delta_.size() * sizeof(Hash128), '\0');
    if (!delta_.empty()) std::memcpy(out.data(), delta_.data(), out.size());
    delta_.clear();
    return out;
  }

  void restore_state_delta(std::string_view delta) override {
    if (delta.size() % sizeof(Hash128) != 0)
      throw std::runtime_error("exact_dedup state is corrupt (size not a multiple of 16)");
    for (size_t off = 0; off < delta.size(); off += sizeof(Hash128)) {
      Hash128 h;
      std::memcpy(&h, delta.data() + off, sizeof h);
      seen_.insert(h);
    }
  }

 private:
  std::unordered_set<Hash128, Hash128Hasher> seen_;
  std::vector<Hash128> delta_;
  bool journal_;
};

}  // namespace

std::unique_ptr<Filter> make_exact_dedup_filter(FilterSettings&, const FilterContext& ctx) {
  return std::make_unique<ExactDedupFilter>(ctx.journal);
}

}  // namespace primer::filters
