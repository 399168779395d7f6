// kind = "recipe": a prompt declared in the run config rather than compiled in. The
// template's {name} placeholders are slots, each filled from a source of its own:
//
//   source            keys                                  a value is
//   file              file = "topics.txt"                   a line of the file ('#' comments and
//                                                           blank lines skipped; an optional
//                                                           TAB-separated weight column)
//   values            values = [...], weights = [...]       one of the list (weights optional)
//   vocab             vocab = "vocab/default.txt",          `count` distinct lemmas of the list
//                     pos = "noun", count = 1,              (of one part of speech, or of the
//                     join = ", ", require = false          open classes), joined with `join`
//
// cover = ["topic", "audience"] names file or values slots whose combinations are drawn
// without repeats: prompt i of the run takes combination perm_p(i mod N) of the N
// combinations, where p = i / N is the pass and perm_p a permutation derived from the
// seed and p alone (a Feistel bijection, so any index is computed on its own). The first
// N prompts therefore cover every combination once, in a shuffled order. Covered slots
// ignore their weights. Every other draw derives from the prompt id (base/rng.h:
// Rng(id, "slot:NAME")), so a run is reproducible, resumable and splittable by index.
//
// A template placeholder that is not a declared slot, or a slot the template never
// uses, is a PromptError naming the file and the slot. `{{` and `}}` write literal
// braces (JSON examples in a prompt).
//
// The sampler fills PromptSpec::slots (name, value) in declared order and
// PromptSpec::required with the lemmas of `require = true` slots.
//
// ReplySpec says how to read the teacher's answer (the `reply` filter,
// filters/recipe_reply.h, parses it; the built-in teacher writes one in that format).
//
// Immutable after construction; sample() is thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "prompts/prompt.h"

namespace primer::prompts {

// One [prompts.slots.NAME] table. Exactly one of file, values, vocab is set.
struct SlotSpec {
  std::string name;
  std::filesystem::path file;       // resolved by the caller
  std::vector<std::string> values;  // inline values
  std::vector<double> weights;      // for values: empty or one per value
  std::filesystem::path vocab;      // resolved by the caller
  std::optional<vocab::Pos> pos;    // vocab: unset = nouns, verbs, adjectives and adverbs
  int count = 1;                    // vocab: distinct lemmas per prompt
  std::string join = ", ";          // vocab: between the lemmas when count > 1
  bool require = false;             // vocab: the reply must use each lemma (any inflection)
};

enum class ReplyFormat : uint8_t { kText, kJson, kSections };
std::string_view reply_format_name(ReplyFormat f);

// [reply]: how the teacher's answer is read.
struct ReplySpec {
  ReplyFormat format = ReplyFormat::kText;
  std::vector<std::string> fields;  // json keys or section headings, in record order
  std::string text;                 // the field that becomes the record's "text" (json, sections)
};

struct RecipeOptions {
  std::filesystem::path template_path;  // resolved by the caller
  std::vector<SlotSpec> slots;          // declared order (the config's)
  std::vector<std::string> cover;       // names of file or values slots
  ReplySpec reply;
};

class RecipeSampler final : public PromptSampler {
 public:
  // Reads the template, the slot files and the vocabularies. Throws PromptError
  // ("FILE: ..." or "prompts.slots.NAME: ...") for anything the config cannot run with.
  RecipeSampler(const RecipeOptions& options, std::string kind);
  ~RecipeSampler() override;

  PromptSpec sample(uint64_t seed, uint64_t index) const override;
  std::string_view title() const override { return "recipe prompts"; }

  // The number of combinations of the cover slots (1 when there is no cover).
  uint64_t cover_size() const { return cover_size_; }

 private:
  struct Slot;  // values with cumulative weights, or a vocabulary (recipe.cc)
  std::vector<std::unique_ptr<Slot>> slots_;
  std::vector<size_t> cover_;  // indices into slots_, in cover order
  uint64_t cover_size_ = 1;
  PromptTemplate template_;
  std::string kind_;
};

// The index of the combination that prompt `index` takes: a bijection of [0, n) for
// each pass index / n, derived from (seed, pass). n > 0.
uint64_t cover_position(uint64_t seed, uint64_t index, uint64_t n);

// Reads a slot file: one value a line, optional "\tWEIGHT" (a positive number).
// Throws PromptError naming the file and line.
struct WeightedValues {
  std::vector<std::string> values;
  std::vector<double> weights;  // one per value (1 when not given)
};
WeightedValues read_slot_file(const std::filesystem::path& path);

}  // namespace primer::prompts
