// Reading YAML input files into plain structs with precise errors: every problem is collected as an
// InputIssue with file, line, column and dotted key. Used by the scenario loader (and later by the sweep
// loader). Guards against what yaml-cpp does not: duplicated keys, very deep nesting, huge files,
// non-finite numbers, and it applies `--set KEY=VALUE` overrides before reading.
#pragma once

#include "deplsim/error.hpp"

#include <yaml-cpp/yaml.h>

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace deplsim::yaml {

/// A loaded YAML document and the issues found while reading it.
class Document {
public:
  /// Parses `path`. Throws InputError when the file cannot be read or parsed.
  static Document load_file(const std::string& path);
  /// Parses text (for tests and overrides); `file` is used in messages.
  static Document load_text(const std::string& text, const std::string& file);

  /// Applies `KEY=VALUE` (dotted path; list items by `name` or index). Throws InputError naming `--set KEY`.
  void apply_override(const std::string& assignment);

  [[nodiscard]] const YAML::Node& root() const { return root_; }
  [[nodiscard]] const std::string& file() const { return file_; }

  /// Records a problem at `node` (or at the file when the node has no position) under `key`.
  void issue(const YAML::Node& node, const std::string& key, const std::string& message);
  /// Where `key` (at `node`) was written: the file position, or `--set KEY` when the command line set it.
  [[nodiscard]] InputIssue location(const YAML::Node& node, const std::string& key) const;
  /// Throws InputError if any issue was recorded.
  void throw_if_issues() const;
  [[nodiscard]] const std::vector<InputIssue>& issues() const { return issues_; }

private:
  Document(YAML::Node root, std::string file) : root_(std::move(root)), file_(std::move(file)) {}
  YAML::Node root_;
  std::string file_;
  std::set<std::string> overridden_;  // dotted keys set on the command line
  std::vector<InputIssue> issues_;
};

/// A YAML mapping being read: checks for duplicated and unknown keys.
class Map {
public:
  /// `node` must be a map; otherwise an issue is recorded and the Map is empty.
  Map(Document& doc, const YAML::Node& node, std::string path);
  Map(const Map&) = delete;
  Map& operator=(const Map&) = delete;
  ~Map() = default;

  /// The value of `key` (null node when absent); marks the key as known.
  YAML::Node get(const std::string& key);
  /// Like get, but records "missing key" when absent or null.
  YAML::Node require(const std::string& key);

  double number(const std::string& key, std::optional<double> fallback = std::nullopt);
  std::optional<double> optional_number(const std::string& key);
  long long integer(const std::string& key, std::optional<long long> fallback = std::nullopt);
  /// An integer in [lo, hi]: out of range is an issue that shows the value as written (never a clamped one);
  /// returns the value, or `fallback` (lo when none) when the key is missing, invalid or out of range.
  long long integer_in(const std::string& key, long long lo, long long hi, std::optional<long long> fallback = std::nullopt);
  /// The text of `key`'s value as the user wrote it (for messages); "" when it is not a scalar.
  [[nodiscard]] std::string written(const std::string& key);
  /// A one-line string: control characters (tabs and newlines included) are an issue.
  std::string string(const std::string& key, std::optional<std::string> fallback = std::nullopt);
  /// Free text (a description): like string, but tabs and newlines are allowed.
  std::string text(const std::string& key, std::optional<std::string> fallback = std::nullopt);
  /// One of `choices`; records an issue listing them otherwise.
  std::string choice(const std::string& key, const std::vector<std::string>& choices,
                     std::optional<std::string> fallback = std::nullopt);

  /// False when `key` was required but missing, or its value could not be converted (so that range checks
  /// do not pile a second message on the first).
  [[nodiscard]] bool ok(const std::string& key) const { return !failed_.contains(key); }

  /// Records an issue for every key that was not read.
  void reject_unknown_keys();

  [[nodiscard]] std::string key_path(const std::string& key) const;
  [[nodiscard]] const YAML::Node& node() const { return node_; }
  [[nodiscard]] Document& doc() const { return doc_; }
  [[nodiscard]] bool valid() const { return valid_; }

private:
  std::string checked_string(const std::string& key, std::optional<std::string> fallback, bool multiline);
  Document& doc_;
  YAML::Node node_;
  std::string path_;
  bool valid_ = false;
  struct Entry {
    std::string key;
    YAML::Node key_node;
    YAML::Node value;
  };
  std::vector<Entry> entries_;
  std::set<std::string> read_;
  std::set<std::string> failed_;
};

/// Scalar conversions that record an issue and return nullopt on failure.
std::optional<double> to_number(Document& doc, const YAML::Node& node, const std::string& key);
std::optional<long long> to_integer(Document& doc, const YAML::Node& node, const std::string& key);
std::optional<std::string> to_string(Document& doc, const YAML::Node& node, const std::string& key);

/// Largest input file accepted, in bytes.
constexpr std::size_t kMaxFileBytes = 16U << 20U;

} // namespace deplsim::yaml
