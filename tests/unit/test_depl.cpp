// Property tests of the depl orchestrator on seeded random small instances (tests/data/scenarios/tiny.yaml with
// drawn targets, deadlines, epochs and data): every plan it returns is valid on the platform, verifies under
// exact propagation (P(L_K <= L*) >= p*), respects the deadline, and is no dearer than the plans of full-only and
// pruned-only when those are feasible (their plans are in depl's search space); infeasible answers are checked
// against full-only's.
#include "deplsim/orchestrator.hpp"
#include "orchestrators/builtins.hpp"
#include "experiment/context.hpp"
#include "learning/knowledge/kernel_knowledge.hpp"
#include "experiment/plan_json.hpp"
#include "orchestrators/common/margin_search.hpp"
#include "orchestrators/common/search_engine.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cstdlib>

using namespace deplsim;

namespace {

struct Instance {
  std::vector<std::string> overrides;
  std::string label;
};

Instance draw(std::uint32_t i) {
  // Counter-based draws, so that the instances are the same on every machine.
  auto u = [&](std::uint32_t k) { return uniform01({2024, Purpose::evaluation, StreamKind::fault, i, k, 0, 0}); };
  const double loss = 0.56 + 0.2 * u(1);
  const double p = 0.6 + 0.35 * u(2);
  const int epochs = 12 + static_cast<int>(18 * u(3));
  Instance in;
  in.overrides = {fmt::format("target.loss={}", loss), fmt::format("target.probability={}", p),
                  fmt::format("target.max_epochs={}", epochs), "model.learning.knowledge_trajectories=400",
                  "model.learning.levels=60", fmt::format("data_sources.cam1.samples={}", 1000 + static_cast<int>(3000 * u(4)))};
  if (u(5) < 0.3) in.overrides.push_back(fmt::format("target.deadline_s={}", 5 + 60 * u(6)));
  if (u(7) < 0.5) in.overrides.push_back("objective=time");
  in.label = fmt::format("instance {}: L* {:.3f}, p* {:.3f}, K {}", i, loss, p, epochs);
  return in;
}

// The context of drawn instance i on tiny.yaml (seed 7).
std::unique_ptr<Context> instance_context(const Instance& in, std::vector<std::string> more = {}) {
  ContextOptions co;
  co.scenario = std::string(DEPLSIM_SOURCE_DIR) + "/tests/data/scenarios/tiny.yaml";
  co.overrides = in.overrides;
  co.overrides.insert(co.overrides.end(), more.begin(), more.end());
  co.seed = 7;
  return build_context(co);
}

} // namespace

TEST_CASE("depl's plans verify, are valid, meet the deadline and are no dearer than full-only's or pruned-only's", "[depl]") {
  setenv("DEPLSIM_CACHE_DIR", "off", 1);
  OrchestratorRegistry registry;
  register_builtin_orchestrators(registry);
  int feasible = 0;
  for (std::uint32_t i = 0; i < 12; ++i) {
    const Instance in = draw(i);
    INFO(in.label);
    const auto ctx = instance_context(in, {"model.learning.certification_share=0"});  // the planners' search itself, uncertified
    const Problem pb = ctx->problem();
    const Plan plan = registry.make("depl")->plan(pb);
    const Plan full = registry.make("full-only")->plan(pb);
    const Plan pruned = registry.make("pruned-only")->plan(pb);
    if (plan.status != PlanStatus::ok) {
      // full-only's and pruned-only's plans are depl candidates: if either is feasible, depl must be too.
      CHECK(full.status != PlanStatus::ok);
      CHECK(pruned.status != PlanStatus::ok);
      continue;
    }
    ++feasible;
    CHECK(validate_plan(pb, plan, "depl").empty());
    const PlannerKnowledge* kk = &pb.knowledge;
    const double p = kk->distribution(pb.samples(plan.data_sources), pb.schedule(plan)).p_target();
    CHECK(reaches(p, pb.scenario.target.probability));
    CHECK(plan.predicted.p_target_met == Approx(p));
    const PlanCost cost = pb.cost.evaluate(plan);
    if (pb.scenario.target.deadline_s) CHECK(cost.time_s <= *pb.scenario.target.deadline_s);
    for (const Plan* other : {&full, &pruned})
      if (other->status == PlanStatus::ok) CHECK(pb.cost.objective(cost) <= pb.cost.objective(pb.cost.evaluate(*other)) * (1 + 1e-9));
  }
  CHECK(feasible >= 4);  // the draws must exercise the feasible path
  unsetenv("DEPLSIM_CACHE_DIR");
}

TEST_CASE("the margin sweep returns what the margin-by-margin search returns", "[depl][margin]") {
  setenv("DEPLSIM_CACHE_DIR", "off", 1);
  // The reference: the shared search asked margin by margin (what margin_search did before its sweep).
  auto reference = [](const Problem& pb, double step) {
    MarginSearch out;
    for (int i = 0; i * step < 1.0; ++i) {
      const double m = i * step;
      const double bound = (1 - m) * pb.scenario.target.loss;
      const Criterion c{fmt::format("E[L] <= {} ((1 - {}) L*)", bound, m),
                        [bound](const LossDistribution&, double expected) { return expected <= bound; }};
      SearchResult r = search_plan(pb, c, "expected-loss+margin");
      if (r.plan.status != PlanStatus::ok) {
        out.tried += fmt::format("  margin {}: no plan\n", m);
        continue;
      }
      const double p = r.plan.predicted.p_target_met.value_or(0);
      if (reaches(p, pb.scenario.target.probability)) {
        r.plan.predicted.margin = m;
        out.tried += fmt::format("  margin {}: P = {:.4f} >= p*\n", m, p);
        out.plan = std::move(r.plan);
        return out;
      }
      out.tried += fmt::format("  margin {}: P = {:.4f} < p*\n", m, p);
    }
    return out;
  };
  int plans = 0;
  for (std::uint32_t i = 0; i < 12; ++i) {
    const Instance in = draw(i);
    INFO(in.label);
    const auto ctx = instance_context(in);
    const Problem pb = ctx->problem();
    for (const double step : {0.01, 0.05}) {
      const MarginSearch fast = margin_search(pb, step, "expected-loss+margin");
      const MarginSearch slow = reference(pb, step);
      CHECK(fast.tried == slow.tried);
      REQUIRE(fast.plan.has_value() == slow.plan.has_value());
      if (!fast.plan) continue;
      ++plans;
      CHECK(plan_to_json(*fast.plan).dump() == plan_to_json(*slow.plan).dump());
      CHECK(fast.plan->explanation == slow.plan->explanation);
    }
  }
  // And on a paper scenario and the measured profile (a traces knowledge), at the default step.
  for (const char* file : {"/scenarios/paper/alexnet-cifar10.yaml", "/scenarios/fashion_mnist/edge.yaml"}) {
    INFO(file);
    ContextOptions co;
    co.scenario = std::string(DEPLSIM_SOURCE_DIR) + file;
    const auto ctx = build_context(co);
    const Problem pb = ctx->problem();
    const MarginSearch fast = margin_search(pb, 0.01, "expected-loss+margin");
    const MarginSearch slow = reference(pb, 0.01);
    CHECK(fast.tried == slow.tried);
    REQUIRE(fast.plan.has_value());
    REQUIRE(slow.plan.has_value());
    CHECK(plan_to_json(*fast.plan).dump() == plan_to_json(*slow.plan).dump());
    ++plans;
  }
  CHECK(plans >= 8);  // most instances have a plan: the comparison is not vacuous
}
