// Names that may become path components (docs/scenario.md 2.1): the scenario's `name` (default output folders
// results/run/NAME-ORCH-sSEED, results/calibrate/NAME-sSEED, results/compare/NAME-sSEED), orchestrator names
// (compare's DIR/ORCH/, a sweep's cells/CELL/ORCH-sSEED), a sweep's name (results/sweep/NAME), and the names of
// clusters, data sources and versions (kept to the same rule so that a later output may use them). One rule for
// all: 1 to kMaxNameLength characters, a letter or digit first, then letters, digits and . _ + -. So no '/', no
// "..", no leading dot (hidden files), no blank, no control character or NUL, nothing a shell or a file system
// would read specially, and always far below NAME_MAX (255 bytes) once a suffix like "-expected-loss-s42" is
// added.
#pragma once

#include "deplsim/error.hpp"

#include <fmt/format.h>

#include <optional>
#include <string>
#include <string_view>

namespace deplsim {

/// Longest name accepted: with an orchestrator name and a seed added, a folder name stays below NAME_MAX (255).
inline constexpr std::size_t kMaxNameLength = 100;

/// The rule, for messages.
inline constexpr std::string_view kNameRule =
    "names have 1 to 100 letters, digits, '.', '_', '+', '-', the first a letter or digit: they name output folders";

/// What is wrong with `name` ("it starts with '.'", "it holds '/'", ...), or nullopt when it is a valid name.
inline std::optional<std::string> name_fault(std::string_view name) {
  const auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
  if (name.empty()) return std::string("it is empty");
  if (name.size() > kMaxNameLength) return fmt::format("it has {} characters, more than {}", name.size(), kMaxNameLength);
  if (!alnum(name.front())) return fmt::format("it starts with '{}'", shown(name.substr(0, 1)));
  for (char c : name)
    if (!alnum(c) && c != '.' && c != '_' && c != '+' && c != '-') return fmt::format("it holds '{}'", shown(std::string_view(&c, 1)));
  return std::nullopt;
}

/// The message for a name that cannot be used (and so cannot be a path component), or nullopt when it can.
inline std::optional<std::string> name_problem(std::string_view name) {
  if (auto fault = name_fault(name)) return fmt::format("'{}' is not a valid name: {} ({})", shown(name), *fault, kNameRule);
  return std::nullopt;
}

} // namespace deplsim
