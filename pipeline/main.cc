// The `primer` command line. Each command has --help; errors are one line on stderr:
// exit 2 for a bad command line or config (including a missing file), 1 for a failure
// while running, 130 when interrupted (rerun the same command to resume).
#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
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
    allocator =
        "mimalloc " + std::to_string(v / 100) + "." + std::to_string(v / 10 % 10) + "." + std::to_string(v % 10);
  } else {
    allocator = "not mimalloc, although linked with it";
  }
  std::free(probe);
#endif
  return std::string(PRIMER_VERSION) + " (malloc: " + allocator + ")";
}

namespace {

// The option's text as a number, or an error saying what was expected.
std::string parse_number(const std::string& text, double& v) {
  char* end = nullptr;
  v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size()) return "'" + text + "' is not a number";
  if (std::isnan(v)) return "must be a number, not " + text;
  return {};
}

// 0.1 → "0.1", 65535 → "65535", 2^32 → "4294967296": the shortest text that reads back.
std::string number_text(double v) { return fmt::format("{}", v); }

}  // namespace

CLI::Validator at_least(double min) {
  return CLI::Validator(
      [min](std::string& text) -> std::string {
        double v = 0;
        if (std::string e = parse_number(text, v); !e.empty()) return e;
        if (v < min) return "must be " + number_text(min) + " or more, not " + text;
        return {};
      },
      ">=" + number_text(min));
}

CLI::Validator between(double min, double max) {
  return CLI::Validator(
      [min, max](std::string& text) -> std::string {
        double v = 0;
        if (std::string e = parse_number(text, v); !e.empty()) return e;
        if (v < min || v > max)
          return "must be between " + number_text(min) + " and " + number_text(max) + ", not " + text;
        return {};
      },
      number_text(min) + ".." + number_text(max));
}

CLI::Validator existing_path() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        std::error_code ec;
        if (!std::filesystem::exists(text, ec)) return text + " does not exist";
        return {};
      },
      "PATH");
}

// A command word that names no command ("primer frobnicate", "primer vocab frob") or a
// command group without its command ("primer vocab"), as one message; empty when the
// words name a command (its options and arguments are CLI11's to check).
std::string command_words_error(const CLI::App& app, int argc, char** argv) {
  const CLI::App* current = &app;
  std::string path = "primer";
  auto names = [](const CLI::App* a) {
    std::string list;
    for (const CLI::App* s : a->get_subcommands([](const CLI::App*) { return true; }))
      list += (list.empty() ? "" : ", ") + s->get_name();
    return list;
  };
  for (int i = 1;; ++i) {
    const auto subs = current->get_subcommands([](const CLI::App*) { return true; });
    if (subs.empty()) return {};
    if (i >= argc) return "'" + path + "' needs a command: " + names(current) + "; see '" + path + " --help'";
    const std::string word = argv[i];
    if (word.empty() || word[0] == '-') return {};  // --help, --version, or an option CLI11 will name
    const CLI::App* next = nullptr;
    for (const CLI::App* s : subs)
      if (s->check_name(word)) next = s;
    if (!next)
      return "unknown command '" + word + "'" + (current == &app ? "" : " for '" + path + "'") +
             "; the commands are: " + names(current) + "; see '" + path + " --help'";
    current = next;
    path += " " + word;
  }
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
  cli::add_prompts_command(commands);

  if (const std::string e = cli::command_words_error(app, argc, argv); !e.empty()) return cli::report_error(2, e);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // "see 'primer run --help'": the help of the command whose options were wrong.
    std::string command = "primer";
    for (const CLI::App* current = &app; current;) {
      const CLI::App* next = nullptr;
      for (const CLI::App* sub : current->get_subcommands([](const CLI::App*) { return true; }))
        if (sub->parsed()) next = sub;
      if (next) command += " " + next->get_name();
      current = next;
    }
    return cli::report_error(2, std::string(e.what()) + "; see '" + command + " --help'");
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
