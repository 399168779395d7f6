// `primer eval CHECKPOINT --config CONFIG [--samples N]`: how good is the model the
// dataset made? As TinyStories did: the small model completes the beginnings of held-out
// stories, automatic measures describe the completions, and the teacher grades them.
//
// Beginnings: the first sentences (about 40% of the words, cut at a sentence end) of the
// validation stories of the config's dataset (its `out`, or --data), or the lines of a
// file. Each is completed twice: greedy, and sampled (temperature 0.8, top-p 0.95). A
// beginning longer than the context allows (seq_len less min(max_tokens, seq_len / 2)
// for the completion) loses words at its front, keeping its end, and is counted as cut.
//
// Automatic measures: validation loss and perplexity on tokens/validation-*.bin; over the
// completions distinct-1/2/3 (unique n-grams / n-grams), repetition (the share of word
// 4-grams that repeat an earlier 4-gram of the same completion), vocabulary conformance
// (OOV rate under the config's word list), and the share that ends a sentence.
//
// Grading: with `[teacher] kind = "openai"` each completion goes to the teacher with the
// rubric prompts/eval_rubric.txt (grammar, creativity, consistency; plus plot for the
// Instruct format); scores are read from JSON (bare or in a fenced block) or from lines
// like "Grammar: 7/10"; an answer without all scores is a counted drop. Retries, rate
// limits and budget_usd are the HTTP teacher's. With the built-in teacher the grades come
// from an offline heuristic grader (clearly labelled "heuristic" in the output), so the
// whole path runs with no network: grammar from sentence shape and vocabulary, consistency
// from the beginning's content words reused, creativity from distinct words.
//
// Weight formats (--formats, default f16,q8_0): the model as loaded is the reference;
// each listed format is the same weights encoded for decoding (kernels/quant.h). For each
// (reference included): perplexity by decoding the same validation windows (up to 16 of
// seq_len + 1 tokens from tokens/validation-*.bin) with that format's kernels, and the
// share of beginnings whose first 50 greedy tokens equal the reference's. Formats whose
// blocks do not fit the model's rows (q8_0 needs dim and hidden_dim multiples of 32) are
// reported as skipped.
//
// Output: a table on stdout (mean and 95% interval per score), CHECKPOINT/eval.json and
// CHECKPOINT/eval.svg (bars per score with their intervals).
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/config.h"

namespace primer::pipeline {

struct EvalOptions {
  std::filesystem::path checkpoint;
  std::filesystem::path data;                       // empty: the config's out
  std::optional<std::filesystem::path> beginnings;  // a file, one beginning per line
  int samples = 50;
  int max_tokens = 200;
  uint64_t seed = 1;
  bool progress = true;
  std::vector<std::string> formats = {"f16", "q8_0"};  // compared with the model as loaded
};

struct FormatQuality {
  std::string format;                // "f32", "f16", "bf16", "q8_0"
  bool reference = false;            // the model as loaded
  std::optional<double> perplexity;  // decoding the validation windows
  double greedy_identical = 0;       // share of beginnings with the reference's first 50 greedy tokens
  uint64_t bytes_per_token = 0;      // weight bytes a decoding step reads
  std::string skipped;               // why the format could not run on this model
};

struct ScoreSummary {
  double mean = 0, ci95 = 0;  // 1.96 · sd / sqrt(n)
  uint64_t n = 0;
};

struct EvalResult {
  std::filesystem::path checkpoint;  // resolved checkpoint directory
  std::string judge;                 // teacher model name, or "heuristic"
  std::optional<double> val_loss;
  std::map<std::string, double> automatic;         // measure → value, per mode "greedy.distinct_1", ...
  std::map<std::string, ScoreSummary> scores;      // "greedy.grammar", "sampled.creativity", ...
  uint64_t graded = 0, ungraded = 0;               // completions with / without usable grades
  uint64_t beginnings = 0;                         // beginnings completed (each greedy and sampled)
  uint64_t beginnings_cut = 0;                     // of them, cut at the front to fit the context
  std::vector<std::string> examples;               // a few "beginning *** completion" texts
  std::vector<FormatQuality> formats;              // the reference first
  uint64_t format_windows = 0, format_tokens = 0;  // validation windows / tokens per perplexity
};

// Throws RunError when nothing was measured: every completion empty, or none graded.
EvalResult evaluate(const Config& config, const EvalOptions& options);
std::string eval_table(const EvalResult& r);
// Writes eval.json and eval.svg into r.checkpoint.
void write_eval_outputs(const EvalResult& r);

// Scores named `keys` (lower case) from a grader's answer: the last JSON object (bare or
// in a ``` block) holding them, else lines "Key: 7", "Key: 7/10", "key = 7.5". Every key
// must be found with a value in [1, 10]; otherwise nullopt.
std::optional<std::map<std::string, double>> parse_scores(std::string_view answer,
                                                          const std::vector<std::string>& keys);

// The beginning of a story: whole sentences up to about `share` of its words (at least
// one sentence, never the whole story); "" when the story has a single sentence.
std::string story_beginning(std::string_view story, double share = 0.4);

}  // namespace primer::pipeline
