// Splitting segments between two resource choices to meet a deadline cheaply (see deadline_mix.hpp).
#include "deadline_mix.hpp"

#include "search_engine.hpp"

#include "deplsim/cost_model.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace deplsim {
namespace {

struct Choice {
  Resources r;
  double time_s = 0.0;     // one epoch
  double objective = 0.0;  // one epoch, by the scenario's objective
};

// The resource choices on which version v fits that no other beats on both one epoch's time and its objective (on
// `samples`), quickest first: a dominated choice is never the better half of a mix.
std::vector<Choice> frontier(const Problem& pb, std::size_t v, double samples) {
  std::vector<Choice> all;
  for (const Resources& r : pb.cost.resource_choices(v)) {
    const EpochCost e = pb.cost.epoch(v, r, samples);
    PlanCost c;
    c.energy_j = e.energy_j;
    c.time_s = e.time_s;
    c.money = pb.scenario.clusters[r.cluster].price_per_node_s * r.nodes * e.time_s;
    all.push_back({r, e.time_s, pb.cost.objective(c)});
  }
  std::sort(all.begin(), all.end(), [](const Choice& a, const Choice& b) {
    return a.time_s < b.time_s || (a.time_s == b.time_s && a.objective < b.objective);
  });
  std::vector<Choice> out;
  for (const Choice& c : all)
    if (out.empty() || c.objective < out.back().objective) out.push_back(c);
  return out;
}

Segment on(const Problem& pb, Segment s, const Resources& r, int epochs) {
  s.cluster = pb.scenario.clusters[r.cluster].name;
  s.nodes = r.nodes;
  s.pstate = r.pstate;
  s.epochs = epochs;
  return s;
}

// Segment i of `plan` split into k epochs on `slow` and the rest on `fast` (slow first or last).
Plan split(const Problem& pb, const Plan& plan, std::size_t i, const Resources& slow, const Resources& fast, int k, bool slow_first) {
  Plan out = plan;
  const Segment& s = plan.segments[i];
  const Segment a = on(pb, s, slow, k);
  const Segment b = on(pb, s, fast, s.epochs - k);
  out.segments.erase(out.segments.begin() + static_cast<std::ptrdiff_t>(i));
  out.segments.insert(out.segments.begin() + static_cast<std::ptrdiff_t>(i), slow_first ? b : a);
  out.segments.insert(out.segments.begin() + static_cast<std::ptrdiff_t>(i), slow_first ? a : b);
  return out;
}

} // namespace

