// The shared plan search (see search_engine.hpp).
#include "search_engine.hpp"

#include "deplsim/knowledge.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace deplsim {

std::optional<Plan> insufficient_data(const Problem& pb, const std::string& planner) {
  auto why = pb.knowledge.insufficient_for(pb.scenario.target.probability);
  if (!why) return std::nullopt;
  Plan p;
  p.status = PlanStatus::insufficient_data;
  p.reason = *why;
  p.explanation = planner + ": " + *why + "\n";
  return p;
}

Plan shape_plan(const Scenario& sc, const Plan& base, const ScheduleShape& sh, const Resources& r, int k) {
  Plan p = base;
  const std::string& cluster = sc.clusters[r.cluster].name;
  if (sh.at == 0) p.segments = {Segment{sc.model.versions[sh.first].name, cluster, r.nodes, r.pstate, k}};
  else
    p.segments = {Segment{sc.model.versions[sh.first].name, cluster, r.nodes, r.pstate, sh.at},
                  Segment{sc.model.versions[sh.second].name, cluster, r.nodes, r.pstate, k - sh.at}};
  return p;
}

std::vector<ScheduleShape> schedule_shapes(const Scenario& sc) {
  std::vector<ScheduleShape> out;
  for (std::size_t v = 0; v < sc.model.versions.size(); ++v) out.push_back({v, v, 0});
  if (sc.model.max_switches >= 1)
    for (const auto& s : sc.model.switches)
      for (int e : sc.model.switch_epochs)
        if (e < sc.target.max_epochs) out.push_back({s.from_index, s.to_index, e});
  return out;
}

std::vector<std::vector<std::size_t>> candidate_data_sets(const Scenario& sc, const PlannerKnowledge& knowledge) {
  const std::size_t n = sc.data_sources.size();
  std::vector<std::vector<std::size_t>> out;
  if (n <= 10) {
    for (std::size_t mask = 1; mask < (std::size_t{1} << n); ++mask) {
      std::vector<std::size_t> s;
      for (std::size_t i = 0; i < n; ++i)
        if (mask & (std::size_t{1} << i)) s.push_back(i);
      out.push_back(s);
    }
    return out;
  }
  std::vector<std::size_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return sc.data_sources[a].sample_bytes < sc.data_sources[b].sample_bytes; });
  const std::vector<double>& buckets = knowledge.buckets();
  std::size_t next = 0;  // the next bucket not yet reached by a shorter prefix
  double samples = 0;
  for (std::size_t k = 1; k <= n && next < buckets.size(); ++k) {
    samples += static_cast<double>(sc.data_sources[order[k - 1]].samples);
    if (buckets[next] > samples * (1 + 1e-12)) continue;  // bucket_of's rule: still below the next bucket
    out.emplace_back(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k));
    while (next < buckets.size() && buckets[next] <= samples * (1 + 1e-12)) ++next;
  }
  return out;
}

std::string memory_limits(const Problem& pb) {
  std::string out;
  const auto all = pb.cost.resource_choices();
  for (std::size_t v = 0; v < pb.scenario.model.versions.size() && !all.empty(); ++v) {
    if (!pb.cost.resource_choices(v).empty()) continue;
    std::string why;
    (void)pb.cost.fits(v, all.back(), &why);  // the last choice: the most nodes of the last cluster
    out += fmt::format("; in memory, version '{}' fits on no (cluster, nodes, power state): on the largest choice, {}",
                       pb.scenario.model.versions[v].name, why);
  }
  return out;
}

std::string memory_fit_lines(const Problem& pb) {
  std::string out;
  const std::size_t all = pb.cost.resource_choices().size();
  for (std::size_t v = 0; v < pb.scenario.model.versions.size(); ++v)
    if (const std::size_t fit = pb.cost.resource_choices(v).size(); fit < all)
      out += fmt::format("  memory: version '{}' fits on {} of {} (cluster, nodes, power state) choices (the others are "
                         "never chosen; `deplsim validate` says where and why)\n",
                         pb.scenario.model.versions[v].name, fit, all);
  return out;
}

bool energy_floors_hold(const PlatformView& platform) {
  for (const auto& l : platform.links)
    if (!(l.idle_w >= 0 && l.busy_w >= l.idle_w)) return false;
  for (const auto& h : platform.hosts) {
    if (!(h.transmit_w >= 0)) return false;
    for (const auto& p : h.pstates)
      if (!(p.idle_w >= 0)) return false;
  }
  return true;
}

EpochBounds::EpochBounds(const Problem& pb)
    : pb_(pb), resources_(pb.cost.resource_choices()), valid_(energy_floors_hold(pb.platform)) {}

double EpochBounds::on(double samples, std::size_t v, const Resources& r) {
  const auto key = std::make_tuple(samples, v, r.cluster, r.nodes, r.pstate);
  if (auto it = on_.find(key); it != on_.end()) return it->second;
  const Scenario& sc = pb_.scenario;
  const EpochCost e = pb_.cost.epoch(v, r, samples);
  double x = e.time_s;
  if (sc.objective == Objective::energy) x = e.host_energy_j + e.transmit_energy_j;
  else if (sc.objective == Objective::money) x = sc.clusters[r.cluster].price_per_node_s * r.nodes * e.time_s;
  return on_.emplace(key, x).first->second;
}

