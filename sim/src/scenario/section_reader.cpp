// The checks shared by the scenario's section readers (see section_reader.hpp).
#include "scenario/section_reader.hpp"

#include "scenario/names.hpp"

#include <fmt/format.h>

namespace deplsim::scenario_sections {

using yaml::Map;

namespace {
// A value in a message: as the user wrote it (never a converted or clamped one).
std::string as_written(Map& m, const std::string& key, double v) {
  const std::string text = m.written(key);
  return text.empty() ? fmt::format("{}", v) : shown(text);
}
} // namespace

void Reader::positive(Map& m, const std::string& key, double v) {
  if (!m.ok(key)) return;
  if (!(v > 0)) doc.issue(m.get(key), m.key_path(key), fmt::format("must be > 0, got {}", as_written(m, key, v)));
}

void Reader::non_negative(Map& m, const std::string& key, double v) {
  if (!m.ok(key)) return;
  if (!(v >= 0)) doc.issue(m.get(key), m.key_path(key), fmt::format("must be >= 0, got {}", as_written(m, key, v)));
}

void Reader::positive_at_most(Map& m, const std::string& key, double v, double hi) {
  if (!m.ok(key)) return;
  if (!(v > 0 && v <= hi)) doc.issue(m.get(key), m.key_path(key), fmt::format("must be > 0 and at most {}, got {}", hi, as_written(m, key, v)));
}

void Reader::range(Map& m, const std::string& key, double v, double lo, double hi) {
  if (!m.ok(key)) return;
  if (!(v >= lo && v <= hi)) doc.issue(m.get(key), m.key_path(key), fmt::format("must be in [{}, {}], got {}", lo, hi, as_written(m, key, v)));
}

void Reader::remember(const YAML::Node& node, const std::string& key) { where.record(key, doc.location(node, key)); }

// Names may become path components (scenario name: default output folders): see scenario/names.hpp.
void Reader::name(Map& m, const std::string& key, std::string& out) {
  out = m.string(key);
  const YAML::Node v = m.get(key);
  if (m.ok(key) && v.IsScalar())
    if (auto problem = name_problem(out)) doc.issue(v, m.key_path(key), *problem);
  remember(v, m.key_path(key));
}

// A list item is labelled by its name in key paths, when it has a valid one; a name that is not valid (reported
// by name()) labels nothing: its raw bytes stay out of key paths.
bool Reader::list_item_label(const YAML::Node& item, std::set<std::string>& names, const std::string& path, std::string& label) {
  if (!(item.IsMap() && item["name"] && item["name"].IsScalar() && !name_problem(item["name"].Scalar()))) return false;
  label = item["name"].Scalar();
  if (!names.insert(label).second) doc.issue(item["name"], path + "." + label, fmt::format("duplicated name '{}'", label));
  return true;
}

} // namespace deplsim::scenario_sections
