// primer filter FILES... --config CONFIG --out DIR [--rejected] [--threads N] [--quiet]
//
// Runs a config's [[filters]] chain over existing JSON Lines files (.jsonl or
// .jsonl.zst; any records with a string "text"), so it serves data made elsewhere too.
// Kept records go to DIR/data/train-NNNNN-of-NNNNN.jsonl.zst unchanged (or with the
// scrubbed text, when a regex scrub rule changed it); with --rejected, dropped ones go to
// DIR/rejected/rejected-NNNNN.jsonl.zst with "rejected_by" (the filter) and
// "reject_reason" after "text". DIR/manifest.json (written last) holds the counts per
// filter and reason and the shards; filters with a report (decontaminate) write it into
// DIR. Prompt metadata is read when present ("id" as 16 hex digits, "index", "words":
// [verb, noun, adjective], "features", "finish_reason", "prompt"); a record without it
// skips the checks that need it (required words, requested features).
//
// Records flow through a oneTBB pipeline in blocks of about 2 MB of lines: a reader
// thread decompresses and splits the files; the lines are parsed (simdjson) and
// prepare()d in parallel; ordinals are given, and decide() and the shard writers run, in
// file order, so the output is the same whatever --threads. The shard writers compress,
// hash and write on threads of their own (storage/shard.h).
//
// Input: zstd or plain by the file's first bytes, whatever its name; CRLF line ends and a
// UTF-8 byte order mark are read as plain lines; blank lines are skipped. Malformed lines
// are skipped and counted per reason in the manifest (the "input" row); a file none of
// whose lines is a record is an error.
//
// Unfinished output: DIR/.primer-filter-unfinished marks a directory this command is
// writing. A failure or Ctrl-C removes what it wrote; if it could not (killed, power
// lost), the rerun finds the marker without manifest.json and starts over. Filtering is
// deterministic, so starting over gives what one uninterrupted run gives.
#include <simdjson.h>
#include <tbb/global_control.h>
#include <tbb/parallel_pipeline.h>
#include <tbb/task_arena.h>

#include <chrono>
#include <cstdio>
#include <exception>
#include <fmt/format.h>
#include <map>
#include <memory>

#include "base/json.h"
#include "base/rng.h"
#include "pipeline/commands.h"
#include "pipeline/config.h"
#include "pipeline/run.h"
#include "pipeline/stop_signal.h"
#include "storage/files.h"
#include "storage/layout.h"
#include "storage/manifest.h"
#include "storage/parsed_block.h"
#include "storage/reader.h"
#include "storage/record.h"
#include "storage/shard.h"

#ifndef PRIMER_VERSION
#define PRIMER_VERSION "0.0.0"
#endif

