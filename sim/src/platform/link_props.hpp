// Link properties as written in the platform file. SimGrid 3.32 drops the <prop> children of SPLITDUPLEX links
// (they reach neither the _UP nor the _DOWN half), so the link energy plugin would see no `wattage_range` on
// them; deplsim reads the properties itself and copies them onto both halves. Zones as written (routing model, line)
// serve the messages about missing routes.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace deplsim {

struct LinkProps {
  bool splitduplex = false;
  std::map<std::string, std::string> props;
};

/// Every <link> of the file by id, with its sharing policy and properties. The file must have passed
/// check_platform_xml. Returns an empty map if it cannot be read.
std::map<std::string, LinkProps> read_link_props(const std::string& path);

/// A zone as written: its routing model ("Cluster" for a <cluster>, "" when not given) and its line.
struct ZoneDeclaration {
  std::string routing;
  int line = 0;
};

/// Every <zone> and <cluster> of the file by id. The file must have passed check_platform_xml. Returns an empty map if
/// it cannot be read.
std::map<std::string, ZoneDeclaration> read_zone_declarations(const std::string& path);

/// SimGrid's Wi-Fi energy figures of a cell (the WIFI link's `wifi_watt_values` "idle:tx:rx:sleep" and
/// `control_duration`; SimGrid's defaults, ns-3's, where not written) and the cell's watts as deplsim charges them,
/// at no air time (`idle_w`) and at full air time (`busy_w`), for a cell of `stations` stations and its access
/// point: idle_w = (n + 1) idle (1 - c) + n rx c, busy_w = n rx + tx + n rx c (docs/model.md 4.13).
struct WifiWatts {
  double idle = 0.82, tx = 1.14, rx = 0.94, control = 0.0036;
  double idle_w = 0.0, busy_w = 0.0;
};
WifiWatts wifi_cell_watts(const std::map<std::string, std::string>& link_props, std::size_t stations);

/// A SimGrid Wi-Fi cell as written: a `<zone routing="Wifi">`, its one WIFI link (the air, one bandwidth per rate
/// level), its access point and its stations (the hosts directly in the zone) with the rate level each uses (the
/// host's `wifi_rate_level` property; 0, the first bandwidth, when not declared). SimGrid 3.32 has no XML for a
/// station's level and aborts a communication of a station without one: deplsim sets them (apply_wifi_rates).
struct WifiCell {
  std::string zone;
  std::string link;
  std::string access_point;
  std::vector<double> rates;                              ///< bytes/s per level, as written
  std::vector<std::pair<std::string, int>> stations;      ///< (host, level) in file order
  WifiWatts watts;                                        ///< filled by apply_wifi_cells
};

/// Every Wi-Fi cell of the file, in file order. The file must have passed check_platform_xml.
std::vector<WifiCell> read_wifi_cells(const std::string& path);


/// True when the platform file gives any host or link a profile (availability, state, speed, bandwidth or
/// latency file, or a <trace_connect>): its costs then vary over time and are simulated per replication.
bool platform_has_profiles(const std::string& path);

} // namespace deplsim
