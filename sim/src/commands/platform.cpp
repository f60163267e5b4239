// `deplsim platform generate SPEC.yaml --out FILE.xml`: heterogeneous edge/cloud platforms (docs/platforms.md).
#include "commands/command.hpp"

#include "platform/generate.hpp"
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
    platform->require_subcommand(1);
    generate_ = gen;
    return platform;
  }
  int run(Session&) override {
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
  std::string spec_, out_;
};

} // namespace

std::unique_ptr<Command> make_platform_command() { return std::make_unique<Platform>(); }

} // namespace deplsim::commands