namespace primer::cli {
namespace {
namespace fs = std::filesystem;

struct FilterArgs {
  std::vector<std::string> files;
  std::string config;
  std::string out;
  bool rejected = false;
  int threads = 0;
  bool quiet = false;
};

constexpr const char* kUnfinished = ".primer-filter-unfinished";
constexpr const char* kMalformedReasons[] = {"invalid_json", "not_object", "no_text"};  // storage::ReadStats

struct Interrupted {};

// Makes `out` ready to write: new, empty, or this command's own unfinished output (then
// emptied). Returns whether the directory was created here.
bool prepare_out(const fs::path& out, bool quiet) {
  if (!fs::exists(out)) {
    fs::create_directories(out);
    return true;
  }
  if (!fs::is_directory(out)) throw UsageError(out.string() + " is not a directory; choose another --out");
  if (fs::is_empty(out)) return false;
  if (fs::exists(out / "manifest.json"))
    throw pipeline::RunError(out.string() + " already holds a finished dataset (manifest.json); choose another --out");
  if (!fs::exists(out / kUnfinished))  // exit 1, as `run` and `train` say of a directory of other files
    throw pipeline::RunError(out.string() + " is not empty and holds no primer filter output; choose another --out");
  if (!quiet)
    std::fprintf(stderr,
                 "primer filter: %s holds an unfinished primer filter output (no manifest.json); starting over\n",
                 out.c_str());
  for (const auto& e : fs::directory_iterator(out)) fs::remove_all(e.path());
  return false;
}

// Removes what this command wrote into `out` (all of it: it was new or empty).
void discard(const fs::path& out, bool created) noexcept {
  std::error_code ec;
  if (created) {
    fs::remove_all(out, ec);
    return;
  }
  for (fs::directory_iterator it(out, ec), end; !ec && it != end; it.increment(ec)) fs::remove_all(it->path(), ec);
}

struct Pending {
  base::Doc doc;
  std::string_view line;  // the original JSON line (in its Block)
  bool scrubbed = false;  // a filter rewrote its text
  filters::Prepared prepared;
  bool has_id = false, has_index = false;  // else derived from the ordinal
};

// A run of whole lines of one file, in order (storage/line_blocks.h), as it goes through
// the pipeline.
struct Block : storage::ParsedLineBlock {
  std::vector<Pending> records;  // the records, in order
  void clear() override {
    records.clear();
    ParsedLineBlock::clear();
  }
};

int run_filter(const FilterArgs& a, const pipeline::Config& config, const fs::path& out);

int filter_command(const FilterArgs& a) {
  const pipeline::Config config = pipeline::load_config(a.config);
  const fs::path out = a.out;
  for (const auto& f : a.files)
    if (!fs::is_regular_file(f)) throw UsageError(f + ": no such file");
  const bool created = prepare_out(out, a.quiet);
  pipeline::StopOnSignals signals;  // Ctrl-C: stop at the next batch, remove the partial output
  try {
    storage::write_file_atomic(out / kUnfinished, "primer filter is writing this directory\n");
    const int code = run_filter(a, config, out);
    fs::remove(out / kUnfinished);  // after manifest.json: the output is complete
    return code;
  } catch (const Interrupted&) {
    discard(out, created);
    std::fprintf(stderr,
                 "primer filter: interrupted; removed the partial output in %s (rerun the same command to start "
                 "again)\n",
                 out.c_str());
    return 130;
  } catch (const UsageError&) {
    discard(out, created);
    throw;
  } catch (const pipeline::ConfigError&) {
    discard(out, created);
    throw;
  } catch (const std::exception& e) {
    discard(out, created);
    throw pipeline::RunError(fmt::format("{}; removed the partial output in {} (rerun the same command to start again)",
                                         e.what(), out.string()));
  }
}

int run_filter(const FilterArgs& a, const pipeline::Config& config, const fs::path& out) {
  std::unique_ptr<tbb::global_control> limit;
  if (a.threads > 0)
    limit = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism, a.threads);

  const vocab::Vocabulary vocab = [&] {
    try {
      return vocab::Vocabulary::load(config.resolve(config.vocab_list, "vocab.list"));
    } catch (const vocab::VocabError& e) {
      throw pipeline::ConfigError(e.what());
    }
  }();
  fs::create_directories(out / storage::kDataDir);
  if (a.rejected) fs::create_directories(out / storage::kRejectedDir);
  filters::FilterContext ctx;
  ctx.vocab = &vocab;
  ctx.resolve_path = [&config](const fs::path& p, std::string_view key) { return config.resolve(p, key); };
  ctx.out_dir = out;
  ctx.journal = false;  // one pass, no checkpoints
  filters::FilterChain chain(pipeline::make_filters(config, ctx));

