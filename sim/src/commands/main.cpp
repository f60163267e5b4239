// deplsim's command line (docs/cli.md): parses the arguments (CLI11) and runs the subcommand given, each in its own
// file of this folder. SimGrid only ever sees the --cfg/--log settings passed through. Exit codes
// (support/exit_codes.hpp): 0 done, 1 internal error, 2 bad input, 3 infeasible or insufficient data, 4 partly
// done, 130 interrupted.
#include "commands/command.hpp"

#include "experiment/plugin_loader.hpp"
#include "orchestrators/builtins.hpp"
#include "support/exit_codes.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <unistd.h>

#ifndef DEPLSIM_VERSION
#define DEPLSIM_VERSION "unknown"
#endif

int main(int argc, char** argv) {
  using namespace deplsim;
  using namespace deplsim::commands;
  Session session;
  register_builtin_orchestrators(session.registry);

  CLI::App app{"deplsim: simulation of dependable distributed training on SimGrid"};
  app.set_version_flag("--version", std::string("deplsim ") + DEPLSIM_VERSION);
  app.require_subcommand(1);
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
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return exit_code::input;
  }

  try {
    for (const auto& p : session.plugins) load_plugin(p, session.registry);  // bad plug-ins: InputError, exit 2
    for (auto& [cli, command] : attached) {
      if (!*cli) continue;
      const int rc = command->run(session);
      if (!command->simulates()) return rc;
      // SimGrid's engine is never torn down (it can crash doing so): leave without running destructors.
      std::fflush(stdout);
      std::fflush(stderr);
      _exit(rc);
    }
  } catch (const InputError& e) {
    print_issues(e);
    std::fflush(stdout);
    std::fflush(stderr);
    _exit(exit_code::input);
  } catch (const std::exception& e) {
    fmt::print(stderr, "internal error: {}\n", e.what());
    std::fflush(stdout);
    std::fflush(stderr);
    _exit(exit_code::internal);
  }
  return exit_code::internal;
}
