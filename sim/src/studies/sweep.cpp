#include "studies/sweep.hpp"

#include "studies/coverage.hpp"

#include "orchestrators/builtins.hpp"

#include "deplsim/error.hpp"
#include "experiment/context.hpp"
#include "support/process.hpp"
#include "report/run_outputs.hpp"
#include "scenario/names.hpp"
#include "platform/xml_check.hpp"
#include "scenario/scenario_loader.hpp"
#include "support/yaml_reader.hpp"
#include "support/interrupt.hpp"
#include "support/kill_point.hpp"
#include "support/progress.hpp"
#include "support/csv.hpp"
#include "support/hash.hpp"
#include "support/files.hpp"
#include "report/comparison.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace deplsim {
namespace fs = std::filesystem;

namespace {

InputError sweep_error(const std::string& file, const std::string& key, const std::string& message) {
  return InputError(InputIssue{file, 0, 0, key, message});
}

// Limits (docs/sweeps.md): every cell is loaded before anything runs and every unit's command line is kept
// in memory and in sweep.json.
constexpr std::size_t kMaxUnits = 1'000'000;
constexpr std::size_t kMaxGridValues = 10'000;            // values of one grid key
constexpr std::size_t kMaxOverrideKeys = 1'000;           // grid and set keys together
constexpr double kMaxPlanBytes = 1024.0 * 1024 * 1024;    // the resolved units (sweep.json), about

// A scalar of the sweep file as the text `--set` would take: no control characters (a NUL would cut the
// command-line argument a unit gets short of what sweep.json records).
std::optional<std::string> scalar_text(yaml::Document& doc, const YAML::Node& node, const std::string& key) {
  if (!node.IsScalar()) {
    doc.issue(node, key, "expected a scalar (number, string or boolean)");
    return std::nullopt;
  }
  for (unsigned char c : node.Scalar())
    if (c < 0x20 || c == 0x7f) {
      doc.issue(node, key, fmt::format("control characters are not allowed, got '{}'", shown(node.Scalar())));
      return std::nullopt;
    }
  return node.Scalar();
}

// A scenario key as `--set` takes it: dotted names or list indexes (docs/scenario.md 3), nothing else (an '='
// would move the split between key and value).
bool check_override_key(yaml::Document& doc, const YAML::Node& where, const std::string& key, const std::string& path) {
  bool ok = !key.empty() && key.size() <= 1000 && key.front() != '.' && key.back() != '.' && key.find("..") == std::string::npos;
  for (char c : key)
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '+' ||
                c == '-');
  if (!ok)
    doc.issue(where, path,
              fmt::format("'{}' is not a scenario key: expected a dotted path of names and list indexes, e.g. "
                          "target.probability or data_sources.cam1.samples",
                          shown(key)));
  return ok;
}

std::string resolve(const fs::path& base, const std::string& p) {
  const fs::path path(p);
  return (path.is_absolute() ? path : (base / path)).lexically_normal().string();
}

// The items of the list at `key` (required or not), each with its key path (`key.i`); a value that is not a
// non-empty list is reported.
template <typename Each>
void each_listed(yaml::Document& doc, yaml::Map& top, const std::string& key, bool required, Each each) {
  YAML::Node n = required ? top.require(key) : top.get(key);
  if (!n.IsDefined() || n.IsNull()) return;
  if (!n.IsSequence() || n.size() == 0) {
    doc.issue(n, key, "expected a non-empty list");
    return;
  }
  for (std::size_t i = 0; i < n.size(); ++i) each(n[i], fmt::format("{}.{}", key, i));
}

// `name`: the default output folder (results/sweep/NAME), the file's stem when absent; one rule with every name
// (scenario/names.hpp).
void read_name(yaml::Document& doc, yaml::Map& top, const std::string& path, SweepSpec& sp) {
  const bool named = top.get("name").IsDefined() && !top.get("name").IsNull();
  sp.name = top.string("name", fs::path(path).stem().string());
  if (top.ok("name"))
    if (auto problem = name_problem(sp.name))
      doc.issue(top.get("name"), "name", named ? *problem : *problem + " (taken from the file name: set `name:`)");
}

// `scenarios` and `platforms`: files that exist, relative to the sweep file (`what` names them in messages).
void read_paths(yaml::Document& doc, yaml::Map& top, const fs::path& base, const std::string& key, bool required,
                const char* what, std::vector<std::string>& out) {
  each_listed(doc, top, key, required, [&](const YAML::Node& n, const std::string& item_key) {
    if (auto s = scalar_text(doc, n, item_key)) {
      const std::string p = resolve(base, *s);
      if (std::error_code ec; !fs::is_regular_file(p, ec))
        doc.issue(n, item_key, fmt::format("no such {} file '{}' (paths are relative to the sweep file)", what, *s));
      out.push_back(p);
    }
  });
}

