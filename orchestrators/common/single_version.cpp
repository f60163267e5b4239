// The single-version plan (see single_version.hpp).
#include "single_version.hpp"

#include "search_engine.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace deplsim {

Plan single_version_plan(const Problem& pb, std::size_t v, const std::string& name) {
  const Scenario& sc = pb.scenario;
  Plan plan;
  plan.data_sources = pb.all_sources();
  const double q = pb.samples(plan.data_sources);
  const std::string& vname = sc.model.versions[v].name;
  std::string why;
  why += fmt::format("{}: version '{}' ({} flop/sample), all {} data sources ({} samples per epoch)\n", name, vname,
                     sc.model.versions[v].flops_per_sample, plan.data_sources.size(), q);
  why += fmt::format("  knowledge: {}\n", pb.knowledge.describe());
  why += memory_fit_lines(pb);

  const auto per_epoch = pb.knowledge.predict_each_epoch(q, v, sc.target.max_epochs);
  int epochs = 0;
  std::size_t best_k = 0;
  for (std::size_t k = 0; k < per_epoch.size(); ++k) {
    if (per_epoch[k].p_target_met > per_epoch[best_k].p_target_met) best_k = k;
    if (reaches(per_epoch[k].p_target_met, sc.target.probability)) {
      epochs = static_cast<int>(k + 1);
      break;
    }
  }
  if (epochs == 0) {
    plan.status = PlanStatus::infeasible;
    plan.reason = fmt::format("no epoch count up to max_epochs = {} reaches P(L <= {}) >= {} with version '{}' "
                              "(best: P = {:.4f} after {} epochs)",
                              sc.target.max_epochs, sc.target.loss, sc.target.probability, vname,
                              per_epoch.empty() ? 0.0 : per_epoch[best_k].p_target_met, best_k + 1);
    plan.explanation = why + "  infeasible: " + plan.reason + "\n";
    return plan;
  }
  const LossPrediction& pred = per_epoch[static_cast<std::size_t>(epochs - 1)];
  why += fmt::format("  fewest epochs with predicted P >= {}: {} (P = {:.4f}, E[L] = {:.4f})\n", sc.target.probability,
                     epochs, pred.p_target_met, pred.expected_loss);

  // Cheapest resources within the deadline.
  struct Candidate {
    Resources res;
    PlanCost cost;
    double objective;
  };
  std::vector<Candidate> ok;
  int over_deadline = 0;
  const auto fitting = pb.cost.resource_choices(v);
  for (const Resources& r : fitting) {
    Plan trial = plan;
    trial.segments = {Segment{vname, sc.clusters[r.cluster].name, r.nodes, r.pstate, epochs}};
    PlanCost c = pb.cost.evaluate(trial);
    if (sc.target.deadline_s && c.time_s > *sc.target.deadline_s) {
      ++over_deadline;
      continue;
    }
    ok.push_back({r, c, pb.cost.objective(c)});
  }
  if (ok.empty()) {
    plan.status = PlanStatus::infeasible;
    // Nothing fits in memory (memory_limits says so, as the other planners do), or every choice is too slow.
    plan.reason = fitting.empty() ? fmt::format("no (cluster, nodes, power state) for version '{}'{}", vname, memory_limits(pb))
                                  : fmt::format("no (cluster, nodes, power state) trains {} epochs within the deadline of {} s "
                                                "({} choices, all too slow)", epochs, sc.target.deadline_s.value_or(0), over_deadline);
    plan.explanation = why + "  infeasible: " + plan.reason + "\n";
    return plan;
  }
  std::stable_sort(ok.begin(), ok.end(), [](const Candidate& a, const Candidate& b) { return a.objective < b.objective; });
  const Candidate& best = ok.front();
  plan.segments = {Segment{vname, sc.clusters[best.res.cluster].name, best.res.nodes, best.res.pstate, epochs}};
  plan.predicted.p_target_met = pred.p_target_met;
  plan.predicted.expected_loss = pred.expected_loss;
  plan.predicted.energy_j = best.cost.energy_j;
  plan.predicted.time_s = best.cost.time_s;
  why += fmt::format("  resources ({} of {} within the deadline), cheapest by {}:\n", ok.size(), ok.size() + over_deadline,
                     to_string(sc.objective));
  for (std::size_t i = 0; i < ok.size() && i < 5; ++i)
    why += fmt::format("    {} {} x{} pstate {}: {:.6g} J, {:.6g} s\n", i == 0 ? "*" : " ",
                       sc.clusters[ok[i].res.cluster].name, ok[i].res.nodes, ok[i].res.pstate, ok[i].cost.energy_j,
                       ok[i].cost.time_s);
  plan.explanation = why;
  return plan;
}

} // namespace deplsim
