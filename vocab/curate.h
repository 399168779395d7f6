// primer::vocab curation: the operations behind `primer vocab {stats,build,expand,diff,
// merge}` — summarising, expanding, comparing and merging lists, and building them
// reproducibly from WordNet (a curated selection file) or from corpus frequencies.
// The command layer (pipeline/cmd_vocab.cc) does the file reading and printing.
//
// Everything here is a pure function of its inputs (no clocks, no hash-order output),
// so a list built twice from the same inputs is byte-identical.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "vocab/vocabulary.h"
#include "vocab/wordnet.h"

namespace primer::vocab {

// One list line for an entry: "lemma pos [cat=...] [explicit forms] [also=...]" with
// the lemma padded to 12 columns. Only forms given (or derived) explicitly are written;
// parsing the line gives back an entry with the same surface forms.
std::string format_entry(const Entry& e);

struct ListStats {
  size_t by_pos[kPosCount] = {};
  size_t content = 0;                                   // nouns + verbs + adjectives + adverbs
  size_t surface_forms = 0;                             // distinct accepted word forms (names excluded)
  size_t irregular = 0;                                 // entries with a form that differs from the regular rule
  std::map<std::string, size_t> categories[kPosCount];  // cat= value → entries
};
ListStats list_stats(const Vocabulary& v);

struct ExpandedForm {
  std::string surface;  // lower case (names as written)
  uint32_t entry = 0;
  std::string form;  // "base", "pl", "past", ..., "also"
};
// Every surface form of every entry, in list order (base form first, then inflections
// in Form order, then also=). Forms repeated within an entry are listed once.
std::vector<ExpandedForm> expand_list(const Vocabulary& v);

struct ListDiff {
  std::vector<uint32_t> only_a, only_b;  // entry indices (lemma + pos missing in the other)
  // Same lemma and pos, different surface forms or categories: (index in a, index in b).
  std::vector<std::pair<uint32_t, uint32_t>> changed;
};
ListDiff diff_lists(const Vocabulary& a, const Vocabulary& b);

struct MergeResult {
  std::string text;  // the merged list, grouped by part of speech, alphabetical
  size_t entries = 0;
  std::vector<std::string> conflicts;  // "lemma (pos): forms differ between A and B; kept A"
};
// Union by (lemma, pos). The first list that has an entry gives its forms; categories
// and also= forms are unioned. `names` label the lists in conflict messages.
MergeResult merge_lists(const std::vector<const Vocabulary*>& lists, const std::vector<std::string>& names);

// Fills in, from WordNet, what the curator did not give for a content entry:
//   - irregular forms of POS.exc not produced yet (past/pp, plural, comparative/
//     superlative; the rest as also=);
//   - for an adjective whose regular -ly form WordNet does not list as an adverb, ly =
//     the lemma (so "redly" is not accepted);
//   - for nouns and verbs without cat=, a category from WordNet (derived_category).
// With `strict`, an irregular verb whose past and participle cannot be told apart
// throws VocabError (the curator must give past= and pp=); otherwise the forms are added
// as also= and noted. Notes are appended to `notes`. Returns the number of forms derived.
size_t derive_from_wordnet(Entry& e, const WordNet& wn, bool derive_category, bool strict,
                           std::vector<std::string>& notes);
// The category a noun or verb gets from WordNet: nouns by the lexicographer file of the
// most frequent sense (noun.animal → animal, noun.artifact → object, ...; abstract when
// nothing closer fits), verbs by weather / frames (Somebody ----s → intr, Somebody ----s
// something → tr, Something ----s → watch).
std::string derived_category(std::string_view lemma, Pos pos, const WordNet& wn);

struct SelectionBuild {
  std::string text;  // the generated list
  size_t entries = 0, content = 0;
  size_t derived_categories = 0, derived_forms = 0;
  std::vector<std::string> notes;
};
// Builds a list from a curated selection file (list format: the hand choices) and
// WordNet: every content word must be a WordNet lemma with its tagged part of speech
// (else VocabError "origin:line: ..."); derive_from_wordnet fills in the rest. Comments
// and blank lines are copied, so the output keeps the selection's sections.
SelectionBuild build_from_selection(std::string_view selection, std::string_view origin, const WordNet& wn);

struct Candidate {
  std::string word;
  Pos pos = Pos::kNoun;
  uint32_t frequency = 0;  // SemCor tag count
  std::string lexname, category;
};
// The `n` most frequent single-word WordNet lemmas of `pos` (SemCor tag counts; ties
// alphabetical) that are not already forms in `exclude` (may be null): the candidates a
// curator reviews when extending a selection.
std::vector<Candidate> wordnet_candidates(const WordNet& wn, Pos pos, size_t n, const Vocabulary* exclude);

// Word counts of a corpus, for `primer vocab build --from`.
class CorpusCounter {
 public:
  // Counts the word tokens of a text (folded; possessives and contractions stripped;
  // numbers skipped). Not thread-safe; merge counters from several threads with add().
  void add_text(std::string_view text);
  void add(const CorpusCounter& other);

