/// @file xml_check_units.cpp
/// @brief SimGrid's number and unit syntax (speeds, bandwidths, latencies), and the small text helpers of the
/// platform-file check.
///
/// What: the unit tables and parsing of src/xbt/xbt_parse_units.cpp of SimGrid 3.32 (strtod number, then an exact
/// unit, a unit-less value in the base unit), the public parse_speed/parse_bandwidth/parse_latency (xml_check.hpp)
/// built on them, and trimming, splitting and integer parsing for the checks.
/// Why here: the pre-flight check must accept exactly what SimGrid accepts, and the platform loader reads the same
/// values, so both use these functions.
#include "platform/xml_check.hpp"
#include "platform/xml_check_internal.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <string_view>
#include <utility>

namespace deplsim {
namespace {

// ------------------------------------------------------------------------------------------------------------------
// Numbers and units (mirrors src/xbt/xbt_parse_units.cpp of SimGrid 3.32)
// ------------------------------------------------------------------------------------------------------------------

using UnitTable = std::map<std::string, double, std::less<>>;

/// Adds `unit` and its 8 decimal (k, M, ... or kilo, mega, ...) or binary (Ki, Mi, ... or kibi, mebi, ...) multiples.
void add_unit_family(UnitTable& table, const std::string& unit, double value, int base, bool abbreviated)
{
  static constexpr std::array<const char*, 8> dec_abbrev{"k", "M", "G", "T", "P", "E", "Z", "Y"};
  static constexpr std::array<const char*, 8> dec_long{"kilo", "mega", "giga", "tera", "peta", "exa", "zeta", "yotta"};
  static constexpr std::array<const char*, 8> bin_abbrev{"Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"};
  static constexpr std::array<const char*, 8> bin_long{"kibi", "mebi", "gibi", "tebi", "pebi", "exbi", "zebi", "yobi"};
  const auto& prefixes = base == 2 ? (abbreviated ? bin_abbrev : bin_long) : (abbreviated ? dec_abbrev : dec_long);
  const double multiplier = base == 2 ? 1024.0 : 1000.0;
  table.emplace(unit, value);
  for (const char* prefix : prefixes) {
    value *= multiplier;
    table.emplace(std::string(prefix) + unit, value);
  }
}

const UnitTable& speed_units()
{
  static const UnitTable table = [] {
    UnitTable t;
    add_unit_family(t, "f", 1.0, 10, true);
    add_unit_family(t, "flops", 1.0, 10, false);
    return t;
  }();
  return table;
}

const UnitTable& bandwidth_units()
{
  static const UnitTable table = [] {
    UnitTable t;
    add_unit_family(t, "bps", 0.125, 2, true);
    add_unit_family(t, "bps", 0.125, 10, true);
    add_unit_family(t, "Bps", 1.0, 2, true);
    add_unit_family(t, "Bps", 1.0, 10, true);
    return t;
  }();
  return table;
}

/// Sizes (SimGrid's disk and RAM units): B and bytes, in decimal and binary multiples (kB, KiB, GB, GiB...).
const UnitTable& size_units()
{
  static const UnitTable table = [] {
    UnitTable t;
    add_unit_family(t, "B", 1.0, 2, true);
    add_unit_family(t, "B", 1.0, 10, true);
    add_unit_family(t, "bytes", 1.0, 2, false);
    add_unit_family(t, "bytes", 1.0, 10, false);
    return t;
  }();
  return table;
}

const UnitTable& time_units()
{
  static const UnitTable table{{"w", 7 * 24 * 60 * 60.0}, {"d", 24 * 60 * 60.0}, {"h", 60 * 60.0}, {"m", 60.0},
                               {"s", 1.0},  {"ms", 1e-3}, {"us", 1e-6}, {"ns", 1e-9}, {"ps", 1e-12}};
  return table;
}

/// strtod on the whole text, as SimGrid does: leading blanks allowed, returns the number and where it stopped.
std::optional<std::pair<double, std::size_t>> leading_number(const std::string& text)
{
  if (text.empty())
    return std::nullopt;
  const char* begin = text.c_str();
  char* end         = nullptr;
  errno             = 0;
  const double value = std::strtod(begin, &end);
  if (end == begin || errno == ERANGE || !std::isfinite(value))
    return std::nullopt;
  return std::make_pair(value, static_cast<std::size_t>(end - begin));
}

/// "<number><unit>" or a unit-less number (then in the base unit, like SimGrid's deprecated unit-less values).
std::optional<double> parse_with_unit(const std::string& text, const UnitTable& units)
{
  auto number = leading_number(text);
  if (!number)
    return std::nullopt;
  const std::string_view unit = std::string_view(text).substr(number->second);
  if (unit.empty())
    return number->first;
  auto it = units.find(unit);
  if (it == units.end())
    return std::nullopt;
  const double value = number->first * it->second;
  if (!std::isfinite(value))
    return std::nullopt;
  return value;
}

} // namespace

namespace platform_xml {

/// A plain decimal number, entirely consumed (leading blanks allowed, like strtod); finite.
std::optional<double> parse_plain_number(const std::string& text)
{
  auto number = leading_number(text);
  if (!number || number->second != text.size())
    return std::nullopt;
  return number->first;
}

std::string trim(std::string_view text)
{
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; };
  while (!text.empty() && blank(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && blank(text.back()))
    text.remove_suffix(1);
  return std::string(text);
}

bool is_blank(std::string_view text)
{
  return trim(text).empty();
}

std::vector<std::string> split(const std::string& text, std::string_view separators)
{
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t pos = text.find_first_of(separators, start);
    if (pos == std::string::npos) {
      parts.push_back(text.substr(start));
      return parts;
    }
    parts.push_back(text.substr(start, pos - start));
    start = pos + 1;
  }
}

/// A strictly positive decimal integer that fits an int ("4"; not "4.0", "-1", "0x4").
std::optional<long> parse_positive_int(const std::string& text)
{
  if (text.empty() || text.size() > 10 || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  const long value = std::stol(text);
  if (value <= 0 || value > INT_MAX)
    return std::nullopt;
  return value;
}

std::optional<long> parse_non_negative_int(const std::string& text)
{
  if (text == "0")
    return 0L;
  return parse_positive_int(text);
}

std::string in_quotes(const std::string& text)
{
  return "'" + printable(text) + "'"; // messages are one line each
}

std::optional<std::string> control_character(std::string_view text)
{
  char buf[8];
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7F) {
      std::snprintf(buf, sizeof buf, "U+%04X", c);
      return std::string(buf);
    }
    // C1 controls U+0080..U+009F are 0xC2 0x80..0x9F in UTF-8 (NEL, U+0085, ends lines for some readers)
    if (c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
        static_cast<unsigned char>(text[i + 1]) <= 0x9F) {
      std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned char>(text[i + 1]));
      return std::string(buf);
    }
  }
  return std::nullopt;
}

