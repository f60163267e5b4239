/// @file xml_check_links.cpp
/// @brief The platform-file check of links and backbones: bandwidths, latencies, sharing policies, the wattage
/// properties of the link energy plug-in, and link names.
///
/// What: each link's bandwidth (several only on WIFI links) and latency in SimGrid's units, wattage_range (or
/// watt_range), wattage_off and class (docs/platforms.md), and every link name declared, with the _UP and _DOWN halves SimGrid creates for a
/// SPLITDUPLEX link, so that routes can be checked against them.
/// Why: SimGrid 3.32 aborts the process on some of these mistakes, a link declared twice among them (xml_check.hpp),
/// and the check of the routes (xml_check_routes.cpp) needs every link name.
#include "platform/xml_check.hpp"
#include "platform/xml_check_internal.hpp"

#include <algorithm>
#include <cctype>

namespace deplsim::platform_xml {

/// Returns the bandwidth when valid; `optional_empty`: an empty value means "not set" (cluster bb_bw, ...).
std::optional<double> PlatformChecker::check_bandwidth(const xmlNode* node, const char* attr_name, bool optional_empty)
{
  auto text = attribute(node, attr_name);
  if (!text || (optional_empty && text->empty()))
    return std::nullopt;
  double value = 0;
  if (!parse_bandwidth(*text, value)) {
    report(node, key_of(node, attr_name),
           "invalid bandwidth " + in_quotes(*text) + ": expected a number with a unit such as 1Gbps, 125MBps, 10GiBps");
    return std::nullopt;
  }
  if (value <= 0) {
    report(node, key_of(node, attr_name), "bandwidth must be positive, got " + in_quotes(*text));
    return std::nullopt;
  }
  return value;
}

std::optional<double> PlatformChecker::check_latency(const xmlNode* node, const char* attr_name, bool optional_empty)
{
  auto text = attribute(node, attr_name);
  if (!text || (optional_empty && text->empty()))
    return std::nullopt;
  double value = 0;
  if (!parse_latency(*text, value)) {
    report(node, key_of(node, attr_name),
           "invalid latency " + in_quotes(*text) + ": expected a number with a unit such as 20ms, 50us, 1s, or 0");
    return std::nullopt;
  }
  if (value < 0) {
    report(node, key_of(node, attr_name), "latency must not be negative, got " + in_quotes(*text));
    return std::nullopt;
  }
  return value;
}

void PlatformChecker::check_link(const xmlNode* node)
{
  const std::string policy = attribute_or(node, "sharing_policy", "SHARED");
  if (policy == "WIFI" && (node->parent == nullptr || element_name(node->parent) != "zone" ||
                           attribute_or(node->parent, "routing", "") != "Wifi"))
    report(node, key_of(node, "sharing_policy"),
           "a WIFI link is the air of a Wi-Fi cell: declare it directly in a <zone routing=\"Wifi\"> (with the "
           "zone's stations and its access point)");
  if (auto text = attribute(node, "bandwidth")) {
    if (policy == "WIFI") {
      for (const std::string& part : split(*text, ";,")) {
        double value = 0;
        if (!parse_bandwidth(part, value) || value <= 0)
          report(node, key_of(node, "bandwidth"),
                 "invalid WIFI bandwidth " + in_quotes(part) + " in " + in_quotes(*text) +
                     ": expected positive numbers with a unit such as 54Mbps, separated by commas");
      }
    } else if (text->find_first_of(";,") != std::string::npos) {
      report(node, key_of(node, "bandwidth"),
             "only WIFI links may list several bandwidths, got " + in_quotes(*text) + " on a " + policy + " link");
    } else {
      check_bandwidth(node, "bandwidth");
    }
  }
  check_latency(node, "latency");
  check_link_props(node);
  declare_link(node, attribute_or(node, "id", ""), "link", policy == "SPLITDUPLEX" || policy == "FULLDUPLEX");
}

void PlatformChecker::check_link_props(const xmlNode* link)
{
  for (const xmlNode* prop : child_elements(link)) {
    if (element_name(prop) != "prop")
      continue;
    const std::string id    = attribute_or(prop, "id", "");
    const std::string value = attribute_or(prop, "value", "");
    const std::string key   = label(link) + "." + label(prop);
    const bool wifi = attribute_or(link, "sharing_policy", "") == "WIFI";
    if (wifi && (id == "wattage_range" || id == "watt_range")) {
      report(prop, key, id + ": a WIFI link's energy comes from its radios: declare \"wifi_watt_values\" "
                        "(\"idle:tx:rx:sleep\" watts of each radio) and \"control_duration\" instead");
    } else if (id == "wifi_watt_values") {
      const std::vector<std::string> numbers = split(value, ":");
      if (!wifi)
        report(prop, key, "wifi_watt_values: only a WIFI link (sharing_policy=\"WIFI\") has radios");
      else if (numbers.size() != 4)
        report(prop, key, "wifi_watt_values: expected \"idle:tx:rx:sleep\" (4 numbers separated by ':', the watts of "
                          "each radio of the cell), got " + in_quotes(value));
      else
        for (const std::string& number : numbers)
          if (auto problem = energy_number_problem(trim(number))) {
            report(prop, key, "wifi_watt_values: in " + in_quotes(value) + ": " + *problem);
            break;
          }
    } else if (id == "control_duration") {
      const auto x = parse_plain_number(trim(value));
      if (!wifi)
        report(prop, key, "control_duration: only a WIFI link (sharing_policy=\"WIFI\") sends beacons");
      else if (!x || !(*x >= 0 && *x <= 1))
        report(prop, key, "control_duration: expected the fraction of time the cell's radios spend on beacons, a number "
                          "in [0, 1], got " + in_quotes(value));
    } else if (id == "wattage_range" || id == "watt_range") {
      const std::vector<std::string> pairs = split(value, ",");
      const std::vector<std::string> numbers = split(pairs.front(), ":");
      if (pairs.size() != 1 || numbers.size() != 2) {
        report(prop, key, "expected \"idle:busy\" (2 numbers separated by ':'), got " + in_quotes(value));
        continue;
      }
      for (const std::string& number : numbers)
        if (auto problem = energy_number_problem(trim(number))) {
          report(prop, key, "in " + in_quotes(value) + ": " + *problem);
          break;
        }
    } else if (id == "wattage_off") {
      if (auto problem = energy_number_problem(trim(value)))
        report(prop, key, "wattage_off: " + *problem);
    } else if (id == "class") {
      const bool valid = !value.empty() && value.size() <= 64 && std::all_of(value.begin(), value.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.';
      });
      if (!valid)
        report(prop, key,
               "class: expected a name of 1 to 64 letters, digits, '-', '_' or '.' (such as wifi or wan), got " +
                   in_quotes(value));
      else if (value == "unclassified" || value == "loopback")
        report(prop, key, "class: '" + value + "' is reserved (links without a class, SimGrid's own loopback link)");
    }
  }
}