// `orchestrators`: valid names, each once.
void read_orchestrators(yaml::Document& doc, yaml::Map& top, SweepSpec& sp) {
  std::set<std::string> seen_orch;
  each_listed(doc, top, "orchestrators", true, [&](const YAML::Node& n, const std::string& key) {
    if (auto s = scalar_text(doc, n, key)) {
      if (auto fault = name_fault(*s))
        doc.issue(n, key, fmt::format("'{}' is not a valid orchestrator name: {} ({})", shown(*s), *fault, kNameRule));
      else if (!seen_orch.insert(*s).second)
        doc.issue(n, key, fmt::format("'{}' is listed twice", *s));
      sp.orchestrators.push_back(*s);
    }
  });
}

// `grid`: scenario keys to non-empty lists of scalars.
void read_grid(yaml::Document& doc, yaml::Map& top, SweepSpec& sp) {
  YAML::Node grid = top.get("grid");
  if (!grid.IsDefined() || grid.IsNull()) return;
  if (!grid.IsMap()) {
    doc.issue(grid, "grid", "expected a mapping of scenario keys to lists of values");
    return;
  }
  yaml::Map g(doc, grid, "grid");
  for (auto it = grid.begin(); it != grid.end(); ++it) {
    if (!it->first.IsScalar()) continue;  // reported by yaml::Map
    const std::string key = it->first.Scalar();
    YAML::Node values = g.get(key);
    if (!check_override_key(doc, it->first, key, "grid." + shown(key))) continue;
    if (!values.IsSequence() || values.size() == 0) {
      doc.issue(values, "grid." + key, "expected a non-empty list of values");
      continue;
    }
    if (values.size() > kMaxGridValues) {
      doc.issue(values, "grid." + key, fmt::format("{} values: at most {}", values.size(), kMaxGridValues));
      continue;
    }
    std::vector<std::string> vs;
    for (std::size_t i = 0; i < values.size(); ++i)
      if (auto s = scalar_text(doc, values[i], fmt::format("grid.{}.{}", key, i))) vs.push_back(*s);
    sp.grid.emplace_back(key, vs);
  }
}

// `set`: scenario keys to scalars, applied to every cell.
void read_set(yaml::Document& doc, yaml::Map& top, SweepSpec& sp) {
  YAML::Node set = top.get("set");
  if (!set.IsDefined() || set.IsNull()) return;
  if (!set.IsMap()) {
    doc.issue(set, "set", "expected a mapping of scenario keys to values");
    return;
  }
  yaml::Map sm(doc, set, "set");
  for (auto it = set.begin(); it != set.end(); ++it) {
    if (!it->first.IsScalar()) continue;  // reported by yaml::Map
    const std::string key = it->first.Scalar();
    const YAML::Node value = sm.get(key);
    if (!check_override_key(doc, it->first, key, "set." + shown(key))) continue;
    if (auto v = scalar_text(doc, value, "set." + key)) sp.set.emplace_back(key, *v);
  }
}

// `replications`: per unit, in [1, 10^7].
void read_replications(yaml::Document& /*doc*/, yaml::Map& top, SweepSpec& sp) {
  sp.replications = static_cast<int>(top.integer_in("replications", 1, 10'000'000, 1000));
}

// `seeds`: a count n (1..n) or a list of distinct seeds >= 0.
void read_seeds(yaml::Document& doc, yaml::Map& top, SweepSpec& sp) {
  YAML::Node seeds = top.get("seeds");
  if (!seeds.IsDefined() || seeds.IsNull()) return;
  sp.seeds.clear();
  if (seeds.IsScalar()) {
    const auto n = yaml::to_integer(doc, seeds, "seeds");
    if (n && (*n < 1 || *n > 100000)) doc.issue(seeds, "seeds", fmt::format("a count must be in [1, 100000], got {}", *n));
    else if (n)
      for (long long i = 1; i <= *n; ++i) sp.seeds.push_back(static_cast<std::uint64_t>(i));
  } else if (seeds.IsSequence() && seeds.size() > 0) {
    std::set<std::uint64_t> seen;
    for (std::size_t i = 0; i < seeds.size(); ++i) {
      const auto v = yaml::to_integer(doc, seeds[i], fmt::format("seeds.{}", i));
      if (!v) continue;
      if (*v < 0) doc.issue(seeds[i], fmt::format("seeds.{}", i), fmt::format("must be >= 0, got {}", *v));
      else if (!seen.insert(static_cast<std::uint64_t>(*v)).second)
        doc.issue(seeds[i], fmt::format("seeds.{}", i), fmt::format("seed {} is listed twice", *v));
      else
        sp.seeds.push_back(static_cast<std::uint64_t>(*v));
    }
  } else {
    doc.issue(seeds, "seeds", "expected a count or a non-empty list of seeds");
  }
}

