// primer vocab {stats,build,check,expand,diff,merge}: the vocabulary curation commands.
// This file reads files and prints; the work is done by primer::vocab (vocab/curate.h).
#include <tbb/enumerable_thread_specific.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <thread>
#include <unordered_map>

#include "base/json.h"
#include "base/text.h"
#include "pipeline/commands.h"
#include "storage/files.h"
#include "storage/reader.h"
#include "storage/sha256.h"
#include "vocab/curate.h"
#include "vocab/vocabulary.h"
#include "vocab/wordnet.h"

namespace primer::cli {
namespace {

namespace fs = std::filesystem;
using base::JsonWriter;
using vocab::Pos;
using vocab::Vocabulary;

// Setup errors of this command group are usage errors (exit 2): a bad list or a missing
// file named on the command line.
Vocabulary load_list(const std::string& path) {
  try {
    return Vocabulary::load(path);
  } catch (const vocab::VocabError& e) {
    throw UsageError(e.what());
  }
}
vocab::WordNet load_wordnet(const std::string& dir) {
  try {
    return vocab::WordNet::load(dir);
  } catch (const vocab::VocabError& e) {
    throw UsageError(e.what());
  }
}
std::string read_text(const std::string& path) {
  try {
    return storage::read_file(path);
  } catch (const std::exception&) {
    throw UsageError("cannot read " + path);
  }
}
void print(const std::string& s) { std::fwrite(s.data(), 1, s.size(), stdout); }
void print_json(const JsonWriter& w) { print(w.str() + "\n"); }

// ---------------------------------------------------------------------------------
// stats
// ---------------------------------------------------------------------------------
struct StatsArgs {
  std::string list;
  bool json = false;
};

int stats_command(const StatsArgs& a) {
  const Vocabulary v = load_list(a.list);
  const vocab::ListStats s = vocab::list_stats(v);
  if (a.json) {
    JsonWriter w;
    w.begin_object().field("list", a.list).field("entries", v.entries().size()).field("content_words", s.content);
    w.key("by_pos").begin_object();
    for (int p = 0; p < vocab::kPosCount; ++p) w.field(vocab::pos_name(static_cast<Pos>(p)), s.by_pos[p]);
    w.end_object();
    w.field("surface_forms", s.surface_forms).field("irregular_entries", s.irregular);
    w.key("categories").begin_object();
    for (int p = 0; p < vocab::kPosCount; ++p) {
      if (s.categories[p].empty()) continue;
      w.key(vocab::pos_name(static_cast<Pos>(p))).begin_object();
      for (const auto& [c, n] : s.categories[p]) w.field(c, n);
      w.end_object();
    }
    w.end_object().end_object();
    print_json(w);
    return 0;
  }
  std::printf("%s: %zu entries, %zu content words, %zu accepted word forms\n", a.list.c_str(), v.entries().size(),
              s.content, s.surface_forms);
  static constexpr const char* kTitles[] = {"nouns", "verbs", "adjectives", "adverbs", "function words", "names"};
  for (int p = 0; p < vocab::kPosCount; ++p) {
    std::printf("  %-15s %5zu", kTitles[p], s.by_pos[p]);
    std::string cats;
    for (const auto& [c, n] : s.categories[p]) cats += " " + c + "=" + std::to_string(n);
    std::printf("%s%s\n", cats.empty() ? "" : "   ", cats.c_str());
  }
  std::printf("  %zu entries have irregular forms\n", s.irregular);
  return 0;
}

// ---------------------------------------------------------------------------------
// check
// ---------------------------------------------------------------------------------
struct CheckArgs {
  std::string list;
  std::vector<std::string> inputs;
  size_t top = 20;
  bool json = false;
  bool icu_only = false;
  int threads = 0;
};

struct CheckTotals {
  uint64_t tokens = 0, oov_tokens = 0, invalid_utf8 = 0, documents = 0, bytes = 0;
  std::unordered_map<std::string, uint64_t> oov;
  void add(const vocab::Conformance& c) {
    tokens += c.tokens;
    oov_tokens += c.oov_tokens;
    invalid_utf8 += c.invalid_utf8;
    for (const auto& w : c.oov_words) ++oov[w];
  }
  void add(const CheckTotals& o) {
    tokens += o.tokens;
    oov_tokens += o.oov_tokens;
    invalid_utf8 += o.invalid_utf8;
    documents += o.documents;
    bytes += o.bytes;
    for (const auto& [w, n] : o.oov) oov[w] += n;
  }
};

// The files to read for an input: a dataset directory gives its data/ shards; another
// directory gives its .txt, .jsonl and .jsonl.zst files (recursively); a file is itself.
std::vector<fs::path> input_files(const std::string& input) {
  std::error_code ec;
  if (!fs::exists(input, ec)) throw UsageError("no such file or directory: " + input);
  if (!fs::is_directory(input, ec)) return {fs::path(input)};
  const fs::path root = fs::exists(fs::path(input) / "data") ? fs::path(input) / "data" : fs::path(input);
  std::vector<fs::path> out;
  for (const auto& de : fs::recursive_directory_iterator(root, ec)) {
    if (!de.is_regular_file()) continue;
    const std::string name = de.path().filename().string();
    if (name.ends_with(".jsonl") || name.ends_with(".jsonl.zst") || name.ends_with(".txt")) out.push_back(de.path());
  }
  if (ec) throw UsageError("cannot list " + input + ": " + ec.message());
  std::sort(out.begin(), out.end());
  if (out.empty()) throw UsageError(input + " holds no .txt, .jsonl or .jsonl.zst files");
  return out;
}

class Checker {
 public:
  Checker(const Vocabulary& v, vocab::TextPath path) : v_(v), path_(path) {}

