// The exhaustive checker against the planners on tiny instances (tests/data/scenarios/exhaustive.yaml and seeded
// variants of it): its plan verifies and is the cheapest plan of the model, so no planner's verified plan may
// be cheaper (depl included: "none is cheaper than the exhaustive optimum"); when it finds no plan, no planner may
// claim one. depl's gap to the optimum is reported.
#include "deplsim/orchestrator.hpp"
#include "orchestrators/builtins.hpp"
#include "experiment/context.hpp"
#include "learning/knowledge/kernel_knowledge.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cstdlib>

using namespace deplsim;

TEST_CASE("no planner's verified plan is cheaper than the exhaustive optimum, exhaustive agrees on infeasibility", "[exhaustive]") {
  setenv("DEPLSIM_CACHE_DIR", "off", 1);
  OrchestratorRegistry registry;
  register_builtin_orchestrators(registry);
  int solved = 0;
  double worst_gap = 0;
  for (std::uint32_t i = 0; i < 8; ++i) {
    auto u = [&](std::uint32_t k) { return uniform01({77, Purpose::evaluation, StreamKind::fault, i, k, 0, 0}); };
    std::vector<std::string> overrides = {fmt::format("target.loss={}", 1.0 + 0.6 * u(1)),
                                          fmt::format("target.probability={}", 0.6 + 0.35 * u(2)),
                                          "model.learning.knowledge_trajectories=300", "model.learning.levels=40"};
    if (u(3) < 0.4) overrides.push_back(fmt::format("target.deadline_s={}", 1 + 4 * u(4)));
    if (u(5) < 0.3) overrides.push_back("objective=time");
    INFO("instance " << i);
    ContextOptions co;
    co.scenario = std::string(DEPLSIM_SOURCE_DIR) + "/tests/data/scenarios/exhaustive.yaml";
    co.overrides = overrides;
    co.overrides.push_back("model.learning.certification_share=0");  // the planners\' search itself, uncertified
    const auto ctx = build_context(co);
    const Problem pb = ctx->problem();
    const PlannerKnowledge* kk = &pb.knowledge;
    const Plan opt = registry.make("exhaustive")->plan(pb);
    REQUIRE(opt.status != PlanStatus::limit_reached);
    double opt_obj = 0;
    if (opt.status == PlanStatus::ok) {
      ++solved;
      CHECK(validate_plan(pb, opt, "exhaustive").empty());
      CHECK(reaches(kk->distribution(pb.samples(opt.data_sources), pb.schedule(opt)).p_target(), pb.scenario.target.probability));
      opt_obj = pb.cost.objective(pb.cost.evaluate(opt));
    }
    for (const char* name : {"depl", "full-only", "pruned-only", "expected-loss", "expected-loss+safety", "expected-loss+margin"}) {
      INFO(name);
      const Plan p = registry.make(name)->plan(pb);
      if (p.status != PlanStatus::ok) continue;
      const bool verifies = reaches(kk->distribution(pb.samples(p.data_sources), pb.schedule(p)).p_target(), pb.scenario.target.probability);
      const PlanCost c = pb.cost.evaluate(p);
      const bool in_deadline = !pb.scenario.target.deadline_s || c.time_s <= *pb.scenario.target.deadline_s;
      if (!verifies || !in_deadline) continue;  // the expectation-based planners need not meet p*
      REQUIRE(opt.status == PlanStatus::ok);     // a verified plan exists, so the exhaustive search must find one
      CHECK(pb.cost.objective(c) >= opt_obj * (1 - 1e-9));
      if (std::string(name) == "depl") worst_gap = std::max(worst_gap, pb.cost.objective(c) / opt_obj - 1);
    }
    if (opt.status != PlanStatus::ok) CHECK(registry.make("depl")->plan(pb).status != PlanStatus::ok);
  }
  CHECK(solved >= 3);
  WARN(fmt::format("depl's worst gap to the exhaustive optimum over the solved instances: {:.2f}%", 100 * worst_gap));
  unsetenv("DEPLSIM_CACHE_DIR");
}
