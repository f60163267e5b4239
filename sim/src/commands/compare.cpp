// `deplsim compare SCENARIO --orchestrators A,B,...`: each orchestrator as its own unit (a `deplsim run` process),
// then comparison.csv and comparison.md (studies/compare.cpp).
#include "commands/command.hpp"

#include "experiment/external.hpp"
#include "studies/compare.hpp"
#include "support/process.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <sstream>

namespace deplsim::commands {
namespace {

class Compare final : public Command {
public:
  CLI::App* attach(CLI::App& app, Session& session) override {
    auto* cmd = app.add_subcommand("compare", "run several orchestrators on one scenario, each as its own unit, and compare them");
    add_scenario_options(cmd, o_, true);
    add_setting_flags(cmd, o_, session.registry);
    add_plugin_option(cmd, session.plugins);
    cmd->add_option("--orchestrators", orchestrators_, "comma-separated orchestrator names (the first is the reference)")->required();
    cmd->add_option("--replications", replications_, "number of replications per orchestrator")
        ->capture_default_str()
        ->check(CLI::Range(1, 10'000'000));
    out_option_ = cmd->add_option("--out", out_, "output folder (default results/compare/SCENARIO-sSEED)");
    cmd->add_flag("--force", force_, "replace the output folder if it exists");
    cmd->add_option("--external-cmd", external_cmd_,
                    "command that starts the external orchestrator named 'external' in --orchestrators (docs/orchestrators.md)");
    cmd->add_flag("--trace-all", trace_all_, "trace every replication in each trace.csv");
    cmd->add_flag("--no-figures", no_figures_, "write no figures and no report.html (they need /usr/bin/python3 with matplotlib)");
    cmd->add_flag("--simulate-every-replication", simulate_every_,
                  "simulate each replication's cost even when nothing in platform or plan is random");
    return cmd;
  }

  int run(Session& session) override {
    o_.registry = &session.registry;
    CompareOptions co;
    co.scenario = o_.scenario;
    co.plugins = session.plugins;  // loaded here already (names checked); each `deplsim run` loads them again
    co.orchestrators = names(session.registry);
    co.external_cmd = external_cmd_;
    // The scenario must be valid before any unit starts (its name also names the default folder).
    auto ctx = build_context(context_options(o_));
    co.out = out_option_->count() == 0 ? fmt::format("results/compare/{}-s{}", ctx->scenario().name, o_.seed) : out_;
    co.force = force_;
    co.self = self_executable();
    if (!no_figures_) co.figures_data_dir = data_dir();  // the figures' script (data_dir: $DEPLSIM_DATA_DIR or the source tree)
    co.run_arguments = {"--replications", std::to_string(replications_), "--seed", std::to_string(o_.seed)};
    for (const auto& s : o_.overrides) co.run_arguments.insert(co.run_arguments.end(), {"--set", s});
    if (!o_.platform.empty()) co.run_arguments.insert(co.run_arguments.end(), {"--platform", o_.platform});
    for (const auto& c : o_.cfg) co.run_arguments.insert(co.run_arguments.end(), {"--cfg", c});
    for (const auto& l : o_.log) co.run_arguments.insert(co.run_arguments.end(), {"--log", l});
    for (const auto& a : setting_flag_arguments(o_)) co.run_arguments.push_back(a);
    if (trace_all_) co.run_arguments.emplace_back("--trace-all");
    if (simulate_every_) co.run_arguments.emplace_back("--simulate-every-replication");
    return run_compare(co);
  }

private:
  // The --orchestrators list, checked: known names (or 'external' with --external-cmd), each once.
  std::vector<std::string> names(const OrchestratorRegistry& registry) const {
    std::vector<std::string> out;
    std::stringstream ss(orchestrators_);
    std::string name;
    bool has_external = false;
    while (std::getline(ss, name, ','))
      if (!name.empty()) {
        if (name == kExternalOrchestrator) {
          has_external = true;
          check_orchestrator(OrchestratorChoice{name, external_cmd_}, registry);
        } else if (!registry.contains(name)) {
          std::string known;
          for (const auto& e : registry.entries()) known += e.name + ", ";
          throw InputError(InputIssue{"--orchestrators", 0, 0, "", fmt::format("unknown orchestrator '{}' (known: {}external)", name, known)});
        }
        if (std::find(out.begin(), out.end(), name) != out.end())
          throw InputError(InputIssue{"--orchestrators", 0, 0, "", fmt::format("'{}' listed twice", name)});
        out.push_back(name);
      }
    if (!external_cmd_.empty() && !has_external)
      throw InputError(InputIssue{"--external-cmd", 0, 0, "", "only with 'external' among --orchestrators"});
    if (out.empty()) throw InputError(InputIssue{"--orchestrators", 0, 0, "", "expected a comma-separated list of orchestrators"});
    return out;
  }

  ScenarioOptions o_;
  std::string orchestrators_;
  std::string external_cmd_;
  int replications_ = 1000;
  std::string out_;
  CLI::Option* out_option_ = nullptr;
  bool force_ = false;
  bool trace_all_ = false;
  bool simulate_every_ = false;
  bool no_figures_ = false;
};

} // namespace

std::unique_ptr<Command> make_compare_command() { return std::make_unique<Compare>(); }

} // namespace deplsim::commands
