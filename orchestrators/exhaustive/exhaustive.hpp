// exhaustive: every plan of a tiny instance, a checker for tests (exhaustive.cpp).
#pragma once

#include "deplsim/orchestrator.hpp"

namespace deplsim {

/// Registers exhaustive.
void register_exhaustive_orchestrator(OrchestratorRegistry& registry);

} // namespace deplsim
