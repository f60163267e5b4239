// `deplsim compare` (see compare.hpp).
#include "studies/compare.hpp"
#include "studies/figures.hpp"
#include "support/process.hpp"

#include "deplsim/error.hpp"
#include "report/run_outputs.hpp"
#include "report/statistics.hpp"
#include "support/csv.hpp"
#include "support/exit_codes.hpp"
#include "support/files.hpp"
#include "support/interrupt.hpp"
#include "support/progress.hpp"
#include "report/comparison.hpp"
#include "experiment/external.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

namespace deplsim {
namespace fs = std::filesystem;
namespace {

struct Unit {
  std::string orchestrator;
  int exit_code = -1;
  std::string failure;  // empty when the unit produced results (ok or infeasible)
  nlohmann::json summary;
  nlohmann::json timing;
  std::vector<double> energies;  // per replication
  std::vector<double> epochs;    // per replication: epochs trained (an adaptive plan stops early; faults re-run work)
};

std::string num(const nlohmann::json& v) { return csv_num(v); }
std::string field(const std::string& s) { return csv_field(s); }

// Orchestrator i's unit: `deplsim run` in its own process (its output in partial/NAME), then its summary, timing and
// per-replication energies read back; `failure` says why when it produced no results.
Unit run_one(const CompareOptions& o, const fs::path& partial, std::size_t i) {
  Unit u;
  u.orchestrator = o.orchestrators[i];
  if (!quiet()) fmt::print(stderr, "[{}/{}] {}\n", i + 1, o.orchestrators.size(), u.orchestrator);
  // No figures per unit: the comparison draws its own, for all of them.
  std::vector<std::string> args = {o.self, "run", o.scenario, "--orchestrator", u.orchestrator, "--out",
                                   (partial / u.orchestrator).string(), "--no-figures"};
  for (const auto& p : o.plugins) {
    args.emplace_back("--plugin");
    args.push_back(p);
  }
  if (u.orchestrator == kExternalOrchestrator) {
    args.emplace_back("--external-cmd");
    args.push_back(o.external_cmd);
  }
  args.insert(args.end(), o.run_arguments.begin(), o.run_arguments.end());
  const fs::path log = partial / (u.orchestrator + ".log");
  u.exit_code = run_process(args, log);
  if (u.exit_code == 0 || u.exit_code == 3) {
    try {
      u.summary = nlohmann::json::parse(read_text(partial / u.orchestrator / "summary.json"));
      u.timing = nlohmann::json::parse(read_text(partial / u.orchestrator / "timing.json"));
      std::ifstream reps(partial / u.orchestrator / "replications.csv");
      std::string line;
      std::getline(reps, line);
      while (std::getline(reps, line)) {
        std::vector<std::string> f;
        std::stringstream ss(line);
        std::string x;
        while (std::getline(ss, x, ',')) f.push_back(x);
        if (f.size() >= 5) u.energies.push_back(std::stod(f[4]));
        if (f.size() >= 7) u.epochs.push_back(std::stod(f[6]));
      }
      fs::remove(log);
    } catch (const std::exception& e) {
      u.failure = fmt::format("its results could not be read: {}", e.what());
    }
  } else {
    u.failure = fmt::format("exit {}: {}", u.exit_code, last_lines(read_text(log), 3));
    std::error_code ec;  // what a failed unit left to resume: a compare does not resume its units
    fs::remove_all(partial / (u.orchestrator + ".partial"), ec);
  }
  return u;
}

// The optimum's simulated mean energy, when the optimum is among the orchestrators and found a plan, and how its
// solver ended.
struct Optimum {
  std::optional<double> energy;
  std::string solver;
};

Optimum find_optimum(const std::vector<Unit>& units) {
  Optimum out;
  for (const auto& u : units) {
    if (!u.failure.empty()) continue;
    if (auto e = optimum_energy_of(u.summary)) {
      out.energy = e;
      const auto& sv = u.summary["plan"]["solver"];
      if (sv.is_object()) {
        out.solver = sv["status"] == "optimal" ? std::string("proven optimal")
                                               : fmt::format("{}, gap {:.3g}", sv["status"].get<std::string>(),
                                                             sv["gap"].is_number() ? sv["gap"].get<double>() : 0.0);
        const std::string certified = sv.value("certified_plan", std::string());
        if (certified == "epoch_moved") out.solver = "its MILP " + out.solver + "; the plan certified at other epochs than the MILP's";
        if (certified == "anchor") out.solver = "its MILP " + out.solver + "; a version alone certified, the MILP's plan not or dearer";
      }
    }
  }
  return out;
}

// comparison.csv: one line per orchestrator.
std::string comparison_csv(const std::vector<Unit>& units, std::optional<double> optimum_energy) {
  std::string csv = std::string("orchestrator,") + kComparisonHeader + "\n";
  for (const auto& u : units) {
    if (!u.failure.empty()) {
      csv += fmt::format("{},error,unknown{}\n", field(u.orchestrator), empty_comparison_columns().substr(1));
      continue;
    }
    csv += fmt::format("{},{}\n", field(u.orchestrator), comparison_columns(u.summary, optimum_energy));
  }
  return csv;
}

// timings.csv: the planner's and the simulation's wall times, memory and speed of each orchestrator's unit.
std::string timings_csv(const std::vector<Unit>& units) {
  std::string timings = "orchestrator,planner_wall_s,simulation_wall_s,peak_rss_mb,replications_per_s\n";
  for (const auto& u : units) {
    if (!u.failure.empty()) {
      timings += fmt::format("{},,,,\n", field(u.orchestrator));
      continue;
    }
    timings += fmt::format("{},{},{},{},{}\n", field(u.orchestrator), num(u.timing["planner_wall_s"]),
                           num(u.timing["simulation_wall_s"]), num(u.timing["peak_rss_mb"]), num(u.timing["replications_per_s"]));
  }
  return timings;
}

std::string fixed4(const nlohmann::json& v) { return v.is_number() ? fmt::format("{:.4f}", v.get<double>()) : std::string(); }
std::string general6(const nlohmann::json& v) { return v.is_number() ? fmt::format("{:.6g}", v.get<double>()) : std::string(); }

// A unit's plan in words, and the earlier orchestrator whose plan it is, if any (same data sources and segments:
// a coincidence, not a fallback).
std::string plan_text(const Unit& u, const std::vector<Unit>& units) {
  const auto& s = u.summary;
  std::string plan;
  for (const auto& seg : s["plan"]["segments"])
    plan += fmt::format("{}{} on {} x{} ps{}, {} ep", plan.empty() ? "" : " + ", seg["version"].get<std::string>(),
                        seg["cluster"].get<std::string>(), seg["nodes"].dump(), seg["pstate"].dump(), seg["epochs"].dump());
  if (plan.empty()) plan = s.value("reason", "");
  // Replications that trained other epochs than the plan's (an adaptive orchestrator stops early, or re-plans):
  // the plan is an upper bound, and what ran is shown.
  int planned = 0;
  for (const auto& seg : s["plan"]["segments"]) planned += seg["epochs"].get<int>();
  if (!u.epochs.empty() && std::any_of(u.epochs.begin(), u.epochs.end(), [&](double e) { return e != planned; })) {
    std::vector<double> sorted = u.epochs;
    std::sort(sorted.begin(), sorted.end());
    double mean = 0;
    for (double e : sorted) mean += e / static_cast<double>(sorted.size());
    plan = fmt::format("up to: {}; epochs run: mean {:.1f}, 5-95% {:g}-{:g}", plan, mean, quantile7(sorted, 0.05), quantile7(sorted, 0.95));
  }
  for (const auto& other : units) {
    if (&other == &u) break;
    if (other.failure.empty() && s["status"] == "ok" && other.summary["status"] == "ok" &&
        other.summary["plan"]["data_sources"] == s["plan"]["data_sources"] &&
        other.summary["plan"]["segments"] == s["plan"]["segments"]) {
      plan += fmt::format(" (same plan as {})", other.orchestrator);
      break;
    }
  }
  return plan;
}

// The table for people: one row per orchestrator.
std::string markdown_table(const std::vector<Unit>& units) {
  std::string md = "| orchestrator | status | guarantee | P predicted | P simulated [95% CI] | energy J [95% CI] | time s | plan |\n";
  md += "|---|---|---|---|---|---|---|---|\n";
  for (const auto& u : units) {
    if (!u.failure.empty()) {
      md += fmt::format("| {} | failed | | | | | | {} |\n", u.orchestrator, u.failure);
      continue;
    }
    const auto& s = u.summary;
    const auto& q = s["quality"];
    const auto& c = s["cost"];
    const std::string plan = plan_text(u, units);
    md += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} |\n", u.orchestrator, s["status"].get<std::string>(),
                      s["guarantee"].get<std::string>(), fixed4(s["plan"]["predicted"]["p_target_met"]),
                      q.is_null() ? "" : fmt::format("{} [{}, {}]", fixed4(q["p_target_met"]), fixed4(q["p_target_met_ci95"][0]), fixed4(q["p_target_met_ci95"][1])),
                      c.is_null() ? "" : fmt::format("{} [{}, {}]", general6(c["energy_j_mean"]), general6(c["energy_j_ci95"][0]), general6(c["energy_j_ci95"][1])),
                      c.is_null() ? "" : general6(c["time_s_mean"]), plan);
  }
  return md;
}

