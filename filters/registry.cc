#include <stdexcept>
#include <string>

#include "filters/kinds.h"

namespace primer::filters {
namespace {

struct Kind {
  std::string_view name;
  std::unique_ptr<Filter> (*make)(FilterSettings&, const FilterContext&);
};

// Adding a filter: one new file with its factory, and one line here.
constexpr Kind kKinds[] = {
    {"vocab", make_vocab_filter},
    {"length", make_length_filter},
    {"truncation", make_truncation_filter},
    {"instruct", make_instruct_filter},
    {"exact_dedup", make_exact_dedup_filter},
    {"gopher_repetition", make_gopher_repetition_filter},
    {"gopher_quality", make_gopher_quality_filter},
    {"regex", make_regex_filter},
    {"script", make_script_filter},
    {"features", make_features_filter},
    {"minhash", make_minhash_filter},
    {"decontaminate", make_decontaminate_filter},
    {"code_blocks", make_code_blocks_filter},
    {"python_syntax", make_python_syntax_filter},
    {"exercise_tests", make_exercise_tests_filter},
};

}  // namespace

std::vector<std::string_view> filter_kinds() {
  std::vector<std::string_view> out;
  for (const auto& k : kKinds) out.push_back(k.name);
  return out;
}

std::unique_ptr<Filter> make_filter(std::string_view kind, FilterSettings& settings, const FilterContext& context) {
  for (const auto& k : kKinds)
    if (k.name == kind) return k.make(settings, context);
  std::string known;
  for (const auto& k : kKinds) known += (known.empty() ? "" : ", ") + std::string(k.name);
  throw std::invalid_argument("unknown filter kind '" + std::string(kind) + "' (known: " + known + ")");
}

}  // namespace primer::filters
