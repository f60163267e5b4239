// `deplsim calibrate` (see calibrate.hpp and docs/knowledge.md).
#include "studies/calibrate.hpp"

#include "deplsim/error.hpp"
#include "report/run_outputs.hpp"
#include "report/statistics.hpp"
#include "support/csv.hpp"
#include "support/files.hpp"
#include "support/hash.hpp"
#include "support/progress.hpp"
#include "experiment/knowledge_export.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <set>
#include <stdexcept>
#include <unistd.h>

#ifndef DEPLSIM_VERSION
#define DEPLSIM_VERSION "unknown"
#endif

namespace deplsim {
namespace fs = std::filesystem;

namespace {

/// Every epoch's N losses of a schedule are held at once (8 bytes each): 10^7 x 100 epochs is 8 GB.
constexpr int kMaxReplications = 10'000'000;

void write_file(const fs::path& path, const std::string& text) { write_atomically(path, text); }

double total_samples(const Scenario& sc) {
  double q = 0;
  for (const auto& d : sc.data_sources) q += static_cast<double>(d.samples);
  return q;
}

std::size_t bucket_for(const PlannerKnowledge& kk, double samples) {
  try {
    return kk.bucket_of(samples);
  } catch (const std::out_of_range& e) {
    throw InputError(InputIssue{"", 0, 0, "model.learning.data_buckets", e.what()});
  }
}

/// P(L <= x) of a predicted distribution at ascending points `xs`, with the arithmetic of LossDistribution::cdf
/// (levels summed in order, linear within the level containing x) in one pass instead of one per point.
std::vector<double> cdf_at_sorted(const LossDistribution& d, const std::vector<double>& xs) {
  const LossGrid& g = d.grid();
  const auto& p = d.probabilities();
  const int b = g.levels();
  std::vector<double> out(xs.size());
  double s = 0;  // sum of the levels wholly at or below x
  int j = 0;     // first level with x < upper(j)
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const double x = xs[i];
    while (j < b && x >= g.upper(j)) s += p[static_cast<std::size_t>(j++)];
    double v = s;
    if (j < b && x > g.lower(j)) v += p[static_cast<std::size_t>(j)] * (x - g.lower(j)) / (g.upper(j) - g.lower(j));
    out[i] = std::min(1.0, v);
  }
  return out;
}

/// Kolmogorov-Smirnov distance sup_x |F_pred(x) - F_emp(x)| for a continuous F_pred and the empirical CDF of
/// `sorted`: evaluated at every sample (F_emp there and just below it) and at every grid bound.
double ks_distance(const LossDistribution& d, const std::vector<double>& sorted) {
  const double n = static_cast<double>(sorted.size());
  const std::vector<double> f = cdf_at_sorted(d, sorted);
  double ks = 0;
  for (std::size_t i = 0; i < sorted.size();) {
    std::size_t e = i;
    while (e < sorted.size() && sorted[e] == sorted[i]) ++e;  // ties: F_emp jumps from i/n to e/n
    ks = std::max({ks, std::abs(f[i] - static_cast<double>(i) / n), std::abs(f[i] - static_cast<double>(e) / n)});
    i = e;
  }
  const auto& bounds = d.grid().bounds();
  for (double x : bounds) {
    const double fp = d.cdf(x);
    const auto below = std::lower_bound(sorted.begin(), sorted.end(), x) - sorted.begin();
    const auto at = std::upper_bound(sorted.begin(), sorted.end(), x) - sorted.begin();
    ks = std::max({ks, std::abs(fp - static_cast<double>(below) / n), std::abs(fp - static_cast<double>(at) / n)});
  }
  return ks;
}

// Progress (support/progress.hpp): schedules calibrated out of all.
class Progress {
public:
  Progress(bool on, std::size_t total) : line_(on), total_(total) {}
  void step(std::size_t done, const std::string& what) {
    line_.show(fmt::format("calibrate: {}/{} {:<32} {}", done, total_, what,
                           line_.left(static_cast<double>(done), static_cast<double>(total_))));
  }
  void end() { line_.show(fmt::format("calibrate: {}/{} done", total_, total_), true); }

private:
  ProgressLine line_;
  std::size_t total_;
};

} // namespace

double CalibratedSchedule::worst_abs_p_error() const {
  double w = 0;
  for (const auto& r : rows) w = std::max(w, std::abs(r.p_error()));
  return w;
}
int CalibratedSchedule::worst_abs_p_error_epoch() const {
  double w = -1;
  int e = 0;
  for (const auto& r : rows)
    if (std::abs(r.p_error()) > w) w = std::abs(r.p_error()), e = r.epoch;
  return e;
}
double CalibratedSchedule::worst_ks() const {
  double w = 0;
  for (const auto& r : rows) w = std::max(w, r.ks);
  return w;
}
int CalibratedSchedule::worst_ks_epoch() const {
  double w = -1;
  int e = 0;
  for (const auto& r : rows)
    if (r.ks > w) w = r.ks, e = r.epoch;
  return e;
}

