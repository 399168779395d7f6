// Strict TOML reading shared by the config files (run config, training config): every
// key read is remembered, and finish() reports the first unknown key with its file, line
// and a did-you-mean suggestion. Used inside pipeline/ only.
#pragma once

#include <toml++/toml.h>

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/config.h"

namespace primer::pipeline {

inline size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

inline std::string where(const std::string& file, const toml::source_region& src) {
  return file + ":" + std::to_string(src.begin.line);
}

// Reads one TOML table, remembering which keys the program knows, so that finish() can
// report the ones it does not (with a suggestion).
class TableReader {
 public:
  TableReader(const toml::table& table, std::string prefix, std::string file)
      : table_(table), prefix_(std::move(prefix)), file_(std::move(file)) {}

  [[noreturn]] void fail(std::string_view key, const std::string& message) const {
    const toml::node* node = table_.get(key);
    const auto& src = node ? node->source() : table_.source();
    throw ConfigError(where(file_, src) + ": " + full(key) + " " + message);
  }

  std::optional<double> number(std::string_view key) {
    const toml::node* n = find(key);
    if (!n) return std::nullopt;
    if (auto v = n->value<double>()) return *v;  // integers convert too
    fail(key, "must be a number");
  }
  std::optional<int64_t> integer(std::string_view key) {
    const toml::node* n = find(key);
    if (!n) return std::nullopt;
    if (n->is_integer()) return n->value<int64_t>();
    fail(key, "must be an integer");
  }
  std::optional<bool> boolean(std::string_view key) {
    const toml::node* n = find(key);
    if (!n) return std::nullopt;
    if (n->is_boolean()) return n->value<bool>();
    fail(key, "must be true or false");
  }
  std::optional<std::string> string(std::string_view key) {
    const toml::node* n = find(key);
    if (!n) return std::nullopt;
    if (n->is_string()) return n->value<std::string>();
    fail(key, "must be a string");
  }
  const toml::table* table(std::string_view key) {
    const toml::node* n = find(key);
    if (!n) return nullptr;
    if (!n->is_table()) fail(key, "must be a table ([" + full(key) + "])");
    return n->as_table();
  }
  const toml::array* array_of_tables(std::string_view key) {
    const toml::node* n = find(key);
    if (!n) return nullptr;
    if (n->is_array() && n->as_array()->empty())
      return n->as_array();  // `key = []`: none (toml++ calls it no array of tables)
    if (!n->is_array_of_tables()) fail(key, "must be an array of tables ([[" + full(key) + "]])");
    return n->as_array();
  }
  std::optional<std::vector<std::string>> strings(std::string_view key) {
    const toml::node* n = find(key);
    if (!n) return std::nullopt;
    std::vector<std::string> out;
    if (n->is_string()) return std::vector<std::string>{*n->value<std::string>()};
    if (n->is_array()) {
      for (const auto& e : *n->as_array()) {
        if (!e.is_string()) fail(key, "must be a string or an array of strings");
        out.push_back(*e.value<std::string>());
      }
      return out;
    }
    fail(key, "must be a string or an array of strings");
  }
  // Marks a key as known without reading it.
  void allow(std::string_view key) { known_.insert(std::string(key)); }

  // Throws for the first key (in file order) the program never asked for.
  void finish() const {
    const std::pair<std::string, toml::source_region>* first = nullptr;
    std::vector<std::pair<std::string, toml::source_region>> unknown;
    for (auto&& [k, v] : table_)
      if (!known_.count(std::string(k.str()))) unknown.emplace_back(std::string(k.str()), k.source());
    for (const auto& u : unknown)
      if (!first || u.second.begin.line < first->second.begin.line) first = &u;
    if (!first) return;
    std::string best;
    size_t best_d = 3;
    for (const auto& k : known_) {
      const size_t d = edit_distance(first->first, k);
      if (d < best_d) {
        best_d = d;
        best = k;
      }
    }
    std::string msg = where(file_, first->second) + ": unknown key '" + full(first->first) + "'";
    if (!best.empty()) msg += " (did you mean '" + best + "'?)";
    else {
      std::string list;
      for (const auto& k : known_) list += (list.empty() ? "" : ", ") + k;
      msg += " (known keys here: " + list + ")";
    }
    throw ConfigError(msg);
  }

 private:
  const toml::node* find(std::string_view key) {
    known_.insert(std::string(key));
    return table_.get(key);
  }
  std::string full(std::string_view key) const {
    return prefix_.empty() ? std::string(key) : prefix_ + "." + std::string(key);
  }

  const toml::table& table_;
  std::string prefix_;
  std::string file_;
  std::set<std::string> known_;
};

}  // namespace primer::pipeline
