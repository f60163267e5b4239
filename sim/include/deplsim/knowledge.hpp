/// @file knowledge.hpp
/// @brief What planners know about learning quality (docs/model.md section 3): the distribution of the loss after
/// any schedule, estimated from training runs that never overlap the runs the plan is judged on. This interface is
/// everything an orchestrator learns about learning: the loss grid, epoch-dependent kernels and switch kernels,
/// exact propagation, the knowledge's own training trajectories, and how many independent runs stand behind it.
/// Never the ground truth, never the evaluation stream.
#pragma once

#include "deplsim/loss_distribution.hpp"
#include "deplsim/plan.hpp"
#include "deplsim/schedule.hpp"

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
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

/// Fewest independent training runs for a distribution-free claim P(L <= L*) >= p (docs/model.md 0.6): the
/// ceil((n+1)p)-th smallest of n training losses bounds the p-quantile at `confidence` when p^n <= 1 - confidence,
/// i.e. at 95%, n >= 29 for p = 0.9 and n >= 59 for p = 0.95 (even then, only when every run meets L*).
long long minimum_runs(double p, double confidence = 0.95);

class ReplicationPolicy;

/// @brief Candidates tested on the certification runs, in a fixed order (docs/model.md 3.7): each gets the one-sided
/// Clopper-Pearson lower bound at the knowledge's confidence from its successes; the sequence stops at the first
/// candidate whose bound falls below p*. Every candidate before it is certified, simultaneously, at that confidence
/// (fixed-sequence testing: the probability that any certified candidate's true P is below p* is at most
/// 1 - confidence), so the cheapest of them may be returned with its bound.
struct Certification {
  long long runs = 0;                ///< runs counted (0: the knowledge keeps no certification run; nothing certified)
  std::vector<long long> successes;  ///< per candidate tested, in order
  std::vector<double> bounds;        ///< per candidate tested: the lower bound at the test's level
  int certified = 0;                 ///< the first `certified` candidates passed
  double level = 0.0;                ///< each test's level: 1 - (1 - confidence) / family
};

/// @brief The knowledge runs a certification counts (PlannerKnowledge::certify_epochs).
enum class CertifyOn {
  held_out,  ///< the certification runs only: for plans chosen on the selection runs
  all_runs,  ///< selection and certification runs: for plans and test orders fixed before looking at any run
};

/// @brief What the knowledge was counted from.
enum class KnowledgeKind {
  generated,  ///< trajectories drawn from a learning-curve model on the knowledge stream (as many as the scenario asks)
  measured,   ///< the training seeds of a measured profile, each counted once (a finite number of independent runs)
};
const char* to_string(KnowledgeKind kind);

/// @brief One chain of kernels: after `initial`, kernels[i] maps the levels after epoch i+1 of the chain to those
/// after epoch i+2; level_mean[i] is the mean loss of the training losses in each level after epoch i+1.
struct KnowledgeChain {
  std::vector<double> initial;  ///< distribution after the chain's first epoch (empty for a switch chain)
  TransitionKernel across;      ///< switch chains: from the level at the switch epoch to the next
  std::vector<TransitionKernel> kernels;
  std::vector<std::vector<double>> level_mean;
  int trajectories = 0;
};

/// @brief The planner's knowledge of learning quality: per (version, data bucket) the distribution after the first
/// epoch and a kernel per epoch; per declared switch (v -> v', data bucket, switch epoch s) a kernel across the
/// switch and kernels by epochs since it. A data quantity uses the bucket at or below it (pessimistic).
class PlannerKnowledge {
public:
  virtual ~PlannerKnowledge() = default;

