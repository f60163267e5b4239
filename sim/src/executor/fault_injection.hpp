// Faults in a replication (docs/model.md 4.10): injector actors on the (fault-free) controller turn nodes off and on
// relative to the replication's start — from the fault stream (exponential up and repair times per node, docs/model.md
// 2) and from a user's events file — and each epoch's stragglers are drawn from the fault stream. The injectors refer
// to the replication's state: whatever ends the replication, they are killed first.
#pragma once

#include "deplsim/cost_model.hpp"
#include "executor/activities.hpp"
#include "executor/executor.hpp"

#include <cstddef>
#include <cstdint>
#include <utility>
#include <map>
#include <vector>

namespace deplsim::execution {

struct Simulation;

class FaultInjector {
public:
  /// `trace` and `epoch` (epochs completed) belong to the replication and outlive the injector.
  FaultInjector(Simulation& sim, int replication, double t0, CostTrace& trace, const int& epoch);
  ~FaultInjector();
  FaultInjector(const FaultInjector&) = delete;
  FaultInjector& operator=(const FaultInjector&) = delete;

  /// Starts the injectors (when the simulation has faults).
  void start();
  /// Kills the injectors.
  void stop();
  /// Rounds mode: this epoch's slowdown per node of `sp` (stragglers, and a user's speed factors), empty when none.
  [[nodiscard]] std::map<std::size_t, double> slowdowns(const SegmentProgram& sp, int epoch) const;
  /// Iterations mode: the iterations (of `iterations`) in which each node of `sp` straggles this epoch, as (iteration,
  /// position in sp.hosts) sorted by iteration then position, into `out`; empty when its cluster has no stragglers.
  void straggles(const SegmentProgram& sp, int epoch, long long iterations, std::vector<Straggle>& out) const;
  /// Iterations mode: one iteration's slowdown per node — the straggling positions [first, last) of straggles()'s
  /// list, and a user's speed factors now — empty when none.
  [[nodiscard]] std::map<std::size_t, double> slowdowns(const SegmentProgram& sp, const Straggle* first,
                                                        const Straggle* last) const;
  /// Whether a user's events file can change speeds or states during the replication.
  [[nodiscard]] bool user_events() const;

private:
  [[nodiscard]] double now_rel() const;
  void start_random_failures(std::size_t host, std::size_t cluster);
  void start_user_events();

  Simulation& sim_;
  const int rep_;
  const double t0_;
  CostTrace& trace_;
  const int& epoch_;
  std::vector<sg4::ActorPtr> injectors_;
  std::map<std::size_t, double> user_speed_;  ///< host -> speed factor from the events file
  mutable std::vector<Straggle> unsorted_;  ///< straggles()'s buffers, kept between epochs
  mutable std::vector<std::size_t> start_;
};

} // namespace deplsim::execution
