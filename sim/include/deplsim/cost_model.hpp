/// @file cost_model.hpp
/// @brief The analytical cost model (docs/model.md 4): time and energy of data shipping, epochs and migrations,
/// predicted before any simulation. Communications are reproduced with SimGrid's own network model (LV08
/// by default: latency x latency-factor, then a max-min share of the links bounded by TCP-gamma / (2 x raw
/// latency) and scaled by bandwidth-factor, with 5% cross-traffic on the reverse route), read from SimGrid's
/// configuration; computations with the CPU model (an execution on all cores runs at speed x cores).
#pragma once

#include "deplsim/plan.hpp"
#include "deplsim/platform.hpp"
#include "deplsim/scenario.hpp"

#include <compare>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <tuple>
#include <vector>

namespace deplsim {

/// @brief One communication of a phase (all of a phase's flows start together).
struct Flow {
  std::size_t src = 0;
  std::size_t dst = 0;
  double bytes = 0.0;
  /// Compared field by field (src, dst, bytes): sets of flows compare as vectors, and key the caches of replays.
  friend auto operator<=>(const Flow&, const Flow&) = default;
};

/// @brief Outcome of a set of concurrent flows under SimGrid's network model.
struct FlowOutcome {
  double makespan = 0.0;
  std::vector<double> finish;           ///< per flow, seconds after the start
  std::map<std::size_t, double> link_load_integral;  ///< per link: integral of its load (bytes/s) over time
};

/// @brief The groups a hierarchical collective uses for `hosts` (in that order): the hosts that share their englobing
/// zone, in order of first appearance. Empty unless there are two groups or more, all of the same size, two or more.
std::vector<std::vector<std::size_t>> hierarchical_groups(const PlatformView& platform, const std::vector<std::size_t>& hosts);

/// @brief Fluid replay of SimGrid's LMM sharing for flows that start together (exact for LV08/CM02 models).
FlowOutcome simulate_flows(const PlatformView& platform, const std::vector<Flow>& flows);

/// @brief Energy of the senders' radios in a phase of flows that start together (docs/model.md 4.13): each source
/// host that declares transmit_w draws it from the phase's start until its last flow of the phase ends.
double transmit_energy(const PlatformView& platform, const std::vector<Flow>& flows, const FlowOutcome& outcome);

/// @brief Dynamic energy (above idle) of the links on the flows' routes in a phase of flows that start together (the
/// 5% cross-traffic a flow puts on its reverse route counts where that route is itself used, as the executor's
/// meters read it).
double link_energy(const PlatformView& platform, const std::vector<Flow>& flows, const FlowOutcome& outcome);

/// @brief Time and energy of one epoch of a segment (hosts and the links it synchronises over).
struct EpochCost {
  double time_s = 0.0;
  double compute_s = 0.0;   ///< per epoch (all rounds): until the slowest node is done
  /// Per node (the segment's hosts, in order), per epoch: the time it computes. Equal to compute_s for every node
  /// unless nodes differ in sparse support for an unstructured version (then the others wait, idle, for the slowest).
  std::vector<double> busy_s;
  double sync_s = 0.0;      ///< per epoch (all rounds)
  double energy_j = 0.0;    ///< hosts + synchronisation links (idle and dynamic) over the epoch
  double host_energy_j = 0.0;
  double link_energy_j = 0.0;
  double transmit_energy_j = 0.0;  ///< the senders' radios during synchronisation (hosts declaring transmit_w)
  /// Per link: integral of its load (bytes/s) over the epoch, cross-traffic included; the start of each
  /// synchronisation step within a round (seconds after the round's compute).
  std::map<std::size_t, double> link_load;
  std::vector<double> step_offsets;
  /// Iterations mode: when each synchronisation link is first used, seconds after the epoch's start (rounds mode:
  /// empty; the first uses follow from step_offsets).
  std::map<std::size_t, double> link_first_s;
  /// Rounds mode: the links each synchronisation step whose start step_offsets gives uses for the first time in the
  /// epoch (in route order; a link already used by an earlier step is not repeated). Iterations mode: empty.
  std::vector<std::vector<std::size_t>> step_links;
};

/// @brief Cost of a whole plan, as the executor will measure it.
struct PlanCost {
  double time_s = 0.0;
  double energy_j = 0.0;
  double money = 0.0;
  double shipping_s = 0.0;  ///< time spent shipping data and models
  std::set<std::size_t> hosts_used;
  std::set<std::size_t> links_used;
};

/// @brief One computation: `flops` on each of `threads` cores of `host` (SimGrid counts flops per thread).
struct ComputeTask {
  std::size_t host = 0;
  double flops_per_thread = 0.0;
  int threads = 1;
};

/// @brief A step of a plan: computations or communications that start together; the next step starts when
/// all of them are done.
struct Step {
  std::vector<ComputeTask> compute;
  std::vector<Flow> flows;
};

/// @brief One data-parallel iteration (iterations mode, docs/model.md 4.14), as the executor runs it and the cost
/// model times it. Each node waits its fixed overhead, computes its forward pass, then its backward pass in one part
/// per gradient bucket; a bucket's collective starts once every node has produced the bucket and the previous
/// bucket's collective is done (one communication stream, as in PyTorch DDP), so communication overlaps the rest of
/// the backward pass; the iteration ends when every node and every bucket is done.
struct IterationWork {
  struct Node {
    std::size_t host = 0;
    int threads = 1;
    double forward_flops_per_thread = 0.0;
    double backward_flops_per_thread = 0.0;
    double overhead_s = 0.0;
  };
  struct Bucket {
    double share = 1.0;                    ///< its bytes over the model's: the part of the backward pass producing it
    std::vector<std::vector<Flow>> steps;  ///< its collective: steps of flows started together, one after the other
  };
  int pstate = 0;
  std::vector<Node> nodes;
  std::vector<Bucket> buckets;  ///< in the order backward produces them; empty: no synchronisation this iteration
};

/// @brief `count` identical iterations in a row.
struct IterationRun {
  std::shared_ptr<const IterationWork> work;
  long long count = 1;
};

/// @brief `repeat` times in a row, its runs in order (local SGD: H − 1 iterations that do not synchronise, then one
/// that does).
struct IterationBlock {
  std::vector<IterationRun> runs;
  long long repeat = 1;
};

/// @brief What one iteration costs (CostModel::iteration_cost): its duration, each node's busy time, its links.
struct IterationCost {
  double time_s = 0.0;
  std::vector<double> busy_s;  ///< per node: forward + backward
  double link_dynamic_j = 0.0;
  double transmit_j = 0.0;
  std::map<std::size_t, double> link_load;     ///< per link: integral of its load over the iteration
  std::map<std::size_t, double> link_first_s;  ///< per link: when the iteration first uses it
};

/// @brief What one segment of a plan does, as the executor runs it and the cost model predicts it.
struct SegmentProgram {
  std::size_t version = 0;
  std::size_t cluster = 0;
  std::vector<std::size_t> hosts;  ///< training nodes, fastest first
  int pstate = 0;
  int epochs = 0;
  std::vector<Flow> entry;         ///< data (and model) shipped before the first epoch; may be empty
  std::vector<Step> epoch;         ///< rounds mode: one epoch, R rounds of (compute, synchronisation steps)
  std::vector<IterationBlock> iterations;  ///< iterations mode: one epoch, blocks of runs of identical iterations in order
};

/// @brief A resource choice for a segment.
struct Resources {
  std::size_t cluster = 0;
  int nodes = 1;
  int pstate = 0;
};

class CostModel {
public:
  CostModel(const Scenario& scenario, const PlatformView& platform);