// The size of the work, in saturating arithmetic (a product of grid sizes overflows 64 bits long before it
// becomes absurd): units, and the memory of their resolved command lines (what sweep.json holds). Throws
// InputError past the limits.
void check_work_size(const yaml::Document& doc, const SweepSpec& sp) {
  const auto times = [](double a, double b) { return a * b; };  // doubles: exact far past the limits, never wrap
  double cells = times(static_cast<double>(sp.scenarios.size()), static_cast<double>(std::max<std::size_t>(1, sp.platforms.size())));
  for (const auto& [k, v] : sp.grid) cells = times(cells, static_cast<double>(v.size()));
  const double units = times(cells, times(static_cast<double>(sp.orchestrators.size()), static_cast<double>(sp.seeds.size())));
  double set_bytes = 0, grid_bytes = 0;  // per unit: each override twice (args and cell), with ~100 bytes of overhead
  for (const auto& [k, v] : sp.set) set_bytes += 2.0 * static_cast<double>(k.size() + v.size()) + 100;
  for (const auto& [k, v] : sp.grid) {
    std::size_t longest = 0;
    for (const auto& x : v) longest = std::max(longest, x.size());
    grid_bytes += 2.0 * static_cast<double>(k.size() + longest) + 100;
  }
  const double per_unit = 600 + set_bytes + grid_bytes;  // 600: the fixed arguments, the unit's folder, JSON punctuation
  const auto where = [&](const std::string& key) {  // by iteration: a lookup can yield an invalid node
    YAML::Node at;
    at.reset(doc.root());  // reset, not '=': assigning a YAML::Node writes into the node it refers to
    for (auto it = doc.root().begin(); doc.root().IsMap() && it != doc.root().end(); ++it)
      if (it->first.IsScalar() && it->first.Scalar() == key) at.reset(it->second);
    return doc.location(at, key);
  };
  if (units > static_cast<double>(kMaxUnits)) {
    InputIssue i = where("grid");
    i.message = fmt::format("{:.0f} cells x {} orchestrators x {} seeds = {:.3g} units: at most {} (every unit is a process, "
                            "and its command line is kept in memory and in sweep.json)",
                            cells, sp.orchestrators.size(), sp.seeds.size(), units, kMaxUnits);
    throw InputError(i);
  }
  if (units * per_unit > kMaxPlanBytes) {
    InputIssue i = where(set_bytes > grid_bytes ? "set" : "grid");
    i.message = fmt::format("{:.0f} units with these keys and values make a resolved plan (sweep.json, kept in memory) of about "
                            "{:.0f} MiB: at most {:.0f} MiB; use fewer cells or shorter values",
                            units, units * per_unit / 1048576.0, kMaxPlanBytes / 1048576.0);
    throw InputError(i);
  }
}

// `coverage`: a coverage study over the grid (docs/sweeps.md): repetitions and evaluation replications; one scenario,
// at most one platform, one seed, and no `replications` (a coverage cell has no simulated replications).
void read_coverage(yaml::Document& doc, yaml::Map& top, SweepSpec& sp) {
  YAML::Node c = top.get("coverage");
  if (!c.IsDefined() || c.IsNull()) return;
  if (!c.IsMap()) {
    doc.issue(c, "coverage", "expected a mapping with repetitions and evaluation_replications");
    return;
  }
  yaml::Map cm(doc, c, "coverage");
  CoverageSweep cs;
  cs.repetitions = static_cast<int>(cm.integer_in("repetitions", 1, 100000, 200));
  cs.evaluation_replications = static_cast<int>(cm.integer_in("evaluation_replications", 100, 10'000'000, 20000));
  cm.reject_unknown_keys();
  sp.coverage = cs;
  if (sp.scenarios.size() > 1) doc.issue(top.get("scenarios"), "scenarios", "a coverage sweep takes one scenario");
  if (sp.platforms.size() > 1) doc.issue(top.get("platforms"), "platforms", "a coverage sweep takes at most one platform");
  if (sp.seeds.size() != 1) doc.issue(top.get("seeds"), "seeds", "a coverage sweep takes one seed (its repetitions are the draws)");
  if (top.get("replications").IsDefined())
    doc.issue(top.get("replications"), "replications",
              "not used by a coverage sweep: its cells simulate no replication (coverage.evaluation_replications sets the draws "
              "behind each plan's true P)");
}

} // namespace

SweepSpec load_sweep(const std::string& path) {
  yaml::Document doc = yaml::Document::load_file(path);
  SweepSpec sp;
  sp.file = fs::absolute(path).lexically_normal().string();
  const fs::path base = fs::path(sp.file).parent_path();
  yaml::Map top(doc, doc.root(), "");
  if (top.valid()) {
    read_name(doc, top, path, sp);
    read_paths(doc, top, base, "scenarios", true, "scenario", sp.scenarios);
    read_paths(doc, top, base, "platforms", false, "platform", sp.platforms);
    read_orchestrators(doc, top, sp);
    read_grid(doc, top, sp);
    read_set(doc, top, sp);
    read_replications(doc, top, sp);
    read_seeds(doc, top, sp);
    read_coverage(doc, top, sp);
    top.reject_unknown_keys();
    if (sp.grid.size() + sp.set.size() > kMaxOverrideKeys)
      doc.issue(doc.root(), sp.grid.size() > sp.set.size() ? "grid" : "set",
                fmt::format("{} grid and set keys: at most {}", sp.grid.size() + sp.set.size(), kMaxOverrideKeys));
  }
  doc.throw_if_issues();
  check_work_size(doc, sp);
  return sp;
}

