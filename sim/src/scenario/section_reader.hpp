// The scenario loader's pieces: one reader per top-level section of a scenario file (docs/scenario.md section 2),
// sharing the checks every section uses. Each reader records every problem it finds in the document (so that all
// of them are reported at once) and fills its part of the loaded scenario.
#pragma once

#include "scenario/scenario_loader.hpp"
#include "support/yaml_reader.hpp"

#include <fmt/format.h>

#include <string>

namespace deplsim::scenario_sections {

/// The checks shared by the section readers; each records an issue at the key when the value is out of range.
struct Reader {
  yaml::Document& doc;
  SourceMap& where;

  void positive(yaml::Map& m, const std::string& key, double v);
  void non_negative(yaml::Map& m, const std::string& key, double v);
  void positive_at_most(yaml::Map& m, const std::string& key, double v, double hi);
  void range(yaml::Map& m, const std::string& key, double v, double lo, double hi);
  /// A name that may become a path component (scenario/names.hpp); its position is remembered.
  void name(yaml::Map& m, const std::string& key, std::string& out);
  /// Records the position of a key so that later checks (against the platform) can point at it.
  void remember(const YAML::Node& node, const std::string& key);

  /// Iterates a list of mappings, each checked for duplicated names and unknown keys; `each(map, item label)`.
  /// A list of more than `max_items` entries is refused as a whole (one issue, no entry read).
  template <class F>
  void list_of_maps(yaml::Map& parent, const std::string& key, bool required, F each, std::size_t max_items = 100000);

private:
  bool list_item_label(const YAML::Node& item, std::set<std::string>& names, const std::string& path, std::string& label);
};

template <class F>
void Reader::list_of_maps(yaml::Map& parent, const std::string& key, bool required, F each, std::size_t max_items) {
  YAML::Node list = required ? parent.require(key) : parent.get(key);
  if (!list.IsDefined() || list.IsNull()) return;
  if (!list.IsSequence()) {
    doc.issue(list, parent.key_path(key), "expected a list");
    return;
  }
  if (required && list.size() == 0) doc.issue(list, parent.key_path(key), "must not be empty");
  if (list.size() > max_items) {
    doc.issue(list, parent.key_path(key), fmt::format("{} entries: at most {}", list.size(), max_items));
    return;
  }
  std::set<std::string> names;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const YAML::Node item = list[i];
    std::string label = std::to_string(i);
    list_item_label(item, names, parent.key_path(key), label);
    yaml::Map m(doc, item, parent.key_path(key) + "." + label);
    if (m.valid()) each(m, label);
    m.reject_unknown_keys();
  }
}

/// target (2.2); returns whether target.max_epochs is usable by later checks.
bool read_target(Reader& r, yaml::Map& top, Scenario& sc);
/// clusters[] (2.3) and data_sources[] (2.4).
void read_clusters(Reader& r, yaml::Map& top, Scenario& sc);
void read_data_sources(Reader& r, yaml::Map& top, Scenario& sc);
/// model (2.5-2.8): versions, switch epochs, the learning section and its switches.
void read_model(Reader& r, yaml::Map& top, bool max_epochs_ok, Scenario& sc, LearningSpec& learning);
/// training (2.9), simgrid (2.10), planners (2.11), faults (2.12).
void read_training(Reader& r, yaml::Map& top, Scenario& sc);
void read_simgrid(Reader& r, yaml::Map& top, Scenario& sc);
void read_planners(Reader& r, yaml::Map& top, PlannerSettings& planners);
void read_faults(Reader& r, yaml::Map& top, Scenario& sc, FaultSchedule& schedule);
/// devices[] (2.13): device profiles applied to hosts; after the model (it maps the model's versions).
void read_devices(Reader& r, yaml::Map& top, Scenario& sc);

} // namespace deplsim::scenario_sections
