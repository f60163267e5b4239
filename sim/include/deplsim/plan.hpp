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
  /// With certification (docs/model.md 3.7), what the plan returned is to the MILP's: "solution" (its plan as
  /// solved), "epoch_moved" (its schedule, stopping at the fewest certified epochs: status, objective, bound and
  /// gap are the MILP's, not this plan's), "retimed" (that schedule, which missed the deadline on the MILP's
  /// resources, on resources its MILP re-chose for it), "anchor" (a version alone on all the data, certified where
  /// the MILP's plan was not, or cheaper); empty without certification.
  std::string certified_plan;
};

/// @brief How a plan's claim P(L_K <= L*) >= p* was certified (docs/model.md 3.7): with probability at least
/// `confidence`, the plan returned meets L* with probability at least `p_target_met` (= p*) — whatever the search
/// examined, because the claim is tested on knowledge runs that chose nothing (the certification runs), by a fixed
/// sequence of tests, each at `test_level`, over the stopping epochs (or policies) of a few candidate plans.
struct Claim {
  std::string method;               ///< e.g. "held-out runs, fixed sequence over stopping epochs"
  double confidence = 0.95;         ///< for the plan returned, whatever was searched
  double p_target_met = 0.0;        ///< what is certified: P(L_K <= L*) >= this (p*; also predicted.p_target_met)
  double test_level = 0.0;          ///< each test's level: 1 - (1 - confidence) / the candidates tested together
  double test_bound = 0.0;          ///< the returned plan's Clopper-Pearson bound at test_level (>= p*: it passed)
  long long runs = 0;               ///< certification runs
  long long successes = 0;          ///< of them, the runs that meet L* with this plan
  int tested = 0;                   ///< candidates tested in its sequence (the last one tested may have failed)
  double selection_estimate = 0.0;  ///< P(L_K <= L*) of the plan on the runs that chose it (what the search saw)
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
  std::optional<Claim> claim;          ///< how the claim P >= p* was certified, when it was
  /// The global batch the plan trains with, where the scenario lets plans choose it (model.batch_sizes); 0: the
  /// scenario's model.batch_size. deplsim sets it after each batch's planning (docs/model.md 1.2).
  int batch_size = 0;

  [[nodiscard]] int total_epochs() const {
    int k = 0;
    for (const auto& s : segments) k += s.epochs;
    return k;
  }
};

const char* to_string(PlanStatus s);

} // namespace deplsim
