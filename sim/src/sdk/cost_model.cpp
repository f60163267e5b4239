// The analytical cost model (docs/model.md 4). Phases of a plan, in order: data shipping to the first segment's
// nodes; per epoch, R rounds of (compute on all cores, then synchronisation); at a segment boundary that
// changes the node set, data to the new nodes and the model to the nodes that did not have it. Energy:
// hosts at their power state's watts (all cores while computing, idle otherwise) from first use to the end;
// links at wattage_range idle + (busy - idle) x load / bandwidth from first use to the end.
#include "deplsim/cost_model.hpp"

#include <boost/container/flat_map.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace deplsim {

CostModel::CostModel(const Scenario& scenario, const PlatformView& platform) : scenario_(scenario), platform_(platform) {
  if (scenario_.devices.empty()) return;
  measured_.resize(platform_.hosts.size());
  for (const auto& dev : scenario_.devices)
    for (std::size_t h = 0; h < platform_.hosts.size(); ++h) {
      const HostView& hv = platform_.hosts[h];
      const bool named = std::find(dev.hosts.begin(), dev.hosts.end(), hv.name) != dev.hosts.end();
      if (named || (!dev.zone.empty() && hv.in_zone(dev.zone))) measured_[h] = dev.versions;  // a later entry wins
    }
}

double CostModel::host_flops(std::size_t version, std::size_t host) const {
  if (!measured_.empty() && version < measured_[host].size() && measured_[host][version])
    return measured_[host][version]->s_per_sample * platform_.hosts[host].total_speed(0);
  return scenario_.flops_on(version, platform_.hosts[host].sparse_efficiency);
}

double CostModel::host_overhead(std::size_t version, std::size_t host) const {
  if (!measured_.empty() && version < measured_[host].size() && measured_[host][version])
    return measured_[host][version]->fixed_s_per_iteration;
  return platform_.hosts[host].iteration_overhead_s;
}

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

bool CostModel::fits(std::size_t version, const Resources& res, std::string* why) const {
  const auto key = std::make_tuple(version, res.cluster, res.nodes, res.pstate);
  if (why == nullptr) {
    {
      std::lock_guard lock(mutex_);
      if (auto it = fit_cache_.find(key); it != fit_cache_.end()) return it->second;
    }
    std::string reason;
    const bool ok = fits(version, res, &reason);
    std::lock_guard lock(mutex_);
    fit_cache_.emplace(key, ok);
    return ok;
  }
  const auto hosts = segment_hosts(res.cluster, res.nodes);
  const auto sh = shares(hosts, static_cast<std::size_t>(res.pstate));
  for (std::size_t j = 0; j < hosts.size(); ++j) {
    const HostView& hv = platform_.hosts[hosts[j]];
    if (hv.memory_bytes <= 0) continue;  // not declared
    // Each core holds a replica and trains on its part of the node's share of every batch.
    const double local_batch = scenario_.model.batch_size * sh[j] / hv.cores;
    const double need = scenario_.memory_needed(version, local_batch);
    if (need > hv.memory_bytes) {
      auto size = [](double b) { return b >= 1e9 ? fmt::format("{:.4g} GB", b / 1e9) : fmt::format("{:.4g} MB", b / 1e6); };
      if (why != nullptr)
        *why = fmt::format("version '{}' needs {} per core on host '{}' (weights, gradients and {} optimizer state "
                           "cop{} of {} each, activations of {:.4g} samples), which has {}",
                           scenario_.model.versions[version].name, size(need), hv.name,
                           scenario_.training.optimizer_state_copies,
                           scenario_.training.optimizer_state_copies == 1 ? "y" : "ies", size(scenario_.dense_bytes(version)),
                           local_batch, size(hv.memory_bytes));
      return false;
    }
  }
  return true;
}

