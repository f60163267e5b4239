// One replication of one plan (see replication.hpp).
#include "executor/replication.hpp"

#include "executor/pattern_epoch.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace deplsim::execution {

ReplicationRunner::ReplicationRunner(Simulation& sim, const Plan& plan, const std::vector<SegmentProgram>& program, int replication)
    : sim_(sim), rep_(replication), t0_(sg4::Engine::get_clock()), plan_(plan), prog_(program),
      faults_(sim, replication, t0_, trace_, epoch_) {
  const Scenario& sc = sim_.scenario;
  for (const auto& name : plan_.data_sources) {
    sources_.push_back(*sc.source_index(name));
    samples_ += static_cast<double>(sc.data_sources[sources_.back()].samples);
  }
  ckpt_every_ = std::max(1, sc.faults.checkpoint_every);
}

// Whatever ends the replication (an exception included), SimGrid's callback no longer reads its meter.
ReplicationRunner::~ReplicationRunner() {
  if (*sim_.current_meter == &meter_) *sim_.current_meter = nullptr;
}

double ReplicationRunner::now_rel() const { return sg4::Engine::get_clock() - t0_; }

CostTrace ReplicationRunner::run() {
  *sim_.current_meter = &meter_;
  faults_.start();
  for (s_ = 0; s_ < prog_.size(); ++s_) {
    run_segment();
    if (trace_.failed) break;
  }
  trace_.executed = plan_.segments;
  trace_.time_s = now_rel();
  trace_.host_energy_j = meter_.hosts();
  trace_.link_energy_j = meter_.links();
  trace_.transmit_energy_j = meter_.transmit();
  trace_.energy_j = trace_.host_energy_j + trace_.link_energy_j + trace_.transmit_energy_j;
  trace_.cluster_host_energy_j.assign(sim_.view.cluster_hosts.size(), 0.0);
  meter_.each_host([&](const sg4::Host* h, double e) {
    if (auto it = sim_.cluster_of.find(h); it != sim_.cluster_of.end()) trace_.cluster_host_energy_j[it->second] += e;
  });
  trace_.link_class_energy_j.assign(sim_.link_class_count, 0.0);
  meter_.each_link([&](const sg4::Link* l, double e) {
    if (auto it = sim_.class_of.find(l); it != sim_.class_of.end()) trace_.link_class_energy_j[it->second] += e;
  });
  EnergyBreakdown& b = trace_.breakdown;
  b.other_j = trace_.energy_j - (b.shipping_j + b.compute_j + b.synchronisation_j + b.checkpoints_j);
  if (std::abs(b.other_j) <= 1e-9 * std::max(1.0, trace_.energy_j)) {  // rounding, not a phase: kept where most went
    b.compute_j += b.other_j;
    b.other_j = 0.0;
  }
  *sim_.current_meter = nullptr;
  // Restore the platform for the next replication: no injector, every node on.
  faults_.stop();
  for (auto [h, c] : sim_.fallible)
    if (!sim_.r.hosts[h]->is_on()) sim_.r.hosts[h]->turn_on();
  return std::move(trace_);
}

// One segment: its start, then its epochs until done, revised, or stopped; a segment that cannot even start (no
// node of it is up) hands the rest of the plan to the orchestrator.
void ReplicationRunner::run_segment() {
  SegmentRun seg;
  seg.sp = prog_[s_];  // a copy: a revision replaces prog_, which must not leave a dangling reference
  seg.version_bytes = sim_.scenario.dense_bytes(seg.sp.version);
  for (auto h : seg.sp.hosts) {
    // Charge from first use; the power state is set after the reading so the idle time before it was spent at
    // whatever state the host had (it is not charged anyway).
    meter_.use_host(sim_.r.hosts[h]);
    sim_.r.hosts[h]->set_pstate(static_cast<unsigned long>(seg.sp.pstate));
  }
  if (!restart(seg, true)) seg.stop = true;
  seg.ckpt_time = now_rel();
  seg.ckpt_energy = energy();
  seg.ckpt_done = 0;
  while (!seg.stop && !seg.revised && seg.done < seg.sp.epochs) {
    if (!run_epoch(seg)) {
      recover(seg);
      continue;
    }
    end_epoch(seg);
  }
  if (seg.stop && !trace_.failed) {
    // The segment could not even start: no node of it is up.
    Plan done = plan_;
    done.segments.resize(s_);
    (void)replan(done);
  }
}

