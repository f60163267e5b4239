/// @file error.hpp
/// @brief Typed input errors: every user mistake is reported as `FILE:LINE:COL: KEY: message`
/// (exit code 2), never as an assertion or a crash.
#pragma once

#include <cstdio>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace deplsim {

/// @brief One problem found in an input file (scenario, platform, sweep, profile) or override.
struct InputIssue {
  std::string file;    ///< path as the user gave it, or "--set" for command-line overrides
  int line = 0;        ///< 1-based; 0 when unknown
  int column = 0;      ///< 1-based; 0 when unknown
  std::string key;     ///< dotted key path (scenario) or element/attribute (platform); may be empty
  std::string message; ///< what was expected and what was found

  /// `FILE:LINE:COL: KEY: message`, leaving out the parts that are unknown.
  [[nodiscard]] std::string str() const {
    std::string out = file;
    if (line > 0) {
      out += ":" + std::to_string(line);
      if (column > 0) out += ":" + std::to_string(column);
    }
    if (!out.empty()) out += ": ";
    if (!key.empty()) out += key + ": ";
    out += message;
    return out;
  }
};

/// @brief A value from an input file as shown in messages: non-printable bytes escaped (\xNN), values longer than
/// 60 characters shortened with "...".
inline std::string shown(std::string_view value) {
  std::string out;
  for (unsigned char c : value) {
    if (out.size() >= 60) {
      out += "...";
      break;
    }
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  return out;
}

/// @brief Bad user input (usage, scenario, platform, plug-in): the CLI prints every issue and exits 2.
class InputError : public std::runtime_error {
public:
  explicit InputError(std::vector<InputIssue> issues)
      : std::runtime_error(join(issues)), issues_(std::move(issues)) {}
  explicit InputError(InputIssue issue) : InputError(std::vector<InputIssue>{std::move(issue)}) {}

  [[nodiscard]] const std::vector<InputIssue>& issues() const { return issues_; }

private:
  static std::string join(const std::vector<InputIssue>& issues) {
    std::string out;
    for (const auto& i : issues) {
      if (!out.empty()) out += "\n";
      out += i.str();
    }
    return out;
  }
  std::vector<InputIssue> issues_;
};

} // namespace deplsim
