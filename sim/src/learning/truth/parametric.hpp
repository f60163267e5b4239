// The parametric ground truth: random-effects learning curves (docs/model.md section 1.2).
#pragma once

#include "deplsim/scenario.hpp"
#include "scenario/learning_spec.hpp"
#include "learning/truth/ground_truth.hpp"

#include <vector>

namespace deplsim {

/// @brief Random-effects learning curves (docs/model.md 1.2), drawn from counter-based streams so that a
/// replication's trajectory depends only on (seed, purpose, replication) and the schedule and data.
class ParametricLearning final : public GroundTruth {
public:
  ParametricLearning(const Scenario& scenario, const LearningSpec& learning);

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
  const LearningSpec& learning_;
  const double batch_factor_;  ///< the batch-size law's factor on the rates for the scenario's global batch (1: none)
};

} // namespace deplsim
