/// @file scenario.hpp
/// @brief A validated scenario as planners see it (docs/scenario.md): the target, the clusters, the data sources,
/// the model versions and the switches a plan may make, the training settings. Plain structs: the loader fills
/// them, everything else reads them. What the scenario says about the ground truth (learning-curve parameters,
/// the measured profile, fault events) is the simulator's and is not here.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace deplsim {

/// @brief The planning target: reach `loss` with probability `probability` (optionally before a deadline).
struct Target {
  double loss = 0.0;                    ///< L*
  double probability = 0.0;             ///< p*, in (0, 1)
  std::optional<double> deadline_s;     ///< T_max in simulated seconds
  int max_epochs = 0;                   ///< K_max
};

enum class Objective { energy, time, money };

/// @brief A cluster: a named zone of the platform whose hosts train together.
struct Cluster {
  std::string name;
  std::string zone;
  double price_per_node_s = 0.0;        ///< for the money objective
  double mtbf_s = 0.0;                  ///< faults: mean time between failures of each node (0: never fails)
  double mttr_s = 0.0;                  ///< faults: mean time to repair a failed node
  double straggler_probability = 0.0;   ///< faults: chance that a node runs slow during an epoch
  double straggler_slowdown = 1.0;      ///< faults: how much slower a straggling node computes (>= 1)
};

/// @brief Faults (docs/scenario.md section 2.12): per-cluster rates live in `clusters[]`, the checkpoints here.
struct Faults {
  int checkpoint_every = 1;       ///< epochs between checkpoints (the model shipped to the controller)
};

/// @brief A data source: `samples` samples of `sample_bytes` bytes stored on `host`.
struct DataSource {
  std::string name;
  std::string host;
  long long samples = 0;
  double sample_bytes = 0.0;
};

/// @brief How a version was pruned, which decides what its training costs (docs/model.md 4.11).
/// structured: whole neurons or channels removed, a smaller dense network: it computes its own flops and sends its
/// own bytes everywhere. unstructured: single weights zeroed in the full network's dense tensors: it computes the
/// full network's flops (less the part of the saving a device with sparse support realises) and stores and sends
/// the full network's bytes.
enum class PruningKind { structured, unstructured };

/// @brief A model version: the full DNN or a pruned one.
struct ModelVersion {
  std::string name;
  double flops_per_sample = 0.0;  ///< F_v: forward + backward, per sample and epoch (non-zero weights only)
  double param_bytes = 0.0;       ///< S_v (non-zero weights only)
  double pruning = 0.0;           ///< fraction of weights removed (informational)
  PruningKind pruning_kind = PruningKind::structured;
  /// Activation memory a node holds per sample of its local batch while training (forward values kept for the
  /// backward pass); 0 when not declared.
  double activation_bytes_per_sample = 0.0;
};

/// @brief A declared model switch v -> v': a plan may change from `from` to `to` at a declared switch epoch.
struct SwitchDecl {
  std::string from;
  std::string to;
  std::size_t from_index = 0;
  std::size_t to_index = 0;
};

struct Model {
  std::string name;
  int batch_size = 0;
  /// The global batches a plan may choose from (model.batch_sizes, docs/model.md 1.2); empty: batch_size only.
  std::vector<int> batch_sizes;
  std::vector<ModelVersion> versions;  ///< the first is the full network
  std::vector<int> switch_epochs;      ///< epochs after which the version may change, increasing
  int max_switches = 0;
  std::vector<SwitchDecl> switches;    ///< the switches a plan may make (model.learning.switches)
};

/// How nodes synchronise (docs/model.md 4.2, 4.14): a ring all-reduce over all nodes, a parameter server on the first,
/// or hierarchical: a ring within each group of nodes that share a zone, then across the groups, then within again.
enum class SyncKind { ring_allreduce, parameter_server, hierarchical };

/// How an epoch is executed (docs/model.md 4.14): the paper's abstraction (R rounds of compute, then synchronisation)
/// or data-parallel iterations (a global batch per iteration, gradients synchronised in buckets that overlap the
/// backward pass).
enum class TrainingMode { rounds, iterations };