// Energy relative to the optimum's plan, when the optimum found one.
std::string relative_to_optimum(const std::vector<Unit>& units, const Optimum& optimum) {
  if (!optimum.energy) return "";
  std::string md = fmt::format("\nEnergy relative to the optimum's plan ({}; simulated means; the optimum is the cheapest fixed plan "
                               "of the planning model: a plan below it stops early (adaptive), was certified differently, or "
                               "misses its guarantee — the guarantee column says whether it held):\n\n"
                               "| orchestrator | guarantee | energy vs optimum |\n|---|---|---|\n",
                               optimum.solver.empty() ? "solver status unknown" : optimum.solver);
  for (const auto& u : units)
    if (u.failure.empty() && u.summary["status"] == "ok" && u.summary["cost"].is_object() && u.summary["cost"]["energy_j_mean"].is_number())
      md += fmt::format("| {} | {} | {:+.2f}% |\n", u.orchestrator, u.summary["guarantee"].get<std::string>(),
                        100.0 * (u.summary["cost"]["energy_j_mean"].get<double>() / *optimum.energy - 1.0));
  return md;
}

// Paired energy differences against the first orchestrator (other minus it, per replication).
std::string paired_differences(const std::vector<Unit>& units) {
  const Unit* first = units.empty() ? nullptr : &units.front();
  if (first == nullptr || !first->failure.empty() || first->energies.empty()) return "";
  std::string rows;
  const MeanCI base = mean_ci95(first->energies);
  for (std::size_t i = 1; i < units.size(); ++i) {
    const Unit& u = units[i];
    if (!u.failure.empty() || u.energies.size() != first->energies.size()) continue;
    std::vector<double> d;
    for (std::size_t r = 0; r < u.energies.size(); ++r) d.push_back(u.energies[r] - first->energies[r]);
    const MeanCI m = mean_ci95(d);
    rows += fmt::format("| {} | {} | {:.6g} [{:.6g}, {:.6g}] | {:+.1f}% |\n", u.orchestrator, u.summary["guarantee"].get<std::string>(),
                        m.mean, m.ci95[0], m.ci95[1], base.mean != 0 ? 100.0 * m.mean / base.mean : 0.0);
  }
  if (rows.empty()) return "";
  return fmt::format("\nPaired energy differences against `{}` (guarantee {}; other minus it, per replication, mean and 95% "
                     "interval):\n\n| orchestrator | guarantee | energy difference J [95% CI] | relative |\n|---|---|---|---|\n{}",
                     first->orchestrator, first->summary["guarantee"].get<std::string>(), rows);
}

