// Orchestrator settings (see deplsim/settings.hpp).
#include "deplsim/settings.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

namespace deplsim {

std::optional<double> number_from_text(std::string_view s) {
  if (s.empty()) return std::nullopt;
  const char* begin = s.data() + (s[0] == '+' ? 1 : 0);
  const char* end = s.data() + s.size();
  double value = 0;
  auto [ptr, ec] = std::from_chars(begin, end, value, std::chars_format::general);
  if (ec != std::errc() || ptr != end || !std::isfinite(value)) return std::nullopt;
  return value;
}

std::optional<long long> integer_from_text(std::string_view s) {
  const char* begin = s.data() + (!s.empty() && s[0] == '+' ? 1 : 0);
  const char* end = s.data() + s.size();
  long long value = 0;
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec == std::errc() && ptr == end && begin != end) return value;
  // Integral values written in scientific notation (e.g. 5e4).
  if (auto d = number_from_text(s); d && *d == std::floor(*d) && std::fabs(*d) < 9.0e15) return static_cast<long long>(*d);
  return std::nullopt;
}

namespace {

std::string interval_text(const Interval& r) {
  return fmt::format("{}{}, {}{}", r.lo_open ? "(" : "[", r.lo, r.hi, r.hi_open ? ")" : "]");
}

bool inside(double v, const Interval& r) {
  return (r.lo_open ? v > r.lo : v >= r.lo) && (r.hi_open ? v < r.hi : v <= r.hi);
}

} // namespace

const SettingEntry* PlannerSettings::find(const std::string& key) const {
  read_.insert(key);
  for (const auto& e : entries_)
    if (e.key == key) return &e;
  return nullptr;
}

bool PlannerSettings::has(const std::string& key) const { return find(key) != nullptr; }

InputError PlannerSettings::error(const std::string& key, const std::string& message) const {
  for (const auto& e : entries_)
    if (e.key == key) {
      InputIssue i = e.where;
      i.message = message;
      return InputError(i);
    }
  return InputError(InputIssue{"", 0, 0, "planners." + key, message});
}

double PlannerSettings::number(const std::string& key, double fallback, Interval range) const {
  const SettingEntry* e = find(key);
  if (e == nullptr) return fallback;
  const auto v = number_from_text(e->text);
  if (!v) throw error(key, fmt::format("expected a finite number, got '{}'", shown(e->text)));
  if (!inside(*v, range)) throw error(key, fmt::format("must be in {}, got {}", interval_text(range), shown(e->text)));
  return *v;
}

long long PlannerSettings::integer(const std::string& key, long long fallback, Interval range) const {
  const SettingEntry* e = find(key);
  if (e == nullptr) return fallback;
  const auto v = integer_from_text(e->text);
  if (!v) throw error(key, fmt::format("expected an integer, got '{}'", shown(e->text)));
  if (!inside(static_cast<double>(*v), range))
    throw error(key, fmt::format("must be in {}, got {}", interval_text(range), shown(e->text)));
  return *v;
}

std::string PlannerSettings::text(const std::string& key, const std::string& fallback) const {
  const SettingEntry* e = find(key);
  return e == nullptr ? fallback : e->text;
}

} // namespace deplsim
