// depl (docs/model.md 0.9 and 5.3): the DepL framework as this project formalises it, three nested parts.
//  1. Data (outer loop): candidate data sets in increasing order of a valid lower bound on any plan's cost with
//     them (the fewest epochs any schedule needs with the set's own knowledge x the cheapest epoch);
//     the loop stops when the bound reaches the best verified cost.
//  2. Models and switching: an expanded graph (Boost.Graph) whose vertices are (epochs done, version chain,
//     progress in it, cluster, dependable level b, switches used); an edge trains one more epoch and moves b to
//     the p~-quantile of the kernel row P[b, .] (across a switch at a declared epoch, the switch kernel), in the
//     same cluster or after a migration; a DAG shortest path reaches the cheapest vertex with level <= L*.
//     Each path is verified by exact propagation (P(L_K <= L*) >= p*); verified P is not monotone in p~, so
//     p~ is scanned over a grid and the cheapest verified plan kept.
//  3. Clusters and resources: per (version, data set) and cluster, the cheapest (nodes, power state) per epoch
//     by the scenario's objective plus a Lagrangian price on time, raised until the plan meets the deadline.
// The final cost of each verified plan is the cost model's exact evaluation, not the graph's estimate.
#include "../common/certify.hpp"
#include "../common/deadline_mix.hpp"
#include "../common/margin_search.hpp"
#include "../common/search_engine.hpp"
#include "deplsim/knowledge.hpp"
#include "deplsim/orchestrator.hpp"
#include "depl.hpp"

#include <boost/graph/compressed_sparse_row_graph.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <span>
#include <tuple>

namespace deplsim {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// A version chain of the knowledge: one version from the start, or after a switch from `from` at epoch `at`.
struct ChainId {
  std::size_t version = 0;
  std::size_t from = 0;
  int at = 0;  // 0: no switch
  auto operator<=>(const ChainId&) const = default;
};

struct State {
  int epochs = 0;
  ChainId chain;
  int progress = 0;  // epochs trained in this chain
  std::size_t cluster = 0;
  int level = 0;
  int switches = 0;
  auto operator<=>(const State&) const = default;
};

int quantile_level(std::span<const TransitionKernel::Entry> row, double p) {
  double s = 0;
  for (const auto& [j, q] : row) {
    s += q;
    if (s >= p - 1e-12) return static_cast<int>(j);
  }
  return row.empty() ? 0 : static_cast<int>(row.back().first);
}

int quantile_level(const std::vector<double>& dist, double p) {
  double s = 0;
  for (std::size_t j = 0; j < dist.size(); ++j) {
    s += dist[j];
    if (s >= p - 1e-12) return static_cast<int>(j);
  }
  return static_cast<int>(dist.size()) - 1;
}

class Depl final : public Orchestrator {
public:
  [[nodiscard]] std::string name() const override { return "depl"; }

