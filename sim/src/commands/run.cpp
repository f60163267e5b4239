// `deplsim run SCENARIO`: one unit of work (plan, simulate the replications on SimGrid, write the outputs) into
// DIR.partial, published as DIR when complete; crash-safe and resumable (--resume), interruptible (exit 130).
#include "commands/batch_choice.hpp"
#include "commands/command.hpp"

#include "report/statistics.hpp"

#include "experiment/external.hpp"
#include "experiment/run_state.hpp"
#include "experiment/run_unit.hpp"
#include "report/run_outputs.hpp"
#include "report/statistics.hpp"
#include "support/exit_codes.hpp"
#include "support/files.hpp"
#include "support/hash.hpp"
#include "support/interrupt.hpp"
#include "support/json_input.hpp"
#include "support/kill_point.hpp"
#include "support/process.hpp"
#include "studies/figures.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>


#include <fstream>
#include <unistd.h>

namespace deplsim::commands {
namespace {

struct RunArgs {
  OrchestratorChoice choice;
  int replications = 1000;
  std::string out;
  bool force = false;
  bool resume = false;
  bool trace_all = false;
  bool simulate_every = false;
  bool simulate_every_iteration = false;
  bool no_figures = false;
};

/// Memory: a traced epoch is a row of about 100 bytes in memory (and as many in trace.csv); --trace-all traces
/// every replication. 2.5e7 rows is about 2.5 GB of each.
void check_trace_size(int replications, bool trace_all, const Scenario& sc) {
  const double rows = static_cast<double>(trace_all ? replications : std::min(replications, 10)) * sc.target.max_epochs;
  if (rows > 2.5e7)
    throw InputError(InputIssue{"--trace-all", 0, 0, "",
                                fmt::format("{} replications x up to {} epochs = {:.3g} trace rows: at most 2.5e7 (about 100 bytes each in "
                                            "memory, and as many in trace.csv); trace fewer replications",
                                            replications, sc.target.max_epochs, rows)});
}

/// What a run's results depend on: --resume refuses a DIR.partial started with anything else.
nlohmann::ordered_json run_fingerprint(const Context& ctx, const ContextOptions& copts, const RunArgs& a,
                                       const std::vector<std::string>& plugins) {
  nlohmann::ordered_json f;
  f["deplsim_sha256"] = sha256_file(self_executable());
  f["scenario_sha256"] = sha256_file(copts.scenario);
  f["platform_sha256"] = sha256_file(ctx.scenario().platform);
  const auto& learning = ctx.loaded.learning;
  f["profile_sha256"] = learning.kind == "traces" ? sha256_file(learning.profile) : std::string();
  f["overrides"] = copts.overrides;
  f["simgrid_cfg"] = ctx.scenario().simgrid_cfg;
  f["seed"] = ctx.seed;
  f["orchestrator"] = a.choice.name;
  f["external_cmd"] = a.choice.external_cmd;
  auto libs = nlohmann::ordered_json::array();
  for (const auto& p : plugins) libs.push_back({{"path", p}, {"sha256", sha256_file(p)}});
  f["plugins"] = libs;
  f["replications"] = a.replications;
  f["trace_all"] = a.trace_all;
  f["simulate_every_replication"] = a.simulate_every;
  f["simulate_every_iteration"] = a.simulate_every_iteration;
  return f;
}

/// The checkpoint an interrupted run left in `work`, if any, checked against this run's fingerprint.
std::optional<RunCheckpoint> read_checkpoint(const std::filesystem::path& work, const nlohmann::ordered_json& fingerprint) {
  const auto file = work / "run-state.json";
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return std::nullopt;
  // Read within limits (size, nesting depth: a deep value would overflow the stack when compared or shown).
  nlohmann::json j;
  try {
    j = read_json_file(file);
  } catch (const InputError& e) {
    fmt::print(stderr, "note: {} is unreadable (killed while writing it?): {}: planning again\n", file.string(),
               e.issues().front().message);
    return std::nullopt;
  }
  if (!j.is_object() || !j.contains("format")) {
    fmt::print(stderr, "note: {} is unreadable (killed while writing it?): no \"format\": planning again\n", file.string());
    return std::nullopt;
  }
  if (const auto& format = j["format"]; !format.is_string() || format != "deplsim run-state 1")
    throw InputError(InputIssue{file.string(), 0, 0, "format",
                                fmt::format("not a run state this deplsim writes (expected \"deplsim run-state 1\", got {}): "
                                            "start again with --force",
                                            json_excerpt(format))});
  const nlohmann::json expected = nlohmann::json::parse(fingerprint.dump());
  const nlohmann::json& got = j.contains("fingerprint") ? j["fingerprint"] : nlohmann::json();
  for (const auto& [key, value] : expected.items())
    if (!got.contains(key) || got[key] != value)
      throw InputError(InputIssue{
          file.string(), 0, 0, "fingerprint." + key,
          fmt::format("the interrupted run had {}, this one {}: resume it with the same inputs (and the same deplsim), or start "
                      "again with --force", got.contains(key) ? json_excerpt(got[key], 200) : std::string("nothing"),
                      json_excerpt(value, 200))});
  try {
    return checkpoint_from_json(j, file.string());
  } catch (const std::exception& e) {
    fmt::print(stderr, "note: {} is damaged ({}): planning again\n", file.string(), e.what());
    return std::nullopt;
  }
}

/// The one-line result and the quality and cost of a finished run, on stdout.
void print_result(const Context& ctx, const RunArgs& a, std::uint64_t seed, const RunResult& result,
                  const nlohmann::ordered_json& summary, const std::string& out) {
  const auto& q = summary["quality"];
  const auto& c = summary["cost"];
  fmt::print("{} with {} (seed {}, {} replications, cost simulated {}):\n", ctx.scenario().name, a.choice.name, seed,
             a.replications, result.simulation_mode == "once" ? "once" : "per replication");
  // A prediction the orchestrator did not give reads "none".
  auto pred = [](const std::optional<double>& v, const char* spec) {
    return v ? fmt::format(fmt::runtime(spec), *v) : std::string("none");
  };
  fmt::print("  P(L <= {}) = {:.4f} [{:.4f}, {:.4f}] (predicted {}, target {}), guarantee {}\n", ctx.scenario().target.loss,
             q["p_target_met"].get<double>(), q["p_target_met_ci95"][0].get<double>(), q["p_target_met_ci95"][1].get<double>(),
             pred(result.plan.predicted.p_target_met, "{:.4f}"), ctx.scenario().target.probability,
             summary["guarantee"].get<std::string>());
  if (const std::string note = undecided_note(summary, a.replications); !note.empty()) fmt::print("  {}\n", note);
  fmt::print("  energy {:.6g} J (predicted {}), time {:.6g} s (predicted {})\n", c["energy_j_mean"].get<double>(),
             pred(result.plan.predicted.energy_j, "{:.6g}"), c["time_s_mean"].get<double>(), pred(result.plan.predicted.time_s, "{:.6g}"));
  if (c.contains("energy_breakdown_j")) {
    const auto& b = c["energy_breakdown_j"];
    const auto& ph = b["by_phase"];
    fmt::print("  energy by phase: shipping {:.4g}, compute {:.4g}, synchronisation {:.4g}, checkpoints {:.4g}, other {:.4g} J; "
               "hosts {:.4g}, links {:.4g}{} J{}\n",
               ph["shipping"].get<double>(), ph["compute"].get<double>(), ph["synchronisation"].get<double>(),
               ph["checkpoints"].get<double>(), ph["other"].get<double>(), b["by_kind"]["hosts"].get<double>(),
               b["by_kind"]["links"].get<double>(),
               b["by_kind"].value("transmit", 0.0) > 0 ? fmt::format(", senders' radios {:.4g}", b["by_kind"]["transmit"].get<double>()) : "",
               b["lost_work"].get<double>() > 0 ? fmt::format(" (of which work lost to faults {:.4g} J)", b["lost_work"].get<double>()) : "");
    // Where it went: the clusters' training nodes and the link classes that drew anything.
    for (const auto& [key, what] : {std::pair{"by_cluster_hosts", "training nodes' energy by cluster"},
                                     std::pair{"by_link_class", "links' energy by class"}}) {
      std::string parts;
      if (b.contains(key))
        for (const auto& [name, joules] : b[key].items())
          if (joules.get<double>() != 0.0) parts += fmt::format("{}{} {:.4g}", parts.empty() ? "" : ", ", name, joules.get<double>());
      if (!parts.empty()) fmt::print("  {}: {} J\n", what, parts);
    }
  }
  fmt::print("results in {}\n", out);
}

class Run final : public Command {
public:
  CLI::App* attach(CLI::App& app, Session& session) override {
    auto* run = app.add_subcommand("run", "plan with an orchestrator, simulate the plan's replications on SimGrid, write results");
    add_scenario_options(run, o_, true);
    add_setting_flags(run, o_, session.registry);
    run->add_option("--orchestrator", a_.choice.name, "orchestrator name (see `deplsim list`)")->capture_default_str();
    run->add_option("--external-cmd", a_.choice.external_cmd, "with --orchestrator external: the shell command that starts it (docs/orchestrators.md)")
        ->type_name("CMD");
    add_plugin_option(run, session.plugins);
    run->add_option("--replications", a_.replications, "number of replications")->capture_default_str()->check(CLI::Range(1, 10'000'000));
    out_option_ = run->add_option("--out", a_.out, "output folder (default results/run/SCENARIO-ORCHESTRATOR-sSEED)");
    run->add_flag("--force", a_.force, "replace the output folder if it exists (and any interrupted run in DIR.partial)");
    run->add_flag("--resume", a_.resume, "finish the run interrupted in DIR.partial (same arguments): its plan is kept");
    run->add_flag("--trace-all", a_.trace_all, "trace every replication in trace.csv (default: the first 10)");
    run->add_flag("--simulate-every-replication", a_.simulate_every,
                  "simulate each replication's cost even when nothing in platform or plan is random (same results, slower)");
    run->add_flag("--simulate-every-iteration", a_.simulate_every_iteration,
                  "iterations mode: run every iteration in SimGrid instead of composing identical ones, or ones with the same "
                  "straggler pattern (same results, slower)");
    run->add_flag("--no-figures", a_.no_figures, "write no figures and no report.html (they need /usr/bin/python3 with matplotlib)");
    return run;
  }