  const auto t0 = std::chrono::steady_clock::now();
  storage::Manifest m;
  m.primer_version = PRIMER_VERSION;
  m.config_hash = config.hash;
  m.config_json = config.canonical_json;
  m.kind = config.prompts.kind;
  m.caveats = chain.caveats();
  m.started_at = storage::utc_now();
  const storage::ShardOptions options = config.storage.shard_options();
  m.compression = config.storage.compression_info();
  const storage::ShardLimits limits{static_cast<uint64_t>(config.storage.shard_records),
                                    static_cast<uint64_t>(config.storage.shard_mb * 1e6)};
  std::vector<storage::ShardInfo> shards, rejected_shards;
  std::unique_ptr<storage::ShardWriter> train, rejected;
  auto close = [&](std::unique_ptr<storage::ShardWriter>& w, std::vector<storage::ShardInfo>& list) {
    if (!w) return;
    list.push_back(w->finish());
    w.reset();
  };
  uint64_t ordinal = 0, malformed = 0, lines = 0, blank = 0;
  std::map<std::string, uint64_t> malformed_by_reason;
  if (a.rejected)  // the record, its text as the filters left it, then who dropped it and why
    chain.set_reject_sink([&](const filters::Decision& d, std::string_view line, std::string_view text) {
      std::string extra;
      storage::append_rejection(extra, d.by, d.reason);
      if (!rejected)
        rejected =
            std::make_unique<storage::ShardWriter>(out / storage::rejected_shard_path(rejected_shards.size()), options);
      rejected->append(storage::rewrite_record(line, text, extra));
      if (rejected->full(limits)) close(rejected, rejected_shards);
    });
  auto decide = [&](const Pending& p) {
    const filters::Decision v = chain.decide(p.prepared, p.line, p.doc.text());  // a drop goes to the sink
    ++m.prompts;
    ++m.replies;
    if (v.keep()) {
      ++m.kept;
      m.text_bytes += p.doc.text().size();
      if (!train)
        train = std::make_unique<storage::ShardWriter>(
            out / storage::kDataDir / storage::numbered_name("part-", shards.size(), storage::kShardSuffix), options);
      train->append(p.scrubbed ? storage::rewrite_record(p.line, p.doc.text(), "") : p.line);
      if (train->full(limits)) close(train, shards);
    }
  };
  storage::ReadStats st;  // the current file's lines
  auto end_file = [&](const Block& b) {
    const std::string& file = a.files[b.file];
    if (b.error) std::rethrow_exception(b.error);  // the records before the damage are in
    if (st.records == 0 && st.malformed > 0)
      throw pipeline::RunError(
          fmt::format("{}: no line is a JSON object with a string \"text\": {}", file, st.describe_malformed()));
    lines += st.lines;
    blank += st.blank;
    if (st.malformed) {
      malformed += st.malformed;
      for (const auto& [reason, n] : st.malformed_by_reason) malformed_by_reason[reason] += n;
      if (!a.quiet) std::fprintf(stderr, "primer filter: %s: %s\n", file.c_str(), st.describe_malformed().c_str());
    }
    st = storage::ReadStats{};
  };

  // read (own thread) → parse (parallel) → ordinals (in order) → prepare (parallel) →
  // count, decide, write (in order; the shard writers compress on their own threads)
  storage::LineBlockReader<Block> reader(std::vector<fs::path>(a.files.begin(), a.files.end()));
  const bool rewrites = chain.rewrites();  // else no text changes: no copy to compare with
  bool stopped = false;
  const size_t tokens = 2 * static_cast<size_t>(tbb::this_task_arena::max_concurrency()) + 1;
  tbb::parallel_pipeline(
      tokens, tbb::make_filter<void, Block*>(tbb::filter_mode::serial_in_order, [&](tbb::flow_control& fc) -> Block* {
                if (pipeline::stop_flag()) stopped = true;
                std::unique_ptr<Block> b = stopped ? nullptr : reader.next();
                if (!b) fc.stop();
                return b.release();
              }) & tbb::make_filter<Block*, Block*>(tbb::filter_mode::parallel, [&](Block* b) {
                thread_local simdjson::dom::parser parser;
                thread_local storage::RecordFields fields;
                const size_t n = b->size();
                b->records.reserve(n);
                for (size_t i = 0; i < n; ++i) {
                  storage::RecordView r;
                  if (!b->parse_next(parser, r)) continue;
                  Pending& p = b->records.emplace_back();
                  p.line = r.line;
                  storage::parse_record(r.json, fields);
                  const storage::DocFromRecord found = storage::doc_from_record(fields, vocab, p.doc);
                  p.has_id = found.has_id;
                  p.has_index = found.has_index;
                }
                return b;
              }) & tbb::make_filter<Block*, Block*>(tbb::filter_mode::serial_in_order, [&](Block* b) {
                for (auto& p : b->records) {
                  const uint64_t o = ordinal++;
                  if (!p.has_id) p.doc.prompt.id = base::mix64(o + 1);
                  if (!p.has_index) p.doc.prompt.index = o;
                }
                return b;
              }) & tbb::make_filter<Block*, Block*>(tbb::filter_mode::parallel, [&](Block* b) {
                for (auto& p : b->records) {
                  if (!rewrites) {
                    p.prepared = chain.prepare(p.doc);
                    continue;
                  }
                  const std::string before = p.doc.text();
                  p.prepared = chain.prepare(p.doc);
                  p.scrubbed = before != p.doc.text();
                }
                return b;
              }) & tbb::make_filter<Block*, void>(tbb::filter_mode::serial_in_order, [&](Block* b) {
                std::unique_ptr<Block> own(b);
                b->count_into(st);
                for (const auto& p : b->records) decide(p);
                if (b->last) end_file(*b);
                reader.recycle(std::move(own));
              }));
  if (stopped || pipeline::stop_flag()) throw Interrupted{};
  close(train, shards);
  close(rejected, rejected_shards);
  chain.write_outputs();  // the filters' reports (decontamination.json)

