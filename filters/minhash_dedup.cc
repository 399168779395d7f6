// kind = "minhash": near-duplicate removal by MinHash LSH over word n-grams.
//
//   ngram      (5)            words per shingle, after normalize_words() (datatrove's
//                             normalisation: lower case, digit runs → 0, punctuation
//                             removed, accents stripped)
//   bands      (14)           LSH bands ...
//   rows       (8)            ... of this many 64-bit minhashes each (bands × rows ≤ 1024)
//   verify     ("signature")  how a bucket collision is confirmed: "signature" estimates
//                             the Jaccard similarity from the stored minhashes (16 bits of
//                             each, so 2 × bands × rows bytes per kept document); "exact"
//                             computes the true Jaccard of the shingle sets (stores every
//                             kept document's shingle hashes: memory grows with the
//                             corpus); "none" drops on any collision, as datatrove does
//   threshold  (0.7)          Jaccard at or above which a candidate is a duplicate
//   seed       (1)            seeds the hash functions
//   tokens     ("words")      "code": shingles of normalize_code_tokens() instead (code
//                             near-dedup: layout and comments ignored, operators kept)
//   cluster    (true)         union-find clustering in prompt order: every document, kept
//                             or dropped, joins the index, so a document similar to any
//                             member of a group (not only to its kept first member) is
//                             dropped too, and each group keeps its first (lowest-index)
//                             document. false: compare with kept documents only.
//
// Drop reason "near_duplicate": the document is similar to an earlier document of its
// group (with cluster = false: to an earlier kept document).
// key() computes the signature and its band keys in parallel; admit() looks the bands up
// and registers kept documents, serially in prompt order, so the first of each group of
// near-duplicates is kept and the output does not depend on the thread count. (Unlike
// datatrove's union-find over all pairs, a document similar only to a dropped one is
// kept: the kept set has no two near-duplicates, and nothing later changes an earlier
// verdict, which streaming needs.)
//
// The 14 × 8 default detects a pair with probability 1 - (1 - J^8)^14: 0.92 at J = 0.8,
// 0.999 at J = 0.9, 0.05 at J = 0.5 (NOTES.md); verification removes the false
// candidates below the threshold.
//
// Memory: per kept document, `bands` entries of 12 bytes in an open-addressing table
// (load ≤ 1/2) plus 2 × bands × rows bytes of signature ("signature"), about 560 bytes
// at 14 × 8; never the text. Checkpoint deltas hold the band keys and signatures of the
// documents kept since the previous checkpoint (none when FilterContext::journal is off).
#include <immintrin.h>
#define XXH_INLINE_ALL  // the shingle hashes are short: inlined XXH3 (same values), not a call each
#include <xxhash.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <span>
#include <stdexcept>
#include <vector>

#include "base/rng.h"
#include "filters/code_text.h"
#include "filters/kinds.h"
#include "filters/text_norm.h"

