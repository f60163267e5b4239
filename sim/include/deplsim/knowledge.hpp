/// @file knowledge.hpp
/// @brief What planners know about learning quality (MODEL.md 4.2): predictions of the loss after a
/// schedule, estimated from a training set of trajectories drawn on the knowledge stream, which never
/// overlaps the evaluation replications. Planners see this interface only, never the ground truth.
#pragma once

#include "deplsim/learning.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace deplsim {

/// @brief Predicted distribution of the final test loss of a schedule.
struct LossPrediction {
  double p_target_met = 0.0;   ///< P(L_K <= L*)
  double expected_loss = 0.0;  ///< E[L_K]
  int trajectories = 0;        ///< how many training trajectories the estimate rests on
};

/// @brief The planner's knowledge of learning quality.
class PlannerKnowledge {
public:
  virtual ~PlannerKnowledge() = default;
  /// Prediction for training with `samples` samples per epoch under `schedule`.
  [[nodiscard]] virtual LossPrediction predict(double samples, const Schedule& schedule) const = 0;
  /// Prediction after every epoch of a single-version schedule of `epochs` epochs (index k-1).
  [[nodiscard]] virtual std::vector<LossPrediction> predict_each_epoch(double samples, std::size_t version,
                                                                       int epochs) const = 0;
  /// Short description for explanations ("4000 trajectories from the knowledge stream").
  [[nodiscard]] virtual std::string describe() const = 0;
};

/// @brief First form of the knowledge (MODEL.md 5): the fraction of training trajectories that meet the
/// target, and their mean. Trajectories come from the knowledge stream (purpose `knowledge`).
class TrajectoryKnowledge final : public PlannerKnowledge {
public:
  TrajectoryKnowledge(const Scenario& scenario, std::uint64_t seed);
  [[nodiscard]] LossPrediction predict(double samples, const Schedule& schedule) const override;
  [[nodiscard]] std::vector<LossPrediction> predict_each_epoch(double samples, std::size_t version, int epochs) const override;
  [[nodiscard]] std::string describe() const override;

private:
  const Scenario& scenario_;
  std::uint64_t seed_;
  ParametricLearning generator_;  // the training runs the planner learned from (knowledge stream only)
  mutable std::mutex mutex_;
  mutable std::map<std::string, LossPrediction> cache_;
};

} // namespace deplsim
