// The search of expected-loss+margin (docs/model.md 5.2), shared with depl, which offers its plan as a certification
// candidate: the cheapest plan with E[L_K] <= (1 - m) L*, for the smallest margin m on a grid of step `step` whose plan
// has a predicted P >= p* on the runs the planner chooses with.
#pragma once

#include "deplsim/orchestrator.hpp"

#include <optional>
#include <string>

namespace deplsim {

struct MarginSearch {
  std::optional<Plan> plan;  ///< none when no margin in [0, 1) gives a plan with predicted P >= p*
  std::string tried;         ///< one line per margin tried
};

MarginSearch margin_search(const Problem& pb, double step, const std::string& name);

} // namespace deplsim