  // Scores a batch of texts in parallel and adds them to the totals.
  void score(const std::vector<std::string>& texts) {
    tbb::enumerable_thread_specific<CheckTotals> partial;
    tbb::parallel_for(tbb::blocked_range<size_t>(0, texts.size(), 16), [&](const tbb::blocked_range<size_t>& r) {
      CheckTotals& t = partial.local();
      for (size_t i = r.begin(); i != r.end(); ++i) {
        t.add(v_.score(texts[i], {}, path_));
        t.bytes += texts[i].size();
      }
    });
    for (const auto& p : partial) totals.add(p);
  }

  CheckTotals totals;
  uint64_t malformed = 0;
  std::string first_malformed;

 private:
  const Vocabulary& v_;
  vocab::TextPath path_;
};

void check_file(Checker& checker, const fs::path& file) {
  const std::string name = file.filename().string();
  std::vector<std::string> batch;
  size_t batch_bytes = 0;
  if (name.ends_with(".jsonl") || name.ends_with(".jsonl.zst")) {
    storage::ReadStats st;
    try {
      st = storage::for_each_record(file, [&](const storage::RecordView& r) {
        batch.emplace_back(r.text);
        batch_bytes += r.text.size();
        if (batch_bytes >= (8u << 20)) {
          checker.score(batch);
          batch.clear();
          batch_bytes = 0;
        }
      });
    } catch (const std::exception& e) {
      throw std::runtime_error(e.what());
    }
    checker.score(batch);
    checker.totals.documents += st.records;
    checker.malformed += st.malformed;
    if (st.malformed && checker.first_malformed.empty())
      checker.first_malformed = file.string() + ": " + st.describe_malformed();
    return;
  }
  // Plain text: one document, scored in blocks cut at ASCII whitespace (a word never
  // spans a cut, so the counts are those of the whole file).
  const std::string text = read_text(file.string());
  size_t i = 0;
  while (i < text.size()) {
    size_t end = std::min(text.size(), i + (1u << 20));
    while (end < text.size() && text[end] != ' ' && text[end] != '\n' && text[end] != '\t' && text[end] != '\r') ++end;
    batch.push_back(text.substr(i, end - i));
    i = end;
  }
  checker.score(batch);
  ++checker.totals.documents;
}

int check_command(const CheckArgs& a) {
  const Vocabulary v = load_list(a.list);
  std::vector<fs::path> files;
  for (const auto& in : a.inputs)
    for (auto& f : input_files(in)) files.push_back(std::move(f));
  std::unique_ptr<tbb::global_control> limit;
  if (a.threads > 0)
    limit = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism, a.threads);
  Checker checker(v, a.icu_only ? vocab::TextPath::kIcuOnly : vocab::TextPath::kAuto);
  for (const auto& f : files) check_file(checker, f);
  const CheckTotals& t = checker.totals;