// ---- declarations -----------------------------------------------------------------------------------------------

void PlatformChecker::declare_link(const xmlNode* node, const std::string& id, const std::string& origin, bool split_duplex)
{
  if (id.empty())
    return;
  auto [it, inserted] = links_.emplace(id, LinkDeclaration{line_of(node), origin, split_duplex});
  if (!inserted) {
    report(node, label(node) + ".id",
           "duplicate link name " + in_quotes(id) + " (" + origin + "): already declared at line " +
               std::to_string(it->second.line) + " (" + it->second.origin + ")");
    return;
  }
  if (split_duplex) { // SimGrid creates the two directions as <id>_UP and <id>_DOWN
    declare_link(node, id + "_UP", origin, false);
    declare_link(node, id + "_DOWN", origin, false);
  }
}

/// Declared, or named like the links of a hierarchical cluster (<cluster id>_link_...): each "_link_" of the name
/// ends a candidate prefix, looked up in a set (not every cluster tried in turn: a file of many clusters and many
/// routes would be quadratic).
bool PlatformChecker::link_declared(const std::string& id) const
{
  if (links_.count(id) != 0)
    return true;
  const std::string_view marker = "_link_";
  for (std::size_t pos = id.find(marker); pos != std::string::npos; pos = id.find(marker, pos + 1))
    if (generated_link_prefixes_.count(std::string_view(id).substr(0, pos + marker.size())) != 0)
      return true;
  return false;
}

} // namespace deplsim::platform_xml
