// `deplsim calibrate SCENARIO`: the planner knowledge's predicted loss against the ground truth's, per epoch, for
// every version and declared switch; exports the knowledge beside it (docs/knowledge.md).
#include "commands/command.hpp"

#include "studies/calibrate.hpp"
#include "support/exit_codes.hpp"
#include "support/files.hpp"

#include <fmt/format.h>

#include <unistd.h>

namespace deplsim::commands {
namespace {

class Calibrate final : public Command {
public:
  CLI::App* attach(CLI::App& app, Session& session) override {
    auto* cmd = app.add_subcommand(
        "calibrate", "predicted versus simulated test loss per epoch for every version and declared switch; exports the knowledge");
    add_scenario_options(cmd, o_, true);
    cmd->add_option("--replications", replications_, "evaluation replications per schedule")
        ->capture_default_str()
        ->check(CLI::Range(1, 10'000'000));
    out_option_ = cmd->add_option("--out", out_, "output folder (default results/calibrate/SCENARIO-sSEED)");
    cmd->add_flag("--force", force_, "replace the output folder if it exists");
    add_plugin_option(cmd, session.plugins);  // their settings blocks are checked too
    return cmd;
  }

  [[nodiscard]] bool simulates() const override { return true; }

  int run(Session& session) override {
    o_.registry = &session.registry;
    const ContextOptions copts = context_options(o_);
    auto ctx = build_context(copts);
    const std::string out = out_option_->count() == 0 ? fmt::format("results/calibrate/{}-s{}", ctx->scenario().name, o_.seed) : out_;
    check_output_dir(out, force_);
    CalibrateOptions co;
    co.replications = replications_;
    co.progress = true;  // a terminal line, or a line every few seconds in a log; none with --quiet
    const CalibrationResult result = calibrate(*ctx, co);
    write_calibration(out, force_, *ctx, copts, co, result);
    fmt::print("{}results in {}\n", calibration_table(*ctx, co, result), out);
    return exit_code::ok;
  }

private:
  ScenarioOptions o_;
  int replications_ = 20000;
  std::string out_;
  CLI::Option* out_option_ = nullptr;
  bool force_ = false;
};

} // namespace

std::unique_ptr<Command> make_calibrate_command() { return std::make_unique<Calibrate>(); }

} // namespace deplsim::commands
