// The unit of work (docs/model.md 0.7): (scenario, orchestrator, seed, N replications) in one process, replications
// in order. Plans with the orchestrator, simulates the plan's cost on SimGrid (once when nothing in platform or
// plan is random, else per replication), draws each replication's losses from the ground truth on the
// evaluation stream, and returns the rows that the output files are made of.
#pragma once

#include "deplsim/orchestrator.hpp"
#include "executor/executor.hpp"
#include "experiment/context.hpp"

#include <array>
#include <atomic>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace deplsim {

/// What an interrupted `deplsim run` keeps for --resume (DIR.partial/run-state.json): the plan, once made.
struct RunCheckpoint {
  Plan plan;
  bool adaptive = false;        ///< per-replication policies: the orchestrator must plan again on resume
  double planner_wall_s = 0.0;  ///< how long planning took (timing.json)
};

struct RunOptions {
  std::string orchestrator;  ///< its name, for messages
  int replications = 1000;
  bool trace_all = false;          ///< trace every replication (default: the first 10)
  bool simulate_every = false;     ///< simulate each replication even when the cost cannot vary
  bool simulate_every_iteration = false;  ///< iterations mode: no composition of identical iterations (docs/model.md 4.14)
  std::vector<std::string> simgrid_log;
  bool progress = false;           ///< progress with time left on stderr
  /// Resuming an interrupted run: its plan, used instead of planning again (unless the orchestrator is adaptive
  /// or external: then it plans again, and a different plan is reported on stderr and used).
  std::optional<RunCheckpoint> resumed;
  /// A plan made before the unit started, by this orchestrator on this context (the global batch chosen, docs/model.md
  /// 1.2): used like a resumed one. Ignored when `resumed` is set.
  std::optional<RunCheckpoint> planned;
  /// Called once the plan is made and checked (to keep it for --resume).
  std::function<void(const RunCheckpoint&)> on_planned;
  /// Non-zero (a signal number) when the run must stop: checked after planning and between replications.
  const std::atomic<int>* interrupted = nullptr;
};

struct ReplicationRow {
  int replication = 0;
  std::string state;  ///< met | missed | failed (faults: the plan could not be completed)
  double final_loss = 0.0;  ///< NaN when failed (no model delivered)
  bool target_met = false;
  double energy_j = 0.0;
  double time_s = 0.0;
  int epochs = 0;
  int failures = 0;            ///< node failures that interrupted its work
  double work_lost_s = 0.0;    ///< time of the work thrown away
  double energy_lost_j = 0.0;  ///< energy spent on it
  int replans = 0;             ///< times the rest of the plan was moved off lost nodes
  /// energy_j by phase (shipping, compute, synchronisation, checkpoints, other) and by kind (hosts, links)
  std::array<double, 5> phase_energy_j{};
  double host_energy_j = 0.0;
  double link_energy_j = 0.0;
  double transmit_energy_j = 0.0;  ///< the senders' radios (docs/model.md 4.13)
  std::vector<double> cluster_host_energy_j;  ///< host_energy_j by scenario cluster
  std::vector<double> link_class_energy_j;    ///< link_energy_j by link class (PlatformView::link_classes())
};

struct TraceRow {
  int replication = 0;
  int epoch = 0;
  std::string version;
  std::string cluster;
  int nodes = 0;
  double sim_time_s = 0.0;
  double energy_j = 0.0;
  double val_loss = 0.0;
  double test_loss = 0.0;
  std::string event;  ///< a fault event's description (then the epoch's other columns are empty)
};

struct RunResult {
  Plan plan;
  std::vector<ReplicationRow> rows;
  std::vector<TraceRow> trace;
  std::string simulation_mode;  ///< "once" or "every"
  int simulated_replications = 0;
  long long activities = 0;  ///< SimGrid activities run (all simulated replications)
  double planner_wall_s = 0.0;
  double simulation_wall_s = 0.0;  ///< SimGrid run plus loss sampling
  double engine_wall_s = 0.0;      ///< SimGrid run alone (engine start, platform load, activities)
};

/// Runs the unit. Infeasible plans return with no rows (status in plan.status).
RunResult run_unit(const Context& ctx, Orchestrator& orchestrator, const RunOptions& options);

} // namespace deplsim
