// Planner knowledge as epoch-dependent transition kernels over a loss grid (docs/model.md section 3), counted from
// training trajectories of the knowledge stream (never the evaluation one), built lazily one chain at a time and
// kept in an on-disk cache keyed by everything that determines a chain. The one PlannerKnowledge deplsim builds.
#pragma once

#include "deplsim/knowledge.hpp"
#include "deplsim/scenario.hpp"
#include "learning/truth/ground_truth.hpp"
#include "scenario/learning_spec.hpp"

#include <cstdint>
#include <memory>

namespace deplsim {

class KernelKnowledge final : public PlannerKnowledge {
public:
  /// `scenario`, `learning` and `truth` must outlive this object; the truth is used on the knowledge stream only.
  /// `cache`: read and write chains in the on-disk cache (a study drawing hundreds of knowledges does not).
  KernelKnowledge(const Scenario& scenario, const LearningSpec& learning, const GroundTruth& truth, std::uint64_t seed,
                  bool cache = true);
  ~KernelKnowledge() override;

  [[nodiscard]] KnowledgeKind kind() const override;
  [[nodiscard]] std::string describe() const override;
  [[nodiscard]] std::size_t independent_runs() const override;
  [[nodiscard]] int trajectories_per_chain() const override;
  [[nodiscard]] const std::shared_ptr<const LossGrid>& grid() const override { return grid_; }
  [[nodiscard]] const std::vector<double>& buckets() const override { return buckets_; }
  [[nodiscard]] const KnowledgeChain& single(std::size_t version, std::size_t bucket) const override;
  [[nodiscard]] const KnowledgeChain& switched(std::size_t from, std::size_t to, std::size_t bucket, int at) const override;
  [[nodiscard]] std::vector<std::pair<LossDistribution, double>> each_epoch(double samples, const Schedule& schedule) const override;
  [[nodiscard]] std::vector<Trajectory> trajectories(double samples, const Schedule& schedule) const override;
  [[nodiscard]] std::size_t certification_runs() const override;
  [[nodiscard]] double confidence() const override;
  [[nodiscard]] int certification_candidates() const override;
  [[nodiscard]] Certification certify_epochs(double samples, const Schedule& schedule, const std::vector<int>& epochs,
                                             double p_star, int family, CertifyOn on) const override;
  /// Whether each_epoch remembers its answers (on by default; a benchmark of the propagation itself turns it off).
  void remember_propagations(bool on);
  [[nodiscard]] Certification certify_policies(double samples, const std::vector<Segment>& initial,
                                               const std::vector<std::function<std::unique_ptr<ReplicationPolicy>()>>& policies,
                                               double p_star, int family) const override;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::shared_ptr<const LossGrid> grid_;
  std::vector<double> buckets_;
};

} // namespace deplsim
