// deplsim's command line (docs/cli.md). deplsim parses its own arguments (CLI11); SimGrid only ever sees the
// --cfg/--log settings passed through. Exit codes: 0 done, 1 internal error, 2 bad input, 3 infeasible or
// insufficient data, 4 partly done, 130 interrupted.
#include "deplsim/error.hpp"
#include "deplsim/orchestrator.hpp"
#include "experiment/context.hpp"
#include "report/plan_json.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <iostream>

namespace {

constexpr int kExitOk = 0;
constexpr int kExitInternal = 1;
constexpr int kExitInput = 2;
constexpr int kExitInfeasible = 3;

/// Options shared by the commands that read a scenario.
struct ScenarioOptions {
  std::string scenario;
  std::vector<std::string> overrides;
  std::string platform;
  std::vector<std::string> cfg;
  std::vector<std::string> log;
  std::uint64_t seed = 1;
};

void add_scenario_options(CLI::App* cmd, ScenarioOptions& o, bool with_seed) {
  cmd->add_option("SCENARIO", o.scenario, "scenario file (YAML, see docs/scenario.md)")->required();
  cmd->add_option("--set", o.overrides, "override a scalar of the scenario: KEY=VALUE (dotted path; list items by name or index)")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false);
  cmd->add_option("--platform", o.platform, "replace the scenario's platform file (same zone and host names)");
  cmd->add_option("--cfg", o.cfg, "SimGrid configuration KEY:VALUE, passed to SimGrid")->type_name("KEY:VALUE")->allow_extra_args(false);
  cmd->add_option("--log", o.log, "SimGrid log setting, passed to SimGrid")->type_name("SETTING")->allow_extra_args(false);
  if (with_seed) cmd->add_option("--seed", o.seed, "seed of every random stream (default 1)");
}

deplsim::ContextOptions context_options(const ScenarioOptions& o) {
  deplsim::ContextOptions c;
  c.scenario = o.scenario;
  c.overrides = o.overrides;
  if (!o.platform.empty()) c.platform = o.platform;
  c.simgrid_cfg = o.cfg;
  c.seed = o.seed;
  return c;
}

void print_issues(const deplsim::InputError& e) {
  for (const auto& i : e.issues()) fmt::print(stderr, "error: {}\n", i.str());
}

int cmd_validate(const ScenarioOptions& o) {
  auto ctx = deplsim::build_context(context_options(o));
  const auto& sc = ctx->scenario();
  const auto& pf = ctx->platform();
  fmt::print("{}: valid\n", sc.path);
  fmt::print("  scenario '{}': target L* = {}, p* = {}, at most {} epochs{}\n", sc.name, sc.target.loss, sc.target.probability,
             sc.target.max_epochs, sc.target.deadline_s ? fmt::format(", deadline {} s", *sc.target.deadline_s) : "");
  fmt::print("  platform {}: {} hosts, {} links (SimGrid {}, network model {})\n", pf.file, pf.hosts.size(), pf.links.size(),
             pf.simgrid_version, pf.network.model);
  for (std::size_t c = 0; c < sc.clusters.size(); ++c) {
    std::string hosts;
    for (auto h : pf.cluster_hosts[c]) hosts += (hosts.empty() ? "" : ", ") + pf.hosts[h].name;
    fmt::print("  cluster {} (zone {}): {}\n", sc.clusters[c].name, sc.clusters[c].zone, hosts);
  }
  long long q = 0;
  for (const auto& d : sc.data_sources) q += d.samples;
  fmt::print("  {} data sources, {} samples; {} model versions; {} declared switches\n", sc.data_sources.size(), q,
             sc.model.versions.size(), sc.model.learning.switches.size());
  return kExitOk;
}

int cmd_plan(const ScenarioOptions& o, const std::string& orchestrator, const deplsim::OrchestratorRegistry& registry) {
  auto maker = registry.make(orchestrator);  // unknown names fail before any loading
  auto ctx = deplsim::build_context(context_options(o));
  const deplsim::Problem problem = ctx->problem();
  deplsim::Plan plan = maker->plan(problem);
  const auto problems = deplsim::validate_plan(problem, plan, orchestrator);
  if (!problems.empty()) {
    for (const auto& p : problems) fmt::print(stderr, "error: {}\n", p);
    return kExitInternal;
  }
  nlohmann::ordered_json j;
  j["orchestrator"] = orchestrator;
  j["status"] = deplsim::to_string(plan.status);
  if (!plan.reason.empty()) j["reason"] = plan.reason;
  const nlohmann::ordered_json body = deplsim::plan_to_json(plan);
  for (const auto& [k, v] : body.items()) j[k] = v;
  std::cout << j.dump(2) << "\n";
  std::cout.flush();
  fmt::print(stderr, "{}", plan.explanation);
  return plan.status == deplsim::PlanStatus::ok ? kExitOk : kExitInfeasible;
}

int cmd_list(const deplsim::OrchestratorRegistry& registry) {
  for (const auto& e : registry.entries()) fmt::print("{:<16} {}\n", e.name, e.description);
  return kExitOk;
}

} // namespace

int main(int argc, char** argv) {
  deplsim::OrchestratorRegistry registry;
  deplsim::register_builtin_orchestrators(registry);

  CLI::App app{"deplsim: simulation of dependable distributed training on SimGrid"};
  app.set_version_flag("--version", std::string("deplsim ") + DEPLSIM_VERSION);
  app.require_subcommand(1);

  ScenarioOptions validate_opts;
  auto* validate = app.add_subcommand("validate", "check a scenario and its platform; simulates nothing");
  add_scenario_options(validate, validate_opts, false);

  ScenarioOptions plan_opts;
  std::string plan_orchestrator = "full-only";
  auto* plan = app.add_subcommand("plan", "print an orchestrator's plan as JSON (stdout) and its reasoning (stderr)");
  add_scenario_options(plan, plan_opts, true);
  plan->add_option("--orchestrator", plan_orchestrator, "orchestrator name (see `deplsim list`)")->capture_default_str();

  auto* list = app.add_subcommand("list", "list the orchestrators known");

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
    return kExitInput;
  }

  try {
    if (*validate) return cmd_validate(validate_opts);
    if (*plan) return cmd_plan(plan_opts, plan_orchestrator, registry);
    if (*list) return cmd_list(registry);
  } catch (const deplsim::InputError& e) {
    print_issues(e);
    return kExitInput;
  } catch (const std::exception& e) {
    fmt::print(stderr, "internal error: {}\n", e.what());
    return kExitInternal;
  }
  return kExitInternal;
}
