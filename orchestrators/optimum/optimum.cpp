// optimum (docs/model.md 0.9 and 5.5): the exact optimum of the planning model DepL uses, with COIN-OR CBC.
//
// The loss does not depend on resources, so the learning side is enumerated exactly: for each candidate data
// set and each version schedule (one version, or a declared switch at a declared epoch), the exact propagation
// of the knowledge gives P(L_K <= L*) after every epoch; since every cost (energy, time, money) only grows with
// more epochs, the first epoch K at which a schedule reaches p* dominates every later one, so each schedule is
// one column (schedule, K). A MILP per data set then chooses one column and the resources of every epoch, as at
// most S segments (a segment: epochs of one version on one (cluster, nodes, power state)), and its cost is the
// cost model's exactly (CostModel::evaluate, docs/model.md 4.3; docs/model.md 5.5 derives every term):
//   - epochs: time, the current nodes' idle and busy energy, the synchronisation links' dynamic energy — linear
//     in the epoch counts n[s,v,r];
//   - entries (data shipped to a new node set, the model to the nodes that lack it): one per segment whose node
//     set differs from the previous one's, as a flow from the previous segment's node set g to the segment's
//     choice (v, r) — an entry t where g is not r's node set — with its exact duration and energy from the
//     network model; epochs on a node set at most K times the entries into it (a valid inequality that
//     tightens the relaxation);
//   - hosts left idle by a migration draw their last power state's idle watts to the end: b[s,h,p] tracks them,
//     V[s,h,p] >= D[s] - M (1 - b[s,h,p]) charges the segment's duration D[s];
//   - links draw idle watts from their first use f[l] to the end T: idle x (T - f[l]), f[l] <= the time of each
//     use (big-M on the choice that uses it), f[l] <= T;
//   - the 5% reverse cross-traffic a flow puts on a link counts only where that link is in use by then
//     (omega[s,l]), as the executor's meters read it.
// The deadline is T <= deadline. CBC runs single-threaded with a node limit and a relative gap (never a time
// limit); data sets are solved in increasing order of a valid lower bound, each with the best cost so far as
// cutoff, and skipped once the bound reaches it. The status reported is `optimal` only when every data set's
// MILP was solved to optimality (or cut off / bounded out); a node limit gives `feasible` with the gap, or
// `limit_reached` when no plan was found. Every returned plan is re-costed with CostModel::evaluate and the
// MILP's value is checked against it.
#include "../common/certify.hpp"
#include "../common/search_engine.hpp"
#include "milp.hpp"
#include "optimum.hpp"

#include "deplsim/knowledge.hpp"
#include "deplsim/orchestrator.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <unistd.h>

namespace deplsim {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

/// One schedule of the learning side: a shape stopped at the first epoch where it reaches p*.
struct Column {
  ScheduleShape shape;
  int epochs = 0;
  std::vector<int> per_version;  // epochs of each version
  double p = 0.0;
  double expected_loss = 0.0;
};

/// The cost terms of an activity (one epoch, or one entry).
struct Term {
  double time = 0.0;
  double energy = 0.0;                        // current nodes' idle+busy energy and own-route link dynamics
  double money = 0.0;
  std::vector<std::pair<std::size_t, double>> reverse;  // (link, dynamic energy) counted only when the link is in use
  std::set<std::size_t> links;                // links on the routes (first used at `offset[link]`)
  std::map<std::size_t, double> offset;       // seconds after the activity's start (epochs: after the entry)

  /// The links' dynamic energy for `load` (per link, the integral of its load in bytes/s over time): links on the
  /// activity's own routes count now, the others (reverse cross-traffic) only where the link is in use.
  void add_link_energy(const PlatformView& pf, const std::map<std::size_t, double>& load) {
    for (auto [l, x] : load) {
      const double d = (pf.links[l].busy_w - pf.links[l].idle_w) * x / pf.links[l].bandwidth;
      if (links.contains(l))
        energy += d;
      else if (d != 0.0)
        reverse.emplace_back(l, d);
    }
  }
};

struct DataSetOutcome {
  std::vector<std::size_t> sources;
  std::string label;
  std::string status;   // optimal, feasible, infeasible, limit_reached, no schedule, bounded, cut off
  double bound = kInfinity;  // lower bound on this data set's best objective
  std::optional<Plan> plan;
  double milp_value = kInfinity;
  double exact_value = kInfinity;
  double seconds = 0.0;
  long long nodes = 0;
  std::size_t vars = 0, rows = 0, integers = 0;
};

/// The optimum's settings (planners.optimum.*; docs/scenario.md 2.11), and the file its model goes to (CLI only).
struct OptimumSettings {
  long long node_limit = 100000;  ///< branch-and-bound nodes per data set's MILP (not a time limit: machine-independent)
  double gap = 0.0;               ///< relative gap at which CBC may stop (0: prove optimality)
  int max_segments = 4;           ///< most segments (runs of one version and resource choice) a plan has
  std::string model_file;         ///< write the chosen data set's MILP here (.lp or .mps)
};

// The scenario's objective of a term.
[[nodiscard]] double pick(const Scenario& sc, const Term& t) {
  switch (sc.objective) {
  case Objective::energy: return t.energy;
  case Objective::time: return t.time;
  case Objective::money: return t.money;
  }
  return t.energy;
}

// One epoch of version `v` on `r` with `samples` samples.
Term epoch_term(const Problem& pb, std::size_t v, const Resources& r, double samples) {
  const Scenario& sc = pb.scenario;
  const PlatformView& pf = pb.platform;
  const EpochCost e = pb.cost.epoch(v, r, samples);
  const auto hosts = pb.cost.segment_hosts(r.cluster, r.nodes);
  const auto p = static_cast<std::size_t>(r.pstate);
  Term t;
  t.time = e.time_s;
  for (std::size_t j = 0; j < hosts.size(); ++j) {
    const PowerState& st = pf.hosts[hosts[j]].pstates[p];
    t.energy += st.idle_w * e.time_s + (st.all_cores_w - st.idle_w) * e.busy_s[j];
  }
  t.money = sc.clusters[r.cluster].price_per_node_s * static_cast<double>(hosts.size()) * e.time_s;
  for (auto [l, at] : e.link_first_s) {  // iterations mode: where the epoch first uses its links
    t.links.insert(l);
    t.offset[l] = at;
  }
  const double compute_round = e.compute_s / sc.training.rounds_per_epoch;
  const auto steps = e.link_first_s.empty() ? pb.cost.sync_steps(v, hosts) : std::vector<std::vector<Flow>>{};
  for (std::size_t i = 0; i < steps.size(); ++i)
    for (const auto& f : steps[i])
      for (auto l : pf.route(f.src, f.dst).links) {
        t.links.insert(l);
        const double at = compute_round + (i < e.step_offsets.size() ? e.step_offsets[i] : 0.0);
        auto it = t.offset.find(l);
        if (it == t.offset.end() || at < it->second) t.offset[l] = at;
      }
  t.add_link_energy(pf, e.link_load);
  t.energy += e.transmit_energy_j;
  return t;
}

// Entry of a segment on `r` with version `v`: data to every node, the model from the previous node set's first
// node to the nodes that lack it (`prev` empty for the first segment).
Term entry_term(const Problem& pb, const std::vector<std::size_t>& sources, const std::vector<std::size_t>& prev, std::size_t v,
                const Resources& r) {
  const Scenario& sc = pb.scenario;
  const PlatformView& pf = pb.platform;
  const auto hosts = pb.cost.segment_hosts(r.cluster, r.nodes);
  const auto p = static_cast<std::size_t>(r.pstate);
  std::vector<Flow> flows = pb.cost.shipping_flows(sources, hosts, p);
  if (!prev.empty())
    for (auto h : hosts)
      if (std::find(prev.begin(), prev.end(), h) == prev.end()) flows.push_back({prev.front(), h, sc.dense_bytes(v)});
  Term t;
  if (flows.empty()) return t;
  const FlowOutcome o = simulate_flows(pf, flows);
  t.time = o.makespan;
  for (auto h : hosts) t.energy += pf.hosts[h].pstates[p].idle_w * o.makespan;
  t.money = sc.clusters[r.cluster].price_per_node_s * static_cast<double>(hosts.size()) * o.makespan;
  for (const auto& f : flows)
    for (auto l : pf.route(f.src, f.dst).links) {
      t.links.insert(l);
      t.offset[l] = 0.0;
    }
  t.add_link_energy(pf, o.link_load_integral);
  t.energy += transmit_energy(pf, flows, o);
  return t;
}

/// One data set's MILP and the indices of its decision variables (-1 where absent).
struct Built {
  milp::Model model;
  int S = 0;
  std::vector<int> y;                                  // per column
  std::vector<std::vector<std::vector<int>>> z, n;     // [s][v][r]
  std::vector<std::pair<int, double>> start;           // a simple plan to start CBC from (empty: none)
};

// The MILP of one data set (the file's opening comment; docs/model.md 5.5), built one constraint family at a
// time, in the order that fixes the variables' and rows' indices. Names follow the formulation: R resource
// choices r, V versions v, G node sets g, S segments s; b holds the model m and the indices of its variables.
class ModelBuilder {
public:
  ModelBuilder(const Problem& problem, const std::vector<std::size_t>& data_sources, double samples,
               const std::vector<Column>& schedule_columns, int max_segments)
      : pb(problem), sc(problem.scenario), pf(problem.platform), sources(data_sources), columns(schedule_columns),
        resources(problem.cost.resource_choices()), R(resources.size()), V(sc.model.versions.size()),
        energy(sc.objective == Objective::energy) {
    node_sets();
    count_segments(max_segments);
    activity_terms(samples);
    big_m();
  }