struct Training {
  SyncKind sync = SyncKind::ring_allreduce;
  int rounds_per_epoch = 1;  ///< R: synchronisation rounds per epoch (rounds mode)
  /// Optimizer state per weight, in copies of the weights (SGD 0, SGD with momentum 1, Adam 2): memory only.
  int optimizer_state_copies = 1;
  TrainingMode mode = TrainingMode::rounds;
  /// Iterations mode: gradient bucket size in bytes (PyTorch DDP's default bucket_cap_mb = 25, i.e. 25 MiB).
  double bucket_bytes = 25.0 * 1024 * 1024;
  /// Iterations mode: the backward pass's share of an iteration's flops (backward costs about twice the forward).
  double backward_share = 2.0 / 3.0;
  /// Iterations mode: synchronise every H iterations (local SGD; 1: every iteration, as DDP). The last iteration of
  /// an epoch always synchronises, so that every epoch ends with one model.
  int sync_every = 1;
};

/// @brief A device's speed for one version, measured by training it (analysis/profile/profile_device.py): seconds
/// per sample of forward + backward, and fixed seconds per iteration (the fit over the local batch sizes measured).
struct MeasuredVersion {
  double s_per_sample = 0.0;
  double fixed_s_per_iteration = 0.0;
};

/// @brief A device profile applied to training hosts (`devices`, docs/scenario.md 2.13; docs/model.md 4.15): on them a
/// version measured in the profile computes at its measured speed instead of flops / host speed.
struct MeasuredDevice {
  std::string profile;             ///< resolved path of the profile file
  std::vector<std::string> hosts;  ///< the hosts named (`hosts`)
  std::string zone;                ///< or every host of this zone (`zone`)
  std::vector<std::optional<MeasuredVersion>> versions;  ///< by scenario version index; unset: not measured
};

/// @brief A whole validated scenario.
struct Scenario {
  std::string path;            ///< the file it came from
  std::string name;
  std::string description;
  std::string platform;        ///< resolved path of the platform file
  std::string controller;      ///< host name
  Target target;
  Objective objective = Objective::energy;
  std::vector<Cluster> clusters;
  std::vector<DataSource> data_sources;
  Model model;
  Training training;
  Faults faults;
  std::vector<MeasuredDevice> devices;   ///< device profiles applied to hosts (empty: speeds from the platform)
  std::vector<std::string> simgrid_cfg;  ///< `key:value` settings passed to SimGrid

  [[nodiscard]] std::optional<std::size_t> version_index(const std::string& name) const;
  [[nodiscard]] std::optional<std::size_t> cluster_index(const std::string& name) const;
  [[nodiscard]] std::optional<std::size_t> source_index(const std::string& name) const;
  /// Bytes of version v's weights as nodes store and send them (gradients, the model shipped to new nodes or a
  /// checkpoint): its own for structured pruning, the full network's (the first version's) for unstructured.
  [[nodiscard]] double dense_bytes(std::size_t v) const;
  /// Flops per sample version v computes on a device that realises `sparse_efficiency` (in [0, 1]) of an
  /// unstructured version's saving: F_v for structured pruning, F_full - e x (F_full - F_v) for unstructured.
  [[nodiscard]] double flops_on(std::size_t v, double sparse_efficiency) const;
  /// Memory a node training version v on `local_batch` samples per iteration holds: weights, gradients and
  /// optimizer state (dense_bytes x (2 + optimizer_state_copies)) plus activations (per sample x local batch).
  [[nodiscard]] double memory_needed(std::size_t v, double local_batch) const;
  /// Iterations mode: iterations per epoch on `samples` samples, ceil(samples / global batch).
  [[nodiscard]] long long iterations_per_epoch(double samples) const;
  /// Index of the most-pruned version (fewest flops per sample; ties: the later one).
  [[nodiscard]] std::size_t most_pruned_version() const;
  /// Whether any node can fail or straggle at random (cluster rates; a user's fault events file is the
  /// simulator's, not shown here).
  [[nodiscard]] bool has_fault_rates() const {
    for (const auto& c : clusters)
      if (c.mtbf_s > 0 || (c.straggler_probability > 0 && c.straggler_slowdown > 1)) return true;
    return false;
  }
  /// The declared switch from -> to, if any.
  [[nodiscard]] const SwitchDecl* switch_declared(std::size_t from, std::size_t to) const;

  /// Name -> index maps behind the *_index lookups (constant time for any number of sources); built on first use,
  /// rebuilt when the lists have changed since. Not part of the scenario's value.
  struct NameIndexes;
  mutable std::shared_ptr<const NameIndexes> name_indexes;
};

const char* to_string(Objective o);
const char* to_string(SyncKind s);
const char* to_string(PruningKind k);

} // namespace deplsim
