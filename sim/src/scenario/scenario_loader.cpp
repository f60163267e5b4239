// Scenario YAML -> validated LoadedScenario. The schema is documented in docs/scenario.md; every rule has its message
// there too. Each top-level section has its reader (section_reader.hpp); checks against the platform (hosts, zones,
// routes) happen when the context is built (experiment/context.cpp), and the planners' settings are checked by the
// orchestrators themselves.
#include "scenario/scenario_loader.hpp"

#include "scenario/section_reader.hpp"

#include <fmt/format.h>

#include <filesystem>

namespace deplsim {

InputIssue SourceMap::at(const std::string& key, const std::string& message) const {
  auto it = where_.find(key);
  if (it == where_.end()) return InputIssue{file, 0, 0, key, message};
  InputIssue i = it->second;
  // `--set KEY: message`, not `--set KEY: KEY: message`.
  i.key = i.file == "--set " + key ? "" : key;
  i.message = message;
  return i;
}

namespace {

using yaml::Document;
using yaml::Map;
using scenario_sections::Reader;

// The platform file: the scenario's (relative to the scenario file) or --platform's (relative to the current folder).
void read_platform(Reader& r, Map& top, const std::optional<std::string>& platform_override, Scenario& sc) {
  namespace fs = std::filesystem;
  sc.platform = top.string("platform");
  r.remember(top.get("platform"), "platform");
  std::error_code ec;
  if (platform_override) {
    sc.platform = *platform_override;
    if (!fs::exists(sc.platform, ec)) throw InputError(InputIssue{sc.platform, 0, 0, "", "no such platform file (given with --platform)"});
    if (!fs::is_regular_file(sc.platform, ec))
      throw InputError(InputIssue{sc.platform, 0, 0, "", "not a regular file (given with --platform)"});
  } else if (!sc.platform.empty()) {
    fs::path p(sc.platform);
    if (p.is_relative()) p = fs::path(r.doc.file()).parent_path() / p;
    sc.platform = p.lexically_normal().string();
    if (!fs::is_regular_file(p, ec))
      r.doc.issue(top.get("platform"), "platform", fmt::format("platform file '{}' does not exist", sc.platform));
  }
}

void read(Document& doc, LoadedScenario& out, const std::optional<std::string>& platform_override) {
  Scenario& sc = out.scenario;
  sc.path = doc.file();
  Reader r{doc, out.where};
  Map top(doc, doc.root(), "");
  if (!top.valid()) return;

  r.name(top, "name", sc.name);
  sc.description = top.text("description", "");
  read_platform(r, top, platform_override, sc);
  sc.controller = top.string("controller");
  r.remember(top.get("controller"), "controller");
  const bool max_epochs_ok = scenario_sections::read_target(r, top, sc);
  const std::string objective = top.choice("objective", {"energy", "time", "money"}, "energy");
  sc.objective = objective == "time" ? Objective::time : objective == "money" ? Objective::money : Objective::energy;
  scenario_sections::read_clusters(r, top, sc);
  scenario_sections::read_data_sources(r, top, sc);
  scenario_sections::read_model(r, top, max_epochs_ok, sc, out.learning);
  scenario_sections::read_training(r, top, sc);
  scenario_sections::read_devices(r, top, sc);
  scenario_sections::read_planners(r, top, out.planners);
  scenario_sections::read_faults(r, top, sc, out.faults);
  scenario_sections::read_simgrid(r, top, sc);
  top.reject_unknown_keys();
}

LoadedScenario finish(Document& doc, const std::vector<std::string>& overrides,
                      const std::optional<std::string>& platform_override) {
  for (const auto& o : overrides) doc.apply_override(o);
  LoadedScenario out;
  out.where.file = doc.file();
  read(doc, out, platform_override);
  doc.throw_if_issues();
  return out;
}

} // namespace

LoadedScenario load_scenario(const std::string& path, const std::vector<std::string>& overrides,
                             const std::optional<std::string>& platform_override) {
  Document doc = Document::load_file(path);
  return finish(doc, overrides, platform_override);
}

LoadedScenario load_scenario_text(const std::string& text, const std::string& path,
                                  const std::vector<std::string>& overrides) {
  Document doc = Document::load_text(text, path);
  return finish(doc, overrides, std::nullopt);
}

} // namespace deplsim
