// The unit of work (see run_unit.hpp): plan (or keep the interrupted run's plan), simulate the plan's cost on SimGrid
// (once when nothing in platform or plan is random, else per replication, with the orchestrator's per-replication
// policies and re-plans after lost nodes), then draw each replication's losses from the ground truth's evaluation
// stream for the segments it actually ran.
#include "experiment/run_unit.hpp"

#include "experiment/plan_json.hpp"
#include "learning/truth/ground_truth.hpp"
#include "platform/link_props.hpp"
#include "support/interrupt.hpp"
#include "support/kill_point.hpp"
#include "support/progress.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <tuple>

namespace deplsim {
namespace {

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// Progress with time left (support/progress.hpp: a terminal's line, or a line every few seconds in a log).
class Progress {
public:
  explicit Progress(bool on) : line_(on) {}
  void operator()(int done, int total) {
    line_.show(fmt::format("simulating replication {}/{}, {}", done, total, line_.left(done, total)), done == total);
  }

private:
  ProgressLine line_;
};

void stop_if_interrupted(const RunOptions& options) {
  if (options.interrupted != nullptr && options.interrupted->load() != 0) throw Interrupted(options.interrupted->load());
}

// The same data sources and segments.
bool same_choices(const Plan& a, const Plan& b) {
  auto key = [](const Segment& s) { return std::tie(s.version, s.cluster, s.nodes, s.pstate, s.epochs); };
  return a.data_sources == b.data_sources &&
         std::equal(a.segments.begin(), a.segments.end(), b.segments.begin(), b.segments.end(),
                    [&](const Segment& x, const Segment& y) { return key(x) == key(y); });
}

// A resumed run keeps the interrupted run's plan, unless the orchestrator must plan again to build its
// per-replication policies (adaptive) or keeps state made by planning (e.g. it lives in another process).
// A plan made before the unit (RunOptions::planned) is kept the same way. Returns whether it planned.
bool plan_or_resume(const Problem& problem, Orchestrator& orchestrator, const RunOptions& options, RunResult& result) {
  const std::optional<RunCheckpoint>& given = options.resumed ? options.resumed : options.planned;
  const bool replan = !given || given->adaptive || orchestrator.stateful();
  if (replan) {
    const auto t_plan = std::chrono::steady_clock::now();
    result.plan = orchestrator.plan(problem);
    result.planner_wall_s = seconds_since(t_plan);
    // Planned again on the context of a chosen global batch: the plan is that batch's, and where it is the plan the
    // choice kept, so are its claim (stated for all batches together) and explanation (set by the choice).
    if (given && given->plan.batch_size > 0 && result.plan.status == PlanStatus::ok) {
      result.plan.batch_size = given->plan.batch_size;
      if (same_choices(result.plan, given->plan)) {
        result.plan.claim = given->plan.claim;
        result.plan.explanation = given->plan.explanation;
      } else if (result.plan.claim) {  // another plan (a non-deterministic orchestrator): its batch was still chosen
        if (given->plan.claim) result.plan.claim->confidence = std::min(result.plan.claim->confidence, given->plan.claim->confidence);
        else result.plan.claim.reset();  // no level known that holds after the choice: no claim rather than an overstated one
      }
    }
    if (options.resumed && plan_to_json(result.plan) != plan_to_json(options.resumed->plan))
      fmt::print(stderr, "note: {} planned differently than in the interrupted run (a non-deterministic orchestrator?): "
                         "the new plan is used for every replication\n", options.orchestrator);
  } else {
    result.plan = given->plan;
    result.planner_wall_s = given->planner_wall_s;
  }
  const auto problems = validate_plan(problem, result.plan, options.orchestrator);
  if (!problems.empty()) {
    std::vector<InputIssue> issues;  // a plug-in's invalid plan is bad input (exit 2), named by orchestrator and field
    for (const auto& p : problems) issues.push_back(InputIssue{"", 0, 0, "", p});
    throw InputError(issues);
  }
  return replan;
}

// Lost nodes: the orchestrator's plan is kept — same versions and epochs — and only what remains moves to the
// cheapest resource choice (by the scenario's objective, cost model) whose nodes are all up; when there is none
// (e.g. a single cluster that lost its fastest node, which every choice includes), to the cheapest whose cluster
// has that many nodes up, which the executor runs on the fastest of them (docs/model.md 4.10).
std::optional<std::vector<Segment>> move_off_lost_nodes(const Context& ctx, double samples, const Plan& done, const Plan& planned,
                                                        const std::function<bool(std::size_t)>& is_up) {
  const Scenario& sc = ctx.scenario();
  std::vector<Segment> rest;
  int skip = done.total_epochs();
  for (const auto& seg : planned.segments) {
    Segment x = seg;
    const int cut = std::min(skip, x.epochs);
    skip -= cut;
    x.epochs -= cut;
    if (x.epochs > 0) rest.push_back(x);
  }
  if (rest.empty()) return std::nullopt;
  // Pass 1: choices whose planned nodes are all up; pass 2 (only when pass 1 found none): clusters with enough up.
  auto nodes_up = [&](const Resources& rc, bool planned_hosts) {
    int up = 0;
    for (auto h : planned_hosts ? ctx.cost->segment_hosts(rc.cluster, rc.nodes) : ctx.platform().cluster_hosts[rc.cluster])
      up += is_up(h) ? 1 : 0;
    return up;
  };
  std::optional<Resources> best;
  double best_obj = 0;
  for (const bool planned_hosts : {true, false}) {
    if (best) break;
    for (const Resources& rc : ctx.cost->resource_choices()) {
      if (nodes_up(rc, planned_hosts) < rc.nodes) continue;
      if (std::any_of(rest.begin(), rest.end(), [&](const Segment& seg) { return !ctx.cost->fits(*sc.version_index(seg.version), rc); }))
        continue;  // a version of the rest does not fit in these nodes' memory
      double obj = 0;
      for (const auto& seg : rest) {
        const EpochCost e = ctx.cost->epoch(*sc.version_index(seg.version), rc, samples);
        const PlanCost pc{e.time_s, e.energy_j, sc.clusters[rc.cluster].price_per_node_s * rc.nodes * e.time_s, 0, {}, {}};
        obj += seg.epochs * ctx.cost->objective(pc);
      }
      if (!best || obj < best_obj) {
        best = rc;
        best_obj = obj;
      }
    }
  }
  if (!best) return std::nullopt;
  for (auto& seg : rest) {
    seg.cluster = sc.clusters[best->cluster].name;
    seg.nodes = best->nodes;
    seg.pstate = best->pstate;
  }
  return rest;
}

// An adaptive orchestrator: a fresh policy per replication, told the validation loss after each epoch, which may
// replace the rest of the plan. Its revisions are checked like plans.
class AdaptiveHook {
public:
  AdaptiveHook(const Context& ctx, const Problem& problem, Orchestrator& orchestrator, const RunOptions& options, const Plan& plan,
               double samples)
      : ctx_(ctx), problem_(problem), orchestrator_(orchestrator), options_(options), plan_(plan), samples_(samples) {}

