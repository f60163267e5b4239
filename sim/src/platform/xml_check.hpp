/// @file xml_check.hpp
/// @brief Pre-flight check of SimGrid platform files (format 4.1), done with libxml2 before SimGrid sees them.
///
/// Why: SimGrid 3.32 aborts the whole process (xbt_assert -> SIGABRT, or a segfault after an exception) on a
/// number of bad platform files, e.g. a `wattage_per_state` property with the wrong number of entries, a host with
/// `core="0"`, a `pstate` out of range, or a link declared twice. No try/catch can recover from that, so deplsim
/// reads the file itself first and reports every problem as `FILE:LINE:COL: KEY: message`.
#pragma once

#include "deplsim/error.hpp"

#include <string>
#include <vector>

namespace deplsim {

/// Checks a SimGrid platform file (format 4.1) before SimGrid loads it. Returns every problem found;
/// empty means SimGrid may load it. Never throws on bad input, never fetches anything (no network, no DTD load).
std::vector<InputIssue> check_platform_xml(const std::string& path);

/// Parse helpers shared with the platform loader: SimGrid's unit syntax. Return false (and leave out untouched) on error.
/// They mirror SimGrid 3.32 (strtod number, optional leading blanks, then an exact unit; a unit-less value uses the
/// base unit). NaN and infinities are refused; the sign is not checked here (callers decide what range is valid).
bool parse_speed(const std::string& text, double& flops_per_s);     // "1Gf", "100Mf", "2.5e9f", "1e9" ... SimGrid speed units
bool parse_bandwidth(const std::string& text, double& bytes_per_s); // "1Gbps", "125MBps", "10GiBps", "1e8Bps" ...
bool parse_size(const std::string& text, double& bytes);            // "4GB", "8GiB", "512MiB", "1e9B", "1e9" ...
bool parse_latency(const std::string& text, double& seconds);       // "20ms", "50us", "1s", "0" ...
/// A WIFI link's bandwidths, one per rate level, separated by ',' or ';' as SimGrid takes them ("54Mbps,36Mbps"), in
/// bytes/s; false when any is not a positive bandwidth.
bool parse_wifi_bandwidths(const std::string& text, std::vector<double>& bytes_per_s);

} // namespace deplsim
