// The registry of built-in orchestrators (see builtins.hpp): the one place that lists them.
#include "builtins.hpp"

#include "depl/depl.hpp"
#include "depl_online/depl_online.hpp"
#include "exhaustive/exhaustive.hpp"
#include "expected_loss/expected_loss.hpp"
#include "full_only/full_only.hpp"
#include "optimum/optimum.hpp"

namespace deplsim {

void register_builtin_orchestrators(OrchestratorRegistry& registry) {
  register_single_version_orchestrators(registry);
  register_expected_loss_orchestrators(registry);
  register_depl_orchestrator(registry);
  register_exhaustive_orchestrator(registry);
  register_optimum_orchestrator(registry);
  register_depl_online_orchestrator(registry);
}

} // namespace deplsim