double CalibrationResult::worst_abs_p_error() const {
  double w = 0;
  for (const auto& s : schedules) w = std::max(w, s.worst_abs_p_error());
  return w;
}

double CalibrationResult::worst_final_abs_p_error() const {
  double w = 0;
  for (const auto& s : schedules) w = std::max(w, std::abs(s.final_row().p_error()));
  return w;
}

std::vector<CalibratedSchedule> calibration_schedules(const Scenario& sc) {
  std::vector<CalibratedSchedule> out;
  const int k_max = sc.target.max_epochs;
  for (std::size_t v = 0; v < sc.model.versions.size(); ++v) {
    CalibratedSchedule c;
    c.name = sc.model.versions[v].name;
    c.schedule.parts = {{v, k_max}};
    out.push_back(std::move(c));
  }
  for (const auto& sw : sc.model.switches)
    for (int s : sc.model.switch_epochs) {
      if (s <= 0 || s >= k_max) continue;
      CalibratedSchedule c;
      c.name = fmt::format("{}>{}@{}", sw.from, sw.to, s);
      c.schedule.parts = {{sw.from_index, s}, {sw.to_index, k_max - s}};
      out.push_back(std::move(c));
    }
  return out;
}

CalibrationResult calibrate(const Context& ctx, const CalibrateOptions& options) {
  if (options.replications < 1 || options.replications > kMaxReplications)
    throw InputError(InputIssue{"--replications", 0, 0, "",
                                fmt::format("must be between 1 and {}, got {}", kMaxReplications, options.replications)});
  const Scenario& sc = ctx.scenario();
  const PlannerKnowledge& kk = *ctx.knowledge;
  CalibrationResult result;
  result.samples = total_samples(sc);
  result.bucket = bucket_for(kk, result.samples);
  result.bucket_samples = kk.buckets()[result.bucket];
  result.schedules = calibration_schedules(sc);
  const double target = kk.grid()->target();
  const auto n = static_cast<std::size_t>(options.replications);
  Progress progress(options.progress, result.schedules.size());
  std::size_t done = 0;
  for (auto& cs : result.schedules) {
    progress.step(done, cs.name);
    const auto predicted = kk.each_epoch(result.samples, cs.schedule);
    const auto k = static_cast<std::size_t>(cs.schedule.total_epochs());
    std::vector<std::vector<double>> losses(k, std::vector<double>(n));
    for (std::size_t r = 0; r < n; ++r) {
      const Trajectory t = ctx.truth->trajectory(ctx.seed, Purpose::evaluation, static_cast<std::uint32_t>(r), result.samples,
                                                 cs.schedule);
      for (std::size_t e = 0; e < k; ++e) losses[e][r] = t.test[e];
    }
    for (std::size_t e = 0; e < k; ++e) {
      std::vector<double>& x = losses[e];
      const LossDistribution& d = predicted[e].first;
      CalibrationRow row;
      row.epoch = static_cast<int>(e + 1);
      double sum = 0;
      std::size_t met = 0;
      for (double v : x) {
        sum += v;
        met += v <= target ? 1 : 0;
      }
      std::sort(x.begin(), x.end());
      row.predicted_mean = predicted[e].second;
      row.empirical_mean = sum / static_cast<double>(n);
      row.predicted_q05 = d.quantile(0.05);
      row.predicted_q50 = d.quantile(0.5);
      row.predicted_q95 = d.quantile(0.95);
      row.empirical_q05 = quantile7(x, 0.05);
      row.empirical_q50 = quantile7(x, 0.5);
      row.empirical_q95 = quantile7(x, 0.95);
      row.ks = ks_distance(d, x);
      row.predicted_p_target = d.p_estimate();  // the estimate (a measured profile's claim, p_target(), is its lower bound)
      row.empirical_p_target = static_cast<double>(met) / static_cast<double>(n);
      cs.rows.push_back(row);
      std::vector<double>().swap(x);
    }
    ++done;
  }
  progress.end();
  return result;
}

