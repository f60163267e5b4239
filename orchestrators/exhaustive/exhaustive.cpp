// exhaustive (docs/model.md 5.5; for tests): every plan of a tiny instance — every data set, every version schedule
// (one version, or a declared switch at a declared epoch, up to one switch), every stopping epoch whose exact
// P(L_K <= L*) reaches p*, and every (cluster, nodes, power state) for every epoch (migrations anywhere) — each
// costed exactly by the cost model; the cheapest within the deadline. It refuses instances with more than
// kMaxPlans plans (status limit_reached, with the count), so it stays a checker of the other planners.
#include "../common/certify.hpp"
#include "../common/search_engine.hpp"
#include "deplsim/knowledge.hpp"
#include "deplsim/orchestrator.hpp"
#include "exhaustive.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>

namespace deplsim {
namespace {

constexpr double kMaxPlans = 2e6;

class Exhaustive final : public Orchestrator {
public:
  [[nodiscard]] std::string name() const override { return "exhaustive"; }

  Plan plan(const Problem& pb) override {
    const Scenario& sc = pb.scenario;
    const PlannerKnowledge* kk = &pb.knowledge;
    if (auto none = insufficient_data(pb, name())) return *none;
    const auto resources = pb.cost.resource_choices();
    const double r = static_cast<double>(resources.size());

    const auto shapes = schedule_shapes(sc);

    // Count first: the instance must stay small.
    const auto sets = candidate_data_sets(sc, pb.knowledge);
    double count = 0;
    for (std::size_t k = 1; k <= static_cast<std::size_t>(sc.target.max_epochs); ++k) count += std::pow(r, static_cast<double>(k));
    count *= static_cast<double>(sets.size() * shapes.size());
    if (count > kMaxPlans) {
      Plan p;
      p.status = PlanStatus::limit_reached;
      p.reason = fmt::format("instance too large for exhaustive: up to {:.3g} plans ({} data sets x {} schedules x up to {} "
                             "resource choices per epoch over {} epochs), more than {:.0g}",
                             count, sets.size(), shapes.size(), resources.size(), sc.target.max_epochs, kMaxPlans);
      p.explanation = "exhaustive: " + p.reason + "\n";
      return p;
    }

    Plan best;
    best.status = PlanStatus::infeasible;
    double best_obj = std::numeric_limits<double>::infinity();
    long long evaluated = 0;
    for (const auto& set : sets) {
      Plan base;
      for (auto i : set) base.data_sources.push_back(sc.data_sources[i].name);
      const double q = pb.samples(base.data_sources);
      try {
        (void)kk->bucket_of(q);
      } catch (const std::out_of_range&) {
        continue;
      }
      for (const ScheduleShape& sh : shapes) {
        const Schedule full = sh.schedule(sc.target.max_epochs);
        std::vector<std::pair<LossDistribution, double>> each;
        try {
          each = kk->each_epoch(q, full);
        } catch (const std::invalid_argument&) {
          continue;
        }
        for (int k = sh.first_stop(); k <= sc.target.max_epochs; ++k) {
          const auto& [dist, expected] = each[static_cast<std::size_t>(k - 1)];
          if (!reaches(dist.p_target(), sc.target.probability)) continue;
          // Every resource sequence over the k epochs.
          std::vector<std::size_t> choice(static_cast<std::size_t>(k), 0);
          while (true) {
            Plan p = base;
            bool fits = true;
            for (int e = 0; e < k && fits; ++e) {
              const std::size_t v = (sh.at == 0 || e < sh.at) ? sh.first : sh.second;
              const Resources& res = resources[choice[static_cast<std::size_t>(e)]];
              fits = pb.cost.fits(v, res);
              const std::string& vn = sc.model.versions[v].name;
              const std::string& cn = sc.clusters[res.cluster].name;
              if (!p.segments.empty() && p.segments.back().version == vn && p.segments.back().cluster == cn &&
                  p.segments.back().nodes == res.nodes && p.segments.back().pstate == res.pstate)
                ++p.segments.back().epochs;
              else
                p.segments.push_back(Segment{vn, cn, res.nodes, res.pstate, 1});
            }
            ++evaluated;
            const PlanCost c = fits ? pb.cost.evaluate(p) : PlanCost{};
            if (fits && (!sc.target.deadline_s || c.time_s <= *sc.target.deadline_s)) {
              const double obj = pb.cost.objective(c);
              if (obj < best_obj) {
                best_obj = obj;
                p.predicted.p_target_met = dist.p_target();
                p.predicted.expected_loss = expected;
                p.predicted.energy_j = c.energy_j;
                p.predicted.time_s = c.time_s;
                best = p;
              }
            }
            // Next sequence (odometer).
            std::size_t i = 0;
            while (i < choice.size() && ++choice[i] == resources.size()) choice[i++] = 0;
            if (i == choice.size()) break;
          }
        }
      }
    }
    if (best.status != PlanStatus::ok) {
      best.reason = fmt::format("no plan reaches P(L <= {}) >= {} within max_epochs = {}{}", sc.target.loss, sc.target.probability,
                                sc.target.max_epochs,
                                sc.target.deadline_s ? fmt::format(" and the deadline of {} s", *sc.target.deadline_s) : "");
      best.explanation = fmt::format("exhaustive: {} plans evaluated; infeasible: {}\n", evaluated, best.reason);
      return best;
    }
    best.explanation = fmt::format("exhaustive: {} plans evaluated exactly; the cheapest: {} {:.9g}\n", evaluated,
                                   to_string(sc.objective), best_obj);
    return certify_best(pb, {Candidate{"its own plan", std::move(best)}}, name());
  }
};

} // namespace

void register_exhaustive_orchestrator(OrchestratorRegistry& registry) {
  registry.add("exhaustive", "every plan of a tiny instance costed exactly (a checker for tests; refuses large instances)",
               [] { return std::make_unique<Exhaustive>(); });
}

} // namespace deplsim
