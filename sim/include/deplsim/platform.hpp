/// @file platform.hpp
/// @brief A read-only view of the SimGrid platform for planners and the cost model: hosts with their power
/// states and watts, links with bandwidth, latency and watts, the routes deplsim needs, the clusters' host
/// lists, and the network-model settings SimGrid uses. No SimGrid type appears here: the view is extracted
/// from SimGrid itself (in a child process, see platform_probe) and is plain data afterwards.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace deplsim {

/// @brief One DVFS power state of a host.
struct PowerState {
  double speed = 0.0;       ///< flop/s per core
  double idle_w = 0.0;      ///< watts when idle
  double epsilon_w = 0.0;  ///< "epsilon" watts: SimGrid 3.32 draws epsilon + load x (all_cores - epsilon) when busy
  double all_cores_w = 0.0; ///< watts with all cores busy
};

struct HostView {
  std::string name;
  std::vector<std::string> zones;  ///< englobing zone first, then its ancestors up to the root
  int cores = 1;
  std::vector<PowerState> pstates;
  double off_w = 0.0;
  /// Memory one core can use for training (the host's `memory` property: a GPU's device memory, a board's unified
  /// memory), in bytes; 0 when the platform does not declare it.
  double memory_bytes = 0.0;
  /// Fraction of an unstructured-pruned version's flop saving the host realises (the `sparse_efficiency` property:
  /// 0, dense kernels, the default; 1, sparse kernels as fast per non-zero weight as dense ones).
  double sparse_efficiency = 0.0;
  /// Watts the host's network interface or radio draws while it sends (the `transmit_w` property; 0 when not
  /// declared): charged from the start of each phase in which it sends until its last byte of the phase is sent,
  /// whether or not the host trains (a data source's radio, docs/model.md 4.13).
  double transmit_w = 0.0;
  /// Seconds of fixed overhead per training iteration (the `iteration_overhead_s` property: kernel launches, the
  /// framework's Python, the optimizer step's bookkeeping), spent at idle power before each iteration's forward pass
  /// (iterations mode, docs/model.md 4.14); 0 when not declared.
  double iteration_overhead_s = 0.0;
  /// Total flop/s of the host at power state `p` (speed x cores).
  [[nodiscard]] double total_speed(std::size_t p) const { return pstates.at(p).speed * cores; }
  [[nodiscard]] bool in_zone(const std::string& zone) const;
};

struct LinkView {
  std::string name;
  double bandwidth = 0.0;  ///< bytes/s
  double latency = 0.0;    ///< s
  bool fatpipe = false;    ///< FATPIPE: flows do not share the bandwidth
  double idle_w = 0.0;     ///< link energy plugin: watts when idle
  double busy_w = 0.0;     ///< watts at full load
  std::string link_class;  ///< the link's `class` property (wifi, wan, ...); empty when not declared
  /// A SimGrid WIFI link: the air of a Wi-Fi cell (a `routing="Wifi"` zone, docs/platforms.md section 8). Its
  /// capacity is 1 (air time) and a flow takes 1/rate of it per byte/s for each end that is a station, so
  /// `bandwidth` is 1, as SimGrid reports it; idle_w and busy_w are the cell's watts at no and at full air time,
  /// derived from its Wi-Fi radio figures below (link_props.hpp, wifi_cell_watts).
  bool wifi = false;
  /// The cell's stations (host index, rate in bytes/s at the station's `wifi_rate_level`), sorted by host.
  std::vector<std::pair<std::size_t, double>> wifi_stations;
  /// SimGrid's Wi-Fi energy figures for the cell: each radio's watts idle, sending and receiving
  /// (`wifi_watt_values`) and the fraction of time spent on beacons (`control_duration`).
  double wifi_idle_w = 0.0, wifi_tx_w = 0.0, wifi_rx_w = 0.0, wifi_control = 0.0;
  /// A station's rate on this WIFI link in bytes/s; 0 when `host` is not one of its stations.
  [[nodiscard]] double wifi_rate(std::size_t host) const;
};

/// @brief A route between two hosts: the links in order and the summed raw latency.
struct RouteView {
  std::vector<std::size_t> links;
  double latency = 0.0;
};

/// @brief SimGrid's network-model settings in effect (read from SimGrid's configuration).
struct NetworkSettings {
  std::string model = "LV08";
  double latency_factor = 13.01;
  double bandwidth_factor = 0.97;
  double tcp_gamma = 4194304.0;
  double weight_s = 20537.0;
  bool crosstraffic = true;
  double maxmin_precision = 1e-5;  ///< `maxmin/precision`: where SimGrid's solver takes a link's usage for zero
};

/// @brief The platform as planners see it.
class PlatformView {
public:
  std::string file;
  std::string simgrid_version;
  NetworkSettings network;
  std::vector<HostView> hosts;
  std::vector<LinkView> links;
  std::vector<std::string> zones;  ///< every zone name of the platform
  /// Training hosts of each scenario cluster, fastest first (total speed at power state 0, ties by name).
  std::vector<std::vector<std::size_t>> cluster_hosts;

  [[nodiscard]] std::optional<std::size_t> host_index(const std::string& name) const;
  /// The route from `src` to `dst`; throws std::out_of_range if it was not extracted.
  [[nodiscard]] const RouteView& route(std::size_t src, std::size_t dst) const;
  [[nodiscard]] bool has_route(std::size_t src, std::size_t dst) const;
  void add_route(std::size_t src, std::size_t dst, RouteView r);
  void index_hosts();
  /// The links' classes, sorted, each once: a link's `class` property; SimGrid's __loopback__ link is "loopback";
  /// a Wi-Fi cell's air without one is kWifiCell; any other link without one is kUnclassified.
  [[nodiscard]] std::vector<std::string> link_classes() const;
  /// Link `l`'s class (its `class` property, "loopback" for SimGrid's __loopback__, kWifiCell for a Wi-Fi cell's air,
  /// else kUnclassified).
  [[nodiscard]] std::string link_class_of(std::size_t l) const;
  /// Each link's index in link_classes(), by link index (computed in one pass).
  [[nodiscard]] std::vector<std::size_t> link_class_indices() const;
  static constexpr const char* kUnclassified = "unclassified";
  static constexpr const char* kWifiCell = "wifi-cell";
  /// Power states usable by every one of `hosts` (the smallest count).
  [[nodiscard]] std::size_t common_pstates(const std::vector<std::size_t>& hosts) const;

private:
  std::map<std::string, std::size_t> by_name_;
  /// Routes by src x 2^32 + dst: looked up for every flow the cost model replays (hashed: never iterated).
  std::unordered_map<std::uint64_t, RouteView> routes_;
  static std::uint64_t route_key(std::size_t src, std::size_t dst) {
    return (static_cast<std::uint64_t>(src) << 32) | static_cast<std::uint64_t>(dst);
  }
};

} // namespace deplsim