  /// What the knowledge was counted from.
  [[nodiscard]] virtual KnowledgeKind kind() const = 0;
  /// Short description for explanations ("kernels over 100 loss levels ... 4000 training trajectories ...").
  [[nodiscard]] virtual std::string describe() const = 0;
  /// Independent training runs behind the knowledge's kernels and trajectories (the selection runs): its
  /// trajectories per chain, or the planner's seeds of a measured profile when fewer. The certification runs come
  /// on top (certification_runs()).
  [[nodiscard]] virtual std::size_t independent_runs() const = 0;
  /// Training trajectories each chain is counted from (the selection runs).
  [[nodiscard]] virtual int trajectories_per_chain() const = 0;
  /// The loss grid: B levels with a boundary exactly at L*.
  [[nodiscard]] virtual const std::shared_ptr<const LossGrid>& grid() const = 0;
  /// Samples per epoch of each data bucket, increasing.
  [[nodiscard]] virtual const std::vector<double>& buckets() const = 0;
  /// The chain of a version alone on a data bucket. Throws std::out_of_range for an unknown version or bucket,
  /// std::invalid_argument when the knowledge has no runs for it (e.g. a measured profile lacking that run).
  [[nodiscard]] virtual const KnowledgeChain& single(std::size_t version, std::size_t bucket) const = 0;
  /// The chain after a switch `from` -> `to` after epoch `at`. Throws std::out_of_range for unknown indices or an
  /// epoch outside 1..max_epochs-1, std::invalid_argument for a switch that is not declared or not measured.
  [[nodiscard]] virtual const KnowledgeChain& switched(std::size_t from, std::size_t to, std::size_t bucket, int at) const = 0;
  /// The distribution after every epoch of the schedule (index k-1), by exact propagation, and E[L] per epoch
  /// from the per-level mean losses of the training trajectories. Throws std::out_of_range when `samples` is below
  /// the smallest data bucket, std::invalid_argument for a switch that is not declared.
  [[nodiscard]] virtual std::vector<std::pair<LossDistribution, double>> each_epoch(double samples, const Schedule& schedule) const = 0;
  /// The knowledge's own training trajectories of `schedule` at the data bucket of `samples` (validation and test
  /// losses after every epoch): one per selection run (independent_runs()), the very runs the kernels are counted
  /// from. For planners that learn a policy from what they would observe; never the certification runs, never the
  /// evaluation stream.
  [[nodiscard]] virtual std::vector<Trajectory> trajectories(double samples, const Schedule& schedule) const = 0;

  /// Certification runs: knowledge runs kept out of every kernel, chain and trajectory above, used only to certify
  /// a plan chosen on the others (0 when the scenario keeps none: then claims are not certified).
  [[nodiscard]] virtual std::size_t certification_runs() const = 0;
  /// The confidence of certified claims (model.learning.confidence, default 0.95).
  [[nodiscard]] virtual double confidence() const = 0;
  /// How many candidate plans a planner may certify (model.learning.certification_candidates, default 4): each is
  /// tested at (1 - confidence) / that many, so that all of them together hold at the confidence (a union bound).
  [[nodiscard]] virtual int certification_candidates() const = 0;
  /// Tests the stopping epochs `epochs` (1-based, in the order given) of `schedule` (run to its full length) with
  /// `samples` samples per epoch: fixed-sequence testing against p* (Certification), each bound at
  /// 1 - (1 - confidence) / `family` (the candidates tested together). On the certification runs
  /// (CertifyOn::held_out), or on every knowledge run (CertifyOn::all_runs) — valid only when the schedule, the data
  /// and the order of `epochs` were fixed before any run was looked at (a single version on all the data, tested
  /// from max_epochs down).
  [[nodiscard]] virtual Certification certify_epochs(double samples, const Schedule& schedule, const std::vector<int>& epochs,
                                                     double p_star, int family, CertifyOn on) const = 0;
  /// Tests policies (in the order given) on the certification runs: each starts from `initial`, observes the
  /// validation loss after every epoch (time and energy are not replayed: 0) and may revise the rest; its success is
  /// the test loss of what it delivers. Fixed-sequence testing against p*, as certify_epochs.
  [[nodiscard]] virtual Certification certify_policies(double samples, const std::vector<Segment>& initial,
                                                       const std::vector<std::function<std::unique_ptr<ReplicationPolicy>()>>& policies,
                                                       double p_star, int family) const = 0;

  /// Index of the bucket used for `samples` (the largest at or below it); throws std::out_of_range below all.
  [[nodiscard]] std::size_t bucket_of(double samples) const;
  /// "Insufficient data" (docs/model.md 0.6 and 3.7): a reason when the runs cannot support a claim of P >= p, else nothing
  /// (with certification runs: when even all the knowledge runs meeting L* could not certify p, as for a plan fixed in advance).
  [[nodiscard]] std::optional<std::string> insufficient_for(double p) const;
  /// The predicted distribution of the test loss after the schedule (the last of each_epoch).
  [[nodiscard]] LossDistribution distribution(double samples, const Schedule& schedule) const;
  /// Prediction for training with `samples` samples per epoch under `schedule`.
  [[nodiscard]] LossPrediction predict(double samples, const Schedule& schedule) const;
  /// Prediction after every epoch of a single-version schedule of `epochs` epochs (index k-1).
  [[nodiscard]] std::vector<LossPrediction> predict_each_epoch(double samples, std::size_t version, int epochs) const;
};

} // namespace deplsim
