// One epoch composed by straggler pattern (see pattern_epoch.hpp).
#include "executor/pattern_epoch.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

namespace deplsim::execution {

PatternEpoch::PatternEpoch(IterationPatterns& memo, EnergyMeter& meter, Resolved& r, const FaultInjector& faults,
                           const SegmentProgram& sp, long long& activities)
    : memo_(memo), meter_(meter), r_(r), faults_(faults), sp_(sp), activities_(activities), slot_(sp.hosts.size()) {
  memo_.start_epoch();
  for (std::size_t j = 0; j < sp.hosts.size(); ++j) slot_[j] = meter_.host_slot(r_.hosts[sp.hosts[j]]);
}

PatternEpoch::~PatternEpoch() {
  for (auto [o, sh] : touched_) {
    o->pending = 0;
    std::fill(o->straggled.begin(), o->straggled.end(), 0);
  }
}

IterationPatterns::Key PatternEpoch::key(const IterationWork* w, std::uint64_t code) {
  if (meter_.size() != layout_size_) {
    layout_size_ = meter_.size();
    layout_ = memo_.layout_id(meter_);
  }
  return IterationPatterns::Key{w, code, layout_};
}

void PatternEpoch::flush() {
  if (touched_.empty()) return;
  double dt = 0.0, transmit = 0.0;
  std::vector<double> host_drawn(meter_.host_count(), 0.0), host_own(meter_.host_count(), 0.0);
  std::vector<double> link_drawn(meter_.link_count(), 0.0), link_own(meter_.link_count(), 0.0);
  for (auto [o, sh] : touched_) {
    const auto m = static_cast<double>(o->pending);
    const double span = m * o->dt;
    dt += span;
    for (std::size_t j = 0; j < slot_.size(); ++j) {
      const int c = sh->class_of[j];
      if (c < 0 || slot_[j] == EnergyMeter::npos) continue;
      const auto slow = static_cast<double>(o->straggled[j]);
      const auto c2 = 2 * static_cast<std::size_t>(c);
      if (m > slow) host_drawn[slot_[j]] += (m - slow) * o->draw[c2];
      if (slow > 0) host_drawn[slot_[j]] += slow * o->draw[c2 + 1];
      host_own[slot_[j]] += span;
      o->straggled[j] = 0;
    }
    for (const auto& [l, x] : o->links) {
      link_drawn[l] += m * x;
      link_own[l] += span;
    }
    transmit += m * o->transmit;
    o->pending = 0;
  }
  touched_.clear();
  if (dt > 0) {
    const EnergyMeter::Reading b = meter_.read();
    sg4::this_actor::sleep_for(dt);
    meter_.add_composed(b, dt, host_drawn, host_own, link_drawn, link_own, transmit);
  }
}

bool PatternEpoch::plain(const IterationRun& run, const Straggle* first, const Straggle* last) {
  flush();
  const auto slow = faults_.slowdowns(sp_, first, last);
  return run_iteration(*run.work, r_, meter_, activities_, slow.empty() ? nullptr : &slow);
}

bool PatternEpoch::simulate(const IterationRun& run, const IterationPatterns::Shape& sh, const IterationPatterns::Key& k,
                            std::uint64_t mask, const Straggle* first, const Straggle* last) {
  flush();  // (before the readings; plain's own flush then has nothing left)
  const std::size_t hosts_before = meter_.host_count();
  const std::size_t links_before = meter_.link_count();
  const EnergyMeter::Reading a = meter_.read();
  const double t0 = sg4::Engine::get_clock();
  if (!plain(run, first, last)) return false;
  if (meter_.host_count() != hosts_before) return true;  // (its nodes are charged from the segment's start)
  const EnergyMeter::Reading b = meter_.read();
  IterationPatterns::Outcome o;
  o.dt = sg4::Engine::get_clock() - t0;
  o.draw.assign(2 * sh.members.size(), std::numeric_limits<double>::quiet_NaN());
  for (std::size_t j = 0; j < slot_.size(); ++j) {
    if (sh.class_of[j] < 0 || slot_[j] == EnergyMeter::npos) continue;
    double& d = o.draw[2 * static_cast<std::size_t>(sh.class_of[j]) + ((mask >> j) & 1U)];
    if (std::isnan(d)) d = b.hosts[slot_[j]] - a.hosts[slot_[j]];
  }
  std::set<std::size_t> links;
  for (const auto& bucket : run.work->buckets)
    for (const auto& step : bucket.steps)
      for (const auto& f : step) {
        for (auto* l : r_.route(f)) links.insert(meter_.link_slot(l));
        for (auto* l : r_.route(Flow{f.dst, f.src, 0})) links.insert(meter_.link_slot(l));
      }
  for (auto l : links)
    if (l != EnergyMeter::npos) o.links.emplace_back(l, b.links[l] - (l < links_before ? a.links[l] : meter_.link_base(l)));
  for (std::size_t l = links_before; l < meter_.link_count(); ++l) o.new_links.push_back(meter_.link_at(l));
  o.transmit = b.transmit - a.transmit;
  o.straggled.assign(slot_.size(), 0);
  memo_.remember(k, std::move(o));
  return true;
}

bool PatternEpoch::iterations(const IterationRun& run, const IterationPatterns::Shape& sh, const Straggle* first,
                              const Straggle* last, long long count) {
  std::uint64_t mask = 0;
  for (auto* e = first; e != last; ++e) mask |= std::uint64_t{1} << e->second;
  const std::uint64_t code = IterationPatterns::code(sh, first, last);
  if (!sh.covered) {  // a node outside the segment's hosts: its draw is not the segment's to compose
    for (; count > 0; --count)
      if (!plain(run, first, last)) return false;
    return true;
  }
  while (count > 0) {
    const IterationPatterns::Key k = key(run.work.get(), code);
    auto& cached = found_[(code * 0x9e3779b97f4a7c15ull) >> 58];
    IterationPatterns::Outcome* o = cached.second != nullptr && cached.first == k ? cached.second : memo_.find(k);
    if (o == nullptr) {
      if (!simulate(run, sh, k, mask, first, last)) return false;
      --count;
      continue;
    }
    cached = {k, o};
    long long take = count;
    if (!o->new_links.empty()) {
      flush();
      for (auto* l : o->new_links) meter_.use_link(l);
      take = 1;
    }
    if (o->pending == 0) touched_.emplace_back(o, &sh);
    o->pending += take;
    for (auto* e = first; e != last; ++e) o->straggled[e->second] += take;
    count -= take;
  }
  return true;
}

bool PatternEpoch::run(const std::vector<Straggle>& straggles) {
  long long i = 0;
  std::size_t e = 0;
  bool ok = true;
  for (const auto& block : sp_.iterations)
    for (long long r = 0; ok && r < block.repeat; ++r)
      for (const auto& run : block.runs) {
        const IterationPatterns::Shape& sh = memo_.shape(run.work, sp_.hosts, r_);
        const long long end = i + run.count;
        // In order: the iterations without stragglers up to the next with some, then that one.
        while (ok && e < straggles.size() && straggles[e].first < end) {
          const long long at = straggles[e].first;
          if (at > i) ok = iterations(run, sh, nullptr, nullptr, at - i);
          const std::size_t first = e;
          while (e < straggles.size() && straggles[e].first == at) ++e;
          ok = ok && iterations(run, sh, straggles.data() + first, straggles.data() + e, 1);
          i = at + 1;
        }
        if (ok && end > i) ok = iterations(run, sh, nullptr, nullptr, end - i);
        i = end;
        if (!ok) break;
      }
  if (ok) flush();
  return ok;
}

} // namespace deplsim::execution