namespace primer::filters {
namespace {

enum class Verify : uint8_t { kNone, kSignature, kExact };

// sig[i] = min(sig[i], a[i]·x + b[i] mod 2^64) over all shingles x: the hot loop. The
// AVX-512 version (vpmullq, vpminuq) and the AVX2 one (below; chosen at run time)
// compute exactly the same values 8 and 4 lanes at a time.
using UpdateFn = void (*)(uint64_t*, const uint64_t*, const uint64_t*, size_t, const uint64_t*, size_t);

void update_portable(uint64_t* s, const uint64_t* a, const uint64_t* b, size_t k, const uint64_t* x, size_t n) {
  for (size_t j = 0; j < n; ++j)
    for (size_t i = 0; i < k; ++i) s[i] = std::min(s[i], a[i] * x[j] + b[i]);
}

// _mm512_min_epu64 reads an undefined source register (GCC warns); the masked form
// with every lane selected does not.
__attribute__((target("avx512f"))) inline __m512i min_u64(__m512i x, __m512i y) {
  return _mm512_mask_min_epu64(x, 0xFF, x, y);
}

__attribute__((target("avx512f,avx512dq"))) void update_avx512(uint64_t* s, const uint64_t* a, const uint64_t* b,
                                                               size_t k, const uint64_t* x, size_t n) {
  size_t i = 0;
  for (; i + 32 <= k; i += 32) {  // four vectors of state in registers across all shingles
    __m512i s0 = _mm512_loadu_si512(s + i), s1 = _mm512_loadu_si512(s + i + 8);
    __m512i s2 = _mm512_loadu_si512(s + i + 16), s3 = _mm512_loadu_si512(s + i + 24);
    const __m512i a0 = _mm512_loadu_si512(a + i), a1 = _mm512_loadu_si512(a + i + 8);
    const __m512i a2 = _mm512_loadu_si512(a + i + 16), a3 = _mm512_loadu_si512(a + i + 24);
    const __m512i b0 = _mm512_loadu_si512(b + i), b1 = _mm512_loadu_si512(b + i + 8);
    const __m512i b2 = _mm512_loadu_si512(b + i + 16), b3 = _mm512_loadu_si512(b + i + 24);
    for (size_t j = 0; j < n; ++j) {
      const __m512i v = _mm512_set1_epi64(static_cast<long long>(x[j]));
      s0 = min_u64(s0, _mm512_add_epi64(_mm512_mullo_epi64(a0, v), b0));
      s1 = min_u64(s1, _mm512_add_epi64(_mm512_mullo_epi64(a1, v), b1));
      s2 = min_u64(s2, _mm512_add_epi64(_mm512_mullo_epi64(a2, v), b2));
      s3 = min_u64(s3, _mm512_add_epi64(_mm512_mullo_epi64(a3, v), b3));
    }
    _mm512_storeu_si512(s + i, s0), _mm512_storeu_si512(s + i + 8, s1);
    _mm512_storeu_si512(s + i + 16, s2), _mm512_storeu_si512(s + i + 24, s3);
  }
  for (; i + 8 <= k; i += 8) {
    __m512i s0 = _mm512_loadu_si512(s + i);
    const __m512i a0 = _mm512_loadu_si512(a + i), b0 = _mm512_loadu_si512(b + i);
    for (size_t j = 0; j < n; ++j)
      s0 = min_u64(s0, _mm512_add_epi64(_mm512_mullo_epi64(a0, _mm512_set1_epi64(static_cast<long long>(x[j]))), b0));
    _mm512_storeu_si512(s + i, s0);
  }
  if (i < k) update_portable(s + i, a + i, b + i, k - i, x, n);
}

// AVX2 has neither a 64-bit multiply nor an unsigned 64-bit min. The product mod 2^64 is
// lo(a)·lo(x) + ((hi(a)·lo(x) + lo(a)·hi(x)) << 32), three vpmuludq; the unsigned min is
// a signed min of values with the top bit flipped ("biased": v ^ 2^63), and since
// adding 2^63 mod 2^64 flips the top bit, a·x + b biased is a·x + (b ^ 2^63). The state
// stays biased across all shingles. Same values as update_portable, 4 lanes at a time.
__attribute__((target("avx2"))) inline __m256i mul_add_biased(__m256i a, __m256i a_hi, __m256i b_biased, __m256i x_lo,
                                                              __m256i x_hi) {
  const __m256i cross = _mm256_add_epi64(_mm256_mul_epu32(a_hi, x_lo), _mm256_mul_epu32(a, x_hi));
  return _mm256_add_epi64(_mm256_add_epi64(_mm256_mul_epu32(a, x_lo), _mm256_slli_epi64(cross, 32)), b_biased);
}

__attribute__((target("avx2"))) inline __m256i load(const uint64_t* p) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}

__attribute__((target("avx2"))) inline __m256i min_biased(__m256i s, __m256i v) {
  return _mm256_blendv_epi8(s, v, _mm256_cmpgt_epi64(s, v));
}

__attribute__((target("avx2"))) void update_avx2(uint64_t* s, const uint64_t* a, const uint64_t* b, size_t k,
                                                 const uint64_t* x, size_t n) {
  const __m256i bias = _mm256_set1_epi64x(static_cast<long long>(uint64_t(1) << 63));
  size_t i = 0;
  for (; i + 16 <= k; i += 16) {  // four vectors of state in registers across all shingles
    __m256i s0 = _mm256_xor_si256(load(s + i), bias), s1 = _mm256_xor_si256(load(s + i + 4), bias);
    __m256i s2 = _mm256_xor_si256(load(s + i + 8), bias), s3 = _mm256_xor_si256(load(s + i + 12), bias);
    const __m256i a0 = load(a + i), a1 = load(a + i + 4), a2 = load(a + i + 8), a3 = load(a + i + 12);
    const __m256i h0 = _mm256_srli_epi64(a0, 32), h1 = _mm256_srli_epi64(a1, 32);
    const __m256i h2 = _mm256_srli_epi64(a2, 32), h3 = _mm256_srli_epi64(a3, 32);
    const __m256i b0 = _mm256_xor_si256(load(b + i), bias), b1 = _mm256_xor_si256(load(b + i + 4), bias);
    const __m256i b2 = _mm256_xor_si256(load(b + i + 8), bias), b3 = _mm256_xor_si256(load(b + i + 12), bias);
    for (size_t j = 0; j < n; ++j) {
      const __m256i lo = _mm256_set1_epi64x(static_cast<long long>(x[j]));
      const __m256i hi = _mm256_srli_epi64(lo, 32);
      s0 = min_biased(s0, mul_add_biased(a0, h0, b0, lo, hi));
      s1 = min_biased(s1, mul_add_biased(a1, h1, b1, lo, hi));
      s2 = min_biased(s2, mul_add_biased(a2, h2, b2, lo, hi));
      s3 = min_biased(s3, mul_add_biased(a3, h3, b3, lo, hi));
    }
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(s + i), _mm256_xor_si256(s0, bias));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(s + i + 4), _mm256_xor_si256(s1, bias));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(s + i + 8), _mm256_xor_si256(s2, bias));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(s + i + 12), _mm256_xor_si256(s3, bias));
  }
  for (; i + 4 <= k; i += 4) {
    __m256i s0 = _mm256_xor_si256(load(s + i), bias);
    const __m256i a0 = load(a + i), h0 = _mm256_srli_epi64(a0, 32), b0 = _mm256_xor_si256(load(b + i), bias);
    for (size_t j = 0; j < n; ++j) {
      const __m256i lo = _mm256_set1_epi64x(static_cast<long long>(x[j]));
      s0 = min_biased(s0, mul_add_biased(a0, h0, b0, lo, _mm256_srli_epi64(lo, 32)));
    }
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(s + i), _mm256_xor_si256(s0, bias));
  }
  if (i < k) update_portable(s + i, a + i, b + i, k - i, x, n);
}