  std::vector<std::pair<std::string, uint64_t>> top(t.oov.begin(), t.oov.end());
  std::sort(top.begin(), top.end(), [](const auto& x, const auto& y) {
    return x.second != y.second ? x.second > y.second : x.first < y.first;
  });
  if (top.size() > a.top) top.resize(a.top);
  const double rate = t.tokens ? double(t.oov_tokens) / double(t.tokens) : 0.0;

  if (a.json) {
    JsonWriter w;
    w.begin_object()
        .field("tokens", t.tokens)
        .field("oov_tokens", t.oov_tokens)
        .field("oov_rate", rate)
        .key("top_oov")
        .begin_array();
    for (const auto& [word, n] : top) w.begin_object().field("word", word).field("count", n).end_object();
    w.end_array()
        .field("distinct_oov", static_cast<uint64_t>(t.oov.size()))
        .field("documents", t.documents)
        .field("files", static_cast<uint64_t>(files.size()))
        .field("bytes", t.bytes)
        .field("invalid_utf8", t.invalid_utf8)
        .field("malformed_lines", checker.malformed)
        .field("list", a.list)
        .end_object();
    print_json(w);
    return 0;
  }
  std::printf("tokens          %llu\n", static_cast<unsigned long long>(t.tokens));
  std::printf("oov tokens      %llu (%s), %zu distinct words\n", static_cast<unsigned long long>(t.oov_tokens),
              base::percent(rate, 2).c_str(), t.oov.size());
  std::printf("documents       %llu in %zu file(s), %.1f MB\n", static_cast<unsigned long long>(t.documents),
              files.size(), double(t.bytes) / 1e6);
  if (t.invalid_utf8)
    std::printf("invalid UTF-8   %llu sequence(s) skipped\n", static_cast<unsigned long long>(t.invalid_utf8));
  if (checker.malformed) std::printf("malformed lines %s\n", checker.first_malformed.c_str());
  if (!top.empty()) {
    std::printf("most frequent out-of-vocabulary words:\n");
    for (const auto& [word, n] : top) std::printf("  %8llu  %s\n", static_cast<unsigned long long>(n), word.c_str());
  }
  return 0;
}

// ---------------------------------------------------------------------------------
// build
// ---------------------------------------------------------------------------------
struct BuildArgs {
  std::string select;
  std::vector<std::string> from;
  size_t size = 1500;
  std::string base;
  size_t candidates = 0;
  std::string pos;  // --candidates: one (default noun); --from-frequency: a comma list
  std::string from_frequency;
  size_t top = 0;
  std::string language = "zh", source_note, licence, include;
  std::string exclude;
  std::string wordnet = vocab::WordNet::kDefaultDir;
  std::string out;
  bool json = false;
};

void write_output(const std::string& out, const std::string& text) {
  try {
    storage::write_file_atomic(out, text);
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("cannot write ") + out + ": " + e.what());
  }
}