  Plan plan(const Problem& pb) override {
    const Scenario& sc = pb.scenario;
    const PlannerKnowledge* kk = &pb.knowledge;
    if (auto none = insufficient_data(pb, name())) return *none;
    skeletons_.clear();
    fastest_over_deadline_ = kInf;
    std::string why = fmt::format("depl: target P(L <= {}) >= {}{}\n  knowledge: {}\n", sc.target.loss, sc.target.probability,
                                  sc.target.deadline_s ? fmt::format(" within {} s", *sc.target.deadline_s) : "", kk->describe());
    why += memory_fit_lines(pb);
    const auto resources = pb.cost.resource_choices();

    // Fewest epochs any schedule needs at the largest data (for the data loop's lower bound).
    const std::size_t top = kk->buckets().size() - 1;
    const int k_min = fewest_epochs(pb, *kk, kk->buckets()[top]);
    why += fmt::format("  fewest epochs any schedule needs at the largest data: {}\n", k_min > 0 ? std::to_string(k_min) : "none");

    int sets_hopeless = 0;
    const std::vector<Candidate> sets = candidate_sets(pb, resources, sets_hopeless);
    DataLoop loop = price_loop(pb, sets, resources);
    // When the graph finds nothing, the shared search's candidates (every data set, one version or one declared
    // switch, one resource choice; verified by the same exact propagation): the graph's quantile paths can miss
    // them when the knowledge is coarse (few measured seeds). (Only then: it costs about 0.3 s on a paper
    // scenario, and when the graph finds plans they are no dearer than those, as tests/unit/test_depl.cpp checks.)
    if (!loop.best) loop.best = shared_search(pb, why);
    if (!loop.best) return infeasible(pb, k_min, why);
    std::vector<deplsim::Candidate> candidates = with_single_version_candidates(pb, chosen(pb, loop, sets_hopeless, why));
    // expected-loss+margin's plan (chosen on the same runs) is a candidate too, tested as that planner tests it: depl's
    // certified plan is then never dearer than that baseline's, nor than the full or the most-pruned version alone.
    if (kk->certification_runs() > 0)
      if (MarginSearch m = margin_search(pb, margin_step_, name()); m.plan)
        candidates.insert(candidates.begin() + 1, deplsim::Candidate{"expected-loss+margin's plan", std::move(*m.plan)});
    // Under a deadline each candidate's epochs may split between a frugal and a fast resource choice, before
    // certification (to rank them) and after it (certification may change the last segment's epochs); what a plan
    // learns, hence its claim, does not depend on its resources.
    for (auto& c : candidates) c.plan = mix_for_deadline(pb, c.plan);
    // A candidate whose certified epochs miss the deadline on its resources is certified on resources re-chosen for it.
    Plan out = certify_best(pb, std::move(candidates), name(), [&pb](const Plan& p) { return retime_for_deadline(pb, p); });
    return out.status == PlanStatus::ok ? mix_for_deadline(pb, out) : out;
  }

  void configure(const PlannerSettings& s) override { margin_step_ = s.number("margin_step", 0.01, {1e-4, 0.5}); }

private:
  double margin_step_ = 0.01;  ///< planners.margin_step: expected-loss+margin's grid, for its candidate plan

  struct Found {
    Plan plan;
    double objective = kInf;
    double p_tilde = 0;
  };

  /// A candidate data set and a lower bound on the objective of its plans.
  struct Candidate {
    std::vector<std::size_t> sources;
    double samples = 0;
    double bound = 0;
  };

  /// The data loop at one price on time: the best verified plan and how the data sets fared.
  struct DataLoop {
    std::optional<Found> best;
    int sets_searched = 0;
    int sets_cut = 0;
    std::string rejected;  // the other data sets' best verified plans, one line each
  };

  // Candidate data sets with their lower bounds, in increasing order of the bound; `hopeless` counts those whose
  // knowledge never reaches p*.
  static std::vector<Candidate> candidate_sets(const Problem& pb, const std::vector<Resources>& resources, int& hopeless) {
    const Scenario& sc = pb.scenario;
    const PlannerKnowledge* kk = &pb.knowledge;
    std::vector<Candidate> sets;
    std::map<std::size_t, int> bucket_epochs;
    for (const auto& s : candidate_data_sets(sc, *kk)) {
      Candidate c{s, 0, 0};
      for (auto i : s) c.samples += static_cast<double>(sc.data_sources[i].samples);
      try {
        (void)kk->bucket_of(c.samples);
      } catch (const std::out_of_range&) {
        continue;
      }
      // The cheapest epoch of any version on any resources with this set's samples. (Shipping, which every plan
      // also pays, is left out of the bound: costing it for every set and resource took longer than it saved.)
      double epoch = kInf;
      for (const auto& r : resources)
        for (std::size_t v = 0; v < sc.model.versions.size(); ++v)
          if (pb.cost.fits(v, r)) epoch = std::min(epoch, objective_of_epoch(pb, v, r, c.samples));
      // The fewest epochs with this set's own knowledge (its bucket), when any schedule reaches p* there; else
      // the set cannot give a plan at all.
      const std::size_t b = kk->bucket_of(c.samples);
      if (!bucket_epochs.contains(b)) bucket_epochs[b] = fewest_epochs(pb, *kk, kk->buckets()[b]);
      if (bucket_epochs[b] == 0) {
        ++hopeless;
        continue;
      }
      c.bound = bucket_epochs[b] * epoch;
      sets.push_back(std::move(c));
    }
    std::stable_sort(sets.begin(), sets.end(), [](const Candidate& a, const Candidate& b) { return a.bound < b.bound; });
    return sets;
  }

