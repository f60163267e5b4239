// One replication of one plan, run by the controller actor (docs/model.md 4.6-4.10): segment after segment, the
// entry (data, and the model after a migration), the epochs step by step, checkpoints, and — with faults — restarts
// on the nodes still up, work thrown back to the last checkpoint, re-plans when no node of a segment is left; an
// adaptive orchestrator's revisions after any epoch. One method per concern.
#pragma once

#include "executor/activities.hpp"
#include "executor/executor.hpp"
#include "executor/fault_injection.hpp"
#include "executor/iteration_patterns.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <vector>

namespace deplsim::execution {

/// What every replication of a simulation shares.
struct Simulation {
  const Scenario& scenario;
  const PlatformView& view;
  const CostModel& cost;
  const ExecutorOptions& options;
  Resolved r;
  sg4::Host* controller = nullptr;
  std::size_t controller_index = 0;
  bool faulty = false;  ///< nodes can fail, straggle or follow an events file
  std::vector<std::pair<std::size_t, std::size_t>> fallible;  ///< training hosts that may fail: (host, cluster)
  EnergyMeter** current_meter = nullptr;  ///< the meter SimGrid's state-change callback brings up to date
  std::map<const sg4::Host*, std::size_t> cluster_of;  ///< each training host's scenario cluster (energy by cluster)
  std::map<const sg4::Link*, std::size_t> class_of;    ///< each link's index in view.link_classes() (energy by class)
  std::size_t link_class_count = 0;
  IterationPatterns patterns;  ///< iterations' outcomes by straggler pattern, shared by the replications
};

class ReplicationRunner {
public:
  ReplicationRunner(Simulation& sim, const Plan& plan, const std::vector<SegmentProgram>& program, int replication);
  ~ReplicationRunner();
  ReplicationRunner(const ReplicationRunner&) = delete;
  ReplicationRunner& operator=(const ReplicationRunner&) = delete;
  /// Runs the replication (in the controller actor) and returns its measured cost; restores the platform after.
  CostTrace run();

private:
  /// The segment being run: the program's copy (a restart changes its nodes), its epochs done and its checkpoint.
  struct SegmentRun {
    SegmentProgram sp;
    double version_bytes = 0.0;
    int done = 0;         ///< epochs of this segment completed (and kept)
    bool revised = false; ///< the rest of the plan was replaced: go on with the next segment of the new program
    bool stop = false;    ///< the replication cannot go on
    double ckpt_time = 0.0;
    double ckpt_energy = 0.0;
    int ckpt_done = 0;
  };
  using Straggles = std::vector<Straggle>;

  [[nodiscard]] double now_rel() const;
  [[nodiscard]] double energy() const { return meter_.hosts() + meter_.links() + meter_.transmit(); }
  /// Runs one step and charges the energy drawn meanwhile to `part` of the breakdown; false when a node failed.
  bool charged_step(const Step& step, double EnergyBreakdown::*part, const std::map<std::size_t, double>* slow = nullptr);
  void run_segment();
  /// (Re)starts the segment on the nodes that are up: the data to each, the model from the last checkpoint (the
  /// controller) — or, on the first try with every node up, the planned entry. False when no node is up.
  bool restart(SegmentRun& seg, bool planned);
  /// No node of the segment is up: the orchestrator re-plans the rest after `done` (the loop goes on with the first
  /// new segment), or the replication fails (false).
  bool replan(Plan done);
  /// A re-planned segment whose planned nodes are not all up runs on the fastest nodes of its cluster that are.
  void place_on_up_hosts(SegmentProgram& sp);
  /// One epoch's steps (or iterations); false when a node failed during it.
  bool run_epoch(SegmentRun& seg);
  /// Iterations mode: one epoch's iterations, composed where nothing is random or by straggler pattern where
  /// stragglers are all that is; false when a node failed.
  bool run_iterations(SegmentRun& seg);
  /// Every iteration of the epoch in SimGrid, with the epoch's stragglers.
  bool plain_iterations(SegmentRun& seg, const Straggles& straggles);
  /// Whether composition by pattern (pattern_epoch.hpp) is exact for the segment: stragglers are all that is random
  /// for it.
  [[nodiscard]] bool patterns_apply(const SegmentProgram& sp) const;
  /// `times` identical repetitions of `once` (no faults: nothing differs between them): two run in SimGrid, the
  /// others composed from the second; false when one failed.
  bool composed(const std::function<bool()>& once, long long times);
  /// A node failed mid-epoch: the work since the last checkpoint is lost; restart from it on the nodes still up, or
  /// let the orchestrator move the rest of the plan.
  void recover(SegmentRun& seg);
  /// After a completed epoch: its measure, a checkpoint when due, an adaptive orchestrator's revision.
  void end_epoch(SegmentRun& seg);
  void checkpoint(SegmentRun& seg);
  /// What has run so far: the segments before this one, and this one up to its `done` epochs.
  [[nodiscard]] Plan done_so_far(const SegmentRun& seg) const;

  Simulation& sim_;
  const int rep_;
  CostTrace trace_;
  EnergyMeter meter_;
  const double t0_;
  int epoch_ = 0;
  Plan plan_;                          ///< the plan being executed (revisions and re-plans included)
  std::vector<SegmentProgram> prog_;
  std::size_t s_ = 0;                  ///< the segment being run
  std::vector<std::size_t> sources_;
  double samples_ = 0.0;
  int ckpt_every_ = 1;
  Straggles straggles_;                ///< iterations mode: the epoch's stragglers
  FaultInjector faults_;               ///< declared last: its actors go before what they refer to
};

} // namespace deplsim::execution
