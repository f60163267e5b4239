/// @file orchestrator.hpp
/// @brief The one interface every orchestrator implements (the plug-in SDK, version 0.x): plan() returns a
/// Plan for a Problem; an adaptive orchestrator also returns a fresh per-replication policy that may revise
/// the remaining segments at each epoch end. Built-in orchestrators are registered by name in a registry.
#pragma once

#include "deplsim/plan.hpp"
#include "deplsim/problem.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace deplsim {

/// SDK version: plug-ins carry it; 0.x may change until the adaptive orchestrators have landed.
constexpr int kSdkVersionMajor = 0;
constexpr int kSdkVersionMinor = 1;

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

class Orchestrator {
public:
  virtual ~Orchestrator() = default;
  [[nodiscard]] virtual std::string name() const = 0;
  /// Plans for the problem. Infeasibility is a plan with status `infeasible` and a reason, not an exception.
  virtual Plan plan(const Problem& problem) = 0;
  /// Adaptive orchestrators return a fresh policy per replication; others return nullptr.
  virtual std::unique_ptr<ReplicationPolicy> start_replication(const Problem& /*problem*/, const Plan& /*plan*/) {
    return nullptr;
  }
};

/// @brief Name-keyed orchestrator factory; an unknown name is an error listing the known ones.
class OrchestratorRegistry {
public:
  using Factory = std::function<std::unique_ptr<Orchestrator>()>;
  struct Entry {
    std::string name;
    std::string description;
    Factory make;
  };
  void add(std::string name, std::string description, Factory make);
  /// Throws InputError ("unknown orchestrator 'x' (known: a, b, c)").
  [[nodiscard]] std::unique_ptr<Orchestrator> make(const std::string& name) const;
  [[nodiscard]] const std::vector<Entry>& entries() const { return entries_; }
  [[nodiscard]] bool contains(const std::string& name) const;

private:
  std::vector<Entry> entries_;
};

} // namespace deplsim