Plan mix_for_deadline(const Problem& pb, const Plan& plan) {
  const Scenario& sc = pb.scenario;
  if (!sc.target.deadline_s || plan.segments.empty()) return plan;
  const double deadline = *sc.target.deadline_s;
  const double samples = pb.samples(plan.data_sources);
  auto cost_of = [&](const Plan& p) { return pb.cost.evaluate(p); };
  Plan best = plan;
  PlanCost best_cost = cost_of(best);
  if (best_cost.time_s > deadline) return plan;
  double best_obj = pb.cost.objective(best_cost);
  // What an epoch of version v on r adds at least to any plan's objective (EpochBounds' rule: the nodes' energy and
  // radios, or the epoch's time, or its price), to skip the pairs whose every split costs more than the best so far.
  EpochBounds bounds(pb);
  const bool bounded = bounds.holds();
  auto floor_of = [&](std::size_t v, const Resources& r) { return bounds.on(samples, v, r); };
  std::map<std::size_t, std::vector<Choice>> fronts;  // per version (the data, hence the samples, are the plan's)
  for (int pass = 0; pass < 3; ++pass) {
    const Plan base = best;
    std::vector<double> floors;  // per segment of base: its epochs' floor
    double floor_all = 0;
    for (const Segment& s : base.segments) {
      floors.push_back(s.epochs * floor_of(*sc.version_index(s.version), Resources{*sc.cluster_index(s.cluster), s.nodes, s.pstate}));
      floor_all += floors.back();
    }
    for (std::size_t i = 0; i < base.segments.size(); ++i) {
      const Segment& s = base.segments[i];
      if (s.epochs < 2) continue;
      const auto v = *sc.version_index(s.version);
      // Pairs of the frontier: a fast choice and a slower, cheaper one.
      if (!fronts.contains(v)) fronts.emplace(v, frontier(pb, v, samples));
      const std::vector<Choice>& front = fronts.at(v);
      for (std::size_t a = 0; a < front.size(); ++a)
        for (std::size_t b = a + 1; b < front.size(); ++b) {
          const Choice& f = front[a];
          const Choice& slow = front[b];
          // Any split (k = 1 to epochs - 1 on the slow choice) costs at least the other segments' floors and, for this
          // one, k x slow + (epochs - k) x fast: at its cheaper end, the pair cannot beat the best mix so far.
          const double fs = floor_of(v, slow.r);
          const double ff = floor_of(v, f.r);
          auto floor_at = [&](int k) { return floor_all - floors[i] + k * fs + (s.epochs - k) * ff; };
          if (bounded && EpochBounds::above(std::min(floor_at(1), floor_at(s.epochs - 1)), best_obj)) continue;
          for (bool slow_first : {true, false}) {
            // The largest k (epochs on the slow choice) within the deadline: time grows with k. A split's entries and
            // epoch times do not depend on k, so its time terms are costed once and summed again for each k (the
            // same sum as evaluate's).
            auto terms = pb.cost.time_terms(split(pb, base, i, slow.r, f.r, 1, slow_first));
            const std::size_t on_slow = slow_first ? i : i + 1;
            const std::size_t on_fast = slow_first ? i + 1 : i;
            auto time_at = [&](int k) {
              terms[on_slow].epochs = k;
              terms[on_fast].epochs = s.epochs - k;
              return CostModel::sum_time(terms);
            };
            int lo = 0, hi = s.epochs - 1;
            while (lo < hi) {
              const int mid = (lo + hi + 1) / 2;
              if (time_at(mid) <= deadline) lo = mid;
              else hi = mid - 1;
            }
            if (lo == 0) continue;
            if (bounded && EpochBounds::above(floor_at(lo), best_obj)) continue;  // cannot be cheaper: not costed
            const Plan cand = split(pb, base, i, slow.r, f.r, lo, slow_first);
            const PlanCost cc = cost_of(cand);
            const double obj = pb.cost.objective(cc);
            if (cc.time_s <= deadline && obj < best_obj && validate_plan(pb, cand, "").empty()) {
              best = cand;
              best_cost = cc;
              best_obj = obj;
            }
          }
        }
    }
    if (best.segments.size() == base.segments.size()) break;  // nothing split in this pass
  }
  if (best.segments.size() == plan.segments.size()) return plan;
  best.predicted.energy_j = best_cost.energy_j;
  best.predicted.time_s = best_cost.time_s;
  best.explanation += fmt::format("  under the deadline, epochs split between a frugal and a fast resource choice: {} {:.6g} "
                       "(from {:.6g}), time {:.6g} s of {} s\n", to_string(sc.objective), best_obj,
                       pb.cost.objective(cost_of(plan)), best_cost.time_s, deadline);
  for (std::size_t i = 0; i < best.segments.size(); ++i) {
    const Segment& s = best.segments[i];
    best.explanation += fmt::format("    segment {}: {} on {} x{} power state {} for {} epochs\n", i + 1, s.version, s.cluster,
                                    s.nodes, s.pstate, s.epochs);
  }
  return best;
}

std::optional<Plan> retime_for_deadline(const Problem& pb, const Plan& plan) {
  const Scenario& sc = pb.scenario;
  if (!sc.target.deadline_s || plan.segments.empty()) return std::nullopt;
  std::vector<Segment> runs;  // consecutive segments of one version merged
  for (const Segment& s : plan.segments)
    if (!runs.empty() && runs.back().version == s.version) runs.back().epochs += s.epochs;
    else runs.push_back(s);
  std::optional<Plan> best;
  double best_objective = 0;
  for (const Resources& r : pb.cost.resource_choices()) {
    if (std::any_of(runs.begin(), runs.end(), [&](const Segment& s) { return !pb.cost.fits(*sc.version_index(s.version), r); })) continue;
    Plan p = plan;
    p.segments.clear();
    for (const Segment& s : runs) p.segments.push_back(on(pb, s, r, s.epochs));
    const PlanCost c = pb.cost.evaluate(p);
    if (c.time_s > *sc.target.deadline_s) continue;
    if (const double o = pb.cost.objective(c); !best || o < best_objective) {
      best = std::move(p);
      best_objective = o;
    }
  }
  if (!best) return std::nullopt;
  return mix_for_deadline(pb, *best);
}

} // namespace deplsim
