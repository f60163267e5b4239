// The scenario's settings sections (docs/scenario.md 2.9-2.12): training, simgrid, planners (kept as entries for
// the orchestrators to read) and faults.
#include "scenario/section_reader.hpp"

#include "platform/simgrid_args.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

namespace deplsim::scenario_sections {

using yaml::Map;

namespace {

// SimGrid settings a scenario file (or a --set of it, which is what a sweep's grid becomes) may carry: those of the
// performance models only (platform/simgrid_args.hpp, the same rule as a platform file's <config>).
bool model_setting(const std::string& key) { return simgrid_model_setting(key); }

// An optional mapping section of the top level; an invalid Map when absent or null.
YAML::Node optional_section(Map& top, const std::string& key) {
  YAML::Node n = top.get(key);
  return n.IsDefined() && !n.IsNull() ? n : YAML::Node();
}

} // namespace

void read_training(Reader& r, Map& top, Scenario& sc) {
  const YAML::Node tn = optional_section(top, "training");
  if (!tn.IsDefined()) return;
  Map t(r.doc, tn, "training");
  if (!t.valid()) return;
  const std::string sync = t.choice("sync", {"ring-allreduce", "parameter-server", "hierarchical"}, "ring-allreduce");
  sc.training.sync = sync == "parameter-server" ? SyncKind::parameter_server
                     : sync == "hierarchical"   ? SyncKind::hierarchical
                                                : SyncKind::ring_allreduce;
  sc.training.mode = t.choice("mode", {"rounds", "iterations"}, "rounds") == "iterations" ? TrainingMode::iterations
                                                                                         : TrainingMode::rounds;
  // A key set to null counts as absent (so `--set training.rounds_per_epoch=null` switches a rounds scenario over).
  const auto declared = [&t](const char* k) { return t.get(k).IsDefined() && !t.get(k).IsNull(); };
  if (sc.training.mode == TrainingMode::iterations && declared("rounds_per_epoch"))
    r.doc.issue(t.get("rounds_per_epoch"), "training.rounds_per_epoch",
                "applies to mode: rounds only; with mode: iterations an epoch is ceil(samples / model.batch_size) "
                "iterations (remove the key, or set it to null)");
  sc.training.rounds_per_epoch = static_cast<int>(t.integer_in("rounds_per_epoch", 1, 100000, 1));
  sc.training.bucket_bytes = t.number("bucket_bytes", 25.0 * 1024 * 1024);
  if (t.ok("bucket_bytes") && !(sc.training.bucket_bytes >= 1 && sc.training.bucket_bytes <= 1e12))
    r.doc.issue(t.get("bucket_bytes"), "training.bucket_bytes", "expected bytes in [1, 1e12] (a gradient bucket's size)");
  sc.training.backward_share = t.number("backward_share", 2.0 / 3.0);
  if (t.ok("backward_share") && !(sc.training.backward_share > 0 && sc.training.backward_share < 1))
    r.doc.issue(t.get("backward_share"), "training.backward_share",
                "expected a number in (0, 1) (the backward pass's share of an iteration's flops)");
  sc.training.sync_every = static_cast<int>(t.integer_in("sync_every", 1, 1'000'000, 1));
  if (sc.training.mode == TrainingMode::rounds)
    for (const char* k : {"bucket_bytes", "backward_share", "sync_every"})
      if (declared(k))
        r.doc.issue(t.get(k), std::string("training.") + k, "applies to mode: iterations only (training.mode is rounds)");
  sc.training.optimizer_state_copies = static_cast<int>(t.integer_in("optimizer_state_copies", 0, 8, 1));
  t.reject_unknown_keys();
}

void read_simgrid(Reader& r, Map& top, Scenario& sc) {
  const YAML::Node sn = optional_section(top, "simgrid");
  if (!sn.IsDefined()) return;
  yaml::Document& doc = r.doc;
  Map s(doc, sn, "simgrid");
  YAML::Node cfg = s.get("cfg");
  if (cfg.IsDefined() && !cfg.IsNull()) {
    if (!cfg.IsSequence()) {
      doc.issue(cfg, "simgrid.cfg", "expected a list of 'key:value' strings");
    } else {
      for (std::size_t i = 0; i < cfg.size(); ++i) {
        auto v = yaml::to_string(doc, cfg[i], fmt::format("simgrid.cfg.{}", i));
        if (!v) continue;
        if (v->find(':') == std::string::npos || v->front() == ':')
          doc.issue(cfg[i], fmt::format("simgrid.cfg.{}", i), fmt::format("expected 'key:value', got '{}'", shown(*v)));
        else if (!model_setting(v->substr(0, v->find(':'))))
          doc.issue(cfg[i], fmt::format("simgrid.cfg.{}", i),
                    fmt::format("'{}' cannot be set by a scenario (nor by --set, which sweeps use): a scenario may set only "
                                "SimGrid's model settings (network/..., cpu/..., host/..., maxmin/..., surf/precision, "
                                "precision/...); settings that write or read files or change the process (tracing, path, "
                                "contexts, smpi, debug, ...) are given on the command line with --cfg",
                                shown(v->substr(0, v->find(':')))));
        else
          sc.simgrid_cfg.push_back(*v);
      }
    }
  }
  s.reject_unknown_keys();
}

// planners: scalars shared by several planners (planners.KEY) and one block per orchestrator (planners.NAME.KEY),
// kept with their positions; which keys exist and what they may be is each orchestrator's to say (configure()).
void read_planners(Reader& r, Map& top, PlannerSettings& planners) {
  const YAML::Node pn = optional_section(top, "planners");
  if (!pn.IsDefined()) return;
  yaml::Document& doc = r.doc;
  Map pm(doc, pn, "planners");
  if (!pm.valid()) return;
  std::vector<SettingEntry> entries;
  auto scalar = [&](const YAML::Node& node, const std::string& key) {
    if (auto text = yaml::to_string(doc, node, "planners." + key)) entries.push_back({key, *text, doc.location(node, "planners." + key)});
  };
  for (auto it = pn.begin(); it != pn.end(); ++it) {
    if (!it->first.IsScalar()) continue;  // reported by the Map
    const std::string key = it->first.Scalar();
    const YAML::Node value = pm.get(key);
    if (value.IsNull()) continue;
    if (!value.IsMap()) {
      scalar(value, key);
      continue;
    }
    for (auto jt = value.begin(); jt != value.end(); ++jt) {
      const std::string sub = jt->first.IsScalar() ? jt->first.Scalar() : std::string();
      if (sub.empty()) {
        doc.issue(jt->first, "planners." + key, "expected keys that are plain names");
        continue;
      }
      if (!jt->second.IsNull()) scalar(jt->second, key + "." + sub);
    }
  }
  planners = PlannerSettings(std::move(entries));
}

void read_faults(Reader& r, Map& top, Scenario& sc, FaultSchedule& schedule) {
  const YAML::Node fnode = optional_section(top, "faults");
  if (!fnode.IsDefined()) return;
  yaml::Document& doc = r.doc;
  Map f(doc, fnode, "faults");
  if (!f.valid()) return;
  sc.faults.checkpoint_every = static_cast<int>(f.integer_in("checkpoint_every", 1, 1000000, 1));
  const std::string events = f.string("events", "");
  if (!events.empty()) {
    const std::filesystem::path base = std::filesystem::path(doc.file()).parent_path();
    const std::filesystem::path ep = std::filesystem::path(events).is_absolute() ? std::filesystem::path(events) : base / events;
    schedule.file = ep.lexically_normal().string();
    std::string why;
    schedule.events = read_fault_events(schedule.file, why);
    if (!why.empty()) doc.issue(f.get("events"), "faults.events", why);
  }
  f.reject_unknown_keys();
}

} // namespace deplsim::scenario_sections