std::string printable(std::string_view text)
{
  std::string out;
  char buf[8];
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\n')
      out += "\\n";
    else if (c == '\t')
      out += "\\t";
    else if (c == '\r')
      out += "\\r";
    else if (c < 0x20 || c == 0x7F) {
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      out += buf;
    } else
      out += ch;
  }
  return out;
}

} // namespace platform_xml

bool parse_speed(const std::string& text, double& flops_per_s)
{
  auto value = parse_with_unit(text, speed_units());
  if (!value)
    return false;
  flops_per_s = *value;
  return true;
}

bool parse_bandwidth(const std::string& text, double& bytes_per_s)
{
  auto value = parse_with_unit(text, bandwidth_units());
  if (!value)
    return false;
  bytes_per_s = *value;
  return true;
}

bool parse_wifi_bandwidths(const std::string& text, std::vector<double>& bytes_per_s)
{
  std::vector<double> levels;
  for (const std::string& part : platform_xml::split(text, ";,")) {
    double value = 0;
    if (!parse_bandwidth(platform_xml::trim(part), value) || !(value > 0))
      return false;
    levels.push_back(value);
  }
  bytes_per_s = std::move(levels);
  return true;
}

bool parse_size(const std::string& text, double& bytes)
{
  auto value = parse_with_unit(text, size_units());
  if (!value)
    return false;
  bytes = *value;
  return true;
}

bool parse_latency(const std::string& text, double& seconds)
{
  auto value = parse_with_unit(text, time_units());
  if (!value)
    return false;
  seconds = *value;
  return true;
}

} // namespace deplsim
