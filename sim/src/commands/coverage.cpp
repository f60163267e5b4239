// `deplsim coverage SCENARIO`: the plan-then-judge experiment repeated over independent draws of the planners'
// knowledge; per planner, how often its claim exceeded the true P (studies/coverage.cpp, docs/model.md 3.8).
#include "commands/command.hpp"

#include "deplsim/error.hpp"
#include "studies/coverage.hpp"
#include "support/exit_codes.hpp"
#include "support/files.hpp"
#include "support/process.hpp"
#include "support/progress.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <sstream>


namespace deplsim::commands {
namespace {

constexpr const char* kCertifying = "depl,optimum,expected-loss+margin,depl-online,full-only,pruned-only";

class Coverage final : public Command {
public:
  CLI::App* attach(CLI::App& app, Session& session) override {
    auto* cmd = app.add_subcommand("coverage", "repeat plan-then-judge over independent knowledge draws: how often each planner's "
                                               "claim exceeds the true P of its plan");
    add_scenario_options(cmd, o_, true);
    add_setting_flags(cmd, o_, session.registry);
    add_plugin_option(cmd, session.plugins);
    cmd->add_option("--orchestrators", orchestrators_, "comma-separated orchestrators (default: the certifying ones)")->capture_default_str();
    cmd->add_option("--grid", grid_, "KEY=V1,V2,...: one cell per combination of values of scenario keys (repeatable; e.g. "
                                      "target.loss=0.8,0.85 model.learning.knowledge_runs=30,100)");
    cmd->add_option("--repetitions", options_.repetitions, "knowledge draws per cell")->capture_default_str()->check(CLI::Range(1, 100000));
    cmd->add_option("--jobs,-j", options_.jobs, "processes sharing each cell's repetitions (results do not depend on it)")
        ->capture_default_str()
        ->check(CLI::Range(1, 256));
    cmd->add_option("--evaluation-replications", options_.evaluation_replications,
                    "learning curves: evaluation replications behind each plan's true P")
        ->capture_default_str()
        ->check(CLI::Range(100, 10'000'000));
    cmd->add_flag("--uncertified", uncertified_, "plan without certification runs (model.learning.certification_share=0)");
    out_option_ = cmd->add_option("--out", options_.out, "output folder (default results/coverage/SCENARIO-sSEED)");
    cmd->add_flag("--force", options_.force, "replace the output folder if it exists");
    return cmd;
  }

  int run(Session& session) override {
    o_.registry = &session.registry;
    options_.context = context_options(o_);
    if (uncertified_) options_.context.overrides.emplace_back("model.learning.certification_share=0");
    for (const auto& g : grid_) {
      const auto eq = g.find('=');
      if (eq == std::string::npos || eq == 0)
        throw InputError(InputIssue{"--grid", 0, 0, "", fmt::format("'{}': expected KEY=V1,V2,...", g)});
      std::vector<std::string> values;
      std::stringstream vs(g.substr(eq + 1));
      for (std::string v; std::getline(vs, v, ',');) values.push_back(v);
      if (!g.empty() && g.back() == ',') values.emplace_back();
      options_.grid.emplace_back(g.substr(0, eq), values);
    }
    std::stringstream ss(orchestrators_);
    for (std::string name; std::getline(ss, name, ',');)
      if (!name.empty()) options_.orchestrators.push_back(name);
    if (out_option_->count() == 0) {
      const auto loaded = load_scenario(o_.scenario, options_.context.overrides, std::nullopt);
      options_.out = fmt::format("results/coverage/{}-s{}", loaded.scenario.name, o_.seed);
    }
    options_.out = check_output_dir(options_.out, options_.force).string();  // checked and locked before any work
    options_.progress = !quiet();  // a line every few seconds: the study takes minutes
    const CoverageResult result = run_coverage(options_);
    write_coverage(options_, result);
    draw(options_.out);
    fmt::print("{}results in {}\n", coverage_table(result), options_.out);
    return exit_code::ok;
  }

private:
  // The figures (analysis/coverage.py) from deplsim's source tree ($DEPLSIM_DATA_DIR overrides it).
  static void draw(const std::string& out) { draw_coverage_figures(out, data_dir()); }

  ScenarioOptions o_;
  CoverageOptions options_;
  std::string orchestrators_ = kCertifying;
  std::vector<std::string> grid_;
  bool uncertified_ = false;
  CLI::Option* out_option_ = nullptr;
};

} // namespace

std::unique_ptr<Command> make_coverage_command() { return std::make_unique<Coverage>(); }

} // namespace deplsim::commands
