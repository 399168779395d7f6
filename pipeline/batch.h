// The OpenAI Batch API, both ways.
//
// export: one request line per prompt,
//   {"custom_id":"<prompt id, 16 hex digits>","method":"POST","url":"/v1/chat/completions","body":{...}}
// in DIR/batch-NNNNN.jsonl files of at most 50,000 lines and 100 MB (the API's limits).
// import: result lines {"id","custom_id","response":{"status_code","request_id","body"},"error"}
// in any order and any number of files, joined on custom_id; error lines and non-200
// responses become counted teacher failures with the server's message.
#pragma once

#include <filesystem>
#include <istream>
#include <map>
#include <string>
#include <vector>

#include "generators/http_teacher.h"
#include "pipeline/config.h"

namespace primer::pipeline {

struct BatchExport {
  std::vector<std::filesystem::path> files;
  uint64_t requests = 0;
  uint64_t bytes = 0;
};
// Writes the request files (atomically). Throws ConfigError unless teacher.kind = "openai".
BatchExport export_batch(const Config& config, const std::filesystem::path& dir, uint64_t max_lines = 50000,
                         uint64_t max_bytes = 100'000'000);

struct BatchResults {
  std::map<uint64_t, generators::Completion> replies;  // by prompt index, failures included
  uint64_t lines = 0;
  uint64_t ok = 0;
  uint64_t failed = 0;                // error lines and non-200 responses
  uint64_t malformed = 0;             // lines that are not a result line
  uint64_t unknown = 0;               // custom_id of no prompt of this config
  uint64_t duplicates = 0;            // a second result for the same prompt (the first wins)
  std::vector<std::string> examples;  // a few error messages, for the user
};
// Reads result files (.jsonl or .jsonl.zst). Throws StorageError for unreadable files.
BatchResults read_batch_results(const Config& config, const std::vector<std::filesystem::path>& files);
// The same over one file's bytes in an open stream; `name` names it in errors.
BatchResults read_batch_results(const Config& config, std::istream& in, const std::string& name);

}  // namespace primer::pipeline
