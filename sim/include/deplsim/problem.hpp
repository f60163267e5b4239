/// @file problem.hpp
/// @brief What an orchestrator sees: the scenario, a read-only view of the platform, the planner knowledge
/// and the analytical cost model. Nothing of the ground truth, nothing of SimGrid.
#pragma once

#include "deplsim/cost_model.hpp"
#include "deplsim/knowledge.hpp"
#include "deplsim/platform.hpp"
#include "deplsim/scenario.hpp"
#include "deplsim/settings.hpp"

#include <cstdint>

namespace deplsim {

class OrchestratorRegistry;

/// @brief Everything an orchestrator plans with.
struct Problem {
  const Scenario& scenario;
  const PlatformView& platform;
  const PlannerKnowledge& knowledge;
  const CostModel& cost;
  /// Every orchestrator known (built-in and plug-in), for planners that build on another's plan
  /// (OrchestratorRegistry::make_configured with `settings`).
  const OrchestratorRegistry& orchestrators;
  /// The scenario's `planners` section (what each orchestrator's configure() reads).
  const PlannerSettings& settings;
  std::uint64_t seed = 1;  ///< the run's seed (orchestrators may use it for their own randomness)

  /// Samples per epoch when training on the named sources.
  [[nodiscard]] double samples(const std::vector<std::string>& sources) const;
  /// Names of every data source, in scenario order.
  [[nodiscard]] std::vector<std::string> all_sources() const;
  /// The schedule (versions over epochs) of a plan.
  [[nodiscard]] Schedule schedule(const Plan& plan) const;
};

/// @brief Problems of a plan against the scenario and platform (unknown names, too many nodes, zero epochs,
/// switches at undeclared epochs...), each naming the orchestrator and the field. Empty means valid.
std::vector<std::string> validate_plan(const Problem& problem, const Plan& plan, const std::string& orchestrator);

} // namespace deplsim