UpdateFn choose_update() {
  // PRIMER_KERNELS=portable, or =avx2 (no AVX-512 anywhere, as in the model's kernels).
  const char* env = std::getenv("PRIMER_KERNELS");
  if (env && std::strcmp(env, "portable") == 0) return update_portable;
  __builtin_cpu_init();
  const bool avx2 = __builtin_cpu_supports("avx2");
  if (env && std::strcmp(env, "avx2") == 0) return avx2 ? update_avx2 : update_portable;
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq")) return update_avx512;
  return avx2 ? update_avx2 : update_portable;
}
const UpdateFn kUpdate = choose_update();

// Append-only storage of 64-bit words in 1 MiB chunks: what add() stores is copied once
// (a growing vector copied every signature again at each doubling, in the serial stage)
// and stays where it is. append() returns where the words went.
class WordStore {
 public:
  const uint64_t* append(const uint64_t* words, size_t n) {
    if (used_ + n > capacity_) {
      capacity_ = std::max(kChunkWords, n);
      chunks_.push_back(std::make_unique_for_overwrite<uint64_t[]>(capacity_));
      used_ = 0;
    }
    uint64_t* to = chunks_.back().get() + used_;
    if (n) std::memcpy(to, words, n * sizeof(uint64_t));
    used_ += n;
    return to;
  }

