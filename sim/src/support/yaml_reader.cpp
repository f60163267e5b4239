// Reading YAML into plain structs with file:line:column:key errors (see yaml_reader.hpp).
#include "support/yaml_reader.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace deplsim::yaml {
namespace {

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
  case YAML::NodeType::Null: return "nothing";
  case YAML::NodeType::Sequence: return "a list";
  case YAML::NodeType::Map: return "a mapping";
  case YAML::NodeType::Scalar: return fmt::format("'{}'", shown(node.Scalar()));
  default: return "an undefined value";
  }
}

// yaml-cpp reports its depth guard as "bad file"; say what it means.
std::string parser_message(const YAML::ParserException& e) {
  if (e.msg == "bad file") return "nesting too deep (more than about 500 levels) or unreadable structure";
  return e.msg;
}

bool is_number_text(const std::string& s) {
  // Plain decimal or scientific notation only: no hex, no '.inf'/'.nan', no trailing garbage.
  if (s.empty()) return false;
  double value = 0;
  const char* begin = s.data();
  const char* end = s.data() + s.size();
  if (*begin == '+') ++begin;
  auto [ptr, ec] = std::from_chars(begin, end, value, std::chars_format::general);
  return ec == std::errc() && ptr == end;
}

} // namespace

Document Document::load_text(const std::string& text, const std::string& file) {
  try {
    YAML::Node root = YAML::Load(text);
    return Document(root, file);
  } catch (const YAML::ParserException& e) {
    throw InputError(InputIssue{file, e.mark.line + 1, e.mark.column + 1, "", parser_message(e)});
  } catch (const YAML::Exception& e) {
    throw InputError(InputIssue{file, 0, 0, "", e.what()});
  }
}

Document Document::load_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw InputError(InputIssue{path, 0, 0, "", "no such file"});
  if (!std::filesystem::is_regular_file(path, ec)) throw InputError(InputIssue{path, 0, 0, "", "not a regular file"});
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(InputIssue{path, 0, 0, "", "cannot open file"});
  in.seekg(0, std::ios::end);
  const auto size = static_cast<std::size_t>(std::max<std::streamoff>(0, in.tellg()));
  if (size > kMaxFileBytes)
    throw InputError(InputIssue{path, 0, 0, "", fmt::format("file too large ({} bytes, at most {})", size, kMaxFileBytes)});
  in.seekg(0);
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (!in && !in.eof()) throw InputError(InputIssue{path, 0, 0, "", "cannot read file"});
  Document doc = load_text(buffer.str(), path);
  if (!doc.root_.IsDefined() || doc.root_.IsNull())
    throw InputError(InputIssue{path, 0, 0, "", "empty file: expected a YAML mapping"});
  return doc;
}

void Document::apply_override(const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw InputError(InputIssue{"--set " + shown(assignment), 0, 0, "", "expected KEY=VALUE"});
  const std::string key = assignment.substr(0, eq);
  const std::string value_text = assignment.substr(eq + 1);
  auto fail = [&](const std::string& msg) { throw InputError(InputIssue{"--set " + key, 0, 0, "", msg}); };

  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const auto dot = key.find('.', start);
    parts.push_back(key.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  for (const auto& p : parts)
    if (p.empty()) fail("empty component in the dotted key");

  YAML::Node value;
  try {
    value = YAML::Load(value_text);
  } catch (const YAML::Exception& e) {
    fail(fmt::format("cannot parse value '{}': {}", value_text, e.what()));
  }
  if (value.IsMap()) fail("a mapping cannot be set from the command line: set its keys one by one");

  // Walk to the parent of the last component, resolving list items by name or index.
  YAML::Node node = root_;
  std::string canonical;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string& part = parts[i];
    const bool last = i + 1 == parts.size();
    YAML::Node child;
    if (node.IsMap()) {
      bool found = false;
      for (auto it = node.begin(); it != node.end(); ++it)
        if (it->first.IsScalar() && it->first.Scalar() == part) {
          child = it->second;
          found = true;
        }
      if (!found) {
        // Optional top-level sections may be created from the command line (e.g. planners.safety_delta=0.2), and
        // so may an orchestrator's block of settings (planners.NAME.KEY=...).
        static const char* const kOptionalSections[] = {"planners", "training", "simgrid", "faults"};
        const std::string path = canonical.empty() ? part : canonical + "." + part;
        bool creatable = canonical == "planners";
        for (const char* c : kOptionalSections) creatable |= path == c;
        if (!last && creatable) {
          node[part] = YAML::Node(YAML::NodeType::Map);
          child = node[part];
          canonical = path;
          node.reset(child);
          continue;
        }
        if (!last) fail(fmt::format("'{}' does not exist in the scenario", canonical.empty() ? part : canonical + "." + part));
        node[part] = value;
        canonical += (canonical.empty() ? "" : ".") + part;
        overridden_.insert(canonical);
        return;
      }
    } else if (node.IsSequence()) {
      std::optional<std::size_t> index;
      for (std::size_t j = 0; j < node.size(); ++j)
        if (node[j].IsMap() && node[j]["name"] && node[j]["name"].IsScalar() && node[j]["name"].Scalar() == part)
          index = j;
      if (!index) {
        std::size_t n = 0;
        auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), n);
        if (ec != std::errc() || ptr != part.data() + part.size() || n >= node.size())
          fail(fmt::format("no list item named or numbered '{}' under '{}' ({} items)", part, canonical, node.size()));
        index = n;
      }
      child = node[*index];
      if (last) {
        if (child.IsMap()) fail("this list item is a mapping: set its keys one by one (e.g. KEY.name=...)");
        node[*index] = value;
      }
    } else {
      fail(fmt::format("'{}' is a scalar, it has no member '{}'", canonical, part));
    }
    // Canonical path names list items by their `name` where they have one.
    std::string shown = part;
    if (node.IsSequence() && child.IsMap() && child["name"] && child["name"].IsScalar()) shown = child["name"].Scalar();
    canonical += (canonical.empty() ? "" : ".") + shown;
    if (last) {
      if (node.IsMap()) {
        if (child.IsMap()) fail(fmt::format("'{}' is a mapping: set its keys one by one", canonical));
        node[part] = value;
      }
      overridden_.insert(canonical);
      return;
    }
    node.reset(child);
  }
}

