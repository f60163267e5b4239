// The knowledge as a planner that chooses sees it: everything of the selection runs, no certification run. A planner
// that builds on another's choice (depl-online on depl's data set and resources) asks the other with it, so that its
// own certification runs have chosen nothing (docs/model.md 3.7).
#pragma once

#include "deplsim/knowledge.hpp"

#include <stdexcept>

namespace deplsim {

/// @brief Forwards to `inner`, with certification_runs() 0 (and no certification to ask for).
class SelectionOnlyKnowledge final : public PlannerKnowledge {
public:
  explicit SelectionOnlyKnowledge(const PlannerKnowledge& inner) : inner_(inner) {}
  [[nodiscard]] KnowledgeKind kind() const override { return inner_.kind(); }
  [[nodiscard]] std::string describe() const override { return inner_.describe() + " (its selection runs only)"; }
  [[nodiscard]] std::size_t independent_runs() const override { return inner_.independent_runs(); }
  [[nodiscard]] int trajectories_per_chain() const override { return inner_.trajectories_per_chain(); }
  [[nodiscard]] const std::shared_ptr<const LossGrid>& grid() const override { return inner_.grid(); }
  [[nodiscard]] const std::vector<double>& buckets() const override { return inner_.buckets(); }
  [[nodiscard]] const KnowledgeChain& single(std::size_t version, std::size_t bucket) const override {
    return inner_.single(version, bucket);
  }
  [[nodiscard]] const KnowledgeChain& switched(std::size_t from, std::size_t to, std::size_t bucket, int at) const override {
    return inner_.switched(from, to, bucket, at);
  }
  [[nodiscard]] std::vector<std::pair<LossDistribution, double>> each_epoch(double samples, const Schedule& schedule) const override {
    return inner_.each_epoch(samples, schedule);
  }
  [[nodiscard]] std::vector<Trajectory> trajectories(double samples, const Schedule& schedule) const override {
    return inner_.trajectories(samples, schedule);
  }
  [[nodiscard]] std::size_t certification_runs() const override { return 0; }
  [[nodiscard]] double confidence() const override { return inner_.confidence(); }
  [[nodiscard]] int certification_candidates() const override { return inner_.certification_candidates(); }
  [[nodiscard]] Certification certify_epochs(double, const Schedule&, const std::vector<int>&, double, int, CertifyOn) const override {
    throw std::logic_error("selection-only knowledge: no certification runs");
  }
  [[nodiscard]] Certification certify_policies(double, const std::vector<Segment>&,
                                               const std::vector<std::function<std::unique_ptr<ReplicationPolicy>()>>&, double,
                                               int) const override {
    throw std::logic_error("selection-only knowledge: no certification runs");
  }

private:
  const PlannerKnowledge& inner_;
};

} // namespace deplsim