namespace {

struct Prepared {
  SweepSpec spec;
  std::vector<SweepCell> cells;
  std::vector<SweepUnit> units;
  std::vector<std::string> grid_keys;
  nlohmann::ordered_json plan;  // what sweep.json holds
};

// Cells (scenarios x platforms x grid, the first key slowest) and their units (orchestrators x seeds); every
// cell is loaded and checked (scenario, overrides, platform) before anything runs.
Prepared prepare(const SweepOptions& o) {
  OrchestratorRegistry builtins;
  if (o.registry == nullptr) register_builtin_orchestrators(builtins);
  const OrchestratorRegistry& registry = o.registry != nullptr ? *o.registry : builtins;
  Prepared p;
  p.spec = load_sweep(o.sweep_file);
  const SweepSpec& sp = p.spec;
  const int replications = o.replications.value_or(sp.replications);
  for (const auto& [k, v] : sp.grid) p.grid_keys.push_back(k);
  std::vector<std::string> platforms = sp.platforms;
  if (platforms.empty()) platforms.emplace_back();
  std::size_t combos = 1;  // load_sweep bounded the units (kMaxUnits): no overflow here
  for (const auto& [k, v] : sp.grid) combos *= v.size();
  const std::size_t total_cells = sp.scenarios.size() * platforms.size() * combos;
  const int width = std::max<int>(3, static_cast<int>(std::to_string(total_cells).size()));
  std::set<std::string> platforms_checked;  // each platform file's pre-flight check once, not once per cell
  for (const auto& scenario : sp.scenarios)
    for (const auto& platform : platforms)
      for (std::size_t combo = 0; combo < combos; ++combo) {
        SweepCell c;
        c.id = fmt::format("c{:0{}}", p.cells.size() + 1, width);
        c.scenario_file = scenario;
        c.platform = platform;
        for (const auto& [k, v] : sp.set) c.overrides.push_back(k + "=" + v);
        std::size_t rest = combo;
        std::vector<std::pair<std::string, std::string>> g(sp.grid.size());
        for (std::size_t i = sp.grid.size(); i-- > 0;) {
          const auto& values = sp.grid[i].second;
          g[i] = {sp.grid[i].first, values[rest % values.size()]};
          rest /= values.size();
        }
        c.grid = g;
        for (const auto& [k, v] : g) c.overrides.push_back(k + "=" + v);
        // Check the cell now: a bad value is exit 2 before anything runs.
        try {
          ContextOptions co;
          co.scenario = scenario;
          co.overrides = c.overrides;
          if (!platform.empty()) co.platform = platform;
          const auto loaded = load_scenario(co.scenario, co.overrides, co.platform);
          check_planner_settings(registry, loaded.planners);  // every orchestrator's settings, as each unit will
          if (platforms_checked.insert(loaded.scenario.platform).second)  // the platform file, as each unit will
            if (auto issues = check_platform_xml(loaded.scenario.platform); !issues.empty()) throw InputError(issues);
          c.scenario = loaded.scenario.name;
        } catch (const InputError& e) {
          std::string what;
          for (const auto& [k, v] : g) what += fmt::format(", {}={}", k, v);
          throw sweep_error(o.sweep_file, "cell " + c.id,
                            fmt::format("{}{}{}: {}", fs::path(scenario).filename().string(),
                                        platform.empty() ? "" : ", platform " + fs::path(platform).filename().string(), what, e.what()));
        }
        p.cells.push_back(std::move(c));
      }
  for (std::size_t ci = 0; ci < p.cells.size(); ++ci) {
    const SweepCell& c = p.cells[ci];
    for (const auto& orch : sp.orchestrators)
      for (auto seed : sp.seeds) {
        SweepUnit u;
        u.cell = ci;
        u.orchestrator = orch;
        u.seed = seed;
        u.dir = fmt::format("cells/{}/{}-s{}", c.id, orch, seed);
        u.args = {"run", c.scenario_file, "--orchestrator", orch, "--seed", std::to_string(seed), "--replications",
                  std::to_string(replications), "--no-figures"};  // a sweep's units: its tables and figures are whole-sweep
        if (!c.platform.empty()) u.args.insert(u.args.end(), {"--platform", c.platform});
        for (const auto& ov : c.overrides) u.args.insert(u.args.end(), {"--set", ov});
        for (const auto& pl : o.plugins) u.args.insert(u.args.end(), {"--plugin", fs::absolute(pl).string()});
        p.units.push_back(std::move(u));
      }
  }
  // sweep.json: the resolved work, what --resume and the Slurm tasks read.
  nlohmann::ordered_json j;
  j["sweep"] = sp.file;
  j["name"] = sp.name;
  j["replications"] = replications;
  j["grid_keys"] = p.grid_keys;
  auto cells = nlohmann::ordered_json::array();
  for (const auto& c : p.cells) {
    nlohmann::ordered_json cj;
    cj["cell"] = c.id;
    cj["scenario"] = c.scenario;
    cj["scenario_file"] = c.scenario_file;
    cj["platform"] = c.platform;
    nlohmann::ordered_json g = nlohmann::ordered_json::object();
    for (const auto& [k, v] : c.grid) g[k] = v;
    cj["grid"] = g;
    cj["overrides"] = c.overrides;
    cells.push_back(cj);
  }
  j["cells"] = cells;
  auto units = nlohmann::ordered_json::array();
  for (const auto& u : p.units) {
    nlohmann::ordered_json uj;
    uj["cell"] = p.cells[u.cell].id;
    uj["orchestrator"] = u.orchestrator;
    uj["seed"] = u.seed;
    uj["dir"] = u.dir;
    uj["args"] = u.args;
    units.push_back(uj);
  }
  j["units"] = units;
  p.plan = j;
  return p;
}

bool unit_done(const fs::path& work, const SweepUnit& u) {
  std::error_code ec;
  return fs::is_regular_file(work / u.dir / "summary.json", ec) && fs::is_regular_file(work / u.dir / "timing.json", ec);
}

// Removes what an interrupted unit may have left (its .partial folder, its log), so it reruns from scratch.
void clear_unit(const fs::path& work, const SweepUnit& u) {
  std::error_code ec;
  fs::path partial = work / u.dir;
  partial += ".partial";
  fs::remove_all(partial, ec);
  if (!unit_done(work, u)) fs::remove_all(work / u.dir, ec);
}

std::vector<std::string> unit_argv(const std::string& self, const fs::path& work, const std::vector<std::string>& args,
                                   const std::string& dir) {
  std::vector<std::string> argv{self};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.emplace_back("--out");
  argv.push_back((work / dir).string());
  return argv;
}

std::string duration(double s) {
  if (!(s >= 0) || s > 1e7) return "?";
  const long t = std::lround(s);
  if (t >= 3600) return fmt::format("{}h{:02}m", t / 3600, (t % 3600) / 60);
  if (t >= 60) return fmt::format("{}m{:02}s", t / 60, t % 60);
  return fmt::format("{}s", t);
}

// The sweep's progress (support/progress.hpp): units done out of all, with the time left at the rate of this run.
struct SweepProgress {
  ProgressLine line;
  std::size_t total = 0;
  std::size_t already = 0;  // done before this run (resume)
  void show(std::size_t done, std::size_t failed, bool last = false) {
    const std::size_t now = done - std::min(done, already);
    const std::size_t left = total - std::min(total, done);
    const std::string eta = now > 0 ? duration(line.elapsed() / static_cast<double>(now) * static_cast<double>(left)) : std::string("?");
    line.show(fmt::format("[sweep] {}/{} units done{}, {} elapsed, ~{} left", done, total,
                          failed > 0 ? fmt::format(" ({} failed)", failed) : "", duration(line.elapsed()), eta),
              last);
  }
};

struct Failure {
  std::size_t unit;
  int exit_code;
  std::string what;
};

// The local backend: a pool of `jobs` worker processes, each running one unit at a time.
std::vector<Failure> run_local(const Prepared& p, const fs::path& work, const SweepOptions& o, SweepProgress& progress) {
  std::vector<Failure> failures;
  std::vector<std::size_t> todo;
  for (std::size_t i = 0; i < p.units.size(); ++i)
    if (!unit_done(work, p.units[i])) todo.push_back(i);
  std::size_t done = p.units.size() - todo.size();
  progress.already = done;
  progress.show(done, 0);
  std::map<pid_t, std::size_t> running;
  std::size_t next = 0;
  auto log_of = [&](std::size_t i) {
    fs::path l = work / p.units[i].dir;
    l += ".log";
    return l;
  };
  while (next < todo.size() || !running.empty()) {
    while (interrupt_signal() == 0 && next < todo.size() && static_cast<int>(running.size()) < o.jobs) {
      const std::size_t i = todo[next++];
      clear_unit(work, p.units[i]);
      fs::create_directories((work / p.units[i].dir).parent_path());
      const pid_t pid = start_process(unit_argv(o.self, work, p.units[i].args, p.units[i].dir), log_of(i));
      if (pid < 0) {
        failures.push_back({i, -1, "could not start a process"});
        continue;
      }
      running[pid] = i;
    }
    if (running.empty()) break;
    int status = 0;
    const pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) {
        if (interrupt_signal() != 0)
          for (auto& [child, i] : running) kill(child, SIGTERM);
        continue;
      }
      break;
    }
    auto it = running.find(pid);
    if (it == running.end()) continue;
    const std::size_t i = it->second;
    running.erase(it);
    const int rc = exit_code_of(status);
    if (interrupt_signal() != 0) continue;  // interrupted units rerun on --resume
    if ((rc == 0 || rc == 3) && unit_done(work, p.units[i])) {
      std::error_code ec;
      fs::remove(log_of(i), ec);
      ++done;
    } else {
      failures.push_back({i, rc, last_lines(read_text(log_of(i)), 3)});
    }
    progress.show(done, failures.size());
  }
  return failures;
}

