// What the subcommands share (see options.hpp).
#include "commands/options.hpp"

#include "experiment/external.hpp"
#include "experiment/knowledge_export.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#ifndef DEPLSIM_SOURCE_DIR
#define DEPLSIM_SOURCE_DIR "."
#endif

namespace deplsim::commands {

void add_scenario_options(CLI::App* cmd, ScenarioOptions& o, bool with_seed) {
  cmd->add_option("SCENARIO", o.scenario, "scenario file (YAML, see docs/scenario.md)")->required();
  cmd->add_option("--set", o.overrides, "override a scalar of the scenario: KEY=VALUE (dotted path; list items by name or index)")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false);
  cmd->add_option("--platform", o.platform, "replace the scenario's platform file (same zone and host names)");
  cmd->add_option("--cfg", o.cfg, "SimGrid configuration KEY:VALUE, passed to SimGrid")->type_name("KEY:VALUE")->allow_extra_args(false);
  cmd->add_option("--log", o.log, "SimGrid log setting, passed to SimGrid")->type_name("SETTING")->allow_extra_args(false);
  if (!with_seed) return;
  cmd->add_option("--seed", o.seed, "seed of every random stream (default 1)")
      ->check(CLI::Validator(
          [](std::string& s) -> std::string {
            std::uint64_t v = 0;
            auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
            if (ec != std::errc() || p != s.data() + s.size()) return "expected a non-negative integer below 2^64, got '" + s + "'";
            return "";
          },
          ""))
      ->type_name("UINT64");
}

void add_setting_flags(CLI::App* cmd, ScenarioOptions& o, const OrchestratorRegistry& registry) {
  std::size_t count = 0;
  for (const auto& e : registry.entries()) count += e.flags.size();
  o.flags.reserve(count);  // the options bind to the strings: no reallocation after this
  for (const auto& e : registry.entries())
    for (const auto& f : e.flags) {
      o.flags.emplace_back(f, std::string());
      cmd->add_option(f.flag, o.flags.back().second, f.help)->type_name(f.type_name)->check(CLI::Range(f.range.lo, f.range.hi));
    }
}

void add_plugin_option(CLI::App* cmd, std::vector<std::string>& plugins) {
  cmd->add_option("--plugin", plugins, "load orchestrators from a plug-in shared library (repeatable; see docs/orchestrators.md)")
      ->type_name("LIB.so")
      ->allow_extra_args(false);
}

std::vector<std::string> setting_flag_arguments(const ScenarioOptions& o) {
  std::vector<std::string> out;
  for (const auto& [flag, value] : o.flags)
    if (!value.empty()) out.insert(out.end(), {flag.flag, value});
  return out;
}

ContextOptions context_options(const ScenarioOptions& o) {
  ContextOptions c;
  c.scenario = o.scenario;
  c.overrides = o.overrides;
  if (!o.platform.empty()) c.platform = o.platform;
  c.simgrid_cfg = o.cfg;
  c.simgrid_log = o.log;
  c.seed = o.seed;
  c.orchestrators = o.registry;
  for (const auto& [flag, value] : o.flags)
    if (!value.empty()) c.overrides.push_back(fmt::format("planners.{}={}", flag.key, value));
  return c;
}

TempDir::TempDir() {
  std::string t = (std::filesystem::temp_directory_path() / "deplsim-knowledge-XXXXXX").string();
  if (mkdtemp(t.data()) == nullptr)
    throw std::runtime_error(fmt::format("cannot create a temporary folder {}: {}", t, std::strerror(errno)));
  path = t;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
}

void check_orchestrator(const OrchestratorChoice& choice, const OrchestratorRegistry& registry) {
  if (choice.name == kExternalOrchestrator) {
    if (choice.external_cmd.empty())
      throw InputError(InputIssue{"--orchestrator", 0, 0, "", "'external' needs --external-cmd CMD (the command that starts it)"});
    return;
  }
  if (!choice.external_cmd.empty())
    throw InputError(InputIssue{"--external-cmd", 0, 0, "", fmt::format("only with --orchestrator external, not '{}'", choice.name)});
  (void)registry.make(choice.name);  // unknown names fail, listing the known ones
}

std::unique_ptr<Orchestrator> make_orchestrator(const OrchestratorChoice& choice, const Context& ctx, std::optional<TempDir>& knowledge) {
  if (choice.name != kExternalOrchestrator) return ctx.make_orchestrator(choice.name);
  knowledge.emplace();
  export_knowledge(knowledge->path, ctx);
  return std::make_unique<ExternalOrchestrator>(choice.external_cmd, knowledge->path);
}

// An issue is one line: a control character that reached a message (a value quoted raw somewhere) is escaped here,
// whatever built the message, so that no input can split an error line or drive the terminal.
void print_issues(const InputError& e) {
  for (const auto& i : e.issues()) {
    std::string line;
    for (const unsigned char c : i.str()) {
      if (c < 0x20 || c == 0x7f) line += fmt::format("\\x{:02x}", c);
      else line += static_cast<char>(c);
    }
    fmt::print(stderr, "error: {}\n", line);
  }
}

std::string data_dir() {
  const char* env = std::getenv("DEPLSIM_DATA_DIR");
  return env != nullptr && *env != '\0' ? env : DEPLSIM_SOURCE_DIR;
}

} // namespace deplsim::commands
