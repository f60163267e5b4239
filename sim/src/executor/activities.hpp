// The SimGrid side of a step (docs/model.md 4.6-4.7): the routes resolved once, the energy meters of a replication,
// and one step run as activities — its computations (Exec on every core of a node) and communications
// (Comm::sendto_async) start together, and the step ends when all are done or as soon as a host of it goes off.
#pragma once

#include "deplsim/cost_model.hpp"

#include <simgrid/plugins/energy.h>
#include <simgrid/s4u.hpp>

#include <cstdint>
#include <map>
#include <set>
#include <utility>
#include <vector>

namespace deplsim::execution {

namespace sg4 = simgrid::s4u;

/// A link's energy counter since time 0: SimGrid's link energy plug-in's, and for the air of a Wi-Fi cell (a WIFI
/// link, which SimGrid 3.32's link energy plug-in does not meter, and whose Wi-Fi energy plug-in has no accessor) the
/// same integration done here: idle + (busy - idle) x the link's usage (its air time, capacity 1), with the watts
/// of its wattage_range (apply_wifi_cells), piecewise constant with the usage found at each read, as the plug-in.
double link_consumed_energy(sg4::Link* l);

/// Energy bookkeeping for one replication: each host and link is charged from its first use. Kept in order of
/// first use (never keyed by pointer: addresses change between runs, and so would the summation order).
class EnergyMeter {
public:
  void use_host(sg4::Host* h) {
    if (seen_hosts_.insert(h).second) {
      ++version_;
      hosts_.emplace_back(h, sg_host_get_consumed_energy(h));
      host_extra_.push_back(0.0);
    }
  }
  void use_link(sg4::Link* l) {
    if (seen_links_.insert(l).second) {
      ++version_;
      links_.emplace_back(l, link_consumed_energy(l));
      link_extra_.push_back(0.0);
    }
  }
  /// Brings every link's counter up to now. SimGrid's link energy plugin integrates a link's power as
  /// piecewise constant between updates, with the load found at the update; it updates on the start and end of
  /// communications crossing the link only. Reading at every instant where rates change (each flow's end of
  /// latency and each completion) makes that integration exact.
  void touch_links() {
    // Several events at one instant: the later touches would integrate empty intervals; skip them.
    const double now = sg4::Engine::get_clock();
    if (now == last_touch_) return;
    last_touch_ = now;
    for (auto* l : active_) (void)link_consumed_energy(l);
  }
  /// The links whose load can change during the current step: its flows' routes and reverse routes (the 5%
  /// cross-traffic). Every other link keeps its load (zero) through the step, so its piecewise-constant
  /// integration is exact without updates; touching only these keeps the meters exact and cheap.
  void set_active(std::vector<sg4::Link*> links) {
    std::sort(links.begin(), links.end());
    links.erase(std::unique(links.begin(), links.end()), links.end());
    active_ = std::move(links);
    // Bring the step's links up to its start (whatever touched others at this instant).
    for (auto* l : active_) (void)link_consumed_energy(l);
    last_touch_ = sg4::Engine::get_clock();
  }
  void clear_active() { active_.clear(); }
  /// The hosts' energy since their first use. Remembered for the instant: SimGrid's counters cannot change while the
  /// clock stands (an update integrates over no time), so a second sum at the same instant would be the same bits.
  [[nodiscard]] double hosts() const {
    const double now = sg4::Engine::get_clock();
    if (hosts_sum_.first == now && hosts_sum_version_ == version_) return hosts_sum_.second;
    double e = 0;
    each_host([&](const sg4::Host*, double x) { e += x; });
    hosts_sum_ = {now, e};
    hosts_sum_version_ = version_;
    return e;
  }
  /// Each host charged, in order of first use, with its energy since then.
  template <class F>
  void each_host(F&& f) const {
    for (std::size_t i = 0; i < hosts_.size(); ++i)
      f(hosts_[i].first, sg_host_get_consumed_energy(hosts_[i].first) - hosts_[i].second + host_extra_[i]);
  }
  /// Each link charged, in order of first use, with its energy since then.
  template <class F>
  void each_link(F&& f) const {
    for (std::size_t i = 0; i < links_.size(); ++i)
      f(links_[i].first, link_consumed_energy(links_[i].first) - links_[i].second + link_extra_[i]);
  }
  /// The senders' radios (hosts declaring transmit_w, docs/model.md 4.13): charged by run_step per phase.
  void add_transmit(double joules) { transmit_ += joules; }
  [[nodiscard]] double transmit() const { return transmit_; }
  /// The links' energy since their first use (remembered for the instant, as hosts()).
  [[nodiscard]] double links() const {
    const double now = sg4::Engine::get_clock();
    if (links_sum_.first == now && links_sum_version_ == version_) return links_sum_.second;
    double e = 0;
    each_link([&](const sg4::Link*, double x) { e += x; });
    links_sum_ = {now, e};
    links_sum_version_ = version_;
    return e;
  }

