// A user's fault events (docs/scenario.md section 2.12): host off/on and speed changes at given times of every
// replication, from a CSV file the scenario names. The executor replays them; planners do not see them.
#pragma once

#include "deplsim/scenario.hpp"

#include <string>
#include <vector>

namespace deplsim {

/// @brief One event, relative to each replication's start.
struct FaultEvent {
  double time_s = 0.0;
  std::string host;
  enum class Kind { off, on, speed } kind = Kind::off;
  double value = 1.0;  ///< speed: the factor applied to the host's speed (1: nominal)
  int line = 0;        ///< in the events file, for messages
};

/// @brief The events file and its events.
struct FaultSchedule {
  std::string file;  ///< resolved path, or empty
  std::vector<FaultEvent> events;
};

/// Reads an events file: CSV `time_s,host,event,value`, event off | on | speed (value: the speed factor, in
/// (0, 1000]). Returns the events in file order; on the first problem, `why` says FILE:LINE: what.
std::vector<FaultEvent> read_fault_events(const std::string& path, std::string& why);

/// Whether any node can fail, straggle or follow an events file (then every replication is simulated).
inline bool has_faults(const Scenario& scenario, const FaultSchedule& schedule) {
  return !schedule.events.empty() || scenario.has_fault_rates();
}

} // namespace deplsim
