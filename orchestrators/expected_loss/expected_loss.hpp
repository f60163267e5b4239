// The expectation-based baselines on the shared plan search (expected_loss.cpp).
#pragma once

#include "deplsim/orchestrator.hpp"

namespace deplsim {

/// Registers expected-loss, expected-loss+safety and expected-loss+margin.
void register_expected_loss_orchestrators(OrchestratorRegistry& registry);

} // namespace deplsim