std::vector<Resources> CostModel::resource_choices(std::size_t version) const {
  std::vector<Resources> out;
  for (const Resources& r : resource_choices())
    if (fits(version, r)) out.push_back(r);
  return out;
}

std::vector<double> CostModel::shares(const std::vector<std::size_t>& hosts, std::size_t pstate) const {
  std::vector<double> out;
  double total = 0;
  for (auto h : hosts) total += platform_.hosts[h].total_speed(pstate);
  for (auto h : hosts) out.push_back(platform_.hosts[h].total_speed(pstate) / total);
  return out;
}

std::vector<Flow> CostModel::shipping_flows(const std::vector<std::size_t>& sources, const std::vector<std::size_t>& hosts,
                                            std::size_t pstate) const {
  {
    std::lock_guard lock(mutex_);
    if (auto it = flows_cache_.find(std::tie(sources, hosts, pstate)); it != flows_cache_.end()) return it->second;
  }
  std::vector<Flow> flows;
  const auto sh = shares(hosts, pstate);
  for (auto s : sources) {
    const DataSource& d = scenario_.data_sources.at(s);
    const auto src = *platform_.host_index(d.host);
    for (std::size_t j = 0; j < hosts.size(); ++j)
      flows.push_back({src, hosts[j], static_cast<double>(d.samples) * d.sample_bytes * sh[j]});
  }
  std::lock_guard lock(mutex_);
  flows_cache_.emplace(std::make_tuple(sources, hosts, pstate), flows);
  return flows;
}

double transmit_energy(const PlatformView& pf, const std::vector<Flow>& flows, const FlowOutcome& o) {
  std::map<std::size_t, double> until;  // per sending host with a radio: when its last flow of the phase ends
  for (std::size_t i = 0; i < flows.size(); ++i)
    if (pf.hosts[flows[i].src].transmit_w > 0) {
      double& u = until[flows[i].src];
      u = std::max(u, o.finish[i]);
    }
  double e = 0;
  for (auto [h, t] : until) e += pf.hosts[h].transmit_w * t;
  return e;
}

double link_energy(const PlatformView& pf, const std::vector<Flow>& flows, const FlowOutcome& o) {
  std::set<std::size_t> used;
  for (const auto& f : flows)
    for (auto l : pf.route(f.src, f.dst).links) used.insert(l);
  double e = 0;
  for (auto [l, integral] : o.link_load_integral)
    if (used.contains(l)) e += (pf.links[l].busy_w - pf.links[l].idle_w) * integral / pf.links[l].bandwidth;
  return e;
}

CostModel::SyncRound CostModel::sync_round_of(std::size_t version, const std::vector<std::size_t>& hosts) const {
  SyncRound out;
  // Identical steps are simulated once.
  const auto steps = sync_steps(version, hosts);
  std::vector<std::pair<const std::vector<Flow>*, FlowOutcome>> done;
  for (const auto& step : steps) {
    const FlowOutcome* o = nullptr;
    for (auto& [flows, outcome] : done)
      if (*flows == step) o = &outcome;
    if (o == nullptr) {
      done.emplace_back(&step, simulate_flows(platform_, step));
      o = &done.back().second;
    }
    out.step_offsets.push_back(out.time);
    out.time += o->makespan;
    out.link_dynamic += link_energy(platform_, step, *o);
    out.transmit += transmit_energy(platform_, step, *o);
    for (auto [l, x] : o->link_load_integral) out.link_load[l] += x;
    for (const auto& f : step)
      for (auto l : platform_.route(f.src, f.dst).links) out.links.insert(l);
  }
  // The first uses of the synchronisation links, for evaluate: the steps with flows, round after round, until every
  // step offset has had its step.
  std::set<std::size_t> seen;
  for (int round = 0; round < scenario_.training.rounds_per_epoch && out.step_links.size() < out.step_offsets.size(); ++round)
    for (const auto& flows : steps) {
      if (flows.empty()) continue;
      if (out.step_links.size() >= out.step_offsets.size()) break;
      std::vector<std::size_t> fresh;
      for (const auto& f : flows)
        for (auto l : platform_.route(f.src, f.dst).links)
          if (seen.insert(l).second) fresh.push_back(l);
      out.step_links.push_back(std::move(fresh));
    }
  return out;
}

