// The parametric ground truth: random-effects learning curves (docs/model.md section 1.2).
#pragma once

#include "deplsim/scenario.hpp"
#include "scenario/learning_spec.hpp"
#include "learning/truth/ground_truth.hpp"

#include <cstddef>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

namespace deplsim {

/// @brief Random-effects learning curves (docs/model.md 1.2), drawn from counter-based streams so that a
/// replication's trajectory depends only on (seed, purpose, replication) and the schedule and data.
class ParametricLearning final : public GroundTruth {
public:
  ParametricLearning(const Scenario& scenario, const LearningSpec& learning);

  [[nodiscard]] Trajectory trajectory(std::uint64_t seed, Purpose purpose, std::uint32_t r, double samples,
                                      const Schedule& schedule) const override;
  [[nodiscard]] std::vector<double> test_losses(std::uint64_t seed, Purpose purpose, std::uint32_t r, double samples,
                                                const Schedule& schedule) const override;
  [[nodiscard]] double final_test_loss(std::uint64_t seed, Purpose purpose, std::uint32_t r, double samples,
                                       const Schedule& schedule) const override;
  /// The generator's version: bump kParametricVersion in parametric.cpp whenever its output changes.
  [[nodiscard]] std::string identity() const override;
  /// Noise-free loss after each epoch for given run effects (z, w): the deterministic part of the model.
  [[nodiscard]] std::vector<double> clean_curve(double z, double w, double samples, const Schedule& schedule) const;

private:
  /// One run's draws: its run effects and, per epoch k (index k - 1), the epoch noise and the test and validation
  /// evaluation noises (the validation ones only once a validation curve was asked for).
  struct RunNoise {
    double z = 0, w = 0;
    std::vector<double> eps, et, ev;
  };
  /// The draws of run `r` for at least `epochs` epochs (with the validation noise if `validation`), from the memo;
  /// nullptr when the memo is full (draw afresh). Called with noise_mutex_ held.
  const RunNoise* memo_noise(std::uint64_t seed, Purpose purpose, std::uint32_t r, std::size_t epochs, bool validation) const;
  /// The trajectory from the memo's draws (`noise`) or fresh ones (nullptr); without its validation curve unless
  /// `validation`.
  Trajectory compute(std::uint64_t seed, Purpose purpose, std::uint32_t r, double samples, const Schedule& schedule,
                     const RunNoise* noise, bool validation) const;
  Trajectory memoised(std::uint64_t seed, Purpose purpose, std::uint32_t r, double samples, const Schedule& schedule,
                      bool validation) const;

  const Scenario& scenario_;
  const LearningSpec& learning_;
  const double batch_factor_;  ///< the batch-size law's factor on the rates for the scenario's global batch (1: none)
  /// The planner-side runs (knowledge and certification purposes) are asked for again and again, under every
  /// schedule a planner examines; their draws do not depend on the schedule, so they are drawn once and kept here
  /// (one seed's, at most kNoiseMemoDoubles per object, emptied for another seed or when full). Evaluation replications
  /// are drawn once each: never kept.
  mutable std::mutex noise_mutex_;
  mutable std::map<std::pair<std::uint64_t, Purpose>, std::vector<RunNoise>> noise_;
  mutable std::size_t noise_doubles_ = 0;
};

} // namespace deplsim
