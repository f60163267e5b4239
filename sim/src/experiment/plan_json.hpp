// Plans as JSON: the `plan` object of summary.json (docs/outputs.md), also what `deplsim plan` prints.
#pragma once

#include "deplsim/plan.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace deplsim {

/// The contract's plan object: {data_sources, segments: [{version, cluster, nodes, pstate, epochs}],
/// predicted: {p_target_met, expected_loss, energy_j, time_s, margin}}.
nlohmann::ordered_json plan_to_json(const Plan& plan);
/// A certified claim (plan.claim) as JSON, and back (exact: doubles round-trip). Reading is strict: every key
/// present, probabilities in [0, 1], counts integers >= 0 (successes <= runs); else InputError naming `file` and
/// `where`.KEY.
nlohmann::ordered_json claim_to_json(const Claim& claim);
Claim claim_from_json(const nlohmann::json& j, const std::string& file, const std::string& where);

} // namespace deplsim