// The list a frequency dictionary gives (`--from-frequency`).
int build_frequency_command(const BuildArgs& a) {
  if (a.top == 0) throw UsageError("--from-frequency needs --top N (words per part of speech), at least 1");
  vocab::FrequencyOptions o;
  o.top = a.top;
  o.language = a.language;
  const std::string pos_list = a.pos.empty() ? "noun,verb,adj,adv" : a.pos;
  try {
    o.pos = vocab::parse_pos_list(pos_list);
  } catch (const vocab::VocabError& e) {
    throw UsageError(std::string("--pos: ") + e.what());
  }
  const std::string dict = read_text(a.from_frequency);
  o.source = fs::path(a.from_frequency).filename().string();
  o.source_hash = storage::sha256_hex(dict);
  o.source_note = a.source_note;
  o.licence = a.licence;
  // The command as the header records it: file names only, so that the list does not
  // depend on the directory it was built in.
  auto quote = [](const std::string& s) { return "'" + s + "'"; };
  o.command = "primer vocab build --from-frequency " + o.source + " --top " + std::to_string(a.top) + " --pos " +
              pos_list + " --language " + a.language;
  if (!a.include.empty()) {
    o.include_text = read_text(a.include);
    o.include_name = fs::path(a.include).filename().string();
    o.command += " --include " + o.include_name;
  }
  if (!a.source_note.empty()) o.command += " --source-note " + quote(a.source_note);
  if (!a.licence.empty()) o.command += " --licence " + quote(a.licence);
  vocab::FrequencyBuild b;
  try {
    b = vocab::build_from_frequency(dict, a.from_frequency, o);
    (void)Vocabulary::parse(b.text, a.out.empty() ? "<built list>" : a.out);  // the result must parse
  } catch (const vocab::VocabError& e) {
    throw UsageError(e.what());
  }
  size_t total = 0;
  for (size_t n : b.taken) total += n;
  if (!a.out.empty()) write_output(a.out, b.text);
  if (a.json) {
    JsonWriter w;
    w.begin_object().field("mode", "from-frequency").field("source", a.from_frequency).field("lines", b.lines);
    w.field("entries", static_cast<uint64_t>(total)).key("by_pos").begin_object();
    for (Pos p : o.pos) w.field(vocab::pos_name(p), b.taken[static_cast<int>(p)]);
    w.end_object().field("not_one_word", b.not_one_word);
    if (!a.out.empty()) w.field("out", a.out);
    else w.field("list", b.text);
    w.end_object();
    print_json(w);
    return 0;
  }
  if (a.out.empty()) print(b.text);
  std::fprintf(stderr, "built %zu entries from %llu lines of %s (%llu words passed over: not one word)%s%s\n", total,
               static_cast<unsigned long long>(b.lines), a.from_frequency.c_str(),
               static_cast<unsigned long long>(b.not_one_word), a.out.empty() ? "" : "; wrote ", a.out.c_str());
  return 0;
}

