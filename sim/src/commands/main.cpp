// deplsim's command line (docs/cli.md): parses the arguments (CLI11) and runs the subcommand given, each in its own
// file of this folder. SimGrid only ever sees the --cfg/--log settings passed through. Exit codes
// (support/exit_codes.hpp): 0 done, 1 internal error, 2 bad input, 3 infeasible or insufficient data, 4 partly
// done, 130 interrupted.
#include "commands/command.hpp"

#include "experiment/plugin_loader.hpp"
#include "orchestrators/builtins.hpp"
#include "support/exit_codes.hpp"
#include "support/files.hpp"
#include "support/progress.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <system_error>
#include <unistd.h>

namespace {

// How every command ends: the output locks released, stdout flushed and checked (a result that could not be
// written is exit 2, whatever the command's own code), then the process leaves (without destructors where SimGrid
// ran: its engine is never torn down, it can crash doing so).
[[noreturn]] void leave(int rc, int stdout_errno = 0) {
  deplsim::release_output_locks();
  if (!deplsim::stdout_written(stdout_errno)) rc = deplsim::exit_code::input;
  std::fflush(stderr);
  _exit(rc);
}

} // namespace

#ifndef DEPLSIM_VERSION
#define DEPLSIM_VERSION "unknown"
#endif

int main(int argc, char** argv) {
  using namespace deplsim;
  using namespace deplsim::commands;
  guard_stderr();  // a message that cannot be written is dropped, never a crash (2>/dev/full)
  Session session;
  register_builtin_orchestrators(session.registry);

  CLI::App app{"deplsim: simulation of dependable distributed training on SimGrid"};
  app.set_version_flag("--version", std::string("deplsim ") + DEPLSIM_VERSION);
  app.require_subcommand(1);
  // --quiet anywhere on the line (before or after the subcommand): no progress lines, here or in child processes.
  bool quiet_flag = false;
  app.add_flag("--quiet,-q", quiet_flag, "no progress lines on stderr (also DEPLSIM_QUIET=1; errors and results still print)");
  app.fallthrough();
  std::vector<std::unique_ptr<Command>> commands;
  for (auto make : {make_validate_command, make_plan_command, make_run_command, make_calibrate_command, make_compare_command,
                    make_list_command, make_sweep_command, make_platform_command, make_reproduce_command, make_coverage_command,
                    make_sweep_task_command})
    commands.push_back(make());
  std::vector<std::pair<CLI::App*, Command*>> attached;
  for (auto& c : commands) attached.emplace_back(c->attach(app, session), c.get());

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    leave(app.exit(e));
  } catch (const CLI::CallForAllHelp& e) {
    leave(app.exit(e));
  } catch (const CLI::CallForVersion& e) {
    leave(app.exit(e));
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    leave(exit_code::input);
  }

  if (quiet_flag) set_quiet();
  try {
    for (const auto& p : session.plugins) load_plugin(p, session.registry);  // bad plug-ins: InputError, exit 2
    for (auto& [cli, command] : attached)
      if (*cli) leave(command->run(session));
  } catch (const InputError& e) {  // WriteError too: a failed write of an output
    print_issues(e);
    leave(exit_code::input);
  } catch (const std::filesystem::filesystem_error& e) {  // the file system refused (no space, read-only...): not a bug
    fmt::print(stderr, "error: {}: {}\n", e.path1().string(), e.code().message());
    leave(exit_code::input);
  } catch (const std::system_error& e) {
    if (std::ferror(stdout) != 0) leave(exit_code::input, e.code().value());  // a failed print to stdout (fmt throws)
    fmt::print(stderr, "internal error: {}\n", e.what());
    leave(exit_code::internal);
  } catch (const std::exception& e) {
    fmt::print(stderr, "internal error: {}\n", e.what());
    leave(exit_code::internal);
  }
  leave(exit_code::internal);
}
