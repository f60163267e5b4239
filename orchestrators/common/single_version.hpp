// The plan of one version alone (the full-only and pruned-only anchors, docs/model.md 5.1): all data sources, the
// fewest epochs whose predicted P(L_K <= L*) reaches p*, then the cheapest (cluster, nodes, power state) within the
// deadline. Also a fallback candidate the other certifying planners offer for certification (certify.hpp).
#pragma once

#include "deplsim/orchestrator.hpp"

#include <string>

namespace deplsim {

/// The plan of version `version` alone (uncertified), its explanation naming `name`.
Plan single_version_plan(const Problem& problem, std::size_t version, const std::string& name);

} // namespace deplsim