int build_command(const BuildArgs& a) {
  const int modes = !a.select.empty() + !a.from.empty() + (a.candidates > 0) + !a.from_frequency.empty();
  if (modes != 1)
    throw UsageError(
        "vocab build: give exactly one of --select FILE, --from FILES..., --candidates N or --from-frequency FILE");
  if (!a.from_frequency.empty()) return build_frequency_command(a);
  const vocab::WordNet wn = load_wordnet(a.wordnet);

  if (a.candidates > 0) {
    Pos pos;
    const std::string pos_name = a.pos.empty() ? "noun" : a.pos;
    if (!vocab::parse_pos(pos_name, pos) || pos == Pos::kFunc || pos == Pos::kName)
      throw UsageError("--pos must be noun, verb, adj or adv, not '" + pos_name + "'");
    std::unique_ptr<Vocabulary> exclude;
    if (!a.exclude.empty()) exclude = std::make_unique<Vocabulary>(load_list(a.exclude));
    const auto cands = vocab::wordnet_candidates(wn, pos, a.candidates, exclude.get());
    if (a.json) {
      JsonWriter w;
      w.begin_object().key("candidates").begin_array();
      for (const auto& c : cands)
        w.begin_object()
            .field("word", c.word)
            .field("pos", vocab::pos_name(c.pos))
            .field("frequency", c.frequency)
            .field("lexname", c.lexname)
            .field("category", c.category)
            .end_object();
      w.end_array().end_object();
      print_json(w);
    } else {
      std::printf("# WordNet %s candidates by SemCor frequency%s: word  pos  frequency  lexname  category\n",
                  pos_name.c_str(), exclude ? (", not in " + a.exclude).c_str() : "");
      for (const auto& c : cands)
        std::printf("%-14s %-4s %6u  %-20s %s\n", c.word.c_str(), std::string(vocab::pos_name(c.pos)).c_str(),
                    c.frequency, c.lexname.c_str(), c.category.c_str());
    }
    return 0;
  }

  std::string text;
  JsonWriter w;
  w.begin_object();
  if (!a.select.empty()) {
    vocab::SelectionBuild b;
    try {
      b = vocab::build_from_selection(read_text(a.select), a.select, wn);
    } catch (const vocab::VocabError& e) {
      throw UsageError(e.what());
    }
    text = std::move(b.text);
    w.field("mode", "select")
        .field("selection", a.select)
        .field("entries", b.entries)
        .field("content_words", b.content);
    w.field("derived_categories", b.derived_categories).field("derived_forms", b.derived_forms);
    if (!a.json)
      std::fprintf(stderr,
                   "built %zu entries (%zu content words) from %s and WordNet: %zu categories and %zu forms derived\n",
                   b.entries, b.content, a.select.c_str(), b.derived_categories, b.derived_forms);
  } else {
    if (a.size == 0) throw UsageError("--size must be at least 1");
    std::unique_ptr<Vocabulary> base;
    if (!a.base.empty()) base = std::make_unique<Vocabulary>(load_list(a.base));
    vocab::CorpusCounter counter;
    std::vector<fs::path> files;
    for (const auto& in : a.from)
      for (auto& f : input_files(in)) files.push_back(std::move(f));
    uint64_t malformed = 0;
    for (const auto& f : files) {
      const std::string name = f.filename().string();
      if (name.ends_with(".jsonl") || name.ends_with(".jsonl.zst")) {
        malformed +=
            storage::for_each_record(f, [&](const storage::RecordView& r) { counter.add_text(r.text); }).malformed;
      } else {
        counter.add_text(read_text(f.string()));
      }
    }
    const vocab::CorpusBuild b = vocab::build_from_corpus(counter, a.size, wn, base.get());
    text = b.text;
    const double coverage = b.tokens ? double(b.covered_tokens) / double(b.tokens) : 0.0;
    w.field("mode", "from").field("files", static_cast<uint64_t>(files.size())).field("tokens", b.tokens);
    w.field("content_words", b.content).field("func", b.func).field("names", b.names);
    w.field("coverage", coverage)
        .field("unknown_tokens", b.unknown_tokens)
        .field("invalid_utf8", counter.invalid_utf8());
    w.field("malformed_lines", malformed);
    if (!a.json)
      std::fprintf(stderr,
                   "built %zu content words, %zu function words, %zu names from %llu tokens in %zu file(s); "
                   "the list covers %s of the tokens\n",
                   b.content, b.func, b.names, static_cast<unsigned long long>(b.tokens), files.size(),
                   base::percent(coverage, 2).c_str());
  }
  // The result must itself be a valid list.
  try {
    (void)Vocabulary::parse(text, a.out.empty() ? "<built list>" : a.out);
  } catch (const vocab::VocabError& e) {
    throw std::runtime_error(std::string("internal error: the built list does not parse: ") + e.what());
  }
  if (!a.out.empty()) {
    write_output(a.out, text);
    w.field("out", a.out);
  } else if (a.json) {
    w.field("list", text);
  } else {
    print(text);
  }
  w.end_object();
  if (a.json) print_json(w);
  else if (!a.out.empty()) std::fprintf(stderr, "wrote %s\n", a.out.c_str());
  return 0;
}

