// Link properties as written in the platform file. SimGrid 3.32 drops the <prop> children of SPLITDUPLEX links
// (they reach neither the _UP nor the _DOWN half), so the link energy plugin would see no `wattage_range` on
// them; deplsim reads the properties itself and copies them onto both halves. Zones as written (routing model, line)
// serve the messages about missing routes.
#pragma once

#include <map>
#include <string>

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

/// True when the platform file gives any host or link a profile (availability, state, speed, bandwidth or
/// latency file, or a <trace_connect>): its costs then vary over time and are simulated per replication.
bool platform_has_profiles(const std::string& path);

} // namespace deplsim