  std::optional<std::vector<Segment>> operator()(int rep, const Plan& done, const EpochMeasure& m) {
    if (rep != replication_) {
      policy_ = orchestrator_.start_replication(problem_, plan_);
      replication_ = rep;
    }
    if (!policy_) return std::nullopt;
    const Trajectory t = ctx_.truth->trajectory(ctx_.seed, Purpose::evaluation, static_cast<std::uint32_t>(rep), samples_,
                                                problem_.schedule(done));
    Observation obs;
    obs.epoch = m.epoch;
    obs.validation_loss = t.validation.back();
    obs.time_s = m.time_s;
    obs.energy_j = m.energy_j;
    auto next = policy_->on_epoch_end(obs);
    if (!next) return std::nullopt;
    Plan revised = done;
    revised.segments.insert(revised.segments.end(), next->begin(), next->end());
    const auto errors = validate_plan(problem_, revised, options_.orchestrator);
    if (!errors.empty()) {
      std::string all = fmt::format("revision after epoch {} of replication {} is invalid:", m.epoch, rep);
      for (const auto& e : errors) all += "\n" + e;
      throw InputError(InputIssue{"--orchestrator " + options_.orchestrator, 0, 0, "", all});
    }
    return next;
  }

private:
  const Context& ctx_;
  const Problem& problem_;
  Orchestrator& orchestrator_;
  const RunOptions& options_;
  const Plan& plan_;
  double samples_;
  int replication_ = -1;
  std::unique_ptr<ReplicationPolicy> policy_;
};

// Epoch rows and fault events of replication r, in time order (an event before the epoch that ends at the same time).
void trace_replication(int r, const CostTrace& cost, const Trajectory& t, std::vector<TraceRow>& trace) {
  std::size_t ev = 0;
  auto flush_events = [&](double until) {
    for (; ev < cost.events.size() && cost.events[ev].time_s <= until; ++ev) {
      TraceRow e;
      e.replication = r;
      e.epoch = cost.events[ev].epoch;
      e.sim_time_s = cost.events[ev].time_s;
      e.energy_j = std::numeric_limits<double>::quiet_NaN();
      e.val_loss = e.test_loss = std::numeric_limits<double>::quiet_NaN();
      e.nodes = -1;
      e.event = cost.events[ev].what;
      trace.push_back(e);
    }
  };
  for (const EpochMeasure& m : cost.epochs) {
    flush_events(m.time_s);
    const Segment& seg = cost.executed[m.segment];
    const auto k = static_cast<std::size_t>(m.epoch - 1);
    trace.push_back({r, m.epoch, seg.version, seg.cluster, m.nodes > 0 ? m.nodes : seg.nodes, m.time_s, m.energy_j,
                     t.validation[k], t.test[k], ""});
  }
  flush_events(std::numeric_limits<double>::infinity());
}

// Losses: replication r's trajectory on the evaluation stream (never the knowledge stream), for the segments it
// actually ran; the rows of replications.csv and trace.csv.
void draw_losses(const Context& ctx, const Problem& problem, const RunOptions& options, const std::vector<CostTrace>& costs,
                 bool every, RunResult& result) {
  const Scenario& sc = ctx.scenario();
  const double samples = problem.samples(result.plan.data_sources);
  const int traced = options.trace_all ? options.replications : std::min(options.replications, 10);
  for (int r = 0; r < options.replications; ++r) {
    if (r % 4096 == 0) stop_if_interrupted(options);
    const CostTrace& cost = costs[every ? static_cast<std::size_t>(r) : 0];
    Plan executed = result.plan;
    executed.segments = cost.executed;
    // A failed replication delivered no model: its losses are those of the epochs it completed (for trace.csv).
    Trajectory t;
    if (executed.total_epochs() > 0)
      t = ctx.truth->trajectory(ctx.seed, Purpose::evaluation, static_cast<std::uint32_t>(r), samples, problem.schedule(executed));
    ReplicationRow row;
    row.replication = r;
    row.failures = cost.failures;
    row.work_lost_s = cost.work_lost_s;
    row.energy_lost_j = cost.energy_lost_j;
    row.replans = cost.replans;
    if (cost.failed) {
      row.final_loss = std::numeric_limits<double>::quiet_NaN();
      row.target_met = false;
      row.state = "failed";
    } else {
      row.final_loss = t.test.back();
      row.target_met = row.final_loss <= sc.target.loss;
      row.state = row.target_met ? "met" : "missed";
    }
    row.energy_j = cost.energy_j;
    const EnergyBreakdown& b = cost.breakdown;
    row.phase_energy_j = {b.shipping_j, b.compute_j, b.synchronisation_j, b.checkpoints_j, b.other_j};
    row.host_energy_j = cost.host_energy_j;
    row.link_energy_j = cost.link_energy_j;
    row.transmit_energy_j = cost.transmit_energy_j;
    row.cluster_host_energy_j = cost.cluster_host_energy_j;
    row.link_class_energy_j = cost.link_class_energy_j;
    row.time_s = cost.time_s;
    row.epochs = static_cast<int>(t.test.size());
    result.rows.push_back(row);
    if (r < traced) trace_replication(r, cost, t, result.trace);
  }
}

} // namespace

RunResult run_unit(const Context& ctx, Orchestrator& orchestrator, const RunOptions& options) {
  RunResult result;
  const Problem problem = ctx.problem();
  const bool planned = plan_or_resume(problem, orchestrator, options, result);
  // Adaptive: whether the orchestrator gives per-replication policies (known from the checkpoint when it did not plan).
  const bool adaptive = result.plan.status == PlanStatus::ok &&
                        (planned ? orchestrator.start_replication(problem, result.plan) != nullptr
                                 : (options.resumed ? options.resumed : options.planned)->adaptive);
  if (options.on_planned) options.on_planned(RunCheckpoint{result.plan, adaptive, result.planner_wall_s});
  test_kill_point("run:planned");
  stop_if_interrupted(options);
  if (result.plan.status != PlanStatus::ok) return result;

  const Scenario& sc = ctx.scenario();
  const double samples = problem.samples(result.plan.data_sources);
  // An adaptive orchestrator gets a fresh policy per replication, which may revise the rest of the plan at each
  // epoch end from the validation loss it observes: its replications differ, so each is simulated.
  const bool profiles = platform_has_profiles(sc.platform);
  const bool random_cost = profiles || has_faults(sc, ctx.loaded.faults);
  const bool every = options.simulate_every || random_cost || adaptive;
  // Memory: each simulated replication keeps a record per epoch (about 60 bytes) until the files are written.
  if (every && static_cast<double>(options.replications) * result.plan.total_epochs() > 4e7)
    throw InputError(InputIssue{"--replications", 0, 0, "",
                                fmt::format("{} replications x {} epochs, each simulated (faults, profiles or an adaptive "
                                            "orchestrator): {:.3g} epoch records, at most 4e7 (about 2.4 GB); run fewer "
                                            "replications, or several runs with other seeds",
                                            options.replications, result.plan.total_epochs(),
                                            static_cast<double>(options.replications) * result.plan.total_epochs())});
  result.simulation_mode = every ? "every" : "once";
  result.simulated_replications = every ? options.replications : 1;

  ExecutorOptions eo;
  // Composition repeats what an iteration drew at another instant: exact only while hosts and links keep their speed
  // and state, i.e. without profiles in the platform.
  eo.compose_iterations = !options.simulate_every_iteration && !profiles;
  eo.seed = ctx.seed;
  eo.faults = ctx.loaded.faults;
  eo.on_nodes_lost = [&](int, const Plan& done, const Plan& plan, const std::function<bool(std::size_t)>& is_up) {
    return move_off_lost_nodes(ctx, samples, done, plan, is_up);
  };
  eo.simgrid_cfg = sc.simgrid_cfg;
  eo.simgrid_log = options.simgrid_log;
  eo.interrupted = options.interrupted;
  Progress progress(options.progress && every);
  eo.progress = [&progress](int d, int t) {
    progress(d, t);
    test_kill_point(fmt::format("run:replication:{}", d));
  };
  if (adaptive) {
    auto hook = std::make_shared<AdaptiveHook>(ctx, problem, orchestrator, options, result.plan, samples);
    eo.on_epoch_end = [hook](int rep, const Plan& done, const EpochMeasure& m) { return (*hook)(rep, done, m); };
  }
  const auto t_sim = std::chrono::steady_clock::now();
  const std::vector<CostTrace> costs = simulate_plan(sc, ctx.platform(), *ctx.cost, result.plan, result.simulated_replications, eo);
  result.engine_wall_s = seconds_since(t_sim);
  for (const auto& c : costs) result.activities += c.activities;
  draw_losses(ctx, problem, options, costs, every, result);
  result.simulation_wall_s = seconds_since(t_sim);
  return result;
}

} // namespace deplsim
