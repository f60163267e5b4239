// Certified claims (see certify.hpp).
#include "certify.hpp"

#include "single_version.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace deplsim {
namespace {

/// One candidate certified: the plan adjusted and claimed, or the reason it is not.
struct Outcome {
  Plan plan;
  std::string failure;  ///< empty when certified
  double objective = 0.0;
};

// What a plan's learning outcome depends on: its data set and schedule (resources change costs only).
std::string learning_key(const Problem& pb, const Plan& plan) {
  std::string key;
  for (const auto& d : plan.data_sources) key += d + ",";
  for (const auto& part : pb.schedule(plan).parts) key += fmt::format("|{}x{}", part.version, part.epochs);
  return key;
}

// The same with consecutive segments of one version merged (version_runs).
std::string merged_learning_key(const Problem& pb, const Plan& plan) {
  std::string key;
  for (const auto& d : plan.data_sources) key += d + ",";
  for (const auto& [v, e] : version_runs(pb, plan)) key += fmt::format("|{}x{}", v, e);
  return key;
}

// Certifies one candidate with `family` candidates tested in all (see certify.hpp).
Outcome certify_one(const Problem& pb, Plan plan, bool prespecified, int family, const Retime& retime) {
  const PlannerKnowledge& kk = pb.knowledge;
  const Scenario& sc = pb.scenario;
  const double p_star = sc.target.probability;
  const double q = pb.samples(plan.data_sources);
  const int before = plan.total_epochs() - plan.segments.back().epochs;
  const int chosen = plan.total_epochs();
  // The plan's schedule run to max_epochs, and what the selection runs say of each stopping epoch.
  Plan full = plan;
  full.segments.back().epochs = sc.target.max_epochs - before;
  const Schedule schedule = pb.schedule(full);
  std::vector<std::pair<LossDistribution, double>> each;
  try {
    each = kk.each_epoch(q, schedule);
  } catch (const std::exception& e) {
    return {plan, fmt::format("the knowledge cannot rate its schedule ({})", e.what()), 0.0};
  }
  // The sequence: from the epoch the selection runs rate likeliest to meet L* (max_epochs for a plan fixed in
  // advance), down to the last segment's first.
  int peak = before + 1;
  for (int k = before + 1; k <= sc.target.max_epochs; ++k)
    if (prespecified || each[static_cast<std::size_t>(k - 1)].first.p_estimate() > each[static_cast<std::size_t>(peak - 1)].first.p_estimate())
      peak = k;
  std::vector<int> order;
  for (int k = peak; k > before; --k) order.push_back(k);
  const Certification cert =
      kk.certify_epochs(q, schedule, order, p_star, family, prespecified ? CertifyOn::all_runs : CertifyOn::held_out);
  const char* runs_word = prespecified ? "knowledge runs" : "held-out runs";
  if (cert.certified == 0)
    return {plan,
            fmt::format("at epoch {} ({}), {} of {} {} meet L*: a lower bound of {:.4f} < p* at {:.4g}%", order.front(),
                        prespecified ? "the last" : "its likeliest", cert.successes.front(), cert.runs, runs_word,
                        cert.bounds.front(), 100 * cert.level),
            0.0};
  const auto last = static_cast<std::size_t>(cert.certified - 1);
  const int epochs = order[last];
  plan.segments.back().epochs = epochs - before;
  PlanCost cost = pb.cost.evaluate(plan);
  if (sc.target.deadline_s && cost.time_s > *sc.target.deadline_s && retime) {
    // The same learning on resources re-chosen for the deadline: the claim below is about the data and schedule only.
    if (std::optional<Plan> r = retime(plan); r && r->status == PlanStatus::ok && merged_learning_key(pb, *r) == merged_learning_key(pb, plan)) {
      const PlanCost rc = pb.cost.evaluate(*r);
      if (rc.time_s <= *sc.target.deadline_s) {
        plan.explanation += fmt::format("  its fewest certified epochs ({}) take {:.6g} s on its resources, over the deadline of {} s: "
                                        "the same schedule on resources re-chosen for the deadline\n",
                                        epochs, cost.time_s, *sc.target.deadline_s);
        plan.segments = r->segments;
        cost = rc;
      }
    }
  }
  if (sc.target.deadline_s && cost.time_s > *sc.target.deadline_s)
    return {plan,
            fmt::format("its fewest certified epochs ({}) take {:.6g} s, over the deadline of {} s", epochs, cost.time_s,
                        *sc.target.deadline_s),
            0.0};
  const auto& [dist, expected] = each[static_cast<std::size_t>(epochs - 1)];
  plan.predicted.p_target_met = p_star;
  plan.predicted.expected_loss = expected;
  plan.predicted.energy_j = cost.energy_j;
  plan.predicted.time_s = cost.time_s;
  plan.claim = Claim{prespecified ? "all knowledge runs, fixed sequence from max_epochs down (plan fixed in advance)"
                                   : "held-out runs, fixed sequence over stopping epochs",
                     kk.confidence(), p_star, cert.level, cert.bounds[last], cert.runs, cert.successes[last],
                     static_cast<int>(cert.bounds.size()), dist.p_estimate()};
  plan.explanation += fmt::format(
      "  certified: {} epochs in all (chosen on the selection runs: {}; epochs {} down to {} tested at {:.4g}%, {} passed): {} "
      "of {} {} meet L* (bound {:.4f}), so P(L <= {}) >= {}; {} {:.6g}, time {:.6g} s\n",
      epochs, chosen, order.front(), order[cert.bounds.size() - 1], 100 * cert.level, cert.certified, cert.successes[last],
      cert.runs, runs_word, cert.bounds[last], sc.target.loss, p_star, to_string(sc.objective), pb.cost.objective(cost), cost.time_s);
  return {plan, "", pb.cost.objective(cost)};
}

} // namespace

