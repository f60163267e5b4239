// full-only and pruned-only: the single-version anchors (full_only.cpp).
#pragma once

#include "deplsim/orchestrator.hpp"

namespace deplsim {

/// Registers full-only and pruned-only.
void register_single_version_orchestrators(OrchestratorRegistry& registry);

} // namespace deplsim