  // Lagrangian price on time for a deadline: 0 first, raised until the best plan meets it.
  DataLoop price_loop(const Problem& pb, const std::vector<Candidate>& sets, const std::vector<Resources>& resources) const {
    const Scenario& sc = pb.scenario;
    std::vector<double> prices = {0.0};
    if (sc.target.deadline_s)
      for (double f : {1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0, 1e3, 1e4}) prices.push_back(f);
    DataLoop loop;
    std::vector<Found> found;  // each data set's best verified plan at the current price
    for (double price : prices) {
      found.clear();
      loop.sets_searched = 0;
      loop.sets_cut = 0;
      loop.rejected.clear();
      data_loop(pb, sets, price, resources, loop, found);
      if (loop.best) {
        refine_near_best(pb, found, *loop.best, resources);
        break;  // the lowest price that yields a plan within the deadline
      }
    }
    return loop;
  }

  // Part 1 at one price: the data sets in increasing bound, until the bound reaches the best verified cost.
  void data_loop(const Problem& pb, const std::vector<Candidate>& sets, double price, const std::vector<Resources>& resources,
                 DataLoop& loop, std::vector<Found>& found) const {
    const PlannerKnowledge* kk = &pb.knowledge;
    std::optional<Found>& best = loop.best;
    for (const Candidate& c : sets) {
      if (best && c.bound >= best->objective) {
        loop.sets_cut = static_cast<int>(sets.size()) - loop.sets_searched;  // sets are in increasing bound: all the rest
        break;
      }
      ++loop.sets_searched;
      auto f = search_data_set(pb, *kk, c.sources, c.samples, price, resources);
      if (!f) continue;
      found.push_back(*f);
      if (!best || f->objective < best->objective) {
        if (best) loop.rejected += fmt::format("    {} sources ({} samples): {:.6g}\n", best->plan.data_sources.size(),
                                               pb.samples(best->plan.data_sources), best->objective);
        best = std::move(f);
      } else {
        loop.rejected += fmt::format("    {} sources ({} samples): {:.6g}\n", f->plan.data_sources.size(), c.samples, f->objective);
      }
    }
  }

  // Exact resource refinement of the data sets whose plans are within 10% of the best (the others would need a
  // larger saving than refinement gives).
  void refine_near_best(const Problem& pb, std::vector<Found>& found, Found& best, const std::vector<Resources>& resources) const {
    const double bar = best.objective * 1.1;
    for (auto& f : found)
      if (f.objective <= bar) {
        refine_resources(pb, f, resources);
        if (f.objective < best.objective) best = f;
      }
  }

  // The shared search's plan (see plan()), noted in `why`, when it finds one.
  std::optional<Found> shared_search(const Problem& pb, std::string& why) const {
    const Scenario& sc = pb.scenario;
    const double p_star = sc.target.probability;
    const Criterion verified{"P(L <= L*) >= p*", [p_star](const LossDistribution& d, double) { return reaches(d.p_target(), p_star); }};
    SearchResult shared = search_plan(pb, verified, name());
    if (shared.plan.status != PlanStatus::ok) return std::nullopt;
    const double obj = pb.cost.objective(pb.cost.evaluate(shared.plan));
    why += fmt::format("  the shared search (one resource choice for the whole plan) found a plan the graph did not: {} {:.6g}\n",
                       to_string(sc.objective), obj);
    return Found{shared.plan, obj, -1};
  }

