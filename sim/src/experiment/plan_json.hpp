// Plans as JSON: the `plan` object of summary.json (docs/outputs.md), also what `deplsim plan` prints.
#pragma once

#include "deplsim/plan.hpp"

#include <nlohmann/json.hpp>

namespace deplsim {

/// The contract's plan object: {data_sources, segments: [{version, cluster, nodes, pstate, epochs}],
/// predicted: {p_target_met, expected_loss, energy_j, time_s, margin}}.
nlohmann::ordered_json plan_to_json(const Plan& plan);

} // namespace deplsim
