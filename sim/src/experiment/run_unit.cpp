// The unit of work (see run_unit.hpp).
#include "experiment/run_unit.hpp"

#include "deplsim/learning.hpp"
#include "platform/link_props.hpp"

#include <fmt/format.h>

#include <chrono>
#include <stdexcept>

namespace deplsim {
namespace {

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// Progress with time left, on a terminal only.
class Progress {
public:
  explicit Progress(bool on) : on_(on), start_(std::chrono::steady_clock::now()) {}
  void operator()(int done, int total) {
    if (!on_) return;
    const double elapsed = seconds_since(start_);
    const double left = done > 0 ? elapsed / done * (total - done) : 0.0;
    fmt::print(stderr, "\rsimulating replication {}/{}, {:.0f} s left   ", done, total, left);
    if (done == total) fmt::print(stderr, "\n");
  }

private:
  bool on_;
  std::chrono::steady_clock::time_point start_;
};

} // namespace

RunResult run_unit(const Context& ctx, Orchestrator& orchestrator, const RunOptions& options) {
  RunResult result;
  const Problem problem = ctx.problem();
  const auto t_plan = std::chrono::steady_clock::now();
  result.plan = orchestrator.plan(problem);
  result.planner_wall_s = seconds_since(t_plan);
  const auto problems = validate_plan(problem, result.plan, options.orchestrator);
  if (!problems.empty()) {
    std::string all;
    for (const auto& p : problems) all += (all.empty() ? "" : "\n") + p;
    throw std::runtime_error(all);
  }
  if (result.plan.status != PlanStatus::ok) return result;

  const Scenario& sc = ctx.scenario();
  const bool random_cost = platform_has_profiles(sc.platform);
  const bool every = options.simulate_every || random_cost;
  result.simulation_mode = every ? "every" : "once";
  result.simulated_replications = every ? options.replications : 1;

  ExecutorOptions eo;
  eo.simgrid_cfg = sc.simgrid_cfg;
  eo.simgrid_log = options.simgrid_log;
  Progress progress(options.progress && every);
  eo.progress = [&progress](int d, int t) { progress(d, t); };
  const auto t_sim = std::chrono::steady_clock::now();
  const std::vector<CostTrace> costs = simulate_plan(sc, ctx.platform(), *ctx.cost, result.plan, result.simulated_replications, eo);
  result.engine_wall_s = seconds_since(t_sim);

  for (const auto& c : costs) result.activities += c.activities;

  // Losses: replication r's trajectory on the evaluation stream (never the knowledge stream).
  const GroundTruth& truth = *ctx.truth;
  const Schedule schedule = problem.schedule(result.plan);
  const double samples = problem.samples(result.plan.data_sources);
  const int traced = options.trace_all ? options.replications : std::min(options.replications, 10);
  for (int r = 0; r < options.replications; ++r) {
    const CostTrace& cost = costs[every ? static_cast<std::size_t>(r) : 0];
    const Trajectory t = truth.trajectory(ctx.seed, Purpose::evaluation, static_cast<std::uint32_t>(r), samples, schedule);
    ReplicationRow row;
    row.replication = r;
    row.final_loss = t.test.back();
    row.target_met = row.final_loss <= sc.target.loss;
    row.state = row.target_met ? "met" : "missed";
    row.energy_j = cost.energy_j;
    row.time_s = cost.time_s;
    row.epochs = static_cast<int>(t.test.size());
    result.rows.push_back(row);
    if (r < traced)
      for (const EpochMeasure& m : cost.epochs) {
        const Segment& seg = result.plan.segments[m.segment];
        const auto k = static_cast<std::size_t>(m.epoch - 1);
        result.trace.push_back({r, m.epoch, seg.version, seg.cluster, seg.nodes, m.time_s, m.energy_j, t.validation[k], t.test[k]});
      }
  }
  result.simulation_wall_s = seconds_since(t_sim);
  return result;
}

} // namespace deplsim