  /// Hosts of a segment: the `nodes` fastest of the cluster.
  [[nodiscard]] std::vector<std::size_t> segment_hosts(std::size_t cluster, int nodes) const;
  /// Every (cluster, nodes, power state) allowed by the platform.
  [[nodiscard]] std::vector<Resources> resource_choices() const;

  /// One epoch of `version` on `res` with `samples` samples per epoch (cached).
  [[nodiscard]] EpochCost epoch(std::size_t version, const Resources& res, double samples) const;

  /// Cost of shipping the data of `sources` to the nodes of `res` at the start of a plan: its duration, the
  /// nodes' idle energy and the links' energy while it lasts (cached). A lower bound on any plan's shipping
  /// to those resources; planners use it to compare data sets and clusters.
  [[nodiscard]] PlanCost shipping(const std::vector<std::size_t>& sources, const Resources& res) const;
  /// The links that shipping the data of `sources` to the nodes of `res` uses (shipping(...).links_used, from the
  /// routes alone, without replaying the flows).
  [[nodiscard]] std::set<std::size_t> shipping_links(const std::vector<std::size_t>& sources, const Resources& res) const;

  /// The flows of one synchronisation round / of shipping (what the executor runs).
  [[nodiscard]] std::vector<std::vector<Flow>> sync_steps(std::size_t version, const std::vector<std::size_t>& hosts) const;
  /// The collective that synchronises `bytes` of gradients among `hosts` (training.sync), as steps of flows.
  [[nodiscard]] std::vector<std::vector<Flow>> collective_steps(double bytes, const std::vector<std::size_t>& hosts) const;
  [[nodiscard]] std::vector<Flow> shipping_flows(const std::vector<std::size_t>& sources, const std::vector<std::size_t>& hosts,
                                                 std::size_t pstate) const;
  /// Whether version `version` fits in the memory of every node of `res` (docs/model.md 4.12): each core holds
  /// the weights, gradients and optimizer state and the activations of its part of the batch. Hosts that do not
  /// declare memory always fit. When it does not fit, `why` (if given) says where and by how much.
  [[nodiscard]] bool fits(std::size_t version, const Resources& res, std::string* why = nullptr) const;
  /// The resource choices on which `version` fits (resource_choices() filtered by fits()).
  [[nodiscard]] std::vector<Resources> resource_choices(std::size_t version) const;
  /// Flops per sample version `version` costs on host `host` (a platform host index), in flops at the host's speed:
  /// measured by a device profile (seconds per sample x the host's speed at power state 0, so that a slower power
  /// state scales it by the platform's speed ratio; docs/model.md 4.15), else F_v with the host's sparse support.
  [[nodiscard]] double host_flops(std::size_t version, std::size_t host) const;
  /// Iterations mode: the fixed seconds per iteration of `version` on `host`: a device profile's fit, else the host's
  /// iteration_overhead_s.
  [[nodiscard]] double host_overhead(std::size_t version, std::size_t host) const;
  /// Work share of each host (proportional to total speed at the power state).
  [[nodiscard]] std::vector<double> shares(const std::vector<std::size_t>& hosts, std::size_t pstate) const;

