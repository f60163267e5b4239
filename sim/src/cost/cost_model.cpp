// The analytical cost model (MODEL.md 3). Phases of a plan, in order: data shipping to the first segment's
// nodes; per epoch, R rounds of (compute on all cores, then synchronisation); at a segment boundary that
// changes the node set, data to the new nodes and the model to the nodes that did not have it. Energy:
// hosts at their power state's watts (all cores while computing, idle otherwise) from first use to the end;
// links at wattage_range idle + (busy - idle) x load / bandwidth from first use to the end.
#include "deplsim/cost_model.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace deplsim {

CostModel::CostModel(const Scenario& scenario, const PlatformView& platform) : scenario_(scenario), platform_(platform) {}

std::vector<std::size_t> CostModel::segment_hosts(std::size_t cluster, int nodes) const {
  const auto& all = platform_.cluster_hosts.at(cluster);
  if (nodes < 1 || static_cast<std::size_t>(nodes) > all.size())
    throw std::out_of_range("segment asks for more nodes than the cluster has");
  return {all.begin(), all.begin() + nodes};
}

std::vector<Resources> CostModel::resource_choices() const {
  std::vector<Resources> out;
  for (std::size_t c = 0; c < platform_.cluster_hosts.size(); ++c)
    for (int n = 1; n <= static_cast<int>(platform_.cluster_hosts[c].size()); ++n) {
      const std::size_t ps = platform_.common_pstates(segment_hosts(c, n));
      for (std::size_t s = 0; s < ps; ++s) out.push_back({c, n, static_cast<int>(s)});
    }
  return out;
}

std::vector<double> CostModel::shares(const std::vector<std::size_t>& hosts, std::size_t pstate) const {
  std::vector<double> out;
  double total = 0;
  for (auto h : hosts) total += platform_.hosts[h].total_speed(pstate);
  for (auto h : hosts) out.push_back(platform_.hosts[h].total_speed(pstate) / total);
  return out;
}

std::vector<std::vector<Flow>> CostModel::sync_steps(std::size_t version, const std::vector<std::size_t>& hosts) const {
  std::vector<std::vector<Flow>> steps;
  const std::size_t n = hosts.size();
  if (n < 2) return steps;
  const double bytes = scenario_.model.versions.at(version).param_bytes;
  if (scenario_.training.sync == SyncKind::ring_allreduce) {
    // Ring all-reduce: 2(n-1) steps (reduce-scatter then all-gather), each node sends S/n bytes to the next.
    std::vector<Flow> step;
    for (std::size_t i = 0; i < n; ++i) step.push_back({hosts[i], hosts[(i + 1) % n], bytes / static_cast<double>(n)});
    steps.assign(2 * (n - 1), step);
  } else {
    // Parameter server on the first node: gradients up, then the model down.
    std::vector<Flow> up;
    std::vector<Flow> down;
    for (std::size_t i = 1; i < n; ++i) {
      up.push_back({hosts[i], hosts[0], bytes});
      down.push_back({hosts[0], hosts[i], bytes});
    }
    steps.push_back(up);
    steps.push_back(down);
  }
  return steps;
}

std::vector<Flow> CostModel::shipping_flows(const std::vector<std::size_t>& sources, const std::vector<std::size_t>& hosts,
                                            std::size_t pstate) const {
  std::vector<Flow> flows;
  const auto sh = shares(hosts, pstate);
  for (auto s : sources) {
    const DataSource& d = scenario_.data_sources.at(s);
    const auto src = *platform_.host_index(d.host);
    for (std::size_t j = 0; j < hosts.size(); ++j)
      flows.push_back({src, hosts[j], static_cast<double>(d.samples) * d.sample_bytes * sh[j]});
  }
  return flows;
}

namespace {
double link_energy(const PlatformView& pf, const FlowOutcome& o) {
  double e = 0;
  for (auto [l, integral] : o.link_load_integral)
    e += (pf.links[l].busy_w - pf.links[l].idle_w) * integral / pf.links[l].bandwidth;
  return e;
}
} // namespace

EpochCost CostModel::epoch(std::size_t version, const Resources& res, double samples) const {
  const auto key = std::make_tuple(version, res.cluster, res.nodes, res.pstate, samples);
  {
    std::lock_guard lock(mutex_);
    auto it = epoch_cache_.find(key);
    if (it != epoch_cache_.end()) return it->second;
  }
  const auto hosts = segment_hosts(res.cluster, res.nodes);
  const auto p = static_cast<std::size_t>(res.pstate);
  const double rounds = scenario_.training.rounds_per_epoch;
  double total_speed = 0;
  for (auto h : hosts) total_speed += platform_.hosts[h].total_speed(p);
  const double flops = samples * scenario_.model.versions.at(version).flops_per_sample;
  const double compute_round = flops / rounds / total_speed;

  double sync_round = 0;
  double link_dynamic_round = 0;
  std::set<std::size_t> sync_links;
  // Identical steps are simulated once.
  const auto steps = sync_steps(version, hosts);
  std::vector<std::pair<const std::vector<Flow>*, FlowOutcome>> done;
  for (const auto& step : steps) {
    const FlowOutcome* o = nullptr;
    for (auto& [flows, outcome] : done)
      if (flows->size() == step.size() &&
          std::equal(flows->begin(), flows->end(), step.begin(), [](const Flow& a, const Flow& b) {
            return a.src == b.src && a.dst == b.dst && a.bytes == b.bytes;
          }))
        o = &outcome;
    if (o == nullptr) {
      done.emplace_back(&step, simulate_flows(platform_, step));
      o = &done.back().second;
    }
    sync_round += o->makespan;
    link_dynamic_round += link_energy(platform_, *o);
    for (const auto& f : step)
      for (auto l : platform_.route(f.src, f.dst).links) sync_links.insert(l);
  }

  EpochCost c;
  c.compute_s = rounds * compute_round;
  c.sync_s = rounds * sync_round;
  c.time_s = c.compute_s + c.sync_s;
  for (auto h : hosts) {
    const PowerState& ps = platform_.hosts[h].pstates[p];
    c.host_energy_j += c.compute_s * ps.all_cores_w + c.sync_s * ps.idle_w;
  }
  c.link_energy_j = rounds * link_dynamic_round;
  for (auto l : sync_links) c.link_energy_j += platform_.links[l].idle_w * c.time_s;
  c.energy_j = c.host_energy_j + c.link_energy_j;
  std::lock_guard lock(mutex_);
  epoch_cache_.emplace(key, c);
  return c;
}

