// Fault injection in a replication (see fault_injection.hpp).
#include "executor/fault_injection.hpp"

#include "executor/replication.hpp"
#include "random/rng.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>

namespace deplsim::execution {

FaultInjector::FaultInjector(Simulation& sim, int replication, double t0, CostTrace& trace, const int& epoch)
    : sim_(sim), rep_(replication), t0_(t0), trace_(trace), epoch_(epoch) {}

FaultInjector::~FaultInjector() { stop(); }

bool FaultInjector::user_events() const { return !sim_.options.faults.events.empty(); }

double FaultInjector::now_rel() const { return sg4::Engine::get_clock() - t0_; }

void FaultInjector::start() {
  if (!sim_.faulty) return;
  for (auto [h, c] : sim_.fallible)
    if (sim_.scenario.clusters[c].mtbf_s > 0) start_random_failures(h, c);
  if (!sim_.options.faults.events.empty()) start_user_events();
}

void FaultInjector::stop() {
  for (auto& a : injectors_) a->kill();
  injectors_.clear();
}

// A node's failures: up for an exponential time of mean mtbf_s, then down for one of mean mttr_s, and so on.
void FaultInjector::start_random_failures(std::size_t h, std::size_t c) {
  const Cluster& cl = sim_.scenario.clusters[c];
  sg4::Host* host = sim_.r.hosts[h];
  const std::uint64_t seed = sim_.options.seed;
  const auto hi = static_cast<std::uint32_t>(h);
  const auto rr = static_cast<std::uint32_t>(rep_);
  injectors_.push_back(sg4::Actor::create("faults-" + host->get_name(), sim_.controller, [this, &cl, host, seed, hi, rr] {
    for (std::uint32_t i = 0;; i += 2) {
      const double up = -cl.mtbf_s * std::log(uniform01(StreamKey{seed, Purpose::evaluation, StreamKind::fault, rr, 0, hi, i}));
      sg4::this_actor::sleep_for(up);
      host->turn_off();
      trace_.events.push_back({now_rel(), epoch_, "off " + host->get_name()});
      const double down = -cl.mttr_s * std::log(uniform01(StreamKey{seed, Purpose::evaluation, StreamKind::fault, rr, 0, hi, i + 1}));
      sg4::this_actor::sleep_for(down);
      host->turn_on();
      trace_.events.push_back({now_rel(), epoch_, "on " + host->get_name()});
    }
  }));
}

// The user's events file, replayed relative to the replication's start.
void FaultInjector::start_user_events() {
  injectors_.push_back(sg4::Actor::create("faults-events", sim_.controller, [this] {
    for (const auto& e : sim_.options.faults.events) {
      const double at = t0_ + e.time_s;
      if (at > sg4::Engine::get_clock()) sg4::this_actor::sleep_until(at);
      const std::size_t h = *sim_.view.host_index(e.host);
      sg4::Host* host = sim_.r.hosts[h];
      if (e.kind == FaultEvent::Kind::off) {
        if (host->is_on()) host->turn_off();
        trace_.events.push_back({now_rel(), epoch_, "off " + e.host});
      } else if (e.kind == FaultEvent::Kind::on) {
        if (!host->is_on()) host->turn_on();
        trace_.events.push_back({now_rel(), epoch_, "on " + e.host});
      } else {
        user_speed_[h] = e.value;
        trace_.events.push_back({now_rel(), epoch_, fmt::format("speed {} x{}", e.host, e.value)});
      }
    }
  }));
}

// Stragglers (rounds mode): a node computes straggler_slowdown times slower this epoch with straggler_probability; a
// user's speed factor divides its speed.
std::map<std::size_t, double> FaultInjector::slowdowns(const SegmentProgram& sp, int epoch) const {
  std::map<std::size_t, double> slow;
  if (!sim_.faulty) return slow;
  const Cluster& cl = sim_.scenario.clusters[sp.cluster];
  for (auto h : sp.hosts) {
    double f = 1.0;
    if (cl.straggler_probability > 0 && cl.straggler_slowdown > 1 &&
        uniform01(StreamKey{sim_.options.seed, Purpose::evaluation, StreamKind::fault, static_cast<std::uint32_t>(rep_),
                            static_cast<std::uint32_t>(epoch + 1), static_cast<std::uint32_t>(h), 0x10000u}) <
            cl.straggler_probability)
      f *= cl.straggler_slowdown;
    if (auto it = user_speed_.find(h); it != user_speed_.end()) f /= it->second;
    if (f != 1.0) slow[h] = f;
  }
  return slow;
}

// Stragglers (iterations mode): each node straggles in each iteration with straggler_probability, independently —
// drawn as the gaps between its straggling iterations (bernoulli_successes), so that an epoch costs about 1 + p·I
// uniforms per node instead of I: node h's from the blocks U(seed, evaluation, fault, r, epoch k, variant h, index
// 2^29 + j), two uniforms each.
void FaultInjector::straggles(const SegmentProgram& sp, int epoch, long long iterations,
                              std::vector<Straggle>& out) const {
  out.clear();
  if (!sim_.faulty) return;
  const Cluster& cl = sim_.scenario.clusters[sp.cluster];
  const double p = cl.straggler_probability;
  if (!(p > 0 && cl.straggler_slowdown > 1)) return;
  std::vector<Straggle>& all = unsorted_;
  all.clear();
  for (std::uint32_t pos = 0; pos < sp.hosts.size(); ++pos)
    bernoulli_successes(StreamKey{sim_.options.seed, Purpose::evaluation, StreamKind::fault, static_cast<std::uint32_t>(rep_),
                                  static_cast<std::uint32_t>(epoch + 1), static_cast<std::uint32_t>(sp.hosts[pos]), 0x20000000u},
                        p, iterations, [&](long long i) { all.emplace_back(i, pos); });
  // By iteration, then node: a counting sort (each node's list is in order, and nodes come in order).
  start_.assign(static_cast<std::size_t>(iterations) + 1, 0);
  for (const auto& ev : all) ++start_[static_cast<std::size_t>(ev.first) + 1];
  for (std::size_t k = 1; k < start_.size(); ++k) start_[k] += start_[k - 1];
  out.resize(all.size());
  for (const auto& ev : all) out[start_[static_cast<std::size_t>(ev.first)]++] = ev;
}

std::map<std::size_t, double> FaultInjector::slowdowns(const SegmentProgram& sp, const Straggle* first,
                                                       const Straggle* last) const {
  std::map<std::size_t, double> slow;
  if (!sim_.faulty) return slow;
  const double f = sim_.scenario.clusters[sp.cluster].straggler_slowdown;
  for (auto* e = first; e != last; ++e) slow[sp.hosts[e->second]] = f;
  for (const auto& [h, speed] : user_speed_)
    if (std::find(sp.hosts.begin(), sp.hosts.end(), h) != sp.hosts.end()) {
      auto [it, fresh] = slow.emplace(h, 1.0 / speed);
      if (!fresh) it->second /= speed;
      if (it->second == 1.0) slow.erase(it);
    }
  return slow;
}

} // namespace deplsim::execution
