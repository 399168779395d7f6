// The `primer` command line. Each command has --help; errors are one line on stderr:
// exit 2 for a bad command line or config (including a missing file), 1 for a failure
// while running, 130 when interrupted (rerun the same command to resume).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>

#include "pipeline/config.h"
#include "pipeline/run.h"
#include "storage/files.h"

#ifndef PRIMER_VERSION
#define PRIMER_VERSION "0.0.0"
#endif

namespace {

using namespace primer;

int error(int code, const std::string& message, const std::string& hint = {}) {
  std::fprintf(stderr, "primer: error: %s%s%s\n", message.c_str(), hint.empty() ? "" : "; ", hint.c_str());
  return code;
}

struct RunArgs {
  std::string config;
  std::string out;
  int threads = 0;
  bool quiet = false;
};

int cmd_run(const RunArgs& a) {
  const pipeline::Config config = pipeline::load_config(a.config);
  pipeline::RunOptions options;
  options.out = !a.out.empty() ? std::filesystem::path(a.out) : config.out;
  if (options.out.empty())
    return error(2, "no output directory", "give --out DIR or set out = \"...\" in " + a.config);
  options.threads = a.threads;
  options.progress = !a.quiet;
  const pipeline::RunReport r = pipeline::run(config, options);
  if (r.already_complete) {
    std::printf("%s is already complete (%llu records); nothing to do.\n", options.out.c_str(),
                static_cast<unsigned long long>(r.manifest.kept));
    return 0;
  }
  if (r.interrupted) {
    std::fprintf(stderr, "primer: interrupted after %llu prompts; rerun the same command to resume from the last checkpoint\n",
                 static_cast<unsigned long long>(r.manifest.prompts));
    return 130;
  }
  if (r.resumed_from > 0) std::printf("resumed at prompt %llu\n", static_cast<unsigned long long>(r.resumed_from));
  std::printf("%s", pipeline::summary_table(r.manifest).c_str());
  std::printf("dataset: %s (manifest.json, README.md, data/)\n", options.out.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "primer turns a teacher language model into clean training data for small language models "
      "(TinyStories-style stories), and trains the small model on it.",
      "primer"};
  app.set_version_flag("--version", PRIMER_VERSION);
  app.require_subcommand(1);
  app.footer("Run 'primer COMMAND --help' for the options of a command.");

  RunArgs run_args;
  CLI::App* run = app.add_subcommand("run", "Run the whole pipeline of a config: prompts -> teacher -> filters -> shards.");
  run->footer(
      "Writes OUT/data/{train,validation}-NNNNN-of-NNNNN.jsonl.zst, OUT/manifest.json and the dataset card "
      "OUT/README.md. Running the same command again on the same OUT resumes an interrupted run (no record is "
      "lost or duplicated) and does nothing for a finished one.");
  run->add_option("config", run_args.config, "Run config (TOML), e.g. examples/tinystories.toml")->required();
  run->add_option("--out", run_args.out, "Output dataset directory (default: the config's 'out')");
  run->add_option("--threads", run_args.threads, "Worker threads (default: all cores)")->check(CLI::NonNegativeNumber);
  run->add_flag("-q,--quiet", run_args.quiet, "No progress lines on stderr");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return error(2, e.what(), "see 'primer --help'");
  }

  try {
    if (run->parsed()) return cmd_run(run_args);
  } catch (const pipeline::ConfigError& e) {
    return error(2, e.what());
  } catch (const pipeline::RunError& e) {
    return error(1, e.what());
  } catch (const storage::StorageError& e) {
    return error(1, e.what());
  } catch (const std::exception& e) {
    return error(1, e.what());
  }
  return 0;
}
