// Building the planning context: scenario -> orchestrator settings -> platform probe -> checks that need both ->
// ground truth -> knowledge, cost model.
#include "experiment/context.hpp"

#include "learning/knowledge/kernel_knowledge.hpp"
#include "learning/truth/parametric.hpp"
#include "learning/truth/trace_profile.hpp"
#include "orchestrators/builtins.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace deplsim {

bool cost_model_supports(const std::string& m) { return m == "LV08" || m == "CM02"; }

void check_planner_settings(const OrchestratorRegistry& registry, const PlannerSettings& settings) {
  std::set<std::string> blocks;
  std::vector<InputIssue> issues;
  for (const auto& e : registry.entries()) {
    try {
      (void)registry.make_configured(e.name, settings);  // each reads (and checks) its settings
    } catch (const InputError& bad) {
      for (const auto& i : bad.issues()) issues.push_back(i);  // every orchestrator's problems, at once
    }
    blocks.insert(e.name);
  }
  for (const auto& s : settings.entries()) {
    if (settings.read().contains(s.key)) continue;
    const auto dot = s.key.find('.');
    const std::string block = dot == std::string::npos ? std::string() : s.key.substr(0, dot);
    std::string known;
    for (const auto& k : settings.read())
      if (dot == std::string::npos ? k.find('.') == std::string::npos : k.rfind(block + ".", 0) == 0)
        known += (known.empty() ? "" : ", ") + k;
    std::string message;
    if (dot != std::string::npos && !blocks.contains(block)) {
      std::string names;
      for (const auto& b : blocks) names += (names.empty() ? "" : ", ") + b;
      message = fmt::format("unknown key: '{}' is not an orchestrator (known: {})", block, names);
    } else {
      message = fmt::format("unknown key (known keys here: {})", known.empty() ? std::string("none") : known);
    }
    InputIssue i = s.where;
    i.message = message;
    issues.push_back(i);
  }
  if (!issues.empty()) throw InputError(issues);
}