  [[nodiscard]] bool simulates() const override { return true; }

  int run(Session& session) override {
    o_.registry = &session.registry;
    check_orchestrator(a_.choice, session.registry);
    if (a_.force && a_.resume) throw InputError(InputIssue{"--resume", 0, 0, "", "not with --force (which starts again)"});
    const ContextOptions copts = context_options(o_);
    auto ctx = build_context(copts);
    check_trace_size(a_.replications, a_.trace_all, ctx->scenario());
    const std::string out = out_option_->count() > 0 ? a_.out : fmt::format("results/run/{}-{}-s{}", ctx->scenario().name, a_.choice.name, o_.seed);
    // The work goes into DIR.partial, renamed to DIR once every file is written: a fresh one, or (--resume) the one
    // an interrupted run left, whose run-state.json keeps the plan. DIR is checked and locked first.
    const std::filesystem::path work = resumable_work_dir(out, a_.force, a_.resume, "run");
    std::filesystem::path dir = work;
    dir.replace_extension();
    test_pause_point("run:locked");
    const nlohmann::ordered_json fingerprint = run_fingerprint(*ctx, copts, a_, session.plugins);
    std::optional<RunCheckpoint> resumed;
    if (a_.resume) resumed = read_checkpoint(work, fingerprint);
    std::error_code ec;
    const bool fresh = !std::filesystem::exists(work, ec);
    std::filesystem::create_directories(work, ec);
    if (ec) throw_write_error(work, "create the folder", ec.value());
    try {
      // With model.batch_sizes the unit runs on the chosen global batch's context: chosen now (planning once per
      // batch), or on resume the batch of the plan kept.
      std::unique_ptr<Context> batch_ctx;
      std::optional<RunCheckpoint> planned;
      if (!ctx->scenario().model.batch_sizes.empty()) {
        if (!resumed) {
          std::optional<BatchChoice> choice;
          {
            const InterruptGuard guard(/*restart=*/true, /*once=*/true);
            try {
              choice = choose_batch(*ctx, copts, a_.choice);
            } catch (const Interrupted& e) {
              forget_failed_work(work, fresh, false);  // nothing planned yet: nothing to resume
              fmt::print(stderr, "\ninterrupted (signal {}) while planning per global batch: nothing written\n", e.signal);
              return exit_code::interrupted;
            }
          }
          batch_ctx = std::move(choice->ctx);
          planned = std::move(choice->planned);
        } else if (const int b = resumed->plan.batch_size; b > 0) {
          const auto& list = ctx->scenario().model.batch_sizes;
          if (std::find(list.begin(), list.end(), b) == list.end())
            throw InputError(InputIssue{(work / "run-state.json").string(), 0, 0, "plan.plan.batch_size",
                                        fmt::format("{} is not one of the scenario's model.batch_sizes", b)});
          batch_ctx = build_batch_context(*ctx, copts, b);
        }
      }
      return plan_simulate_write(batch_ctx ? *batch_ctx : *ctx, copts, resumed, planned, work, dir, fingerprint, out);
    } catch (const InputError& e) {
      forget_failed_work(work, fresh, dynamic_cast<const WriteError*>(&e) != nullptr);
      throw;
    }
  }

private:
  int plan_simulate_write(const Context& ctx, const ContextOptions& copts, const std::optional<RunCheckpoint>& resumed,
                          const std::optional<RunCheckpoint>& planned,
                          const std::filesystem::path& work, const std::filesystem::path& dir,
                          const nlohmann::ordered_json& fingerprint, const std::string& out) {
    std::optional<TempDir> knowledge;  // outlives the orchestrator (declared first)
    auto orchestrator = make_orchestrator(a_.choice, ctx, knowledge);
    RunOptions ro = run_options(resumed, work, fingerprint, *orchestrator);
    ro.planned = planned;
    RunResult result;
    try {
      const InterruptGuard guard(/*restart=*/true, /*once=*/true);
      result = run_unit(ctx, *orchestrator, ro);
      // Still under the guard: a signal while an external orchestrator says goodbye stops its tree, then exits 130.
      orchestrator->finish();  // before any output: a failing external orchestrator writes nothing
      if (interrupt_signal() != 0) throw Interrupted(interrupt_signal());
    } catch (const Interrupted& e) {
      try {
        orchestrator->finish();
      } catch (const InputError&) {  // interrupted: what the orchestrator left behind does not matter
      }
      fmt::print(stderr, "\ninterrupted (signal {}): nothing written under {}; the work so far is in {} — finish it with "
                         "`deplsim run ... --resume` (same arguments), or start again with --force\n",
                 e.signal, dir.string(), work.string());
      return exit_code::interrupted;
    }
    write_run_outputs(work, dir, ctx, copts, ro, result, [this, &result](const std::filesystem::path& folder) {
      // The figures and report.html of a plan's run, in the folder before it is published; a failed drawing is a note.
      if (a_.no_figures || result.plan.status != PlanStatus::ok) {  // none, not even from an earlier attempt (--resume)
        std::error_code ec;
        std::filesystem::remove_all(folder / "figures", ec);
        std::filesystem::remove(folder / "report.html", ec);
        return;
      }
      draw_figures("compare_figures.py", folder.string(), data_dir());
    });
    const auto summary = summary_json(ctx, copts, ro, result);
    if (result.plan.status != PlanStatus::ok) {
      fmt::print("{} {}: {} ({})\nresults in {}\n", ctx.scenario().name, a_.choice.name, to_string(result.plan.status),
                 result.plan.reason, out);
      fmt::print(stderr, "{}", result.plan.explanation);  // why, for people (stdout keeps the one-line result)
      return exit_code::infeasible;
    }
    print_result(ctx, a_, o_.seed, result, summary, out);
    return exit_code::ok;
  }