  // The model, family by family; the energy objective adds the idle hosts, the links' idle power and the reverse
  // cross-traffic.
  Built build() && {
    b.S = S;
    schedule_variables();
    segment_variables();
    segment_choices();
    epochs_per_version();
    switch_order();
    entries_after_changes();
    durations();
    deadline();
    if (energy) {
      hosts_left_idle();
      collect_links();
      aggregate_entries();
      link_idle_from_first_use();
      reverse_cross_traffic();
    }
    simple_start();
    return std::move(b);
  }

private:
  const Problem& pb;
  const Scenario& sc;
  const PlatformView& pf;
  const std::vector<std::size_t>& sources;
  const std::vector<Column>& columns;
  const std::vector<Resources> resources;
  const std::size_t R;
  const std::size_t V;
  const bool energy;
  std::vector<std::vector<std::size_t>> group_hosts;  // [g]: the hosts of node set g
  std::vector<std::size_t> group;                     // [r]: the node set of resource choice r
  std::size_t G = 0;
  std::vector<int> vmax;                              // [v]: most epochs of version v in a column
  int kmax = 0;                                       // most epochs of a column
  int S = 0;
  std::vector<std::vector<Term>> ep;                  // [v][r]: one epoch
  std::vector<Term> first;                            // [r]: the first entry
  std::vector<std::vector<std::vector<Term>>> mig;    // [g][v][r]: entry after a change from node set g
  double seg_m = 0;                                   // big-M: the longest a segment can last
  double horizon = 0;                                 // the longest the whole plan can last
  Built b;
  milp::Model& m = b.model;
  std::vector<int> D;                                 // [s]: duration of segment s
  std::vector<int> E;                                 // [s]: duration of segment s's entry
  std::vector<std::vector<std::pair<int, const Term*>>> entries;  // [s]: (variable, term) of its possible entries
  int T = -1;                                         // the total time
  std::set<std::size_t> links;                        // links the plan may use (energy objective)
  std::set<std::size_t> reverse_links;                // links the plan's reverse cross-traffic may load
  std::map<std::size_t, int> f;                       // [l]: first use of link l (links with idle watts)
  // [s]: segment s's entries gathered by the links they route over / the reverse cross-traffic they put on links,
  // each as (a variable equal to the sum of the entries with those links, the links).
  std::vector<std::vector<std::pair<int, const std::set<std::size_t>*>>> entry_links;
  std::vector<std::vector<std::pair<int, const std::vector<std::pair<std::size_t, double>>*>>> entry_reverse;

  [[nodiscard]] std::string vname(std::size_t v) const { return sc.model.versions[v].name; }
  [[nodiscard]] std::string rname(std::size_t r) const {
    return fmt::format("{}_{}_{}", sc.clusters[resources[r].cluster].name, resources[r].nodes, resources[r].pstate);
  }

  // The choice variables z[s][v][r] of segment s for which pred(v, r) holds, each with coefficient 1.
  template <class Pred>
  [[nodiscard]] std::vector<std::pair<int, double>> zs(int s, Pred pred) const {
    std::vector<std::pair<int, double>> terms;
    for (std::size_t v = 0; v < V; ++v)
      for (std::size_t r = 0; r < R; ++r)
        if (b.z[static_cast<std::size_t>(s)][v][r] >= 0 && pred(v, r)) terms.emplace_back(b.z[static_cast<std::size_t>(s)][v][r], 1.0);
    return terms;
  }

  // Node sets (cluster, nodes) and the resources on each.
  void node_sets() {
    std::map<std::pair<std::size_t, int>, std::size_t> group_of_key;
    group.resize(R);
    for (std::size_t r = 0; r < R; ++r) {
      const auto key = std::make_pair(resources[r].cluster, resources[r].nodes);
      auto [it, fresh] = group_of_key.emplace(key, group_hosts.size());
      if (fresh) group_hosts.push_back(pb.cost.segment_hosts(resources[r].cluster, resources[r].nodes));
      group[r] = it->second;
    }
    G = group_hosts.size();
  }

  // Versions used and their most epochs; segments.
  void count_segments(int max_segments) {
    vmax.assign(V, 0);
    for (const auto& c : columns) {
      kmax = std::max(kmax, c.epochs);
      for (std::size_t v = 0; v < V; ++v) vmax[v] = std::max(vmax[v], c.per_version[v]);
    }
    S = std::max(1, std::min(max_segments, kmax));
  }

  // A switch column that runs epochs of both its versions.
  static bool two_parts(const Column& c) { return c.shape.at != 0 && c.shape.first != c.shape.second && c.per_version[c.shape.second] > 0; }

  // A plan to start CBC from: one column on one resource choice throughout (a switch column as two segments on it),
  // the cheapest by its epochs and first entry that fits and meets the deadline. Every integer variable gets a
  // value (the others are CBC's to complete); none when no such plan exists.
  void simple_start() {
    double best = kInfinity;
    std::size_t best_c = 0, best_r = 0;
    for (std::size_t c = 0; c < columns.size(); ++c) {
      const int parts = two_parts(columns[c]) ? 2 : 1;
      if (parts > S) continue;
      for (std::size_t r = 0; r < R; ++r) {
        double cost = pick(sc, first[r]), time = first[r].time;
        bool ok = true;
        for (std::size_t v = 0; v < V && ok; ++v) {
          const int e = columns[c].per_version[v];
          if (e == 0) continue;
          ok = b.z[0][v][r] >= 0 && pb.cost.fits(v, resources[r]);
          cost += e * pick(sc, ep[v][r]);
          time += e * ep[v][r].time;
        }
        if (ok && sc.target.deadline_s && time > *sc.target.deadline_s) ok = false;
        if (ok && cost < best) {
          best = cost;
          best_c = c;
          best_r = r;
        }
      }
    }
    if (best == kInfinity) return;
    std::map<int, double> x;
    for (std::size_t c = 0; c < columns.size(); ++c) x[b.y[c]] = c == best_c ? 1.0 : 0.0;
    for (int s = 0; s < S; ++s)
      for (std::size_t v = 0; v < V; ++v)
        for (std::size_t r = 0; r < R; ++r)
          if (b.z[static_cast<std::size_t>(s)][v][r] >= 0) {
            x[b.z[static_cast<std::size_t>(s)][v][r]] = 0.0;
            x[b.n[static_cast<std::size_t>(s)][v][r]] = 0.0;
          }
    const auto& col = columns[best_c];
    const std::size_t first_v = col.shape.first, second_v = col.shape.second;
    x[b.z[0][first_v][best_r]] = 1.0;
    x[b.n[0][first_v][best_r]] = col.per_version[first_v];
    if (two_parts(col)) {
      x[b.z[1][second_v][best_r]] = 1.0;
      x[b.n[1][second_v][best_r]] = col.per_version[second_v];
    }
    b.start.assign(x.begin(), x.end());
  }

