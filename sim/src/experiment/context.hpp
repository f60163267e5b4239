// Everything a command needs before planning: the validated scenario (with overrides), the platform view
// (checked, loaded in a child process), the ground truth, the planner knowledge built from it, the cost model,
// and the orchestrators known with their settings checked. Errors are InputErrors pointing at the scenario key or
// platform file at fault.
#pragma once

#include "deplsim/knowledge.hpp"
#include "deplsim/orchestrator.hpp"
#include "deplsim/problem.hpp"
#include "learning/truth/ground_truth.hpp"
#include "platform/platform_probe.hpp"
#include "scenario/scenario_loader.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace deplsim {

struct ContextOptions {
  std::string scenario;
  std::vector<std::string> overrides;     ///< --set KEY=VALUE
  std::optional<std::string> platform;    ///< --platform FILE
  std::vector<std::string> simgrid_cfg;   ///< --cfg KEY:VALUE (after the scenario's own)
  std::vector<std::string> simgrid_log;   ///< --log SETTING
  std::uint64_t seed = 1;
  /// The orchestrators known (built-ins and plug-ins); the built-ins alone when null.
  const OrchestratorRegistry* orchestrators = nullptr;
};

class Context {
public:
  LoadedScenario loaded;
  ProbeResult probe;
  std::unique_ptr<GroundTruth> truth;  ///< the simulator's side: never handed to orchestrators
  std::unique_ptr<PlannerKnowledge> knowledge;
  std::unique_ptr<CostModel> cost;
  std::uint64_t seed = 1;
  OrchestratorRegistry builtins;                        ///< used when the options name no registry
  const OrchestratorRegistry* orchestrators = nullptr;  ///< the registry planners see

  [[nodiscard]] const Scenario& scenario() const { return loaded.scenario; }
  [[nodiscard]] const PlatformView& platform() const { return probe.view; }
  [[nodiscard]] Problem problem() const {
    return Problem{loaded.scenario, probe.view, *knowledge, *cost, *orchestrators, loaded.planners, seed};
  }
  /// A registered orchestrator, configured with the scenario's settings.
  [[nodiscard]] std::unique_ptr<Orchestrator> make_orchestrator(const std::string& name) const {
    return orchestrators->make_configured(name, loaded.planners);
  }
};

/// Loads and checks everything. Throws InputError with every problem found.
std::unique_ptr<Context> build_context(const ContextOptions& options);

/// The context of one global batch of base's `model.batch_sizes` (docs/model.md 1.2): `options` plus
/// `model.batch_size=B`, no list, and claims certified at 1 - (1 - c) / (batches listed), so that the claim of a plan
/// chosen among the batches' plans holds at c (a union bound).
std::unique_ptr<Context> build_batch_context(const Context& base, const ContextOptions& options, int batch);
/// That per-batch confidence, 1 - (1 - c) / (batches listed), kept below 1.
double per_batch_confidence(const Context& base);

/// The scenario and its platform only, checked against each other (no ground truth, knowledge or cost model: those
/// stay null). Throws InputError with every problem found.
std::unique_ptr<Context> load_platform_context(const ContextOptions& options);

/// Checks the scenario's `planners` section: every registered orchestrator reads its settings (configure()), and a
/// key that none read is an unknown key. Throws InputError.
void check_planner_settings(const OrchestratorRegistry& registry, const PlannerSettings& settings);

/// Network models the cost model reproduces.
bool cost_model_supports(const std::string& network_model);

} // namespace deplsim
