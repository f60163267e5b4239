// `deplsim reproduce paper --out DIR [--quick]`: the sweeps behind the paper's evaluation, then the figures,
// results.md and report.html (docs/reproduce.md).
#include "commands/command.hpp"

#include "studies/reproduce.hpp"
#include "support/process.hpp"

#include <cstdlib>
#include <thread>


namespace deplsim::commands {
namespace {

class Reproduce final : public Command {
public:
  CLI::App* attach(CLI::App& app, Session&) override {
    auto* reproduce = app.add_subcommand("reproduce", "run the sweeps behind the paper's evaluation, then figures, results.md and report.html");
    reproduce->add_option("WHAT", o_.what, "the experiment: paper")->required()->check(CLI::IsMember({"paper"}));
    reproduce->add_option("--out", o_.out, "output folder")->required();
    reproduce->add_flag("--quick", o_.quick, "the reduced sweeps (one scenario, fewer values): under 10 minutes on 2 cores");
    reproduce->add_flag("--resume", o_.resume, "finish an interrupted reproduction");
    reproduce->add_option("--sweeps", o_.sweeps, "run the sweep files of this folder instead of scenarios/sweeps/paper (or quick)")
        ->check(CLI::ExistingDirectory);
    reproduce->add_flag("--force", o_.force, "start again, replacing the output folder");
    o_.jobs = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
    reproduce->add_option("--jobs", o_.jobs, "units run at once")->check(CLI::Range(1, 4096))->capture_default_str();
    return reproduce;
  }

  int run(Session&) override {
    o_.self = self_executable();
    o_.data_dir = data_dir();
    return run_reproduce(o_);
  }

private:
  ReproduceOptions o_;
};

} // namespace

std::unique_ptr<Command> make_reproduce_command() { return std::make_unique<Reproduce>(); }

} // namespace deplsim::commands