  for (size_t i = 0; i < shards.size(); ++i) {
    storage::ShardInfo s = shards[i];
    const std::string rel = storage::data_shard_path("train", i, shards.size());
    storage::rename_durable(out / storage::kDataDir / s.path, out / rel);
    s.path = rel;
    s.split = "train";
    m.shards.push_back(std::move(s));
  }
  {  // the input: lines that are not records, per reason (blank lines are not counted)
    storage::FilterReport r;
    r.name = "input";
    r.seen = lines - blank;
    r.kept = r.seen - malformed;
    for (const char* reason : kMalformedReasons) r.dropped.push_back({reason, malformed_by_reason[reason]});
    m.filters.push_back(std::move(r));
  }
  for (auto& r : pipeline::filter_reports(chain)) m.filters.push_back(std::move(r));
  m.finished_at = storage::utc_now();
  m.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  storage::write_file_atomic(out / "manifest.json", m.to_json());  // last: complete
  if (!a.quiet) {
    std::printf("%s", pipeline::summary_table(m).c_str());
    if (malformed) std::printf("malformed lines skipped: %llu\n", static_cast<unsigned long long>(malformed));
    if (a.rejected) std::printf("rejected: %s/rejected/ (%zu shards)\n", out.c_str(), rejected_shards.size());
    std::printf("dataset: %s (manifest.json, data/)\n", out.c_str());
  }
  return 0;
}

}  // namespace

void add_filter_command(Commands& commands) {
  auto args = std::make_shared<FilterArgs>();
  CLI::App* cmd = commands.add("filter", "Run a config's [[filters]] chain over existing JSON Lines files.",
                               [args] { return filter_command(*args); });
  cmd->footer(
      "Reads .jsonl and .jsonl.zst files (records with a string \"text\"), keeps what the chain keeps, in order, "
      "and writes DIR/data/train-NNNNN-of-NNNNN.jsonl.zst and DIR/manifest.json (counts per filter and reason). "
      "Records written by `primer run` carry the prompt metadata that the vocab and features filters use; other "
      "records skip those checks. Malformed lines are skipped and counted per reason (the manifest's \"input\" row); "
      "a file with no valid record is an error. Interrupted or failed, it removes its partial output; rerun to start "
      "again.");
  cmd->add_option("files", args->files, "Input .jsonl / .jsonl.zst files")->required();
  cmd->add_option("--config", args->config, "Run config whose [[filters]], [vocab] and [storage] apply")->required();
  cmd->add_option("--out", args->out,
                  "Output directory (new, empty, or an unfinished primer filter output, which is started over)")
      ->required();
  cmd->add_flag("--rejected", args->rejected,
                "Also write dropped records to DIR/rejected/ with \"rejected_by\" and \"reject_reason\"");
  cmd->add_option("--threads", args->threads, "Worker threads (default: all cores)")->check(at_least(0));
  cmd->add_flag("-q,--quiet", args->quiet, "Print nothing but errors");
}

}  // namespace primer::cli