InputIssue Document::location(const YAML::Node& node, const std::string& key) const {
  for (const auto& o : overridden_)
    if (key == o || key.rfind(o + ".", 0) == 0) return InputIssue{"--set " + o, 0, 0, key == o ? "" : key, ""};
  InputIssue i{file_, 0, 0, key, ""};
  if (node.IsDefined()) {
    const YAML::Mark mark = node.Mark();
    if (mark.line >= 0) {
      i.line = mark.line + 1;
      i.column = mark.column + 1;
    }
  }
  return i;
}

void Document::issue(const YAML::Node& node, const std::string& key, const std::string& message) {
  InputIssue i = location(node, key);
  i.message = message;
  issues_.push_back(std::move(i));
}

void Document::throw_if_issues() const {
  if (!issues_.empty()) throw InputError(issues_);
}

Map::Map(Document& doc, const YAML::Node& node, std::string path) : doc_(doc), node_(node), path_(std::move(path)) {
  if (!node.IsDefined() || node.IsNull()) return;  // a missing section: already reported by require()
  if (!node.IsMap()) {
    doc_.issue(node, path_.empty() ? "(top level)" : path_, fmt::format("expected a mapping, got {}", describe(node)));
    return;
  }
  valid_ = true;
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (!it->first.IsScalar()) {
      doc_.issue(it->first, path_, "keys must be plain words");
      continue;
    }
    const std::string key = it->first.Scalar();
    for (const auto& e : entries_)
      if (e.key == key) doc_.issue(it->first, key_path(key), "duplicated key (it appears more than once)");
    entries_.push_back({key, it->first, it->second});
  }
}