  /// One epoch of `version` on `hosts` at power state `pstate` with `samples` samples: R rounds of (compute,
  /// synchronisation steps), as program() builds it (the executor rebuilds it when nodes fail).
  [[nodiscard]] std::vector<Step> epoch_steps(std::size_t version, const std::vector<std::size_t>& hosts, int pstate,
                                              double samples) const;
  /// What the plan does, segment by segment (shared by the executor and by evaluate()); without `epoch_steps`,
  /// each segment's `epoch` is left empty (evaluate() needs its synchronisation flows only).
  [[nodiscard]] std::vector<SegmentProgram> program(const Plan& plan, bool epoch_steps = true) const;
  /// Sets a segment program's epoch for its version, hosts and power state: `epoch` (rounds mode) or `iterations`.
  void set_epoch(SegmentProgram& sp, double samples) const;
  /// Iterations mode: one epoch of `version` on `hosts` as blocks of runs of identical iterations (ceil(samples / B)
  /// of them, the last with the rest of the samples; synchronising every training.sync_every and at the epoch's end).
  [[nodiscard]] std::vector<IterationBlock> epoch_iterations(std::size_t version, const std::vector<std::size_t>& hosts,
                                                           int pstate, double samples) const;
  /// The time line of one iteration as the executor runs it (docs/model.md 4.14).
  [[nodiscard]] IterationCost iteration_cost(const IterationWork& work) const;