namespace {

ProbeRequest probe_request(const Scenario& sc, const ContextOptions& o) {
  ProbeRequest req;
  req.platform = sc.platform;
  req.simgrid_cfg = sc.simgrid_cfg;
  req.simgrid_log = o.simgrid_log;
  req.controller = sc.controller;
  for (const auto& d : sc.data_sources) req.source_hosts.push_back(d.host);
  for (const auto& c : sc.clusters) req.cluster_zones.push_back(c.zone);
  req.require_wattage = sc.objective == Objective::energy;
  req.hierarchical = sc.training.sync == SyncKind::hierarchical;
  return req;
}

// What needs both the scenario and the platform: hosts and zones named, clusters that do not overlap, fault events
// on training hosts, a network model the cost model reproduces.
void check_against_platform(const Context& ctx) {
  const Scenario& sc = ctx.scenario();
  const SourceMap& where = ctx.loaded.where;
  std::vector<InputIssue> issues;
  for (const auto& p : ctx.probe.problems) {
    if (p.what == "controller") issues.push_back(where.at("controller", p.message));
    else if (p.what == "source") issues.push_back(where.at("data_sources." + sc.data_sources[p.index].name + ".host", p.message));
    else if (p.what == "cluster") issues.push_back(where.at("clusters." + sc.clusters[p.index].name + ".zone", p.message));
    else issues.push_back(InputIssue{sc.platform, p.line, 0, "", p.message});
  }
  // Clusters must not share hosts (a host trains in one cluster at a time).
  std::map<std::size_t, std::size_t> owner;
  const PlatformView& pf = ctx.platform();
  for (std::size_t c = 0; c < pf.cluster_hosts.size(); ++c)
    for (auto h : pf.cluster_hosts[c]) {
      auto [it, fresh] = owner.emplace(h, c);
      if (!fresh)
        issues.push_back(where.at("clusters." + sc.clusters[c].name + ".zone",
                                  fmt::format("host '{}' is also in cluster '{}': clusters must not overlap", pf.hosts[h].name,
                                              sc.clusters[it->second].name)));
    }
  // A device profile applies to training hosts: named ones, or a zone's.
  for (std::size_t d = 0; d < sc.devices.size(); ++d) {
    const MeasuredDevice& dev = sc.devices[d];
    const std::string key = fmt::format("devices.{}", d);
    for (const auto& name : dev.hosts) {
      const auto h = pf.host_index(name);
      if (!h || !owner.contains(*h))
        issues.push_back(where.at(key, fmt::format("host '{}' is not a training host of any cluster", shown(name))));
    }
    if (!dev.zone.empty() && std::none_of(owner.begin(), owner.end(), [&](const auto& o) { return pf.hosts[o.first].in_zone(dev.zone); }))
      issues.push_back(where.at(key, fmt::format("zone '{}' holds no training host of any cluster", shown(dev.zone))));
  }
  // A fault events file names training hosts (the controller and data sources never fail).
  for (const auto& e : ctx.loaded.faults.events) {
    const auto h = pf.host_index(e.host);
    if (!h || !owner.contains(*h))
      issues.push_back(InputIssue{ctx.loaded.faults.file, e.line, 0, "host",
                                  fmt::format("'{}' is not a host of any cluster (only training nodes can fail)", shown(e.host))});
  }
  if (!cost_model_supports(pf.network.model))
    issues.push_back(InputIssue{"--cfg", 0, 0, "network/model",
                                fmt::format("'{}' is not reproduced by the cost model (use LV08, the default, or CM02)",
                                            pf.network.model)});
  if (!issues.empty()) throw InputError(issues);
}

// The profile must cover what the scenario lets planners choose, at the largest measured data fraction (where all
// data goes): every version for max_epochs, and every declared switch at every declared epoch.
void check_profile_covers(const Scenario& sc, const SourceMap& where, const TraceProfile& profile) {
  std::vector<InputIssue> cover;
  const auto fractions = profile.data_fractions();
  const double top = fractions.empty() ? 0.0 : fractions.back();
  auto measured = [&](const std::vector<std::size_t>& versions, const std::vector<int>& after) -> const MeasuredRun* {
    for (const auto& run : profile.runs)
      if (run.data_fraction == top && run.versions == versions && run.switch_after == after) return &run;
    return nullptr;
  };
  for (std::size_t v = 0; v < sc.model.versions.size(); ++v) {
    const MeasuredRun* run = measured({v}, {});
    if (run == nullptr || run->epochs < sc.target.max_epochs)
      cover.push_back(where.at("target.max_epochs",
                               fmt::format("the profile measures version '{}' at data fraction {} for {} epochs, fewer than "
                                           "max_epochs = {}", sc.model.versions[v].name, top, run ? run->epochs : 0,
                                           sc.target.max_epochs)));
  }
  if (sc.model.max_switches > 0)
    for (const auto& sw : sc.model.switches)
      for (int e : sc.model.switch_epochs) {
        const MeasuredRun* run = measured({sw.from_index, sw.to_index}, {e});
        if (run == nullptr || run->epochs < sc.target.max_epochs)
          cover.push_back(where.at("model.switch_epochs",
                                   fmt::format("the profile has no run '{}>{}@{}' of {} epochs at data fraction {}", sw.from,
                                               sw.to, e, sc.target.max_epochs, top)));
      }
  if (!cover.empty()) throw InputError(cover);
}

// A measured profile as the ground truth (kind: traces), its seeds split between knowledge and evaluation.
std::unique_ptr<GroundTruth> trace_truth(Context& ctx) {
  const Scenario& sc = ctx.scenario();
  LearningSpec& lm = ctx.loaded.learning;
  std::vector<std::string> names;
  for (const auto& v : sc.model.versions) names.push_back(v.name);
  TraceProfile profile = load_trace_profile(lm.profile, names, kMaxProfileBytes, sc.model.batch_size);
  if (!sc.model.batch_sizes.empty()) {
    // A choice of batch needs each listed batch measured: the profile's `batch` column.
    std::vector<int> missing;
    for (const int b : sc.model.batch_sizes)
      if (std::find(profile.batches.begin(), profile.batches.end(), b) == profile.batches.end()) missing.push_back(b);
    if (profile.batches.empty())
      throw InputError(ctx.loaded.where.at("model.batch_sizes",
                                           fmt::format("the profile '{}' has no batch column: it holds the losses of the one batch it was "
                                                       "measured at; choosing the batch needs a profile measured at each listed batch "
                                                       "(docs/profiles.md) or kind: parametric with the batch-size law",
                                                       shown(lm.profile))));
    if (!missing.empty())
      throw InputError(ctx.loaded.where.at("model.batch_sizes", fmt::format("batch {} not measured in the profile '{}' (it measures {})",
                                                                            fmt::join(missing, ", "), shown(lm.profile),
                                                                            fmt::join(profile.batches, ", "))));
  }
  const auto seeds = profile.seeds().size();
  if (lm.initial_loss <= 0) {
    // The grid's top: the largest loss measured.
    double top = 0;
    for (const auto& run : profile.runs)
      for (const auto& [seed, t] : run.by_seed)
        for (double l : t.test) top = std::max(top, l);
    lm.initial_loss = top;
  }
  double total = 0;
  for (const auto& d : sc.data_sources) total += static_cast<double>(d.samples);
  std::unique_ptr<TraceLearning> truth;
  try {
    truth = std::make_unique<TraceLearning>(std::move(profile), total, static_cast<std::size_t>(lm.knowledge_seeds));
  } catch (const std::invalid_argument&) {
    // The profile itself is fine (its problems are InputErrors): the seed split does not fit it.
    throw InputError(ctx.loaded.where.at(lm.knowledge_runs_key,
                                         fmt::format("must be in [1, {}]: the profile has {} seeds and the evaluation needs at least one",
                                                     seeds > 0 ? seeds - 1 : 0, seeds)));
  }
  check_profile_covers(sc, ctx.loaded.where, truth->profile());
  return truth;
}

} // namespace