  // Terms of the epochs and entries.
  void activity_terms(double samples) {
    ep.assign(V, std::vector<Term>(R));
    for (std::size_t v = 0; v < V; ++v)
      if (vmax[v] > 0)
        for (std::size_t r = 0; r < R; ++r) ep[v][r] = epoch_term(pb, v, resources[r], samples);
    first.resize(R);  // first entry: independent of the version
    for (std::size_t r = 0; r < R; ++r) first[r] = entry_term(pb, sources, {}, 0, resources[r]);
    // Entries after a node-set change: [g][v][r] (absent when r is on node set g).
    if (S > 1) {
      mig.assign(G, std::vector<std::vector<Term>>(V, std::vector<Term>(R)));
      for (std::size_t g = 0; g < G; ++g)
        for (std::size_t v = 0; v < V; ++v)
          if (vmax[v] > 0)
            for (std::size_t r = 0; r < R; ++r)
              if (group[r] != g) mig[g][v][r] = entry_term(pb, sources, group_hosts[g], v, resources[r]);
    }
  }

  // Big-M: the longest a segment / the whole plan can last.
  void big_m() {
    double max_epoch = 0, max_entry = 0;
    for (std::size_t v = 0; v < V; ++v)
      for (std::size_t r = 0; r < R; ++r)
        if (vmax[v] > 0) max_epoch = std::max(max_epoch, ep[v][r].time);
    for (std::size_t r = 0; r < R; ++r) max_entry = std::max(max_entry, first[r].time);
    for (const auto& per_version : mig)
      for (const auto& per_resource : per_version)
        for (const auto& t : per_resource) max_entry = std::max(max_entry, t.time);
    seg_m = (max_entry + kmax * max_epoch) * 1.000001 + 1e-9;
    horizon = seg_m * S;
    if (sc.target.deadline_s) horizon = std::min(horizon, *sc.target.deadline_s * 1.000001);
  }

  // Columns: y[c], exactly one schedule.
  void schedule_variables() {
    std::vector<std::pair<int, double>> one;
    for (std::size_t c = 0; c < columns.size(); ++c) {
      const auto& col = columns[c];
      b.y.push_back(m.add_var(col.shape.at == 0 ? fmt::format("y_{}_K{}", vname(col.shape.first), col.epochs)
                                                : fmt::format("y_{}_to_{}_at{}_K{}", vname(col.shape.first), vname(col.shape.second),
                                                              col.shape.at, col.epochs),
                              0, 1, 0, true));
      one.emplace_back(b.y.back(), 1.0);
    }
    m.add_row("one_schedule", 1, 1, one);
  }

  // Segments: z (choice), n (epochs, each at its epoch term; z <= n <= vmax z); the first segment's entry.
  void segment_variables() {
    b.z.assign(static_cast<std::size_t>(S), std::vector<std::vector<int>>(V, std::vector<int>(R, -1)));
    b.n = b.z;
    D.assign(static_cast<std::size_t>(S), 0);
    E.assign(static_cast<std::size_t>(S), 0);
    for (int s = 0; s < S; ++s)
      for (std::size_t v = 0; v < V; ++v)
        if (vmax[v] > 0)
          for (std::size_t r = 0; r < R; ++r) {
            const auto si = static_cast<std::size_t>(s);
            // A version that does not fit in the nodes' memory cannot be chosen there (bound to 0).
            const double fits = pb.cost.fits(v, resources[r]) ? 1 : 0;
            b.z[si][v][r] = m.add_var(fmt::format("z_s{}_{}_{}", s, vname(v), rname(r)), 0, fits, 0, true);
            b.n[si][v][r] = m.add_var(fmt::format("n_s{}_{}_{}", s, vname(v), rname(r)), 0, vmax[v], pick(sc, ep[v][r]), true);
            m.add_row(fmt::format("n_le_s{}_{}_{}", s, vname(v), rname(r)), -kInfinity, 0, {{b.n[si][v][r], 1.0}, {b.z[si][v][r], -vmax[v]}});
            m.add_row(fmt::format("n_ge_s{}_{}_{}", s, vname(v), rname(r)), 0, kInfinity, {{b.n[si][v][r], 1.0}, {b.z[si][v][r], -1.0}});
            if (s == 0) m.add_obj(b.z[si][v][r], pick(sc, first[r]));
          }
  }

  // One choice per segment, the first segment used, the used segments contiguous, consecutive ones different.
  void segment_choices() {
    for (int s = 0; s < S; ++s) {
      auto all = zs(s, [](std::size_t, std::size_t) { return true; });
      if (s == 0) {
        m.add_row("first_segment", 1, 1, all);
      } else {
        auto prev = zs(s - 1, [](std::size_t, std::size_t) { return true; });
        m.add_row(fmt::format("one_choice_s{}", s), -kInfinity, 1, all);
        for (auto& [i, c] : prev) all.emplace_back(i, -1.0);
        m.add_row(fmt::format("contiguous_s{}", s), -kInfinity, 0, all);
        // Consecutive segments differ (equal ones are one segment).
        for (std::size_t v = 0; v < V; ++v)
          for (std::size_t r = 0; r < R; ++r)
            if (b.z[0][v][r] >= 0)
              m.add_row(fmt::format("differ_s{}_{}_{}", s, vname(v), rname(r)), -kInfinity, 1,
                        {{b.z[static_cast<std::size_t>(s - 1)][v][r], 1.0}, {b.z[static_cast<std::size_t>(s)][v][r], 1.0}});
      }
    }
  }

  // Epochs of each version = those of the chosen schedule.
  void epochs_per_version() {
    for (std::size_t v = 0; v < V; ++v) {
      if (vmax[v] == 0) continue;
      std::vector<std::pair<int, double>> terms;
      for (int s = 0; s < S; ++s)
        for (std::size_t r = 0; r < R; ++r) terms.emplace_back(b.n[static_cast<std::size_t>(s)][v][r], 1.0);
      for (std::size_t c = 0; c < columns.size(); ++c)
        if (columns[c].per_version[v] > 0) terms.emplace_back(b.y[c], -columns[c].per_version[v]);
      m.add_row(fmt::format("epochs_{}", vname(v)), 0, 0, terms);
    }
  }

  // A switch schedule runs its first version before its second.
  void switch_order() {
    for (std::size_t c = 0; c < columns.size(); ++c) {
      const auto& sh = columns[c].shape;
      if (sh.at == 0) continue;
      for (int s = 0; s < S; ++s)
        for (int s2 = s + 1; s2 < S; ++s2) {
          auto terms = zs(s, [&](std::size_t v, std::size_t) { return v == sh.second; });
          auto later = zs(s2, [&](std::size_t v, std::size_t) { return v == sh.first; });
          terms.insert(terms.end(), later.begin(), later.end());
          terms.emplace_back(b.y[c], 1.0);
          m.add_row(fmt::format("order_c{}_s{}_s{}", c, s, s2), -kInfinity, 2, terms);
        }
    }
  }

