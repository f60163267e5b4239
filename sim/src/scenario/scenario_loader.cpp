// Scenario YAML -> validated Scenario. The schema is documented in docs/scenario.md; every rule below
// has its message there too. Checks against the platform (hosts, zones, routes) happen in problem.cpp.
#include "scenario/scenario_loader.hpp"

#include "scenario/names.hpp"
#include "support/yaml_reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <cstdlib>
#include <map>
#include <regex>
#include <set>

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

// A user's fault events (docs/scenario.md 2.12): CSV `time_s,host,event,value`, event off | on | speed (value: the
// speed factor, > 0). Returns the events in file order; on the first problem, `why` says FILE:LINE: what.
std::vector<FaultEvent> read_fault_events(const std::string& path, std::string& why) {
  std::vector<FaultEvent> out;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    why = fmt::format("events file '{}' does not exist", path);
    return out;
  }
  if (std::filesystem::file_size(path, ec) > yaml::kMaxFileBytes) {
    why = fmt::format("{}: larger than {} bytes", path, yaml::kMaxFileBytes);
    return out;
  }
  std::ifstream in(path);
  std::string line;
  int n = 0;
  auto fail = [&](const std::string& msg) {
    why = fmt::format("{}:{}: {}", path, n, msg);
    out.clear();
    return out;
  };
  while (std::getline(in, line)) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (n == 1) {
      if (line != "time_s,host,event,value") return fail(fmt::format("expected the header 'time_s,host,event,value', got '{}'", shown(line)));
      continue;
    }
    if (line.empty()) continue;
    std::vector<std::string> f;
    std::string cur;
    for (char c : line) {
      if (c == ',') {
        f.push_back(cur);
        cur.clear();
      } else {
        cur += c;
      }
    }
    f.push_back(cur);
    if (f.size() != 4) return fail(fmt::format("expected 4 fields (time_s,host,event,value), got {}", f.size()));
    FaultEvent e;
    e.line = n;
    char* end = nullptr;
    e.time_s = std::strtod(f[0].c_str(), &end);
    if (f[0].empty() || end == nullptr || *end != '\0' || !std::isfinite(e.time_s) || e.time_s < 0)
      return fail(fmt::format("time_s: expected a finite number >= 0, got '{}'", shown(f[0])));
    e.host = f[1];
    if (e.host.empty()) return fail("host: empty");
    if (f[2] == "off") e.kind = FaultEvent::Kind::off;
    else if (f[2] == "on") e.kind = FaultEvent::Kind::on;
    else if (f[2] == "speed") e.kind = FaultEvent::Kind::speed;
    else return fail(fmt::format("event: expected off, on or speed, got '{}'", shown(f[2])));
    if (e.kind == FaultEvent::Kind::speed) {
      e.value = std::strtod(f[3].c_str(), &end);
      if (f[3].empty() || end == nullptr || *end != '\0' || !std::isfinite(e.value) || !(e.value > 0) || e.value > 1000)
        return fail(fmt::format("value: a speed factor in (0, 1000], got '{}'", shown(f[3])));
    } else if (!f[3].empty()) {
      return fail(fmt::format("value: only for speed events, got '{}'", shown(f[3])));
    }
    out.push_back(e);
    if (out.size() > 1'000'000) return fail("more than 1,000,000 events");
  }
  if (n == 0) return fail("empty file (expected the header 'time_s,host,event,value')");
  return out;
}

using yaml::Document;
using yaml::Map;

// SimGrid settings a scenario file (or a --set of it, which is what a sweep's grid becomes) may carry: those of the
// performance models only. Anything else can write files (tracing/filename, a trace in the working folder), read
// them (path, tracing/comment-file, smpi/...) or change the process (contexts/..., debug/...): --cfg only, so
// that nothing but the command line decides what deplsim writes outside --out.
// Limits derived from memory (docs/scenario.md 2.6).
constexpr double kMaxChainCells = 1e7;    // target.max_epochs x model.learning.levels
constexpr double kMaxChainEpochs = 1e9;   // target.max_epochs x model.learning.knowledge_trajectories
constexpr std::size_t kMaxDataBuckets = 1000;

