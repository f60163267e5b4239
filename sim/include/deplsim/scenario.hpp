/// @file scenario.hpp
/// @brief A validated scenario (docs/scenario.md): target, clusters, data sources, model versions and their
/// learning parameters, training settings. Plain structs: loaders fill them, everything else reads them.
#pragma once

#include <cstddef>
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

/// @brief A fault event of a user's profile file, replayed relative to each replication's start.
struct FaultEvent {
  double time_s = 0.0;
  std::string host;
  enum class Kind { off, on, speed } kind = Kind::off;
  double value = 1.0;  ///< speed: the factor applied to the host's speed (1: nominal)
  int line = 0;        ///< in the events file, for messages
};

/// @brief Faults (docs/scenario.md section 2.12): per-cluster rates live in `clusters[]`, these settings here.
struct Faults {
  int checkpoint_every = 1;       ///< epochs between checkpoints (the model shipped to the controller)
  std::string events_file;        ///< resolved path of a user's events CSV, or empty
  std::vector<FaultEvent> events;
};

/// @brief A data source: `samples` samples of `sample_bytes` bytes stored on `host`.
struct DataSource {
  std::string name;
  std::string host;
  long long samples = 0;
  double sample_bytes = 0.0;
};

/// @brief Version-level parameters of the parametric learning curve (MODEL.md 4.1).
struct VersionLearning {
  double floor = 0.0;          ///< F_v at q_ref
  double rate = 0.0;           ///< lambda_v, per epoch
  double shape = 1.0;          ///< beta_v
  double spread = 0.0;         ///< sigma_v, spread of the floor between runs at q_ref
  double overfit_slope = 0.0;  ///< eta_v, loss per epoch after overfit_start at q_ref
  double overfit_start = 0.0;  ///< k*_v
};

/// @brief A model version: the full DNN or a pruned one.
struct ModelVersion {
  std::string name;
  double flops_per_sample = 0.0;  ///< F_v: forward + backward, per sample and epoch
  double param_bytes = 0.0;       ///< S_v
  double pruning = 0.0;           ///< fraction of weights removed (informational)
  VersionLearning learning;
};

/// @brief Behaviour of a switch v -> v' (MODEL.md 4.1): a jump, then relaxation toward the switch floor.
struct SwitchLearning {
  std::string from;
  std::string to;
  std::size_t from_index = 0;
  std::size_t to_index = 0;
  double jump = 0.0;   ///< J_{v->v'}
  double floor = 0.0;  ///< F_{v->v'} at q_ref
};

/// @brief Model-level learning parameters.
struct LearningModel {
  std::string kind = "parametric";    ///< "parametric" (MODEL.md 4.1) or "traces" (a measured profile, 4.4)
  std::string profile;                ///< traces: resolved path of the profile CSV
  int knowledge_seeds = 0;            ///< traces: how many of the profile's sorted seeds the planner learns from
  double initial_loss = 0.0;          ///< L_0
  double reference_samples = 0.0;     ///< q_ref
  double floor_data_exponent = 0.0;   ///< alpha
  double spread_data_exponent = 0.0;  ///< gamma
  double overfit_data_exponent = 0.0; ///< zeta
  double rate_spread = 0.0;           ///< sigma_rate
  double epoch_noise = 0.0;           ///< sigma_ep
  double eval_noise = 0.0;            ///< sigma_eval
  int knowledge_trajectories = 8000;  ///< planner's training trajectories per kernel chain
  int levels = 100;                   ///< B: loss levels of the planner's grid (a boundary at L*)
  std::vector<double> data_buckets{0.25, 0.5, 0.75, 1.0};  ///< fractions of all samples with knowledge
  std::vector<SwitchLearning> switches;
};

struct Model {
  std::string name;
  int batch_size = 0;
  std::vector<ModelVersion> versions;  ///< the first is the full network
  std::vector<int> switch_epochs;      ///< epochs after which the version may change, increasing
  int max_switches = 0;
  LearningModel learning;
};

enum class SyncKind { ring_allreduce, parameter_server };

struct Training {
  SyncKind sync = SyncKind::ring_allreduce;
  int rounds_per_epoch = 1;  ///< R: synchronisation rounds per epoch
};

/// @brief Settings of the built-in planners.
struct PlannerSettings {
  double safety_delta = 0.1;  ///< expected-loss+safety: E[L] <= (1 - delta) L*
  double margin_step = 0.01;  ///< expected-loss+margin: grid step of the margin on L*
  /// optimum (CBC): branch-and-bound node limit per data set's MILP (a node limit, not a time limit, so that
  /// results do not depend on the machine's speed)
  long long optimum_node_limit = 100000;
  double optimum_gap = 0.0;     ///< optimum: relative gap at which CBC may stop (0: prove optimality)
  int optimum_max_segments = 4; ///< optimum: most segments (runs of one version and resource choice) a plan has
  std::string optimum_model_file;  ///< optimum: write the chosen data set's MILP here (.lp or .mps); CLI only
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
  PlannerSettings planners;
  Faults faults;
  std::vector<std::string> simgrid_cfg;  ///< `key:value` settings passed to SimGrid

  [[nodiscard]] std::optional<std::size_t> version_index(const std::string& name) const;
  [[nodiscard]] std::optional<std::size_t> cluster_index(const std::string& name) const;
  [[nodiscard]] std::optional<std::size_t> source_index(const std::string& name) const;
  /// Index of the most-pruned version (fewest flops per sample; ties: the later one).
  [[nodiscard]] std::size_t most_pruned_version() const;
  /// Whether any node can fail, straggle or follow an events file (then every replication is simulated).
  [[nodiscard]] bool has_faults() const {
    if (!faults.events.empty()) return true;
    for (const auto& c : clusters)
      if (c.mtbf_s > 0 || (c.straggler_probability > 0 && c.straggler_slowdown > 1)) return true;
    return false;
  }
  /// Learning parameters of switch from -> to, if declared.
  [[nodiscard]] const SwitchLearning* switch_learning(std::size_t from, std::size_t to) const;
};

const char* to_string(Objective o);
const char* to_string(SyncKind s);

} // namespace deplsim