  // Entries after a node-set change, as a flow from segment s-1's node set to segment s's choice: x[s][g][v][r]
  // (g the previous node set) with sum_g x[s][g][v][r] = z[s][v][r] and sum_{v,r} x[s][g][v][r] <= G[s-1][g]. With
  // integer choices x is 1 exactly on (previous node set, choice): an entry t = x[s][g][v][r] where g differs from
  // r's node set (its energy and time), a stay at no cost where it does not. Its relaxation is much tighter than
  // t >= G[s-1][g] + z[s][v][r] - 1 (docs/model.md 5.5). The first segment's entry is on its z; `entries` keeps each
  // segment's entry variables with their terms.
  void entries_after_changes() {
    entries.resize(static_cast<std::size_t>(S));
    std::vector<std::vector<std::pair<int, double>>> entries_into(G);  // [g]: the entries into node set g
    for (std::size_t r = 0; r < R; ++r)
      for (std::size_t v = 0; v < V; ++v)
        if (b.z[0][v][r] >= 0) {
          entries[0].emplace_back(b.z[0][v][r], &first[r]);
          entries_into[group[r]].emplace_back(b.z[0][v][r], 1.0);
        }
    for (int s = 1; s < S; ++s) {
      const auto si = static_cast<std::size_t>(s);
      std::vector<std::vector<std::pair<int, double>>> out(G);  // [g]: flows leaving node set g, minus G[s-1][g]
      for (std::size_t g = 0; g < G; ++g)
        for (auto [i, c] : zs(s - 1, [&](std::size_t, std::size_t r) { return group[r] == g; })) out[g].emplace_back(i, -1.0);
      for (std::size_t v = 0; v < V; ++v)
        for (std::size_t r = 0; r < R; ++r) {
          if (b.z[si][v][r] < 0) continue;
          std::vector<std::pair<int, double>> in{{b.z[si][v][r], -1.0}};
          for (std::size_t g = 0; g < G; ++g) {
            int x = 0;
            if (group[r] == g) {
              x = m.add_var(fmt::format("x_s{}_{}_{}", s, vname(v), rname(r)), 0, 1, 0.0, false);
            } else {
              const Term& term = mig[g][v][r];
              x = m.add_var(fmt::format("t_s{}_g{}_{}_{}", s, g, vname(v), rname(r)), 0, 1, pick(sc, term), false);
              entries[si].emplace_back(x, &term);
              entries_into[group[r]].emplace_back(x, 1.0);
            }
            in.emplace_back(x, 1.0);
            out[g].emplace_back(x, 1.0);
          }
          m.add_row(fmt::format("entry_in_s{}_{}_{}", s, vname(v), rname(r)), 0, 0, in);
        }
      for (std::size_t g = 0; g < G; ++g) m.add_row(fmt::format("entry_out_s{}_g{}", s, g), -kInfinity, 0, out[g]);
    }
    visits(entries_into);
  }

  // Every stay on a node set starts with an entry into it, and a plan runs at most K epochs (K its column's): the
  // epochs on node set g are at most K x the entries into g. A valid inequality that the relaxation needs (without
  // it, a small fraction of one entry buys epochs in every segment). With N[g] the epochs on g and I[g] the entries
  // into g (one row each, so that the rows below hold a few terms), one row per node set and per distinct K:
  // N[g] <= K I[g] + (kmax - K) (1 - sum of the columns with at most K epochs).
  void visits(const std::vector<std::vector<std::pair<int, double>>>& entries_into) {
    std::set<int> ks;
    for (const auto& c : columns) ks.insert(c.epochs);
    for (std::size_t g = 0; g < G; ++g) {
      const int N = m.add_var(fmt::format("N_g{}", g), 0, kmax, 0.0, false);
      const int I = m.add_var(fmt::format("I_g{}", g), 0, S, 0.0, false);
      std::vector<std::pair<int, double>> epochs{{N, -1.0}}, in{{I, -1.0}};
      for (int s = 0; s < S; ++s)
        for (std::size_t v = 0; v < V; ++v)
          for (std::size_t r = 0; r < R; ++r)
            if (group[r] == g && b.n[static_cast<std::size_t>(s)][v][r] >= 0) epochs.emplace_back(b.n[static_cast<std::size_t>(s)][v][r], 1.0);
      for (auto [var, c] : entries_into[g]) in.emplace_back(var, 1.0);
      m.add_row(fmt::format("epochs_on_g{}", g), 0, 0, epochs);
      m.add_row(fmt::format("entries_into_g{}", g), 0, 0, in);
      for (int k : ks) {
        std::vector<std::pair<int, double>> terms{{N, 1.0}, {I, -k}};
        for (std::size_t c = 0; c < columns.size(); ++c)
          if (columns[c].epochs <= k && k < kmax) terms.emplace_back(b.y[c], kmax - k);
        m.add_row(fmt::format("visits_g{}_K{}", g, k), -kInfinity, k < kmax ? kmax - k : 0, terms);
      }
    }
  }

  // Durations and the total time.
  void durations() {
    T = m.add_var("T", 0, horizon, 0.0, false);  // the time objective is on n and t already
    std::vector<std::pair<int, double>> total{{T, -1.0}};
    for (int s = 0; s < S; ++s) {
      const auto si = static_cast<std::size_t>(s);
      D[si] = m.add_var(fmt::format("D_s{}", s), 0, seg_m, 0, false);
      // The entry's duration has a variable of its own (E[s]): the rows that need it then hold one term, not one
      // per possible entry (the model's density is what CBC's time follows).
      E[si] = m.add_var(fmt::format("E_s{}", s), 0, seg_m, 0, false);
      std::vector<std::pair<int, double>> entry{{E[si], 1.0}};
      for (auto [var, term] : entries[si]) entry.emplace_back(var, -term->time);
      m.add_row(fmt::format("entry_time_s{}", s), 0, 0, entry);
      std::vector<std::pair<int, double>> terms{{D[si], 1.0}, {E[si], -1.0}};
      for (std::size_t v = 0; v < V; ++v)
        for (std::size_t r = 0; r < R; ++r)
          if (b.n[si][v][r] >= 0) terms.emplace_back(b.n[si][v][r], -ep[v][r].time);
      m.add_row(fmt::format("duration_s{}", s), 0, 0, terms);
      total.emplace_back(D[si], 1.0);
    }
    m.add_row("total_time", 0, 0, total);
  }

  // The deadline: T <= deadline.
  void deadline() {
    if (sc.target.deadline_s) m.add_row("deadline", -kInfinity, *sc.target.deadline_s, {{T, 1.0}});
  }

  // The choices of segment s that run on host h (in power state p, when given).
  [[nodiscard]] std::vector<std::pair<int, double>> current(int s, std::size_t h, std::optional<int> p) const {
    return zs(s, [&](std::size_t, std::size_t r) {
      const auto& gh = group_hosts[group[r]];
      return std::find(gh.begin(), gh.end(), h) != gh.end() && (!p || resources[r].pstate == *p);
    });
  }

  // Hosts left idle by a node-set change keep their last power state's idle watts to the end: b[s,h,p] marks
  // them, V[s,h,p] >= D[s] - M (1 - b[s,h,p]) charges the segment's duration.
  void hosts_left_idle() {
    std::set<std::size_t> cluster_hosts;
    for (const auto& gh : group_hosts) cluster_hosts.insert(gh.begin(), gh.end());
    std::map<std::pair<std::size_t, int>, int> stale_prev;
    for (int s = 1; s < S; ++s) {
      std::map<std::pair<std::size_t, int>, int> stale;
      for (auto h : cluster_hosts)
        for (int p = 0; p < static_cast<int>(pf.hosts[h].pstates.size()); ++p) {
          const int bv = m.add_var(fmt::format("b_s{}_{}_{}", s, pf.hosts[h].name, p), 0, 1, 0, false);
          std::vector<std::pair<int, double>> terms{{bv, 1.0}};
          if (auto it = stale_prev.find({h, p}); it != stale_prev.end()) terms.emplace_back(it->second, -1.0);
          for (auto [i, c] : current(s - 1, h, p)) terms.emplace_back(i, -1.0);
          for (auto [i, c] : current(s, h, std::nullopt)) terms.emplace_back(i, 1.0);
          m.add_row(fmt::format("stale_s{}_{}_{}", s, pf.hosts[h].name, p), 0, kInfinity, terms);
          const int w = m.add_var(fmt::format("V_s{}_{}_{}", s, pf.hosts[h].name, p), 0, seg_m, pf.hosts[h].pstates[static_cast<std::size_t>(p)].idle_w, false);
          m.add_row(fmt::format("stale_time_s{}_{}_{}", s, pf.hosts[h].name, p), -seg_m, kInfinity,
                    {{w, 1.0}, {D[static_cast<std::size_t>(s)], -1.0}, {bv, -seg_m}});
          stale[{h, p}] = bv;
        }
      stale_prev = std::move(stale);
    }
  }

