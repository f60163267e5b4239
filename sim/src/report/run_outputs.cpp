// Writing the outputs of a run (see run_outputs.hpp and docs/outputs.md).
#include "report/run_outputs.hpp"

#include "experiment/plan_json.hpp"
#include "support/csv.hpp"
#include "support/files.hpp"
#include "support/hash.hpp"
#include "support/kill_point.hpp"
#include "report/statistics.hpp"

#include <fmt/format.h>
#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <unistd.h>

#ifndef DEPLSIM_VERSION
#define DEPLSIM_VERSION "unknown"
#endif

namespace deplsim {
namespace fs = std::filesystem;

namespace {

nlohmann::ordered_json pair(const std::array<double, 2>& a) { return nlohmann::ordered_json::array({a[0], a[1]}); }

// docs/outputs.md 3.3: judged on the independent runs (replications, or the distinct measured seeds a profile's
// replications resample): see guarantee_verdict.
const char* guarantee(const Scenario& sc, const RunResult& r, long long k, std::size_t independent) {
  if (r.plan.status != PlanStatus::ok) return "unknown";
  return guarantee_verdict(k, static_cast<long long>(independent), sc.target.probability);
}

// Each file is written whole and fsynced before the folder is published (support/files.hpp).
void write_file(const fs::path& path, const std::string& text) { write_atomically(path, text); }

// Where the mean energy went (docs/outputs.md 3.6): by phase, each part the mean over the replications of the energy
// drawn while that phase ran, and by kind (hosts, links); each set adds up to energy_j_mean; the hosts' part by
// cluster (training nodes only) and the links' part by link class.
nlohmann::ordered_json energy_breakdown(const Scenario& sc, const PlatformView& pf, const std::vector<ReplicationRow>& rows) {
  static const char* const kPhases[] = {"shipping", "compute", "synchronisation", "checkpoints", "other"};
  std::array<double, 5> phase{};
  double hosts = 0, links = 0, transmit = 0;
  for (const auto& r : rows) {
    for (std::size_t i = 0; i < phase.size(); ++i) phase[i] += r.phase_energy_j[i];
    hosts += r.host_energy_j;
    links += r.link_energy_j;
    transmit += r.transmit_energy_j;
  }
  const double n = static_cast<double>(std::max<std::size_t>(rows.size(), 1));
  nlohmann::ordered_json by_phase;
  for (std::size_t i = 0; i < phase.size(); ++i) by_phase[kPhases[i]] = phase[i] / n;
  nlohmann::ordered_json out;
  out["by_phase"] = by_phase;
  out["by_kind"] = {{"hosts", hosts / n}, {"links", links / n}, {"transmit", transmit / n}};
  // The training nodes' energy by cluster (the hosts of by_kind, split; a cluster never used draws nothing).
  std::vector<double> cluster(sc.clusters.size(), 0.0);
  for (const auto& r : rows)
    for (std::size_t c = 0; c < cluster.size() && c < r.cluster_host_energy_j.size(); ++c) cluster[c] += r.cluster_host_energy_j[c];
  nlohmann::ordered_json by_cluster;
  for (std::size_t c = 0; c < cluster.size(); ++c) by_cluster[sc.clusters[c].name] = cluster[c] / n;
  out["by_cluster_hosts"] = by_cluster;
  // The links' energy by link class (the links of by_kind, split; every class of the platform, used or not).
  const std::vector<std::string> classes = pf.link_classes();
  std::vector<double> per_class(classes.size(), 0.0);
  for (const auto& r : rows)
    for (std::size_t c = 0; c < per_class.size() && c < r.link_class_energy_j.size(); ++c) per_class[c] += r.link_class_energy_j[c];
  nlohmann::ordered_json by_class = nlohmann::ordered_json::object();
  for (std::size_t c = 0; c < classes.size(); ++c) by_class[classes[c]] = per_class[c] / n;
  out["by_link_class"] = by_class;
  double lost = 0;
  for (const auto& r : rows) lost += r.energy_lost_j;
  out["lost_work"] = lost / n;
  return out;
}

// summary.json's "simulation": how the cost was simulated, and how an epoch runs.
nlohmann::ordered_json simulation_json(const Scenario& sc, const RunResult& result) {
  using json = nlohmann::ordered_json;
  json sim;
  sim["mode"] = result.simulation_mode.empty() ? json(nullptr) : json(result.simulation_mode);
  sim["simulated_replications"] = result.simulated_replications;
  sim["rounds_per_epoch"] = sc.training.rounds_per_epoch;
  if (sc.training.mode == TrainingMode::iterations) {  // docs/model.md 4.14 (absent in rounds mode)
    double samples = 0;
    for (const auto& name : result.plan.data_sources)
      if (auto s = sc.source_index(name)) samples += static_cast<double>(sc.data_sources[*s].samples);
    sim["training_mode"] = "iterations";
    sim["batch_size"] = sc.model.batch_size;
    sim["iterations_per_epoch"] = sc.iterations_per_epoch(samples);
    sim["bucket_bytes"] = sc.training.bucket_bytes;
    sim["sync_every"] = sc.training.sync_every;
  }
  return sim;
}

} // namespace

nlohmann::ordered_json summary_json(const Context& ctx, const ContextOptions& inputs, const RunOptions& options,
                                    const RunResult& result) {
  using json = nlohmann::ordered_json;
  const Scenario& sc = ctx.scenario();
  json j;
  j["deplsim_version"] = DEPLSIM_VERSION;
  j["simgrid_version"] = ctx.platform().simgrid_version;
  json in;
  in["scenario_sha256"] = sha256_file(inputs.scenario);
  in["platform_sha256"] = sha256_file(sc.platform);
  const LearningSpec& learning = ctx.loaded.learning;
  in["profile_sha256"] = learning.kind == "traces" ? json(sha256_file(learning.profile)) : json(nullptr);
  in["overrides"] = inputs.overrides;
  in["simgrid_cfg"] = sc.simgrid_cfg;
  j["inputs"] = in;
  j["scenario"] = sc.name;
  j["orchestrator"] = options.orchestrator;
  j["seed"] = ctx.seed;
  j["replications"] = options.replications;
  const std::size_t n = result.rows.size();
  long long met = 0;
  std::vector<double> losses, energies, times;
  for (const auto& r : result.rows) {
    met += r.target_met ? 1 : 0;
    if (!std::isnan(r.final_loss)) losses.push_back(r.final_loss);
    energies.push_back(r.energy_j);
    times.push_back(r.time_s);
  }
  // With a measured profile, replications resample a finite set of evaluation seeds: P and its interval count
  // each distinct seed once (its loss is the same in every replication that draws it), not the resamples.
  long long k = met;
  std::size_t independent = n;
  {
    std::map<std::uint64_t, bool> by_run;
    bool finite = false;
    for (const auto& r : result.rows)
      if (auto id = ctx.truth->run_of(ctx.seed, Purpose::evaluation, static_cast<std::uint32_t>(r.replication))) {
        finite = true;
        by_run.emplace(*id, r.target_met);
      }
    if (finite) {
      independent = by_run.size();
      k = 0;
      for (const auto& [id, m] : by_run) k += m ? 1 : 0;
    }
  }
  const double p_emp = independent > 0 ? static_cast<double>(k) / static_cast<double>(independent) : 0.0;
  j["status"] = to_string(result.plan.status);
  if (!result.plan.reason.empty()) j["reason"] = result.plan.reason;
  j["guarantee"] = guarantee(sc, result, k, independent);
  json target;
  target["loss"] = sc.target.loss;
  target["probability"] = sc.target.probability;
  target["deadline_s"] = sc.target.deadline_s ? json(*sc.target.deadline_s) : json(nullptr);
  target["max_epochs"] = sc.target.max_epochs;
  j["target"] = target;
  j["plan"] = plan_to_json(result.plan);
  if (n == 0) {
    j["quality"] = nullptr;
    j["cost"] = nullptr;
  } else {
    std::sort(losses.begin(), losses.end());
    json q;
    q["p_target_met"] = p_emp;
    q["p_target_met_ci95"] = pair(wilson95(k, static_cast<long long>(independent)));
    q["independent_runs"] = independent;
    q["loss_mean"] = losses.empty() ? json(nullptr) : json(mean_ci95(losses).mean);
    json qs;
    for (const char* p : {"0.05", "0.5", "0.95"}) qs[p] = losses.empty() ? json(nullptr) : json(quantile7(losses, std::stod(p)));
    q["loss_quantiles"] = qs;
    j["quality"] = q;
    json c;
    const MeanCI e = mean_ci95(energies);
    const MeanCI t = mean_ci95(times);
    c["energy_j_mean"] = e.mean;
    c["energy_j_ci95"] = pair(e.ci95);
    c["time_s_mean"] = t.mean;
    c["time_s_ci95"] = pair(t.ci95);
    c["energy_breakdown_j"] = energy_breakdown(sc, ctx.platform(), result.rows);
    j["cost"] = c;
  }
  if (has_faults(sc, ctx.loaded.faults) && n > 0) {
    // Faults: means over the replications, and how many could not be completed.
    json f;
    double failures = 0, lost = 0, lost_e = 0, replans = 0;
    long long failed = 0, missed = 0;
    for (const auto& r : result.rows) {
      failures += r.failures;
      lost += r.work_lost_s;
      lost_e += r.energy_lost_j;
      replans += r.replans;
      failed += r.state == "failed" ? 1 : 0;
      missed += r.state == "missed" ? 1 : 0;
    }
    const double nn = static_cast<double>(n);
    f["failures_mean"] = failures / nn;
    f["work_lost_s_mean"] = lost / nn;
    f["energy_lost_j_mean"] = lost_e / nn;
    f["replans_mean"] = replans / nn;
    f["met"] = met;
    f["missed"] = missed;
    f["failed"] = failed;
    f["checkpoint_every"] = sc.faults.checkpoint_every;
    j["faults"] = f;
  }
  j["simulation"] = simulation_json(sc, result);
  return j;
}

void write_run_outputs(const fs::path& work, const fs::path& dir, const Context& ctx, const ContextOptions& inputs,
                       const RunOptions& options, const RunResult& result,
                       const std::function<void(const fs::path&)>& before_publish) {
  const fs::path& partial = work;
  std::error_code ec;
  fs::create_directories(partial, ec);
  if (ec) throw_write_error(partial, "create the folder", ec.value());

  write_file(partial / "summary.json", summary_json(ctx, inputs, options, result).dump(2) + "\n");
  test_kill_point("run:writing");

  std::string reps = "replication,state,final_loss,target_met,energy_j,time_s,epochs,failures,work_lost_s,energy_lost_j,replans\n";
  for (const auto& r : result.rows)
    reps += fmt::format("{},{},{},{},{},{},{},{},{},{},{}\n", r.replication, r.state, csv_number(r.final_loss), r.target_met ? 1 : 0,
                        csv_number(r.energy_j), csv_number(r.time_s), r.epochs, r.failures, csv_number(r.work_lost_s),
                        csv_number(r.energy_lost_j), r.replans);
  write_file(partial / "replications.csv", reps);

  std::string trace = "replication,epoch,version,cluster,nodes,sim_time_s,energy_j,val_loss,test_loss,event\n";
  for (const auto& t : result.trace)
    trace += fmt::format("{},{},{},{},{},{},{},{},{},{}\n", t.replication, t.epoch, t.version, t.cluster,
                         t.nodes >= 0 ? std::to_string(t.nodes) : std::string(), csv_number(t.sim_time_s), csv_number(t.energy_j),
                         csv_number(t.val_loss), csv_number(t.test_loss), [&] { std::string e = t.event; std::replace(e.begin(), e.end(), ',', ';'); return e; }());
  write_file(partial / "trace.csv", trace);

  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  nlohmann::ordered_json timing;
  timing["planner_wall_s"] = result.planner_wall_s;
  timing["simulation_wall_s"] = result.simulation_wall_s;
  timing["peak_rss_mb"] = static_cast<double>(ru.ru_maxrss) / 1024.0;
  timing["replications_per_s"] = result.simulation_wall_s > 0
                                     ? nlohmann::ordered_json(static_cast<double>(result.rows.size()) / result.simulation_wall_s)
                                     : nlohmann::ordered_json(nullptr);
  timing["simgrid_activities"] = result.activities;
  timing["activities_per_s"] = result.engine_wall_s > 0
                                   ? nlohmann::ordered_json(static_cast<double>(result.activities) / result.engine_wall_s)
                                   : nlohmann::ordered_json(nullptr);
  write_file(partial / "timing.json", timing.dump(2) + "\n");

  if (before_publish) before_publish(partial);  // (run-state.json still there: a kill while drawing keeps the plan)
  fs::remove(partial / "run-state.json", ec);
  test_kill_point("run:publish");
  publish_directory(partial, dir);
}


} // namespace deplsim
