// deplsim's command line (docs/cli.md). deplsim parses its own arguments (CLI11); SimGrid only ever sees the
// --cfg/--log settings passed through. Exit codes: 0 done, 1 internal error, 2 bad input, 3 infeasible or
// insufficient data, 4 partly done, 130 interrupted.
#include "deplsim/error.hpp"
#include "deplsim/orchestrator.hpp"
#include "orchestrators/builtins.hpp"
#include "studies/calibrate.hpp"
#include "studies/compare.hpp"
#include "studies/sweep.hpp"
#include "studies/reproduce.hpp"
#include "platform/generate.hpp"
#include "experiment/context.hpp"
#include "experiment/external.hpp"
#include "experiment/plugin_loader.hpp"
#include "support/process.hpp"
#include "experiment/run_unit.hpp"
#include "experiment/plan_json.hpp"
#include "report/run_outputs.hpp"
#include "support/interrupt.hpp"
#include "support/hash.hpp"
#include "support/files.hpp"
#include "experiment/run_state.hpp"
#include "experiment/knowledge_export.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <csignal>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <charconv>
#include <cstdint>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>
#include <iostream>
#include <optional>
#include <sstream>

namespace {

constexpr int kExitOk = 0;
constexpr int kExitInternal = 1;
constexpr int kExitInput = 2;
constexpr int kExitInfeasible = 3;
constexpr int kExitInterrupted = 130;

/// Options shared by the commands that read a scenario.
struct ScenarioOptions {
  std::string scenario;
  std::vector<std::string> overrides;
  std::string platform;
  std::vector<std::string> cfg;
  std::vector<std::string> log;
  std::uint64_t seed = 1;
  std::optional<long long> node_limit;  ///< --node-limit: planners.optimum.node_limit
  std::optional<double> gap;            ///< --gap: planners.optimum.gap
  std::string write_model;              ///< --write-model (plan only)
  const deplsim::OrchestratorRegistry* registry = nullptr;  ///< the orchestrators known (plug-ins loaded)
};

void add_scenario_options(CLI::App* cmd, ScenarioOptions& o, bool with_seed) {
  cmd->add_option("SCENARIO", o.scenario, "scenario file (YAML, see docs/scenario.md)")->required();
  cmd->add_option("--set", o.overrides, "override a scalar of the scenario: KEY=VALUE (dotted path; list items by name or index)")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false);
  cmd->add_option("--platform", o.platform, "replace the scenario's platform file (same zone and host names)");
  cmd->add_option("--cfg", o.cfg, "SimGrid configuration KEY:VALUE, passed to SimGrid")->type_name("KEY:VALUE")->allow_extra_args(false);
  cmd->add_option("--log", o.log, "SimGrid log setting, passed to SimGrid")->type_name("SETTING")->allow_extra_args(false);
  if (with_seed) cmd->add_option("--seed", o.seed, "seed of every random stream (default 1)")->check(CLI::Validator(
                       [](std::string& s) -> std::string {
                         std::uint64_t v = 0;
                         auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
                         if (ec != std::errc() || p != s.data() + s.size())
                           return "expected a non-negative integer below 2^64, got '" + s + "'";
                         return "";
                       },
                       ""))
        ->type_name("UINT64");
}