  // The links on the routes of the epochs and entries, and those their reverse cross-traffic loads.
  void collect_links() {
    for (std::size_t v = 0; v < V; ++v)
      for (std::size_t r = 0; r < R; ++r)
        if (vmax[v] > 0) {
          links.insert(ep[v][r].links.begin(), ep[v][r].links.end());
          for (auto [l, d] : ep[v][r].reverse) reverse_links.insert(l);
        }
    for (int s = 0; s < S; ++s)
      for (auto [var, term] : entries[static_cast<std::size_t>(s)]) {
        links.insert(term->links.begin(), term->links.end());
        for (auto [l, d] : term->reverse) reverse_links.insert(l);
      }
  }

  // The entries of a segment that route over the same links (or put the same reverse cross-traffic on them) enter
  // the rows of the links' first use and of the reverse cross-traffic as one variable, their sum (one row each):
  // entries differ mostly in the version they ship and the power state they enter, not in their routes, so this
  // divides the non-zeros of those rows by about that many, with the same relaxation.
  int sum_of(int s, char what, std::size_t i, const std::vector<int>& vars) {
    if (vars.size() == 1) return vars[0];
    const int a = m.add_var(fmt::format("{}_s{}_{}", what, s, i), 0, 1, 0.0, false);
    std::vector<std::pair<int, double>> terms{{a, -1.0}};
    for (int v : vars) terms.emplace_back(v, 1.0);
    m.add_row(fmt::format("{}_s{}_{}", what, s, i), 0, 0, terms);
    return a;
  }
  void aggregate_entries() {
    entry_links.resize(static_cast<std::size_t>(S));
    entry_reverse.resize(static_cast<std::size_t>(S));
    for (int s = 0; s < S; ++s) {
      const auto si = static_cast<std::size_t>(s);
      // Keyed by the links (the reverse loads), each with one of its terms, whose members outlive the model.
      std::map<std::set<std::size_t>, std::pair<const Term*, std::vector<int>>> by_links;
      std::map<std::vector<std::pair<std::size_t, double>>, std::pair<const Term*, std::vector<int>>> by_reverse;
      for (auto [var, term] : entries[si]) {
        if (!term->links.empty()) {
          auto& [t, vars] = by_links[term->links];
          t = term;
          vars.push_back(var);
        }
        if (!term->reverse.empty()) {
          auto& [t, vars] = by_reverse[term->reverse];
          t = term;
          vars.push_back(var);
        }
      }
      std::size_t i = 0;
      for (const auto& [key, group] : by_links) entry_links[si].emplace_back(sum_of(s, 'U', i++, group.second), &group.first->links);
      i = 0;
      for (const auto& [key, group] : by_reverse) entry_reverse[si].emplace_back(sum_of(s, 'W', i++, group.second), &group.first->reverse);
    }
  }

  // Links: idle watts from first use f[l] to the end T; uses bound f[l] from above.
  void link_idle_from_first_use() {
    for (auto l : links) {
      if (pf.links[l].idle_w == 0.0) continue;
      f[l] = m.add_var(fmt::format("f_{}", pf.links[l].name), 0, horizon, -pf.links[l].idle_w, false);
      m.add_obj(T, pf.links[l].idle_w);
      m.add_row(fmt::format("f_le_T_{}", pf.links[l].name), -kInfinity, 0, {{f[l], 1.0}, {T, -1.0}});
    }
    // start of segment s = sum of earlier durations; its entry lasts sum(entry var x time).
    for (int s = 0; s < S; ++s)
      for (auto [l, fl] : f) {
        first_use_by_entry(s, l, fl);
        first_use_by_sync(s, l, fl);
      }
  }

  // Entry uses: f[l] <= start + M (1 - sum of the entries using l).
  void first_use_by_entry(int s, std::size_t l, int fl) {
    const auto si = static_cast<std::size_t>(s);
    std::vector<std::pair<int, double>> terms{{fl, 1.0}};
    for (int s2 = 0; s2 < s; ++s2) terms.emplace_back(D[static_cast<std::size_t>(s2)], -1.0);
    bool any = false;
    for (auto [var, on] : entry_links[si])
      if (on->contains(l)) {
        terms.emplace_back(var, horizon);
        any = true;
      }
    if (any) m.add_row(fmt::format("first_use_entry_s{}_{}", s, pf.links[l].name), -kInfinity, horizon, terms);
  }

  // Synchronisation uses: f[l] <= start + entry + offset + M (1 - sum of the choices using l).
  void first_use_by_sync(int s, std::size_t l, int fl) {
    const auto si = static_cast<std::size_t>(s);
    std::vector<std::pair<int, double>> terms{{fl, 1.0}};
    for (int s2 = 0; s2 < s; ++s2) terms.emplace_back(D[static_cast<std::size_t>(s2)], -1.0);
    terms.emplace_back(E[si], -1.0);
    bool any = false;
    for (std::size_t v = 0; v < V; ++v)
      for (std::size_t r = 0; r < R; ++r)
        if (b.z[si][v][r] >= 0 && ep[v][r].links.contains(l)) {
          terms.emplace_back(b.z[si][v][r], horizon - ep[v][r].offset.at(l));
          any = true;
        }
    if (any) m.add_row(fmt::format("first_use_sync_s{}_{}", s, pf.links[l].name), -kInfinity, horizon, terms);
  }

  // Reverse cross-traffic: counted where the link is in use (omega[s][l]: used by the end of segment s).
  void reverse_cross_traffic() {
    std::map<std::size_t, int> omega_prev;
    for (int s = 0; s < S; ++s) {
      std::map<std::size_t, int> omega = links_in_use(s, omega_prev);
      reverse_of_epochs(s, omega);
      if (s > 0) reverse_of_entries(s, omega_prev);
      omega_prev = std::move(omega);
    }
  }

  // omega[s][l]: link l in use by the end of segment s (it was before, or segment s's entry or epochs use it).
  std::map<std::size_t, int> links_in_use(int s, const std::map<std::size_t, int>& omega_prev) {
    const auto si = static_cast<std::size_t>(s);
    std::map<std::size_t, int> omega;
    for (auto l : reverse_links) {
      const int w = m.add_var(fmt::format("omega_s{}_{}", s, pf.links[l].name), 0, 1, 0, false);
      omega[l] = w;
      if (auto it = omega_prev.find(l); it != omega_prev.end())
        m.add_row(fmt::format("omega_keep_s{}_{}", s, pf.links[l].name), 0, kInfinity, {{w, 1.0}, {it->second, -1.0}});
      std::vector<std::pair<int, double>> terms{{w, 1.0}};
      for (auto [var, on] : entry_links[si])
        if (on->contains(l)) terms.emplace_back(var, -1.0);
      if (terms.size() > 1) m.add_row(fmt::format("omega_entry_s{}_{}", s, pf.links[l].name), 0, kInfinity, terms);
      terms = {{w, 1.0}};
      for (std::size_t v = 0; v < V; ++v)
        for (std::size_t r = 0; r < R; ++r)
          if (b.z[si][v][r] >= 0 && ep[v][r].links.contains(l)) terms.emplace_back(b.z[si][v][r], -1.0);
      if (terms.size() > 1) m.add_row(fmt::format("omega_sync_s{}_{}", s, pf.links[l].name), 0, kInfinity, terms);
    }
    return omega;
  }

  // Epochs: Q[s,l] >= sum_{v,r} d[v,r,l] n[s,v,r] - M (1 - omega[s,l]) (one choice per segment, so the sum is
  // the chosen one's term).
  void reverse_of_epochs(int s, const std::map<std::size_t, int>& omega) {
    const auto si = static_cast<std::size_t>(s);
    for (auto l : reverse_links) {
      std::vector<std::pair<int, double>> terms;
      double big = 0;
      for (std::size_t v = 0; v < V; ++v)
        for (std::size_t r = 0; r < R; ++r) {
          if (b.n[si][v][r] < 0) continue;
          for (auto [l2, d] : ep[v][r].reverse)
            if (l2 == l) {
              terms.emplace_back(b.n[si][v][r], -d);
              big = std::max(big, d * vmax[v]);
            }
        }
      if (terms.empty()) continue;
      const int q = m.add_var(fmt::format("Q_s{}_{}", s, pf.links[l].name), 0, kInfinity, 1.0, false);
      terms.emplace_back(q, 1.0);
      terms.emplace_back(omega.at(l), -big);
      m.add_row(fmt::format("Q_s{}_{}", s, pf.links[l].name), -big, kInfinity, terms);
    }
  }