// ---------------------------------------------------------------------------------
// expand, diff, merge
// ---------------------------------------------------------------------------------
struct ExpandArgs {
  std::string list;
  bool json = false;
};

int expand_command(const ExpandArgs& a) {
  const Vocabulary v = load_list(a.list);
  const auto forms = vocab::expand_list(v);
  if (a.json) {
    JsonWriter w;
    w.begin_object().field("count", static_cast<uint64_t>(forms.size())).key("forms").begin_array();
    for (const auto& f : forms) {
      const auto& e = v.entry(f.entry);
      w.begin_object().field("form", f.surface).field("lemma", e.lemma).field("pos", vocab::pos_name(e.pos));
      w.field("kind", f.form).end_object();
    }
    w.end_array().end_object();
    print_json(w);
    return 0;
  }
  std::string out;
  for (const auto& f : forms) {
    const auto& e = v.entry(f.entry);
    out += f.surface + "\t" + e.lemma + "\t" + std::string(vocab::pos_name(e.pos)) + "\t" + f.form + "\n";
  }
  print(out);
  return 0;
}

struct DiffArgs {
  std::string a, b;
  bool json = false;
};

int diff_command(const DiffArgs& args) {
  const Vocabulary a = load_list(args.a), b = load_list(args.b);
  const vocab::ListDiff d = vocab::diff_lists(a, b);
  auto forms = [](const vocab::Entry& e) {
    std::string s;
    for (const auto& f : e.surface_forms()) s += (s.empty() ? "" : ",") + f;
    return s;
  };
  auto cats = [](const vocab::Entry& e) {
    std::string s;
    for (const auto& c : e.categories) s += (s.empty() ? "" : ",") + c;
    return s;
  };
  if (args.json) {
    JsonWriter w;
    auto entry = [&](const vocab::Entry& e) {
      w.begin_object().field("lemma", e.lemma).field("pos", vocab::pos_name(e.pos)).end_object();
    };
    w.begin_object().field("a", args.a).field("b", args.b);
    w.key("only_a").begin_array();
    for (uint32_t i : d.only_a) entry(a.entry(i));
    w.end_array().key("only_b").begin_array();
    for (uint32_t i : d.only_b) entry(b.entry(i));
    w.end_array().key("changed").begin_array();
    for (const auto& [i, j] : d.changed)
      w.begin_object()
          .field("lemma", a.entry(i).lemma)
          .field("pos", vocab::pos_name(a.entry(i).pos))
          .field("a_forms", forms(a.entry(i)))
          .field("b_forms", forms(b.entry(j)))
          .field("a_categories", cats(a.entry(i)))
          .field("b_categories", cats(b.entry(j)))
          .end_object();
    w.end_array().field("same", d.only_a.empty() && d.only_b.empty() && d.changed.empty()).end_object();
    print_json(w);
    return 0;
  }
  std::string out;
  for (uint32_t i : d.only_a) out += "- " + vocab::format_entry(a.entry(i)) + "\n";
  for (uint32_t i : d.only_b) out += "+ " + vocab::format_entry(b.entry(i)) + "\n";
  for (const auto& [i, j] : d.changed) {
    out += "~ " + a.entry(i).lemma + " (" + std::string(vocab::pos_name(a.entry(i).pos)) + ")";
    if (forms(a.entry(i)) != forms(b.entry(j))) out += " forms " + forms(a.entry(i)) + " -> " + forms(b.entry(j));
    if (cats(a.entry(i)) != cats(b.entry(j))) out += " cat " + cats(a.entry(i)) + " -> " + cats(b.entry(j));
    out += "\n";
  }
  out += std::to_string(d.only_a.size()) + " only in " + args.a + ", " + std::to_string(d.only_b.size()) + " only in " +
         args.b + ", " + std::to_string(d.changed.size()) + " changed\n";
  print(out);
  return 0;
}

