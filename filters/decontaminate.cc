// kind = "decontaminate": drop documents that contain evaluation items.
//
//   eval_sets     (required)          files of evaluation items: .jsonl (one JSON object
//                                     per line, the item in `text_field`) or any other
//                                     extension: plain text, one item per line; either
//                                     compressed with zstd (".jsonl.zst", ".txt.zst")
//   text_field    ("text")            the JSONL field(s) holding the item: a name or a
//                                     list (HumanEval: ["prompt", "canonical_solution"];
//                                     MBPP: ["text", "code", "test_list"]); the fields
//                                     present are joined, arrays of strings included
//   tokens        ("words")           "code": n-grams of normalize_code_tokens() (code
//                                     tokens; docstring and comment-free code both count)
//   mode          ("ngram")           "ngram": drop "contaminated" when the document
//                                     shares one word n-gram with an item (GPT-3, Llama);
//                                     "fraction": n-grams only find candidates, and the
//                                     document is contaminated when the characters of the
//                                     item covered by shared n-grams exceed
//                                     `min_fraction` of the item (Cosmopedia's rule)
//   ngram         (13; 10 in "fraction" mode)  words per n-gram, after normalize_words()
//                                     (lower case, digits folded, punctuation removed)
//   min_fraction  (0.5)               "fraction" mode threshold
//   report        ("decontamination.json")  the report, written in the output directory
//                                     by write_outputs(): at every checkpoint of
//                                     `primer run`, at the end of `primer filter`
//
// Items shorter than `ngram` words cannot match (except by a document that is exactly
// that item); the report counts them as `short_items`: lower `ngram` for short items.
//
// The report (JSON): {"filter", "mode", "ngram", "min_fraction", "eval_sets": [{"path",
// "items", "short_items"}], "documents": N, "items_hit": M, "hits": [{"set", "line",
// "preview", "documents": [{"id", "index"}]}]}, items in file order, documents in prompt
// order. It is an OrderedFilter so that the report names only documents that reached it
// (and were dropped by it), in prompt order; its checkpoint state is the hits since the
// last checkpoint, so a resumed run reports every hit.
#include <fcntl.h>
#include <simdjson.h>
#include <zstd.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <cstring>
#include <fstream>
#include <map>
#include <stdexcept>

#include "base/json.h"
#include "base/text.h"
#include "filters/code_text.h"
#include "filters/kinds.h"
#include "filters/text_norm.h"

namespace primer::filters {
namespace {

struct EvalItem {
  uint32_t set = 0;
  uint64_t line = 0;
  std::string preview;
  std::vector<uint64_t> ngrams;      // "fraction": the item's n-gram hashes, in order
  std::vector<uint32_t> word_chars;  // "fraction": characters of each word
};

struct EvalSet {
  std::string path;
  uint64_t items = 0, short_items = 0;
};

// Calls fn for every line of a text file, or of a zstd-compressed one ("*.zst"),
// streaming in blocks. Throws std::runtime_error naming the file.
void for_each_line(const std::filesystem::path& path, bool zst, const std::function<void(const std::string&)>& fn) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read evaluation set " + path.string());
  std::string line;
  if (!zst) {
    while (std::getline(in, line)) fn(line);
    return;
  }
  std::unique_ptr<ZSTD_DStream, size_t (*)(ZSTD_DStream*)> ds(ZSTD_createDStream(), ZSTD_freeDStream);
  std::vector<char> inbuf(ZSTD_DStreamInSize()), outbuf(ZSTD_DStreamOutSize());
  size_t last = 1;
  while (in) {
    in.read(inbuf.data(), static_cast<std::streamsize>(inbuf.size()));
    ZSTD_inBuffer input{inbuf.data(), static_cast<size_t>(in.gcount()), 0};
    while (input.pos < input.size) {
      ZSTD_outBuffer output{outbuf.data(), outbuf.size(), 0};
      last = ZSTD_decompressStream(ds.get(), &output, &input);
      if (ZSTD_isError(last))
        throw std::runtime_error("evaluation set " + path.string() + ": " + ZSTD_getErrorName(last));
      for (size_t i = 0; i < output.pos; ++i) {
        if (outbuf[i] == '\n') fn(line), line.clear();
        else line += outbuf[i];
      }
    }
  }
  if (last != 0) throw std::runtime_error("evaluation set " + path.string() + " is truncated (incomplete zstd frame)");
  if (!line.empty()) fn(line);
}

class DecontaminateFilter final : public OrderedFilter {
 public:
  DecontaminateFilter(bool fraction, size_t n, double min_fraction, std::filesystem::path report, bool code)
      : fraction_(fraction),
        n_(n),
        min_fraction_(min_fraction),
        report_path_(std::move(report)),
        normalize_(code ? normalize_code_tokens : normalize_words) {}

