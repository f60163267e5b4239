// The scenario's model section (docs/scenario.md 2.5-2.8): versions, switch epochs, and model.learning — the ground
// truth's parameters (learning curves or a measured profile), how the planner knowledge is built, and the switches.
#include "scenario/section_reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>

namespace deplsim::scenario_sections {

using yaml::Map;

namespace {

// Limits derived from memory (docs/scenario.md 2.6).
constexpr double kMaxKnowledgeCells = 2e7;   // all chains' (epoch, level) cells: about 2 GB
constexpr double kMaxKnowledgeEpochs = 1e9;  // all chains' simulated epochs (parametric)
constexpr std::size_t kMaxDataBuckets = 1000;

/// What the model readers share: where each version's floor was written (to point at one that is too high).
struct ModelReading {
  Reader& r;
  bool max_epochs_ok = false;
  bool traces = false;
  std::map<std::string, YAML::Node> floor_nodes;
};

// The learning kind decides which keys the versions need: peek at it first. By iteration, not operator[]: a lookup
// can yield an invalid node, on which yaml-cpp throws (found by tests/fuzz/fuzz_scenario; regression in
// tests/data/scenarios/bad/).
bool is_traces(const YAML::Node& mn) {
  bool traces = false;
  if (mn.IsMap())
    for (auto it = mn.begin(); it != mn.end(); ++it)
      if (it->first.IsScalar() && it->first.Scalar() == "learning" && it->second.IsMap())
        for (auto jt = it->second.begin(); jt != it->second.end(); ++jt)
          if (jt->first.IsScalar() && jt->first.Scalar() == "kind" && jt->second.IsScalar())
            traces = jt->second.Scalar() == "traces";
  return traces;
}

VersionLearning read_version_learning(ModelReading& mr, Map& m) {
  Reader& r = mr.r;
  VersionLearning v;
  YAML::Node learning_node = mr.traces ? m.get("learning") : m.require("learning");
  if (mr.traces && learning_node.IsDefined() && !learning_node.IsNull())
    r.doc.issue(learning_node, m.key_path("learning"), "learning-curve parameters are for kind: parametric; a traces profile measures them");
  Map l(r.doc, mr.traces ? YAML::Node() : learning_node, m.key_path("learning"));
  if (!l.valid()) return v;
  mr.floor_nodes[l.key_path("floor")] = l.get("floor");
  v.floor = l.number("floor");
  r.positive(l, "floor", v.floor);
  v.rate = l.number("rate");
  r.positive(l, "rate", v.rate);
  v.shape = l.number("shape", 1.0);
  r.range(l, "shape", v.shape, 0.05, 20);
  v.spread = l.number("spread", 0.0);
  r.range(l, "spread", v.spread, 0, 5);
  v.overfit_slope = l.number("overfit_slope", 0.0);
  r.non_negative(l, "overfit_slope", v.overfit_slope);
  v.overfit_start = l.number("overfit_start", 0.0);
  r.non_negative(l, "overfit_start", v.overfit_start);
  l.reject_unknown_keys();
  return v;
}

void read_versions(ModelReading& mr, Map& model, Scenario& sc, LearningSpec& ls) {
  Reader& r = mr.r;
  r.list_of_maps(model, "versions", true, [&](Map& m, const std::string&) {
    ModelVersion v;
    r.name(m, "name", v.name);
    v.flops_per_sample = m.number("flops_per_sample");
    r.positive_at_most(m, "flops_per_sample", v.flops_per_sample, 1e18);
    v.param_bytes = m.number("param_bytes");
    r.positive_at_most(m, "param_bytes", v.param_bytes, 1e15);
    v.pruning = m.number("pruning", 0.0);
    if (m.ok("pruning") && !(v.pruning >= 0 && v.pruning < 1))
      r.doc.issue(m.get("pruning"), m.key_path("pruning"), fmt::format("must be in [0, 1), got {}", shown(m.written("pruning"))));
    const bool first = sc.model.versions.empty();
    const std::string kind = m.choice("pruning_kind", {"structured", "unstructured"}, "structured");
    v.pruning_kind = kind == "unstructured" ? PruningKind::unstructured : PruningKind::structured;
    if (m.ok("pruning_kind") && kind == "unstructured") {
      // Costed against the full network (the first version): it must be that network, and this one a part of it.
      const ModelVersion* full = first ? nullptr : &sc.model.versions.front();
      if (full == nullptr)
        r.doc.issue(m.get("pruning_kind"), m.key_path("pruning_kind"),
                    "the first version is the full network an unstructured version is costed against; it cannot be "
                    "unstructured-pruned itself");
      else if (v.flops_per_sample > full->flops_per_sample || v.param_bytes > full->param_bytes)
        r.doc.issue(m.get("pruning_kind"), m.key_path("pruning_kind"),
                    fmt::format("an unstructured version keeps a part of the full network's weights: its flops_per_sample "
                                "and param_bytes must be at most the first version's ({} and {}), got {} and {}",
                                full->flops_per_sample, full->param_bytes, v.flops_per_sample, v.param_bytes));
    }
    v.activation_bytes_per_sample = m.number("activation_bytes_per_sample", 0.0);
    if (m.ok("activation_bytes_per_sample")) r.range(m, "activation_bytes_per_sample", v.activation_bytes_per_sample, 0, 1e12);
    ls.versions.push_back(read_version_learning(mr, m));
    sc.model.versions.push_back(v);
  });
}

void read_switch_epochs(ModelReading& mr, Map& model, Scenario& sc) {
  yaml::Document& doc = mr.r.doc;
  YAML::Node epochs = model.get("switch_epochs");
  mr.r.remember(epochs, "model.switch_epochs");
  if (!epochs.IsDefined() || epochs.IsNull()) return;
  if (!epochs.IsSequence()) {
    doc.issue(epochs, "model.switch_epochs", "expected a list of epochs, e.g. [5, 10, 20]");
    return;
  }
  for (std::size_t i = 0; i < epochs.size(); ++i) {
    auto e = yaml::to_integer(doc, epochs[i], fmt::format("model.switch_epochs.{}", i));
    if (!e) continue;
    if (!mr.max_epochs_ok) continue;  // judged once target.max_epochs is right
    if (*e < 1 || *e >= sc.target.max_epochs) {
      doc.issue(epochs[i], fmt::format("model.switch_epochs.{}", i), fmt::format("must be in [1, target.max_epochs - 1], got {}", *e));
      continue;
    }
    if (!sc.model.switch_epochs.empty() && *e <= sc.model.switch_epochs.back())
      doc.issue(epochs[i], fmt::format("model.switch_epochs.{}", i), "epochs must be strictly increasing");
    sc.model.switch_epochs.push_back(static_cast<int>(*e));
  }
}

// model.batch_sizes (docs/scenario.md 2.7): the global batches a plan chooses from, distinct, at most 16, with a
// learning model that knows each (parametric, or a profile with a batch column: checked when it is loaded);
// model.batch_size, if written, is one of them.
void read_batch_sizes(ModelReading& mr, Map& model, Scenario& sc) {
  yaml::Document& doc = mr.r.doc;
  YAML::Node list = model.get("batch_sizes");
  mr.r.remember(list, "model.batch_sizes");
  if (!list.IsDefined() || list.IsNull()) return;
  if (!list.IsSequence() || list.size() == 0 || list.size() > 16) {
    doc.issue(list, "model.batch_sizes", "expected a list of 1 to 16 global batch sizes, e.g. [256, 1024, 4096]");
    return;
  }
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string key = fmt::format("model.batch_sizes.{}", i);
    auto b = yaml::to_integer(doc, list[i], key);
    if (!b) continue;
    if (*b < 1 || *b > 100'000'000) {
      doc.issue(list[i], key, fmt::format("must be in [1, 100000000], got {}", *b));
      continue;
    }
    if (std::find(sc.model.batch_sizes.begin(), sc.model.batch_sizes.end(), *b) != sc.model.batch_sizes.end()) {
      doc.issue(list[i], key, fmt::format("{} listed twice", *b));
      continue;
    }
    sc.model.batch_sizes.push_back(static_cast<int>(*b));
  }
  const YAML::Node written = model.get("batch_size");
  if (!written.IsDefined() || written.IsNull()) {
    if (!sc.model.batch_sizes.empty()) sc.model.batch_size = sc.model.batch_sizes.front();
  } else if (!sc.model.batch_sizes.empty() && model.ok("batch_size") &&
             std::find(sc.model.batch_sizes.begin(), sc.model.batch_sizes.end(), sc.model.batch_size) == sc.model.batch_sizes.end()) {
    doc.issue(written, "model.batch_size", fmt::format("must be one of model.batch_sizes when both are written, got {}", sc.model.batch_size));
  }
}

// The runs the planners know (docs/scenario.md 2.7): model.learning.knowledge_runs, or this kind's own name for them
// (knowledge_seeds of a measured profile, knowledge_trajectories of the learning curves), not both. Its position is
// remembered under both names.
int read_knowledge_runs(ModelReading& mr, Map& l, LearningSpec& lm, const std::string& own, std::optional<long long> fallback,
                        double hi) {
  Reader& r = mr.r;
  const YAML::Node runs = l.get("knowledge_runs");
  const YAML::Node named = l.get(own);
  const bool by_runs = runs.IsDefined() && !runs.IsNull();
  // Both in the file is ambiguous; one set on the command line (--set, a sweep's grid) replaces the other.
  const bool runs_set = r.doc.location(runs, "model.learning.knowledge_runs").file.rfind("--set", 0) == 0;
  const bool named_set = r.doc.location(named, "model.learning." + own).file.rfind("--set", 0) == 0;
  if (by_runs && named.IsDefined() && !named.IsNull() && runs_set == named_set)
    r.doc.issue(runs, "model.learning.knowledge_runs", fmt::format("give knowledge_runs or {}, not both", own));
  if (by_runs && named_set && !runs_set) {  // --set of the older name over the file's knowledge_runs
    const int n = static_cast<int>(l.integer_in(own, 1, static_cast<long long>(hi)));
    r.remember(named, "model.learning." + own);
    r.remember(named, "model.learning.knowledge_runs");
    lm.knowledge_runs_key = "model.learning." + own;
    return n;
  }
  const std::string key = by_runs ? "knowledge_runs" : own;
  lm.knowledge_runs_key = "model.learning." + key;
  const int n = static_cast<int>(by_runs ? l.integer_in(key, 1, static_cast<long long>(hi)) : l.integer_in(key, 1, static_cast<long long>(hi), fallback));
  // Remembered where it was written, under the name it was written with (messages name that key).
  r.remember(by_runs ? runs : named, lm.knowledge_runs_key);
  return n;
}

// A measured profile (docs/model.md 1.4): the file, and how many of its seeds the planner learns from.
void read_profile(ModelReading& mr, Map& l, LearningSpec& lm) {
  Reader& r = mr.r;
  lm.profile = l.string("profile");
  r.remember(l.get("profile"), "model.learning.profile");
  if (!lm.profile.empty()) {
    std::filesystem::path pp(lm.profile);
    if (pp.is_relative()) pp = std::filesystem::path(r.doc.file()).parent_path() / pp;
    lm.profile = pp.lexically_normal().string();
    std::error_code ec;
    if (!std::filesystem::is_regular_file(pp, ec))
      r.doc.issue(l.get("profile"), "model.learning.profile", fmt::format("profile file '{}' does not exist", lm.profile));
  }
  lm.knowledge_seeds = read_knowledge_runs(mr, l, lm, "knowledge_seeds", std::nullopt, 1e9);
  lm.initial_loss = l.number("initial_loss", 0.0);  // optional: the grid's top defaults to the profile's
  r.non_negative(l, "initial_loss", lm.initial_loss);
}

// The learning curves' model-level parameters (docs/model.md 1.2).
void read_curves(ModelReading& mr, Map& l, LearningSpec& lm) {
  Reader& r = mr.r;
  lm.initial_loss = l.number("initial_loss");
  r.positive(l, "initial_loss", lm.initial_loss);
  lm.reference_samples = l.number("reference_samples");
  r.positive(l, "reference_samples", lm.reference_samples);
  lm.floor_data_exponent = l.number("floor_data_exponent", 0.0);
  r.range(l, "floor_data_exponent", lm.floor_data_exponent, 0, 10);
  lm.spread_data_exponent = l.number("spread_data_exponent", 0.0);
  r.range(l, "spread_data_exponent", lm.spread_data_exponent, 0, 10);
  lm.overfit_data_exponent = l.number("overfit_data_exponent", 0.0);
  r.range(l, "overfit_data_exponent", lm.overfit_data_exponent, 0, 10);
  lm.rate_spread = l.number("rate_spread", 0.0);
  r.range(l, "rate_spread", lm.rate_spread, 0, 5);
  lm.epoch_noise = l.number("epoch_noise", 0.0);
  r.range(l, "epoch_noise", lm.epoch_noise, 0, 1);
  lm.eval_noise = l.number("eval_noise", 0.0);
  r.non_negative(l, "eval_noise", lm.eval_noise);
  // The batch-size law (docs/model.md 1.2): both keys or neither.
  lm.batch_noise_scale = l.number("batch_noise_scale", 0.0);
  r.range(l, "batch_noise_scale", lm.batch_noise_scale, 0, 1e9);
  lm.reference_batch = l.number("reference_batch", 0.0);
  r.range(l, "reference_batch", lm.reference_batch, 0, 1e9);
  if (l.ok("batch_noise_scale") && l.ok("reference_batch") && (lm.batch_noise_scale > 0) != (lm.reference_batch > 0))
    r.doc.issue(l.get(lm.batch_noise_scale > 0 ? "batch_noise_scale" : "reference_batch"),
                lm.batch_noise_scale > 0 ? "model.learning.batch_noise_scale" : "model.learning.reference_batch",
                "the batch-size law needs both batch_noise_scale (B_noise) and reference_batch (the global batch the "
                "versions' rates are for)");
}

// How much knowledge the planners get: its runs, how they are split for certification, its loss levels (the totals
// are checked by check_knowledge_total once the buckets and switches are known).
void read_knowledge_size(ModelReading& mr, Map& l, LearningSpec& lm) {
  Reader& r = mr.r;
  if (!mr.traces) {
    lm.knowledge_trajectories = read_knowledge_runs(mr, l, lm, "knowledge_trajectories", 8000, 1e6);
  } else if (const YAML::Node t = l.get("knowledge_trajectories"); t.IsDefined()) {
    r.doc.issue(t, "model.learning.knowledge_trajectories",
                "not used with kind: traces: a measured profile's knowledge is its knowledge seeds' runs, each counted once "
                "(model.learning.knowledge_runs, or knowledge_seeds)");
  }
  lm.certification_share = l.number("certification_share", 0.5);
  r.range(l, "certification_share", lm.certification_share, 0, 0.9);
  lm.certification_candidates = static_cast<int>(l.integer_in("certification_candidates", 1, 20, 4));
  lm.confidence = l.number("confidence", 0.95);
  if (l.ok("confidence") && !(lm.confidence >= 0.5 && lm.confidence < 1))
    r.doc.issue(l.get("confidence"), "model.learning.confidence", fmt::format("must be in [0.5, 1), got {}", shown(l.written("confidence"))));
  lm.levels = static_cast<int>(l.integer_in("levels", 2, 10000, 100));
}

// The knowledge the planners may build, all chains together (docs/scenario.md 2.6): a chain per version and data
// bucket, and per declared switch, switch epoch and bucket. Each (epoch, loss level) cell holds about 100 bytes
// (counts, sums, its kernel's row), and each chain of a parametric scenario is built by simulating every knowledge
// run over every epoch: both totals are bounded, so that no scenario asks for more memory than a machine has or
// runs for hours before it plans, and one that would is refused at once with the numbers.
void check_knowledge_total(ModelReading& mr, Map& top, Map& l, const Scenario& sc, const LearningSpec& lm) {
  Reader& r = mr.r;
  if (!mr.max_epochs_ok || !l.ok("levels") || lm.data_buckets.empty()) return;
  double switched = 0;
  if (sc.model.max_switches >= 1)
    for (int e : sc.model.switch_epochs) switched += e < sc.target.max_epochs ? static_cast<double>(sc.model.switches.size()) : 0;
  const double chains = static_cast<double>(lm.data_buckets.size()) * (static_cast<double>(sc.model.versions.size()) + switched);
  const double epochs = static_cast<double>(sc.target.max_epochs);
  const std::string what = fmt::format("{} knowledge chains ({} data buckets x ({} versions + {:.0f} switch points)) x {} epochs",
                                       chains, lm.data_buckets.size(), sc.model.versions.size(), switched, sc.target.max_epochs);
  const double cells = chains * epochs * lm.levels;
  if (cells > kMaxKnowledgeCells)
    r.doc.issue(l.get("levels").IsDefined() ? l.get("levels") : top.get("target"), "model.learning.levels",
                fmt::format("{} x {} levels = {:.3g} knowledge cells: at most {:.0e} (about 100 bytes each: {:.3g} GB would "
                            "not fit in memory); use fewer levels, epochs, data buckets or switch epochs",
                            what, lm.levels, cells, kMaxKnowledgeCells, cells * 100 / 1e9));
  if (!mr.traces && l.ok(lm.knowledge_runs_key.substr(lm.knowledge_runs_key.rfind('.') + 1)) && lm.knowledge_trajectories >= 1) {
    const double simulated = chains * epochs * lm.knowledge_trajectories;
    if (simulated > kMaxKnowledgeEpochs)
      r.doc.issue(l.get("knowledge_runs").IsDefined()           ? l.get("knowledge_runs")
                  : l.get("knowledge_trajectories").IsDefined() ? l.get("knowledge_trajectories")
                                                                : top.get("target"),
                  lm.knowledge_runs_key,
                  fmt::format("{} x {} knowledge runs = {:.3g} simulated epochs to build the knowledge: at most {:.0e} "
                              "(beyond, hours before the first plan); use fewer runs, epochs, data buckets or switch epochs",
                              what, lm.knowledge_trajectories, simulated, kMaxKnowledgeEpochs));
  }
}

void read_data_buckets(ModelReading& mr, Map& l, LearningSpec& lm) {
  yaml::Document& doc = mr.r.doc;
  YAML::Node buckets = l.get("data_buckets");
  if (!buckets.IsDefined() || buckets.IsNull()) return;
  if (!buckets.IsSequence() || buckets.size() == 0) {
    doc.issue(buckets, "model.learning.data_buckets", "expected a non-empty list of fractions in (0, 1], e.g. [0.5, 1.0]");
    return;
  }
  lm.data_buckets.clear();
  if (buckets.size() > kMaxDataBuckets)
    doc.issue(buckets, "model.learning.data_buckets",
              fmt::format("{} buckets: at most {} (each is a knowledge chain per version)", buckets.size(), kMaxDataBuckets));
  for (std::size_t i = 0; i < buckets.size() && i < kMaxDataBuckets; ++i) {
    const std::string key = fmt::format("model.learning.data_buckets.{}", i);
    auto f = yaml::to_number(doc, buckets[i], key);
    if (!f) continue;
    if (!(*f > 0 && *f <= 1)) doc.issue(buckets[i], key, fmt::format("must be in (0, 1], got {}", *f));
    else if (!lm.data_buckets.empty() && *f <= lm.data_buckets.back())
      doc.issue(buckets[i], key, "fractions must be strictly increasing");
    else lm.data_buckets.push_back(*f);
  }
}

void read_switches(ModelReading& mr, Map& l, Scenario& sc, LearningSpec& lm) {
  Reader& r = mr.r;
  r.list_of_maps(l, "switches", false, [&](Map& m, const std::string&) {
    SwitchDecl d;
    SwitchLearning s;
    d.from = m.string("from");
    d.to = m.string("to");
    if (!mr.traces) {  // a profile measures what happens at a switch
      s.jump = m.number("jump", 0.0);
      s.floor = m.number("floor");
      r.positive(m, "floor", s.floor);
    }
    auto from = sc.version_index(d.from);
    auto to = sc.version_index(d.to);
    if (!d.from.empty() && !from) r.doc.issue(m.get("from"), m.key_path("from"), fmt::format("no version named '{}'", d.from));
    if (!d.to.empty() && !to) r.doc.issue(m.get("to"), m.key_path("to"), fmt::format("no version named '{}'", d.to));
    if (from && to && *from == *to) r.doc.issue(m.get("to"), m.key_path("to"), "a switch must change the version");
    if (from && to) {
      if (sc.switch_declared(*from, *to))
        r.doc.issue(m.node(), m.key_path("from"), fmt::format("switch {} -> {} declared twice", d.from, d.to));
      d.from_index = s.from_index = *from;
      d.to_index = s.to_index = *to;
      sc.model.switches.push_back(d);
      lm.switches.push_back(s);
    }
  });
}

// A version's floor must lie below the untrained loss L_0.
void check_floors(ModelReading& mr, Map& model, const Scenario& sc, const LearningSpec& lm) {
  if (mr.traces) return;
  for (std::size_t i = 0; i < sc.model.versions.size(); ++i)
    if (lm.initial_loss > 0 && lm.versions[i].floor >= lm.initial_loss) {
      const std::string key = "model.versions." + sc.model.versions[i].name + ".learning.floor";
      mr.r.doc.issue(mr.floor_nodes.count(key) ? mr.floor_nodes[key] : model.get("versions"), key,
                     fmt::format("must be below model.learning.initial_loss ({}), got {}", lm.initial_loss, lm.versions[i].floor));
    }
}

void read_learning(ModelReading& mr, Map& top, Map& model, Scenario& sc, LearningSpec& lm) {
  Map l(mr.r.doc, model.require("learning"), "model.learning");
  if (!l.valid()) return;
  lm.kind = l.choice("kind", {"parametric", "traces"}, "parametric");
  if (mr.traces) read_profile(mr, l, lm);
  else read_curves(mr, l, lm);
  read_knowledge_size(mr, l, lm);
  read_data_buckets(mr, l, lm);
  read_switches(mr, l, sc, lm);
  check_knowledge_total(mr, top, l, sc, lm);
  l.reject_unknown_keys();
  check_floors(mr, model, sc, lm);
}

} // namespace

void read_model(Reader& r, Map& top, bool max_epochs_ok, Scenario& sc, LearningSpec& learning) {
  Map model(r.doc, top.require("model"), "model");
  if (!model.valid()) return;
  ModelReading mr{r, max_epochs_ok, is_traces(model.node()), {}};
  sc.model.name = model.string("name");
  sc.model.batch_size = static_cast<int>(model.integer_in("batch_size", 1, 100'000'000, 32));
  read_batch_sizes(mr, model, sc);
  read_versions(mr, model, sc, learning);
  read_switch_epochs(mr, model, sc);
  sc.model.max_switches = static_cast<int>(model.integer_in("max_switches", 0, 100, 0));
  read_learning(mr, top, model, sc, learning);
  model.reject_unknown_keys();
}

} // namespace deplsim::scenario_sections
