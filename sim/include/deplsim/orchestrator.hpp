/// @file orchestrator.hpp
/// @brief The one interface every orchestrator implements (the plug-in SDK, version 0.x): configure() reads its
/// settings, plan() returns a Plan for a Problem; an adaptive orchestrator also returns a fresh per-replication
/// policy that may revise the remaining segments at each epoch end. Orchestrators are registered by name.
#pragma once

#include "deplsim/plan.hpp"
#include "deplsim/problem.hpp"
#include "deplsim/settings.hpp"

#include <functional>
#include <utility>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace deplsim {

/// SDK version: plug-ins carry it; 0.x may change until the adaptive orchestrators have landed.
constexpr int kSdkVersionMajor = 0;
constexpr int kSdkVersionMinor = 6;  // 0.6: LinkView describes Wi-Fi cells (wifi, wifi_stations, the radios), NetworkSettings::maxmin_precision; 0.5: TransitionKernel rows as spans over one array

/// @brief What an adaptive orchestrator observes at the end of an epoch.
struct Observation {
  int epoch = 0;              ///< epochs completed
  double validation_loss = 0.0;
  double time_s = 0.0;        ///< since the replication's start
  double energy_j = 0.0;      ///< since the replication's start
  std::vector<std::string> failed_hosts;
};

/// @brief A per-replication policy of an adaptive orchestrator.
class ReplicationPolicy {
public:
  virtual ~ReplicationPolicy() = default;
  /// Returns the new segments to run after the current epoch (replacing the rest of the plan), or nothing.
  virtual std::optional<std::vector<Segment>> on_epoch_end(const Observation& observation) = 0;
};

/// Replays a policy on given losses, without simulating cost (docs/model.md 3.7): starting from `initial`, after every
/// epoch it observes the validation loss of what has run so far and may replace the rest; returns the schedule it
/// delivers and its losses (`losses(schedule)`: the trajectory of a schedule, e.g. one training run's). Observation's
/// time and energy are 0.
std::pair<Schedule, Trajectory> replay_policy(const Scenario& scenario, ReplicationPolicy& policy, const std::vector<Segment>& initial,
                                              const std::function<Trajectory(const Schedule&)>& losses);

class Orchestrator {
public:
  virtual ~Orchestrator() = default;
  [[nodiscard]] virtual std::string name() const = 0;
  /// Reads this orchestrator's settings from the scenario's `planners` section (see settings.hpp) and checks them,
  /// throwing InputError for a bad value. Called before plan(), and, for every registered orchestrator, whenever a
  /// scenario is loaded, so that every setting is checked before any work starts.
  virtual void configure(const PlannerSettings& /*settings*/) {}
  /// Plans for the problem. Infeasibility is a plan with status `infeasible` and a reason, not an exception.
  virtual Plan plan(const Problem& problem) = 0;
  /// Adaptive orchestrators return a fresh policy per replication; others return nullptr.
  virtual std::unique_ptr<ReplicationPolicy> start_replication(const Problem& /*problem*/, const Plan& /*plan*/) {
    return nullptr;
  }
  /// Whether the replications need this very object to have planned (it keeps state made by plan(), like an
  /// orchestrator in a process of its own): a resumed run then plans again rather than reusing the plan it kept.
  [[nodiscard]] virtual bool stateful() const { return false; }
  /// Called once after the last replication (or after plan() when nothing is simulated). Throws InputError when
  /// the orchestrator did not end well (e.g. an external process that did not exit cleanly).
  virtual void finish() {}
  /// Whether plan() can write the model it solves to a file (`deplsim plan --write-model FILE`).
  [[nodiscard]] virtual bool writes_model() const { return false; }
  /// The file to write the model to (.lp or .mps), before plan(); only called when writes_model().
  virtual void set_model_file(const std::string& /*path*/) {}
};

/// @brief A command-line shorthand for one of an orchestrator's settings: `--node-limit N` sets
/// `planners.optimum.node_limit=N` for the commands that plan (plan, run, compare).
struct SettingFlag {
  std::string flag;       ///< e.g. "--node-limit"
  std::string key;        ///< below `planners`, e.g. "optimum.node_limit"
  std::string help;
  std::string type_name;  ///< e.g. "N"
  Interval range;         ///< checked by the command line
};

/// @brief Name-keyed orchestrator factory; an unknown name is an error listing the known ones.
class OrchestratorRegistry {
public:
  using Factory = std::function<std::unique_ptr<Orchestrator>()>;
  struct Entry {
    std::string name;
    std::string description;
    Factory make;
    std::vector<SettingFlag> flags;  ///< command-line shorthands for its settings
  };
  void add(std::string name, std::string description, Factory make, std::vector<SettingFlag> flags = {});
  /// Throws InputError ("unknown orchestrator 'x' (known: a, b, c)").
  [[nodiscard]] std::unique_ptr<Orchestrator> make(const std::string& name) const;
  /// make(name), then configure(settings).
  [[nodiscard]] std::unique_ptr<Orchestrator> make_configured(const std::string& name, const PlannerSettings& settings) const;
  [[nodiscard]] const std::vector<Entry>& entries() const { return entries_; }
  [[nodiscard]] bool contains(const std::string& name) const;

private:
  std::vector<Entry> entries_;
};

} // namespace deplsim
