// The `primer` command line is assembled from one file per command group
// (pipeline/cmd_*.cc). Each adds its subcommands to the CLI11 app with a handler that
// returns the exit code. Handlers may throw: main() turns ConfigError and usage errors
// into exit 2, anything else into exit 1, each as one line on stderr.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

namespace primer::cli {

// Thrown by a handler for a bad command line or bad input named on it: exit code 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Commands {
 public:
  explicit Commands(CLI::App& app) : app_(app) {}
  // Adds a subcommand (or a nested one when `parent` is given) with its handler.
  CLI::App* add(const std::string& name, const std::string& description, std::function<int()> handler,
                CLI::App* parent = nullptr);
  CLI::App& app() { return app_; }
  // Runs the handler of the subcommand that was parsed; -1 if none was.
  int dispatch() const;

 private:
  CLI::App& app_;
  std::vector<std::pair<CLI::App*, std::function<int()>>> handlers_;
};

// Checks of numeric options whose messages say what is allowed ("--threads: must be 0 or
// more, not -1"). CLI11's own ranges print 309-digit bounds ("Value -1 not in range 0 to
// 179769...") and let NaN through; these refuse NaN and text that is not a number.
CLI::Validator at_least(double min);             // min <= x
CLI::Validator between(double min, double max);  // min <= x <= max
// A path named on the command line must exist: "checkpoint: out/x does not exist", exit 2
// in every command (not 1 from whichever loader meets it first).
CLI::Validator existing_path();

// What is wrong with the command words of argv ("unknown command 'frobnicate'; the
// commands are: run, ..."); empty when they name a command.
std::string command_words_error(const CLI::App& app, int argc, char** argv);

// One line on stderr: "primer: error: MESSAGE". Returns `code`.
int report_error(int code, const std::string& message);

// Command groups (one file each).
void add_run_command(Commands& commands);
void add_vocab_commands(Commands& commands);
void add_inspect_command(Commands& commands);
void add_tokenizer_commands(Commands& commands);
void add_batch_commands(Commands& commands);
void add_filter_command(Commands& commands);
void add_train_command(Commands& commands);
void add_model_commands(Commands& commands);
void add_eval_command(Commands& commands);
void add_report_command(Commands& commands);
void add_merge_command(Commands& commands);
void add_slurm_commands(Commands& commands);
void add_prompts_command(Commands& commands);

}  // namespace primer::cli