EpochCost CostModel::epoch(std::size_t version, const Resources& res, double samples) const {
  return epoch_entry(version, res, samples);
}

const EpochCost& CostModel::epoch_entry(std::size_t version, const Resources& res, double samples) const {
  const auto key = std::make_tuple(version, res.cluster, res.nodes, res.pstate, samples);
  {
    std::lock_guard lock(mutex_);
    auto it = epoch_cache_.find(key);
    if (it != epoch_cache_.end()) return it->second;
  }
  const auto hosts = segment_hosts(res.cluster, res.nodes);
  if (scenario_.training.mode == TrainingMode::iterations) {
    EpochCost c = iteration_epoch(version, hosts, res.pstate, samples);
    std::lock_guard lock(mutex_);
    return epoch_cache_.emplace(key, std::move(c)).first->second;
  }
  const auto p = static_cast<std::size_t>(res.pstate);
  const double rounds = scenario_.training.rounds_per_epoch;
  double total_speed = 0;
  for (auto h : hosts) total_speed += platform_.hosts[h].total_speed(p);
  const double flops_per_sample = scenario_.model.versions.at(version).flops_per_sample;
  const double flops = samples * flops_per_sample;
  double compute_round = flops / rounds / total_speed;
  // Work is shared in proportion to speed, so every node computes for compute_round; unless an unstructured version
  // costs nodes different flops (their sparse support differs): then each has its own time and the round waits for
  // the slowest.
  std::vector<double> busy_round(hosts.size(), compute_round);
  if (std::any_of(hosts.begin(), hosts.end(), [&](std::size_t h) {
        return host_flops(version, h) != flops_per_sample;
      })) {
    const auto sh = shares(hosts, p);
    compute_round = 0;
    for (std::size_t j = 0; j < hosts.size(); ++j) {
      const HostView& hv = platform_.hosts[hosts[j]];
      busy_round[j] = samples * host_flops(version, hosts[j]) / rounds * sh[j] / hv.total_speed(p);
      compute_round = std::max(compute_round, busy_round[j]);
    }
  }

  // The synchronisation of a round depends on the version (bytes) and the nodes only, not on the data or the
  // power state: simulated once per (version, nodes) and reused (planners ask for every data set).
  // (A map's elements stay where they are while others are added: the reference outlives the lock.)
  const SyncRound* cached_round = nullptr;
  {
    auto skey = std::make_tuple(version, hosts);
    std::unique_lock lock(mutex_);
    auto it = sync_cache_.find(skey);
    if (it != sync_cache_.end()) {
      cached_round = &it->second;
    } else {
      lock.unlock();
      SyncRound fresh = sync_round_of(version, hosts);
      lock.lock();
      cached_round = &sync_cache_.emplace(std::move(skey), std::move(fresh)).first->second;
    }
  }
  const SyncRound& sr = *cached_round;
  const double sync_round = sr.time;
  const double link_dynamic_round = sr.link_dynamic;
  const std::set<std::size_t>& sync_links = sr.links;

  EpochCost c;
  c.compute_s = rounds * compute_round;
  c.sync_s = rounds * sync_round;
  c.time_s = c.compute_s + c.sync_s;
  for (std::size_t j = 0; j < hosts.size(); ++j) {
    const PowerState& ps = platform_.hosts[hosts[j]].pstates[p];
    const double busy = busy_round[j] == compute_round ? c.compute_s : rounds * busy_round[j];
    c.busy_s.push_back(busy);
    c.host_energy_j += busy * ps.all_cores_w + (c.compute_s - busy + c.sync_s) * ps.idle_w;
  }
  c.link_energy_j = rounds * link_dynamic_round;
  for (auto l : sync_links) c.link_energy_j += platform_.links[l].idle_w * c.time_s;
  c.transmit_energy_j = rounds * sr.transmit;
  c.energy_j = c.host_energy_j + c.link_energy_j + c.transmit_energy_j;
  for (auto [l, x] : sr.link_load) c.link_load.emplace_hint(c.link_load.end(), l, rounds * x);  // one round's, times rounds
  c.step_offsets = sr.step_offsets;
  c.step_links = sr.step_links;
  std::lock_guard lock(mutex_);
  return epoch_cache_.emplace(key, std::move(c)).first->second;
}