bool model_setting(const std::string& key) {
  static const char* const kPrefixes[] = {"network/", "cpu/", "host/", "maxmin/", "precision/"};
  for (const char* p : kPrefixes)
    if (key.rfind(p, 0) == 0 && key.size() > std::char_traits<char>::length(p)) return true;
  return key == "surf/precision";
}

// Records the position of a key so that later checks can point at it.
void remember(Document& doc, SourceMap& where, const YAML::Node& node, const std::string& key) {
  where.record(key, doc.location(node, key));
}

struct Reader {
  Document& doc;
  SourceMap& where;

  void positive(Map& m, const std::string& key, double v) {
    if (!m.ok(key)) return;
    if (!(v > 0)) doc.issue(m.get(key), m.key_path(key), fmt::format("must be > 0, got {}", v));
  }
  void non_negative(Map& m, const std::string& key, double v) {
    if (!m.ok(key)) return;
    if (!(v >= 0)) doc.issue(m.get(key), m.key_path(key), fmt::format("must be >= 0, got {}", v));
  }
  void positive_at_most(Map& m, const std::string& key, double v, double hi) {
    if (!m.ok(key)) return;
    if (!(v > 0 && v <= hi)) doc.issue(m.get(key), m.key_path(key), fmt::format("must be > 0 and at most {}, got {}", hi, v));
  }
  void range(Map& m, const std::string& key, double v, double lo, double hi) {
    if (!m.ok(key)) return;
    if (!(v >= lo && v <= hi)) doc.issue(m.get(key), m.key_path(key), fmt::format("must be in [{}, {}], got {}", lo, hi, v));
  }

  // Iterates a list of mappings; `each(map, item name for paths)`.
  template <class F>
  void list_of_maps(Map& parent, const std::string& key, bool required, F each) {
    YAML::Node list = required ? parent.require(key) : parent.get(key);
    if (!list.IsDefined() || list.IsNull()) return;
    if (!list.IsSequence()) {
      doc.issue(list, parent.key_path(key), "expected a list");
      return;
    }
    if (required && list.size() == 0) doc.issue(list, parent.key_path(key), "must not be empty");
    std::set<std::string> names;
    for (std::size_t i = 0; i < list.size(); ++i) {
      const YAML::Node item = list[i];
      std::string label = std::to_string(i);
      // A name that is not valid (reported by name()) labels nothing: its raw bytes stay out of key paths.
      if (item.IsMap() && item["name"] && item["name"].IsScalar() && !name_problem(item["name"].Scalar())) {
        label = item["name"].Scalar();
        if (!names.insert(label).second)
          doc.issue(item["name"], parent.key_path(key) + "." + label, fmt::format("duplicated name '{}'", label));
      }
      Map m(doc, item, parent.key_path(key) + "." + label);
      if (m.valid()) each(m, label);
      m.reject_unknown_keys();
    }
  }

  // Names may become path components (scenario name: default output folders): see scenario/names.hpp.
  void name(Map& m, const std::string& key, std::string& out) {
    out = m.string(key);
    const YAML::Node v = m.get(key);
    if (m.ok(key) && v.IsScalar())
      if (auto problem = name_problem(out)) doc.issue(v, m.key_path(key), *problem);
    remember(doc, where, v, m.key_path(key));
  }
};