PlanCost CostModel::evaluate(const Plan& plan) const {
  PlanCost out;
  std::vector<std::size_t> sources;
  double samples = 0;
  for (const auto& name : plan.data_sources) {
    const auto s = *scenario_.source_index(name);
    sources.push_back(s);
    samples += static_cast<double>(scenario_.data_sources[s].samples);
  }
  std::map<std::size_t, double> host_first_use;  // host -> time
  std::map<std::size_t, double> link_first_use;
  std::map<std::size_t, std::size_t> host_pstate;
  // Idle watts of a host from its first use to the end are added at the end; phases add only the energy
  // above idle (busy compute) so that idle time between uses is charged exactly once.
  double above_idle = 0;
  double host_idle_energy = 0;
  double link_dynamic = 0;
  double now = 0;
  std::vector<std::size_t> prev_hosts;
  std::size_t prev_cluster = 0;
  bool first = true;

  auto use_links = [&](const std::vector<Flow>& flows) {
    for (const auto& f : flows)
      for (auto l : platform_.route(f.src, f.dst).links) link_first_use.emplace(l, now);
  };
  auto run_phase = [&](const std::vector<Flow>& flows) {
    if (flows.empty()) return;
    use_links(flows);
    FlowOutcome o = simulate_flows(platform_, flows);
    link_dynamic += link_energy(platform_, o);
    now += o.makespan;
    out.shipping_s += o.makespan;
  };
  // Host idle energy accumulates per power-state interval.
  std::map<std::size_t, double> host_since;
  auto set_pstate = [&](std::size_t h, std::size_t p) {
    auto it = host_pstate.find(h);
    if (it != host_pstate.end()) {
      host_idle_energy += (now - host_since[h]) * platform_.hosts[h].pstates[it->second].idle_w;
    }
    host_pstate[h] = p;
    host_since[h] = now;
    host_first_use.emplace(h, now);
  };

  for (const auto& seg : plan.segments) {
    const auto v = *scenario_.version_index(seg.version);
    const auto c = *scenario_.cluster_index(seg.cluster);
    const auto hosts = segment_hosts(c, seg.nodes);
    const auto p = static_cast<std::size_t>(seg.pstate);
    for (auto h : hosts) set_pstate(h, p);
    if (first || hosts != prev_hosts) {
      std::vector<Flow> flows = shipping_flows(sources, hosts, p);
      if (!first) {
        // The model goes from the old first node to every node that did not hold it.
        const double bytes = scenario_.model.versions[v].param_bytes;
        for (auto h : hosts)
          if (std::find(prev_hosts.begin(), prev_hosts.end(), h) == prev_hosts.end() && h != prev_hosts.front())
            flows.push_back({prev_hosts.front(), h, bytes});
      }
      run_phase(flows);
    }
    const EpochCost e = epoch(v, Resources{c, seg.nodes, seg.pstate}, samples);
    for (auto h : hosts) {
      const PowerState& ps = platform_.hosts[h].pstates[p];
      above_idle += seg.epochs * e.compute_s * (ps.all_cores_w - ps.idle_w);
    }
    // Synchronisation links: first use now; their dynamic energy from the epoch model.
    for (const auto& step : sync_steps(v, hosts)) use_links(step);
    link_dynamic += seg.epochs * (e.link_energy_j - [&] {
      double idle = 0;
      std::set<std::size_t> ls;
      for (const auto& step : sync_steps(v, hosts))
        for (const auto& f : step)
          for (auto l : platform_.route(f.src, f.dst).links) ls.insert(l);
      for (auto l : ls) idle += platform_.links[l].idle_w * e.time_s;
      return idle;
    }());
    now += seg.epochs * e.time_s;
    out.money += scenario_.clusters[c].price_per_node_s * seg.nodes * seg.epochs * e.time_s;
    prev_hosts = hosts;
    prev_cluster = c;
    first = false;
  }
  (void)prev_cluster;
  for (auto& [h, p] : host_pstate) host_idle_energy += (now - host_since[h]) * platform_.hosts[h].pstates[p].idle_w;
  double link_idle = 0;
  for (auto [l, t] : link_first_use) link_idle += platform_.links[l].idle_w * (now - t);
  out.time_s = now;
  out.energy_j = host_idle_energy + above_idle + link_idle + link_dynamic;
  for (auto [h, t] : host_first_use) out.hosts_used.insert(h);
  for (auto [l, t] : link_first_use) out.links_used.insert(l);
  return out;
}

double CostModel::objective(const PlanCost& c) const {
  switch (scenario_.objective) {
  case Objective::energy: return c.energy_j;
  case Objective::time: return c.time_s;
  case Objective::money: return c.money;
  }
  return c.energy_j;
}

} // namespace deplsim