// --- Slurm -------------------------------------------------------------------------------------------------

// A shell word: single-quoted, with embedded single quotes escaped.
std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

long max_array_size() {
  const auto [rc, out] = capture({"scontrol", "show", "config"}, false);
  if (rc != 0) return 1001;
  std::stringstream ss(out);
  std::string line;
  while (std::getline(ss, line)) {
    const auto pos = line.find("MaxArraySize");
    if (pos == std::string::npos) continue;
    const auto eq = line.find('=', pos);
    if (eq == std::string::npos) continue;
    try {
      const long v = std::stol(line.substr(eq + 1));
      if (v > 1) return v;
    } catch (...) {
    }
  }
  return 1001;
}

std::vector<Failure> run_slurm(const Prepared& p, const fs::path& work, const SweepOptions& o, SweepProgress& progress) {
  std::vector<Failure> failures;
  std::vector<std::size_t> todo;
  for (std::size_t i = 0; i < p.units.size(); ++i)
    if (!unit_done(work, p.units[i])) {
      clear_unit(work, p.units[i]);
      todo.push_back(i);
    }
  progress.already = p.units.size() - todo.size();
  if (todo.empty()) return failures;
  const fs::path sdir = work / "slurm";
  fs::create_directories(sdir / "logs");
  // The task list: one unit index per line; array task k of chunk c runs line offset_c + k.
  std::string list;
  for (auto i : todo) list += std::to_string(i) + "\n";
  write_atomically(sdir / "tasks.txt", list);
  // The job script: every path quoted; the unit itself is run by `deplsim sweep-task`, which reads sweep.json, so
  // no scenario key or value is ever written into the script.
  std::string script = "#!/bin/sh\n";
  script += "# deplsim sweep: array task k of a submission with first argument OFFSET runs line OFFSET + k + 1 of tasks.txt\n";
  script += "set -eu\n";
  script += "line=$(( $1 + SLURM_ARRAY_TASK_ID + 1 ))\n";
  script += fmt::format("index=$(sed -n \"${{line}}p\" {})\n", shell_quote((sdir / "tasks.txt").string()));
  script += fmt::format("exec {} sweep-task {} \"$index\"\n", shell_quote(o.self), shell_quote(work.string()));
  write_atomically(sdir / "job.sh", script);
  fs::permissions(sdir / "job.sh", fs::perms::owner_all | fs::perms::group_read | fs::perms::others_read);

  const long chunk = std::max<long>(1, max_array_size() - 1);
  std::vector<std::string> job_ids;
  for (std::size_t offset = 0; offset < todo.size(); offset += static_cast<std::size_t>(chunk)) {
    const std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(chunk), todo.size() - offset);
    std::vector<std::string> cmd{"sbatch", "--parsable", "--job-name=deplsim-" + p.spec.name,
                                 fmt::format("--array=0-{}%{}", n - 1, std::max(1, o.jobs)),
                                 "--output=" + (sdir / "logs" / "%A_%a.out").string(), "--chdir=" + work.string()};
    cmd.insert(cmd.end(), o.sbatch_args.begin(), o.sbatch_args.end());
    cmd.push_back((sdir / "job.sh").string());
    cmd.push_back(std::to_string(offset));
    const auto [rc, out] = capture(cmd, true);
    if (rc != 0) {
      // Cancel what was submitted, then report.
      for (const auto& id : job_ids) capture({"scancel", id}, false);
      throw sweep_error("--backend slurm", "", fmt::format("sbatch failed (exit {}): {}", rc, last_lines(out, 3)));
    }
    std::string id = out.substr(0, out.find_first_of(";\n"));
    job_ids.push_back(id);
    if (!quiet()) fmt::print(stderr, "[sweep] submitted Slurm job array {} ({} tasks)\n", id, n);
  }
  // Wait until none of the jobs is queued or running (squeue; no accounting needed), showing progress.
  std::string ids;
  for (const auto& id : job_ids) ids += (ids.empty() ? "" : ",") + id;
  while (true) {
    if (interrupt_signal() != 0) {
      for (const auto& id : job_ids) capture({"scancel", id}, false);
      return failures;
    }
    const auto [rc, out] = capture({"squeue", "-h", "-j", ids, "-o", "%i"}, false);
    std::size_t done = 0;
    for (const auto& u : p.units) done += unit_done(work, u) ? 1 : 0;
    progress.show(done, 0);
    // squeue exits non-zero once every job has left the controller's memory (unknown job ids).
    if (rc != 0 || out.find_first_not_of(" \n") == std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::duration<double>(o.slurm_poll_s));
  }
  for (std::size_t k = 0; k < todo.size(); ++k) {
    const std::size_t i = todo[k];
    if (unit_done(work, p.units[i])) continue;
    fs::path log = work / p.units[i].dir;
    log += ".log";
    std::string what = last_lines(read_text(log), 3);
    if (what.empty()) {
      // The task never got to run the unit: its Slurm output says why.
      const std::size_t chunk_index = k / static_cast<std::size_t>(chunk);
      const std::size_t task = k % static_cast<std::size_t>(chunk);
      what = last_lines(read_text(sdir / "logs" / fmt::format("{}_{}.out", job_ids[chunk_index], task)), 3);
      if (what.empty()) what = "no result and no output (the task did not run, or was cancelled)";
    }
    failures.push_back({i, -1, what});
  }
  return failures;
}

