// The synchronisation collectives of the cost model (docs/model.md 4.2, 4.14): a ring all-reduce, a parameter server,
// or hierarchical rings within and across the groups of nodes that share a zone — each as steps of flows that start
// together, one step after the other, which the executor runs and the network replay times.
#include "deplsim/cost_model.hpp"

#include <algorithm>
#include <string>

namespace deplsim {

std::vector<std::vector<Flow>> CostModel::sync_steps(std::size_t version, const std::vector<std::size_t>& hosts) const {
  return collective_steps(scenario_.dense_bytes(version), hosts);
}

std::vector<std::vector<Flow>> CostModel::collective_steps(double bytes, const std::vector<std::size_t>& hosts) const {
  std::vector<std::vector<Flow>> steps;
  const std::size_t n = hosts.size();
  if (n < 2) return steps;
  if (scenario_.training.sync == SyncKind::parameter_server) {
    // Parameter server on the first node: gradients up, then the model down.
    std::vector<Flow> up;
    std::vector<Flow> down;
    for (std::size_t i = 1; i < n; ++i) {
      up.push_back({hosts[i], hosts[0], bytes});
      down.push_back({hosts[0], hosts[i], bytes});
    }
    steps.push_back(up);
    steps.push_back(down);
    return steps;
  }
  if (scenario_.training.sync == SyncKind::hierarchical) {
    steps = hierarchical_steps(bytes, hosts);
    if (!steps.empty()) return steps;
  }
  // Ring all-reduce: 2(n-1) steps (reduce-scatter then all-gather), each node sends S/n bytes to the next.
  std::vector<Flow> step;
  for (std::size_t i = 0; i < n; ++i) step.push_back({hosts[i], hosts[(i + 1) % n], bytes / static_cast<double>(n)});
  steps.assign(2 * (n - 1), step);
  return steps;
}

std::vector<std::vector<std::size_t>> hierarchical_groups(const PlatformView& platform, const std::vector<std::size_t>& hosts) {
  std::vector<std::string> zones;
  std::vector<std::vector<std::size_t>> groups;
  for (auto h : hosts) {
    const HostView& hv = platform.hosts[h];
    const std::string& z = hv.zones.empty() ? hv.name : hv.zones.front();
    const auto it = std::find(zones.begin(), zones.end(), z);
    if (it == zones.end()) {
      zones.push_back(z);
      groups.push_back({h});
    } else {
      groups[static_cast<std::size_t>(it - zones.begin())].push_back(h);
    }
  }
  const std::size_t m = groups.empty() ? 0 : groups.front().size();
  if (groups.size() < 2 || m < 2 || std::any_of(groups.begin(), groups.end(), [&](const auto& x) { return x.size() != m; }))
    return {};
  return groups;
}

std::vector<std::vector<Flow>> CostModel::hierarchical_steps(double bytes, const std::vector<std::size_t>& hosts) const {
  const auto groups = hierarchical_groups(platform_, hosts);
  if (groups.empty()) return {};  // one group, single nodes or unequal groups: the flat ring
  const std::size_t g = groups.size();
  const std::size_t m = groups.front().size();
  const double shard = bytes / static_cast<double>(m);
  // 1. Reduce-scatter within every group at once: m - 1 steps, member i sends a shard to member i + 1.
  std::vector<Flow> within;
  for (const auto& grp : groups)
    for (std::size_t i = 0; i < m; ++i) within.push_back({grp[i], grp[(i + 1) % m], shard});
  // 2. Member i of every group holds shard i reduced over its group: a ring all-reduce of it across the groups'
  //    i-th members, all shards at once: 2(g - 1) steps of shard / g.
  std::vector<Flow> across;
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t k = 0; k < g; ++k) across.push_back({groups[k][i], groups[(k + 1) % g][i], shard / static_cast<double>(g)});
  std::vector<std::vector<Flow>> steps(m - 1, within);
  steps.insert(steps.end(), 2 * (g - 1), across);
  // 3. All-gather within every group: m - 1 steps of a shard.
  steps.insert(steps.end(), m - 1, within);
  return steps;
}

} // namespace deplsim
