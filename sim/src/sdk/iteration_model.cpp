// Iterations mode of the cost model (docs/model.md 4.14): an epoch as data-parallel iterations of a global batch,
// each a forward and a backward pass on every node, the gradients synchronised in buckets whose collectives overlap
// the rest of the backward pass; identical iterations are timed once and composed.
#include "deplsim/cost_model.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>

namespace deplsim {

void CostModel::set_epoch(SegmentProgram& sp, double samples) const {
  if (scenario_.training.mode == TrainingMode::iterations) {
    sp.epoch.clear();
    sp.iterations = epoch_iterations(sp.version, sp.hosts, sp.pstate, samples);
  } else {
    sp.iterations.clear();
    sp.epoch = epoch_steps(sp.version, sp.hosts, sp.pstate, samples);
  }
}

std::vector<IterationBlock> CostModel::epoch_iterations(std::size_t version, const std::vector<std::size_t>& hosts, int pstate,
                                                      double samples) const {
  const Training& tr = scenario_.training;
  const auto batch = static_cast<double>(std::max(1, scenario_.model.batch_size));
  const long long count = scenario_.iterations_per_epoch(samples);
  const double last_batch = samples - static_cast<double>(count - 1) * batch;
  const auto sh = shares(hosts, static_cast<std::size_t>(pstate));
  // Buckets: full ones of bucket_bytes, the last with the rest (the same for every synchronising iteration).
  std::vector<IterationWork::Bucket> buckets;
  if (hosts.size() >= 2) {
    const double model = scenario_.dense_bytes(version);
    const auto k = static_cast<long long>(std::max(1.0, std::ceil(model / tr.bucket_bytes)));
    for (long long b = 0; b < k; ++b) {
      const double bytes = b + 1 < k ? tr.bucket_bytes : model - static_cast<double>(k - 1) * tr.bucket_bytes;
      buckets.push_back({bytes / model, collective_steps(bytes, hosts)});
    }
  }
  auto work = [&](double samples_in_batch, bool sync) {
    auto w = std::make_shared<IterationWork>();
    w->pstate = pstate;
    for (std::size_t j = 0; j < hosts.size(); ++j) {
      const HostView& hv = platform_.hosts[hosts[j]];
      const double per_thread = samples_in_batch * host_flops(version, hosts[j]) * sh[j] / hv.cores;
      w->nodes.push_back({hosts[j], hv.cores, per_thread * (1.0 - tr.backward_share), per_thread * tr.backward_share,
                          host_overhead(version, hosts[j])});
    }
    if (sync) w->buckets = buckets;
    return std::shared_ptr<const IterationWork>(std::move(w));
  };
  // Iterations 1..count: a full batch each but the last; a synchronisation every H-th and at the last.
  std::vector<IterationBlock> blocks;
  const long long h = tr.sync_every;
  const long long before_last = count - 1;
  if (h == 1) {
    const long long full = before_last + (last_batch == batch ? 1 : 0);  // the last may be like the others
    if (full > 0) blocks.push_back({{{work(batch, true), full}}, 1});
    if (last_batch != batch) blocks.push_back({{{work(last_batch, true), 1}}, 1});
    return blocks;
  }
  const auto local = work(batch, false);
  if (before_last / h > 0) blocks.push_back({{{local, h - 1}, {work(batch, true), 1}}, before_last / h});
  if (before_last % h > 0) blocks.push_back({{{local, before_last % h}}, 1});
  blocks.push_back({{{work(last_batch, true), 1}}, 1});
  return blocks;
}

IterationCost CostModel::iteration_cost(const IterationWork& w) const {
  IterationCost c;
  const std::size_t n = w.nodes.size();
  const auto p = static_cast<std::size_t>(w.pstate);
  std::vector<double> at(n);        // when each node's current part ends
  std::vector<double> backward(n);  // each node's backward pass, seconds
  for (std::size_t j = 0; j < n; ++j) {
    const IterationWork::Node& nd = w.nodes[j];
    const double speed = platform_.hosts[nd.host].pstates[p].speed;  // per core: each thread has one
    at[j] = nd.overhead_s + nd.forward_flops_per_thread / speed;
    backward[j] = nd.backward_flops_per_thread / speed;
    c.busy_s.push_back(nd.forward_flops_per_thread / speed + backward[j]);
  }
  // Identical steps (every full bucket's) are replayed once, with their energies and links: a step seen before
  // adds the same terms, and its links are already in link_first_s (with the earlier, first, use).
  struct Replayed {
    const std::vector<Flow>* flows;
    FlowOutcome outcome;
    double link_dynamic_j;
    double transmit_j;
  };
  std::vector<Replayed> replayed;
  double stream = 0.0;  // when the communication stream is free
  for (const auto& bucket : w.buckets) {
    double ready = 0.0;
    for (std::size_t j = 0; j < n; ++j) ready = std::max(ready, at[j] += backward[j] * bucket.share);
    double t = std::max(ready, stream);
    for (const auto& step : bucket.steps) {
      const Replayed* r = nullptr;
      for (const auto& x : replayed)
        if (*x.flows == step) r = &x;
      if (r == nullptr) {
        FlowOutcome o = simulate_flows(platform_, step);
        const double dynamic = link_energy(platform_, step, o);
        const double transmit = transmit_energy(platform_, step, o);
        r = &replayed.emplace_back(Replayed{&step, std::move(o), dynamic, transmit});
        for (const auto& f : step)
          for (auto l : platform_.route(f.src, f.dst).links) c.link_first_s.emplace(l, t);
      }
      t += r->outcome.makespan;
      c.link_dynamic_j += r->link_dynamic_j;
      c.transmit_j += r->transmit_j;
      for (auto [l, x] : r->outcome.link_load_integral) c.link_load[l] += x;
    }
    stream = t;
  }
  c.time_s = stream;
  for (std::size_t j = 0; j < n; ++j) c.time_s = std::max(c.time_s, w.buckets.empty() ? at[j] + backward[j] : at[j]);
  return c;
}

EpochCost CostModel::iteration_epoch(std::size_t version, const std::vector<std::size_t>& hosts, int pstate,
                                     double samples) const {
  const auto blocks = epoch_iterations(version, hosts, pstate, samples);
  std::deque<std::pair<const IterationWork*, IterationCost>> costed;  // each distinct work once (stable references)
  EpochCost c;
  c.busy_s.assign(hosts.size(), 0.0);
  auto cost_of = [&](const IterationWork* w) -> const IterationCost& {
    auto it = std::find_if(costed.begin(), costed.end(), [&](const auto& x) { return x.first == w; });
    if (it != costed.end()) return it->second;
    return costed.emplace_back(w, iteration_cost(*w)).second;
  };
  double block_start = 0.0;  // the epoch's time when the block starts
  for (const auto& block : blocks) {
    double in_block = 0.0;  // time into the block's first repetition
    for (const auto& run : block.runs) {
      const IterationCost& ic = cost_of(run.work.get());
      if (c.link_first_s.empty())  // the first synchronising iteration: where its links are first used
        for (auto [l, t] : ic.link_first_s) c.link_first_s.emplace(l, block_start + in_block + t);
      in_block += static_cast<double>(run.count) * ic.time_s;
    }
    block_start += static_cast<double>(block.repeat) * in_block;
  }
  for (const auto& block : blocks)
  for (const auto& run : block.runs) {
    const IterationCost& ic = cost_of(run.work.get());
    const auto k = static_cast<double>(run.count) * static_cast<double>(block.repeat);
    c.time_s += k * ic.time_s;
    double slowest = 0.0;
    for (std::size_t j = 0; j < hosts.size(); ++j) {
      c.busy_s[j] += k * ic.busy_s[j];
      slowest = std::max(slowest, ic.busy_s[j]);
    }
    c.compute_s += k * slowest;
    c.link_energy_j += k * ic.link_dynamic_j;
    c.transmit_energy_j += k * ic.transmit_j;
    for (auto [l, x] : ic.link_load) c.link_load[l] += k * x;
  }
  c.sync_s = c.time_s - c.compute_s;  // communication the backward pass did not hide, and the fixed overheads
  const auto p = static_cast<std::size_t>(pstate);
  for (std::size_t j = 0; j < hosts.size(); ++j) {
    const PowerState& ps = platform_.hosts[hosts[j]].pstates[p];
    c.host_energy_j += c.busy_s[j] * ps.all_cores_w + (c.time_s - c.busy_s[j]) * ps.idle_w;
  }
  for (auto [l, t] : c.link_first_s) c.link_energy_j += platform_.links[l].idle_w * c.time_s;
  c.energy_j = c.host_energy_j + c.link_energy_j + c.transmit_energy_j;
  return c;
}

} // namespace deplsim
