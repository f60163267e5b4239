// JSON from outside, within limits (see json_input.hpp).
#include "support/json_input.hpp"

#include "deplsim/error.hpp"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

namespace deplsim {
namespace {

struct TooDeep {};

/// The length of the UTF-8 sequence at s[i] and its code point, or 0 when the bytes there are not UTF-8.
std::size_t utf8_at(std::string_view s, std::size_t i, char32_t& cp) {
  const auto b = static_cast<unsigned char>(s[i]);
  std::size_t n = 0;
  char32_t min = 0;
  if (b >= 0xC2 && b <= 0xDF) n = 2, cp = b & 0x1F, min = 0x80;
  else if (b >= 0xE0 && b <= 0xEF) n = 3, cp = b & 0x0F, min = 0x800;
  else if (b >= 0xF0 && b <= 0xF4) n = 4, cp = b & 0x07, min = 0x10000;
  else return 0;
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    const auto c = static_cast<unsigned char>(s[i + k]);
    if ((c & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (c & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

/// Marks that reorder or break what a terminal shows (bidirectional overrides, line and paragraph separators).
bool invisible_control(char32_t cp) {
  return (cp >= 0x80 && cp <= 0x9F) || cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 || cp == 0x2029;
}

} // namespace

nlohmann::json parse_json_limited(std::string_view text, std::string& error, std::size_t max_depth) {
  error.clear();
  // The callback sees each array and object as it opens, at its parent's depth: refuse one level too many before
  // anything is built below it. The parser itself keeps its own stack (no recursion per level).
  auto limit = [max_depth](int depth, nlohmann::json::parse_event_t event, nlohmann::json&) {
    if ((event == nlohmann::json::parse_event_t::object_start || event == nlohmann::json::parse_event_t::array_start) &&
        static_cast<std::size_t>(depth) >= max_depth)
      throw TooDeep{};
    return true;
  };
  try {
    return nlohmann::json::parse(text.begin(), text.end(), limit, true);
  } catch (const TooDeep&) {
    error = fmt::format("arrays and objects nested deeper than {} levels", max_depth);
  } catch (const nlohmann::json::exception& e) {
    std::string what = e.what();
    if (const auto p = what.find("] "); what.rfind("[json.exception.", 0) == 0 && p != std::string::npos) what.erase(0, p + 2);
    error = printable(what, 300);
  }
  return nlohmann::json(nlohmann::json::value_t::discarded);
}

nlohmann::json read_json_file(const std::filesystem::path& file, std::uintmax_t max_bytes) {
  auto fail = [&](const std::string& why) { throw InputError(InputIssue{file.string(), 0, 0, "", why}); };
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (ec) fail(fmt::format("cannot read it: {}", ec.message()));
  if (size > max_bytes) fail(fmt::format("{} bytes, at most {} expected of this file", size, max_bytes));
  std::ifstream in(file, std::ios::binary);
  if (!in) fail("cannot open it");
  std::string text;
  text.resize(static_cast<std::size_t>(size));
  in.read(text.data(), static_cast<std::streamsize>(size));
  if (in.gcount() != static_cast<std::streamsize>(size)) fail("cannot read it whole (changed while read?)");
  std::string error;
  nlohmann::json j = parse_json_limited(text, error);
  if (j.is_discarded()) fail(fmt::format("not valid JSON: {}", error));
  return j;
}

std::string printable(std::string_view text, std::size_t max_bytes, bool keep_newlines) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    if (out.size() >= max_bytes) {
      out += "...";
      break;
    }
    const auto b = static_cast<unsigned char>(text[i]);
    if (b < 0x20 || b == 0x7F) {
      if (keep_newlines && (b == '\n' || b == '\t')) out += static_cast<char>(b);
      else out += fmt::format("\\x{:02x}", b);
      ++i;
      continue;
    }
    if (b < 0x80) {
      out += static_cast<char>(b);
      ++i;
      continue;
    }
    char32_t cp = 0;
    const std::size_t n = utf8_at(text, i, cp);
    if (n == 0) {
      out += fmt::format("\\x{:02x}", b);
      ++i;
    } else {
      if (invisible_control(cp)) out += fmt::format("\\u{{{:04X}}}", static_cast<unsigned>(cp));
      else out.append(text.substr(i, n));
      i += n;
    }
  }
  return out;
}

std::string json_excerpt(const nlohmann::json& value, std::size_t max_bytes) {
  std::string s = value.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
  if (s.size() > max_bytes) s = s.substr(0, max_bytes > 3 ? max_bytes - 3 : 0) + "...";
  return s;
}

} // namespace deplsim
