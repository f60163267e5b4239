// `deplsim plan SCENARIO --orchestrator NAME`: the plan as JSON on stdout, the orchestrator's reasoning on stderr;
// with --write-model, the model a solver builds (e.g. the optimum's MILP) written to a file.
#include "commands/batch_choice.hpp"
#include "commands/command.hpp"

#include "experiment/external.hpp"
#include "experiment/plan_json.hpp"
#include "support/exit_codes.hpp"
#include "support/files.hpp"
#include "support/interrupt.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <optional>

namespace deplsim::commands {
namespace {

class PlanCommand final : public Command {
public:
  CLI::App* attach(CLI::App& app, Session& session) override {
    auto* cmd = app.add_subcommand("plan", "print an orchestrator's plan as JSON (stdout) and its reasoning (stderr)");
    add_scenario_options(cmd, o_, true);
    add_setting_flags(cmd, o_, session.registry);
    write_model_option_ = cmd->add_option("--write-model", write_model_, "write the model the orchestrator solves (e.g. optimum's MILP of the chosen data set): FILE.lp or FILE.mps")
        ->type_name("FILE");
    cmd->add_option("--orchestrator", choice_.name, "orchestrator name (see `deplsim list`)")->capture_default_str();
    cmd->add_option("--external-cmd", choice_.external_cmd, "with --orchestrator external: the shell command that starts it (docs/orchestrators.md)")
        ->type_name("CMD");
    add_plugin_option(cmd, session.plugins);
    return cmd;
  }

  int run(Session& session) override {
    o_.registry = &session.registry;
    check_orchestrator(choice_, session.registry);
    if (write_model_option_->count() > 0) check_model_file(session.registry);
    auto ctx = build_context(context_options(o_));
    // model.batch_sizes: planned once per global batch, the cheapest kept with its batch's context (--write-model
    // then writes the chosen batch's model: planned once more on it).
    std::optional<Plan> chosen;
    if (!ctx->scenario().model.batch_sizes.empty()) {
      std::optional<InterruptGuard> guard;  // as below: an external orchestrator's tree is stopped, exit 130
      if (choice_.name == kExternalOrchestrator) guard.emplace(/*restart=*/true, /*once=*/true);
      try {
        auto choice = choose_batch(*ctx, context_options(o_), choice_);
        ctx = std::move(choice->ctx);
        chosen = std::move(choice->planned.plan);
      } catch (const Interrupted& e) {
        fmt::print(stderr, "\ninterrupted (signal {}): the external orchestrator is stopped, no plan printed\n", e.signal);
        return exit_code::interrupted;
      }
    }
    std::optional<TempDir> knowledge;  // outlives the orchestrator (declared first)
    auto orchestrator = make_orchestrator(choice_, *ctx, knowledge);
    if (!write_model_.empty()) orchestrator->set_model_file(write_model_);
    const Problem problem = ctx->problem();
    // An external orchestrator is a process tree of its own: SIGINT/SIGTERM end the wait for it at once, stop the
    // whole tree (external.hpp) and exit 130. A second signal ends deplsim as usual. Built-in planners keep the
    // default (the signal ends deplsim at once).
    std::optional<InterruptGuard> guard;
    if (choice_.name == kExternalOrchestrator) guard.emplace(/*restart=*/true, /*once=*/true);
    Plan plan;
    try {
      if (!chosen || !write_model_.empty()) plan = orchestrator->plan(problem);
      if (chosen) plan = *chosen;  // the same plan, with its batch, claim and the batches' lines
      orchestrator->finish();
      if (interrupt_signal() != 0) throw Interrupted(interrupt_signal());
    } catch (const Interrupted& e) {
      try {
        orchestrator->finish();  // stopped already: this reaps what is left
      } catch (const InputError&) {
      }
      fmt::print(stderr, "\ninterrupted (signal {}): the external orchestrator is stopped, no plan printed\n", e.signal);
      return exit_code::interrupted;
    }
    guard.reset();
    const auto problems = validate_plan(problem, plan, choice_.name);
    if (!problems.empty()) {
      for (const auto& p : problems) fmt::print(stderr, "error: {}\n", p);
      return exit_code::input;  // an orchestrator's invalid plan: a bad plug-in, named with the field
    }
    nlohmann::ordered_json j;
    j["orchestrator"] = choice_.name;
    j["status"] = to_string(plan.status);
    if (!plan.reason.empty()) j["reason"] = plan.reason;
    const nlohmann::ordered_json body = plan_to_json(plan);
    for (const auto& [k, v] : body.items()) j[k] = v;
    fmt::print("{}\n", j.dump(2));  // stdout: checked when the command ends (main.cpp)
    fmt::print(stderr, "{}", plan.explanation);
    return plan.status == PlanStatus::ok ? exit_code::ok : exit_code::infeasible;
  }

private:
  // --write-model: an orchestrator that writes its model, a file name it can write, an existing folder.
  void check_model_file(const OrchestratorRegistry& registry) const {
    namespace fs = std::filesystem;
    auto bad = [&](const std::string& why) { throw InputError(InputIssue{"--write-model", 0, 0, "", why}); };
    std::string writers;
    for (const auto& e : registry.entries())
      if (e.make()->writes_model()) writers += (writers.empty() ? "" : ", ") + e.name;
    const bool writes = choice_.name != kExternalOrchestrator && registry.make(choice_.name)->writes_model();
    if (!writes) bad(fmt::format("only the {} orchestrator writes a model, not '{}'", writers.empty() ? "none" : writers, choice_.name));
    const fs::path p(write_model_);
    if (p.extension() != ".lp" && p.extension() != ".mps") bad(fmt::format("expected a file name ending in .lp or .mps, got '{}'", write_model_));
    const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
    if (std::error_code ec; !fs::is_directory(dir, ec)) bad(fmt::format("folder '{}' does not exist", dir.string()));
    (void)checked_output_path("--write-model", write_model_, OutputKind::file);  // writable, a sane name, not a folder
  }

  ScenarioOptions o_;
  OrchestratorChoice choice_;
  std::string write_model_;
  CLI::Option* write_model_option_ = nullptr;
};

} // namespace

std::unique_ptr<Command> make_plan_command() { return std::make_unique<PlanCommand>(); }

} // namespace deplsim::commands
