/// @file knowledge.hpp
/// @brief What planners know about learning quality (MODEL.md 4.2): predictions of the loss after a
/// schedule, estimated from a training set of trajectories drawn on the knowledge stream, which never
/// overlaps the evaluation replications. Planners see this interface only, never the ground truth.
#pragma once

#include "deplsim/learning.hpp"
#include "deplsim/loss_distribution.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace deplsim {

/// @brief Predicted distribution of the final test loss of a schedule.
struct LossPrediction {
  double p_target_met = 0.0;   ///< P(L_K <= L*)
  double expected_loss = 0.0;  ///< E[L_K]
  int trajectories = 0;        ///< how many training trajectories the estimate rests on
};

/// Whether a predicted probability reaches a target: predictions are sums of level probabilities, so a value that
/// is exactly p* in counts may come out as p* - 1e-16; estimates rest on at most millions of trajectories, so
/// a tolerance of 1e-9 never changes an honest answer.
inline bool reaches(double p, double target) { return p >= target - 1e-9; }

/// Fewest independent training runs for a distribution-free claim P(L <= L*) >= p (MODEL.md 4.2): the
/// ceil((n+1)p)-th smallest of n training losses bounds the p-quantile at 95% confidence when p^n <= 0.05,
/// i.e. n >= 29 for p = 0.9 and n >= 59 for p = 0.95.
int minimum_runs(double p);

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

/// @brief Planner knowledge as epoch-dependent transition kernels over a loss grid (MODEL.md 4.2), counted
/// from training trajectories of the knowledge stream (never the evaluation one): per (version, data bucket)
/// the distribution after the first epoch and a kernel per epoch; per declared switch (v -> v', data bucket,
/// switch epoch s) a kernel across the switch and kernels by epochs since it. A data quantity uses the bucket at
/// or below it (pessimistic). Built lazily, one chain at a time, on first use.
class KernelKnowledge final : public PlannerKnowledge {
public:
  /// `truth` must outlive this object; it is used on the knowledge stream only.
  KernelKnowledge(const Scenario& scenario, const GroundTruth& truth, std::uint64_t seed);
  ~KernelKnowledge() override;

  [[nodiscard]] LossPrediction predict(double samples, const Schedule& schedule) const override;
  [[nodiscard]] std::vector<LossPrediction> predict_each_epoch(double samples, std::size_t version, int epochs) const override;
  [[nodiscard]] std::string describe() const override;

  /// Independent training runs behind the knowledge: its trajectories, or the planner's seeds of a measured
  /// profile when fewer.
  [[nodiscard]] std::size_t independent_runs() const;
  /// "Insufficient data" (MODEL.md 4.2): a reason when the runs cannot support a claim of P >= p*, else nothing.
  [[nodiscard]] std::optional<std::string> insufficient_for(double p) const;

  /// The predicted distribution of the test loss after the schedule. Throws std::out_of_range when `samples`
  /// is below the smallest data bucket, std::invalid_argument for a switch that is not declared.
  [[nodiscard]] LossDistribution distribution(double samples, const Schedule& schedule) const;
  /// The distribution after every epoch of the schedule (index k-1), and E[L] per epoch from the per-level mean
  /// losses of the training trajectories.
  [[nodiscard]] std::vector<std::pair<LossDistribution, double>> each_epoch(double samples, const Schedule& schedule) const;

  /// The knowledge's own training trajectories of `schedule` at the data bucket of `samples` (validation and test
  /// losses after every epoch): `n` draws of the knowledge stream, or each training seed of a measured profile
  /// once (then n is ignored). For planners that learn a policy from what they would observe (depl-online);
  /// never the evaluation stream.
  [[nodiscard]] std::vector<Trajectory> trajectories(double samples, const Schedule& schedule, int n) const;
  [[nodiscard]] const std::shared_ptr<const LossGrid>& grid() const { return grid_; }
  /// Samples per epoch of each data bucket, increasing.
  [[nodiscard]] const std::vector<double>& buckets() const { return buckets_; }
  /// Index of the bucket used for `samples` (the largest at or below it); throws std::out_of_range below all.
  [[nodiscard]] std::size_t bucket_of(double samples) const;

  /// One chain of kernels: after `initial`, kernels[i] maps the levels after epoch i+1 of the chain to those
  /// after epoch i+2; level_mean[i] is the mean loss of the training losses in each level after epoch i+1.
  struct Chain {
    std::vector<double> initial;  ///< distribution after the chain's first epoch (empty for a switch chain)
    TransitionKernel across;      ///< switch chains: from the level at the switch epoch to the next
    std::vector<TransitionKernel> kernels;
    std::vector<std::vector<double>> level_mean;
    int trajectories = 0;
  };
  /// The chain of a version alone on a data bucket (built on first use).
  [[nodiscard]] const Chain& single(std::size_t version, std::size_t bucket) const;
  /// The chain after a switch `from` -> `to` after epoch `at` (built on first use).
  [[nodiscard]] const Chain& switched(std::size_t from, std::size_t to, std::size_t bucket, int at) const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::shared_ptr<const LossGrid> grid_;
  std::vector<double> buckets_;
};

} // namespace deplsim
