// Loading a platform safely: the XML is checked with libxml2 first, then SimGrid loads it in a child process
// (SimGrid aborts the whole process on some bad files) which extracts the PlatformView the planners need
// (hosts, power states, watts, links, the routes of the scenario, the network-model settings) and sends it
// back as JSON. The parent never runs SimGrid on a file that has not loaded cleanly once.
#pragma once

#include "deplsim/error.hpp"
#include "deplsim/platform.hpp"
#include "platform/link_props.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

namespace deplsim {

/// What the scenario needs from the platform.
struct ProbeRequest {
  std::string platform;                  ///< path of the platform file
  std::vector<std::string> simgrid_cfg;  ///< `key:value` settings for SimGrid
  std::vector<std::string> simgrid_log;  ///< log settings for SimGrid
  std::string controller;
  /// The platform alone (`platform show` without a scenario): no controller, sources or clusters, no routes.
  bool platform_only = false;
  std::vector<std::string> source_hosts;
  std::vector<std::string> cluster_zones;
  /// The scenario's objective is energy: every training host needs a `wattage_per_state` (a problem otherwise, as
  /// SimGrid's energy plug-in would count such a host as drawing nothing).
  bool require_wattage = false;
  /// training.sync is hierarchical: also the routes between the rings' neighbours within and across zone groups.
  bool hierarchical = false;
};

/// A name of the scenario that the platform does not satisfy.
struct ProbeProblem {
  std::string what;    ///< "controller", "source", "cluster", "route"
  std::size_t index = 0;
  std::string message;
  int line = 0;  ///< the platform file's line it concerns (a zone missing routes), 0 when none
};

struct ProbeResult {
  PlatformView view;
  std::vector<ProbeProblem> problems;
  /// The (src, dst) host indices of the routes extracted into `view`, in the order extracted: what to_json writes
  /// (PlatformView keeps the routes but does not list them, and asking it about every pair of hosts is quadratic).
  std::vector<std::pair<std::size_t, std::size_t>> route_pairs;
};

/// Checks the XML, loads the platform in a child process and extracts the view. Throws InputError when the
/// file is bad (with SimGrid's own message when SimGrid rejected it).
ProbeResult probe_platform(const ProbeRequest& request);

/// The extraction itself, in this process (SimGrid's engine must be created and the platform loaded by the
/// caller). Used by the child of probe_platform and by the executor.
ProbeResult extract_platform_view(const ProbeRequest& request);

/// Copies the <prop>s written on SPLITDUPLEX links onto their _UP and _DOWN halves (SimGrid 3.32 drops them,
/// so the link energy plugin would read no `wattage_range`). Call after loading, before simulating.
void copy_splitduplex_properties(const std::string& platform);

/// Sets every Wi-Fi cell's station rates (SimGrid 3.32 has no XML for them and aborts a station's first
/// communication without one) and writes the cell's watts as the WIFI link's `wattage_range`, for SimGrid's link
/// energy plug-in (link_props.hpp, wifi_cell_watts). Call after loading, before simulating. Returns the cells, with
/// their watts.
std::vector<WifiCell> apply_wifi_cells(const std::string& platform);

nlohmann::json to_json(const ProbeResult& r);
ProbeResult probe_result_from_json(const nlohmann::json& j);

} // namespace deplsim
