// The plan search shared by the expectation-based baselines (and, with its own criterion, DepL): over candidate
// data sets, version schedules (one version, or a switch between declared versions at a declared epoch, up to
// one switch) and stopping epochs, with one (cluster, nodes, power state) for the whole plan, it finds the
// cheapest plan whose predicted loss distribution passes a criterion. The criterion is the only difference
// between the planners that use it, so a comparison is about the criterion, not about search effort.
#pragma once

#include "deplsim/loss_distribution.hpp"
#include "deplsim/orchestrator.hpp"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace deplsim {

/// @brief The feasibility test of a candidate: its predicted final-loss distribution and E[L].
struct Criterion {
  std::string description;
  std::function<bool(const LossDistribution& distribution, double expected_loss)> accepts;
};

/// @brief What the search found (a plan with status ok or infeasible) and how it got there.
struct SearchResult {
  Plan plan;
  int candidates = 0;       ///< (data set, schedule, epochs) evaluated for resources
  int data_sets = 0;
};

/// The answer of a planner that claims P(L <= L*) >= p* when its knowledge rests on too few independent runs
/// (docs/model.md 0.6: status insufficient_data, exit 3), or nothing when the knowledge suffices.
std::optional<Plan> insufficient_data(const Problem& problem, const std::string& planner);

/// @brief A version schedule up to max_epochs: one version alone (at == 0), or `first` for `at` epochs then `second`.
struct ScheduleShape {
  std::size_t first = 0;
  std::size_t second = 0;
  int at = 0;  ///< switch epoch; 0: no switch
  /// The schedule run to `epochs` epochs in all.
  [[nodiscard]] Schedule schedule(int epochs) const {
    return at == 0 ? Schedule{{{first, epochs}}} : Schedule{{{first, at}, {second, epochs - at}}};
  }
  /// The first stopping epoch of the shape (a switch plan trains at least one epoch after it).
  [[nodiscard]] int first_stop() const { return at == 0 ? 1 : at + 1; }
};

/// The plan of a shape stopped after `epochs` epochs on one resource choice for the whole plan, training on `base`'s
/// data sources (base's segments are replaced).
Plan shape_plan(const Scenario& scenario, const Plan& base, const ScheduleShape& shape, const Resources& resources, int epochs);

/// Each version alone, and each declared switch at each declared epoch when the scenario allows a switch.
std::vector<ScheduleShape> schedule_shapes(const Scenario& scenario);

/// Candidate data sets (indices of scenario sources): every non-empty subset when there are at most 10 sources,
/// else the prefixes of the sources sorted by bytes per sample, smallest first (cheapest to ship per sample), and of
/// those only the shortest that reaches each of the knowledge's data buckets: the knowledge predicts a set by its
/// bucket alone, and a longer prefix in the same bucket costs more (more samples per epoch, more to ship) for the
/// same prediction. At most one set per bucket: time and memory O(sources x buckets), not O(sources^2).
std::vector<std::vector<std::size_t>> candidate_data_sets(const Scenario& scenario, const PlannerKnowledge& knowledge);

/// What memory rules out, for an infeasible plan's reason: "" when every version fits somewhere, else "; in memory,
/// version 'x' fits on no (cluster, nodes, power state): <why, on the largest choice>" for each version that fits
/// nowhere.
std::string memory_limits(const Problem& problem);

/// For an explanation: one line per version that does not fit in memory on every resource choice ("  memory:
/// version 'x' fits on 12 of 40 (cluster, nodes, power state) choices"); "" when every version fits everywhere.
std::string memory_fit_lines(const Problem& problem);

/// Whether the energy floors of EpochBounds are lower bounds on this platform: every watt figure non-negative and every
/// link's busy watts at least its idle watts (else a plan's link or idle energy could be negative). The platform
/// checker refuses negative watts; busy below idle it allows.
bool energy_floors_hold(const PlatformView& platform);

/// @brief Lower bounds on a shape's plans, for skipping candidates that cannot be the cheapest: what one epoch of a
/// version adds to any plan's objective over the resource choices where that version fits. Energy: the nodes'
/// energy over the epoch (idle watts throughout, all-cores watts while computing) and the senders' radios (a plan
/// charges the nodes from first use to the end, so at least this; links are left out: a plan charges a
/// synchronisation link's idle watts only from its first use). Time: the epoch's time. Money: the nodes' price over
/// it. Remembered per (samples, version). (Energy, where energy_floors_hold is false: no bound, -infinity.)
class EpochBounds {
public:
  explicit EpochBounds(const Problem& problem);
  /// Whether the bounds bound anything (energy needs energy_floors_hold; time and money always do).
  [[nodiscard]] bool holds() const { return valid_ || pb_.scenario.objective != Objective::energy; }
  /// What one epoch of version `v` with `samples` samples adds at least on resource choice `r` (remembered).
  double on(double samples, std::size_t v, const Resources& r);
  /// The bound for one epoch of version `v` with `samples` samples per epoch: on() at its least over the choices where
  /// v fits.
  double epoch(double samples, std::size_t v);
  /// The bound for `shape` stopped after `epochs` epochs.
  double plan(double samples, const ScheduleShape& shape, int epochs);
  /// Whether a plan bounded below by `bound` cannot beat `best` (with a margin for the bound's own rounding).
  static bool above(double bound, double best) { return bound > best * (1 + 1e-9); }

private:
  const Problem& pb_;
  std::vector<Resources> resources_;
  std::map<std::pair<double, std::size_t>, double> bounds_;
  std::map<std::tuple<double, std::size_t, std::size_t, int, int>, double> on_;  // (samples, v, cluster, nodes, pstate)
  bool valid_ = true;
};

/// Searches for the cheapest plan passing `criterion`. `name` is used in explanations.
SearchResult search_plan(const Problem& problem, const Criterion& criterion, const std::string& name);

} // namespace deplsim
