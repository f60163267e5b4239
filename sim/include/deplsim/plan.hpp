/// @file plan.hpp
/// @brief What an orchestrator returns (MODEL.md 2): the data sources, the ordered segments
/// (version, cluster, nodes, power state, epochs) and its own prediction of the outcome.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace deplsim {

/// @brief Train `version` on the `nodes` fastest hosts of `cluster` at power state `pstate` for `epochs` epochs.
struct Segment {
  std::string version;
  std::string cluster;
  int nodes = 1;
  int pstate = 0;
  int epochs = 1;
};

/// @brief The planner's prediction, from its own knowledge (never the ground truth).
struct Prediction {
  std::optional<double> p_target_met;  ///< P(L_K <= L*)
  std::optional<double> expected_loss; ///< E[L_K]
  std::optional<double> energy_j;
  std::optional<double> time_s;
  std::optional<double> margin;        ///< planning margin the orchestrator used, if any
};

/// @brief Status of a planning attempt (summary.json's `status`).
enum class PlanStatus { ok, infeasible, insufficient_data, limit_reached };

struct Plan {
  std::vector<std::string> data_sources;
  std::vector<Segment> segments;
  Prediction predicted;
  PlanStatus status = PlanStatus::ok;
  std::string reason;       ///< why infeasible / insufficient data, for people
  std::string explanation;  ///< how the orchestrator chose, for people (printed on stderr by `deplsim plan`)

  [[nodiscard]] int total_epochs() const {
    int k = 0;
    for (const auto& s : segments) k += s.epochs;
    return k;
  }
};

const char* to_string(PlanStatus s);

} // namespace deplsim