  // No plan: the reason is the deadline, the loss, or max_epochs.
  Plan infeasible(const Problem& pb, int k_min, const std::string& why) const {
    const Scenario& sc = pb.scenario;
    Plan p;
    p.status = PlanStatus::infeasible;
    if (std::isfinite(fastest_over_deadline_))
      p.reason = fmt::format("the deadline: plans reach P(L <= {}) >= {}, but the quickest takes {:.6g} s > {} s",
                             sc.target.loss, sc.target.probability, fastest_over_deadline_, *sc.target.deadline_s);
    else if (k_min == 0)
      p.reason = fmt::format("the loss: no version or declared switch reaches P(L <= {}) >= {} within max_epochs = {}, "
                             "even with all the data", sc.target.loss, sc.target.probability, sc.target.max_epochs);
    else
      p.reason = fmt::format("max_epochs = {}: no schedule found by the graph verifies P(L <= {}) >= {} within it "
                             "(with all the data, the fewest epochs are {})", sc.target.max_epochs, sc.target.loss,
                             sc.target.probability, k_min);
    p.reason += memory_limits(pb);
    p.explanation = why + "  infeasible: " + p.reason + "\n";
    return p;
  }

  // The best plan, costed exactly, with the explanation of how it was found and how it differs from the
  // single-version planners' plans.
  static Plan chosen(const Problem& pb, const DataLoop& loop, int sets_hopeless, std::string why) {
    const Scenario& sc = pb.scenario;
    const std::optional<Found>& best = loop.best;
    Plan plan = best->plan;
    const PlanCost cost = pb.cost.evaluate(plan);
    plan.predicted.energy_j = cost.energy_j;
    plan.predicted.time_s = cost.time_s;
    why += fmt::format("  data sets: {} searched, {} cut by the lower bound, {} whose knowledge never reaches p*\n", loop.sets_searched,
                       loop.sets_cut, sets_hopeless);
    why += fmt::format("  chosen: {} data sources ({} samples): {}\n", plan.data_sources.size(), pb.samples(plan.data_sources),
                       fmt::join(plan.data_sources, ", "));
    if (!loop.rejected.empty()) why += "  other data sets' best verified plans (objective):\n" + loop.rejected;
    for (std::size_t i = 0; i < plan.segments.size(); ++i) {
      const Segment& s = plan.segments[i];
      why += fmt::format("  segment {}: {} on {} x{} power state {} for {} epochs{}\n", i + 1, s.version, s.cluster, s.nodes,
                         s.pstate, s.epochs,
                         i == 0 ? "" : (s.version != plan.segments[i - 1].version ? " (model switch at a declared epoch)" : " (migration)"));
    }
    why += fmt::format("  {}; verified P(L <= {}) = {:.4f}, E[L] = {:.4f}; {} {:.6g}, time {:.6g} s\n",
                       best->p_tilde >= 0 ? fmt::format("graph path at p~ = {}", best->p_tilde) : std::string("shared search"),
                       sc.target.loss, *plan.predicted.p_target_met, *plan.predicted.expected_loss, to_string(sc.objective),
                       pb.cost.objective(cost), cost.time_s);
    const bool all_data = plan.data_sources.size() == sc.data_sources.size();
    const bool one_version = std::all_of(plan.segments.begin(), plan.segments.end(),
                                         [&](const Segment& x) { return x.version == plan.segments.front().version; });
    why += all_data && one_version
               ? "  this plan trains one version on all the data: a plan the single-version planners (full-only, "
                 "pruned-only) also consider\n"
               : fmt::format("  this plan uses {}{}{}: outside the single-version planners' plans\n",
                             all_data ? "" : "a subset of the data", !all_data && !one_version ? " and " : "",
                             one_version ? "" : "a model switch");
    why += "  (`deplsim compare` marks a plan identical to another planner's as \"same plan as\")\n";
    plan.explanation = why;
    return plan;
  }

