// depl-online: an adaptive stop/switch policy by backward induction (depl_online.cpp).
#pragma once

#include "deplsim/orchestrator.hpp"

namespace deplsim {

/// Registers depl-online.
void register_depl_online_orchestrator(OrchestratorRegistry& registry);

} // namespace deplsim