bool ReplicationRunner::restart(SegmentRun& seg, bool planned) {
  SegmentProgram& sp = seg.sp;
  auto is_up = [&](std::size_t h) { return sim_.r.hosts[h]->is_on(); };
  while (true) {
    std::vector<std::size_t> up;
    for (auto h : sp.hosts)
      if (!sim_.faulty || is_up(h)) up.push_back(h);
    if (up.empty()) return false;
    std::vector<Flow> entry;
    if (planned && up.size() == sp.hosts.size()) {
      entry = sp.entry;
      // The planned model source may itself be off: the checkpoint at the controller has the model.
      for (auto& f : entry)
        if (!is_up(f.src)) f.src = sim_.controller_index;
    } else {
      const std::vector<std::size_t> old = sp.hosts;
      sp.hosts = up;
      sim_.cost.set_epoch(sp, samples_);
      entry = sim_.cost.shipping_flows(sources_, up, static_cast<std::size_t>(sp.pstate));
      for (auto h : up) entry.push_back({sim_.controller_index, h, seg.version_bytes});
      trace_.events.push_back({now_rel(), epoch_, fmt::format("restart on {} of {} nodes", up.size(), old.size())});
    }
    if (entry.empty() || charged_step(Step{{}, entry}, &EnergyBreakdown::shipping_j)) {
      // A checkpoint of the segment's starting model, so that a failure never rolls back across segments.
      if (!sim_.faulty ||
          charged_step(Step{{}, {{sp.hosts.front(), sim_.controller_index, seg.version_bytes}}}, &EnergyBreakdown::checkpoints_j))
        return true;
    }
    ++trace_.failures;
    trace_.events.push_back({now_rel(), epoch_, "failure during the segment's start"});
    planned = false;
  }
}

bool ReplicationRunner::replan(Plan done) {
  std::optional<std::vector<Segment>> next;
  auto is_up = [this](std::size_t h) { return sim_.r.hosts[h]->is_on(); };
  if (sim_.options.on_nodes_lost) next = sim_.options.on_nodes_lost(rep_, done, plan_, is_up);
  if (!next || next->empty()) {
    trace_.failed = true;
    trace_.events.push_back({now_rel(), epoch_, "failed: no node left and no re-plan"});
    return false;
  }
  ++trace_.replans;
  trace_.events.push_back({now_rel(), epoch_, "replan"});
  const std::size_t kept = done.segments.size();
  done.segments.insert(done.segments.end(), next->begin(), next->end());
  plan_ = done;
  prog_ = sim_.cost.program(plan_);
  for (std::size_t s = kept; s < prog_.size(); ++s) place_on_up_hosts(prog_[s]);
  s_ = kept - 1;  // the loop's ++s_ continues with the first new segment (wraps to 0 when kept is 0)
  return true;
}

// A re-planned segment names a cluster and a node count; its nodes are the cluster's fastest that are up now (its
// first nodes may be the ones that failed), the data and the checkpointed model shipped to them.
void ReplicationRunner::place_on_up_hosts(SegmentProgram& sp) {
  auto is_up = [this](std::size_t h) { return sim_.r.hosts[h]->is_on(); };
  if (std::all_of(sp.hosts.begin(), sp.hosts.end(), is_up)) return;
  std::vector<std::size_t> up;
  for (auto h : sim_.view.cluster_hosts[sp.cluster])
    if (is_up(h) && up.size() < sp.hosts.size()) up.push_back(h);
  if (up.size() < sp.hosts.size()) return;  // fewer up than planned: restart() runs on what is up, or re-plans again
  sp.hosts = up;
  sim_.cost.set_epoch(sp, samples_);
  sp.entry = sim_.cost.shipping_flows(sources_, up, static_cast<std::size_t>(sp.pstate));
  for (auto h : up) sp.entry.push_back({sim_.controller_index, h, sim_.scenario.dense_bytes(sp.version)});
}