double EpochBounds::epoch(double samples, std::size_t v) {
  const auto key = std::make_pair(samples, v);
  if (auto it = bounds_.find(key); it != bounds_.end()) return it->second;
  double best = std::numeric_limits<double>::infinity();
  for (const Resources& r : resources_)
    if (pb_.cost.fits(v, r)) best = std::min(best, on(samples, v, r));
  bounds_.emplace(key, best);
  return best;
}

double EpochBounds::plan(double samples, const ScheduleShape& shape, int epochs) {
  if (!holds()) return -std::numeric_limits<double>::infinity();
  const int first = shape.at == 0 ? epochs : shape.at;
  return first * epoch(samples, shape.first) + (epochs - first) * epoch(samples, shape.second);
}

SearchResult search_plan(const Problem& pb, const Criterion& criterion, const std::string& name) {
  const Scenario& sc = pb.scenario;
  const PlannerKnowledge* kk = &pb.knowledge;
  SearchResult result;
  struct Best {
    double objective = std::numeric_limits<double>::infinity();
    Plan plan;
    PlanCost cost;
  } best;
  std::string why = fmt::format("{}: criterion {}\n  knowledge: {}\n", name, criterion.description, pb.knowledge.describe());
  why += memory_fit_lines(pb);
  const auto resources = pb.cost.resource_choices();
  EpochBounds bounds(pb);
  int too_little_data = 0;
  for (const auto& set : candidate_data_sets(sc, pb.knowledge)) {
    Plan base;
    for (auto i : set) base.data_sources.push_back(sc.data_sources[i].name);
    const double q = pb.samples(base.data_sources);
    try {
      (void)kk->bucket_of(q);
    } catch (const std::out_of_range&) {
      ++too_little_data;
      continue;
    }
    ++result.data_sets;
    for (const ScheduleShape& sh : schedule_shapes(sc)) {
      // One propagation gives the prediction after every epoch: the first epoch that passes is the cheapest
      // stopping point for this shape (cost grows with epochs).
      const Schedule full = sh.schedule(sc.target.max_epochs);
      std::vector<std::pair<LossDistribution, double>> each;
      try {
        each = kk->each_epoch(q, full);
      } catch (const std::invalid_argument&) {
        continue;  // not known (e.g. a switch a measured profile lacks at this data quantity)
      }
      int k = 0;
      for (int e = sh.first_stop(); e <= sc.target.max_epochs; ++e)
        if (criterion.accepts(each[static_cast<std::size_t>(e - 1)].first, each[static_cast<std::size_t>(e - 1)].second)) {
          k = e;
          break;
        }
      if (k == 0) continue;
      ++result.candidates;
      // Every plan of this candidate costs at least its epochs' bound: when that is above the best so far, none of
      // its resource choices can be the (first) cheapest.
      if (EpochBounds::above(bounds.plan(q, sh, k), best.objective)) continue;
      const auto& [dist, expected] = each[static_cast<std::size_t>(k - 1)];
      for (const Resources& r : resources) {
        if (!pb.cost.fits(sh.first, r) || (sh.at != 0 && !pb.cost.fits(sh.second, r))) continue;  // out of memory
        Plan p = shape_plan(sc, base, sh, r, k);
        const PlanCost c = pb.cost.evaluate(p);
        if (sc.target.deadline_s && c.time_s > *sc.target.deadline_s) continue;
        const double obj = pb.cost.objective(c);
        if (obj < best.objective) {
          best.objective = obj;
          p.predicted.p_target_met = dist.p_target();
          p.predicted.expected_loss = expected;
          p.predicted.energy_j = c.energy_j;
          p.predicted.time_s = c.time_s;
          best.plan = p;
          best.cost = c;
        }
      }
    }
  }
  if (too_little_data > 0) why += fmt::format("  {} data sets below the smallest data bucket skipped\n", too_little_data);
  if (!std::isfinite(best.objective)) {
    result.plan.status = PlanStatus::infeasible;
    result.plan.reason = fmt::format("no plan passes {} within max_epochs = {}{}{}", criterion.description, sc.target.max_epochs,
                                     sc.target.deadline_s ? fmt::format(" and the deadline of {} s", *sc.target.deadline_s) : "",
                                     memory_limits(pb));
    result.plan.explanation = why + "  infeasible: " + result.plan.reason + "\n";
    return result;
  }
  result.plan = best.plan;
  const auto& segs = result.plan.segments;
  why += fmt::format("  searched {} data sets, {} (data, schedule) candidates x {} resource choices\n", result.data_sets,
                     result.candidates, resources.size());
  why += fmt::format("  chosen: {} data sources ({} samples), {}, on {} x{} pstate {}\n", result.plan.data_sources.size(),
                     pb.samples(result.plan.data_sources),
                     segs.size() == 1 ? fmt::format("{} for {} epochs", segs[0].version, segs[0].epochs)
                                      : fmt::format("{} for {} epochs then {} for {}", segs[0].version, segs[0].epochs,
                                                    segs[1].version, segs[1].epochs),
                     segs[0].cluster, segs[0].nodes, segs[0].pstate);
  why += fmt::format("  predicted P(L <= {}) = {:.4f}, E[L] = {:.4f}, energy {:.6g} J, time {:.6g} s\n", sc.target.loss,
                     *result.plan.predicted.p_target_met, *result.plan.predicted.expected_loss, best.cost.energy_j,
                     best.cost.time_s);
  result.plan.explanation = why;
  return result;
}

} // namespace deplsim
