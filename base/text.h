// Small string helpers that several layers need: UTF-8-safe cutting, ASCII case and
// whitespace, joining, and the number formats of summaries, cards and reports.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace primer::base {

// The hash of unordered containers keyed by std::string that look up a std::string_view
// with no std::string built: std::unordered_set<std::string, StringHash, std::equal_to<>>.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

// At most `n` bytes of `s`, not splitting a UTF-8 sequence; "…" appended when cut.
std::string cut_utf8(std::string_view s, size_t n);

// `s` with A-Z turned into a-z (other bytes, UTF-8 included, unchanged).
std::string ascii_lower(std::string_view s);

// `s` without leading and trailing spaces, tabs, CRs and LFs.
std::string_view trim(std::string_view s);

// The elements with `sep` between them: join({"a", "b"}, ", ") == "a, b".
std::string join(const std::vector<std::string>& parts, std::string_view sep);

// 1234567 → "1,234,567", for summaries and reports.
std::string with_commas(uint64_t n);

// A share as a percentage with `decimals` decimals: percent(0.1234) == "12.3%";
// "–" when the share is not a finite number.
std::string percent(double share, int decimals = 1);
// 100·part/whole with `decimals` decimals: percent(1, 8) == "12.50%"; `none` when whole
// is 0.
std::string percent(uint64_t part, uint64_t whole, int decimals = 2, std::string_view none = "-");

}  // namespace primer::base
