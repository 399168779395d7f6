#include <stdexcept>

#include "filters/filter.h"

#ifndef PRIMER_DATA_DIR
#define PRIMER_DATA_DIR "."
#endif

namespace primer::filters {

std::filesystem::path resolve_filter_path(const FilterContext& context, const std::filesystem::path& path,
                                          std::string_view key) {
  if (context.resolve_path) return context.resolve_path(path, key);
  if (std::filesystem::exists(path)) return path;
  if (path.is_relative() && std::filesystem::exists(std::filesystem::path(PRIMER_DATA_DIR) / path))
    return std::filesystem::path(PRIMER_DATA_DIR) / path;
  throw std::invalid_argument(std::string(key) + " = \"" + path.string() + "\": no such file");
}

FilterChain::FilterChain(std::vector<std::unique_ptr<Filter>> filters) : filters_(std::move(filters)) {
  for (const auto& f : filters_) {
    FilterCounts c;
    c.name = std::string(f->name());
    for (auto r : f->reasons()) c.dropped.emplace_back(r, 0);
    counts_.push_back(std::move(c));
  }
}

Prepared FilterChain::prepare(const Doc& doc) const {
  for (const auto& f : filters_)
    if (f->rewrites()) {
      Doc copy = doc;
      return prepare(copy);
    }
  return prepare(const_cast<Doc&>(doc));  // no filter rewrites: the Doc is only read
}

Prepared FilterChain::prepare(Doc& doc) const {
  Prepared p;
  for (size_t i = 0; i < filters_.size(); ++i) {
    const Filter& f = *filters_[i];
    if (f.ordered()) {
      p.keys.push_back(static_cast<const OrderedFilter&>(f).key(doc));
      continue;
    }
    const Verdict v = f.rewrites() ? f.rewrite(doc) : f.check(doc);
    if (!v.keep()) {
      p.dropped_at = static_cast<int>(i);
      p.reason = v.reason;
      break;
    }
  }
  return p;
}

Verdict FilterChain::decide(const Prepared& p) {
  size_t key = 0;
  last_dropped_by_ = -1;
  for (size_t i = 0; i < filters_.size(); ++i) {
    FilterCounts& c = counts_[i];
    ++c.seen;
    Verdict v;
    if (static_cast<int>(i) == p.dropped_at) {
      v = Verdict::Drop(p.reason);
    } else if (filters_[i]->ordered()) {
      v = static_cast<OrderedFilter&>(*filters_[i]).admit(p.keys[key++]);
    }
    if (v.keep()) {
      ++c.kept;
      continue;
    }
    bool counted = false;
    for (auto& [reason, n] : c.dropped)
      if (reason == v.reason) { ++n; counted = true; break; }
    if (!counted) c.dropped.emplace_back(v.reason, 1);  // a reason the filter did not declare
    last_dropped_by_ = static_cast<int>(i);
    return v;
  }
  return Verdict::Keep();
}

void FilterChain::set_counts(const std::vector<FilterCounts>& counts) {
  if (counts.size() != counts_.size())
    throw std::invalid_argument("saved filter counts do not match the filter chain");
  for (size_t i = 0; i < counts.size(); ++i) {
    if (counts[i].name != counts_[i].name)
      throw std::invalid_argument("saved filter counts are for '" + counts[i].name + "', the chain has '" +
                                  counts_[i].name + "'");
    counts_[i].seen = counts[i].seen;
    counts_[i].kept = counts[i].kept;
    for (const auto& [reason, n] : counts[i].dropped) {
      bool found = false;
      for (auto& [r, m] : counts_[i].dropped)
        if (r == reason) { m = n; found = true; }
      if (!found) throw std::invalid_argument("saved filter counts name an unknown reason '" + std::string(reason) + "'");
    }
  }
}

std::vector<std::string> FilterChain::caveats() const {
  std::vector<std::string> out;
  for (const auto& f : filters_)
    if (auto c = f->caveat(); !c.empty()) out.push_back(std::move(c));
  return out;
}

}  // namespace primer::filters