  // The graph chose resources per (version, cluster) by a per-epoch figure; the exact cost of the whole plan
  // (idle tails, shipping to more nodes) can favour others. Tries each resource choice for every segment of the
  // verified schedule, costed exactly, and keeps the cheapest within the deadline.
  void refine_resources(const Problem& pb, Found& f, const std::vector<Resources>& resources) const {
    const Scenario& sc = pb.scenario;
    for (const Resources& r : resources) {
      Plan alt = f.plan;
      for (auto& seg : alt.segments) {
        seg.cluster = sc.clusters[r.cluster].name;
        seg.nodes = r.nodes;
        seg.pstate = r.pstate;
      }
      // Segments of one version now on the same resources are one segment.
      std::vector<Segment> merged;
      for (const auto& seg : alt.segments)
        if (!merged.empty() && merged.back().version == seg.version) merged.back().epochs += seg.epochs;
        else merged.push_back(seg);
      alt.segments = merged;
      if (!validate_plan(pb, alt, name()).empty()) continue;
      const PlanCost cost = pb.cost.evaluate(alt);
      if (sc.target.deadline_s && cost.time_s > *sc.target.deadline_s) continue;
      const double obj = pb.cost.objective(cost);
      if (obj < f.objective) {
        f.plan = alt;
        f.objective = obj;
      }
    }
  }

  static double objective_of_epoch(const Problem& pb, std::size_t v, const Resources& r, double q) {
    const EpochCost e = pb.cost.epoch(v, r, q);
    PlanCost c;
    c.energy_j = e.energy_j;
    c.time_s = e.time_s;
    c.money = pb.scenario.clusters[r.cluster].price_per_node_s * r.nodes * e.time_s;
    return pb.cost.objective(c);
  }

  // Fewest epochs any single-version or one-switch schedule needs to reach p* with `samples` samples.
  static int fewest_epochs(const Problem& pb, const PlannerKnowledge& kk, double samples) {
    const Scenario& sc = pb.scenario;
    int best = 0;
    auto consider = [&](const Schedule& s, int start) {
      try {
        const auto each = kk.each_epoch(samples, s);
        for (int e = start; e <= static_cast<int>(each.size()); ++e)
          if (reaches(each[static_cast<std::size_t>(e - 1)].first.p_target(), sc.target.probability)) {
            if (best == 0 || e < best) best = e;
            break;
          }
      } catch (const std::exception&) {
      }
    };
    for (const ScheduleShape& sh : schedule_shapes(sc)) consider(sh.schedule(sc.target.max_epochs), sh.first_stop());
    return best;
  }