Scenario read(Document& doc, SourceMap& where, const std::optional<std::string>& platform_override) {
  Scenario sc;
  sc.path = doc.file();
  Reader r{doc, where};
  Map top(doc, doc.root(), "");
  if (!top.valid()) return sc;

  r.name(top, "name", sc.name);
  sc.description = top.string("description", "");

  sc.platform = top.string("platform");
  remember(doc, where, top.get("platform"), "platform");
  if (platform_override) {
    sc.platform = *platform_override;  // --platform: relative to the current directory
    std::error_code ec;
    if (!std::filesystem::exists(sc.platform, ec))
      throw InputError(InputIssue{sc.platform, 0, 0, "", "no such platform file (given with --platform)"});
    if (!std::filesystem::is_regular_file(sc.platform, ec))
      throw InputError(InputIssue{sc.platform, 0, 0, "", "not a regular file (given with --platform)"});
  } else if (!sc.platform.empty()) {
    namespace fs = std::filesystem;
    fs::path p(sc.platform);
    if (p.is_relative()) p = fs::path(doc.file()).parent_path() / p;
    sc.platform = p.lexically_normal().string();
    std::error_code ec;
    if (!fs::is_regular_file(p, ec))
      doc.issue(top.get("platform"), "platform", fmt::format("platform file '{}' does not exist", sc.platform));
  }
  sc.controller = top.string("controller");
  remember(doc, where, top.get("controller"), "controller");

  // target
  bool max_epochs_ok = false;
  {
    Map t(doc, top.require("target"), "target");
    if (t.valid()) {
      sc.target.loss = t.number("loss");
      r.positive(t, "loss", sc.target.loss);
      sc.target.probability = t.number("probability");
      if (t.ok("probability") && !(sc.target.probability > 0 && sc.target.probability < 1))
        doc.issue(t.get("probability"), "target.probability", fmt::format("must be in (0, 1), got {}", sc.target.probability));
      sc.target.deadline_s = t.optional_number("deadline_s");
      if (sc.target.deadline_s) r.positive(t, "deadline_s", *sc.target.deadline_s);
      sc.target.max_epochs = static_cast<int>(std::clamp<long long>(t.integer("max_epochs"), -1, 1'000'000));
      r.range(t, "max_epochs", sc.target.max_epochs, 1, 100000);
      max_epochs_ok = t.ok("max_epochs") && sc.target.max_epochs >= 1 && sc.target.max_epochs <= 100000;
      remember(doc, where, t.get("max_epochs"), "target.max_epochs");
      t.reject_unknown_keys();
    }
  }

  const std::string objective = top.choice("objective", {"energy", "time", "money"}, "energy");
  sc.objective = objective == "time" ? Objective::time : objective == "money" ? Objective::money : Objective::energy;

  r.list_of_maps(top, "clusters", true, [&](Map& m, const std::string&) {
    Cluster c;
    r.name(m, "name", c.name);
    c.zone = m.string("zone");
    remember(doc, where, m.get("zone"), m.key_path("zone"));
    c.price_per_node_s = m.number("price_per_node_s", 0.0);
    r.non_negative(m, "price_per_node_s", c.price_per_node_s);
    c.mtbf_s = m.number("mtbf_s", 0.0);
    r.range(m, "mtbf_s", c.mtbf_s, 0, 1e12);
    // Below a second, failures come faster than any epoch ends: a replication would record failures forever.
    if (m.ok("mtbf_s") && c.mtbf_s > 0 && c.mtbf_s < 1)
      doc.issue(m.get("mtbf_s"), m.key_path("mtbf_s"), fmt::format("must be 0 (no failures) or at least 1 s, got {}", c.mtbf_s));
    c.mttr_s = m.number("mttr_s", 0.0);
    r.range(m, "mttr_s", c.mttr_s, 0, 1e12);
    if (m.ok("mtbf_s") && m.ok("mttr_s") && c.mtbf_s > 0 && !(c.mttr_s > 0))
      doc.issue(m.get("mtbf_s"), m.key_path("mttr_s"), "must be > 0 when mtbf_s is set (failed nodes are repaired after it)");
    c.straggler_probability = m.number("straggler_probability", 0.0);
    r.range(m, "straggler_probability", c.straggler_probability, 0, 1);
    c.straggler_slowdown = m.number("straggler_slowdown", 1.0);
    r.range(m, "straggler_slowdown", c.straggler_slowdown, 1, 1000);
    sc.clusters.push_back(c);
  });

  r.list_of_maps(top, "data_sources", true, [&](Map& m, const std::string&) {
    DataSource d;
    r.name(m, "name", d.name);
    d.host = m.string("host");
    remember(doc, where, m.get("host"), m.key_path("host"));
    d.samples = m.integer("samples");
    r.range(m, "samples", static_cast<double>(d.samples), 1, 1e12);
    d.sample_bytes = m.number("sample_bytes");
    r.positive_at_most(m, "sample_bytes", d.sample_bytes, 1e12);
    sc.data_sources.push_back(d);
  });

  // model
  std::map<std::string, YAML::Node> floor_nodes;  // to point at a floor that is too high
  Map model(doc, top.require("model"), "model");
  if (model.valid()) {
    // The learning kind decides which keys the versions need: peek at it first.
    bool traces = false;
    {
      // By iteration, not operator[]: a lookup can yield an invalid node, on which yaml-cpp throws (found by
      // tests/fuzz/fuzz_scenario; regression in tests/data/scenarios/bad/).
      const YAML::Node& mn = model.node();
      if (mn.IsMap())
        for (auto it = mn.begin(); it != mn.end(); ++it)
          if (it->first.IsScalar() && it->first.Scalar() == "learning" && it->second.IsMap())
            for (auto jt = it->second.begin(); jt != it->second.end(); ++jt)
              if (jt->first.IsScalar() && jt->first.Scalar() == "kind" && jt->second.IsScalar())
                traces = jt->second.Scalar() == "traces";
    }
    sc.model.name = model.string("name");
    sc.model.batch_size = static_cast<int>(std::clamp<long long>(model.integer("batch_size", 32), -1, 1'000'000'000));
    r.range(model, "batch_size", sc.model.batch_size, 1, 1e8);
    r.list_of_maps(model, "versions", true, [&](Map& m, const std::string&) {
      ModelVersion v;
      r.name(m, "name", v.name);
      v.flops_per_sample = m.number("flops_per_sample");
      r.positive_at_most(m, "flops_per_sample", v.flops_per_sample, 1e18);
      v.param_bytes = m.number("param_bytes");
      r.positive_at_most(m, "param_bytes", v.param_bytes, 1e15);
      v.pruning = m.number("pruning", 0.0);
      if (m.ok("pruning") && !(v.pruning >= 0 && v.pruning < 1))
        doc.issue(m.get("pruning"), m.key_path("pruning"), fmt::format("must be in [0, 1), got {}", v.pruning));
      YAML::Node learning_node = traces ? m.get("learning") : m.require("learning");
      if (traces && learning_node.IsDefined() && !learning_node.IsNull())
        doc.issue(learning_node, m.key_path("learning"), "learning-curve parameters are for kind: parametric; a traces profile measures them");
      Map l(doc, traces ? YAML::Node() : learning_node, m.key_path("learning"));
      if (l.valid()) {
        floor_nodes[l.key_path("floor")] = l.get("floor");
        v.learning.floor = l.number("floor");
        r.positive(l, "floor", v.learning.floor);
        v.learning.rate = l.number("rate");
        r.positive(l, "rate", v.learning.rate);
        v.learning.shape = l.number("shape", 1.0);
        r.range(l, "shape", v.learning.shape, 0.05, 20);
        v.learning.spread = l.number("spread", 0.0);
        r.range(l, "spread", v.learning.spread, 0, 5);
        v.learning.overfit_slope = l.number("overfit_slope", 0.0);
        r.non_negative(l, "overfit_slope", v.learning.overfit_slope);
        v.learning.overfit_start = l.number("overfit_start", 0.0);
        r.non_negative(l, "overfit_start", v.learning.overfit_start);
        l.reject_unknown_keys();
      }
      sc.model.versions.push_back(v);
    });

    YAML::Node epochs = model.get("switch_epochs");
    remember(doc, where, epochs, "model.switch_epochs");
    if (epochs.IsDefined() && !epochs.IsNull()) {
      if (!epochs.IsSequence()) {
        doc.issue(epochs, "model.switch_epochs", "expected a list of epochs, e.g. [5, 10, 20]");
      } else {
        for (std::size_t i = 0; i < epochs.size(); ++i) {
          auto e = yaml::to_integer(doc, epochs[i], fmt::format("model.switch_epochs.{}", i));
          if (!e) continue;
          if (!max_epochs_ok) continue;  // judged once target.max_epochs is right
          if (*e < 1 || *e >= sc.target.max_epochs) {
            doc.issue(epochs[i], fmt::format("model.switch_epochs.{}", i),
                      fmt::format("must be in [1, target.max_epochs - 1], got {}", *e));
            continue;
          }
          if (!sc.model.switch_epochs.empty() && *e <= sc.model.switch_epochs.back())
            doc.issue(epochs[i], fmt::format("model.switch_epochs.{}", i), "epochs must be strictly increasing");
          sc.model.switch_epochs.push_back(static_cast<int>(*e));
        }
      }
    }
    sc.model.max_switches = static_cast<int>(std::clamp<long long>(model.integer("max_switches", 0), -1, 1000));
    r.range(model, "max_switches", sc.model.max_switches, 0, 100);

    Map l(doc, model.require("learning"), "model.learning");
    if (l.valid()) {
      auto& lm = sc.model.learning;
      lm.kind = l.choice("kind", {"parametric", "traces"}, "parametric");
      if (traces) {
        // A measured profile (MODEL.md 4.4): the file, and how many of its seeds the planner learns from.
        lm.profile = l.string("profile");
        remember(doc, where, l.get("profile"), "model.learning.profile");
        if (!lm.profile.empty()) {
          std::filesystem::path pp(lm.profile);
          if (pp.is_relative()) pp = std::filesystem::path(doc.file()).parent_path() / pp;
          lm.profile = pp.lexically_normal().string();
          std::error_code ec;
          if (!std::filesystem::is_regular_file(pp, ec))
            doc.issue(l.get("profile"), "model.learning.profile", fmt::format("profile file '{}' does not exist", lm.profile));
        }
        lm.knowledge_seeds = static_cast<int>(std::clamp<long long>(l.integer("knowledge_seeds"), -1, 1'000'000'000));
        r.range(l, "knowledge_seeds", lm.knowledge_seeds, 1, 1e9);
        remember(doc, where, l.get("knowledge_seeds"), "model.learning.knowledge_seeds");
        lm.initial_loss = l.number("initial_loss", 0.0);  // optional: the grid's top defaults to the profile's
        r.non_negative(l, "initial_loss", lm.initial_loss);
      }
    }
    if (l.valid() && !traces) {
      auto& lm = sc.model.learning;
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
    }
    if (l.valid()) {
      auto& lm = sc.model.learning;
      lm.knowledge_trajectories =
          static_cast<int>(std::clamp<long long>(l.integer("knowledge_trajectories", 8000), -1, 100'000'000));
      r.range(l, "knowledge_trajectories", lm.knowledge_trajectories, 1, 1e6);
      lm.levels = static_cast<int>(std::clamp<long long>(l.integer("levels", 100), -1, 100'000'000));
      r.range(l, "levels", lm.levels, 2, 10000);
      // Each (epoch, loss level) cell of a knowledge chain holds about 100 bytes (counts, sums, the kernel's row),
      // and the planners keep a chain per version and data bucket and per switch: bound the cells of one chain
      // (10^7: about 1 GB) and the epochs simulated to build it (10^9: minutes), so that no scenario asks for
      // more memory than a machine has or runs for days before it plans.
      if (max_epochs_ok && l.ok("levels") && lm.levels >= 2 && lm.levels <= 10000) {
        const double cells = static_cast<double>(sc.target.max_epochs) * lm.levels;
        if (cells > kMaxChainCells)
          doc.issue(l.get("levels").IsDefined() ? l.get("levels") : top.get("target"), "model.learning.levels",
                    fmt::format("target.max_epochs x levels = {} x {} = {:.0f} knowledge cells per chain: at most {:.0f} "
                                "(about 100 bytes each, one chain per version, data bucket and switch: more would not fit in "
                                "memory); use fewer levels or fewer epochs",
                                sc.target.max_epochs, lm.levels, cells, kMaxChainCells));
      }
      if (!traces && max_epochs_ok && l.ok("knowledge_trajectories") && lm.knowledge_trajectories >= 1 &&
          lm.knowledge_trajectories <= 1'000'000) {
        const double epochs = static_cast<double>(sc.target.max_epochs) * lm.knowledge_trajectories;
        if (epochs > kMaxChainEpochs)
          doc.issue(l.get("knowledge_trajectories").IsDefined() ? l.get("knowledge_trajectories") : top.get("target"),
                    "model.learning.knowledge_trajectories",
                    fmt::format("target.max_epochs x knowledge_trajectories = {} x {} = {:.0f} simulated epochs per knowledge "
                                "chain: at most {:.0f} (each chain would take hours to build)",
                                sc.target.max_epochs, lm.knowledge_trajectories, epochs, kMaxChainEpochs));
      }
      YAML::Node buckets = l.get("data_buckets");
      if (buckets.IsDefined() && !buckets.IsNull()) {
        if (!buckets.IsSequence() || buckets.size() == 0) {
          doc.issue(buckets, "model.learning.data_buckets", "expected a non-empty list of fractions in (0, 1], e.g. [0.5, 1.0]");
        } else {
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
      }
      r.list_of_maps(l, "switches", false, [&](Map& m, const std::string&) {
        SwitchLearning s;
        s.from = m.string("from");
        s.to = m.string("to");
        if (!traces) {  // a profile measures what happens at a switch
          s.jump = m.number("jump", 0.0);
          s.floor = m.number("floor");
          r.positive(m, "floor", s.floor);
        }
        auto from = sc.version_index(s.from);
        auto to = sc.version_index(s.to);
        if (!s.from.empty() && !from)
          doc.issue(m.get("from"), m.key_path("from"), fmt::format("no version named '{}'", s.from));
        if (!s.to.empty() && !to) doc.issue(m.get("to"), m.key_path("to"), fmt::format("no version named '{}'", s.to));
        if (from && to && *from == *to) doc.issue(m.get("to"), m.key_path("to"), "a switch must change the version");
        if (from && to) {
          if (sc.switch_learning(*from, *to))
            doc.issue(m.node(), m.key_path("from"), fmt::format("switch {} -> {} declared twice", s.from, s.to));
          s.from_index = *from;
          s.to_index = *to;
          lm.switches.push_back(s);
        }
      });
      l.reject_unknown_keys();
      for (std::size_t i = 0; i < sc.model.versions.size() && !traces; ++i)
        if (lm.initial_loss > 0 && sc.model.versions[i].learning.floor >= lm.initial_loss) {
          const std::string key = "model.versions." + sc.model.versions[i].name + ".learning.floor";
          doc.issue(floor_nodes.count(key) ? floor_nodes[key] : model.get("versions"), key,
                    fmt::format("must be below model.learning.initial_loss ({}), got {}", lm.initial_loss,
                                sc.model.versions[i].learning.floor));
        }
    }
    model.reject_unknown_keys();
  }

  // training
  {
    YAML::Node tn = top.get("training");
    if (tn.IsDefined() && !tn.IsNull()) {
      Map t(doc, tn, "training");
      if (t.valid()) {
        const std::string sync = t.choice("sync", {"ring-allreduce", "parameter-server"}, "ring-allreduce");
        sc.training.sync = sync == "parameter-server" ? SyncKind::parameter_server : SyncKind::ring_allreduce;
        sc.training.rounds_per_epoch = static_cast<int>(std::clamp<long long>(t.integer("rounds_per_epoch", 1), -1, 1'000'000'000));
        r.range(t, "rounds_per_epoch", sc.training.rounds_per_epoch, 1, 100000);
        t.reject_unknown_keys();
      }
    }
  }

  // planners
  {
    YAML::Node pn = top.get("planners");
    if (pn.IsDefined() && !pn.IsNull()) {
      Map pm(doc, pn, "planners");
      if (pm.valid()) {
        sc.planners.safety_delta = pm.number("safety_delta", 0.1);
        if (pm.ok("safety_delta") && !(sc.planners.safety_delta >= 0 && sc.planners.safety_delta < 1))
          doc.issue(pm.get("safety_delta"), "planners.safety_delta", fmt::format("must be in [0, 1), got {}", sc.planners.safety_delta));
        sc.planners.margin_step = pm.number("margin_step", 0.01);
        if (pm.ok("margin_step") && !(sc.planners.margin_step >= 1e-4 && sc.planners.margin_step <= 0.5))
          doc.issue(pm.get("margin_step"), "planners.margin_step", fmt::format("must be in [0.0001, 0.5], got {}", sc.planners.margin_step));
        YAML::Node on = pm.get("optimum");
        if (on.IsDefined() && !on.IsNull()) {
          Map om(doc, on, "planners.optimum");
          if (om.valid()) {
            sc.planners.optimum_node_limit = std::clamp<long long>(om.integer("node_limit", 100000), -1, 2'000'000'000);
            r.range(om, "node_limit", static_cast<double>(sc.planners.optimum_node_limit), 0, 2e9);
            sc.planners.optimum_gap = om.number("gap", 0.0);
            r.range(om, "gap", sc.planners.optimum_gap, 0, 1);
            sc.planners.optimum_max_segments = static_cast<int>(std::clamp<long long>(om.integer("max_segments", 4), -1, 1000));
            r.range(om, "max_segments", sc.planners.optimum_max_segments, 1, 64);
            om.reject_unknown_keys();
          }
        }
        pm.reject_unknown_keys();
      }
    }
  }

  // faults
  {
    YAML::Node fnode = top.get("faults");
    if (fnode.IsDefined() && !fnode.IsNull()) {
      Map f(doc, fnode, "faults");
      if (f.valid()) {
        sc.faults.checkpoint_every = static_cast<int>(std::clamp<long long>(f.integer("checkpoint_every", 1), -1, 1'000'000'000));
        r.range(f, "checkpoint_every", sc.faults.checkpoint_every, 1, 1000000);
        const std::string events = f.string("events", "");
        if (!events.empty()) {
          const std::filesystem::path base = std::filesystem::path(doc.file()).parent_path();
          const std::filesystem::path ep = std::filesystem::path(events).is_absolute() ? std::filesystem::path(events) : base / events;
          sc.faults.events_file = ep.lexically_normal().string();
          std::string why;
          sc.faults.events = read_fault_events(sc.faults.events_file, why);
          if (!why.empty()) doc.issue(f.get("events"), "faults.events", why);
        }
        f.reject_unknown_keys();
      }
    }
  }

  // simgrid
  {
    YAML::Node sn = top.get("simgrid");
    if (sn.IsDefined() && !sn.IsNull()) {
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
  }
  top.reject_unknown_keys();
  return sc;
}

LoadedScenario finish(Document& doc, const std::vector<std::string>& overrides,
                      const std::optional<std::string>& platform_override) {
  for (const auto& o : overrides) doc.apply_override(o);
  LoadedScenario out;
  out.where.file = doc.file();
  out.scenario = read(doc, out.where, platform_override);
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