std::vector<std::pair<std::size_t, int>> version_runs(const Problem& pb, const Plan& plan) {
  std::vector<std::pair<std::size_t, int>> runs;
  for (const auto& part : pb.schedule(plan).parts)
    if (!runs.empty() && runs.back().first == part.version) runs.back().second += part.epochs;
    else runs.emplace_back(part.version, part.epochs);
  return runs;
}

std::vector<Candidate> with_single_version_candidates(const Problem& pb, Plan own) {
  std::vector<Candidate> out;
  out.push_back({"its own plan", std::move(own)});
  out.push_back({"the full version alone", single_version_plan(pb, 0, "  the full version alone"), true});
  const std::size_t pruned = pb.scenario.most_pruned_version();
  out.push_back({"the most-pruned version alone", single_version_plan(pb, pruned, "  the most-pruned version alone"), true});
  return out;
}

Plan certify_best(const Problem& pb, std::vector<Candidate> candidates, const std::string& planner, const Retime& retime) {
  const PlannerKnowledge& kk = pb.knowledge;
  if (candidates.empty()) throw std::logic_error("certify_best: no candidate");
  if (kk.certification_runs() == 0) return candidates.front().plan;
  // The candidates tested: plans, distinct in what they learn, at most certification_candidates() of them.
  std::vector<Candidate> tested;
  std::vector<std::string> keys;
  for (auto& c : candidates) {
    if (c.plan.status != PlanStatus::ok || c.plan.segments.empty()) continue;
    const std::string key = learning_key(pb, c.plan);
    if (const auto same = std::find(keys.begin(), keys.end(), key); same != keys.end()) {
      // The same learning as a plan fixed in advance (depl's choice of the full version on all the data, say) is
      // tested as that plan is, on every run: its test is among those counted whatever the selection runs said.
      if (c.prespecified) tested[static_cast<std::size_t>(same - keys.begin())].prespecified = true;
      continue;
    }
    if (static_cast<int>(tested.size()) == kk.certification_candidates()) break;
    keys.push_back(key);
    tested.push_back(std::move(c));
  }
  if (tested.empty()) return candidates.front().plan;
  // Every planner tests each candidate at the same level, (1 - confidence) / certification_candidates(), however many
  // it has: a candidate (the full version alone, say) is then certified in one planner exactly when it is in another,
  // and no planner certifies less than the anchors whose plans it offers.
  const int family = kk.certification_candidates();
  std::vector<Outcome> outcomes;
  for (auto& c : tested) outcomes.push_back(certify_one(pb, c.plan, c.prespecified, family, retime));
  std::size_t best = outcomes.size();
  for (std::size_t i = 0; i < outcomes.size(); ++i)
    if (outcomes[i].failure.empty() && (best == outcomes.size() || outcomes[i].objective < outcomes[best].objective)) best = i;
  std::string summary = fmt::format("  certification on the knowledge's {} held-out runs (on all {} for plans fixed in advance), "
                                    "{} candidate{} tested, each at (1 - {:g}) / {} (at most {} candidates: {:g}% for all "
                                    "together):\n", kk.certification_runs(), kk.certification_runs() + kk.independent_runs(),
                                    tested.size(), tested.size() == 1 ? "" : "s", kk.confidence(), family, family,
                                    100 * kk.confidence());
  for (std::size_t i = 0; i < outcomes.size(); ++i)
    summary += fmt::format("    {} {}: {}\n", i == best ? "*" : " ", tested[i].label,
                           outcomes[i].failure.empty()
                               ? fmt::format("certified ({} of {} {} runs meet L*), {} {:.6g}", outcomes[i].plan.claim->successes,
                                             outcomes[i].plan.claim->runs, tested[i].prespecified ? "knowledge" : "held-out",
                                             to_string(pb.scenario.objective), outcomes[i].objective)
                               : "not certified: " + outcomes[i].failure);
  if (best == outcomes.size()) {
    Plan p;
    p.explanation = tested.front().plan.explanation;
    p.status = PlanStatus::infeasible;
    p.reason = fmt::format("certification: no candidate plan is certified (plans chosen on the {} selection runs, on the {} "
                           "held-out runs; plans fixed in advance, on all {}) ({}: {})", kk.independent_runs(), kk.certification_runs(),
                           kk.independent_runs() + kk.certification_runs(), tested.front().label, outcomes.front().failure);
    p.explanation += summary + fmt::format("{}: infeasible: {}\n", planner, p.reason);
    return p;
  }
  Plan out = outcomes[best].plan;
  if (best != 0)
    out.explanation = tested.front().plan.explanation + fmt::format("  {}'s own plan is not the cheapest certified; {} is:\n", planner,
                                                                      tested[best].label) + out.explanation;
  out.explanation += summary;
  return out;
}

} // namespace deplsim
