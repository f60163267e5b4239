// JSON from outside deplsim's control (an external orchestrator's messages, a run-state.json a user may have edited,
// a child's output), read within limits: nesting depth and size are bounded before anything walks the value (a
// dump, a comparison or a destructor recurses once per level), and text shown back to a person is escaped.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

namespace deplsim {

/// Deepest nesting of arrays and objects accepted (deplsim's own files and messages nest at most about 6 levels).
inline constexpr std::size_t kMaxJsonDepth = 64;
/// Largest JSON file read whole (run-state.json, summary.json and the like are far smaller).
inline constexpr std::uintmax_t kMaxJsonFileBytes = std::uintmax_t{64} << 20;

/// Parses `text`: the value, or a discarded value with `error` set ("nested deeper than 64 levels",
/// "syntax error at byte N: ...") when it is not JSON or is nested deeper than `max_depth`. Never recurses per level.
nlohmann::json parse_json_limited(std::string_view text, std::string& error, std::size_t max_depth = kMaxJsonDepth);

/// Reads and parses the JSON file `file` within `max_bytes` and kMaxJsonDepth; throws InputError naming the file
/// (missing, unreadable, too large, not JSON, too deep).
nlohmann::json read_json_file(const std::filesystem::path& file, std::uintmax_t max_bytes = kMaxJsonFileBytes);

/// `text` safe to print on a terminal: control characters (C0 but newline when `keep_newlines`, and tab then
/// too; DEL; C1), bidirectional-override and line-separator marks, and bytes that are not UTF-8 are written as
/// \xNN or \u{NNNN}. At most about `max_bytes` of the result (then "...").
std::string printable(std::string_view text, std::size_t max_bytes = 200, bool keep_newlines = false);

/// A JSON value shown in a message: compact, ASCII (non-ASCII as \uXXXX), cut to `max_bytes`.
std::string json_excerpt(const nlohmann::json& value, std::size_t max_bytes = 80);

} // namespace deplsim
