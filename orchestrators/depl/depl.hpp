// depl: the DepL framework (depl.cpp).
#pragma once

#include "deplsim/orchestrator.hpp"

namespace deplsim {

/// Registers depl.
void register_depl_orchestrator(OrchestratorRegistry& registry);

} // namespace deplsim