  // Entries: q[s,l] >= sum_e d[e,l] t[e] - M (1 - omega[s-1,l]) (in use before the entry; the first entry finds
  // nothing in use).
  void reverse_of_entries(int s, const std::map<std::size_t, int>& omega_prev) {
    const auto si = static_cast<std::size_t>(s);
    for (auto l : reverse_links) {
      std::vector<std::pair<int, double>> terms;
      double big = 0;
      for (auto [var, reverse] : entry_reverse[si])
        for (auto [l2, d] : *reverse)
          if (l2 == l) {
            terms.emplace_back(var, -d);
            big = std::max(big, d);
          }
      if (terms.empty()) continue;
      const int q = m.add_var(fmt::format("q_s{}_{}", s, pf.links[l].name), 0, kInfinity, 1.0, false);
      terms.emplace_back(q, 1.0);
      terms.emplace_back(omega_prev.at(l), -big);
      m.add_row(fmt::format("q_s{}_{}", s, pf.links[l].name), -big, kInfinity, terms);
    }
  }
};

// The MILP of data set `sources` with `samples` samples over `columns`, with at most `max_segments` segments.
Built build_model(const Problem& pb, const std::vector<std::size_t>& sources, double samples, const std::vector<Column>& columns,
                  int max_segments) {
  return ModelBuilder(pb, sources, samples, columns, max_segments).build();
}

class Optimum final : public Orchestrator {
public:
  [[nodiscard]] std::string name() const override { return "optimum"; }

  void configure(const PlannerSettings& s) override {
    settings_.node_limit = s.integer("optimum.node_limit", 100000, {0, 2e9});
    settings_.gap = s.number("optimum.gap", 0.0, {0, 1});
    settings_.max_segments = static_cast<int>(s.integer("optimum.max_segments", 4, {1, 64}));
  }
  [[nodiscard]] bool writes_model() const override { return true; }
  void set_model_file(const std::string& path) override { settings_.model_file = path; }

  Plan plan(const Problem& pb) override {
    const Scenario& sc = pb.scenario;
    if (auto none = insufficient_data(pb, name())) return *none;
    const auto t_start = std::chrono::steady_clock::now();
    const bool tty = ::isatty(2) != 0;

    const auto sets = candidate_data_sets(sc, pb.knowledge);
    const auto shapes = schedule_shapes(sc);

    // Columns and a lower bound per data set; then solve in increasing bound.
    const std::vector<Candidate> cands = candidates(pb, sets, shapes);
    Search search;
    solve_in_order(pb, cands, tty, search);
    if (tty && !cands.empty()) fmt::print(stderr, "\r\033[K");
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
    return report(pb, sets.size(), cands.size(), search, elapsed);
  }

private:
  OptimumSettings settings_;

  /// A data set with its schedule columns and a lower bound on its plans' objective.
  struct Candidate {
    std::vector<std::size_t> set;
    double samples = 0;
    std::vector<Column> columns;
    double lower = kInfinity;
  };

  /// The data sets solved so far, in increasing bound, and the best plan among them.
  struct Search {
    std::vector<DataSetOutcome> outcomes;
    double best_milp = kInfinity;
    std::size_t best_index = 0;  // in outcomes
    bool limited = false;        // some MILP stopped at the node limit or the gap: not proven optimal
    double global_bound = kInfinity;  // the least bound of those MILPs
    long long total_nodes = 0;
    double total_solve = 0;
    std::string model_note;
  };

  // The data sets with knowledge at their size and a schedule reaching p*, with their columns and lower bounds,
  // in increasing order of the bound.
  static std::vector<Candidate> candidates(const Problem& pb, const std::vector<std::vector<std::size_t>>& sets,
                                           const std::vector<ScheduleShape>& shapes) {
    const Scenario& sc = pb.scenario;
    const PlannerKnowledge* kk = &pb.knowledge;
    std::vector<Candidate> cands;
    for (const auto& set : sets) {
      Candidate c;
      c.set = set;
      std::vector<std::string> names;
      for (auto i : set) names.push_back(sc.data_sources[i].name);
      c.samples = pb.samples(names);
      try {
        (void)kk->bucket_of(c.samples);
      } catch (const std::out_of_range&) {
        continue;  // no knowledge below the smallest data bucket
      }
      c.columns = columns_of(pb, *kk, shapes, c.samples);
      if (c.columns.empty()) continue;
      c.lower = lower_bound(pb, c);
      cands.push_back(std::move(c));
    }
    std::stable_sort(cands.begin(), cands.end(), [](const Candidate& a, const Candidate& b) { return a.lower < b.lower; });
    return cands;
  }

  // Each data set in increasing bound: skipped (bounded) once its bound reaches the best cost so far, else its
  // MILP solved with that cost as cutoff.
  void solve_in_order(const Problem& pb, const std::vector<Candidate>& cands, bool tty, Search& search) const {
    const Scenario& sc = pb.scenario;
    for (std::size_t i = 0; i < cands.size(); ++i) {
      const Candidate& c = cands[i];
      DataSetOutcome o;
      o.sources = c.set;
      for (auto s : c.set) o.label += (o.label.empty() ? "" : ",") + sc.data_sources[s].name;
      if (c.lower >= search.best_milp * (1 - 1e-12)) {
        o.status = "bounded";
        o.bound = c.lower;
        search.outcomes.push_back(std::move(o));
        continue;
      }
      if (tty)
        fmt::print(stderr, "\roptimum: data set {}/{} ({})...", i + 1, cands.size(), o.label);
      solve_one(pb, c, o, search);
      search.outcomes.push_back(std::move(o));
    }
  }

  // Builds and solves one data set's MILP into `o` (not yet in search.outcomes), and writes the model when asked.
  void solve_one(const Problem& pb, const Candidate& c, DataSetOutcome& o, Search& search, bool may_write_model = true) const {
    const OptimumSettings& ps = settings_;
    Built b = build_model(pb, c.set, c.samples, c.columns, ps.max_segments);
    o.vars = b.model.vars().size();
    o.rows = b.model.rows().size();
    o.integers = b.model.integers();
    milp::Settings st;
    st.node_limit = ps.node_limit;
    st.gap = ps.gap;
    if (search.best_milp < kInfinity) st.cutoff = search.best_milp;
    st.start = b.start;
    const milp::Result r = milp::solve(b.model, st);
    o.seconds = r.seconds;
    o.nodes = r.nodes;
    search.total_nodes += r.nodes;
    search.total_solve += r.seconds;
    take_result(pb, c, b, st, r, o, search);
    if (may_write_model && !ps.model_file.empty() && (o.plan || search.model_note.empty())) {
      // The model of the data set the best plan comes from (else of the first data set solved).
      if (!o.plan || search.best_index == search.outcomes.size()) {
        milp::write(b.model, ps.model_file);
        search.model_note = fmt::format("MILP of data set {} written to {}", o.label, ps.model_file);
      }
    }
  }

  // The status, bound and plan (re-costed exactly) of one MILP's result; a better plan becomes the best.
  static void take_result(const Problem& pb, const Candidate& c, const Built& b, const milp::Settings& st, const milp::Result& r,
                          DataSetOutcome& o, Search& search) {
    switch (r.status) {
    case milp::Status::infeasible:
      o.status = st.cutoff ? "cut off" : "infeasible";
      o.bound = st.cutoff ? *st.cutoff : kInfinity;
      break;
    case milp::Status::no_solution_limit:
      o.status = "limit_reached";
      o.bound = r.bound;
      search.limited = true;
      search.global_bound = std::min(search.global_bound, r.bound);
      break;
    case milp::Status::optimal:
    case milp::Status::feasible: {
      o.status = milp::to_string(r.status);
      o.bound = r.status == milp::Status::optimal ? r.objective : r.bound;
      if (r.status == milp::Status::feasible) {
        search.limited = true;
        search.global_bound = std::min(search.global_bound, r.bound);
      } else if (st.gap > 0 && r.bound < r.objective * (1 - 1e-9)) {
        search.limited = true;  // stopped at the gap setting: not proven optimal
        search.global_bound = std::min(search.global_bound, r.bound);
      }
      o.milp_value = r.objective;
      o.plan = extract(pb, c, b, r);
      o.exact_value = pb.cost.objective(pb.cost.evaluate(*o.plan));
      if (r.objective < search.best_milp) {
        search.best_milp = r.objective;
        search.best_index = search.outcomes.size();
      }
      break;
    }
    }
  }

