/// @file learning.hpp
/// @brief Schedules of model versions and the loss trajectories they produce. The ground-truth generator
/// (ParametricLearning) is the simulator's side of MODEL.md 4.1: orchestrators never see it; they see
/// PlannerKnowledge (knowledge.hpp), estimated from trajectories drawn on the knowledge stream.
#pragma once

#include "deplsim/rng.hpp"
#include "deplsim/scenario.hpp"

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace deplsim {

/// @brief Which version is trained, epoch after epoch: consecutive parts with different versions are switches.
struct Schedule {
  struct Part {
    std::size_t version = 0;
    int epochs = 0;
  };
  std::vector<Part> parts;
  [[nodiscard]] int total_epochs() const {
    int k = 0;
    for (const auto& p : parts) k += p.epochs;
    return k;
  }
};

/// @brief Losses after each epoch k = 1..K (index k-1).
struct Trajectory {
  std::vector<double> clean;       ///< noise-free loss
  std::vector<double> validation;  ///< what adaptive orchestrators observe
  std::vector<double> test;        ///< what the target is judged on
};

/// @brief A generator of loss trajectories (MODEL.md 4.1): the simulator's side. Replication `r` of a
/// purpose draws one trajectory per (samples, schedule), depending only on (seed, purpose, r), so that plans
/// share common random numbers and the knowledge and evaluation purposes never overlap.
class GroundTruth {
public:
  virtual ~GroundTruth() = default;
  /// The whole trajectory of replication `r` for `samples` samples per epoch under `schedule`.
  [[nodiscard]] virtual Trajectory trajectory(std::uint64_t seed, Purpose purpose, std::uint32_t r, double samples,
                                              const Schedule& schedule) const = 0;
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

/// @brief Random-effects learning curves (MODEL.md 4.1), drawn from counter-based streams so that a
/// replication's trajectory depends only on (seed, purpose, replication) and the schedule and data.
class ParametricLearning final : public GroundTruth {
public:
  explicit ParametricLearning(const Scenario& scenario);

  [[nodiscard]] Trajectory trajectory(std::uint64_t seed, Purpose purpose, std::uint32_t r, double samples,
                                      const Schedule& schedule) const override;
  [[nodiscard]] double final_test_loss(std::uint64_t seed, Purpose purpose, std::uint32_t r, double samples,
                                       const Schedule& schedule) const override;
  /// The generator's version: bump kParametricVersion in parametric.cpp whenever its output changes.
  [[nodiscard]] std::string identity() const override;
  /// Noise-free loss after each epoch for given run effects (z, w): the deterministic part of the model.
  [[nodiscard]] std::vector<double> clean_curve(double z, double w, double samples, const Schedule& schedule) const;

private:
  const Scenario& scenario_;
};

} // namespace deplsim
