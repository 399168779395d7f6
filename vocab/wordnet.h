// primer::vocab::WordNet — read-only access to the WordNet 3.0 database of the Debian
// package wordnet-base (/usr/share/wordnet), the source the default vocabulary is built
// from and checked against:
//
//   index.{noun,verb,adj,adv}  one lemma per line with its synsets in sense order
//   data.{noun,verb,adj,adv}   synsets, addressed by byte offset: lexicographer file
//                              ("noun.animal"), words, verb frames
//   cntlist.rev                SemCor tag counts per sense: a rough frequency signal
//   {noun,verb,adj,adv}.exc    irregular inflections ("children child", "went go")
//
// Usage:
//   const WordNet wn = WordNet::load("/usr/share/wordnet");   // throws VocabError
//   wn.has("dog", Pos::kNoun);                                // true
//   wn.lexname("dog", Pos::kNoun);                            // "noun.animal"
//   wn.base_forms("mice", Pos::kNoun);                        // {"mouse"}
//
// Loading reads the files into memory (about 25 MB, a fraction of a second). Immutable
// afterwards and safe to share between threads. Only the four content parts of speech
// are meaningful (noun, verb, adj, adv); other Pos values find nothing.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "vocab/vocabulary.h"

namespace primer::vocab {

class WordNet {
 public:
  static constexpr const char* kDefaultDir = "/usr/share/wordnet";

  struct Lemma {
    std::string word;               // lower case; multi-word lemmas use '_'
    std::vector<uint32_t> synsets;  // byte offsets into data.POS, most frequent sense first
    uint32_t frequency = 0;         // sum of the SemCor tag counts of its senses (cntlist.rev)
  };

  // Reads the database in `dir`. Throws VocabError naming the missing or malformed file.
  static WordNet load(const std::filesystem::path& dir);
  WordNet();
  ~WordNet();
  WordNet(WordNet&&) noexcept;
  WordNet& operator=(WordNet&&) noexcept;

  // The lemma, or nullptr when WordNet does not list `word` with this part of speech.
  const Lemma* lemma(std::string_view word, Pos pos) const;
  bool has(std::string_view word, Pos pos) const { return lemma(word, pos) != nullptr; }
  // All lemmas of a part of speech, in index (alphabetical) order.
  const std::vector<Lemma>& lemmas(Pos pos) const;

  // Lexicographer file of a lemma's sense (0 = most frequent), e.g. "noun.animal";
  // "" when the lemma is unknown.
  std::string lexname(std::string_view word, Pos pos, size_t sense = 0) const;
  // Verb frame numbers of a verb sense (1 "Something ----s", 2 "Somebody ----s",
  // 8 "Somebody ----s something", 9 "Somebody ----s somebody", ...).
  std::vector<int> verb_frames(std::string_view verb, size_t sense = 0) const;

  // Irregular inflected forms that POS.exc lists for a lemma ("go" → "gone", "went").
  std::vector<std::string> irregular_forms(std::string_view lemma, Pos pos) const;
  // WordNet's morphy: base forms of an inflected word with this part of speech, from
  // the exception list and the detachment rules (-s, -ies → y, -ed, -ing, -er, -est, a
  // doubled final consonant), keeping only lemmas of the index. The word itself is
  // included when it is a lemma.
  std::vector<std::string> base_forms(std::string_view word, Pos pos) const;

 private:
  struct Data;
  std::unique_ptr<Data> d_;
};

}  // namespace primer::vocab
