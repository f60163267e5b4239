// Link properties as written in the platform file. SimGrid 3.32 drops the <prop> children of SPLITDUPLEX links
// (they reach neither the _UP nor the _DOWN half), so the link energy plugin would see no `wattage_range` on
// them; deplsim reads the properties itself and copies them onto both halves.
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

/// True when the platform file gives any host or link a profile (availability, state, speed, bandwidth or
/// latency file, or a <trace_connect>): its costs then vary over time and are simulated per replication.
bool platform_has_profiles(const std::string& path);

} // namespace deplsim
