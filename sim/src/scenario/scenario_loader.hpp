// Loads a scenario YAML file into a validated LoadedScenario (docs/scenario.md), applying --set overrides first.
// Every problem found is reported at once, as file:line:column: key: message.
#pragma once

#include "deplsim/error.hpp"
#include "deplsim/scenario.hpp"
#include "deplsim/settings.hpp"
#include "scenario/fault_events.hpp"
#include "scenario/learning_spec.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace deplsim {

/// The largest target.max_epochs accepted (docs/scenario.md 2.2).
inline constexpr int kMaxEpochs = 100000;

/// Where each key of a scenario was written, so later checks (against the platform) can point at it.
class SourceMap {
public:
  void record(const std::string& key, InputIssue where) { where_[key] = std::move(where); }
  /// An issue located at `key` (or at the file if unknown).
  [[nodiscard]] InputIssue at(const std::string& key, const std::string& message) const;
  std::string file;

private:
  std::map<std::string, InputIssue> where_;
};

/// @brief A loaded scenario: what planners see, and what only the simulator sees.
struct LoadedScenario {
  Scenario scenario;         ///< the planners' view
  LearningSpec learning;     ///< the ground truth's parameters and how the knowledge is built
  FaultSchedule faults;      ///< a user's fault events
  PlannerSettings planners;  ///< the `planners` section, read by each orchestrator's configure()
  SourceMap where;
};

/// Loads and validates `path` with `overrides` (each `KEY=VALUE`) and, if given, a platform file replacing the
/// scenario's (`--platform`, relative to the current directory). Throws InputError listing every problem.
LoadedScenario load_scenario(const std::string& path, const std::vector<std::string>& overrides = {},
                             const std::optional<std::string>& platform_override = std::nullopt);

/// Same, from text (tests); `path` is used for messages and to resolve the platform path.
LoadedScenario load_scenario_text(const std::string& text, const std::string& path,
                                  const std::vector<std::string>& overrides = {});

} // namespace deplsim