PlanCost CostModel::shipping(const std::vector<std::size_t>& sources, const Resources& res) const {
  const auto key = std::make_tuple(sources, res.cluster, res.nodes, res.pstate);
  {
    std::lock_guard lock(mutex_);
    auto it = shipping_cache_.find(key);
    if (it != shipping_cache_.end()) return it->second;
  }
  const auto hosts = segment_hosts(res.cluster, res.nodes);
  const auto p = static_cast<std::size_t>(res.pstate);
  const auto flows = shipping_flows(sources, hosts, p);
  PlanCost c;
  if (!flows.empty()) {
    const FlowOutcome o = simulate_flows(platform_, flows);
    c.time_s = c.shipping_s = o.makespan;
    for (auto h : hosts) c.energy_j += platform_.hosts[h].pstates[p].idle_w * o.makespan;
    c.energy_j += link_energy(platform_, flows, o);
    c.energy_j += transmit_energy(platform_, flows, o);
    for (const auto& f : flows)
      for (auto l : platform_.route(f.src, f.dst).links) c.links_used.insert(l);
    for (auto l : c.links_used) c.energy_j += platform_.links[l].idle_w * o.makespan;
    c.money = scenario_.clusters[res.cluster].price_per_node_s * static_cast<double>(hosts.size()) * o.makespan;
  }
  c.hosts_used.insert(hosts.begin(), hosts.end());
  std::lock_guard lock(mutex_);
  shipping_cache_.emplace(key, c);
  return c;
}

std::set<std::size_t> CostModel::shipping_links(const std::vector<std::size_t>& sources, const Resources& res) const {
  std::set<std::size_t> out;
  const auto hosts = segment_hosts(res.cluster, res.nodes);
  for (auto s : sources) {
    const auto src = *platform_.host_index(scenario_.data_sources.at(s).host);
    for (auto h : hosts)
      for (auto l : platform_.route(src, h).links) out.insert(l);
  }
  return out;
}

std::vector<Step> CostModel::epoch_steps(std::size_t version, const std::vector<std::size_t>& hosts, int pstate,
                                         double samples) const {
  const int rounds = scenario_.training.rounds_per_epoch;
  const auto sh = shares(hosts, static_cast<std::size_t>(pstate));
  const double flops_per_sample = scenario_.model.versions[version].flops_per_sample;
  const double flops = samples * flops_per_sample / rounds;
  Step compute;
  for (std::size_t j = 0; j < hosts.size(); ++j) {
    const HostView& hv = platform_.hosts[hosts[j]];
    // An unstructured version computes the dense flops, less what this host's sparse support saves.
    const double own = host_flops(version, hosts[j]);
    const double host_flops = own == flops_per_sample ? flops : samples * own / rounds;
    compute.compute.push_back({hosts[j], host_flops * sh[j] / hv.cores, hv.cores});
  }
  const auto sync = sync_steps(version, hosts);
  std::vector<Step> out;
  for (int r = 0; r < rounds; ++r) {
    out.push_back(compute);
    for (const auto& flows : sync) out.push_back(Step{{}, flows});
  }
  return out;
}

