// The scenario's `devices` section (docs/scenario.md 2.13): device profiles measured by training
// (analysis/profile/profile_device.py) applied to training hosts, read with each version's measured seconds per
// sample and fixed seconds per iteration. Whether the hosts and zones exist is checked against the platform later
// (experiment/context.cpp).
#include "scenario/section_reader.hpp"

#include <fmt/format.h>

#include <filesystem>

namespace deplsim::scenario_sections {

using yaml::Map;

namespace {

// A profile's per_iteration_overhead section: profile version name -> what was measured. Problems are the
// profile file's (its own line and key).
std::map<std::string, MeasuredVersion> read_profile(const std::string& path) {
  yaml::Document doc = yaml::Document::load_file(path);
  std::map<std::string, MeasuredVersion> out;
  Map top(doc, doc.root(), "");
  if (top.valid()) {
    if (top.integer("device_profile", 0) != 1)
      doc.issue(top.get("device_profile"), "device_profile",
                "expected 1: a device profile written by analysis/profile/profile_device.py (docs/profiles.md section 10)");
    const YAML::Node fits = top.require("per_iteration_overhead");
    if (fits.IsDefined() && !fits.IsNull() && !fits.IsMap()) {
      doc.issue(fits, "per_iteration_overhead", "expected a mapping: version -> {fixed_s_per_iteration, s_per_sample}");
    } else if (fits.IsMap()) {
      for (const auto& kv : fits) {
        const std::string name = kv.first.as<std::string>();
        Map m(doc, kv.second, "per_iteration_overhead." + name);
        if (!m.valid()) continue;
        MeasuredVersion mv;
        mv.s_per_sample = m.number("s_per_sample");
        mv.fixed_s_per_iteration = m.number("fixed_s_per_iteration");
        if (m.ok("s_per_sample") && !(mv.s_per_sample > 0 && mv.s_per_sample < 1e6))
          doc.issue(m.get("s_per_sample"), m.key_path("s_per_sample"), "expected seconds per sample in (0, 1e6)");
        if (m.ok("fixed_s_per_iteration") && !(mv.fixed_s_per_iteration >= 0 && mv.fixed_s_per_iteration <= 3600))
          doc.issue(m.get("fixed_s_per_iteration"), m.key_path("fixed_s_per_iteration"),
                    "expected seconds in [0, 3600] (a fit may come out slightly negative: then the profile is too noisy "
                    "to use; measure again with more iterations)");
        out[name] = mv;
      }
    }
  }
  doc.throw_if_issues();
  return out;
}

void read_device(Reader& r, Map& m, const std::string& label, Scenario& sc) {
  yaml::Document& doc = r.doc;
  MeasuredDevice dev;
  const std::string profile = m.string("profile");
  const YAML::Node hosts = m.get("hosts");
  dev.zone = m.string("zone", "");
  const std::string key = "devices." + label;
  r.remember(m.node(), key);
  if (hosts.IsDefined() && !hosts.IsNull()) {
    if (!hosts.IsSequence() || hosts.size() == 0) {
      doc.issue(hosts, key + ".hosts", "expected a non-empty list of host names");
    } else {
      for (std::size_t i = 0; i < hosts.size(); ++i)
        if (auto h = yaml::to_string(doc, hosts[i], fmt::format("{}.hosts.{}", key, i))) dev.hosts.push_back(*h);
    }
  }
  if (dev.hosts.empty() == dev.zone.empty())
    doc.issue(m.node(), key, "give either `hosts` (a list of training hosts) or `zone` (every training host of a zone)");
  std::map<std::string, std::string> rename;  // scenario version -> profile version
  const YAML::Node versions = m.get("versions");
  if (versions.IsDefined() && !versions.IsNull()) {
    if (!versions.IsMap()) doc.issue(versions, key + ".versions", "expected a mapping: scenario version -> profile version");
    else
      for (const auto& kv : versions) {
        const std::string from = kv.first.as<std::string>();
        if (!sc.version_index(from)) doc.issue(kv.first, key + ".versions." + from, "not a version of the model");
        if (auto to = yaml::to_string(doc, kv.second, key + ".versions." + from)) rename[from] = *to;
      }
  }
  if (profile.empty() || !m.ok("profile")) return;
  const std::filesystem::path base = std::filesystem::path(doc.file()).parent_path();
  const std::filesystem::path pp = std::filesystem::path(profile).is_absolute() ? std::filesystem::path(profile) : base / profile;
  dev.profile = pp.lexically_normal().string();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(dev.profile, ec)) {
    doc.issue(m.get("profile"), key + ".profile", fmt::format("no such file: {}", dev.profile));
    return;
  }
  const auto measured = read_profile(dev.profile);
  for (const auto& mv : sc.model.versions) {
    const auto it = rename.find(mv.name);
    const std::string name = it == rename.end() ? mv.name : it->second;
    const auto found = measured.find(name);
    if (found != measured.end()) dev.versions.emplace_back(found->second);
    else dev.versions.emplace_back(std::nullopt);
    if (found == measured.end() && it != rename.end())
      doc.issue(versions, key + ".versions." + mv.name,
                fmt::format("'{}' is not measured in {} (it has: {})", shown(name), dev.profile, [&] {
                  std::string all;
                  for (const auto& [n, v] : measured) all += (all.empty() ? "" : ", ") + n;
                  return all;
                }()));
  }
  sc.devices.push_back(std::move(dev));
}

} // namespace

void read_devices(Reader& r, Map& top, Scenario& sc) {
  r.list_of_maps(top, "devices", false, [&](Map& m, const std::string& label) { read_device(r, m, label, sc); }, 1000);
}

} // namespace deplsim::scenario_sections
