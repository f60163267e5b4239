// `deplsim list`: the orchestrators known, built-in and from --plugin libraries, and the external kind.
#include "commands/command.hpp"

#include "experiment/external.hpp"
#include "support/exit_codes.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace deplsim::commands {
namespace {

class List final : public Command {
public:
  CLI::App* attach(CLI::App& app, Session& session) override {
    auto* cmd = app.add_subcommand("list", "list the orchestrators known");
    add_plugin_option(cmd, session.plugins);
    return cmd;
  }

  int run(Session& session) override {
    std::size_t width = 8;
    for (const auto& e : session.registry.entries()) width = std::max(width, e.name.size());
    for (const auto& e : session.registry.entries()) fmt::print("{:<{}}  {}\n", e.name, width, e.description);
    fmt::print("{:<{}}  {}\n", kExternalOrchestrator, width, "an external process, any language: --external-cmd CMD (docs/orchestrators.md)");
    return exit_code::ok;
  }
};

} // namespace

std::unique_ptr<Command> make_list_command() { return std::make_unique<List>(); }

} // namespace deplsim::commands
