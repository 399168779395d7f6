// kind = "features": the story features the prompt asked for are there (TinyStories'
// dialogue, bad ending, moral value, plot twist, foreshadowing, conflict). Heuristics on
// cue words — cheap, and tuned to accept what a story that honours the request says, not
// to prove it: a missing cue drops, a present cue keeps. Documents whose prompt requested
// no feature (or records without prompt metadata) are kept.
//
//   feature (each true by default; false skips its check)    drop reason
//   dialogue       quoted speech: a pair of "…" or “…”            "no_dialogue"
//   bad_ending     a sad cue (sad, cried, never, lost, gone,      "no_bad_ending"
//                  broke, hurt, alone, ...) in the last
//                  `ending_share` (0.4) of the words
//   moral_value    learned / lesson / moral / taught / ...        "no_moral"
//   plot_twist     surprise / suddenly / unexpected / strange ... "no_twist"
//   foreshadowing  remembered / warned / someday / little did ... "no_foreshadowing"
//   conflict       argue / fight / angry / quarrel / shouted ...  "no_conflict"
//
// Cue words are compared in lower case, whole words (vocab::segment_words). The built-in
// teacher realises every feature with these cues (a test checks thousands of its stories).
#include <algorithm>
#include <array>

#include "filters/kinds.h"
#include "prompts/prompt.h"

namespace primer::filters {
namespace {

using base::Feature;

constexpr std::string_view kSad[] = {"sad",   "sadly",   "sadness", "cried",  "cry",    "cries",  "crying",  "tears",
                                     "never", "lost",    "gone",    "broke",  "broken", "hurt",   "died",    "dead",
                                     "alone", "miss",    "missed",  "lonely", "upset",  "ruined", "unhappy", "sorry",
                                     "late",  "worse",   "afraid",  "scared", "dark",   "nobody", "empty",   "gloomy",
                                     "frown", "frowned", "sobbed",  "weep",   "wept",   "fail",   "failed",  "ended"};
constexpr std::string_view kMoral[] = {"learned", "learn",  "learns", "learnt",  "lesson",   "lessons",
                                       "moral",   "taught", "teach",  "teaches", "realized", "understood"};
constexpr std::string_view kTwist[] = {"surprise", "surprised", "surprising", "suddenly", "unexpected", "unexpectedly",
                                       "strange",  "strangest", "twist",      "shocked",  "amazed",     "astonished",
                                       "secret",   "magic",     "magical",    "turned"};
constexpr std::string_view kFore[] = {"remembered", "remember", "remembers", "remembering", "warned",
                                      "warning",    "someday",  "handy",     "glad",        "knew",
                                      "foreshadow", "promised", "later"};
constexpr std::string_view kConflict[] = {"argue",    "argued",    "argues", "arguing", "argument", "fight",
                                          "fought",   "fighting",  "fights", "angry",   "mad",      "quarrel",
                                          "disagree", "disagreed", "yelled", "shouted", "problem",  "trouble",
                                          "jealous",  "grabbed",   "mean",   "blamed",  "upset",    "refused"};

template <size_t N>
bool in(const std::string_view (&list)[N], std::string_view w) {
  return std::find(std::begin(list), std::end(list), w) != std::end(list);
}

bool has_quotes(std::string_view t) {
  size_t straight = 0;
  for (char c : t) straight += c == '"';
  if (straight >= 2) return true;
  const size_t open = t.find("\xE2\x80\x9C");                                                       // “
  return open != std::string_view::npos && t.find("\xE2\x80\x9D", open) != std::string_view::npos;  // ”
}

class FeaturesFilter final : public Filter {
 public:
  FeaturesFilter(uint8_t checked, double ending_share) : checked_(checked), ending_share_(ending_share) {}
  std::string_view name() const override { return "features"; }
  std::vector<std::string_view> reasons() const override {
    return {"no_dialogue", "no_bad_ending", "no_moral", "no_twist", "no_foreshadowing", "no_conflict"};
  }

  Verdict check(const Doc& doc) const override {
    const base::FeatureSet want{static_cast<uint8_t>(doc.prompt.features.bits & checked_)};
    if (want.bits == 0) return Verdict::Keep();
    const std::string_view text = doc.text();
    if (want.has(Feature::kDialogue) && !has_quotes(text)) return Verdict::Drop("no_dialogue");
    thread_local std::vector<std::string> words;
    words.clear();
    vocab::segment_words(text, [&](std::string_view w) {
      std::string& s = words.emplace_back(w);
      for (auto& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    });
    auto any = [&](auto& list, size_t from) {
      for (size_t i = from; i < words.size(); ++i)
        if (in(list, words[i])) return true;
      return false;
    };
    if (want.has(Feature::kBadEnding)) {
      const size_t from = words.size() - static_cast<size_t>(double(words.size()) * ending_share_);
      if (!any(kSad, std::min(from, words.size()))) return Verdict::Drop("no_bad_ending");
    }
    if (want.has(Feature::kMoralValue) && !any(kMoral, 0)) return Verdict::Drop("no_moral");
    if (want.has(Feature::kPlotTwist) && !any(kTwist, 0)) return Verdict::Drop("no_twist");
    if (want.has(Feature::kForeshadowing)) {
      bool found = any(kFore, 0);
      for (size_t i = 0; !found && i + 1 < words.size(); ++i) found = words[i] == "little" && words[i + 1] == "did";
      if (!found) return Verdict::Drop("no_foreshadowing");
    }
    if (want.has(Feature::kConflict) && !any(kConflict, 0)) return Verdict::Drop("no_conflict");
    return Verdict::Keep();
  }

 private:
  uint8_t checked_;
  double ending_share_;
};

}  // namespace

std::unique_ptr<Filter> make_features_filter(FilterSettings& s, const FilterContext&) {
  base::FeatureSet checked;
  for (int f = 0; f < base::kFeatureCount; ++f) {
    const auto feature = static_cast<Feature>(f);
    if (s.boolean(prompts::feature_info(feature).key).value_or(true)) checked.add(feature);
  }
  const double share = s.number("ending_share").value_or(0.4);
  if (share <= 0 || share > 1) s.invalid("ending_share", "must be in (0, 1]");
  return std::make_unique<FeaturesFilter>(checked.bits, share);
}

}  // namespace primer::filters
