// Factories of the built-in filter kinds (one per file; registered in registry.cc).
#pragma once

#include <memory>

#include "filters/filter.h"

namespace primer::filters {

std::unique_ptr<Filter> make_vocab_filter(FilterSettings& s, const FilterContext& c);
std::unique_ptr<Filter> make_length_filter(FilterSettings& s, const FilterContext& c);
std::unique_ptr<Filter> make_truncation_filter(FilterSettings& s, const FilterContext& c);
std::unique_ptr<Filter> make_exact_dedup_filter(FilterSettings& s, const FilterContext& c);

}  // namespace primer::filters
