// `deplsim validate SCENARIO`: loads and checks a scenario and its platform, prints what was recognised,
// simulates nothing.
#include "commands/command.hpp"

#include "support/exit_codes.hpp"

#include <fmt/format.h>

namespace deplsim::commands {
namespace {

class Validate final : public Command {
public:
  CLI::App* attach(CLI::App& app, Session& session) override {
    auto* cmd = app.add_subcommand("validate", "check a scenario and its platform; simulates nothing");
    add_scenario_options(cmd, o_, false);
    add_plugin_option(cmd, session.plugins);  // their settings blocks are checked too
    return cmd;
  }

  int run(Session& session) override {
    o_.registry = &session.registry;
    auto ctx = build_context(context_options(o_));
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
               sc.model.versions.size(), sc.model.switches.size());
    return exit_code::ok;
  }

private:
  ScenarioOptions o_;
};

} // namespace

std::unique_ptr<Command> make_validate_command() { return std::make_unique<Validate>(); }

} // namespace deplsim::commands
