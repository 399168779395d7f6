#include <stdexcept>
#include <string>

#include "filters/kinds.h"

namespace primer::filters {
namespace {

struct Kind {
  std::string_view name;
  std::unique_ptr<Filter> (*make)(FilterSettings&, const FilterContext&);
};

// kinds.def lists them (adding a filter: its file, and one line there).
constexpr Kind kKinds[] = {
#define PRIMER_FILTER(kind, factory) {#kind, factory},
#include "filters/kinds.def"
#undef PRIMER_FILTER
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