  // Throws std::runtime_error naming the file.
  void load(const std::filesystem::path& path, const std::vector<std::string>& fields) {
    const uint32_t set = static_cast<uint32_t>(sets_.size());
    sets_.push_back({path.string()});
    // "items.jsonl.zst" is JSON Lines too, read through zstd
    const bool zst = path.extension() == ".zst";
    const std::filesystem::path inner = zst ? path.stem() : path;
    const bool jsonl = inner.extension() == ".jsonl" || inner.extension() == ".json";
    uint64_t number = 0;
    simdjson::dom::parser parser;
    NormalizedWords words;
    std::vector<uint64_t> grams;
    std::string joined;
    for_each_line(path, zst, [&](const std::string& line) {
      ++number;
      std::string_view text = line;
      if (jsonl) {
        if (line.find_first_not_of(" \t\r") == std::string::npos) return;
        simdjson::dom::element doc;
        joined.clear();
        bool found = false;
        if (!parser.parse(line).get(doc) && doc.is_object())
          for (const auto& field : fields) {
            std::string_view v;
            simdjson::dom::array list;
            if (!doc[field].get_string().get(v)) {
              (joined += v) += '\n';
              found = true;
            } else if (!doc[field].get_array().get(list)) {
              for (auto e : list)
                if (!e.get_string().get(v)) (joined += v) += '\n';
              found = true;
            }
          }
        if (!found) {
          std::string names;
          for (const auto& f : fields) names += (names.empty() ? "\"" : ", \"") + f + "\"";
          throw std::runtime_error(path.string() + ":" + std::to_string(number) + ": not a JSON object with a string " +
                                   names);
        }
        text = joined;
      }
      normalize_(text, words);
      if (words.words.empty()) return;
      EvalItem item;
      item.set = set;
      item.line = number;
      item.preview = base::cut_utf8(text, 80);  // whole characters: the report is UTF-8
      ++sets_[set].items;
      if (words.words.size() < n_) ++sets_[set].short_items;
      word_ngram_hashes(words, n_, grams);
      const uint32_t id = static_cast<uint32_t>(items_.size());
      for (uint64_t g : grams) index_.emplace_back(g, id);
      if (fraction_) {
        item.ngrams = grams;
        for (const auto& w : words.words) item.word_chars.push_back(w.second);
      }
      items_.push_back(std::move(item));
    });
    std::sort(index_.begin(), index_.end());
    index_.erase(std::unique(index_.begin(), index_.end()), index_.end());
  }

  std::string_view name() const override { return "decontaminate"; }
  std::vector<std::string_view> reasons() const override { return {"contaminated"}; }

  FilterKey key(const Doc& doc) const override {
    thread_local NormalizedWords words;
    thread_local std::vector<uint64_t> grams;
    normalize_(doc.text(), words);
    word_ngram_hashes(words, n_, grams);
    FilterKey key;
    key.hash[0] = doc.prompt.id;
    key.hash[1] = doc.prompt.index;
    std::vector<uint32_t> candidates;
    for (uint64_t g : grams) {
      auto it = std::lower_bound(index_.begin(), index_.end(), std::pair<uint64_t, uint32_t>(g, 0));
      for (; it != index_.end() && it->first == g; ++it) candidates.push_back(it->second);
    }
    std::sort(candidates.begin(), candidates.end());
    candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
    if (!fraction_) {
      key.extra.assign(candidates.begin(), candidates.end());
      return key;
    }
    std::sort(grams.begin(), grams.end());
    for (uint32_t c : candidates) {
      const EvalItem& item = items_[c];
      // Words of the item covered by an n-gram the document shares.
      std::vector<bool> covered(item.word_chars.size(), false);
      const size_t span = std::min(n_, item.word_chars.size());
      for (size_t j = 0; j < item.ngrams.size(); ++j)
        if (std::binary_search(grams.begin(), grams.end(), item.ngrams[j]))
          for (size_t k = j; k < j + span; ++k) covered[k] = true;
      uint64_t total = 0, hit = 0;
      for (size_t k = 0; k < covered.size(); ++k) {
        total += item.word_chars[k];
        if (covered[k]) hit += item.word_chars[k];
      }
      if (total > 0 && double(hit) > min_fraction_ * double(total)) key.extra.push_back(c);
    }
    return key;
  }

  Verdict admit(const FilterKey& key) override {
    if (key.extra.empty()) return Verdict::Keep();
    record(key.hash[0], key.hash[1], key.extra.data(), key.extra.size());
    delta_.push_back(key.hash[0]);
    delta_.push_back(key.hash[1]);
    delta_.push_back(key.extra.size());
    delta_.insert(delta_.end(), key.extra.begin(), key.extra.end());
    return Verdict::Drop("contaminated");
  }

  std::string take_state_delta() override {
    std::string out(delta_.size() * sizeof(uint64_t), '\0');
    if (!delta_.empty()) std::memcpy(out.data(), delta_.data(), out.size());
    delta_.clear();
    return out;
  }

  void write_outputs() override {
    if (!report_path_.empty()) write_report();
  }

