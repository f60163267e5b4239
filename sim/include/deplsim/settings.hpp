/// @file settings.hpp
/// @brief Orchestrator settings: the scenario's `planners` section (docs/scenario.md section 2.11), handed to every
/// orchestrator's configure(). Each scalar keeps the place it was written (file, line, column, or the `--set` that
/// set it), so an orchestrator's checks read `FILE:LINE:COL: planners.KEY: message` like every other input error.
/// Keys are dotted paths below `planners`: a setting shared by several planners (`safety_delta`) or one in an
/// orchestrator's own block (`optimum.node_limit`). A key that no orchestrator reads is an error.
#pragma once

#include "deplsim/error.hpp"

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace deplsim {

/// A number as input files write it: plain decimal or scientific notation, finite (no hex, no .inf/.nan).
std::optional<double> number_from_text(std::string_view text);
/// An integer as input files write it: digits, or an integral value in scientific notation (5e4).
std::optional<long long> integer_from_text(std::string_view text);

/// @brief One scalar of the `planners` section.
struct SettingEntry {
  std::string key;   ///< dotted, below `planners` ("safety_delta", "optimum.node_limit")
  std::string text;  ///< the value as written
  InputIssue where;  ///< where it was written (message empty)
};

/// @brief An interval a numeric setting must lie in: [lo, hi] by default, either end may be open.
struct Interval {
  double lo = 0.0;
  double hi = 0.0;
  bool lo_open = false;
  bool hi_open = false;
};

/// @brief The scenario's `planners` section.
class PlannerSettings {
public:
  PlannerSettings() = default;
  explicit PlannerSettings(std::vector<SettingEntry> entries) : entries_(std::move(entries)) {}

  /// Whether the scenario sets `key`.
  [[nodiscard]] bool has(const std::string& key) const;
  /// The number at `key`, `fallback` when absent. Throws InputError, at the key, when it is not a finite number
  /// or lies outside `range` (the message shows the value as written).
  [[nodiscard]] double number(const std::string& key, double fallback, Interval range) const;
  /// The integer at `key`, `fallback` when absent; same errors.
  [[nodiscard]] long long integer(const std::string& key, long long fallback, Interval range) const;
  /// The text at `key`, `fallback` when absent.
  [[nodiscard]] std::string text(const std::string& key, const std::string& fallback) const;
  /// An InputError at `key` (for an orchestrator's own checks).
  [[nodiscard]] InputError error(const std::string& key, const std::string& message) const;

  /// Every scalar of the section, in file order.
  [[nodiscard]] const std::vector<SettingEntry>& entries() const { return entries_; }
  /// The keys read so far (by any orchestrator's configure()).
  [[nodiscard]] const std::set<std::string>& read() const { return read_; }

private:
  [[nodiscard]] const SettingEntry* find(const std::string& key) const;
  std::vector<SettingEntry> entries_;
  mutable std::set<std::string> read_;
};

} // namespace deplsim
