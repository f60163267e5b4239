// A subcommand of deplsim (docs/cli.md): it adds itself and its options to the command line, and runs when given.
// main.cpp only parses and dispatches; each subcommand lives in its own file of this folder.
#pragma once

#include "commands/options.hpp"

#include <CLI/CLI.hpp>

#include <memory>
#include <vector>

namespace deplsim::commands {

class Command {
public:
  virtual ~Command() = default;
  /// Adds the subcommand and its options to `app`; returns it.
  virtual CLI::App* attach(CLI::App& app, Session& session) = 0;
  /// Runs it, once the command line is parsed and the plug-ins are loaded; returns the exit code. Throws
  /// InputError for bad input.
  virtual int run(Session& session) = 0;
  /// Whether it runs a SimGrid simulation in this process: then the process leaves without destructors (SimGrid's
  /// engine is never torn down; it can crash doing so).
  [[nodiscard]] virtual bool simulates() const { return false; }
};

std::unique_ptr<Command> make_validate_command();
std::unique_ptr<Command> make_plan_command();
std::unique_ptr<Command> make_run_command();
std::unique_ptr<Command> make_calibrate_command();
std::unique_ptr<Command> make_compare_command();
std::unique_ptr<Command> make_list_command();
std::unique_ptr<Command> make_sweep_command();
std::unique_ptr<Command> make_sweep_task_command();
std::unique_ptr<Command> make_platform_command();
std::unique_ptr<Command> make_reproduce_command();
std::unique_ptr<Command> make_coverage_command();

} // namespace deplsim::commands