  /// What every host and link charged so far has consumed (SimGrid's counters, composed copies included), and the
  /// radios' energy.
  struct Reading {
    std::vector<double> hosts;
    std::vector<double> links;
    double transmit = 0.0;
  };
  [[nodiscard]] Reading read() const {
    Reading r;
    for (std::size_t i = 0; i < hosts_.size(); ++i) r.hosts.push_back(sg_host_get_consumed_energy(hosts_[i].first) + host_extra_[i]);
    for (std::size_t i = 0; i < links_.size(); ++i) r.links.push_back(link_consumed_energy(links_[i].first) + link_extra_[i]);
    r.transmit = transmit_;
    return r;
  }
  /// Composition (docs/model.md 4.14): what happened between readings `a` and `b` stands for `times` more copies of
  /// itself, played during the idle stretch between `b` and now (of the copies' duration). Each host and link is
  /// charged the copies' energy instead of what it drew in that stretch; a host or link first charged after `a`
  /// counts from its first use.
  void repeat(const Reading& a, const Reading& b, double times) {
    ++version_;
    const Reading c = read();
    for (std::size_t i = 0; i < hosts_.size(); ++i) {
      const double from = i < a.hosts.size() ? a.hosts[i] : hosts_[i].second;
      host_extra_[i] += times * (b.hosts[i] - from) - (c.hosts[i] - b.hosts[i]);
    }
    for (std::size_t i = 0; i < links_.size(); ++i) {
      const double from = i < a.links.size() ? a.links[i] : links_[i].second;
      link_extra_[i] += times * (b.links[i] - from) - (c.links[i] - b.links[i]);
    }
    transmit_ += times * (b.transmit - a.transmit);
  }
  /// Composition by pattern (iteration_patterns.hpp): copies of iterations played during the idle stretch between
  /// reading `b` and now, `total_s` long. Host i (link i) was the copies' own for `own_s[i]` of it, during which they
  /// drew `drawn[i]` on it (index beyond a vector: none); it is charged that instead of what it drew asleep for that
  /// share of the stretch (its draw asleep is constant: its idle power). What the others drew asleep stands.
  void add_composed(const Reading& b, double total_s, const std::vector<double>& host_drawn, const std::vector<double>& host_own_s,
                    const std::vector<double>& link_drawn, const std::vector<double>& link_own_s, double transmit) {
    ++version_;
    const Reading c = read();
    for (std::size_t i = 0; i < hosts_.size() && i < host_own_s.size(); ++i)
      if (host_own_s[i] > 0) host_extra_[i] += host_drawn[i] - (c.hosts[i] - b.hosts[i]) * (host_own_s[i] / total_s);
    for (std::size_t i = 0; i < links_.size() && i < link_own_s.size(); ++i)
      if (link_own_s[i] > 0) link_extra_[i] += link_drawn[i] - (c.links[i] - b.links[i]) * (link_own_s[i] / total_s);
    transmit_ += transmit;
  }
  /// Link i's counter when it was first charged, and the link.
  [[nodiscard]] double link_base(std::size_t i) const { return links_[i].second; }
  [[nodiscard]] sg4::Link* link_at(std::size_t i) const { return links_[i].first; }
  /// A host's (link's) meter index, or npos when it is not charged.
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);
  [[nodiscard]] std::size_t host_slot(const sg4::Host* h) const {
    for (std::size_t i = 0; i < hosts_.size(); ++i)
      if (hosts_[i].first == h) return i;
    return npos;
  }
  [[nodiscard]] std::size_t link_slot(const sg4::Link* l) const {
    for (std::size_t i = 0; i < links_.size(); ++i)
      if (links_[i].first == l) return i;
    return npos;
  }
  /// How many hosts and links are charged (it only grows).
  [[nodiscard]] std::size_t size() const { return hosts_.size() + links_.size(); }
  [[nodiscard]] std::size_t host_count() const { return hosts_.size(); }
  [[nodiscard]] std::size_t link_count() const { return links_.size(); }
  /// The hosts then the links charged, in order of first use (a null pointer between them).
  [[nodiscard]] std::vector<const void*> layout() const {
    std::vector<const void*> out;
    out.reserve(hosts_.size() + links_.size() + 1);
    for (const auto& [h, e] : hosts_) out.push_back(h);
    out.push_back(nullptr);
    for (const auto& [l, e] : links_) out.push_back(l);
    return out;
  }

private:
  std::set<sg4::Host*> seen_hosts_;
  std::set<sg4::Link*> seen_links_;
  std::vector<std::pair<sg4::Host*, double>> hosts_;
  std::vector<std::pair<sg4::Link*, double>> links_;
  std::vector<double> host_extra_;  // by hosts_ index: energy of composed iterations over what SimGrid charged then
  std::vector<double> link_extra_;  // by links_ index: the same for links
  std::vector<sg4::Link*> active_;
  double last_touch_ = -1;
  double transmit_ = 0.0;
  std::uint64_t version_ = 0;  // changes with the hosts and links charged and their extras
  mutable std::pair<double, double> hosts_sum_{-1.0, 0.0}, links_sum_{-1.0, 0.0};  // (instant, sum)
  mutable std::uint64_t hosts_sum_version_ = 0, links_sum_version_ = 0;
};