  // The best verified plan for one data set and one price on time, over the grid of p~.
  std::optional<Found> search_data_set(const Problem& pb, const PlannerKnowledge& kk, const std::vector<std::size_t>& sources,
                                       double q, double price, const std::vector<Resources>& resources) const {
    const Scenario& sc = pb.scenario;
    const std::size_t bucket = kk.bucket_of(q);
    const std::size_t nv = sc.model.versions.size();
    const std::size_t nc = sc.clusters.size();
    // Part 3: per (version, cluster) the cheapest (nodes, power state) per epoch at this price on time.
    std::vector<std::vector<std::optional<Resources>>> res(nv, std::vector<std::optional<Resources>>(nc));
    std::vector<std::vector<double>> weight(nv, std::vector<double>(nc, kInf));
    // With the energy objective, an epoch also costs the idle power of the links that shipped the data, which
    // stay charged until the end (docs/model.md 4.5): faster resources save it.
    for (std::size_t v = 0; v < nv; ++v)
      for (const auto& r : resources) {
        if (!pb.cost.fits(v, r)) continue;  // never a plan that does not fit in memory
        const EpochCost e = pb.cost.epoch(v, r, q);
        double standing = 0;
        if (sc.objective == Objective::energy)
          for (auto l : pb.cost.shipping_links(sources, r)) standing += pb.platform.links[l].idle_w;
        const double w = objective_of_epoch(pb, v, r, q) + (price + standing) * e.time_s;
        if (w < weight[v][r.cluster]) {
          weight[v][r.cluster] = w;
          res[v][r.cluster] = r;
        }
      }
    std::vector<std::string> names;
    for (auto i : sources) names.push_back(sc.data_sources[i].name);
    // Shipping the data to a cluster (at the start, or after a migration), per (version, cluster).
    std::vector<std::vector<double>> ship(nv, std::vector<double>(nc, kInf));
    for (std::size_t v = 0; v < nv; ++v)
      for (std::size_t c = 0; c < nc; ++c)
        if (res[v][c]) {
          const PlanCost sc_ = pb.cost.shipping(sources, *res[v][c]);
          ship[v][c] = pb.cost.objective(sc_) + price * sc_.time_s;
        }

    std::optional<Found> best;
    std::set<std::string> verified;  // paths already verified for this data set (several p~ give the same one)
    for (double p_tilde : p_grid(sc.target.probability)) {
      const Skeleton& sk = skeleton(pb, kk, bucket, p_tilde);
      auto path = shortest_path(pb, sk, kk.grid()->target_levels(), res, weight, ship);
      if (!path) continue;
      Plan plan = *path;
      plan.data_sources = names;
      std::string key;
      for (std::size_t i = 0; i + 1 < plan.segments.size(); ++i)
        key += fmt::format("{}/{}/{}/{}/{};", plan.segments[i].version, plan.segments[i].cluster, plan.segments[i].nodes,
                           plan.segments[i].pstate, plan.segments[i].epochs);
      key += plan.segments.back().version + "/" + plan.segments.back().cluster;
      if (!verified.insert(key).second) continue;
      // Verify by exact propagation, and stop at the first epoch that verifies: the path's schedule (versions,
      // switch points, clusters) is kept and its last segment shortened, or lengthened up to max_epochs, to the
      // fewest epochs whose exact P(L_K <= L*) reaches p*.
      Segment& last = plan.segments.back();
      const int before = plan.total_epochs() - last.epochs;
      last.epochs = sc.target.max_epochs - before;
      std::vector<std::pair<LossDistribution, double>> each;
      try {
        each = kk.each_epoch(q, pb.schedule(plan));
      } catch (const std::invalid_argument&) {
        continue;
      }
      int k = 0;
      for (int e = before + 1; e <= sc.target.max_epochs; ++e)
        if (reaches(each[static_cast<std::size_t>(e - 1)].first.p_target(), sc.target.probability)) {
          k = e;
          break;
        }
      if (k == 0) continue;
      last.epochs = k - before;
      if (!validate_plan(pb, plan, name()).empty()) continue;
      const double p = each[static_cast<std::size_t>(k - 1)].first.p_target();
      const PlanCost cost = pb.cost.evaluate(plan);
      if (sc.target.deadline_s && cost.time_s > *sc.target.deadline_s) {
        fastest_over_deadline_ = std::min(fastest_over_deadline_, cost.time_s);
        continue;
      }
      const double obj = pb.cost.objective(cost);
      if (!best || obj < best->objective) {
        plan.predicted.p_target_met = p;
        plan.predicted.expected_loss = each[static_cast<std::size_t>(k - 1)].second;
        best = Found{plan, obj, p_tilde};
      }
    }
    return best;
  }

  static std::vector<double> p_grid(double p_star) {
    std::vector<double> g;
    for (double p = 0.05; p < 0.9995; p += 0.05) g.push_back(std::round(p * 1000) / 1000);
    g.push_back(p_star);
    for (double p : {0.995, 0.998, 0.999}) g.push_back(p);
    return g;
  }

  // Part 2: the expanded graph for one data bucket and one p~. A vertex is (epochs done, version chain, progress,
  // dependable level, switches); the cluster, which changes only costs, never levels, is the other factor of
  // the product graph: the shortest path carries one distance per cluster at every vertex, with a migration
  // (shipping the data again) between clusters at any epoch boundary. The vertices and edges do not depend on
  // the data set beyond its bucket, so they are built once per (bucket, p~) and reused with each set's weights.
  struct EdgeData {
    std::size_t version = 0;  // the version trained in the epoch this edge adds
    bool switches = false;    // a model switch (stays in the same cluster)
  };
  // Compressed sparse rows: the edges and their data in a few arrays (an adjacency list with edge data allocated one
  // block per edge, which made building the skeletons most of their cost).
  using Graph = boost::compressed_sparse_row_graph<boost::directedS, boost::no_property, EdgeData>;
  struct Skeleton {
    Graph g;
    std::vector<State> states;  // by vertex - 1 (vertex 0 is the source); State::cluster unused (0)
  };
  mutable std::map<std::pair<std::size_t, double>, Skeleton> skeletons_;
  mutable double fastest_over_deadline_ = kInf;  // the quickest verified plan the deadline rejected