std::unique_ptr<Context> load_platform_context(const ContextOptions& o) {
  auto ctx = std::make_unique<Context>();
  ctx->seed = o.seed;
  if (o.orchestrators != nullptr) {
    ctx->orchestrators = o.orchestrators;
  } else {
    register_builtin_orchestrators(ctx->builtins);
    ctx->orchestrators = &ctx->builtins;
  }
  ctx->loaded = load_scenario(o.scenario, o.overrides, o.platform);
  check_planner_settings(*ctx->orchestrators, ctx->loaded.planners);
  Scenario& sc = ctx->loaded.scenario;
  for (const auto& c : o.simgrid_cfg) sc.simgrid_cfg.push_back(c);
  ctx->probe = probe_platform(probe_request(sc, o));
  check_against_platform(*ctx);
  return ctx;
}

std::unique_ptr<Context> build_context(const ContextOptions& o) {
  auto ctx = load_platform_context(o);
  const Scenario& sc = ctx->scenario();
  if (ctx->loaded.learning.kind == "traces") ctx->truth = trace_truth(*ctx);
  else ctx->truth = std::make_unique<ParametricLearning>(sc, ctx->loaded.learning);
  ctx->knowledge = std::make_unique<KernelKnowledge>(sc, ctx->loaded.learning, *ctx->truth, o.seed);
  ctx->cost = std::make_unique<CostModel>(sc, ctx->probe.view);
  return ctx;
}

std::unique_ptr<Context> build_batch_context(const Context& base, const ContextOptions& options, int batch) {
  ContextOptions o = options;
  o.overrides.push_back(fmt::format("model.batch_size={}", batch));
  o.overrides.emplace_back("model.batch_sizes=null");
  o.overrides.push_back(fmt::format("model.learning.confidence={:.17g}", per_batch_confidence(base)));
  return build_context(o);
}

double per_batch_confidence(const Context& base) {
  const double batches = static_cast<double>(std::max<std::size_t>(1, base.scenario().model.batch_sizes.size()));
  return std::min(1.0 - (1.0 - base.loaded.learning.confidence) / batches, std::nextafter(1.0, 0.0));
}

} // namespace deplsim
