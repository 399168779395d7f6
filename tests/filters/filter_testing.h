// Helpers shared by the filter tests: settings from maps, documents with prompt metadata.
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "filters/filter.h"

namespace primer::filters::testing {

// Settings from maps; records nothing about unknown keys (that is the pipeline's job).
class Settings final : public FilterSettings {
 public:
  std::map<std::string, double> numbers;
  std::map<std::string, bool> bools;
  std::map<std::string, std::vector<std::string>> texts;

  // clang-format off
  Settings& set(const std::string& k, double v) { numbers[k] = v; return *this; }
  Settings& set(const std::string& k, bool v) { bools[k] = v; return *this; }
  Settings& set(const std::string& k, const char* v) { texts[k] = {v}; return *this; }
  Settings& set(const std::string& k, std::vector<std::string> v) { texts[k] = std::move(v); return *this; }
  // clang-format on

  std::optional<double> number(std::string_view k) override {
    auto it = numbers.find(std::string(k));
    return it == numbers.end() ? std::nullopt : std::optional<double>(it->second);
  }
  std::optional<int64_t> integer(std::string_view k) override {
    auto it = numbers.find(std::string(k));
    return it == numbers.end() ? std::nullopt : std::optional<int64_t>(static_cast<int64_t>(it->second));
  }
  std::optional<bool> boolean(std::string_view k) override {
    auto it = bools.find(std::string(k));
    return it == bools.end() ? std::nullopt : std::optional<bool>(it->second);
  }
  std::optional<std::string> string(std::string_view k) override {
    auto it = texts.find(std::string(k));
    return it == texts.end() ? std::nullopt : std::optional<std::string>(it->second.at(0));
  }
  std::optional<std::vector<std::string>> strings(std::string_view k) override {
    auto it = texts.find(std::string(k));
    return it == texts.end() ? std::nullopt : std::optional<std::vector<std::string>>(it->second);
  }
  [[noreturn]] void invalid(std::string_view k, const std::string& m) override {
    throw std::invalid_argument(std::string(k) + " " + m);
  }
};

inline base::Doc text_doc(std::string text, uint64_t index = 0) {
  base::Doc d;
  d.prompt.index = index;
  d.prompt.id = index * 0x9E3779B97F4A7C15ull + 1;
  d.reply.text = std::move(text);
  return d;
}

inline std::unique_ptr<Filter> make_with(std::string_view kind, Settings s = {}, FilterContext ctx = {}) {
  return make_filter(kind, s, ctx);
}

}  // namespace primer::filters::testing
