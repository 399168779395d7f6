// Factories of the built-in filter kinds, one per file, declared from the list in
// kinds.def (which registry.cc's table also reads).
#pragma once

#include <memory>

#include "filters/filter.h"

namespace primer::filters {

#define PRIMER_FILTER(kind, factory) std::unique_ptr<Filter> factory(FilterSettings& s, const FilterContext& c);
#include "filters/kinds.def"
#undef PRIMER_FILTER

}  // namespace primer::filters
