#include <algorithm>
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

bool FilterChain::rewrites() const {
  return std::any_of(filters_.begin(), filters_.end(), [](const auto& f) { return f->rewrites(); });
}

Prepared FilterChain::prepare(const Doc& doc) const {
  if (rewrites()) {
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

Decision FilterChain::decide(const Prepared& p, std::string_view record, std::string_view text) {
  size_t key = 0;
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
      if (reason == v.reason) {
        ++n;
        counted = true;
        break;
      }
    if (!counted) c.dropped.emplace_back(v.reason, 1);  // a reason the filter did not declare
    Decision d;
    d.reason = v.reason;
    d.filter = static_cast<int>(i);
    d.by = filters_[i]->name();
    if (reject_sink_) reject_sink_(d, record, text);
    return d;
  }
  return Decision{};
}

void FilterChain::save_state(const std::function<void(size_t i, const std::string& delta)>& write) {
  for (size_t i = 0; i < filters_.size(); ++i)
    if (filters_[i]->ordered()) write(i, static_cast<OrderedFilter&>(*filters_[i]).take_state_delta());
}

void FilterChain::restore_state(size_t i, std::string_view delta) {
  if (i >= filters_.size() || !filters_[i]->ordered())
    throw std::invalid_argument("saved filter state is for filter " + std::to_string(i) + ", which keeps none");
  static_cast<OrderedFilter&>(*filters_[i]).restore_state_delta(delta);
}

void FilterChain::write_outputs() {
  for (const auto& f : filters_) f->write_outputs();
}

void FilterChain::set_counts(const std::vector<FilterCounts>& counts) {
  if (counts.size() != counts_.size()) throw std::invalid_argument("saved filter counts do not match the filter chain");
  for (size_t i = 0; i < counts.size(); ++i) {
    if (counts[i].name != counts_[i].name)
      throw std::invalid_argument("saved filter counts are for '" + counts[i].name + "', the chain has '" +
                                  counts_[i].name + "'");
    counts_[i].seen = counts[i].seen;
    counts_[i].kept = counts[i].kept;
    for (const auto& [reason, n] : counts[i].dropped) {
      bool found = false;
      for (auto& [r, m] : counts_[i].dropped)
        if (r == reason) {
          m = n;
          found = true;
        }
      if (!found)
        throw std::invalid_argument("saved filter counts name an unknown reason '" + std::string(reason) + "'");
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