  const Skeleton& skeleton(const Problem& pb, const PlannerKnowledge& kk, std::size_t bucket, double p_tilde) const {
    auto it = skeletons_.find({bucket, p_tilde});
    if (it != skeletons_.end()) return it->second;
    const Scenario& sc = pb.scenario;
    const int target_levels = kk.grid()->target_levels();
    Skeleton sk;
    const std::size_t source = 0;
    std::size_t vertices = 1;
    std::vector<std::vector<std::size_t>> layers(static_cast<std::size_t>(sc.target.max_epochs) + 2);  // vertices by epochs done
    // A state's vertex: looked up among its layer's (a layer holds a few states: one per chain the quantile paths reach).
    auto vertex_of = [&](const State& st) {
      auto& layer = layers[static_cast<std::size_t>(st.epochs)];
      for (const std::size_t v : layer)
        if (sk.states[v - 1] == st) return v;
      const std::size_t v = vertices++;
      sk.states.push_back(st);
      layer.push_back(v);
      return v;
    };
    // Edges are added by increasing source vertex (layer by layer, each layer's vertices in the order they were made,
    // all after the previous layer's): the order the graph's rows take them in, each vertex's edges in the order added.
    std::vector<std::pair<std::size_t, std::size_t>> edges;
    std::vector<EdgeData> edge_data;
    auto edge = [&](std::size_t from, std::size_t to, std::size_t version, bool switches) {
      edges.emplace_back(from, to);
      edge_data.push_back(EdgeData{version, switches});
    };
    // First epoch: any version (on any cluster, after shipping the data there).
    for (std::size_t v = 0; v < sc.model.versions.size(); ++v) {
      const KnowledgeChain* chain = nullptr;
      try {
        chain = &kk.single(v, bucket);
      } catch (const std::invalid_argument&) {
        continue;
      }
      edge(source, vertex_of(State{1, ChainId{v, v, 0}, 1, 0, quantile_level(chain->initial, p_tilde), 0}), v, false);
    }
    // Epoch by epoch (every edge goes one epoch forward: a DAG). Targets are not expanded.
    for (int k = 1; k < sc.target.max_epochs; ++k) {
      const std::vector<std::size_t> layer = layers[static_cast<std::size_t>(k)];
      for (const std::size_t from : layer) {
        const State st = sk.states[from - 1];
        if (st.level < target_levels) continue;  // a target: the plan ends here
        const auto& chain = st.chain.at == 0 ? kk.single(st.chain.version, bucket)
                                             : kk.switched(st.chain.from, st.chain.version, bucket, st.chain.at);
        if (st.progress - 1 < static_cast<int>(chain.kernels.size())) {
          const int next = quantile_level(chain.kernels[static_cast<std::size_t>(st.progress - 1)].row(st.level), p_tilde);
          edge(from, vertex_of(State{k + 1, st.chain, st.progress + 1, 0, next, st.switches}), st.chain.version, false);
        }
        // Switch version at a declared epoch.
        if (st.switches >= sc.model.max_switches) continue;
        if (std::find(sc.model.switch_epochs.begin(), sc.model.switch_epochs.end(), k) == sc.model.switch_epochs.end()) continue;
        for (const auto& sw : sc.model.switches) {
          if (sw.from_index != st.chain.version) continue;
          const KnowledgeChain* across = nullptr;
          try {
            across = &kk.switched(sw.from_index, sw.to_index, bucket, k);
          } catch (const std::invalid_argument&) {
            continue;  // not known at this data quantity (e.g. a measured profile without that switch run)
          }
          const int next = quantile_level(across->across.row(st.level), p_tilde);
          edge(from, vertex_of(State{k + 1, ChainId{sw.to_index, sw.from_index, k}, 1, 0, next, st.switches + 1}), sw.to_index, true);
        }
      }
    }
    if (!std::is_sorted(edges.begin(), edges.end(), [](const auto& a, const auto& b) { return a.first < b.first; }))
      throw std::logic_error("depl: the skeleton's edges are not in source order");
    sk.g = Graph(boost::edges_are_sorted, edges.begin(), edges.end(), edge_data.begin(), vertices);
    return skeletons_.emplace(std::make_pair(bucket, p_tilde), std::move(sk)).first->second;
  }