// --- Merge -------------------------------------------------------------------------------------------------

void merge(const Prepared& p, const fs::path& work, const std::vector<Failure>& failures) {
  std::set<std::size_t> failed;
  for (const auto& f : failures) failed.insert(f.unit);
  std::string header = "cell,scenario,platform";
  for (const auto& k : p.grid_keys) header += "," + csv_field(k);
  header += std::string(",orchestrator,seed,replications,target_loss,target_probability,") + kComparisonHeader + "\n";
  std::string results = header;
  std::string timings = "cell,orchestrator,seed,planner_wall_s,simulation_wall_s,peak_rss_mb,replications_per_s\n";
  // Per (cell, seed): the optimum's energy, when it is in the sweep.
  std::map<std::pair<std::size_t, std::uint64_t>, double> optimum;
  std::vector<std::optional<nlohmann::json>> summaries(p.units.size());
  for (std::size_t i = 0; i < p.units.size(); ++i) {
    if (failed.contains(i) || !unit_done(work, p.units[i])) continue;
    summaries[i] = nlohmann::json::parse(read_text(work / p.units[i].dir / "summary.json"));
    if (auto e = optimum_energy_of(*summaries[i])) optimum[{p.units[i].cell, p.units[i].seed}] = *e;
  }
  for (std::size_t i = 0; i < p.units.size(); ++i) {
    const SweepUnit& u = p.units[i];
    const SweepCell& c = p.cells[u.cell];
    std::string row = fmt::format("{},{},{}", c.id, csv_field(c.scenario), csv_field(c.platform.empty() ? "" : fs::path(c.platform).filename().string()));
    for (const auto& [k, v] : c.grid) row += "," + csv_field(v);
    const auto& s = summaries[i];
    row += fmt::format(",{},{},{}", csv_field(u.orchestrator), u.seed, s ? std::to_string((*s)["replications"].get<long long>()) : "");
    if (!s) {
      results += row + ",,,error,unknown" + empty_comparison_columns().substr(1) + "\n";
      continue;
    }
    std::optional<double> opt;
    if (auto it = optimum.find({u.cell, u.seed}); it != optimum.end()) opt = it->second;
    results += row + fmt::format(",{},{},{}\n", csv_num((*s)["target"]["loss"]), csv_num((*s)["target"]["probability"]),
                                 comparison_columns(*s, opt));
    const auto t = nlohmann::json::parse(read_text(work / u.dir / "timing.json"));
    timings += fmt::format("{},{},{},{},{},{},{}\n", c.id, csv_field(u.orchestrator), u.seed, csv_num(t["planner_wall_s"]),
                           csv_num(t["simulation_wall_s"]), csv_num(t["peak_rss_mb"]), csv_num(t["replications_per_s"]));
  }
  write_atomically(work / "results.csv", results);
  test_kill_point("sweep:merging");
  write_atomically(work / "timings.csv", timings);
  // A cell.json in each cell's folder.
  for (std::size_t ci = 0; ci < p.cells.size(); ++ci) {
    fs::create_directories(work / "cells" / p.cells[ci].id);
    write_atomically(work / "cells" / p.cells[ci].id / "cell.json", p.plan["cells"][ci].dump(2) + "\n");
  }
  // manifest.json, last.
  nlohmann::ordered_json m;
  m["deplsim_version"] = DEPLSIM_VERSION;
  m["sweep"] = p.spec.file;
  m["sweep_sha256"] = sha256_file(p.spec.file);
  m["name"] = p.spec.name;
  m["cells"] = p.cells.size();
  m["orchestrators"] = p.spec.orchestrators;
  m["seeds"] = p.spec.seeds;
  m["replications"] = p.plan["replications"];
  m["units"] = p.units.size();
  m["units_done"] = p.units.size() - failures.size();
  auto fl = nlohmann::ordered_json::array();
  for (const auto& f : failures) {
    nlohmann::ordered_json fj;
    fj["cell"] = p.cells[p.units[f.unit].cell].id;
    fj["orchestrator"] = p.units[f.unit].orchestrator;
    fj["seed"] = p.units[f.unit].seed;
    fj["exit_code"] = f.exit_code;
    fj["log"] = p.units[f.unit].dir + ".log";
    fl.push_back(fj);
  }
  m["failed"] = fl;
  m["files"] = {"results.csv", "timings.csv", "cells/"};
  write_atomically(work / "manifest.json", m.dump(2) + "\n");
}

} // namespace