bool ReplicationRunner::run_epoch(SegmentRun& seg) {
  if (!seg.sp.iterations.empty()) return run_iterations(seg);
  const std::map<std::size_t, double> slow = faults_.slowdowns(seg.sp, epoch_);
  for (const auto& st : seg.sp.epoch)
    if (!charged_step(st, st.compute.empty() ? &EnergyBreakdown::synchronisation_j : &EnergyBreakdown::compute_j,
                      slow.empty() ? nullptr : &slow))
      return false;
  return true;
}

// Iterations mode (docs/model.md 4.14): the epoch's blocks of runs of identical iterations, stragglers drawn per
// iteration. With nothing random, a run (or a block) of more than two is composed; where stragglers are the only
// random part, iterations are composed by straggler pattern. The hosts' energy counts as compute, the links' and
// radios' as synchronisation (they overlap).
bool ReplicationRunner::run_iterations(SegmentRun& seg) {
  const double hosts_before = meter_.hosts();
  const double links_before = meter_.links() + meter_.transmit();
  bool ok = true;
  if (sim_.options.compose_iterations && !sim_.faulty) {
    auto run_block = [&](const IterationBlock& block) {
      for (const auto& run : block.runs) {
        if (run.count > 2) {
          if (!composed([&] { return run_iteration(*run.work, sim_.r, meter_, trace_.activities); }, run.count)) return false;
          continue;
        }
        for (long long i = 0; i < run.count; ++i)
          if (!run_iteration(*run.work, sim_.r, meter_, trace_.activities)) return false;
      }
      return true;
    };
    for (const auto& block : seg.sp.iterations) {
      if (block.repeat > 2) {
        ok = composed([&] { return run_block(block); }, block.repeat);
      } else {
        for (long long r = 0; ok && r < block.repeat; ++r) ok = run_block(block);
      }
      if (!ok) break;
    }
  } else {
    long long n = 0;
    for (const auto& block : seg.sp.iterations)
      for (const auto& run : block.runs) n += block.repeat * run.count;
    faults_.straggles(seg.sp, epoch_, n, straggles_);
    ok = sim_.options.compose_iterations && patterns_apply(seg.sp)
             ? PatternEpoch(sim_.patterns, meter_, sim_.r, faults_, seg.sp, trace_.activities).run(straggles_)
             : plain_iterations(seg, straggles_);
  }
  trace_.breakdown.compute_j += meter_.hosts() - hosts_before;
  trace_.breakdown.synchronisation_j += meter_.links() + meter_.transmit() - links_before;
  return ok;
}

// Every iteration in SimGrid, its stragglers from the epoch's list.
bool ReplicationRunner::plain_iterations(SegmentRun& seg, const Straggles& straggles) {
  long long i = 0;
  std::size_t e = 0;
  for (const auto& block : seg.sp.iterations)
    for (long long r = 0; r < block.repeat; ++r)
      for (const auto& run : block.runs)
        for (long long k = 0; k < run.count; ++k, ++i) {
          const std::size_t first = e;
          while (e < straggles.size() && straggles[e].first == i) ++e;
          const auto slow = faults_.slowdowns(seg.sp, straggles.data() + first, straggles.data() + e);
          if (!run_iteration(*run.work, sim_.r, meter_, trace_.activities, slow.empty() ? nullptr : &slow)) return false;
        }
  return true;
}

// Composition by pattern applies where stragglers are all that is random for the segment: no node of its cluster can
// fail, no events file, and at most 64 nodes (a pattern is a 64-bit mask).
bool ReplicationRunner::patterns_apply(const SegmentProgram& sp) const {
  return sim_.scenario.clusters[sp.cluster].mtbf_s <= 0 && !faults_.user_events() && sp.hosts.size() <= 64;
}

