// Factories of the built-in filter kinds (one per file; registered in registry.cc).
#pragma once

#include <memory>

#include "filters/filter.h"

namespace primer::filters {

std::unique_ptr<Filter> make_vocab_filter(FilterSettings& s, const FilterContext& c);
std::unique_ptr<Filter> make_length_filter(FilterSettings& s, const FilterContext& c);
std::unique_ptr<Filter> make_truncation_filter(FilterSettings& s, const FilterContext& c);
std::unique_ptr<Filter> make_instruct_filter(FilterSettings& s, const FilterContext& c);
std::unique_ptr<Filter> make_exact_dedup_filter(FilterSettings& s, const FilterContext& c);
std::unique_ptr<Filter> make_gopher_repetition_filter(FilterSettings& s, const FilterContext& c);
std::unique_ptr<Filter> make_gopher_quality_filter(FilterSettings& s, const FilterContext& c);
std::unique_ptr<Filter> make_regex_filter(FilterSettings& s, const FilterContext& c);
std::unique_ptr<Filter> make_script_filter(FilterSettings& s, const FilterContext& c);
std::unique_ptr<Filter> make_features_filter(FilterSettings& s, const FilterContext& c);
std::unique_ptr<Filter> make_minhash_filter(FilterSettings& s, const FilterContext& c);
std::unique_ptr<Filter> make_decontaminate_filter(FilterSettings& s, const FilterContext& c);
std::unique_ptr<Filter> make_code_blocks_filter(FilterSettings& s, const FilterContext& c);
std::unique_ptr<Filter> make_python_syntax_filter(FilterSettings& s, const FilterContext& c);
std::unique_ptr<Filter> make_exercise_tests_filter(FilterSettings& s, const FilterContext& c);

}  // namespace primer::filters