namespace {

// A coverage sweep: `deplsim coverage` of its one scenario over its grid, in this process and --jobs forked ones;
// the folder holds coverage.csv, summary.json, coverage.md and the figures. A finished folder is kept on --resume;
// an interrupted one starts again.
int run_coverage_sweep(const SweepSpec& sp, const SweepOptions& o) {
  if (o.backend != "local")
    throw sweep_error("--backend", "", fmt::format("{}: a coverage sweep runs on local processes (--jobs), not on Slurm", sp.file));
  std::error_code ec;
  const fs::path dir = normal_output_path(o.out);
  if (o.resume && fs::exists(dir / "summary.json", ec)) {
    fmt::print(stderr, "[sweep] {}: finished, kept\n", dir.string());
    return 0;
  }
  const fs::path work = resumable_work_dir(o.out, o.force, o.resume, "sweep");
  fs::remove_all(work, ec);  // write_coverage writes DIR.partial afresh
  CoverageOptions co;
  co.context.scenario = sp.scenarios.front();
  for (const auto& [k, v] : sp.set) co.context.overrides.push_back(k + "=" + v);
  if (!sp.platforms.empty()) co.context.platform = sp.platforms.front();
  co.context.seed = sp.seeds.front();
  co.context.orchestrators = o.registry;
  co.orchestrators = sp.orchestrators;
  co.grid = sp.grid;
  co.repetitions = sp.coverage->repetitions;
  co.evaluation_replications = sp.coverage->evaluation_replications;
  co.jobs = o.jobs;
  co.out = dir.string();
  co.progress = true;
  const CoverageResult result = run_coverage(co);
  write_coverage(co, result);
  draw_coverage_figures(co.out, o.data_dir);
  fmt::print(stderr, "{}[sweep] coverage results in {}\n", coverage_table(result), dir.string());
  return 0;
}

} // namespace