 private:
  static constexpr size_t kChunkWords = (1 << 20) / sizeof(uint64_t);
  std::vector<std::unique_ptr<uint64_t[]>> chunks_;
  size_t used_ = 0, capacity_ = 0;
};

constexpr uint32_t kDeltaMagic = 0x4D484431;  // "MHD1"

// A multimap from 64-bit band keys to kept-document slots: linear probing, equal keys
// stored side by side in the probe sequence. Key 0 marks an empty cell. A cell holds its
// key and slot together (12 bytes), so a probe touches one cache line, not two.
class BandTable {
 public:
  BandTable() { resize(1024); }
  template <typename Fn>
  void for_each(uint64_t key, Fn&& fn) const {
    for (size_t i = key & mask_;; i = (i + 1) & mask_) {
      const uint64_t k = cells_[i].key();
      if (k == 0) return;
      if (k == key) fn(cells_[i].slot);
    }
  }
  // Starts loading the cell where a probe for `key` begins (admit() looks up every band
  // of a document, each probe a likely cache miss: issued together, they overlap).
  void prefetch(uint64_t key) const { __builtin_prefetch(&cells_[key & mask_]); }
  void insert(uint64_t key, uint32_t slot) {
    if (2 * (size_ + 1) > cells_.size()) resize(cells_.size() * 2);
    put(key, slot);
    ++size_;
  }
  size_t bytes() const { return cells_.size() * sizeof(Cell); }

 private:
  struct Cell {
    uint32_t lo = 0, hi = 0, slot = 0;
    uint64_t key() const { return uint64_t(hi) << 32 | lo; }
  };
  void put(uint64_t key, uint32_t slot) {
    size_t i = key & mask_;
    while (cells_[i].key() != 0) i = (i + 1) & mask_;
    cells_[i] = Cell{static_cast<uint32_t>(key), static_cast<uint32_t>(key >> 32), slot};
  }
  void resize(size_t n) {
    std::vector<Cell> cells(n);
    cells.swap(cells_);
    mask_ = n - 1;
    for (const Cell& c : cells)
      if (c.key()) put(c.key(), c.slot);
  }
  std::vector<Cell> cells_;
  size_t mask_ = 0, size_ = 0;
};

class MinHashDedupFilter final : public OrderedFilter {
 public:
  MinHashDedupFilter(size_t ngram, size_t bands, size_t rows, Verify verify, double threshold, uint64_t seed, bool code,
                     bool cluster, bool journal)
      : ngram_(ngram),
        bands_(bands),
        rows_(rows),
        verify_(verify),
        threshold_(threshold),
        cluster_(cluster),
        journal_(journal),
        normalize_(code ? normalize_code_tokens : normalize_words) {
    // Hash function i maps a shingle hash x to a_i·x + b_i (mod 2^64), a_i odd: a
    // permutation of the 64-bit values whose high bits (which decide the minimum) are
    // well mixed.
    base::Rng rng(seed, "minhash");
    const size_t k = bands * rows;
    a_.resize(k);
    b_.resize(k);
    for (size_t i = 0; i < k; ++i) {
      a_[i] = rng.next() | 1;
      b_[i] = rng.next();
    }
  }

  std::string_view name() const override { return "minhash"; }
  std::vector<std::string_view> reasons() const override { return {"near_duplicate"}; }

