// Prompt outcomes: what one prompt became before the order-dependent filters decided.
//
// A split run (`primer run CONFIG --task K/N`) cannot deduplicate: whether a record is a
// duplicate depends on every record before it, in the other tasks too. So a task applies
// the order-independent half of the filter chain (FilterChain::prepare: stateless
// verdicts, dedup keys) and writes, for every prompt of its slice, a PromptOutcome to its
// signature files and the JSON record of every candidate (not dropped by a stateless
// filter) to its candidate shards. `primer merge` replays the outcomes of all tasks in
// prompt-index order through FilterChain::decide — the same serial half a single-machine
// run applies — so the merged dataset equals that run's, counts included.
//
// Signature file (tasks/K/signatures-NNNNN.bin), little-endian:
//   header   u32 magic 0x4F545250 ("PRTO"), u32 version 1, u64 record count
//   record   u64 index, u8 flags (1 failed, 2 candidate, 4 validation),
//            i32 dropped_at, u16 reason length + reason bytes,
//            u32 prompt_tokens, u32 completion_tokens, f64 cost_usd,
//            u64 text_bytes, u64 invalid_utf8,
//            u32 key count, per key: u64 hash[2], u32 extra count, u64 extra[]
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "filters/filter.h"

namespace primer::pipeline {

struct PromptOutcome {
  uint64_t index = 0;       // prompt index
  bool failed = false;      // the teacher gave no usable reply
  bool validation = false;  // the record belongs to the validation split
  uint32_t prompt_tokens = 0, completion_tokens = 0;
  double cost_usd = 0;         // what this reply cost (0 for the built-in teacher)
  uint64_t text_bytes = 0;     // bytes of the reply text (after rewriting filters)
  uint64_t invalid_utf8 = 0;   // invalid sequences replaced in the record
  filters::Prepared prepared;  // stateless verdict and the ordered filters' keys

  // A candidate has a JSON record: it has a reply and no stateless filter dropped it.
  bool candidate() const { return !failed && prepared.dropped_at < 0; }
};

// Appends one record (no header) to `out`.
void append_outcome(std::string& out, const PromptOutcome& outcome);
// A whole signature file: header + the records already encoded by append_outcome.
std::string signature_file(std::string_view records, uint64_t count);

// Reads a signature file. Drop reasons are interned in `reasons` (std::set nodes stay
// put), so the string_views in the outcomes live as long as that set. Throws
// std::runtime_error naming the file if it is corrupt or of another version.
std::vector<PromptOutcome> read_signature_file(const std::filesystem::path& path, std::set<std::string>& reasons);

// Where `primer merge` takes the outcomes from instead of prompts and a teacher.
class OutcomeSource {
 public:
  virtual ~OutcomeSource() = default;
  // Calls fn(outcome, record) for every prompt from index `from` on, in prompt order;
  // `record` is the JSON line of a candidate (empty otherwise). Stops when fn returns
  // false. Throws std::runtime_error on inconsistent or corrupt input.
  virtual void replay(uint64_t from, const std::function<bool(const PromptOutcome&, std::string_view)>& fn) = 0;
  // Wall time and start of the sessions that produced the outcomes, for the manifest.
  virtual double seconds() const = 0;
  virtual std::string started_at() const = 0;
};

}  // namespace primer::pipeline