/// The optimum's solver settings (docs/cli.md): shorthands for --set planners.optimum.node_limit / gap.
void add_solver_options(CLI::App* cmd, ScenarioOptions& o) {
  cmd->add_option("--node-limit", o.node_limit, "optimum: branch-and-bound node limit per MILP (planners.optimum.node_limit)")
      ->type_name("N")
      ->check(CLI::Range(0LL, 2'000'000'000LL));
  cmd->add_option("--gap", o.gap, "optimum: relative gap at which CBC may stop, 0 proves optimality (planners.optimum.gap)")
      ->type_name("G")
      ->check(CLI::Range(0.0, 1.0));
}

/// `--plugin LIB.so` (repeatable): every command that names orchestrators takes it.
void add_plugin_option(CLI::App* cmd, std::vector<std::string>& plugins) {
  cmd->add_option("--plugin", plugins, "load orchestrators from a plug-in shared library (repeatable; see docs/orchestrators.md)")
      ->type_name("LIB.so")
      ->allow_extra_args(false);
}

deplsim::ContextOptions context_options(const ScenarioOptions& o) {
  deplsim::ContextOptions c;
  c.scenario = o.scenario;
  c.overrides = o.overrides;
  if (!o.platform.empty()) c.platform = o.platform;
  c.simgrid_cfg = o.cfg;
  c.simgrid_log = o.log;
  c.seed = o.seed;
  c.orchestrators = o.registry;
  if (o.node_limit) c.overrides.push_back(fmt::format("planners.optimum.node_limit={}", *o.node_limit));
  if (o.gap) c.overrides.push_back(fmt::format("planners.optimum.gap={}", *o.gap));
  return c;
}

/// A temporary folder (the knowledge an external orchestrator reads), removed with everything in it.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string t = (std::filesystem::temp_directory_path() / "deplsim-knowledge-XXXXXX").string();
    if (mkdtemp(t.data()) == nullptr)
      throw std::runtime_error(fmt::format("cannot create a temporary folder {}: {}", t, std::strerror(errno)));
    path = t;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

/// --orchestrator external needs --external-cmd, and --external-cmd needs --orchestrator external; any other
/// name must be registered. Before any loading.
void check_orchestrator(const std::string& name, const std::string& external_cmd, const deplsim::OrchestratorRegistry& registry) {
  if (name == "external") {
    if (external_cmd.empty())
      throw deplsim::InputError(deplsim::InputIssue{"--orchestrator", 0, 0, "", "'external' needs --external-cmd CMD (the command that starts it)"});
    return;
  }
  if (!external_cmd.empty())
    throw deplsim::InputError(deplsim::InputIssue{"--external-cmd", 0, 0, "", fmt::format("only with --orchestrator external, not '{}'", name)});
  (void)registry.make(name);  // unknown names fail, listing the known ones
}

/// The orchestrator: a registered one, or an external process reading the knowledge exported into `knowledge`.
std::unique_ptr<deplsim::Orchestrator> make_orchestrator(const std::string& name, const std::string& external_cmd,
                                                         const deplsim::OrchestratorRegistry& registry,
                                                         const deplsim::Context& ctx, std::optional<TempDir>& knowledge) {
  if (name != "external") return registry.make(name);
  knowledge.emplace();
  deplsim::export_knowledge(knowledge->path, ctx);
  return std::make_unique<deplsim::ExternalOrchestrator>(external_cmd, knowledge->path);
}

/// Ends an external orchestrator (bye, its exit, reaped): a problem on the way is bad input.
void close_orchestrator(deplsim::Orchestrator& orchestrator) {
  if (auto* ext = dynamic_cast<deplsim::ExternalOrchestrator*>(&orchestrator))
    if (auto problem = ext->close()) throw deplsim::InputError(deplsim::InputIssue{"", 0, 0, "", *problem});
}

void print_issues(const deplsim::InputError& e) {
  for (const auto& i : e.issues()) fmt::print(stderr, "error: {}\n", i.str());
}

int cmd_validate(const ScenarioOptions& o) {
  auto ctx = deplsim::build_context(context_options(o));
  const auto& sc = ctx->scenario();
  const auto& pf = ctx->platform();
  fmt::print("{}: valid\n", sc.path);
  fmt::print("  scenario '{}': target L* = {}, p* = {}, at most {} epochs{}\n", sc.name, sc.target.loss, sc.target.probability,
             sc.target.max_epochs, sc.target.deadline_s ? fmt::format(", deadline {} s", *sc.target.deadline_s) : "");
  fmt::print("  platform {}: {} hosts, {} links (SimGrid {}, network model {})\n", pf.file, pf.hosts.size(), pf.links.size(),
             pf.simgrid_version, pf.network.model);
  for (std::size_t c = 0; c < sc.clusters.size(); ++c) {
    std::string hosts;
    for (auto h : pf.cluster_hosts[c]) hosts += (hosts.empty() ? "" : ", ") + pf.hosts[h].name;
    fmt::print("  cluster {} (zone {}): {}\n", sc.clusters[c].name, sc.clusters[c].zone, hosts);
  }
  long long q = 0;
  for (const auto& d : sc.data_sources) q += d.samples;
  fmt::print("  {} data sources, {} samples; {} model versions; {} declared switches\n", sc.data_sources.size(), q,
             sc.model.versions.size(), sc.model.learning.switches.size());
  return kExitOk;
}

int cmd_plan(const ScenarioOptions& o, const std::string& orchestrator, const std::string& external_cmd,
             const deplsim::OrchestratorRegistry& registry) {
  check_orchestrator(orchestrator, external_cmd, registry);
  if (!o.write_model.empty()) {
    namespace fs = std::filesystem;
    const fs::path p(o.write_model);
    auto bad = [&](const std::string& why) { throw deplsim::InputError(deplsim::InputIssue{"--write-model", 0, 0, "", why}); };
    if (orchestrator != "optimum") bad(fmt::format("only the optimum orchestrator writes a model, not '{}'", orchestrator));
    if (p.extension() != ".lp" && p.extension() != ".mps") bad(fmt::format("expected a file name ending in .lp or .mps, got '{}'", o.write_model));
    const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
    if (std::error_code ec; !fs::is_directory(dir, ec)) bad(fmt::format("folder '{}' does not exist", dir.string()));
  }
  auto ctx = deplsim::build_context(context_options(o));
  ctx->loaded.scenario.planners.optimum_model_file = o.write_model;
  std::optional<TempDir> knowledge;  // outlives the orchestrator (declared first)
  auto maker = make_orchestrator(orchestrator, external_cmd, registry, *ctx, knowledge);
  const deplsim::Problem problem = ctx->problem();
  deplsim::Plan plan = maker->plan(problem);
  close_orchestrator(*maker);
  const auto problems = deplsim::validate_plan(problem, plan, orchestrator);
  if (!problems.empty()) {
    for (const auto& p : problems) fmt::print(stderr, "error: {}\n", p);
    return kExitInput;  // an orchestrator's invalid plan: a bad plug-in, named with the field
  }
  nlohmann::ordered_json j;
  j["orchestrator"] = orchestrator;
  j["status"] = deplsim::to_string(plan.status);
  if (!plan.reason.empty()) j["reason"] = plan.reason;
  const nlohmann::ordered_json body = deplsim::plan_to_json(plan);
  for (const auto& [k, v] : body.items()) j[k] = v;
  std::cout << j.dump(2) << "\n";
  std::cout.flush();
  fmt::print(stderr, "{}", plan.explanation);
  return plan.status == deplsim::PlanStatus::ok ? kExitOk : kExitInfeasible;
}

struct RunArgs {
  std::string orchestrator = "depl";
  std::string external_cmd;
  int replications = 1000;
  std::string out;
  bool force = false;
  bool resume = false;
  bool trace_all = false;
  bool simulate_every = false;
};

/// Memory: a traced epoch is a row of about 100 bytes in memory (and as many in trace.csv); --trace-all traces
/// every replication. 2.5e7 rows is about 2.5 GB of each.
void check_trace_size(int replications, bool trace_all, const deplsim::Scenario& sc) {
  const double rows = static_cast<double>(trace_all ? replications : std::min(replications, 10)) * sc.target.max_epochs;
  if (rows > 2.5e7)
    throw deplsim::InputError(deplsim::InputIssue{
        "--trace-all", 0, 0, "",
        fmt::format("{} replications x up to {} epochs = {:.3g} trace rows: at most 2.5e7 (about 100 bytes each in memory, and as "
                    "many in trace.csv); trace fewer replications",
                    replications, sc.target.max_epochs, rows)});
}

/// What a run's results depend on: --resume refuses a DIR.partial started with anything else.
nlohmann::ordered_json run_fingerprint(const deplsim::Context& ctx, const deplsim::ContextOptions& copts, const RunArgs& a,
                                       const std::vector<std::string>& plugins) {
  nlohmann::ordered_json f;
  f["deplsim_sha256"] = deplsim::sha256_file(deplsim::self_executable());
  f["scenario_sha256"] = deplsim::sha256_file(copts.scenario);
  f["platform_sha256"] = deplsim::sha256_file(ctx.scenario().platform);
  const auto& learning = ctx.scenario().model.learning;
  f["profile_sha256"] = learning.kind == "traces" ? deplsim::sha256_file(learning.profile) : std::string();
  f["overrides"] = copts.overrides;
  f["simgrid_cfg"] = ctx.scenario().simgrid_cfg;
  f["seed"] = ctx.seed;
  f["orchestrator"] = a.orchestrator;
  f["external_cmd"] = a.external_cmd;
  auto libs = nlohmann::ordered_json::array();
  for (const auto& p : plugins) libs.push_back({{"path", p}, {"sha256", deplsim::sha256_file(p)}});
  f["plugins"] = libs;
  f["replications"] = a.replications;
  f["trace_all"] = a.trace_all;
  f["simulate_every_replication"] = a.simulate_every;
  return f;
}

/// The checkpoint an interrupted run left in `work`, if any, checked against this run's fingerprint.
std::optional<deplsim::RunCheckpoint> read_checkpoint(const std::filesystem::path& work, const nlohmann::ordered_json& fingerprint) {
  const auto file = work / "run-state.json";
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return std::nullopt;
  nlohmann::json j;
  try {
    std::ifstream in(file);
    j = nlohmann::json::parse(in);
    (void)j.at("format");
  } catch (const std::exception&) {
    fmt::print(stderr, "note: {} is unreadable (killed while writing it?): planning again\n", file.string());
    return std::nullopt;
  }
  if (j.value("format", "") != "deplsim run-state 1")
    throw deplsim::InputError(deplsim::InputIssue{file.string(), 0, 0, "format", "not a run state this deplsim writes: start again with --force"});
  const nlohmann::json expected = nlohmann::json::parse(fingerprint.dump());
  const nlohmann::json& got = j.contains("fingerprint") ? j["fingerprint"] : nlohmann::json();
  for (const auto& [key, value] : expected.items())
    if (!got.contains(key) || got[key] != value)
      throw deplsim::InputError(deplsim::InputIssue{
          file.string(), 0, 0, "fingerprint." + key,
          fmt::format("the interrupted run had {}, this one {}: resume it with the same inputs (and the same deplsim), or start "
                      "again with --force", got.contains(key) ? got[key].dump() : std::string("nothing"), value.dump())});
  try {
    return deplsim::checkpoint_from_json(j);
  } catch (const std::exception& e) {
    fmt::print(stderr, "note: {} is damaged ({}): planning again\n", file.string(), e.what());
    return std::nullopt;
  }
}

int cmd_run(const ScenarioOptions& o, const RunArgs& a, const deplsim::OrchestratorRegistry& registry,
            const std::vector<std::string>& plugins) {
  check_orchestrator(a.orchestrator, a.external_cmd, registry);
  if (a.replications < 1)
    throw deplsim::InputError(deplsim::InputIssue{"--replications", 0, 0, "", fmt::format("must be >= 1, got {}", a.replications)});
  if (a.force && a.resume)
    throw deplsim::InputError(deplsim::InputIssue{"--resume", 0, 0, "", "not with --force (which starts again)"});
  const deplsim::ContextOptions copts = context_options(o);
  auto ctx = deplsim::build_context(copts);
  check_trace_size(a.replications, a.trace_all, ctx->scenario());
  const std::string out = a.out.empty() ? fmt::format("results/run/{}-{}-s{}", ctx->scenario().name, a.orchestrator, o.seed) : a.out;
  // The work goes into DIR.partial, renamed to DIR once every file is written: a fresh one, or (--resume) the one
  // an interrupted run left, whose run-state.json keeps the plan.
  const std::filesystem::path dir = std::filesystem::absolute(out).lexically_normal();
  const std::filesystem::path work = deplsim::resumable_work_dir(out, a.force, a.resume, "run");
  const nlohmann::ordered_json fingerprint = run_fingerprint(*ctx, copts, a, plugins);
  std::optional<deplsim::RunCheckpoint> resumed;
  if (a.resume) resumed = read_checkpoint(work, fingerprint);
  std::filesystem::create_directories(work);
  std::optional<TempDir> knowledge;  // outlives the orchestrator (declared first)
  auto orchestrator = make_orchestrator(a.orchestrator, a.external_cmd, registry, *ctx, knowledge);
  deplsim::RunOptions ro;
  ro.orchestrator = a.orchestrator;
  ro.replications = a.replications;
  ro.trace_all = a.trace_all;
  ro.simulate_every = a.simulate_every;
  ro.simgrid_log = o.log;
  ro.progress = isatty(STDERR_FILENO) != 0;
  ro.resumed = resumed;
  if (resumed)
    fmt::print(stderr, "resuming {}: {}\n", work.string(),
               resumed->adaptive || a.orchestrator == "external" ? "planning again (per-replication policies)" : "the plan kept, not planned again");
  ro.on_planned = [&](const deplsim::RunCheckpoint& c) {
    deplsim::write_atomically(work / "run-state.json", deplsim::checkpoint_to_json(c, fingerprint).dump(2) + "\n");
  };
  // SIGINT/SIGTERM: the run stops between replications and exits 130, its DIR.partial kept for --resume; a second
  // signal ends the process at once.
  ro.interrupted = &deplsim::interrupt_signal();
  deplsim::RunResult result;
  try {
    const deplsim::InterruptGuard guard(/*restart=*/true, /*once=*/true);
    result = deplsim::run_unit(*ctx, *orchestrator, ro);
  } catch (const deplsim::Interrupted& e) {
    if (auto* ext = dynamic_cast<deplsim::ExternalOrchestrator*>(orchestrator.get())) (void)ext->close();
    fmt::print(stderr, "\ninterrupted (signal {}): nothing written under {}; the work so far is in {} — finish it with "
                       "`deplsim run ... --resume` (same arguments), or start again with --force\n",
               e.signal, dir.string(), work.string());
    return kExitInterrupted;
  }
  close_orchestrator(*orchestrator);  // before any output: a failing external orchestrator writes nothing
  deplsim::write_run_outputs(work, dir, *ctx, copts, ro, result);
  const auto summary = deplsim::summary_json(*ctx, copts, ro, result);
  if (result.plan.status != deplsim::PlanStatus::ok) {
    fmt::print("{} {}: {} ({})\nresults in {}\n", ctx->scenario().name, a.orchestrator, deplsim::to_string(result.plan.status),
               result.plan.reason, out);
    fmt::print(stderr, "{}", result.plan.explanation);  // why, for people (stdout keeps the one-line result)
    return kExitInfeasible;
  }
  const auto& q = summary["quality"];
  const auto& c = summary["cost"];
  fmt::print("{} with {} (seed {}, {} replications, cost simulated {}):\n", ctx->scenario().name, a.orchestrator, o.seed,
             a.replications, result.simulation_mode == "once" ? "once" : "per replication");
  // A prediction the orchestrator did not give reads "none".
  auto pred = [](const std::optional<double>& v, const char* spec) {
    return v ? fmt::format(fmt::runtime(spec), *v) : std::string("none");
  };
  fmt::print("  P(L <= {}) = {:.4f} [{:.4f}, {:.4f}] (predicted {}, target {}), guarantee {}\n", ctx->scenario().target.loss,
             q["p_target_met"].get<double>(), q["p_target_met_ci95"][0].get<double>(), q["p_target_met_ci95"][1].get<double>(),
             pred(result.plan.predicted.p_target_met, "{:.4f}"), ctx->scenario().target.probability,
             summary["guarantee"].get<std::string>());
  fmt::print("  energy {:.6g} J (predicted {}), time {:.6g} s (predicted {})\n", c["energy_j_mean"].get<double>(),
             pred(result.plan.predicted.energy_j, "{:.6g}"), c["time_s_mean"].get<double>(), pred(result.plan.predicted.time_s, "{:.6g}"));
  fmt::print("results in {}\n", out);
  return kExitOk;
}

struct CalibrateArgs {
  int replications = 20000;
  std::string out;
  bool force = false;
};

int cmd_calibrate(const ScenarioOptions& o, const CalibrateArgs& a) {
  if (a.replications < 1)
    throw deplsim::InputError(deplsim::InputIssue{"--replications", 0, 0, "", fmt::format("must be >= 1, got {}", a.replications)});
  const deplsim::ContextOptions copts = context_options(o);
  auto ctx = deplsim::build_context(copts);
  const std::string out = a.out.empty() ? fmt::format("results/calibrate/{}-s{}", ctx->scenario().name, o.seed) : a.out;
  deplsim::check_output_dir(out, a.force);
  deplsim::CalibrateOptions co;
  co.replications = a.replications;
  co.progress = isatty(STDERR_FILENO) != 0;
  const deplsim::CalibrationResult result = deplsim::calibrate(*ctx, co);
  deplsim::write_calibration(out, a.force, *ctx, copts, co, result);
  fmt::print("{}results in {}\n", deplsim::calibration_table(*ctx, co, result), out);
  return kExitOk;
}

struct CompareArgs {
  std::string orchestrators;
  std::string external_cmd;
  RunArgs run;
};

int cmd_compare(const ScenarioOptions& o, const CompareArgs& a, const deplsim::OrchestratorRegistry& registry,
                const std::vector<std::string>& plugins) {
  deplsim::CompareOptions co;
  co.scenario = o.scenario;
  co.plugins = plugins;  // loaded here already (names checked); each `deplsim run` loads them again
  std::stringstream ss(a.orchestrators);
  std::string name;
  bool has_external = false;
  while (std::getline(ss, name, ','))
    if (!name.empty()) {
      if (name == "external") {
        has_external = true;
        check_orchestrator(name, a.external_cmd, registry);
      } else if (!registry.contains(name)) {
        std::string known;
        for (const auto& e : registry.entries()) known += e.name + ", ";
        throw deplsim::InputError(deplsim::InputIssue{"--orchestrators", 0, 0, "",
                                                      fmt::format("unknown orchestrator '{}' (known: {}external)", name, known)});
      }
      if (std::find(co.orchestrators.begin(), co.orchestrators.end(), name) != co.orchestrators.end())
        throw deplsim::InputError(deplsim::InputIssue{"--orchestrators", 0, 0, "", fmt::format("'{}' listed twice", name)});
      co.orchestrators.push_back(name);
    }
  if (!a.external_cmd.empty() && !has_external)
    throw deplsim::InputError(deplsim::InputIssue{"--external-cmd", 0, 0, "", "only with 'external' among --orchestrators"});
  co.external_cmd = a.external_cmd;
  if (co.orchestrators.empty())
    throw deplsim::InputError(deplsim::InputIssue{"--orchestrators", 0, 0, "", "expected a comma-separated list of orchestrators"});
  if (a.run.replications < 1)
    throw deplsim::InputError(deplsim::InputIssue{"--replications", 0, 0, "", fmt::format("must be >= 1, got {}", a.run.replications)});
  // The scenario must be valid before any unit starts (its name also names the default folder).
  auto ctx = deplsim::build_context(context_options(o));
  co.out = a.run.out.empty() ? fmt::format("results/compare/{}-s{}", ctx->scenario().name, o.seed) : a.run.out;
  co.force = a.run.force;
  co.self = deplsim::self_executable();
  co.run_arguments = {"--replications", std::to_string(a.run.replications), "--seed", std::to_string(o.seed)};
  for (const auto& s : o.overrides) co.run_arguments.insert(co.run_arguments.end(), {"--set", s});
  if (!o.platform.empty()) co.run_arguments.insert(co.run_arguments.end(), {"--platform", o.platform});
  for (const auto& c : o.cfg) co.run_arguments.insert(co.run_arguments.end(), {"--cfg", c});
  for (const auto& l : o.log) co.run_arguments.insert(co.run_arguments.end(), {"--log", l});
  if (o.node_limit) co.run_arguments.insert(co.run_arguments.end(), {"--node-limit", std::to_string(*o.node_limit)});
  if (o.gap) co.run_arguments.insert(co.run_arguments.end(), {"--gap", fmt::format("{}", *o.gap)});
  if (a.run.trace_all) co.run_arguments.emplace_back("--trace-all");
  if (a.run.simulate_every) co.run_arguments.emplace_back("--simulate-every-replication");
  return deplsim::run_compare(co);
}

int cmd_list(const deplsim::OrchestratorRegistry& registry) {
  std::size_t width = 8;
  for (const auto& e : registry.entries()) width = std::max(width, e.name.size());
  for (const auto& e : registry.entries()) fmt::print("{:<{}}  {}\n", e.name, width, e.description);
  fmt::print("{:<{}}  {}\n", "external", width, "an external process, any language: --external-cmd CMD (docs/orchestrators.md)");
  return kExitOk;
}

} // namespace

int main(int argc, char** argv) {
  deplsim::OrchestratorRegistry registry;
  deplsim::register_builtin_orchestrators(registry);

  CLI::App app{"deplsim: simulation of dependable distributed training on SimGrid"};
  std::vector<std::string> plugins;  // --plugin of whichever command runs
  app.set_version_flag("--version", std::string("deplsim ") + DEPLSIM_VERSION);
  app.require_subcommand(1);

  ScenarioOptions validate_opts;
  auto* validate = app.add_subcommand("validate", "check a scenario and its platform; simulates nothing");
  add_scenario_options(validate, validate_opts, false);

  ScenarioOptions plan_opts;
  std::string plan_orchestrator = "depl";
  auto* plan = app.add_subcommand("plan", "print an orchestrator's plan as JSON (stdout) and its reasoning (stderr)");
  add_scenario_options(plan, plan_opts, true);
  add_solver_options(plan, plan_opts);
  plan->add_option("--write-model", plan_opts.write_model, "with --orchestrator optimum: write the MILP of the chosen data set (FILE.lp or FILE.mps)")
      ->type_name("FILE");
  plan->add_option("--orchestrator", plan_orchestrator, "orchestrator name (see `deplsim list`)")->capture_default_str();
  std::string plan_external_cmd;
  plan->add_option("--external-cmd", plan_external_cmd, "with --orchestrator external: the shell command that starts it (docs/orchestrators.md)")
      ->type_name("CMD");
  add_plugin_option(plan, plugins);

  ScenarioOptions run_opts;
  RunArgs run_args;
  auto* run = app.add_subcommand("run", "plan with an orchestrator, simulate the plan's replications on SimGrid, write results");
  add_scenario_options(run, run_opts, true);
  add_solver_options(run, run_opts);
  run->add_option("--orchestrator", run_args.orchestrator, "orchestrator name (see `deplsim list`)")->capture_default_str();
  run->add_option("--external-cmd", run_args.external_cmd, "with --orchestrator external: the shell command that starts it (docs/orchestrators.md)")
      ->type_name("CMD");
  add_plugin_option(run, plugins);
  run->add_option("--replications", run_args.replications, "number of replications")->capture_default_str()->check(CLI::Range(1, 10'000'000));
  run->add_option("--out", run_args.out, "output folder (default results/run/SCENARIO-ORCHESTRATOR-sSEED)");
  run->add_flag("--force", run_args.force, "replace the output folder if it exists (and any interrupted run in DIR.partial)");
  run->add_flag("--resume", run_args.resume, "finish the run interrupted in DIR.partial (same arguments): its plan is kept");
  run->add_flag("--trace-all", run_args.trace_all, "trace every replication in trace.csv (default: the first 10)");
  run->add_flag("--simulate-every-replication", run_args.simulate_every,
                "simulate each replication's cost even when nothing in platform or plan is random (same results, slower)");

  ScenarioOptions calibrate_opts;
  CalibrateArgs calibrate_args;
  auto* calibrate = app.add_subcommand(
      "calibrate", "predicted versus simulated test loss per epoch for every version and declared switch; exports the knowledge");
  add_scenario_options(calibrate, calibrate_opts, true);
  calibrate->add_option("--replications", calibrate_args.replications, "evaluation replications per schedule")
      ->capture_default_str()
      ->check(CLI::Range(1, 10'000'000));
  calibrate->add_option("--out", calibrate_args.out, "output folder (default results/calibrate/SCENARIO-sSEED)");
  calibrate->add_flag("--force", calibrate_args.force, "replace the output folder if it exists");

  ScenarioOptions compare_opts;
  CompareArgs compare_args;
  auto* compare = app.add_subcommand("compare", "run several orchestrators on one scenario, each as its own unit, and compare them");
  add_scenario_options(compare, compare_opts, true);
  add_solver_options(compare, compare_opts);
  add_plugin_option(compare, plugins);
  compare->add_option("--orchestrators", compare_args.orchestrators, "comma-separated orchestrator names (the first is the reference)")
      ->required();
  compare->add_option("--replications", compare_args.run.replications, "number of replications per orchestrator")
      ->capture_default_str()
      ->check(CLI::Range(1, 10'000'000));
  compare->add_option("--out", compare_args.run.out, "output folder (default results/compare/SCENARIO-sSEED)");
  compare->add_flag("--force", compare_args.run.force, "replace the output folder if it exists");
  compare->add_option("--external-cmd", compare_args.external_cmd,
                      "command that starts the external orchestrator named 'external' in --orchestrators (docs/orchestrators.md)");
  compare->add_flag("--trace-all", compare_args.run.trace_all, "trace every replication in each trace.csv");
  compare->add_flag("--simulate-every-replication", compare_args.run.simulate_every,
                    "simulate each replication's cost even when nothing in platform or plan is random");

  auto* list = app.add_subcommand("list", "list the orchestrators known");
  add_plugin_option(list, plugins);

  deplsim::SweepOptions sweep_opts;
  std::optional<int> sweep_replications;
  auto* sweep = app.add_subcommand("sweep", "run a sweep file's cells x orchestrators x seeds, locally or on Slurm, and merge the results");
  sweep->add_option("SWEEP", sweep_opts.sweep_file, "sweep file (YAML, see docs/sweeps.md)")->required();
  sweep->add_option("--out", sweep_opts.out, "output folder (default results/sweep/NAME)");
  sweep_opts.jobs = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  sweep->add_option("--jobs", sweep_opts.jobs, "units run at once: worker processes (local), array tasks at once (slurm)")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  sweep->add_option("--backend", sweep_opts.backend, "where units run: local (a pool of processes) or slurm (a job array)")
      ->check(CLI::IsMember({"local", "slurm"}))
      ->capture_default_str();
  sweep->add_flag("--resume", sweep_opts.resume, "finish an interrupted sweep (or rerun the failed units of a finished one)");
  sweep->add_flag("--force", sweep_opts.force, "start again, replacing the output folder and any interrupted sweep");
  sweep->add_option("--sbatch-arg", sweep_opts.sbatch_args, "with --backend slurm: an argument passed to sbatch (repeatable; "
                                                            "write --sbatch-arg=--time=10 for values starting with '-')")
      ->type_name("ARG")
      ->allow_extra_args(false);
  sweep->add_option("--replications", sweep_replications, "replications per unit, instead of the sweep file's")->check(CLI::Range(1, 10'000'000));
  add_plugin_option(sweep, plugins);

  std::string gen_spec, gen_out;
  auto* platform_cmd = app.add_subcommand("platform", "platform tools");
  auto* gen = platform_cmd->add_subcommand("generate", "write a heterogeneous edge/cloud platform from a spec (docs/platforms.md section 6)");
  gen->add_option("SPEC", gen_spec, "the spec (YAML)")->required();
  gen->add_option("--out", gen_out, "the platform file to write (XML)")->required();
  platform_cmd->require_subcommand(1);

  deplsim::ReproduceOptions repro_opts;
  auto* reproduce = app.add_subcommand("reproduce", "run the sweeps behind the paper's evaluation, then figures, results.md and report.html");
  reproduce->add_option("WHAT", repro_opts.what, "the experiment: paper")->required()->check(CLI::IsMember({"paper"}));
  reproduce->add_option("--out", repro_opts.out, "output folder")->required();
  reproduce->add_flag("--quick", repro_opts.quick, "the reduced sweeps (one scenario, fewer values): under 10 minutes on 2 cores");
  reproduce->add_flag("--resume", repro_opts.resume, "finish an interrupted reproduction");
  reproduce->add_option("--sweeps", repro_opts.sweeps, "run the sweep files of this folder instead of scenarios/sweeps/paper (or quick)")
      ->check(CLI::ExistingDirectory);
  reproduce->add_flag("--force", repro_opts.force, "start again, replacing the output folder");
  repro_opts.jobs = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  reproduce->add_option("--jobs", repro_opts.jobs, "units run at once")->check(CLI::Range(1, 4096))->capture_default_str();

  std::string task_workdir;
  long task_index = -1;
  auto* sweep_task = app.add_subcommand("sweep-task", "");  // internal: one unit of a prepared sweep (Slurm array tasks)
  sweep_task->group("");
  sweep_task->add_option("WORKDIR", task_workdir)->required();
  sweep_task->add_option("INDEX", task_index)->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitInput;
  }

  try {
    for (const auto& p : plugins) deplsim::load_plugin(p, registry);  // bad plug-ins: InputError, exit 2
    for (ScenarioOptions* o : {&validate_opts, &plan_opts, &run_opts, &calibrate_opts, &compare_opts}) o->registry = &registry;
    if (*validate) return cmd_validate(validate_opts);
    if (*plan) return cmd_plan(plan_opts, plan_orchestrator, plan_external_cmd, registry);
    if (*run) {
      // SimGrid's engine is never torn down (it can crash doing so): leave without running destructors.
      const int rc = cmd_run(run_opts, run_args, registry, plugins);
      std::fflush(stdout);
      std::fflush(stderr);
      _exit(rc);
    }
    if (*calibrate) {
      const int rc = cmd_calibrate(calibrate_opts, calibrate_args);
      std::fflush(stdout);
      std::fflush(stderr);
      _exit(rc);
    }
    if (*compare) return cmd_compare(compare_opts, compare_args, registry, plugins);
    if (*list) return cmd_list(registry);
    if (*sweep) {
      sweep_opts.self = deplsim::self_executable();
      sweep_opts.plugins = plugins;
      sweep_opts.replications = sweep_replications;
      const deplsim::SweepSpec spec = deplsim::load_sweep(sweep_opts.sweep_file);
      for (const auto& name : spec.orchestrators) {
        if (name == "external")
          throw deplsim::InputError(deplsim::InputIssue{sweep_opts.sweep_file, 0, 0, "orchestrators",
                                                        "'external' cannot run in a sweep (it needs a command per run); use a plug-in"});
        try {
          (void)registry.make(name);
        } catch (const deplsim::InputError& e) {
          throw deplsim::InputError(deplsim::InputIssue{sweep_opts.sweep_file, 0, 0, "orchestrators", e.issues().front().message});
        }
      }
      if (sweep_opts.out.empty()) sweep_opts.out = fmt::format("results/sweep/{}", spec.name);
      return deplsim::run_sweep(sweep_opts);
    }
    if (*sweep_task) return deplsim::run_sweep_task(task_workdir, task_index);
    if (*gen) return deplsim::generate_platform(gen_spec, gen_out);
    if (*reproduce) {
      repro_opts.self = deplsim::self_executable();
      const char* env = std::getenv("DEPLSIM_DATA_DIR");
      repro_opts.data_dir = env != nullptr && *env != '\0' ? env : DEPLSIM_SOURCE_DIR;
      return deplsim::run_reproduce(repro_opts);
    }
  } catch (const deplsim::InputError& e) {
    print_issues(e);
    std::fflush(stderr);
    _exit(kExitInput);
  } catch (const std::exception& e) {
    fmt::print(stderr, "internal error: {}\n", e.what());
    std::fflush(stderr);
    _exit(kExitInternal);
  }
  return kExitInternal;
}