/// Iterations mode: a node straggling in one iteration, as (iteration, position in the segment's hosts).
using Straggle = std::pair<long long, std::uint32_t>;

/// The platform as SimGrid objects: hosts by view index, routes looked up once.
struct Resolved {
  std::vector<sg4::Host*> hosts;                    // by view index
  std::vector<double> transmit_w;                   // by view index: the host's radio watts while it sends (0: none)
  double latency_factor = 1.0;
  std::map<std::pair<std::size_t, std::size_t>, std::vector<sg4::Link*>> routes;  // links by (src, dst)
  std::map<std::pair<std::size_t, std::size_t>, double> latency_phase;            // route latency x latency factor

  // The route of a flow (looked up once; revised plans may need new ones).
  const std::vector<sg4::Link*>& route(const Flow& f) {
    auto it = routes.find({f.src, f.dst});
    if (it != routes.end()) return it->second;
    std::vector<sg4::Link*> links;
    double latency = 0;
    hosts[f.src]->route_to(hosts[f.dst], links, &latency);
    latency_phase[{f.src, f.dst}] = latency * latency_factor;
    return routes.emplace(std::make_pair(f.src, f.dst), links).first->second;
  }
};

/// The senders' radios (docs/model.md 4.13): each host with transmit_w draws it from the phase's `start` until its
/// last flow of `flows` (started as `comms`, in the same order) ends — or now, for flows cut short by a failure.
void charge_transmit(const std::vector<Flow>& flows, const std::vector<sg4::CommPtr>& comms, const Resolved& r,
                     double start, EnergyMeter& meter);

/// Runs one step: its computations and communications start together; returns when all are done, or false as soon as
/// one fails because a host went off (then the others are cancelled). `slow[h]` > 1 makes host h compute that much
/// slower (a straggler or a user's speed event). Counts the activities started in `activities`.
bool run_step(const Step& step, Resolved& r, EnergyMeter& meter, long long& activities,
              const std::map<std::size_t, double>* slow = nullptr);

/// Runs one data-parallel iteration (iterations mode, docs/model.md 4.14): each node, after its fixed overhead, its
/// forward pass then its backward pass in one execution per gradient bucket; each bucket's collective, step by step,
/// once every node has produced it and the previous bucket's is done. Returns when all are done, or false as soon as
/// a host of it goes off. `slow` as for run_step.
bool run_iteration(const IterationWork& work, Resolved& r, EnergyMeter& meter, long long& activities,
                   const std::map<std::size_t, double>* slow = nullptr);

} // namespace deplsim::execution
