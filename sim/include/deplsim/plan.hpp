/// @file plan.hpp
/// @brief What an orchestrator returns (docs/model.md 0.3): the data sources, the ordered segments
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

/// @brief What an exact solver reports about a plan (the `optimum` orchestrator): deterministic fields only.
struct SolverReport {
  std::string status;     ///< optimal, feasible (not proven: node limit or gap), infeasible, limit_reached
  double objective = 0.0; ///< the plan's objective (cost model), when there is a plan
  double bound = 0.0;     ///< lower bound on the optimum's objective that the solver proved
  double gap = 0.0;       ///< (objective - bound) / objective; 0 when optimal
  long long nodes = 0;    ///< branch-and-bound nodes in all
  int milps = 0;          ///< MILPs solved (one per data set not bounded out)
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
  std::optional<SolverReport> solver;  ///< exact solvers only

  [[nodiscard]] int total_epochs() const {
    int k = 0;
    for (const auto& s : segments) k += s.epochs;
    return k;
  }
};

const char* to_string(PlanStatus s);

} // namespace deplsim