  // A run that failed with bad input (exit 2) keeps no work folder it started unless there is something to resume:
  // the plan (run-state.json) of a run whose outputs could not be written. Interrupted or killed runs keep theirs.
  static void forget_failed_work(const std::filesystem::path& work, bool fresh, bool write_failed) {
    std::error_code ec;
    if (write_failed && std::filesystem::exists(work / "run-state.json", ec)) {
      fmt::print(stderr, "note: the plan is kept in {}: once the outputs can be written, finish with `deplsim run ... --resume`\n",
                 work.string());
      return;
    }
    if (fresh) std::filesystem::remove_all(work, ec);
  }

  RunOptions run_options(const std::optional<RunCheckpoint>& resumed, const std::filesystem::path& work,
                         const nlohmann::ordered_json& fingerprint, const Orchestrator& orchestrator) const {
    RunOptions ro;
    ro.orchestrator = a_.choice.name;
    ro.replications = a_.replications;
    ro.trace_all = a_.trace_all;
    ro.simulate_every = a_.simulate_every;
    ro.simulate_every_iteration = a_.simulate_every_iteration;
    ro.simgrid_log = o_.log;
    ro.progress = true;  // a terminal line, or a line every few seconds in a log; none with --quiet
    ro.resumed = resumed;
    if (resumed)
      fmt::print(stderr, "resuming {}: {}\n", work.string(),
                 resumed->adaptive || orchestrator.stateful() ? "planning again (per-replication policies)"
                                                              : "the plan kept, not planned again");
    ro.on_planned = [work, fingerprint](const RunCheckpoint& c) {
      write_atomically(work / "run-state.json", checkpoint_to_json(c, fingerprint).dump(2) + "\n");
    };
    // SIGINT/SIGTERM: the run stops between replications and exits 130, its DIR.partial kept for --resume; a second
    // signal ends the process at once.
    ro.interrupted = &interrupt_signal();
    return ro;
  }

  ScenarioOptions o_;
  RunArgs a_;
  CLI::Option* out_option_ = nullptr;
};

} // namespace

std::unique_ptr<Command> make_run_command() { return std::make_unique<Run>(); }

} // namespace deplsim::commands