  // The shortest path of the product graph (skeleton x clusters) with one data set's weights, to a dependable
  // level at or below L*. Vertices are numbered in the order the epochs reach them, a topological order (every
  // edge goes one epoch forward), so one pass of relaxations in that order suffices.
  static std::optional<Plan> shortest_path(const Problem& pb, const Skeleton& sk, int target_levels,
                                           const std::vector<std::vector<std::optional<Resources>>>& res,
                                           const std::vector<std::vector<double>>& weight,
                                           const std::vector<std::vector<double>>& ship) {
    const Scenario& sc = pb.scenario;
    const std::size_t nc = sc.clusters.size();
    const std::size_t n = boost::num_vertices(sk.g);
    std::vector<double> dist(n * nc, kInf);
    std::vector<std::pair<std::size_t, std::size_t>> pred(n * nc);  // (vertex, cluster) it came from
    for (std::size_t c = 0; c < nc; ++c) dist[c] = 0.0;           // the source, "on" every cluster before shipping
    for (std::size_t u = 0; u < n; ++u) {
      // The cheapest way to be at u on each cluster, migrating from another (shipping the data again) allowed.
      const double* du = &dist[u * nc];
      for (auto [e, end] = boost::out_edges(u, sk.g); e != end; ++e) {
        const std::size_t v = boost::target(*e, sk.g);
        const EdgeData& d = sk.g[*e];
        for (std::size_t c2 = 0; c2 < nc; ++c2) {
          if (!res[d.version][c2]) continue;
          double best = kInf;
          std::size_t from_c = 0;
          for (std::size_t c1 = 0; c1 < nc; ++c1) {
            if (du[c1] == kInf) continue;
            const bool move = u == 0 || c1 != c2;  // the first epoch always ships the data
            if (move && d.switches) continue;      // a switch keeps the cluster
            const double x = du[c1] + (move ? ship[d.version][c2] : 0.0);
            if (x < best) {
              best = x;
              from_c = c1;
            }
          }
          const double total = best + weight[d.version][c2];
          if (total < dist[v * nc + c2]) {
            dist[v * nc + c2] = total;
            pred[v * nc + c2] = {u, from_c};
          }
        }
      }
    }
    std::size_t best_v = 0;
    std::size_t best_c = 0;
    double best_dist = kInf;
    for (std::size_t v = 1; v < n; ++v)
      if (sk.states[v - 1].level < target_levels)
        for (std::size_t c = 0; c < nc; ++c)
          if (dist[v * nc + c] < best_dist) {
            best_dist = dist[v * nc + c];
            best_v = v;
            best_c = c;
          }
    if (best_v == 0) return std::nullopt;
    // Path back to the source, then segments of equal (version, cluster).
    std::vector<std::pair<State, std::size_t>> path;
    for (std::size_t v = best_v, c = best_c; v != 0;) {
      path.emplace_back(sk.states[v - 1], c);
      const auto [pv, pc] = pred[v * nc + c];
      v = pv;
      c = pc;
    }
    std::reverse(path.begin(), path.end());
    Plan plan;
    for (const auto& [st, c] : path) {
      const Resources& r = *res[st.chain.version][c];
      const std::string& version = sc.model.versions[st.chain.version].name;
      const std::string& cluster = sc.clusters[c].name;
      if (!plan.segments.empty() && plan.segments.back().version == version && plan.segments.back().cluster == cluster)
        ++plan.segments.back().epochs;
      else
        plan.segments.push_back(Segment{version, cluster, r.nodes, r.pstate, 1});
    }
    return plan;
  }
};

} // namespace

void register_depl_orchestrator(OrchestratorRegistry& registry) {
  registry.add("depl", "DepL: data, model switching and resources planned for P(L <= L*) >= p* (expanded graph, verified)",
               [] { return std::make_unique<Depl>(); });
}

} // namespace deplsim