int run_sweep(const SweepOptions& o) {
  if (o.jobs < 1) throw sweep_error("--jobs", "", fmt::format("must be >= 1, got {}", o.jobs));
  if (o.backend != "local" && o.backend != "slurm")
    throw sweep_error("--backend", "", fmt::format("expected local or slurm, got '{}'", o.backend));
  if (!o.sbatch_args.empty() && o.backend != "slurm") throw sweep_error("--sbatch-arg", "", "only with --backend slurm");
  if (const SweepSpec spec = load_sweep(o.sweep_file); spec.coverage) {
    if (o.replications) throw sweep_error("--replications", "", "not used by a coverage sweep (coverage.evaluation_replications)");
    return run_coverage_sweep(spec, o);
  }
  // Where the work goes: a fresh DIR.partial, or the one an interrupted sweep left (--resume), or a finished
  // DIR whose failed units are to be rerun (--resume).
  const fs::path work = resumable_work_dir(o.out, o.force, o.resume, "sweep");
  fs::path dir = work;
  dir.replace_extension();  // DIR (work is DIR.partial)
  std::error_code ec;
  Prepared p = prepare(o);
  fs::create_directories(work);
  const std::string plan_text = p.plan.dump(2) + "\n";
  if (fs::exists(work / "sweep.json", ec)) {
    if (read_text(work / "sweep.json") != plan_text)
      throw sweep_error("--resume", "", fmt::format("'{}' was started from another sweep (its sweep.json differs: the sweep file, "
                                                    "--replications or --plugin changed); use --force to start again", work.string()));
  } else {
    write_atomically(work / "sweep.json", plan_text);
    test_kill_point("sweep:prepared");
  }
  std::error_code ec2;
  fs::remove(work / "manifest.json", ec2);  // written again last

  std::vector<Failure> failures;
  SweepProgress progress;
  progress.total = p.units.size();
  {
    const InterruptGuard guard(/*restart=*/false, /*once=*/false);  // no SA_RESTART: waitpid returns EINTR
    failures = o.backend == "slurm" ? run_slurm(p, work, o, progress) : run_local(p, work, o, progress);
  }
  {
    std::size_t finished = 0;
    for (const auto& u : p.units) finished += unit_done(work, u) ? 1 : 0;
    progress.show(finished, failures.size(), true);
  }
  if (interrupt_signal() != 0) {
    fmt::print(stderr, "[sweep] interrupted: finished units are kept in {}; resume with --resume\n", work.string());
    return 130;
  }
  merge(p, work, failures);
  test_kill_point("sweep:publish");
  publish_directory(work, dir);
  if (!failures.empty()) {
    fmt::print(stderr, "[sweep] {} of {} units failed (kept: the others; rerun the failed ones with --resume):\n", failures.size(),
               p.units.size());
    for (const auto& f : failures)
      fmt::print(stderr, "  {} {} seed {}: exit {}: {}\n", p.cells[p.units[f.unit].cell].id, p.units[f.unit].orchestrator,
                 p.units[f.unit].seed, f.exit_code, f.what);
    fmt::print(stderr, "results in {}\n", dir.string());
    return 4;
  }
  fmt::print(stderr, "results in {} ({} units)\n", dir.string(), p.units.size());
  return 0;
}

int run_sweep_task(const std::string& workdir, long index) {
  const fs::path work(workdir);
  const auto j = nlohmann::json::parse(read_text(work / "sweep.json"));
  const auto& units = j["units"];
  if (index < 0 || static_cast<std::size_t>(index) >= units.size())
    throw sweep_error("sweep-task", "", fmt::format("no unit {} in {} ({} units)", index, (work / "sweep.json").string(), units.size()));
  const auto& u = units[static_cast<std::size_t>(index)];
  SweepUnit unit;
  unit.dir = u["dir"].get<std::string>();
  unit.args = u["args"].get<std::vector<std::string>>();
  if (unit_done(work, unit)) return 0;
  clear_unit(work, unit);
  fs::create_directories((work / unit.dir).parent_path());
  const std::string self = self_executable();
  fs::path log = work / unit.dir;
  log += ".log";
  const int rc = run_process(unit_argv(self, work, unit.args, unit.dir), log);
  if (rc == 0 || rc == 3) {
    std::error_code ec;
    fs::remove(log, ec);
    return 0;
  }
  return rc;
}

} // namespace deplsim
