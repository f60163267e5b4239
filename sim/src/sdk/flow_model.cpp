// Fluid replay of SimGrid's flow-level network model (CM02 family: LV08 by default) for a set of flows that
// start together. Each flow first pays its route latency times the latency factor; then it competes for the
// links with the others: weighted max-min sharing (weights 1/penalty, penalty = raw latency + weight-S/bw per
// link), each flow bounded by its narrowest link and by TCP-gamma / (2 x raw latency); with cross-traffic on,
// a flow also loads its reverse route at 5% of its rate. The progress rate is the share times the
// bandwidth factor. A Wi-Fi cell's air is a constraint of capacity 1 on which a flow weighs 1/rate per station
// end (and 5% more with cross-traffic), as SimGrid's WIFI links. This mirrors what SimGrid's LMM solver computes, so that planners can predict
// communication times without running SimGrid; tests pin it against SimGrid itself.
#include "deplsim/cost_model.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <tuple>

namespace deplsim {
namespace {

struct FlowState {
  std::vector<std::pair<std::size_t, double>> uses;  // (link, coefficient)
  double activation = 0.0;  // end of the latency phase
  double remaining = 0.0;   // bytes
  double size = 0.0;
  double penalty = 1.0;
  double bound = std::numeric_limits<double>::infinity();
  double value = 0.0;       // LMM variable value (bytes/s before the bandwidth factor)
  double count = 1.0;       // identical flows (same ends, same bytes) it stands for: they share alike
  bool done = false;
};

void add_use(std::vector<std::pair<std::size_t, double>>& uses, std::size_t link, double coeff, bool fatpipe) {
  for (auto& [l, c] : uses)
    if (l == link) {
      c = fatpipe ? std::max(c, coeff) : c + coeff;
      return;
    }
  uses.emplace_back(link, coeff);
}

// Weighted max-min with bounds, by progressive filling (what lmm::System::solve computes). A shared link's
// level is its remaining capacity over the sum of c/penalty of its unfixed flows, and fixed flows consume its
// capacity; a FATPIPE link's level is its capacity over the largest c/penalty, and it is never consumed.
// Every flow on the binding link (or at its own bound) is fixed at level / penalty (or its bound).
void share(const PlatformView& pf, std::vector<FlowState*>& active) {
  const double inf = std::numeric_limits<double>::infinity();
  // The links in use (in increasing id) and, per link, its flows in the order of `active` with their coefficients:
  // a link's usage is summed over its own flows only, in the same order as over all flows.
  std::vector<std::size_t> links;
  for (auto* f : active)
    for (auto [l, c] : f->uses) links.push_back(l);
  std::sort(links.begin(), links.end());
  links.erase(std::unique(links.begin(), links.end()), links.end());
  auto slot_of = [&](std::size_t l) { return static_cast<std::size_t>(std::lower_bound(links.begin(), links.end(), l) - links.begin()); };
  std::vector<double> remaining(links.size());
  for (std::size_t k = 0; k < links.size(); ++k) remaining[k] = pf.links[links[k]].bandwidth;  // a Wi-Fi air's: 1
  std::vector<std::vector<std::pair<std::size_t, double>>> on(links.size());  // (index in active, coefficient)
  std::vector<std::vector<std::size_t>> slots(active.size());                  // per flow: its uses' slots
  for (std::size_t i = 0; i < active.size(); ++i)
    for (auto [l, c] : active[i]->uses) {
      const std::size_t k = slot_of(l);
      on[k].emplace_back(i, c);
      slots[i].push_back(k);
    }
  std::vector<bool> fixed(active.size(), false);
  // SimGrid's solver lets go of a shared link once the usage of its unfixed flows (the sum of c / penalty) falls
  // under maxmin/precision (1e-5) as flows are fixed elsewhere: it no longer limits them in this solve. On wired
  // links that sum is never so small (a penalty is a fraction of a second); on a Wi-Fi cell's air (c = 1/rate, a
  // penalty of about weight-S) it always is, so once one flow through the air is fixed by another link, the others
  // are no longer held to the air (measured against SimGrid: network_model_pin_wifi).
  std::vector<bool> dropped(links.size(), false);
  const double precision = pf.network.maxmin_precision;
  std::size_t left = active.size();
  auto link_level = [&](std::size_t k) {
    if (dropped[k]) return inf;
    const bool fatpipe = pf.links[links[k]].fatpipe;
    double usage = 0;
    for (auto [i, c] : on[k])
      if (!fixed[i]) usage = fatpipe ? std::max(usage, c / active[i]->penalty) : usage + c * active[i]->count / active[i]->penalty;
    return usage > 0 ? std::max(0.0, remaining[k]) / usage : inf;
  };
  std::vector<double> levels(links.size());
  std::vector<bool> binding(links.size());
  while (left > 0) {
    double level = inf;
    for (std::size_t k = 0; k < links.size(); ++k) {
      levels[k] = link_level(k);
      level = std::min(level, levels[k]);
    }
    for (std::size_t i = 0; i < active.size(); ++i)
      if (!fixed[i]) level = std::min(level, active[i]->bound * active[i]->penalty);
    if (!std::isfinite(level)) {  // nothing limits these flows (not expected on real routes)
      for (std::size_t i = 0; i < active.size(); ++i)
        if (!fixed[i]) active[i]->value = inf;
      break;
    }
    for (std::size_t k = 0; k < links.size(); ++k) binding[k] = levels[k] <= level * (1 + 1e-12);
    std::vector<std::size_t> to_fix;
    for (std::size_t i = 0; i < active.size(); ++i) {
      if (fixed[i]) continue;
      bool fix = active[i]->bound * active[i]->penalty <= level * (1 + 1e-12);
      for (auto k : slots[i]) fix = fix || binding[k];
      if (fix) to_fix.push_back(i);
    }
    if (to_fix.empty()) break;  // numerical safety
    for (auto i : to_fix) {
      active[i]->value = std::min(active[i]->bound, level / active[i]->penalty);
      fixed[i] = true;
      --left;
    }
    std::vector<std::size_t> touched;
    for (auto i : to_fix)
      for (std::size_t u = 0; u < active[i]->uses.size(); ++u) {
        const auto [l, c] = active[i]->uses[u];
        if (pf.links[l].fatpipe) continue;
        remaining[slots[i][u]] -= c * active[i]->count * active[i]->value;
        touched.push_back(slots[i][u]);
      }
    for (auto k : touched) {
      if (dropped[k]) continue;
      double usage = 0;
      bool unfixed = false;
      for (auto [i, c] : on[k])
        if (!fixed[i]) {
          usage += c * active[i]->count / active[i]->penalty;
          unfixed = true;
        }
      if (unfixed && usage < precision) dropped[k] = true;
    }
  }
}

} // namespace

FlowOutcome simulate_flows(const PlatformView& pf, const std::vector<Flow>& all) {
  const NetworkSettings& net = pf.network;
  FlowOutcome out;
  // Identical flows (same source, destination and size) get the same share at every instant: one state stands
  // for all of them (weighted by their count), so that the replay costs O(distinct flows^2), not O(flows^2).
  std::vector<Flow> flows;
  std::vector<std::size_t> group_of(all.size());
  std::vector<double> counts;
  {
    std::map<std::tuple<std::size_t, std::size_t, double>, std::size_t> seen;
    for (std::size_t i = 0; i < all.size(); ++i) {
      const auto [it, fresh] = seen.emplace(std::make_tuple(all[i].src, all[i].dst, all[i].bytes), flows.size());
      if (fresh) {
        flows.push_back(all[i]);
        counts.push_back(0.0);
      }
      group_of[i] = it->second;
      counts[it->second] += 1.0;
    }
  }
  out.finish.assign(flows.size(), 0.0);
  std::vector<FlowState> st(flows.size());
  for (std::size_t i = 0; i < flows.size(); ++i) {
    const RouteView& r = pf.route(flows[i].src, flows[i].dst);
    FlowState& f = st[i];
    f.count = counts[i];
    // SimGrid takes a communication's size in whole bytes (Comm::sendto_async: uint64_t), rounding a fraction down.
    f.remaining = std::floor(flows[i].bytes);
    f.size = f.remaining;
    f.activation = r.latency * net.latency_factor;
    f.penalty = r.latency;
    double min_bw = std::numeric_limits<double>::infinity();
    // A Wi-Fi cell's air (a WIFI link) can only begin a route (the source is a station) or end it (the destination
    // is): there the flow takes 1/rate of the air per byte/s, the station's rate; the air bounds no flow by itself.
    const auto air = [&](std::size_t pos, std::size_t host) {
      return pos < r.links.size() && pf.links[r.links[pos]].wifi ? pf.links[r.links[pos]].wifi_rate(host) : 0.0;
    };
    const double src_rate = air(0, flows[i].src);
    const double dst_rate = r.links.size() > 1 ? air(r.links.size() - 1, flows[i].dst) : 0.0;
    if (src_rate > 0) add_use(f.uses, r.links.front(), 1.0 / src_rate, false);
    if (dst_rate > 0) add_use(f.uses, r.links.back(), 1.0 / dst_rate, false);
    for (auto l : r.links) {
      if (net.weight_s > 0) f.penalty += net.weight_s / pf.links[l].bandwidth;
      if (pf.links[l].wifi) continue;
      add_use(f.uses, l, 1.0, pf.links[l].fatpipe);
      min_bw = std::min(min_bw, pf.links[l].bandwidth);
    }
    if (net.crosstraffic) {
      if (dst_rate > 0) add_use(f.uses, r.links.back(), 0.05 / dst_rate, false);
      if (src_rate > 0) add_use(f.uses, r.links.front(), 0.05 / src_rate, false);
      if (pf.has_route(flows[i].dst, flows[i].src))
        for (auto l : pf.route(flows[i].dst, flows[i].src).links)
          if (!pf.links[l].wifi) add_use(f.uses, l, 0.05, pf.links[l].fatpipe);
    }
    f.bound = min_bw;
    if (r.latency > 0 && net.tcp_gamma > 0) f.bound = std::min(f.bound, net.tcp_gamma / (2.0 * r.latency));
    if (r.latency <= 0) f.penalty = 1.0;  // SimGrid gives a zero-latency flow weight 1 and never changes it
  }

  double now = 0.0;
  std::size_t left = flows.size();
  while (left > 0) {
    std::vector<FlowState*> active;
    double next_activation = std::numeric_limits<double>::infinity();
    for (auto& f : st) {
      if (f.done) continue;
      if (f.activation <= now) active.push_back(&f);
      else next_activation = std::min(next_activation, f.activation);
    }
    // Flows whose latency has been paid and that have nothing left finish at once.
    bool finished_any = false;
    for (std::size_t i = 0; i < st.size(); ++i)
      if (!st[i].done && st[i].activation <= now && st[i].remaining <= 0) {
        st[i].done = true;
        out.finish[i] = now;
        --left;
        finished_any = true;
      }
    if (finished_any) continue;
    if (active.empty()) {
      now = next_activation;
      continue;
    }
    share(pf, active);
    double dt = next_activation - now;
    for (auto* f : active) {
      const double rate = f->value * net.bandwidth_factor;
      if (rate > 0) dt = std::min(dt, f->remaining / rate);
    }
    if (!std::isfinite(dt)) dt = 0;
    // Link loads as SimGrid reports them: the sum of c x value on a shared link, the largest on a FATPIPE.
    std::map<std::size_t, double> load;
    for (auto* f : active) {
      const double rate = f->value * net.bandwidth_factor;
      f->remaining -= rate * dt;
      if (f->remaining <= 1e-12 * f->size) f->remaining = 0;  // rounding residue of the last step
      if (!std::isfinite(f->value)) continue;
      for (auto [l, c] : f->uses) {
        double& x = load[l];
        x = pf.links[l].fatpipe ? std::max(x, c * f->value) : x + c * f->count * f->value;
      }
    }
    for (auto [l, x] : load) out.link_load_integral[l] += x * dt;
    now += dt;
    for (std::size_t i = 0; i < st.size(); ++i)
      if (!st[i].done && st[i].activation <= now && st[i].remaining <= 0) {
        st[i].done = true;
        out.finish[i] = now;
        --left;
      }
  }
  for (double t : out.finish) out.makespan = std::max(out.makespan, t);
  std::vector<double> finish(all.size());
  for (std::size_t i = 0; i < all.size(); ++i) finish[i] = out.finish[group_of[i]];
  out.finish = std::move(finish);
  return out;
}

} // namespace deplsim