  // extra: [bands band keys][signature: bands·rows 16-bit values packed 4 per word]
  //        ["exact": the sorted distinct shingle hashes]
  FilterKey key(const Doc& doc) const override {
    thread_local NormalizedWords words;
    thread_local std::vector<uint64_t> shingles;
    thread_local std::vector<uint64_t> sig;
    normalize_(doc.text(), words);
    word_ngram_hashes(words, ngram_, shingles);
    const size_t k = a_.size();
    sig.assign(k, ~uint64_t(0));
    const uint64_t* a = a_.data();
    const uint64_t* b = b_.data();
    uint64_t* s = sig.data();
    kUpdate(s, a, b, k, shingles.data(), shingles.size());

    FilterKey key;
    key.hash[0] = doc.prompt.index;
    const size_t packed = (k + 3) / 4;
    key.extra.resize(bands_ + packed);
    for (size_t band = 0; band < bands_; ++band) {
      uint64_t h = XXH3_64bits_withSeed(s + band * rows_, rows_ * sizeof(uint64_t), band);
      key.extra[band] = h ? h : 1;
    }
    // 16 bits of each minhash for verification: the top bits of a multiplicative hash of
    // it (the minimum's own top bits are nearly always small, so they would collide).
    for (size_t i = 0; i < k; ++i)
      key.extra[bands_ + i / 4] |= ((s[i] * 0x9E3779B97F4A7C15ull) >> 48) << (16 * (i % 4));
    if (verify_ == Verify::kExact) {
      std::sort(shingles.begin(), shingles.end());
      shingles.erase(std::unique(shingles.begin(), shingles.end()), shingles.end());
      key.extra.insert(key.extra.end(), shingles.begin(), shingles.end());
    }
    return key;
  }

  Verdict admit(const FilterKey& key) override {
    const uint64_t* bands = key.extra.data();
    const uint64_t* packed = bands + bands_;
    for (size_t band = 0; band < bands_; ++band) table_.prefetch(bands[band]);
    bool duplicate = false;
    for (size_t band = 0; band < bands_ && !duplicate; ++band) {
      table_.for_each(bands[band], [&](uint32_t slot) {
        if (!duplicate && confirm(key, packed, slot)) duplicate = true;
      });
    }
    if (!duplicate || cluster_) {  // the group's members stay findable
      add(key.extra.data(), key.extra.size());
      if (journal_) {
        delta_.push_back(key.extra.size());
        delta_.insert(delta_.end(), key.extra.begin(), key.extra.end());
      }
    }
    return duplicate ? Verdict::Drop("near_duplicate") : Verdict::Keep();
  }

  std::string take_state_delta() override {
    std::string out(sizeof(uint32_t) * 2 + delta_.size() * sizeof(uint64_t), '\0');
    const uint32_t header[2] = {kDeltaMagic, static_cast<uint32_t>(bands_ * 1024 + rows_)};
    std::memcpy(out.data(), header, sizeof header);
    if (!delta_.empty()) std::memcpy(out.data() + sizeof header, delta_.data(), delta_.size() * sizeof(uint64_t));
    delta_.clear();
    return out;
  }

  void restore_state_delta(std::string_view delta) override {
    const std::runtime_error corrupt("minhash state is corrupt (delete the output directory and start again)");
    uint32_t header[2];
    if (delta.size() < sizeof header || (delta.size() - sizeof header) % sizeof(uint64_t) != 0) throw corrupt;
    std::memcpy(header, delta.data(), sizeof header);
    if (header[0] != kDeltaMagic || header[1] != bands_ * 1024 + rows_) throw corrupt;
    std::vector<uint64_t> words((delta.size() - sizeof header) / sizeof(uint64_t));
    if (!words.empty()) std::memcpy(words.data(), delta.data() + sizeof header, words.size() * sizeof(uint64_t));
    const size_t fixed = bands_ + (a_.size() + 3) / 4;
    for (size_t i = 0; i < words.size();) {
      const uint64_t n = words[i++];
      if (n < fixed || n > words.size() - i) throw corrupt;
      add(words.data() + i, n);
      i += n;
    }
  }

