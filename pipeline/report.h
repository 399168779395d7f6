// `primer report`: one self-contained HTML page about a dataset directory or a training
// output directory, to look at in a browser (or print) with nothing else installed.
//
//   pipeline::ReportSummary s = pipeline::write_report("out/tinystories", "out/tinystories/report.html");
//   if (!s.problems.empty()) ...   // the page was written and names each problem
//
// What the page holds, by what the directory holds:
//   manifest.json / data/*.jsonl[.zst]   the funnel (prompts → replies → each filter's drops
//                                        by reason → kept, with shares; tokens and cost), the
//                                        distributions of story length, OOV rate, features,
//                                        required-word coverage and, when records carry
//                                        "topic", "audience" or "style", their cross table;
//                                        the most frequent out-of-vocabulary words with
//                                        examples in context; a searchable sample of kept
//                                        documents; the manifest summary and verify status
//   rejected/*.jsonl[.zst]               a searchable sample of dropped documents with the
//                                        filter and reason (`primer filter --rejected`)
//   metrics.jsonl                        loss and validation-loss curves, tokens/s, learning
//                                        rate (and GFLOP/s when rows carry "gflops");
//                                        checkpoints (directories with state.json)
//   eval.json                            the eval table: "scores" ({"mean", "ci95"} or plain
//                                        numbers) and "auto"; other shapes shown as JSON
//
// The page is one file: inline CSS, inline SVG charts and a small inline script (the
// sample search; a query in the URL, report.html#q=dragon, is applied on load). A
// Content-Security-Policy meta tag allows nothing else, so opening it makes no network
// request. Its size is bounded whatever the dataset size: at most `sample_rows` documents
// of each table, each cut to `sample_chars`, and at most `scan_records` records read for
// the distributions (spread over the shards; the page says how many).
//
// A missing manifest, a missing or truncated shard, a malformed line or an unreadable
// metrics file does not stop the report: what could be read is shown, and each problem
// is listed at the top of the page.
//
// Thread-compatible: no shared state.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace primer::pipeline {

struct ReportOptions {
  bool verify = true;             // recompute shard sha256 and counts (storage::inspect --verify)
  size_t sample_rows = 200;       // documents in each samples table (kept, rejected)
  size_t sample_chars = 1500;     // each text cut to this many bytes (UTF-8 boundary)
  uint64_t scan_records = 50000;  // records read for the distributions, in all
  size_t top_oov = 40;            // out-of-vocabulary words listed
  // The vocabulary for the OOV figures; empty: the run's [vocab] list from the manifest's
  // config (looked up like a config path), else the bundled vocab/default.txt.
  std::filesystem::path vocab_list;
};

struct ReportSummary {
  std::string kind;                   // "dataset", "training", "dataset+training" or "unknown"
  std::vector<std::string> problems;  // each "WHAT: what is wrong", also on the page
  uint64_t bytes = 0;                 // size of the page
};

// Builds the page for `dir`. Throws std::runtime_error only when `dir` is not a directory.
std::string render_report(const std::filesystem::path& dir, const ReportOptions& options, ReportSummary& summary);

// render_report, written atomically to `out`. Throws storage::StorageError when `out`
// cannot be written.
ReportSummary write_report(const std::filesystem::path& dir, const std::filesystem::path& out,
                           const ReportOptions& options = {});

// The end of `primer run` (and `primer train`): writes DIR/report.html. A failure is one
// warning line on stderr, never an error: the data is complete whatever happens to its
// page. `verify`: ReportOptions::verify. `announce`: one line on stderr naming the page.
// Returns whether it was written.
bool write_report_at_end(const std::filesystem::path& dir, bool verify, bool announce);

}  // namespace primer::pipeline