  // The answer: the best plan with the solver's report, or the reason there is none; the explanation lists every
  // data set's outcome.
  Plan report(const Problem& pb, std::size_t n_sets, std::size_t n_cands, const Search& search, double elapsed) const {
    const Scenario& sc = pb.scenario;
    const OptimumSettings& ps = settings_;
    std::string explanation = fmt::format(
        "optimum: exact MILP (CBC {}) per data set over schedules x resources, at most {} segments; {} of {} data sets "
        "have a schedule reaching P >= {}; node limit {}, gap {}\n",
        "2.10", ps.max_segments, n_cands, n_sets, sc.target.probability, ps.node_limit, ps.gap);
    explanation += memory_fit_lines(pb);
    for (const auto& o : search.outcomes) {
      explanation += fmt::format("  data set {}: {}", o.label, o.status);
      if (o.plan) explanation += fmt::format(", {} {:.9g} (MILP {:.9g})", to_string(sc.objective), o.exact_value, o.milp_value);
      if (o.vars > 0) explanation += fmt::format("; {} variables ({} integer), {} rows, {} nodes, {:.3f} s", o.vars, o.integers, o.rows, o.nodes, o.seconds);
      explanation += "\n";
    }
    if (!search.model_note.empty()) explanation += "  " + search.model_note + "\n";

    SolverReport rep;
    rep.nodes = search.total_nodes;
    rep.milps = static_cast<int>(std::count_if(search.outcomes.begin(), search.outcomes.end(), [](const DataSetOutcome& o) { return o.vars > 0; }));
    if (search.best_milp == kInfinity) return no_plan(pb, n_cands, search, rep, explanation, elapsed);
    const Plan milp = best_plan(pb, search, rep, explanation, elapsed);
    // The plan the MILP's own candidate was re-timed to, if it was (to say so in certified_plan below).
    std::optional<Plan> own_retimed;
    Plan out = certify_best(pb, with_single_version_candidates(pb, milp), name(), [&](const Plan& lengthened) {
      std::optional<Plan> r = retime(pb, lengthened);
      if (r && same_resources(lengthened, milp)) own_retimed = r;
      return r;
    });
    if (pb.knowledge.certification_runs() > 0 && out.status == PlanStatus::ok) {
      // What the certified plan is to the MILP's (SolverReport::certified_plan): the report stays the MILP's.
      const bool same_schedule = same_resources(out, milp);
      const bool same_epochs = same_schedule && out.segments.back().epochs == milp.segments.back().epochs;
      const bool retimed = !same_schedule && own_retimed && out.data_sources == own_retimed->data_sources &&
                           same_resources(out, *own_retimed) && same_shape(pb, out, milp);
      out.solver = rep;
      out.solver->certified_plan = same_schedule ? (same_epochs ? "solution" : "epoch_moved") : retimed ? "retimed" : "anchor";
    }
    return out;
  }

  // The same data and segments (versions, resources, epochs), the last segment's epochs aside.
  static bool same_resources(const Plan& a, const Plan& b) {
    if (a.data_sources != b.data_sources || a.segments.size() != b.segments.size()) return false;
    for (std::size_t i = 0; i < a.segments.size(); ++i) {
      const Segment &x = a.segments[i], &y = b.segments[i];
      if (x.version != y.version || x.cluster != y.cluster || x.nodes != y.nodes || x.pstate != y.pstate ||
          (i + 1 < a.segments.size() && x.epochs != y.epochs))
        return false;
    }
    return true;
  }

  // The same versions in the same order, switching at the same epoch (the last part's epochs may differ).
  static bool same_shape(const Problem& pb, const Plan& a, const Plan& b) {
    auto merged = [&](const Plan& p) {
      auto runs = version_runs(pb, p);
      if (!runs.empty()) runs.back().second = 0;
      return runs;
    };
    return merged(a) == merged(b);
  }

  // A certified plan whose fewest certified epochs miss the deadline on its resources (certify_best's Retime): the
  // data set's MILP again with that one schedule as its only column — the cheapest resources for exactly what the plan
  // learns, within the deadline (the claim is about data and schedule only). nullopt when no resources meet it.
  std::optional<Plan> retime(const Problem& pb, const Plan& lengthened) const {
    const Scenario& sc = pb.scenario;
    Candidate c;
    for (const auto& name : lengthened.data_sources) c.set.push_back(*sc.source_index(name));
    c.samples = pb.samples(lengthened.data_sources);
    const auto parts = version_runs(pb, lengthened);
    if (parts.empty() || parts.size() > 2) return std::nullopt;  // the shapes the MILP knows: one version, or one switch
    Column col;
    col.shape = parts.size() == 1 ? ScheduleShape{parts[0].first, parts[0].first, 0} : ScheduleShape{parts[0].first, parts[1].first, parts[0].second};
    col.epochs = lengthened.total_epochs();
    col.per_version.assign(sc.model.versions.size(), 0);
    for (const auto& [v, e] : parts) col.per_version[v] += e;
    col.p = lengthened.predicted.p_target_met.value_or(0.0);
    col.expected_loss = lengthened.predicted.expected_loss.value_or(0.0);
    c.columns = {col};
    DataSetOutcome o;
    Search search;
    solve_one(pb, c, o, search, /*may_write_model=*/false);
    return o.plan;
  }

  // No plan: the node limit was reached first, no schedule reaches p*, or none meets the deadline.
  Plan no_plan(const Problem& pb, std::size_t n_cands, const Search& search, SolverReport& rep, std::string& explanation,
               double elapsed) const {
    const Scenario& sc = pb.scenario;
    const OptimumSettings& ps = settings_;
    Plan out;
    out.status = search.limited ? PlanStatus::limit_reached : PlanStatus::infeasible;
    rep.status = search.limited ? "limit_reached" : "infeasible";
    if (search.limited) {
      rep.bound = search.global_bound;
      out.reason = fmt::format("node limit ({}) reached before any plan was found; objective >= {:.9g}", ps.node_limit, search.global_bound);
    } else if (n_cands == 0) {
      out.reason = fmt::format("no schedule reaches P(L <= {}) >= {} within max_epochs = {}", sc.target.loss,
                               sc.target.probability, sc.target.max_epochs);
    } else if (sc.target.deadline_s) {
      out.reason = fmt::format("no plan reaching P(L <= {}) >= {} meets the deadline of {} s", sc.target.loss,
                               sc.target.probability, *sc.target.deadline_s);
    } else {  // no deadline: what rules the schedules out is where the versions fit (memory_limits says)
      out.reason = fmt::format("no plan reaching P(L <= {}) >= {} runs on the resources where its versions fit",
                               sc.target.loss, sc.target.probability);
    }
    if (out.status == PlanStatus::infeasible) out.reason += memory_limits(pb);
    out.solver = rep;
    explanation += fmt::format("optimum: {}: {}; {} MILPs, {:.3f} s solving, {:.3f} s in all\n", rep.status, out.reason,
                               rep.milps, search.total_solve, elapsed);
    out.explanation = explanation;
    return out;
  }

