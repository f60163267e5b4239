// deplsim's built-in orchestrators, each in its own folder, registered by name (docs/orchestrators.md).
#pragma once

#include "deplsim/orchestrator.hpp"

namespace deplsim {

/// Registers every built-in orchestrator: full-only, pruned-only, the expectation-based baselines, depl,
/// exhaustive, optimum and depl-online.
void register_builtin_orchestrators(OrchestratorRegistry& registry);

} // namespace deplsim