std::vector<SegmentProgram> CostModel::program(const Plan& plan, bool with_epoch_steps) const {
  std::vector<std::size_t> sources;
  double samples = 0;
  for (const auto& name : plan.data_sources) {
    const auto s = *scenario_.source_index(name);
    sources.push_back(s);
    samples += static_cast<double>(scenario_.data_sources[s].samples);
  }
  std::vector<SegmentProgram> out;
  for (const auto& seg : plan.segments) {
    SegmentProgram sp;
    sp.version = *scenario_.version_index(seg.version);
    sp.cluster = *scenario_.cluster_index(seg.cluster);
    sp.hosts = segment_hosts(sp.cluster, seg.nodes);
    sp.pstate = seg.pstate;
    sp.epochs = seg.epochs;
    const auto p = static_cast<std::size_t>(seg.pstate);
    const bool first = out.empty();
    if (first || sp.hosts != out.back().hosts) {
      // Data to every node of a new node set; the model from the old first node to the nodes that lack it.
      sp.entry = shipping_flows(sources, sp.hosts, p);
      if (!first) {
        const auto& prev = out.back().hosts;
        for (auto h : sp.hosts)
          if (std::find(prev.begin(), prev.end(), h) == prev.end())
            sp.entry.push_back({prev.front(), h, scenario_.dense_bytes(sp.version)});
      }
    }
    if (with_epoch_steps) set_epoch(sp, samples);
    out.push_back(std::move(sp));
  }
  return out;
}

const FlowOutcome& CostModel::entry_outcome(const std::vector<Flow>& flows) const {
  {
    std::lock_guard lock(mutex_);
    if (auto it = entry_cache_.find(flows); it != entry_cache_.end()) return it->second;
  }
  FlowOutcome o = simulate_flows(platform_, flows);
  std::lock_guard lock(mutex_);
  return entry_cache_.emplace(flows, std::move(o)).first->second;
}

double CostModel::plan_samples(const Plan& plan) const {
  double q = 0;
  for (const auto& name : plan.data_sources) q += static_cast<double>(scenario_.data_sources[*scenario_.source_index(name)].samples);
  return q;
}

