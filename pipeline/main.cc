// The `primer` command line. Each command has --help; errors are one line on stderr:
// exit 2 for a bad command line or config (including a missing file), 1 for a failure
// while running, 130 when interrupted (rerun the same command to resume).
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>

#ifdef PRIMER_WITH_MIMALLOC
#include <mimalloc.h>
#endif

#include "pipeline/commands.h"
#include "pipeline/config.h"
#include "pipeline/run.h"
#include "storage/files.h"

#ifndef PRIMER_VERSION
#define PRIMER_VERSION "0.0.0"
#endif

namespace primer::cli {

CLI::App* Commands::add(const std::string& name, const std::string& description, std::function<int()> handler,
                        CLI::App* parent) {
  CLI::App* sub = (parent ? parent : &app_)->add_subcommand(name, description);
  handlers_.emplace_back(sub, std::move(handler));
  return sub;
}

int Commands::dispatch() const {
  for (const auto& [sub, handler] : handlers_)
    if (sub->parsed() && sub->get_subcommands().empty()) return handler();
  return -1;
}

// "VERSION (malloc: ALLOCATOR)": the allocator that actually serves malloc in this
// process, checked on a live block (an LD_PRELOAD or a link-order slip shows here).
std::string version_text() {
  std::string allocator = "glibc";
#ifdef PRIMER_WITH_MIMALLOC
  void* probe = std::malloc(64);
  if (mi_is_in_heap_region(probe)) {
    const int v = mi_version();  // 209 for 2.0.9
    allocator = "mimalloc " + std::to_string(v / 100) + "." + std::to_string(v / 10 % 10) + "." + std::to_string(v % 10);
  } else {
    allocator = "not mimalloc, although linked with it";
  }
  std::free(probe);
#endif
  return std::string(PRIMER_VERSION) + " (malloc: " + allocator + ")";
}

int report_error(int code, const std::string& message) {
  std::fprintf(stderr, "primer: error: %s\n", message.c_str());
  return code;
}

}  // namespace primer::cli

int main(int argc, char** argv) {
  using namespace primer;
  CLI::App app{
      "primer turns a teacher language model into clean training data for small language models "
      "(TinyStories-style stories), and trains the small model on it.",
      "primer"};
  app.set_version_flag("--version", std::function<std::string()>(cli::version_text));  // probed only when asked
  app.require_subcommand(1);
  app.footer("Run 'primer COMMAND --help' for the options of a command.");

  cli::Commands commands(app);
  cli::add_run_command(commands);
  cli::add_train_command(commands);
  cli::add_model_commands(commands);
  cli::add_eval_command(commands);
  cli::add_vocab_commands(commands);
  cli::add_inspect_command(commands);
  cli::add_tokenizer_commands(commands);
  cli::add_batch_commands(commands);
  cli::add_filter_command(commands);
  cli::add_report_command(commands);
  cli::add_merge_command(commands);
  cli::add_slurm_commands(commands);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return cli::report_error(2, std::string(e.what()) + "; see 'primer --help'");
  }

  try {
    const int code = commands.dispatch();
    if (code >= 0) return code;
    return cli::report_error(2, "no command given; see 'primer --help'");
  } catch (const cli::UsageError& e) {
    return cli::report_error(2, e.what());
  } catch (const pipeline::ConfigError& e) {
    return cli::report_error(2, e.what());
  } catch (const std::exception& e) {  // RunError, StorageError, ...
    return cli::report_error(1, e.what());
  }
}