// Nothing random: the first two of `times` identical repetitions of `once` run in SimGrid, the others are copies of
// the second — the clock advanced by their duration (every host and link idle meanwhile), then each charged the
// copies' energy. (The second, not the first: a link first used during the first is charged from its first use,
// the copies for their whole duration.)
bool ReplicationRunner::composed(const std::function<bool()>& once, long long times) {
  if (!once()) return false;
  const EnergyMeter::Reading a = meter_.read();
  const double t0 = sg4::Engine::get_clock();
  if (!once()) return false;
  const double dt = sg4::Engine::get_clock() - t0;
  const EnergyMeter::Reading b = meter_.read();
  sg4::this_actor::sleep_for(static_cast<double>(times - 2) * dt);
  meter_.repeat(a, b, static_cast<double>(times - 2));
  return true;
}

bool ReplicationRunner::charged_step(const Step& step, double EnergyBreakdown::*part, const std::map<std::size_t, double>* slow) {
  const double before = energy();
  const bool ok = run_step(step, sim_.r, meter_, trace_.activities, slow);
  trace_.breakdown.*part += energy() - before;
  return ok;
}

void ReplicationRunner::recover(SegmentRun& seg) {
  ++trace_.failures;
  const int lost = seg.done - seg.ckpt_done;
  trace_.work_lost_s += now_rel() - seg.ckpt_time;
  trace_.energy_lost_j += energy() - seg.ckpt_energy;
  trace_.events.push_back({now_rel(), epoch_, fmt::format("failure: {} epochs lost since the checkpoint", lost + 1)});
  epoch_ -= lost;
  seg.done = seg.ckpt_done;
  trace_.epochs.resize(static_cast<std::size_t>(std::max(0, epoch_)));
  if (!restart(seg, false)) {
    // No node of the segment is up: the orchestrator re-plans the rest, or the replication fails.
    Plan done = done_so_far(seg);
    if (done.segments[s_].epochs == 0) done.segments.pop_back();
    if (replan(done)) seg.revised = true;
    else seg.stop = true;
    return;
  }
  seg.ckpt_time = now_rel();
  seg.ckpt_energy = energy();
}

void ReplicationRunner::end_epoch(SegmentRun& seg) {
  ++epoch_;
  ++seg.done;
  const EpochMeasure m{epoch_, s_, now_rel(), energy(), static_cast<int>(seg.sp.hosts.size())};
  trace_.epochs.push_back(m);
  if (sim_.faulty && epoch_ % ckpt_every_ == 0 && seg.done < seg.sp.epochs) checkpoint(seg);
  if (!sim_.options.on_epoch_end) return;
  Plan done = done_so_far(seg);
  auto next = sim_.options.on_epoch_end(rep_, done, m);
  if (!next) return;
  const bool finished_segment = seg.done == seg.sp.epochs;
  if (next->empty() && finished_segment && s_ + 1 == prog_.size()) return;  // stopping where it ends anyway
  done.segments.insert(done.segments.end(), next->begin(), next->end());
  plan_ = done;
  prog_ = sim_.cost.program(plan_);
  seg.revised = true;  // continue with segment s_ + 1 of the new program
}

// The model shipped to the controller; a checkpoint that fails leaves the previous one (the next epoch's failure
// handling rolls back to it).
void ReplicationRunner::checkpoint(SegmentRun& seg) {
  if (charged_step(Step{{}, {{seg.sp.hosts.front(), sim_.controller_index, seg.version_bytes}}}, &EnergyBreakdown::checkpoints_j)) {
    seg.ckpt_time = now_rel();
    seg.ckpt_energy = energy();
    seg.ckpt_done = seg.done;
  }
}

Plan ReplicationRunner::done_so_far(const SegmentRun& seg) const {
  Plan done = plan_;
  done.segments.resize(s_ + 1);
  done.segments[s_].epochs = seg.done;
  return done;
}

} // namespace deplsim::execution