PlanCost CostModel::evaluate(const Plan& plan) const {
  PlanCost out;
  const double samples = plan_samples(plan);
  // Hosts draw their power state's idle watts from first use to the end (accumulated per power-state
  // interval); phases add the energy above idle. Links draw idle watts from first use to the end, plus
  // (busy - idle) x load / bandwidth.
  // (Sorted vectors, not maps: a map node per entry made allocation most of evaluate's cost when planners evaluate
  // thousands of plans. They iterate in increasing index all the same.)
  boost::container::flat_map<std::size_t, double> host_since;
  boost::container::flat_map<std::size_t, std::size_t> host_pstate;
  boost::container::flat_map<std::size_t, double> link_first_use;
  double host_energy = 0;
  double link_dynamic = 0;
  double transmit = 0;  // the senders' radios (docs/model.md 4.13)
  double now = 0;
  auto set_pstate = [&](std::size_t h, std::size_t p) {
    if (auto was = host_pstate.find(h); was != host_pstate.end())
      host_energy += (now - host_since[h]) * platform_.hosts[h].pstates[was->second].idle_w;
    host_pstate[h] = p;
    host_since[h] = now;
  };
  auto use_links = [&](const std::vector<Flow>& flows, double at) {
    for (const auto& f : flows)
      for (auto l : platform_.route(f.src, f.dst).links) link_first_use.emplace(l, at);
  };
  // Dynamic energy on the links in use (those first used so far): what the executor's meters read, the 5%
  // cross-traffic a flow puts on its reverse route included wherever that route's links are in use.
  auto dynamic = [&](const std::map<std::size_t, double>& load) {
    double e = 0;
    for (auto [l, x] : load)
      if (link_first_use.contains(l)) e += (platform_.links[l].busy_w - platform_.links[l].idle_w) * x / platform_.links[l].bandwidth;
    return e;
  };
  for (const SegmentProgram& sp : program(plan, /*epoch_steps=*/false)) {
    const auto p = static_cast<std::size_t>(sp.pstate);
    for (auto h : sp.hosts) set_pstate(h, p);
    if (!sp.entry.empty()) {
      use_links(sp.entry, now);
      const FlowOutcome& o = entry_outcome(sp.entry);
      link_dynamic += dynamic(o.link_load_integral);
      transmit += transmit_energy(platform_, sp.entry, o);
      now += o.makespan;
      out.shipping_s += o.makespan;
      out.money += scenario_.clusters[sp.cluster].price_per_node_s * static_cast<double>(sp.hosts.size()) * o.makespan;
    }
    // Epochs: identical, so one is costed (epoch(), cached) and multiplied. A synchronisation step's links are
    // first used when that step first starts: after the first round's compute and the steps before it.
    const EpochCost& e = epoch_entry(sp.version, Resources{sp.cluster, static_cast<int>(sp.hosts.size()), sp.pstate}, samples);
    for (auto [l, at] : e.link_first_s) link_first_use.emplace(l, now + at);  // iterations mode
    const double compute_round = e.compute_s / scenario_.training.rounds_per_epoch;
    // (The epoch's steps are rounds x (compute, then the synchronisation steps); only the first step_offsets.size()
    // synchronisation steps with flows matter here: their links, as epoch_entry listed them.)
    for (std::size_t i = 0; i < e.step_links.size(); ++i)
      for (auto l : e.step_links[i]) link_first_use.emplace(l, now + compute_round + e.step_offsets[i]);
    for (std::size_t j = 0; j < sp.hosts.size(); ++j) {
      const PowerState& ps = platform_.hosts[sp.hosts[j]].pstates[p];
      host_energy += sp.epochs * e.busy_s[j] * (ps.all_cores_w - ps.idle_w);
    }
    link_dynamic += sp.epochs * dynamic(e.link_load);
    transmit += sp.epochs * e.transmit_energy_j;
    now += sp.epochs * e.time_s;
    out.money += scenario_.clusters[sp.cluster].price_per_node_s * static_cast<double>(sp.hosts.size()) * sp.epochs * e.time_s;
  }
  for (const auto& [h, p] : host_pstate) {
    host_energy += (now - host_since[h]) * platform_.hosts[h].pstates[p].idle_w;
    out.hosts_used.insert(out.hosts_used.end(), h);
  }
  double link_idle = 0;
  for (const auto& [l, t] : link_first_use) {
    link_idle += platform_.links[l].idle_w * (now - t);
    out.links_used.insert(out.links_used.end(), l);
  }
  out.time_s = now;
  out.energy_j = host_energy + link_idle + link_dynamic + transmit;
  return out;
}

double CostModel::plan_time(const Plan& plan) const { return sum_time(time_terms(plan)); }

std::vector<CostModel::TimeTerm> CostModel::time_terms(const Plan& plan) const {
  const double samples = plan_samples(plan);
  std::vector<TimeTerm> out;
  for (const SegmentProgram& sp : program(plan, /*epoch_steps=*/false)) {
    TimeTerm t;
    t.entry = !sp.entry.empty();
    if (t.entry) t.entry_s = entry_outcome(sp.entry).makespan;
    t.epoch_s = epoch_entry(sp.version, Resources{sp.cluster, static_cast<int>(sp.hosts.size()), sp.pstate}, samples).time_s;
    t.epochs = sp.epochs;
    out.push_back(t);
  }
  return out;
}

double CostModel::sum_time(const std::vector<TimeTerm>& terms) {
  // evaluate()'s clock, step for step: each entry's makespan, then the segment's epochs.
  double now = 0;
  for (const TimeTerm& t : terms) {
    if (t.entry) now += t.entry_s;
    now += t.epochs * t.epoch_s;
  }
  return now;
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