std::string Map::key_path(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

YAML::Node Map::get(const std::string& key) {
  read_.insert(key);
  for (const auto& e : entries_)
    if (e.key == key) return e.value;
  return YAML::Node(YAML::NodeType::Undefined);
}

YAML::Node Map::require(const std::string& key) {
  YAML::Node v = get(key);
  if (valid_ && (!v.IsDefined() || v.IsNull())) {
    doc_.issue(v.IsDefined() ? v : node_, key_path(key), "missing (required)");
    failed_.insert(key);
  }
  return v;
}

double Map::number(const std::string& key, std::optional<double> fallback) {
  YAML::Node v = fallback ? get(key) : require(key);
  if (!v.IsDefined() || v.IsNull()) return fallback.value_or(0.0);
  auto n = to_number(doc_, v, key_path(key));
  if (!n) failed_.insert(key);
  return n.value_or(0.0);
}

std::optional<double> Map::optional_number(const std::string& key) {
  YAML::Node v = get(key);
  if (!v.IsDefined() || v.IsNull()) return std::nullopt;
  auto n = to_number(doc_, v, key_path(key));
  if (!n) failed_.insert(key);
  return n;
}

long long Map::integer(const std::string& key, std::optional<long long> fallback) {
  YAML::Node v = fallback ? get(key) : require(key);
  if (!v.IsDefined() || v.IsNull()) return fallback.value_or(0);
  auto n = to_integer(doc_, v, key_path(key));
  if (!n) failed_.insert(key);
  return n.value_or(0);
}

long long Map::integer_in(const std::string& key, long long lo, long long hi, std::optional<long long> fallback) {
  const long long n = integer(key, fallback);
  const YAML::Node v = get(key);
  if (!ok(key) || !v.IsDefined() || v.IsNull()) return ok(key) ? n : fallback.value_or(lo);
  if (n < lo || n > hi) {
    doc_.issue(v, key_path(key), fmt::format("must be an integer in [{}, {}], got {}", lo, hi, shown(written(key))));
    failed_.insert(key);
    return fallback.value_or(lo);
  }
  return n;
}

std::string Map::written(const std::string& key) {
  const YAML::Node v = get(key);
  return v.IsDefined() && v.IsScalar() ? v.Scalar() : std::string();
}

std::string Map::string(const std::string& key, std::optional<std::string> fallback) {
  return checked_string(key, std::move(fallback), false);
}

std::string Map::text(const std::string& key, std::optional<std::string> fallback) {
  return checked_string(key, std::move(fallback), true);
}

// Control characters would split CSV rows, forge log lines or drive a terminal when printed: refused in every
// string a user writes (free text keeps its tabs and newlines).
std::string Map::checked_string(const std::string& key, std::optional<std::string> fallback, bool multiline) {
  YAML::Node v = fallback ? get(key) : require(key);
  if (!v.IsDefined() || v.IsNull()) return fallback.value_or("");
  std::string s = to_string(doc_, v, key_path(key)).value_or("");
  for (unsigned char c : s)
    if ((c < 0x20 || c == 0x7f) && !(multiline && (c == '\n' || c == '\t'))) {
      doc_.issue(v, key_path(key), fmt::format("'{}' holds a control character ({}); write it without one", shown(s),
                                               shown(std::string(1, static_cast<char>(c)))));
      failed_.insert(key);
      return fallback.value_or("");
    }
  return s;
}

std::string Map::choice(const std::string& key, const std::vector<std::string>& choices,
                        std::optional<std::string> fallback) {
  YAML::Node v = fallback ? get(key) : require(key);
  if (!v.IsDefined() || v.IsNull()) return fallback.value_or("");
  auto s = to_string(doc_, v, key_path(key));
  if (!s) return "";
  for (const auto& c : choices)
    if (c == *s) return c;
  std::string list;
  for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
  doc_.issue(v, key_path(key), fmt::format("expected one of {}, got '{}'", list, shown(*s)));
  return "";
}

void Map::reject_unknown_keys() {
  if (!valid_) return;
  std::string known;
  for (const auto& k : read_) known += (known.empty() ? "" : ", ") + k;
  for (const auto& e : entries_)
    if (!read_.contains(e.key)) doc_.issue(e.key_node, key_path(e.key), fmt::format("unknown key (known keys here: {})", known));
}

std::optional<double> to_number(Document& doc, const YAML::Node& node, const std::string& key) {
  if (!node.IsScalar()) {
    doc.issue(node, key, fmt::format("expected a number, got {}", describe(node)));
    return std::nullopt;
  }
  const std::string& s = node.Scalar();
  if (!is_number_text(s)) {
    doc.issue(node, key, fmt::format("expected a finite number, got '{}'", shown(s)));
    return std::nullopt;
  }
  double value = 0;
  const char* begin = s.data() + (s[0] == '+' ? 1 : 0);
  std::from_chars(begin, s.data() + s.size(), value, std::chars_format::general);
  if (!std::isfinite(value)) {
    doc.issue(node, key, fmt::format("expected a finite number, got '{}'", s));
    return std::nullopt;
  }
  return value;
}

std::optional<long long> to_integer(Document& doc, const YAML::Node& node, const std::string& key) {
  if (!node.IsScalar()) {
    doc.issue(node, key, fmt::format("expected an integer, got {}", describe(node)));
    return std::nullopt;
  }
  const std::string& s = node.Scalar();
  long long value = 0;
  const char* begin = s.data() + (!s.empty() && s[0] == '+' ? 1 : 0);
  auto [ptr, ec] = std::from_chars(begin, s.data() + s.size(), value);
  if (ec == std::errc() && ptr == s.data() + s.size()) return value;
  // Accept integral values written in scientific notation (e.g. 5e4).
  if (is_number_text(s)) {
    double d = 0;
    std::from_chars(begin, s.data() + s.size(), d, std::chars_format::general);
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e15) return static_cast<long long>(d);
  }
  doc.issue(node, key, fmt::format("expected an integer, got '{}'", shown(s)));
  return std::nullopt;
}

std::optional<std::string> to_string(Document& doc, const YAML::Node& node, const std::string& key) {
  if (!node.IsScalar()) {
    doc.issue(node, key, fmt::format("expected a string, got {}", describe(node)));
    return std::nullopt;
  }
  return node.Scalar();
}

} // namespace deplsim::yaml