  void restore_state_delta(std::string_view delta) override {
    const std::runtime_error corrupt("decontaminate state is corrupt (delete the output directory and start again)");
    if (delta.size() % sizeof(uint64_t)) throw corrupt;
    std::vector<uint64_t> w(delta.size() / sizeof(uint64_t));
    if (!w.empty()) std::memcpy(w.data(), delta.data(), delta.size());
    for (size_t i = 0; i < w.size();) {
      if (w.size() - i < 3 || w[i + 2] > w.size() - i - 3) throw corrupt;
      for (size_t k = 0; k < w[i + 2]; ++k)
        if (w[i + 3 + k] >= items_.size()) throw corrupt;
      record(w[i], w[i + 1], w.data() + i + 3, w[i + 2]);
      i += 3 + w[i + 2];
    }
  }

  std::string report_json() const {
    base::JsonWriter j(1);
    j.begin_object().field("filter", "decontaminate").field("mode", fraction_ ? "fraction" : "ngram");
    j.field("ngram", uint64_t(n_));
    if (fraction_) j.field("min_fraction", min_fraction_);
    j.key("eval_sets").begin_array();
    for (const auto& s : sets_)
      j.begin_object().field("path", s.path).field("items", s.items).field("short_items", s.short_items).end_object();
    j.end_array().field("documents", documents_).field("items_hit", uint64_t(hits_.size()));
    j.key("hits").begin_array();
    for (const auto& [item, docs] : hits_) {
      const EvalItem& it = items_[item];
      j.begin_object().field("set", sets_[it.set].path).field("line", it.line).field("preview", it.preview);
      j.key("documents").begin_array();
      for (const auto& [id, index] : docs)
        j.begin_object().field("id", base::hex64(id)).field("index", index).end_object();
      j.end_array().end_object();
    }
    j.end_array().end_object();
    return j.take() + "\n";
  }

 private:
  void record(uint64_t id, uint64_t index, const uint64_t* items, size_t n) {
    ++documents_;
    for (size_t k = 0; k < n; ++k) hits_[static_cast<uint32_t>(items[k])].emplace_back(id, index);
  }

  // Temporary name, fsync, rename: a crash never leaves half a report.
  void write_report() const {
    const std::string json = report_json();
    const std::filesystem::path tmp = report_path_.string() + ".tmp";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw std::runtime_error("cannot write " + tmp.string() + ": " + std::strerror(errno));
    size_t done = 0;
    while (done < json.size()) {
      const ssize_t w = ::write(fd, json.data() + done, json.size() - done);
      if (w < 0) {
        ::close(fd);
        throw std::runtime_error("cannot write " + tmp.string() + ": " + std::strerror(errno));
      }
      done += static_cast<size_t>(w);
    }
    ::fsync(fd);
    ::close(fd);
    std::filesystem::rename(tmp, report_path_);
  }

  bool fraction_;
  size_t n_;
  double min_fraction_;
  std::filesystem::path report_path_;
  void (*normalize_)(std::string_view, NormalizedWords&);
  std::vector<EvalSet> sets_;
  std::vector<EvalItem> items_;
  std::vector<std::pair<uint64_t, uint32_t>> index_;                     // (n-gram hash, item), sorted
  std::map<uint32_t, std::vector<std::pair<uint64_t, uint64_t>>> hits_;  // item → (id, index)
  uint64_t documents_ = 0;
  std::vector<uint64_t> delta_;
};

}  // namespace

std::unique_ptr<Filter> make_decontaminate_filter(FilterSettings& s, const FilterContext& c) {
  const auto sets = s.strings("eval_sets");
  if (!sets || sets->empty())
    s.invalid("eval_sets", "is required: evaluation files (.jsonl or text, one item per line)");
  const std::vector<std::string> fields = s.strings("text_field").value_or(std::vector<std::string>{"text"});
  if (fields.empty()) s.invalid("text_field", "must name at least one field");
  const std::string tokens = s.string("tokens").value_or("words");
  if (tokens != "words" && tokens != "code") s.invalid("tokens", "must be \"words\" or \"code\"");
  const std::string mode = s.string("mode").value_or("ngram");
  if (mode != "ngram" && mode != "fraction") s.invalid("mode", "must be \"ngram\" or \"fraction\"");
  const bool fraction = mode == "fraction";
  const int64_t n = s.integer("ngram").value_or(fraction ? 10 : 13);
  if (n < 1 || n > 64) s.invalid("ngram", "must be between 1 and 64");
  const double min_fraction = s.number("min_fraction").value_or(0.5);
  if (min_fraction < 0 || min_fraction >= 1) s.invalid("min_fraction", "must be in [0, 1)");
  const std::string report = s.string("report").value_or("decontamination.json");
  if (report.empty() || report.find('/') != std::string::npos) s.invalid("report", "must be a plain file name");
  auto f = std::make_unique<DecontaminateFilter>(fraction, size_t(n), min_fraction,
                                                 c.out_dir.empty() ? std::filesystem::path() : c.out_dir / report,
                                                 tokens == "code");
  for (const auto& path : *sets) {
    std::filesystem::path p;
    try {
      p = resolve_filter_path(c, path, "filters.eval_sets");
    } catch (const std::invalid_argument& e) {
      s.invalid("eval_sets", std::string("names a file that does not exist (") + e.what() + ")");
    }
    try {
      f->load(p, fields);
    } catch (const std::runtime_error& e) {
      s.invalid("eval_sets", e.what());
    }
  }
  return f;
}

}  // namespace primer::filters
