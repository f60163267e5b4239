// The executor: runs a plan's program (cost_model.hpp, SegmentProgram) as SimGrid activities on the platform —
// data shipping, per-epoch computations on all cores, synchronisation rounds, migrations — and measures time and
// energy with SimGrid's host and link energy plugins. It knows nothing of how the plan was made. One SimGrid
// simulation per process: simulate_plan() may be called once per process.
#pragma once

#include "deplsim/cost_model.hpp"
#include "deplsim/plan.hpp"
#include "deplsim/platform.hpp"
#include "deplsim/scenario.hpp"
#include "scenario/fault_events.hpp"
#include "support/interrupt.hpp"

#include <cstdint>
#include <atomic>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace deplsim {

/// Cumulative measurements at the end of one epoch, relative to the replication's start.
struct EpochMeasure {
  int epoch = 0;            ///< 1-based, over the whole plan
  std::size_t segment = 0;  ///< which segment of the plan
  double time_s = 0.0;
  double energy_j = 0.0;
  int nodes = 0;            ///< nodes that trained it (fewer than planned after a node failure)
};

/// A fault event seen in a replication (trace.csv's events).
struct FaultRecord {
  double time_s = 0.0;  ///< relative to the replication's start
  int epoch = 0;        ///< epochs completed when it happened
  std::string what;     ///< e.g. "off edge-a-n1", "on edge-a-n1", "lost 2 epochs", "restart on 1 node", "replan"
};

/// Where a replication's energy went, by what was running when it was drawn (every host and link in use, idle
/// watts included, is charged to the phase running at the time): the parts add up to CostTrace::energy_j.
struct EnergyBreakdown {
  double shipping_j = 0.0;         ///< data and model shipped to a segment's nodes (its start, and restarts)
  double compute_j = 0.0;          ///< the rounds' computations
  double synchronisation_j = 0.0;  ///< the rounds' synchronisation steps
  double checkpoints_j = 0.0;      ///< the model shipped to the controller (faults only)
  double other_j = 0.0;            ///< between those: waiting for a node to come back, the end of a failed epoch
};

/// The measured cost of one replication.
struct CostTrace {
  std::vector<EpochMeasure> epochs;
  double time_s = 0.0;
  double energy_j = 0.0;
  double host_energy_j = 0.0;
  double link_energy_j = 0.0;
  double transmit_energy_j = 0.0;  ///< the senders' radios (hosts declaring transmit_w), data sources included
  EnergyBreakdown breakdown;  ///< energy_j by phase
  std::vector<double> cluster_host_energy_j;  ///< host_energy_j by scenario cluster (its training nodes)
  std::vector<double> link_class_energy_j;    ///< link_energy_j by link class (PlatformView::link_classes())
  long long activities = 0;  ///< SimGrid executions and communications started
  std::vector<Segment> executed;  ///< the segments actually run (an adaptive orchestrator may have revised them)
  // Faults (docs/model.md 4.10):
  bool failed = false;          ///< the plan could not be completed (no node left and no re-plan)
  int failures = 0;             ///< node failures that interrupted work of this replication
  double work_lost_s = 0.0;     ///< time of the work thrown away (back to the last checkpoint)
  double energy_lost_j = 0.0;   ///< energy spent on that work
  int replans = 0;              ///< times the orchestrator moved the rest of the plan off lost nodes
  std::vector<FaultRecord> events;
};

struct ExecutorOptions {
  std::vector<std::string> simgrid_cfg;  ///< `key:value`
  std::vector<std::string> simgrid_log;  ///< SimGrid log settings
  /// Called after each replication with (done, total) — for progress display.
  std::function<void(int, int)> progress;
  /// Adaptive orchestrators: called after every epoch with (replication, what has run so far, the measure);
  /// a returned list of segments replaces the rest of the plan (empty: stop after this epoch).
  std::function<std::optional<std::vector<Segment>>(int, const Plan&, const EpochMeasure&)> on_epoch_end;
  /// Faults: the run's seed (the fault stream, docs/model.md 2).
  std::uint64_t seed = 1;
  /// Faults: a user's fault events, replayed in every replication.
  FaultSchedule faults;
  /// Faults: called when a segment has no node left (`is_up(host index)` tells which nodes are up now) with what
  /// has run (up to the last checkpoint) and the whole plan being executed (an adaptive orchestrator's
  /// revisions included); returns the segments for the rest of the plan, or nothing: the replication fails.
  std::function<std::optional<std::vector<Segment>>(int, const Plan&, const Plan&, const std::function<bool(std::size_t)>&)> on_nodes_lost;
  /// Non-zero (a signal number) when the simulation must stop: checked before each replication (throws Interrupted).
  const std::atomic<int>* interrupted = nullptr;
  /// Iterations mode: without faults, run one iteration of each run of identical ones in SimGrid and repeat its
  /// measured time and energy for the others; with stragglers only, compose iterations by straggler pattern
  /// (docs/model.md 4.14). False runs every iteration (and must be, on a platform with profiles).
  bool compose_iterations = true;
};

/// Simulates `replications` replications of each plan, plans in order, in one simulation (tests compare many
/// plans against the cost model this way). Returns traces[plan][replication].
std::vector<std::vector<CostTrace>> simulate_plans(const Scenario& scenario, const PlatformView& view, const CostModel& cost,
                                                   const std::vector<Plan>& plans, int replications,
                                                   const ExecutorOptions& options);

/// Simulates `replications` replications of the plan in order, in this process, and returns their costs.
/// Energy counts the hosts and links the plan uses, each from its first use in the replication to the
/// replication's end (idle time between uses included). Throws std::runtime_error if SimGrid fails.
std::vector<CostTrace> simulate_plan(const Scenario& scenario, const PlatformView& view, const CostModel& cost,
                                     const Plan& plan, int replications, const ExecutorOptions& options);

} // namespace deplsim
