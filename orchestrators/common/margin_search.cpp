// expected-loss+margin's search (see margin_search.hpp).
#include "margin_search.hpp"

#include "search_engine.hpp"

#include <fmt/format.h>

namespace deplsim {

MarginSearch margin_search(const Problem& pb, double step, const std::string& name) {
  MarginSearch out;
  for (int i = 0; i * step < 1.0; ++i) {
    const double m = i * step;
    const double bound = (1 - m) * pb.scenario.target.loss;
    const Criterion c{fmt::format("E[L] <= {} ((1 - {}) L*)", bound, m),
                      [bound](const LossDistribution&, double expected) { return expected <= bound; }};
    SearchResult r = search_plan(pb, c, name);
    if (r.plan.status != PlanStatus::ok) {
      out.tried += fmt::format("  margin {}: no plan\n", m);
      continue;  // a larger margin will not help, but the grid is cheap: keep the record complete
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
}

} // namespace deplsim