  struct Count {
    uint64_t total = 0;
    uint64_t lower = 0;  // occurrences written without an initial capital
  };
  const std::unordered_map<std::string, Count>& counts() const { return counts_; }
  uint64_t tokens() const { return tokens_; }
  uint64_t invalid_utf8() const { return invalid_; }

 private:
  std::unordered_map<std::string, Count> counts_;
  uint64_t tokens_ = 0, invalid_ = 0;
};

struct CorpusBuild {
  std::string text;
  size_t content = 0, func = 0, names = 0;
  uint64_t tokens = 0, covered_tokens = 0;  // corpus tokens; those the built list accepts
  uint64_t unknown_tokens = 0;              // tokens of words neither list nor WordNet knows
};
// A list of the `size` most frequent content lemmas of a corpus: each word is
// lemmatised and tagged by the `base` list when it knows the word (its entry is copied,
// forms and categories included), else by WordNet's morphy, choosing the part of speech
// whose lemma is most frequent in SemCor. Closed-class words of `base` that occur are
// kept as func; capitalised words WordNet does not know that occur at least twice and
// never in lower case become names. Each line carries its count as a comment.
CorpusBuild build_from_corpus(const CorpusCounter& corpus, size_t size, const WordNet& wn, const Vocabulary* base);

// ---- Lists from a frequency dictionary (`primer vocab build --from-frequency`) ----
//
// The dictionary has jieba's dict.txt format: one "word frequency tag" a line, separated
// by spaces or tabs, the frequency a whole number, the tag jieba's part of speech (the
// ICTCLAS set). Tags map to parts of speech as follows (jieba_pos); other tags (place and
// organisation names ns/nt, idioms i, fixed expressions l, abbreviations j, morphemes g,
// non-words x, English eng, ...) are not taken:
//
//   | pos  | jieba tags                                                             |
//   |------|------------------------------------------------------------------------|
//   | noun | n (noun), ng (noun morpheme), nz (other proper noun), s (place word),  |
//   |      | t (time word), f (locality word: 上 里 前 ...)                          |
//   | verb | v, vd, vg, vi, vn (verbal noun), vq                                    |
//   | adj  | a, ad, ag, an, b (distinguishing word: 男 女 ...), z (state word)       |
//   | adv  | d, dg, df                                                              |
//   | func | r rr rz rg (pronoun), p (preposition), c (conjunction), u ud ug uj ul  |
//   |      | uv uz (particle), y (modal particle), e (interjection), o (onomatopoeia),|
//   |      | m mq (numeral), q (measure word)                                       |
//   | name | nr, nrfg, nrt (person names)                                           |
//
// False if the tag is not taken.
bool jieba_pos(std::string_view tag, Pos& pos);

// Parses a comma list ("noun, verb,adj"), each part once in the order given; throws
// VocabError naming the first name that is no part of speech.
std::vector<Pos> parse_pos_list(std::string_view list);

struct FrequencyOptions {
  std::vector<Pos> pos;  // the parts of speech to take, in the order the list gets them
  size_t top = 0;        // the `top` most frequent words of each
  std::string language = "zh";
  std::string command;      // the command line that built it, for the header
  std::string source;       // the dictionary as named in the header (its file name)
  std::string source_hash;  // its sha256, hex
  std::string source_note;  // package and version, free text ("" to leave out)
  std::string licence;      // the dictionary's licence, free text ("" to leave out)
  // A hand-written list copied in whole after the header (its words are not repeated),
  // and its file name for the header; empty for none.
  std::string include_text, include_name;
};

struct FrequencyBuild {
  std::string text;              // the list
  size_t taken[kPosCount] = {};  // generated entries per part of speech
  uint64_t lines = 0;            // dictionary lines read
  uint64_t not_one_word = 0;     // words passed over: not one token of the list's segmentation
};

// A list of the `top` most frequent words of each requested part of speech of a
// frequency dictionary (ties by word, byte order), headed by its provenance and the
// "# language:" directive. A word is taken once per part of speech (its first line wins
// on repeats), and only when it is one word to the segmentation (a lemma of the list
// format that a text can match as one token: "B超" or "AT&T" are passed over); words
// the included list has with the same part of speech are not repeated but count toward
// `top`. Throws VocabError "origin:LINE: ..." on a malformed line (not three fields,
// a frequency that is no whole number, invalid UTF-8) or a malformed included list.
FrequencyBuild build_from_frequency(std::string_view dict, std::string_view origin, const FrequencyOptions& options);

}  // namespace primer::vocab
