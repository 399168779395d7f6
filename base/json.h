// Minimal JSON output helpers: strings are escaped so that the result is always valid
// UTF-8 JSON, whatever bytes come in (invalid UTF-8 becomes U+FFFD and is counted).
// Every layer that writes JSON uses them: the HTTP teacher's request bodies, records and
// manifests, model configs, the server's replies, reports.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace primer::base {

// Appends `s` as a quoted JSON string. Returns the number of invalid UTF-8 sequences
// that were replaced by U+FFFD (0 for clean input).
size_t append_json_string(std::string& out, std::string_view s);

// A tiny streaming writer for objects and arrays, producing compact JSON
// ({"a":1,"b":[true,"x"]}) or, with indent > 0, pretty-printed JSON.
class JsonWriter {
 public:
  explicit JsonWriter(int indent = 0) : indent_(indent) {}

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view k);
  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(const std::string& s) { return value(std::string_view(s)); }
  JsonWriter& value(bool b);
  JsonWriter& value(int64_t v);
  JsonWriter& value(uint64_t v);
  JsonWriter& value(int v) { return value(static_cast<int64_t>(v)); }
  JsonWriter& value(unsigned v) { return value(static_cast<uint64_t>(v)); }
  JsonWriter& value(double v);
  // Inserts already-serialised JSON as a value.
  JsonWriter& raw(std::string_view json);
  template <typename T>
  JsonWriter& field(std::string_view k, const T& v) {
    return key(k).value(v);
  }

  const std::string& str() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void before_value();
  void newline();
  std::string out_;
  int indent_;
  int depth_ = 0;
  bool first_ = true;       // no element yet in the current container
  bool after_key_ = false;  // the next value follows a key
};

// 16 lower-case hex digits.
std::string hex64(uint64_t v);
// Reads 1 to 16 hex digits (either case) and nothing else into v: hex64's inverse.
bool parse_hex64(std::string_view s, uint64_t& v);

// The balanced {...} spans of free text (a model's answer with JSON in it, bare or in a
// ``` block), one per '{', outermost first, strings and escapes respected; candidates for
// a JSON parser, which decides whether each is an object.
std::vector<std::string_view> json_object_candidates(std::string_view text);

}  // namespace primer::base
