// What the subcommands share (docs/cli.md): the options of every command that reads a scenario, the settings
// shorthands orchestrators declare (--node-limit ...), --plugin, and choosing, making and finishing an orchestrator
// (a registered one, or an external process).
#pragma once

#include "deplsim/orchestrator.hpp"
#include "experiment/context.hpp"

#include <CLI/CLI.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace deplsim::commands {

/// The orchestrator the CLI uses when none is named.
inline constexpr const char* kDefaultOrchestrator = "depl";

/// What every command of a run shares: the orchestrators known (built-ins, then plug-ins) and the --plugin paths.
struct Session {
  OrchestratorRegistry registry;
  std::vector<std::string> plugins;
};

/// Options shared by the commands that read a scenario.
struct ScenarioOptions {
  std::string scenario;
  std::vector<std::string> overrides;
  std::string platform;
  std::vector<std::string> cfg;
  std::vector<std::string> log;
  std::uint64_t seed = 1;
  /// Values of the orchestrators' setting shorthands (SettingFlag), in the registry's order; empty when not given.
  std::vector<std::pair<SettingFlag, std::string>> flags;
  const OrchestratorRegistry* registry = nullptr;  ///< set once the plug-ins are loaded
};

void add_scenario_options(CLI::App* cmd, ScenarioOptions& o, bool with_seed);
/// The shorthands every registered orchestrator declares (`--node-limit N` for planners.optimum.node_limit=N).
void add_setting_flags(CLI::App* cmd, ScenarioOptions& o, const OrchestratorRegistry& registry);
/// `--plugin LIB.so` (repeatable): every command that names orchestrators takes it.
void add_plugin_option(CLI::App* cmd, std::vector<std::string>& plugins);
/// The shorthands given, as the command-line arguments that repeat them (to pass on to units).
std::vector<std::string> setting_flag_arguments(const ScenarioOptions& o);
ContextOptions context_options(const ScenarioOptions& o);

/// A temporary folder (the knowledge an external orchestrator reads), removed with everything in it.
struct TempDir {
  std::filesystem::path path;
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

/// --orchestrator NAME and --external-cmd CMD.
struct OrchestratorChoice {
  std::string name = kDefaultOrchestrator;
  std::string external_cmd;
};

/// --orchestrator external needs --external-cmd, and --external-cmd needs --orchestrator external; any other
/// name must be registered. Before any loading.
void check_orchestrator(const OrchestratorChoice& choice, const OrchestratorRegistry& registry);
/// The orchestrator, configured: a registered one, or an external process reading the knowledge exported into
/// `knowledge` (which must outlive it).
std::unique_ptr<Orchestrator> make_orchestrator(const OrchestratorChoice& choice, const Context& ctx, std::optional<TempDir>& knowledge);

void print_issues(const InputError& e);
/// Where deplsim's data files (analysis/ scripts, scenarios) are read from: $DEPLSIM_DATA_DIR when set and not
/// empty, else the source tree deplsim was built from.
std::string data_dir();

} // namespace deplsim::commands