nlohmann::ordered_json calibration_summary(const Context& ctx, const ContextOptions& inputs, const CalibrateOptions& options,
                                           const CalibrationResult& result) {
  using json = nlohmann::ordered_json;
  const Scenario& sc = ctx.scenario();
  const PlannerKnowledge& kk = *ctx.knowledge;
  json j;
  j["deplsim_version"] = DEPLSIM_VERSION;
  json in;
  in["scenario_sha256"] = sha256_file(inputs.scenario);
  in["overrides"] = inputs.overrides;
  j["inputs"] = in;
  j["scenario"] = sc.name;
  j["seed"] = ctx.seed;
  j["replications"] = options.replications;
  json target;
  target["loss"] = sc.target.loss;
  target["probability"] = sc.target.probability;
  target["max_epochs"] = sc.target.max_epochs;
  j["target"] = target;
  json know;
  know["description"] = kk.describe();
  know["trajectories_per_chain"] = ctx.knowledge->trajectories_per_chain();
  know["levels"] = kk.grid()->levels();
  know["target_levels"] = kk.grid()->target_levels();
  j["knowledge"] = know;
  json data;
  data["samples"] = result.samples;
  data["bucket"] = result.bucket;
  data["bucket_samples"] = result.bucket_samples;
  j["data"] = data;
  json scheds = json::array();
  for (const auto& s : result.schedules) {
    json o;
    o["schedule"] = s.name;
    json parts = json::array();
    for (const auto& p : s.schedule.parts) parts.push_back(json{{"version", sc.model.versions[p.version].name}, {"epochs", p.epochs}});
    o["parts"] = parts;
    const auto& f = s.final_row();
    o["final_epoch"] = f.epoch;
    o["predicted_p_target"] = f.predicted_p_target;
    o["empirical_p_target"] = f.empirical_p_target;
    o["p_error"] = f.p_error();
    o["predicted_mean"] = f.predicted_mean;
    o["empirical_mean"] = f.empirical_mean;
    o["worst_abs_p_error"] = s.worst_abs_p_error();
    o["worst_abs_p_error_epoch"] = s.worst_abs_p_error_epoch();
    o["worst_ks"] = s.worst_ks();
    o["worst_ks_epoch"] = s.worst_ks_epoch();
    scheds.push_back(o);
  }
  j["schedules"] = scheds;
  std::string worst_name;
  double worst = -1;
  for (const auto& s : result.schedules)
    if (std::abs(s.final_row().p_error()) > worst) worst = std::abs(s.final_row().p_error()), worst_name = s.name;
  j["worst_final_abs_p_error"] = result.worst_final_abs_p_error();
  j["worst_final_schedule"] = worst_name.empty() ? json(nullptr) : json(worst_name);
  j["worst_abs_p_error"] = result.worst_abs_p_error();
  j["tolerance"] = kCalibrationTolerance;
  j["verdict"] = result.ok() ? "ok" : "miscalibrated";
  return j;
}

std::string calibration_table(const Context& ctx, const CalibrateOptions& options, const CalibrationResult& result) {
  const Scenario& sc = ctx.scenario();
  std::size_t w = 8;
  for (const auto& s : result.schedules) w = std::max(w, s.name.size());
  std::string t = fmt::format(
      "calibration of {} (seed {}): knowledge from {} training trajectories per chain, {} evaluation replications, "
      "{} samples (data bucket {})\n",
      sc.name, ctx.seed, ctx.knowledge->trajectories_per_chain(), options.replications, result.samples, result.bucket_samples);
  t += fmt::format("  {:<{}}  {:>5}  {:>8}  {:>8}  {:>8}  {:>14}  {:>8}\n", "schedule", w, "epoch", "P pred", "P emp",
                   "|error|", "worst |error|", "worst KS");
  for (const auto& s : result.schedules) {
    const auto& f = s.final_row();
    t += fmt::format("  {:<{}}  {:>5}  {:>8.4f}  {:>8.4f}  {:>8.4f}  {:>8.4f} @{:<4}  {:>8.4f}\n", s.name, w, f.epoch,
                     f.predicted_p_target, f.empirical_p_target, std::abs(f.p_error()), s.worst_abs_p_error(),
                     s.worst_abs_p_error_epoch(), s.worst_ks());
  }
  t += fmt::format("  P = P(L <= {}) after the final epoch; worst |error| over every plan length (epoch) {:.4f} "
                   "(tolerance {}): {}\n",
                   sc.target.loss, result.worst_abs_p_error(), kCalibrationTolerance, result.ok() ? "ok" : "miscalibrated");
  return t;
}

void write_calibration(const fs::path& dir, bool force, const Context& ctx, const ContextOptions& inputs,
                       const CalibrateOptions& options, const CalibrationResult& result) {
  PartialFolder work(check_output_dir(dir.string(), force));  // removed unless published
  const fs::path& partial = work.path();

  std::string csv =
      "schedule,epoch,predicted_mean,empirical_mean,predicted_q05,empirical_q05,predicted_q50,empirical_q50,predicted_q95,"
      "empirical_q95,ks,predicted_p_target,empirical_p_target,p_error\n";
  for (const auto& s : result.schedules)
    for (const auto& r : s.rows)
      csv += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", s.name, r.epoch, csv_number(r.predicted_mean),
                         csv_number(r.empirical_mean), csv_number(r.predicted_q05), csv_number(r.empirical_q05),
                         csv_number(r.predicted_q50), csv_number(r.empirical_q50), csv_number(r.predicted_q95),
                         csv_number(r.empirical_q95), csv_number(r.ks), csv_number(r.predicted_p_target),
                         csv_number(r.empirical_p_target), csv_number(r.p_error()));
  write_file(partial / "calibration.csv", csv);
  write_file(partial / "summary.json", calibration_summary(ctx, inputs, options, result).dump(2) + "\n");
  export_knowledge(partial / "knowledge", ctx);

  work.publish();
}

} // namespace deplsim
