// `deplsim platform generate SPEC.yaml --out FILE.xml`: heterogeneous edge/cloud platforms (docs/platforms.md);
// `deplsim platform show PLATFORM [--scenario S] [--json]`: what deplsim recognised in a platform (docs/cli.md).
#include "commands/command.hpp"

#include "experiment/context.hpp"
#include "platform/generate.hpp"
#include "platform/platform_probe.hpp"
#include "report/platform_report.hpp"
#include "support/exit_codes.hpp"
#include "support/files.hpp"

#include <fmt/format.h>

#include <unistd.h>

namespace deplsim::commands {
namespace {

class Platform final : public Command {
public:
  CLI::App* attach(CLI::App& app, Session&) override {
    auto* platform = app.add_subcommand("platform", "platform tools");
    auto* gen = platform->add_subcommand("generate", "write a heterogeneous edge/cloud platform from a spec (docs/platforms.md section 6)");
    gen->add_option("SPEC", spec_, "the spec (YAML)")->required();
    gen->add_option("--out", out_, "the platform file to write (XML)")->required();
    auto* show = platform->add_subcommand(
        "show", "what deplsim recognised in a platform: hosts, power states, watts, links; with --scenario, its clusters, "
                "data sources and the effective rate of every source/controller -> cluster and cluster -> cluster route");
    show->add_option("PLATFORM", show_.platform, "the platform file (SimGrid XML)")->required();
    show->add_option("--scenario", show_.scenario, "a scenario to map onto it (its platform is replaced by PLATFORM)");
    show->add_option("--set", show_.overrides, "with --scenario: override a scalar of the scenario: KEY=VALUE")
        ->type_name("KEY=VALUE")
        ->allow_extra_args(false);
    show->add_option("--cfg", show_.cfg, "SimGrid configuration KEY:VALUE, passed to SimGrid")->type_name("KEY:VALUE")->allow_extra_args(false);
    show->add_option("--log", show_.log, "SimGrid log setting, passed to SimGrid")->type_name("SETTING")->allow_extra_args(false);
    show->add_flag("--json", json_, "print the description as JSON (docs/cli.md) instead of text");
    platform->require_subcommand(1);
    generate_ = gen;
    show_cmd_ = show;
    return platform;
  }
  int run(Session& session) override {
    if (show_cmd_->parsed()) return run_show(session);
    const std::filesystem::path out = checked_output_path("--out", out_, OutputKind::file);  // before any work
    try {
      return generate_platform(spec_, out.string());
    } catch (const std::filesystem::filesystem_error& e) {  // the final rename: the temporary file goes
      std::filesystem::path tmp = out;
      tmp += fmt::format(".tmp-{}", getpid());
      std::error_code ec;
      std::filesystem::remove(tmp, ec);
      throw_write_error(out, "write it", e.code().value());
    }
  }

private:
  CLI::App* generate_ = nullptr;
  CLI::App* show_cmd_ = nullptr;
  std::string spec_, out_;
  ScenarioOptions show_;
  bool json_ = false;

  int run_show(Session& session) {
    nlohmann::json report;
    if (!show_.scenario.empty()) {
      show_.registry = &session.registry;
      ContextOptions o = context_options(show_);
      o.platform = show_.platform;
      const auto ctx = load_platform_context(o);
      report = platform_report(ctx->platform(), &ctx->scenario());
    } else {
      if (!show_.overrides.empty()) throw InputError(InputIssue{"--set", 0, 0, "", "--set needs --scenario (it overrides a scenario's keys)"});
      ProbeRequest req;
      req.platform = show_.platform;
      req.simgrid_cfg = show_.cfg;
      req.simgrid_log = show_.log;
      req.platform_only = true;
      report = platform_report(probe_platform(req).view, nullptr);
    }
    if (json_) fmt::print("{}\n", report.dump(2));
    else fmt::print("{}", platform_report_text(report));
    return exit_code::ok;
  }
};

} // namespace

std::unique_ptr<Command> make_platform_command() { return std::make_unique<Platform>(); }

} // namespace deplsim::commands
