// The ground truth of learning quality (docs/model.md section 1): the simulator's side, which draws each
// replication's loss trajectory. Orchestrators never see it: they see the planner knowledge (deplsim/knowledge.hpp),
// estimated from trajectories drawn on the knowledge stream, which never overlaps the evaluation stream.
#pragma once

#include "deplsim/schedule.hpp"
#include "random/rng.hpp"

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace deplsim {

/// @brief A generator of loss trajectories (docs/model.md 0.5): the simulator's side. Replication `r` of a
/// purpose draws one trajectory per (samples, schedule), depending only on (seed, purpose, r), so that plans
/// share common random numbers and the knowledge and evaluation purposes never overlap.
class GroundTruth {
public:
  virtual ~GroundTruth() = default;
  /// The whole trajectory of replication `r` for `samples` samples per epoch under `schedule`.
  [[nodiscard]] virtual Trajectory trajectory(std::uint64_t seed, Purpose purpose, std::uint32_t r, double samples,
                                              const Schedule& schedule) const = 0;
  /// Only the test losses after each epoch (the same values as trajectory(...).test): what certification counts.
  [[nodiscard]] virtual std::vector<double> test_losses(std::uint64_t seed, Purpose purpose, std::uint32_t r, double samples,
                                                        const Schedule& schedule) const {
    return trajectory(seed, purpose, r, samples, schedule).test;
  }
  /// Only the test loss after the last epoch (the same value as trajectory(...).test.back()).
  [[nodiscard]] virtual double final_test_loss(std::uint64_t seed, Purpose purpose, std::uint32_t r, double samples,
                                               const Schedule& schedule) const {
    return trajectory(seed, purpose, r, samples, schedule).test.back();
  }
  /// How many independent runs a purpose can draw from (a measured profile: its seeds for that purpose);
  /// nothing when unlimited (a generator).
  [[nodiscard]] virtual std::optional<std::size_t> independent_runs(Purpose /*purpose*/) const { return std::nullopt; }
  /// The independent run behind replication `r` of a purpose (a measured profile: the seed it resamples);
  /// nothing when every replication is its own run (a generator).
  [[nodiscard]] virtual std::optional<std::uint64_t> run_of(std::uint64_t /*seed*/, Purpose /*purpose*/, std::uint32_t /*r*/) const {
    return std::nullopt;
  }
  /// The trajectory of the `index`-th independent run of a purpose (0 <= index < independent_runs(purpose)), for
  /// knowledge counted from each run exactly once. Only for truths with a finite number of runs.
  [[nodiscard]] virtual Trajectory indexed_trajectory(Purpose /*purpose*/, std::size_t /*index*/, double /*samples*/,
                                                      const Schedule& /*schedule*/) const {
    throw std::logic_error("this ground truth has no indexed runs");
  }
  /// What, beyond the scenario's own parameters, determines the trajectories (e.g. a profile's hash), for the
  /// planner-knowledge cache; empty disables caching.
  [[nodiscard]] virtual std::string identity() const { return ""; }
};

} // namespace deplsim