  /// Cost of a whole plan (docs/model.md 4.3 and 4.5: hosts and links charged from first use to the end, idle included).
  /// The plan must be valid (see validate_plan).
  [[nodiscard]] PlanCost evaluate(const Plan& plan) const;
  /// The plan's time alone: evaluate(plan).time_s, the same sum to the last bit, without the energy's bookkeeping
  /// (for searches that test a deadline many times).
  [[nodiscard]] double plan_time(const Plan& plan) const;
  /// What a plan's time sums, per segment in order: whether it starts with an entry (data shipping, model migration)
  /// and that entry's makespan, then its epochs times one epoch's time. Neither depends on the segments' epoch counts,
  /// so a search may change `epochs` and sum again (sum_time) without costing the plan anew.
  struct TimeTerm {
    bool entry = false;
    double entry_s = 0.0;
    double epoch_s = 0.0;
    int epochs = 0;
  };
  [[nodiscard]] std::vector<TimeTerm> time_terms(const Plan& plan) const;
  /// evaluate()'s sum of the terms, in its order (plan_time(p) == sum_time(time_terms(p)), bit for bit).
  [[nodiscard]] static double sum_time(const std::vector<TimeTerm>& terms);
  /// The scenario's objective value of a cost.
  [[nodiscard]] double objective(const PlanCost& c) const;

  [[nodiscard]] const Scenario& scenario() const { return scenario_; }
  [[nodiscard]] const PlatformView& platform() const { return platform_; }

private:
  struct SyncRound {
    double time = 0.0;
    double link_dynamic = 0.0;
    double transmit = 0.0;
    std::set<std::size_t> links;
    std::map<std::size_t, double> link_load;
    std::vector<double> step_offsets;
    std::vector<std::vector<std::size_t>> step_links;  ///< EpochCost::step_links: the same for every data quantity
  };
  [[nodiscard]] SyncRound sync_round_of(std::size_t version, const std::vector<std::size_t>& hosts) const;
  /// training.sync hierarchical: the steps for `hosts` grouped by englobing zone (equal groups of two or more, at
  /// least two groups), or none (then the flat ring).
  [[nodiscard]] std::vector<std::vector<Flow>> hierarchical_steps(double bytes, const std::vector<std::size_t>& hosts) const;
  /// Iterations mode: one epoch composed from its iterations' costs (epoch_entry's work there).
  [[nodiscard]] EpochCost iteration_epoch(std::size_t version, const std::vector<std::size_t>& hosts, int pstate,
                                          double samples) const;
  /// epoch()'s cached entry itself (entries are never changed or erased, so the reference stays valid): evaluate()
  /// reads it without copying its maps.
  [[nodiscard]] const EpochCost& epoch_entry(std::size_t version, const Resources& res, double samples) const;
  const Scenario& scenario_;
  const PlatformView& platform_;
  /// By platform host index, by version: what a device profile measured (scenario.devices), if any.
  std::vector<std::vector<std::optional<MeasuredVersion>>> measured_;
  mutable std::mutex mutex_;
  mutable std::map<std::tuple<std::size_t, std::size_t, int, int, double>, EpochCost> epoch_cache_;
  mutable std::map<std::tuple<std::vector<std::size_t>, std::size_t, int, int>, PlanCost> shipping_cache_;
  /// shipping_flows' answers per (sources, hosts, power state): planners build the programs of many plans.
  mutable std::map<std::tuple<std::vector<std::size_t>, std::vector<std::size_t>, std::size_t>, std::vector<Flow>, std::less<>> flows_cache_;
  mutable std::map<std::tuple<std::size_t, std::vector<std::size_t>>, SyncRound> sync_cache_;
  mutable std::map<std::tuple<std::size_t, std::size_t, int, int>, bool> fit_cache_;  // planners ask for every choice
  /// A plan's entry flows (data shipping, model migration) and their replay: planners cost many plans that ship the
  /// same data to the same nodes.
  mutable std::map<std::vector<Flow>, FlowOutcome> entry_cache_;
  /// The samples per epoch of a plan's data sources (what evaluate and time_terms cost epochs on).
  [[nodiscard]] double plan_samples(const Plan& plan) const;
  /// (A reference into the cache: its entries are never erased or moved.)
  [[nodiscard]] const FlowOutcome& entry_outcome(const std::vector<Flow>& flows) const;
};

} // namespace deplsim
