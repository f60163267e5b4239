// The expectation-based baselines (docs/model.md 0.9 and 5.2), on the shared plan search, differing only in the test:
//   expected-loss          E[L_K] <= L*                      (PACT-like: ignores the distribution)
//   expected-loss+safety   E[L_K] <= (1 - delta) L*          (one fixed safety factor, planners.safety_delta)
//   expected-loss+margin   E[L_K] <= (1 - m) L*, m the smallest margin on a grid whose plan has P >= p*
#include "../common/certify.hpp"
#include "../common/margin_search.hpp"
#include "../common/search_engine.hpp"
#include "expected_loss.hpp"

#include <fmt/format.h>

#include <cmath>

namespace deplsim {
namespace {

Criterion expectation_at_most(double bound, const std::string& what) {
  return Criterion{fmt::format("E[L] <= {} ({})", bound, what),
                   [bound](const LossDistribution&, double expected) { return expected <= bound; }};
}

class ExpectedLoss final : public Orchestrator {
public:
  [[nodiscard]] std::string name() const override { return "expected-loss"; }
  Plan plan(const Problem& pb) override {
    return search_plan(pb, expectation_at_most(pb.scenario.target.loss, "L*"), name()).plan;
  }
};

class ExpectedLossSafety final : public Orchestrator {
public:
  [[nodiscard]] std::string name() const override { return "expected-loss+safety"; }
  void configure(const PlannerSettings& s) override { delta_ = s.number("safety_delta", 0.1, {0, 1, false, true}); }
  Plan plan(const Problem& pb) override {
    const double delta = delta_;
    Plan p = search_plan(pb, expectation_at_most((1 - delta) * pb.scenario.target.loss, fmt::format("(1 - {}) L*", delta)), name()).plan;
    if (p.status == PlanStatus::ok) p.predicted.margin = delta;
    return p;
  }

private:
  double delta_ = 0.1;  ///< planners.safety_delta
};

class ExpectedLossMargin final : public Orchestrator {
public:
  [[nodiscard]] std::string name() const override { return "expected-loss+margin"; }
  void configure(const PlannerSettings& s) override { step_ = s.number("margin_step", 0.01, {1e-4, 0.5}); }
  Plan plan(const Problem& pb) override {
    if (auto none = insufficient_data(pb, name())) return *none;  // it claims P >= p*
    MarginSearch found = margin_search(pb, step_, name());
    if (found.plan) {
      found.plan->explanation = fmt::format("{}: margin searched on a grid of step {} until the predicted P >= {}\n{}", name(),
                                            step_, pb.scenario.target.probability, found.tried) + found.plan->explanation;
      return certify_best(pb, with_single_version_candidates(pb, std::move(*found.plan)), name());
    }
    Plan p;
    p.status = PlanStatus::infeasible;
    p.reason = fmt::format("no margin on L* in [0, 1) gives a plan with predicted P >= {}{}", pb.scenario.target.probability,
                           memory_limits(pb));
    p.explanation = name() + ": " + p.reason + "\n" + found.tried;
    return p;
  }

private:
  double step_ = 0.01;  ///< planners.margin_step
};

} // namespace

void register_expected_loss_orchestrators(OrchestratorRegistry& registry) {
  registry.add("expected-loss", "cheapest plan with E[L_K] <= L* (expectation-based state of the art, PACT-like)",
               [] { return std::make_unique<ExpectedLoss>(); });
  registry.add("expected-loss+safety", "cheapest plan with E[L_K] <= (1 - delta) L*, one fixed delta (planners.safety_delta)",
               [] { return std::make_unique<ExpectedLossSafety>(); });
  registry.add("expected-loss+margin", "cheapest plan with E[L_K] <= (1 - m) L*, m searched until predicted P >= p*",
               [] { return std::make_unique<ExpectedLossMargin>(); });
}

} // namespace deplsim