// comparison.md: the table for people, and paired energy differences against the first orchestrator.
std::string comparison_md(const std::vector<Unit>& units, const Optimum& optimum) {
  std::string md = "# Comparison\n\n";
  const Unit* first = units.empty() ? nullptr : &units.front();
  if (first != nullptr && first->failure.empty()) {
    const auto& s = first->summary;
    md += fmt::format("Scenario `{}`, seed {}, {} replications per orchestrator; target P(L <= {}) >= {}.\n\n",
                      s["scenario"].get<std::string>(), s["seed"].dump(), s["replications"].dump(), s["target"]["loss"].dump(),
                      s["target"]["probability"].dump());
  }
  md += markdown_table(units);
  std::string notes;
  for (const auto& u : units)
    if (u.failure.empty())
      if (const std::string note = undecided_note(u.summary, u.summary.value("replications", 0LL)); !note.empty())
        notes += fmt::format("- {}: {}.\n", u.orchestrator, note);
  if (!notes.empty()) md += "\n" + notes;
  md += relative_to_optimum(units, optimum);
  md += paired_differences(units);
  return md;
}

} // namespace

int run_compare(const CompareOptions& o) {
  static const std::regex safe("[A-Za-z0-9][A-Za-z0-9._+-]*");
  for (const auto& name : o.orchestrators)
    if (!std::regex_match(name, safe))
      throw InputError(InputIssue{"--orchestrators", 0, 0, "", fmt::format("'{}' is not a valid orchestrator name", name)});
  const fs::path dir = check_output_dir(o.out, o.force);
  PartialFolder work(dir);  // removed unless published: a failed compare leaves nothing
  const fs::path& partial = work.path();

  std::vector<Unit> units;
  {
    // SIGINT/SIGTERM: passed on to the running unit (wait_process), which stops (an external orchestrator's whole
    // process tree with it) and exits 130; no further unit starts.
    const InterruptGuard guard(/*restart=*/false, /*once=*/true);
    for (std::size_t i = 0; i < o.orchestrators.size() && interrupt_signal() == 0; ++i) units.push_back(run_one(o, partial, i));
    if (const int sig = interrupt_signal(); sig != 0) {
      fmt::print(stderr, "\ninterrupted (signal {}): the running unit stopped, nothing written under {}\n", sig, dir.string());
      return exit_code::interrupted;
    }
  }

  const Optimum optimum = find_optimum(units);
  const std::string csv = comparison_csv(units, optimum.energy);
  const std::string timings = timings_csv(units);
  write_atomically(partial / "comparison.csv", csv);
  write_atomically(partial / "timings.csv", timings);
  write_atomically(partial / "comparison.md", comparison_md(units, optimum));

  // The figures and report.html, in the folder before it is published (all of it appears at once); a failed
  // drawing is a note, the results stand without it.
  if (!o.figures_data_dir.empty()) draw_figures("compare_figures.py", partial.string(), o.figures_data_dir);
  work.publish();

  int failed = 0;
  std::string report = read_text(dir / "comparison.md");
  fmt::print("{}", report);
  for (const auto& u : units)
    if (!u.failure.empty()) {
      ++failed;
      fmt::print(stderr, "error: orchestrator '{}' failed: {}\n", u.orchestrator, u.failure);
    }
  fmt::print("results in {}\n", dir.string());
  return failed > 0 ? 4 : 0;
}

} // namespace deplsim