  // The best plan, with the gap and bound, and a warning when the MILP's value differs from the cost model's.
  static Plan best_plan(const Problem& pb, const Search& search, SolverReport& rep, std::string& explanation, double elapsed) {
    const Scenario& sc = pb.scenario;
    const double best_milp = search.best_milp;
    const bool limited = search.limited;
    const DataSetOutcome& best = search.outcomes[search.best_index];
    Plan out = *best.plan;
    rep.objective = best.exact_value;
    rep.bound = std::min(search.global_bound, best_milp);
    rep.gap = limited ? std::max(0.0, (best_milp - rep.bound) / std::max(1e-300, std::abs(best_milp))) : 0.0;
    rep.status = limited ? "feasible" : "optimal";
    out.solver = rep;
    const double mismatch = std::abs(best.exact_value - best_milp) / std::max(1e-300, std::abs(best.exact_value));
    explanation += fmt::format("optimum: {} (gap {:.3g}, bound {:.9g}); {} {:.9g} on data set {}; {} MILPs, {} nodes, {:.3f} s solving, {:.3f} s in all\n",
                               rep.status, rep.gap, rep.bound, to_string(sc.objective), best.exact_value, best.label, rep.milps,
                               search.total_nodes, search.total_solve, elapsed);
    if (mismatch > 1e-6)
      explanation += fmt::format("optimum: WARNING: the MILP's value {:.9g} differs from the cost model's {:.9g} (relative {:.3g})\n",
                                 best_milp, best.exact_value, mismatch);
    out.explanation = explanation;
    return out;
  }

  // The columns of a data set with `samples` samples: each schedule shape stopped at the first epoch it reaches p*.
  static std::vector<Column> columns_of(const Problem& pb, const PlannerKnowledge& kk, const std::vector<ScheduleShape>& shapes,
                                        double samples) {
    const Scenario& sc = pb.scenario;
    std::vector<Column> out;
    for (const ScheduleShape& sh : shapes) {
      std::vector<std::pair<LossDistribution, double>> each;
      try {
        each = kk.each_epoch(samples, sh.schedule(sc.target.max_epochs));
      } catch (const std::invalid_argument&) {
        continue;
      }
      for (int k = sh.first_stop(); k <= sc.target.max_epochs; ++k) {
        const auto& [dist, expected] = each[static_cast<std::size_t>(k - 1)];
        if (!reaches(dist.p_target(), sc.target.probability)) continue;
        Column c;
        c.shape = sh;
        c.epochs = k;
        c.per_version.assign(sc.model.versions.size(), 0);
        if (sh.at == 0) {
          c.per_version[sh.first] = k;
        } else {
          c.per_version[sh.first] += sh.at;
          c.per_version[sh.second] += k - sh.at;
        }
        c.p = dist.p_target();
        c.expected_loss = expected;
        out.push_back(c);
        break;  // later epochs of the same schedule only cost more
      }
    }
    return out;
  }

  // A valid lower bound on any plan of the data set: per epoch, the cheapest epoch term of its version; plus the
  // cheapest first entry. Every other term of the exact cost is non-negative.
  static double lower_bound(const Problem& pb, const Candidate& c) {
    const Scenario& sc = pb.scenario;
    const auto resources = pb.cost.resource_choices();
    std::vector<double> cheapest(sc.model.versions.size(), kInfinity);
    double first_entry = kInfinity;
    for (std::size_t v = 0; v < sc.model.versions.size(); ++v)
      for (const auto& r : resources) {
        if (v == 0) first_entry = std::min(first_entry, pick(sc, entry_term(pb, c.set, {}, v, r)));
        if (pb.cost.fits(v, r)) cheapest[v] = std::min(cheapest[v], pick(sc, epoch_term(pb, v, r, c.samples)));
      }
    double best = kInfinity;
    for (const auto& col : c.columns) {
      double lb = first_entry;
      for (std::size_t v = 0; v < col.per_version.size(); ++v)
        if (col.per_version[v] > 0) lb += col.per_version[v] * cheapest[v];
      best = std::min(best, lb);
    }
    return best;
  }

  // The plan of a MILP solution: its segments (consecutive equal choices merged) and predictions.
  static Plan extract(const Problem& pb, const Candidate& cand, const Built& b, const milp::Result& r) {
    const Scenario& sc = pb.scenario;
    const auto resources = pb.cost.resource_choices();
    Plan p;
    for (auto i : cand.set) p.data_sources.push_back(sc.data_sources[i].name);
    for (int s = 0; s < b.S; ++s)
      for (std::size_t v = 0; v < b.z[0].size(); ++v)
        for (std::size_t k = 0; k < resources.size(); ++k) {
          const int zi = b.z[static_cast<std::size_t>(s)][v][k];
          if (zi < 0 || r.x[static_cast<std::size_t>(zi)] < 0.5) continue;
          const int epochs = static_cast<int>(std::lround(r.x[static_cast<std::size_t>(b.n[static_cast<std::size_t>(s)][v][k])]));
          if (epochs <= 0) continue;
          const Resources& res = resources[k];
          Segment seg{sc.model.versions[v].name, sc.clusters[res.cluster].name, res.nodes, res.pstate, epochs};
          if (!p.segments.empty() && p.segments.back().version == seg.version && p.segments.back().cluster == seg.cluster &&
              p.segments.back().nodes == seg.nodes && p.segments.back().pstate == seg.pstate)
            p.segments.back().epochs += epochs;
          else
            p.segments.push_back(seg);
        }
    for (std::size_t c = 0; c < b.y.size(); ++c)
      if (r.x[static_cast<std::size_t>(b.y[c])] > 0.5) {
        p.predicted.p_target_met = cand.columns[c].p;
        p.predicted.expected_loss = cand.columns[c].expected_loss;
      }
    const PlanCost cost = pb.cost.evaluate(p);
    p.predicted.energy_j = cost.energy_j;
    p.predicted.time_s = cost.time_s;
    return p;
  }
};

} // namespace

std::optional<double> optimum_milp_value(const Problem& pb, const Plan& plan) {
  const Scenario& sc = pb.scenario;
  if (plan.segments.empty()) return std::nullopt;
  std::vector<std::size_t> set;
  for (const auto& name : plan.data_sources) set.push_back(*sc.source_index(name));
  Column col;
  col.per_version.assign(sc.model.versions.size(), 0);
  std::vector<std::size_t> order;
  for (const auto& seg : plan.segments) {
    const auto v = *sc.version_index(seg.version);
    col.per_version[v] += seg.epochs;
    col.epochs += seg.epochs;
    if (order.empty() || order.back() != v) order.push_back(v);
  }
  if (order.size() > 2) return std::nullopt;
  col.shape = order.size() == 1 ? ScheduleShape{order[0], order[0], 0}
                                : ScheduleShape{order[0], order[1], col.per_version[order[0]]};
  const int S = static_cast<int>(plan.segments.size());
  auto b = build_model(pb, set, pb.samples(plan.data_sources), {col}, S);
  if (b.S != S) return std::nullopt;
  const auto resources = pb.cost.resource_choices();
  for (int s = 0; s < S; ++s) {
    const auto& seg = plan.segments[static_cast<std::size_t>(s)];
    const auto v = *sc.version_index(seg.version);
    const auto c = *sc.cluster_index(seg.cluster);
    for (std::size_t vi = 0; vi < b.z[0].size(); ++vi)
      for (std::size_t r = 0; r < resources.size(); ++r) {
        const int z = b.z[static_cast<std::size_t>(s)][vi][r];
        if (z < 0) continue;
        const bool chosen = vi == v && resources[r].cluster == c && resources[r].nodes == seg.nodes && resources[r].pstate == seg.pstate;
        b.model.fix(z, chosen ? 1.0 : 0.0);
        b.model.fix(b.n[static_cast<std::size_t>(s)][vi][r], chosen ? seg.epochs : 0.0);
      }
  }
  const milp::Result r = milp::solve(b.model, {});
  if (r.status != milp::Status::optimal) return std::nullopt;
  return r.objective;
}

void register_optimum_orchestrator(OrchestratorRegistry& registry) {
  registry.add("optimum", "exact optimum of the planning model: a MILP per data set solved by COIN-OR CBC (node limit, gap)",
               [] { return std::make_unique<Optimum>(); },
               {SettingFlag{"--node-limit", "optimum.node_limit", "optimum: branch-and-bound node limit per MILP (planners.optimum.node_limit)",
                            "N", {0, 2e9}},
                SettingFlag{"--gap", "optimum.gap", "optimum: relative gap at which CBC may stop, 0 proves optimality (planners.optimum.gap)",
                            "G", {0, 1}}});
}

} // namespace deplsim
