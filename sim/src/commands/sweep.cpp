// `deplsim sweep SWEEP.yaml`: cells x orchestrators x seeds as units, on a local pool or a Slurm job array, then
// results.csv (studies/sweep.cpp); and the internal `deplsim sweep-task WORKDIR INDEX` a Slurm array task runs.
#include "commands/command.hpp"

#include "experiment/external.hpp"
#include "studies/sweep.hpp"
#include "support/process.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <thread>


namespace deplsim::commands {
namespace {

class Sweep final : public Command {
public:
  CLI::App* attach(CLI::App& app, Session& session) override {
    auto* sweep = app.add_subcommand("sweep", "run a sweep file's cells x orchestrators x seeds, locally or on Slurm, and merge the results");
    sweep->add_option("SWEEP", o_.sweep_file, "sweep file (YAML, see docs/sweeps.md)")->required();
    out_option_ = sweep->add_option("--out", o_.out, "output folder (default results/sweep/NAME)");
    o_.jobs = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
    sweep->add_option("--jobs", o_.jobs, "units run at once: worker processes (local), array tasks at once (slurm)")
        ->check(CLI::Range(1, 4096))
        ->capture_default_str();
    sweep->add_option("--backend", o_.backend, "where units run: local (a pool of processes) or slurm (a job array)")
        ->check(CLI::IsMember({"local", "slurm"}))
        ->capture_default_str();
    sweep->add_flag("--resume", o_.resume, "finish an interrupted sweep (or rerun the failed units of a finished one)");
    sweep->add_flag("--force", o_.force, "start again, replacing the output folder and any interrupted sweep");
    sweep->add_option("--sbatch-arg", o_.sbatch_args, "with --backend slurm: an argument passed to sbatch (repeatable; "
                                                      "write --sbatch-arg=--time=10 for values starting with '-')")
        ->type_name("ARG")
        ->allow_extra_args(false);
    sweep->add_option("--replications", replications_, "replications per unit, instead of the sweep file's")->check(CLI::Range(1, 10'000'000));
    add_plugin_option(sweep, session.plugins);
    return sweep;
  }

  int run(Session& session) override {
    o_.self = self_executable();
    o_.data_dir = data_dir();
    o_.plugins = session.plugins;
    o_.replications = replications_;
    o_.registry = &session.registry;
    const SweepSpec spec = load_sweep(o_.sweep_file);
    for (const auto& name : spec.orchestrators) {
      if (name == kExternalOrchestrator)
        throw InputError(InputIssue{o_.sweep_file, 0, 0, "orchestrators",
                                    "'external' cannot run in a sweep (it needs a command per run); use a plug-in"});
      try {
        (void)session.registry.make(name);
      } catch (const InputError& e) {
        throw InputError(InputIssue{o_.sweep_file, 0, 0, "orchestrators", e.issues().front().message});
      }
    }
    if (out_option_->count() == 0) o_.out = fmt::format("results/sweep/{}", spec.name);
    return run_sweep(o_);
  }

private:
  SweepOptions o_;
  std::optional<int> replications_;
  CLI::Option* out_option_ = nullptr;
};

// Internal: one unit of a prepared sweep (what a Slurm array task runs).
class SweepTask final : public Command {
public:
  CLI::App* attach(CLI::App& app, Session&) override {
    auto* task = app.add_subcommand("sweep-task", "");
    task->group("");
    task->add_option("WORKDIR", workdir_)->required();
    task->add_option("INDEX", index_)->required();
    return task;
  }
  int run(Session&) override { return run_sweep_task(workdir_, index_); }

private:
  std::string workdir_;
  long index_ = -1;
};

} // namespace

std::unique_ptr<Command> make_sweep_command() { return std::make_unique<Sweep>(); }
std::unique_ptr<Command> make_sweep_task_command() { return std::make_unique<SweepTask>(); }

} // namespace deplsim::commands
