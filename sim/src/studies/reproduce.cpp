#include "studies/reproduce.hpp"

#include "deplsim/error.hpp"
#include "support/process.hpp"
#include "studies/sweep.hpp"
#include "scenario/names.hpp"
#include "report/run_outputs.hpp"
#include "support/files.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <unistd.h>

namespace deplsim {
namespace fs = std::filesystem;

int run_reproduce(const ReproduceOptions& o) {
  if (o.what != "paper")
    throw InputError(InputIssue{"reproduce", 0, 0, "", fmt::format("unknown experiment '{}' (known: paper)", o.what)});
  const fs::path data(o.data_dir);
  const fs::path sweeps = !o.sweeps.empty() ? fs::path(o.sweeps) : data / "scenarios" / "sweeps" / (o.quick ? "quick" : "paper");
  const fs::path figures = data / "analysis" / "figures.py";
  const fs::path report = data / "analysis" / "report.py";
  for (const auto& p : {sweeps, figures, report})
    if (std::error_code ec; !fs::exists(p, ec))
      throw InputError(InputIssue{"reproduce", 0, 0, "", fmt::format("cannot find {} (set DEPLSIM_DATA_DIR to deplsim's source tree)", p.string())});
  const char* python = "/usr/bin/python3";
  if (access(python, X_OK) != 0)
    throw InputError(InputIssue{"reproduce", 0, 0, "", "needs /usr/bin/python3 with Debian's matplotlib and pandas (apt-get install python3-matplotlib python3-pandas)"});

  std::vector<fs::path> files;
  std::error_code listed;
  for (fs::directory_iterator it(sweeps, listed), end; !listed && it != end; it.increment(listed))
    if (it->path().extension() == ".yaml") files.push_back(it->path());
  if (listed)
    throw InputError(InputIssue{"--sweeps", 0, 0, "", fmt::format("cannot read the folder '{}': {}", sweeps.string(), listed.message())});
  if (files.empty())
    throw InputError(InputIssue{"--sweeps", 0, 0, "", fmt::format("'{}' holds no sweep file (*.yaml)", sweeps.string())});
  std::sort(files.begin(), files.end());
  // Each file's name names its sweep's folder under sweeps/: a file named "...yaml" must not make it "..".
  for (const auto& f : files)
    if (auto problem = name_problem(f.stem().string()))
      throw InputError(InputIssue{f.string(), 0, 0, "", "the file name cannot name a sweep folder: " + *problem});
  const fs::path work = resumable_work_dir(o.out, o.force, o.resume, "reproduction");
  fs::path dir = work;
  dir.replace_extension();  // DIR (work is DIR.partial)
  std::error_code ec;
  fs::create_directories(work / "sweeps");
  const auto t0 = std::chrono::steady_clock::now();
  int worst = 0;
  for (std::size_t i = 0; i < files.size(); ++i) {
    const std::string name = files[i].stem().string();
    fmt::print(stderr, "[reproduce] sweep {}/{}: {} ({})\n", i + 1, files.size(), name, files[i].string());
    SweepOptions so;
    so.sweep_file = files[i].string();
    so.out = (work / "sweeps" / name).string();
    so.jobs = o.jobs;
    so.resume = true;  // a finished sweep is kept; an interrupted one resumes
    so.self = o.self;
    so.data_dir = o.data_dir;
    const int rc = run_sweep(so);
    if (rc == 130) return 130;
    worst = std::max(worst, rc);
  }
  // Runs one analysis script (python SCRIPT ARGS...), its output logged to WORK/STEM.log and shown if it fails.
  auto run_script = [&](const fs::path& script, const std::vector<std::string>& args) {
    fmt::print(stderr, "[reproduce] {}\n", script.filename().string());
    const fs::path log = work / (script.stem().string() + ".log");
    std::vector<std::string> command = {python, script.string()};
    command.insert(command.end(), args.begin(), args.end());
    if (const int rc = run_process(command, log); rc != 0) {
      fmt::print(stderr, "{}", read_text(log));
      throw std::runtime_error(fmt::format("{} failed (exit {}); its output is above and in {}", script.filename().string(), rc, log.string()));
    }
    fs::remove(log, ec);
  };
  // Two plan-only studies; report.py adds their tables. How depl's plans move with the platform's assumed figures
  // (docs/platforms.md section 9), and the paper scenarios under the richer training model (docs/results.md): every
  // paper scenario, or one with --quick (the richer-model study then without the optimum, its slowest planner).
  struct Study {
    const char* script;
    std::vector<std::string> quick_args;
  };
  for (const Study& study : {Study{"sensitivity.py", {"--scenarios", "alexnet-cifar10"}},
                             Study{"model_variants.py", {"--scenarios", "alexnet-cifar10", "--orchestrators",
                                                         "full-only,pruned-only,expected-loss+margin,depl"}}}) {
    const fs::path script = data / "analysis" / study.script;
    std::vector<std::string> args = {"--deplsim", o.self, "--out", (work / script.stem()).string()};
    if (o.quick) args.insert(args.end(), study.quick_args.begin(), study.quick_args.end());
    run_script(script, args);
  }
  for (const auto& script : {figures, report}) run_script(script, {work.string()});
  publish_directory(work, dir);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  fmt::print(stderr, "[reproduce] done in {:.0f} s: {}/report.html, {}/results.md, figures in {}/figures/\n", s, dir.string(),
             dir.string(), dir.string());
  return worst;
}

} // namespace deplsim
