// expected-loss+margin's search (see margin_search.hpp).
//
// Each margin m asks the shared search (search_plan) for the cheapest plan with E[L_K] <= (1 - m) L*. Run margin by
// margin, that search repeats for every margin what does not depend on it: the propagation of every (data set,
// schedule), and the cost of every stopping epoch on every resource choice. Here both are done once: a sweep keeps,
// per (data set, schedule), the prediction after every epoch and, per stopping epoch, the cheapest resources, and
// emulates the search margin by margin in the search's own order and tie-breaking, until a margin's plan reaches p*.
// That margin's plan (and its explanation) then comes from search_plan itself, so the result is the search's.
#include "margin_search.hpp"

#include "search_engine.hpp"

#include "deplsim/knowledge.hpp"

#include <fmt/format.h>

#include <limits>
#include <map>
#include <stdexcept>

namespace deplsim {
namespace {

// One (data set, schedule) of the search: the predicted P(L <= L*) and E[L] after every epoch (one propagation),
// and per stopping epoch the cheapest plan's objective over the resource choices (filled as margins ask).
struct Cell {
  Plan base;  // its data sources
  double samples = 0;
  ScheduleShape shape;
  std::vector<double> p, expected;   // per epoch
  std::map<int, double> cheapest;    // stopping epoch -> objective (infinity: no resource choice within the deadline)
};

class Sweep {
public:
  explicit Sweep(const Problem& pb) : pb_(pb), resources_(pb.cost.resource_choices()), bounds_(pb) {
    const Scenario& sc = pb.scenario;
    for (const auto& set : candidate_data_sets(sc, pb.knowledge)) {
      Plan base;
      for (auto i : set) base.data_sources.push_back(sc.data_sources[i].name);
      const double q = pb.samples(base.data_sources);
      try {
        (void)pb.knowledge.bucket_of(q);
      } catch (const std::out_of_range&) {
        continue;
      }
      for (const ScheduleShape& sh : schedule_shapes(sc)) {
        std::vector<std::pair<LossDistribution, double>> each;
        try {
          each = pb.knowledge.each_epoch(q, sh.schedule(sc.target.max_epochs));
        } catch (const std::invalid_argument&) {
          continue;
        }
        Cell c{base, q, sh, {}, {}, {}};
        for (const auto& [dist, e] : each) {
          c.p.push_back(dist.p_target());
          c.expected.push_back(e);
        }
        cells_.push_back(std::move(c));
      }
    }
  }

  // What search_plan would return for E[L] <= bound: the predicted P of its plan, or nothing when it finds none.
  std::optional<double> best_p(double bound) {
    const int k_max = pb_.scenario.target.max_epochs;
    double best = std::numeric_limits<double>::infinity();
    std::optional<double> p;
    for (Cell& c : cells_) {
      int k = 0;
      for (int e = c.shape.first_stop(); e <= k_max; ++e)
        if (c.expected[static_cast<std::size_t>(e - 1)] <= bound) {
          k = e;
          break;
        }
      if (k == 0) continue;
      // A plan of this cell costs at least its epochs' share that every plan pays (EpochBounds): when that is
      // already above the best so far, the cell cannot give the (first) cheapest plan.
      if (EpochBounds::above(bounds_.plan(c.samples, c.shape, k), best)) continue;
      const double obj = cheapest(c, k);
      if (obj < best) {
        best = obj;
        p = c.p[static_cast<std::size_t>(k - 1)];
      }
    }
    return p;
  }

private:
  // The search's resource loop for one cell and stopping epoch: the first cheapest, in the same order.
  double cheapest(Cell& c, int k) {
    if (auto it = c.cheapest.find(k); it != c.cheapest.end()) return it->second;
    const Scenario& sc = pb_.scenario;
    double best = std::numeric_limits<double>::infinity();
    for (const Resources& r : resources_) {
      if (!pb_.cost.fits(c.shape.first, r) || (c.shape.at != 0 && !pb_.cost.fits(c.shape.second, r))) continue;
      const PlanCost cost = pb_.cost.evaluate(shape_plan(sc, c.base, c.shape, r, k));
      if (sc.target.deadline_s && cost.time_s > *sc.target.deadline_s) continue;
      best = std::min(best, pb_.cost.objective(cost));
    }
    c.cheapest.emplace(k, best);
    return best;
  }

  const Problem& pb_;
  std::vector<Resources> resources_;
  std::vector<Cell> cells_;
  EpochBounds bounds_;
};

Criterion margin_criterion(const Problem& pb, double m) {
  const double bound = (1 - m) * pb.scenario.target.loss;
  return Criterion{fmt::format("E[L] <= {} ((1 - {}) L*)", bound, m),
                   [bound](const LossDistribution&, double expected) { return expected <= bound; }};
}

} // namespace

MarginSearch margin_search(const Problem& pb, double step, const std::string& name) {
  MarginSearch out;
  Sweep sweep(pb);
  for (int i = 0; i * step < 1.0; ++i) {
    const double m = i * step;
    const std::optional<double> p = sweep.best_p((1 - m) * pb.scenario.target.loss);
    if (!p) {
      out.tried += fmt::format("  margin {}: no plan\n", m);
      continue;  // a larger margin will not help, but the grid is cheap: keep the record complete
    }
    if (!reaches(*p, pb.scenario.target.probability)) {
      out.tried += fmt::format("  margin {}: P = {:.4f} < p*\n", m, *p);
      continue;
    }
    // The first margin whose plan reaches p*: that plan, from the search itself.
    SearchResult r = search_plan(pb, margin_criterion(pb, m), name);
    if (r.plan.status != PlanStatus::ok)
      throw std::logic_error(fmt::format("{}: the margin sweep found a plan at margin {} that the search does not", name, m));
    r.plan.predicted.margin = m;
    out.tried += fmt::format("  margin {}: P = {:.4f} >= p*\n", m, r.plan.predicted.p_target_met.value_or(0));
    out.plan = std::move(r.plan);
    return out;
  }
  return out;
}

} // namespace deplsim