struct MergeArgs {
  std::vector<std::string> lists;
  std::string out;
  bool json = false;
};

int merge_command(const MergeArgs& a) {
  if (a.lists.size() < 2) throw UsageError("vocab merge: give at least two lists");
  std::vector<Vocabulary> lists;
  for (const auto& l : a.lists) lists.push_back(load_list(l));
  std::vector<const Vocabulary*> ptrs;
  for (const auto& l : lists) ptrs.push_back(&l);
  const vocab::MergeResult r = vocab::merge_lists(ptrs, a.lists);
  (void)Vocabulary::parse(r.text, a.out);  // the result must parse
  write_output(a.out, r.text);
  if (a.json) {
    JsonWriter w;
    w.begin_object().field("out", a.out).field("entries", r.entries).key("conflicts").begin_array();
    for (const auto& c : r.conflicts) w.value(c);
    w.end_array().end_object();
    print_json(w);
    return 0;
  }
  for (const auto& c : r.conflicts) std::fprintf(stderr, "conflict: %s\n", c.c_str());
  std::printf("wrote %s: %zu entries from %zu lists, %zu conflict(s)\n", a.out.c_str(), r.entries, a.lists.size(),
              r.conflicts.size());
  return 0;
}

}  // namespace

void add_vocab_commands(Commands& commands) {
  CLI::App* group =
      commands.add("vocab", "Vocabulary lists: stats, build, check, expand, diff, merge.", [] { return -1; });
  group->require_subcommand(1);
  group->footer(
      "A list has one lemma per line: 'lemma pos [key=value ...]' (pos: noun, verb, adj, adv, func, name); "
      "the format is documented at the top of vocab/vocabulary.h. The bundled list is vocab/default.txt.");

  {
    auto args = std::make_shared<StatsArgs>();
    CLI::App* c = commands.add(
        "stats", "Entries per part of speech and category, accepted word forms.",
        [args] { return stats_command(*args); }, group);
    c->add_option("list", args->list, "Vocabulary list")->required();
    c->add_flag("--json", args->json, "One JSON object on stdout");
  }
  {
    auto args = std::make_shared<CheckArgs>();
    CLI::App* c = commands.add(
        "check", "OOV rate and the most frequent out-of-vocabulary words of texts.",
        [args] { return check_command(*args); }, group);
    c->add_option("list", args->list, "Vocabulary list")->required();
    c->add_option("inputs", args->inputs,
                  "Files (.txt: one document; .jsonl / .jsonl.zst: the \"text\" of each line) or directories "
                  "(a dataset directory: its data/ shards)")
        ->required();
    c->add_option("--top", args->top, "How many OOV words to list (default 20)");
    c->add_option("--threads", args->threads, "Worker threads (default: all cores)")->check(at_least(0));
    c->add_flag("--icu-only", args->icu_only, "Segment everything with ICU (no ASCII fast path; same results)");
    c->add_flag("--json", args->json,
                "One JSON object: tokens, oov_tokens, oov_rate, top_oov [{word, count}], documents, invalid_utf8, ...");
    c->footer(
        "Tokens are words after segmentation (vocab/vocabulary.h); a token is out of vocabulary when it is no "
        "inflection of a listed word, name, number, possessive or contraction. OOV words are reported folded "
        "to lower case, possessives stripped. Invalid UTF-8 is counted and skipped.");
  }
  {
    auto args = std::make_shared<BuildArgs>();
    CLI::App* c = commands.add(
        "build", "Build a list: from a curated selection + WordNet, or from corpus frequencies.",
        [args] { return build_command(*args); }, group);
    c->add_option(
        "--select", args->select,
        "Curated selection file (list format: the hand choices); fills in inflections and categories from "
        "WordNet and checks every word's part of speech. vocab/default.txt is built from vocab/selection.txt");
    c->add_option("--from", args->from,
                  "Corpus files or directories (.txt, .jsonl, .jsonl.zst): build a list of the "
                  "--size most frequent content lemmas, lemmatised and tagged");
    c->add_option("--size", args->size, "With --from: content words in the list (default 1500)");
    c->add_option("--base", args->base,
                  "With --from: a list whose entries (forms, categories, function words, names) are reused for the "
                  "words it knows, e.g. vocab/default.txt");
    c->add_option("--candidates", args->candidates,
                  "Print the N most frequent WordNet lemmas of --pos (SemCor counts) not in --exclude: words to "
                  "review for a selection");
    c->add_option("--pos", args->pos,
                  "With --candidates: noun, verb, adj or adv (default noun). With --from-frequency: a comma list "
                  "(default noun,verb,adj,adv; func and name too)");
    c->add_option("--from-frequency", args->from_frequency,
                  "A frequency dictionary in jieba's dict.txt format ('word frequency tag' a line): build a list of "
                  "the --top most frequent words of each --pos (jieba's tags mapped as in vocab/curate.h), headed "
                  "by its provenance");
    c->add_option("--top", args->top, "With --from-frequency: words per part of speech");
    c->add_option("--language", args->language, "With --from-frequency: the list's language tag (default zh)");
    c->add_option("--include", args->include,
                  "With --from-frequency: a hand-written list (e.g. function words) copied into the result; its "
                  "words are not repeated");
    c->add_option("--source-note", args->source_note,
                  "With --from-frequency: where the dictionary comes from, for the header (package and version)");
    c->add_option("--licence", args->licence, "With --from-frequency: the dictionary's licence, for the header");
    c->add_option("--exclude", args->exclude, "With --candidates: leave out words this list already accepts");
    c->add_option("--wordnet", args->wordnet,
                  "WordNet database directory (default /usr/share/wordnet, package "
                  "wordnet-base)");
    c->add_option("--out", args->out, "Write the list here (atomically) instead of stdout");
    c->add_flag("--json", args->json, "A JSON summary on stdout (the list itself goes to --out, or into \"list\")");
    c->footer(
        "Regenerate the bundled list: primer vocab build --select vocab/selection.txt --out vocab/default.txt. "
        "The Chinese example list: see the header of examples/recipes/zh/words.txt.");
  }
  {
    auto args = std::make_shared<ExpandArgs>();
    CLI::App* c = commands.add(
        "expand", "Every accepted surface form: form, lemma, pos, kind (tab-separated).",
        [args] { return expand_command(*args); }, group);
    c->add_option("list", args->list, "Vocabulary list")->required();
    c->add_flag("--json", args->json, "One JSON object: count and forms [{form, lemma, pos, kind}]");
  }
  {
    auto args = std::make_shared<DiffArgs>();
    CLI::App* c = commands.add(
        "diff", "Entries only in A (-), only in B (+), and changed (~) forms or categories.",
        [args] { return diff_command(*args); }, group);
    c->add_option("a", args->a, "First list")->required();
    c->add_option("b", args->b, "Second list")->required();
    c->add_flag("--json", args->json, "One JSON object: only_a, only_b, changed, same");
  }
  {
    auto args = std::make_shared<MergeArgs>();
    CLI::App* c = commands.add(
        "merge", "Union of lists by (lemma, pos); the first list's forms win on conflicts.",
        [args] { return merge_command(*args); }, group);
    c->add_option("lists", args->lists, "Two or more lists")->required();
    c->add_option("--out", args->out, "The merged list")->required();
    c->add_flag("--json", args->json, "One JSON object: out, entries, conflicts");
  }
}

}  // namespace primer::cli
