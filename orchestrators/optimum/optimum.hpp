// The optimum orchestrator's MILP, exposed for tests: the MILP's objective for one given plan (every decision
// fixed to the plan's), which must equal the cost model's objective (CostModel::evaluate) for every plan of at
// most one switch — the check that the formulation is the cost model, migrations and idle hosts included.
#pragma once

#include "deplsim/orchestrator.hpp"

#include <optional>

namespace deplsim {

/// Registers the optimum orchestrator.
void register_optimum_orchestrator(OrchestratorRegistry& registry);

/// Nothing when the plan has more than one switch or CBC finds the fixed MILP infeasible (a formulation error).
std::optional<double> optimum_milp_value(const Problem& problem, const Plan& plan);

} // namespace deplsim