 private:
  void add(const uint64_t* extra, size_t n) {
    const uint32_t slot = static_cast<uint32_t>(kept_++);
    for (size_t band = 0; band < bands_; ++band) table_.insert(extra[band], slot);
    const size_t packed = (a_.size() + 3) / 4;
    if (verify_ != Verify::kNone) signatures_.push_back(store_.append(extra + bands_, packed));
    if (verify_ == Verify::kExact)
      shingles_.emplace_back(store_.append(extra + bands_ + packed, n - bands_ - packed), n - bands_ - packed);
  }

  bool confirm(const FilterKey& key, const uint64_t* packed, uint32_t slot) const {
    if (verify_ == Verify::kNone) return true;
    if (verify_ == Verify::kSignature) {
      const uint64_t* other = signatures_[slot];
      size_t equal = 0;
      for (size_t i = 0; i < a_.size(); ++i) {
        const unsigned shift = 16 * (i % 4);
        equal += ((packed[i / 4] >> shift) & 0xFFFF) == ((other[i / 4] >> shift) & 0xFFFF);
      }
      return double(equal) >= threshold_ * double(a_.size());
    }
    const size_t fixed = bands_ + (a_.size() + 3) / 4;
    const uint64_t* x = key.extra.data() + fixed;
    const size_t nx = key.extra.size() - fixed;
    const uint64_t* y = shingles_[slot].data();
    const size_t ny = shingles_[slot].size();
    size_t i = 0, j = 0, common = 0;
    while (i < nx && j < ny) {
      if (x[i] < y[j]) ++i;
      else if (y[j] < x[i]) ++j;
      else {
        ++common;
        ++i;
        ++j;
      }
    }
    const size_t uni = nx + ny - common;
    return uni > 0 && double(common) >= threshold_ * double(uni);
  }

  size_t ngram_, bands_, rows_;
  Verify verify_;
  double threshold_;
  bool cluster_, journal_;
  void (*normalize_)(std::string_view, NormalizedWords&);
  std::vector<uint64_t> a_, b_;
  BandTable table_;
  uint64_t kept_ = 0;                                // documents in the index (with cluster: dropped ones too)
  WordStore store_;                                  // what the two below point into
  std::vector<const uint64_t*> signatures_;          // packed 16-bit minhashes, per kept slot
  std::vector<std::span<const uint64_t>> shingles_;  // "exact": sorted shingle hashes, per slot
  std::vector<uint64_t> delta_;                      // [n, extra...] per document kept since the last checkpoint
};

}  // namespace

std::unique_ptr<Filter> make_minhash_filter(FilterSettings& s, const FilterContext& ctx) {
  const int64_t ngram = s.integer("ngram").value_or(5);
  const int64_t bands = s.integer("bands").value_or(14);
  const int64_t rows = s.integer("rows").value_or(8);
  if (ngram < 1 || ngram > 64) s.invalid("ngram", "must be between 1 and 64");
  if (bands < 1 || bands > 1023) s.invalid("bands", "must be between 1 and 1023");
  if (rows < 1 || bands * rows > 1024) s.invalid("rows", "must be at least 1, with bands × rows at most 1024");
  const std::string v = s.string("verify").value_or("signature");
  Verify verify = Verify::kSignature;
  if (v == "signature") verify = Verify::kSignature;
  else if (v == "exact") verify = Verify::kExact;
  else if (v == "none") verify = Verify::kNone;
  else s.invalid("verify", "must be \"signature\", \"exact\" or \"none\"");
  const double threshold = s.number("threshold").value_or(0.7);
  if (threshold <= 0 || threshold > 1) s.invalid("threshold", "must be in (0, 1]");
  const int64_t seed = s.integer("seed").value_or(1);
  const std::string tokens = s.string("tokens").value_or("words");
  if (tokens != "words" && tokens != "code") s.invalid("tokens", "must be \"words\" or \"code\"");
  const bool cluster = s.boolean("cluster").value_or(true);
  return std::make_unique<MinHashDedupFilter>(size_t(ngram), size_t(bands), size_t(rows), verify, threshold,
                                              uint64_t(seed), tokens == "code", cluster, ctx.journal);
}

}  // namespace primer::filters
