// `deplsim coverage` (see coverage.hpp and docs/model.md 3.8).
#include "studies/coverage.hpp"
#include "studies/figures.hpp"

#include "learning/knowledge/kernel_knowledge.hpp"
#include "learning/truth/trace_profile.hpp"
#include "report/statistics.hpp"
#include "support/csv.hpp"
#include "support/files.hpp"
#include "support/process.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef DEPLSIM_VERSION
#define DEPLSIM_VERSION "unknown"
#endif

namespace deplsim {
namespace fs = std::filesystem;

namespace {

/// One repetition's knowledge: its own ground truth when the profile's seeds are split anew, and its kernels.
struct Draw {
  std::uint64_t seed = 0;
  std::unique_ptr<GroundTruth> own_truth;
  const GroundTruth* truth = nullptr;
  std::unique_ptr<KernelKnowledge> knowledge;
};

// Repetition r: learning curves draw the knowledge (and certification) streams with another seed; a measured profile
// splits its seeds in another random order. The evaluation stream (learning curves) is the same for every repetition.
Draw draw(const Context& ctx, int r) {
  Draw d;
  d.seed = ctx.seed * 1000003ULL + static_cast<std::uint64_t>(r) + 1;
  const Scenario& sc = ctx.scenario();
  if (const auto* traces = dynamic_cast<const TraceLearning*>(ctx.truth.get())) {
    d.own_truth = std::make_unique<TraceLearning>(traces->profile(), traces->total_samples(),
                                                  static_cast<std::size_t>(ctx.loaded.learning.knowledge_seeds), d.seed);
    d.truth = d.own_truth.get();
  } else {
    d.truth = ctx.truth.get();
  }
  d.knowledge = std::make_unique<KernelKnowledge>(sc, ctx.loaded.learning, *d.truth, d.seed, /*cache=*/false);
  return d;
}

// The true P of a plan (with the orchestrator's policy per run when it is adaptive) and the runs it is counted on.
std::pair<double, long long> true_p(const Context& ctx, const GroundTruth& truth, const Problem& pb, Orchestrator& orchestrator,
                                    const Plan& plan, int evaluation_replications) {
  const Scenario& sc = ctx.scenario();
  const double q = pb.samples(plan.data_sources);
  const bool adaptive = orchestrator.start_replication(pb, plan) != nullptr;
  auto meets = [&](const std::function<Trajectory(const Schedule&)>& losses, auto final_loss) {
    if (!adaptive) return final_loss() <= sc.target.loss;
    auto policy = orchestrator.start_replication(pb, plan);
    const auto [schedule, t] = replay_policy(sc, *policy, plan.segments, losses);
    return !t.test.empty() && t.test.back() <= sc.target.loss;
  };
  long long met = 0;
  long long runs = 0;
  const Schedule schedule = pb.schedule(plan);
  if (const auto* traces = dynamic_cast<const TraceLearning*>(&truth)) {
    for (std::uint32_t s : traces->seeds(Purpose::evaluation)) {  // the seeds this draw's knowledge never saw
      auto losses = [&](const Schedule& sch) { return traces->seed_trajectory(s, q, sch); };
      met += meets(losses, [&] { return traces->seed_trajectory(s, q, schedule).test.back(); }) ? 1 : 0;
      ++runs;
    }
  } else {
    for (int r = 0; r < evaluation_replications; ++r) {
      const auto rr = static_cast<std::uint32_t>(r);
      auto losses = [&](const Schedule& sch) { return ctx.truth->trajectory(ctx.seed, Purpose::evaluation, rr, q, sch); };
      met += meets(losses, [&] { return ctx.truth->final_test_loss(ctx.seed, Purpose::evaluation, rr, q, schedule); }) ? 1 : 0;
      ++runs;
    }
  }
  return {runs > 0 ? static_cast<double>(met) / static_cast<double>(runs) : 0.0, runs};
}

// The row of a plan made by `orchestrator` on `pb` (ctx's problem with a draw's knowledge), judged on ctx's truth.
CoverageRow judge(const Context& ctx, const GroundTruth& truth, const Problem& pb, Orchestrator& orchestrator, const Plan& plan,
                  const std::string& name, int r, std::uint64_t seed, int evaluation_replications) {
  CoverageRow row;
  row.repetition = r;
  row.knowledge_seed = seed;
  row.orchestrator = name;
  row.status = to_string(plan.status);
  if (plan.status != PlanStatus::ok) return row;
  row.certified = plan.claim.has_value();
  row.claim = plan.predicted.p_target_met.value_or(0.0);
  std::tie(row.true_p, row.true_runs) = true_p(ctx, truth, pb, orchestrator, plan, evaluation_replications);
  const auto ci = wilson95(std::llround(row.true_p * static_cast<double>(row.true_runs)), row.true_runs);
  row.true_lo = ci[0];
  row.true_hi = ci[1];
  row.miss = row.claim > row.true_p;
  row.clear_miss = row.claim > row.true_hi;
  const PlanCost cost = pb.cost.evaluate(plan);
  row.energy_j = cost.energy_j;
  row.time_s = cost.time_s;
  row.epochs = plan.total_epochs();
  return row;
}

CoverageRow plan_and_judge(const Context& ctx, const GroundTruth& truth, const Problem& pb, const std::string& name, int r,
                           std::uint64_t seed, int evaluation_replications) {
  auto orchestrator = ctx.make_orchestrator(name);
  const Plan plan = orchestrator->plan(pb);
  return judge(ctx, truth, pb, *orchestrator, plan, name, r, seed, evaluation_replications);
}

// Per planner: how many repetitions made a claim, how many of those missed, the miss rate over the draws with its Wilson
// 95% interval, and the one-sided binomial test of "misses in at most 1 - confidence of the draws".
nlohmann::ordered_json summarise_planners(const Context& ctx, const CoverageOptions& o, const std::vector<CoverageRow>& rows) {
  using json = nlohmann::ordered_json;
  const double alpha = 1.0 - ctx.loaded.learning.confidence;
  json planners = json::array();
  for (const auto& name : o.orchestrators) {
    long long claims = 0, misses = 0, clear = 0, certified = 0;
    double claim_sum = 0, true_sum = 0, energy_sum = 0;
    for (const auto& r : rows) {
      if (r.orchestrator != name || r.status != "ok") continue;
      ++claims;
      misses += r.miss ? 1 : 0;
      clear += r.clear_miss ? 1 : 0;
      certified += r.certified ? 1 : 0;
      claim_sum += r.claim;
      true_sum += r.true_p;
      energy_sum += r.energy_j;
    }
    // The guarantee is over draws: with probability at least the confidence, the plan a draw returns is either no
    // claim or a true one. So the miss rate is over all draws (a draw without a claim does not miss); the rate among
    // the claims made is reported beside it.
    const long long draws = o.repetitions;
    json p;
    p["orchestrator"] = name;
    p["repetitions"] = draws;
    p["claims"] = claims;
    p["certified_claims"] = certified;
    p["misses"] = misses;
    p["clear_misses"] = clear;
    const auto ci = wilson95(misses, draws);
    const double p_value = binomial_upper_tail(misses, draws, alpha);
    p["miss_rate"] = static_cast<double>(misses) / static_cast<double>(draws);
    p["miss_rate_ci95"] = json::array({ci[0], ci[1]});
    p["p_value"] = p_value;
    p["coverage_rejected_at_1pct"] = p_value < 0.01;
    p["clear_miss_rate"] = static_cast<double>(clear) / static_cast<double>(draws);
    if (claims > 0) {
      p["miss_rate_given_claim"] = static_cast<double>(misses) / static_cast<double>(claims);
      p["claim_mean"] = claim_sum / static_cast<double>(claims);
      p["true_p_mean"] = true_sum / static_cast<double>(claims);
      p["energy_j_mean"] = energy_sum / static_cast<double>(claims);
    } else {
      for (const char* k : {"miss_rate_given_claim", "claim_mean", "true_p_mean", "energy_j_mean"}) p[k] = nullptr;
    }
    planners.push_back(p);
  }
  return planners;
}

// One cell's block of summary.json: its settings, target, knowledge and planners.
nlohmann::ordered_json summarise_cell(const Context& ctx, const CoverageOptions& o, int cell,
                                      const std::vector<std::pair<std::string, std::string>>& settings,
                                      const std::vector<CoverageRow>& rows) {
  using json = nlohmann::ordered_json;
  const Scenario& sc = ctx.scenario();
  json s;
  s["cell"] = cell;
  json set = json::object();
  for (const auto& [k, v] : settings) set[k] = v;
  s["settings"] = set;
  s["target"] = json{{"loss", sc.target.loss}, {"probability", sc.target.probability}};
  s["knowledge"] = json{{"kind", to_string(ctx.knowledge->kind())},
                        {"knowledge_runs", ctx.knowledge->independent_runs() + ctx.knowledge->certification_runs()},
                        {"certification_runs", ctx.knowledge->certification_runs()},
                        {"confidence", ctx.loaded.learning.confidence},
                        {"certification_candidates", ctx.loaded.learning.certification_candidates}};
  s["true_p"] = dynamic_cast<const TraceLearning*>(ctx.truth.get()) != nullptr
                    ? json{{"over", "the profile's seeds the draw's knowledge did not include"}}
                    : json{{"over", "evaluation replications"}, {"replications", o.evaluation_replications}};
  s["planners"] = summarise_planners(ctx, o, rows);
  return s;
}

// One cell: its context, and where its scenario lists global batches, one context per batch (build_batch_context).
struct CellContexts {
  const Context* base = nullptr;
  std::vector<std::unique_ptr<Context>> batches;
};

// Repetition r of a cell whose scenario lists batches: for each planner, a plan per batch on that batch's draw (the
// same repetition seed, that batch's knowledge at the per-batch confidence), the cheapest kept (as `plan` and `run`
// choose, docs/model.md 1.2) and judged on its batch's ground truth.
void batch_repetition(const CellContexts& cc, const CoverageOptions& o, int cell, int r, std::vector<CoverageRow>& rows) {
  std::vector<Draw> draws;
  std::vector<Problem> problems;
  for (const auto& b : cc.batches) {
    draws.push_back(draw(*b, r));
    problems.push_back(Problem{b->scenario(), b->platform(), *draws.back().knowledge, *b->cost, *b->orchestrators, b->loaded.planners,
                               draws.back().seed});
  }
  for (const auto& name : o.orchestrators) {
    std::vector<std::unique_ptr<Orchestrator>> made;
    std::vector<Plan> plans;
    std::optional<std::size_t> best;
    double best_objective = 0;
    for (std::size_t i = 0; i < cc.batches.size(); ++i) {
      made.push_back(cc.batches[i]->make_orchestrator(name));
      plans.push_back(made.back()->plan(problems[i]));
      if (plans.back().status != PlanStatus::ok) continue;
      const double obj = cc.batches[i]->cost->objective(cc.batches[i]->cost->evaluate(plans.back()));
      if (!best || obj < best_objective) {
        best = i;
        best_objective = obj;
      }
    }
    const std::size_t k = best.value_or(0);  // no plan at any batch: the first batch's answer
    rows.push_back(judge(*cc.batches[k], *draws[k].truth, problems[k], *made[k], plans[k], name, r, draws[k].seed,
                         o.evaluation_replications));
    rows.back().cell = cell;
    rows.back().batch_size = best ? cc.batches[k]->scenario().model.batch_size : 0;
  }
}

// Repetitions r with r % stride == offset of one cell, in order (each planner in the order asked).
std::vector<CoverageRow> run_repetitions(const CellContexts& cc, const CoverageOptions& o, int cell, int offset, int stride,
                                         const std::function<void(int)>& done) {
  const Context& ctx = *cc.base;
  std::vector<CoverageRow> rows;
  for (int r = offset; r < o.repetitions; r += stride) {
    if (!cc.batches.empty()) {
      batch_repetition(cc, o, cell, r, rows);
      done(r);
      continue;
    }
    const Draw d = draw(ctx, r);
    const Problem pb{ctx.scenario(), ctx.platform(), *d.knowledge, *ctx.cost, *ctx.orchestrators, ctx.loaded.planners, d.seed};
    for (const auto& name : o.orchestrators) {
      rows.push_back(plan_and_judge(ctx, *d.truth, pb, name, r, d.seed, o.evaluation_replications));
      rows.back().cell = cell;
    }
    done(r);
  }
  return rows;
}

nlohmann::json row_json(const CoverageRow& r) {
  return nlohmann::json::array({r.cell, r.repetition, r.knowledge_seed, r.orchestrator, r.status, r.certified, r.claim, r.true_p,
                                r.true_runs, r.miss, r.energy_j, r.time_s, r.epochs, r.true_lo, r.true_hi, r.clear_miss, r.batch_size});
}

CoverageRow row_of(const nlohmann::json& j) {
  CoverageRow r;
  r.cell = j[0];
  r.repetition = j[1];
  r.knowledge_seed = j[2];
  r.orchestrator = j[3];
  r.status = j[4];
  r.certified = j[5];
  r.claim = j[6];
  r.true_p = j[7];
  r.true_runs = j[8];
  r.miss = j[9];
  r.energy_j = j[10];
  r.time_s = j[11];
  r.epochs = j[12];
  r.true_lo = j[13];
  r.true_hi = j[14];
  r.clear_miss = j[15];
  r.batch_size = j[16];
  return r;
}

// A cell's repetitions shared by `jobs` forked processes (each a stride of them, its rows in a file), merged in
// repetition order: the same rows as one process computes. A child that fails makes the cell fail with its message.
std::vector<CoverageRow> run_cell(const CellContexts& ctx, const CoverageOptions& o, int cell, const std::function<void(int)>& done) {
  const int jobs = std::clamp(o.jobs, 1, o.repetitions);
  if (jobs == 1) return run_repetitions(ctx, o, cell, 0, 1, done);
  char tmpl[] = "/tmp/deplsim-coverage-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("coverage: cannot create a temporary folder in /tmp");
  const fs::path tmp(tmpl);
  std::fflush(stdout);
  std::fflush(stderr);
  std::vector<pid_t> pids;
  for (int j = 0; j < jobs; ++j) {
    const pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("coverage: fork failed");
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      int rc = 0;
      try {
        nlohmann::json rows = nlohmann::json::array();
        for (const auto& r : run_repetitions(ctx, o, cell, j, jobs, j == 0 ? done : [](int) {})) rows.push_back(row_json(r));
        std::ofstream(tmp / fmt::format("{}.json", j)) << rows.dump();
      } catch (const std::exception& e) {
        std::ofstream(tmp / fmt::format("{}.err", j)) << e.what();
        rc = 2;
      }
      std::fflush(stderr);
      _exit(rc);
    }
    pids.push_back(pid);
  }
  std::string failure;
  for (std::size_t j = 0; j < pids.size(); ++j) {
    int status = 0;
    waitpid(pids[j], &status, 0);
    if (failure.empty() && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
      std::ifstream err(tmp / fmt::format("{}.err", j));
      std::string what((std::istreambuf_iterator<char>(err)), std::istreambuf_iterator<char>());
      failure = what.empty() ? fmt::format("a coverage process ended with status {}", status) : what;
    }
  }
  std::vector<CoverageRow> rows;
  if (failure.empty())
    for (int j = 0; j < jobs; ++j) {
      std::ifstream in(tmp / fmt::format("{}.json", j));
      for (const auto& r : nlohmann::json::parse(in)) rows.push_back(row_of(r));
    }
  std::error_code ec;
  fs::remove_all(tmp, ec);
  if (!failure.empty()) throw std::runtime_error("coverage: " + failure);
  std::stable_sort(rows.begin(), rows.end(), [](const CoverageRow& a, const CoverageRow& b) { return a.repetition < b.repetition; });
  return rows;
}

} // namespace

std::vector<std::vector<std::pair<std::string, std::string>>> coverage_cells(const CoverageOptions& o) {
  std::vector<std::vector<std::pair<std::string, std::string>>> cells{{}};
  std::set<std::string> keys;
  for (const auto& [key, values] : o.grid) {
    if (key.empty()) throw InputError(InputIssue{"--grid", 0, 0, "", "expected KEY=V1,V2,... with a dotted scenario key"});
    if (!keys.insert(key).second) throw InputError(InputIssue{"--grid", 0, 0, key, "the key is given twice"});
    if (values.empty() || std::any_of(values.begin(), values.end(), [](const std::string& v) { return v.empty(); }))
      throw InputError(InputIssue{"--grid", 0, 0, key, "expected non-empty comma-separated values"});
    std::vector<std::vector<std::pair<std::string, std::string>>> next;
    for (const auto& cell : cells)
      for (const auto& v : values) {
        next.push_back(cell);
        next.back().emplace_back(key, v);
      }
    cells = std::move(next);
  }
  if (cells.size() > 10000) throw InputError(InputIssue{"--grid", 0, 0, "", fmt::format("{} cells: at most 10000", cells.size())});
  return cells;
}

CoverageResult run_coverage(const CoverageOptions& o) {
  if (o.orchestrators.empty()) throw InputError(InputIssue{"--orchestrators", 0, 0, "", "expected at least one orchestrator"});
  const auto cells = coverage_cells(o);
  // Every cell's scenario is read (and its orchestrators known) before any work: a bad value exits 2 at once.
  std::vector<std::unique_ptr<Context>> contexts;
  std::vector<CellContexts> cell_contexts;
  for (const auto& cell : cells) {
    ContextOptions co = o.context;
    for (const auto& [k, v] : cell) co.overrides.push_back(k + "=" + v);
    contexts.push_back(build_context(co));
    CellContexts cc;
    cc.base = contexts.back().get();
    for (const int b : cc.base->scenario().model.batch_sizes) cc.batches.push_back(build_batch_context(*cc.base, co, b));
    cell_contexts.push_back(std::move(cc));
    for (const auto& name : o.orchestrators) {
      try {
        (void)contexts.back()->orchestrators->make(name);
      } catch (const InputError& e) {
        throw InputError(InputIssue{"--orchestrators", 0, 0, "", e.issues().front().message});
      }
    }
  }
  CoverageResult result;
  nlohmann::ordered_json cell_blocks = nlohmann::ordered_json::array();
  const auto t0 = std::chrono::steady_clock::now();
  auto last = t0;
  const long long total = static_cast<long long>(cells.size()) * o.repetitions;
  const int stride = std::clamp(o.jobs, 1, o.repetitions);
  for (std::size_t c = 0; c < cells.size(); ++c) {
    auto done = [&](int r) {  // progress, from the process that runs repetition 0's stride
      const auto now = std::chrono::steady_clock::now();
      const long long finished = static_cast<long long>(c) * o.repetitions + std::min(o.repetitions, r + stride);
      if (!o.progress || (std::chrono::duration<double>(now - last).count() < 5 && finished < total)) return;
      last = now;
      const double el = std::chrono::duration<double>(now - t0).count();
      fmt::print(stderr, "coverage: cell {}/{}, {}/{} repetitions in all, {:.0f} s left\n", c + 1, cells.size(), finished, total,
                 el / static_cast<double>(finished) * static_cast<double>(total - finished));
    };
    std::vector<CoverageRow> rows = run_cell(cell_contexts[c], o, static_cast<int>(c), done);
    cell_blocks.push_back(summarise_cell(*contexts[c], o, static_cast<int>(c), cells[c], rows));
    result.rows.insert(result.rows.end(), rows.begin(), rows.end());
  }
  const Context& first = *contexts.front();
  nlohmann::ordered_json s;
  s["deplsim_version"] = DEPLSIM_VERSION;
  s["scenario"] = first.scenario().name;
  s["seed"] = first.seed;
  s["repetitions"] = o.repetitions;
  nlohmann::ordered_json grid = nlohmann::ordered_json::object();
  for (const auto& [k, values] : o.grid) grid[k] = values;
  s["grid"] = grid;
  s["cells"] = cell_blocks;
  result.summary = s;
  return result;
}

std::string coverage_table(const CoverageResult& result) {
  const auto& s = result.summary;
  const auto& cells = s["cells"];
  // Grid keys beyond what the first columns already say.
  std::vector<std::string> extra;
  for (const auto& [k, v] : s["grid"].items())
    if (k != "target.loss" && k != "target.probability" && k != "model.learning.knowledge_runs") extra.push_back(k);
  const auto& c0 = cells.front();
  std::string t = fmt::format("Coverage of the claims P(L <= L*) >= claim over {} knowledge draws per cell ({:g}% confidence, up to {} "
                              "candidates per planner); true P over {}:\n\n",
                              s["repetitions"].get<int>(), 100 * c0["knowledge"]["confidence"].get<double>(),
                              c0["knowledge"]["certification_candidates"].get<int>(), c0["true_p"]["over"].get<std::string>());
  t += "| L* | p* | runs known (held out) |";
  for (const auto& k : extra) t += fmt::format(" {} |", k);
  t += fmt::format(" orchestrator | claims | certified | misses (clear) | miss rate per draw [95% CI] | binomial p (vs {:g}%) | "
                   "misses per claim | claim mean | true P mean | energy J mean |\n", 100 * (1 - c0["knowledge"]["confidence"].get<double>()));
  t += "|---|---|---|";
  for (std::size_t i = 0; i < extra.size(); ++i) t += "---|";
  t += "---|---|---|---|---|---|---|---|---|---|\n";
  auto num = [](const nlohmann::ordered_json& v, const char* spec) {
    return v.is_number() ? fmt::format(fmt::runtime(spec), v.get<double>()) : std::string("-");
  };
  for (const auto& c : cells) {
    std::string head = fmt::format("| {} | {} | {} ({}) |", c["target"]["loss"].get<double>(), c["target"]["probability"].get<double>(),
                                   c["knowledge"]["knowledge_runs"].get<long long>(), c["knowledge"]["certification_runs"].get<long long>());
    for (const auto& k : extra) head += fmt::format(" {} |", c["settings"][k].get<std::string>());
    for (const auto& p : c["planners"]) {
      const auto& ci = p["miss_rate_ci95"];
      t += head + fmt::format(" {} | {} | {} | {} ({}) | {} {} | {} | {} | {} | {} | {} |\n", p["orchestrator"].get<std::string>(),
                              p["claims"].get<long long>(), p["certified_claims"].get<long long>(), p["misses"].get<long long>(),
                              p["clear_misses"].get<long long>(), num(p["miss_rate"], "{:.3f}"),
                              ci.is_array() ? fmt::format("[{:.3f}, {:.3f}]", ci[0].get<double>(), ci[1].get<double>()) : std::string(),
                              num(p["p_value"], "{:.3g}"), num(p["miss_rate_given_claim"], "{:.3f}"), num(p["claim_mean"], "{:.4f}"),
                              num(p["true_p_mean"], "{:.4f}"), num(p["energy_j_mean"], "{:.6g}"));
    }
  }
  return t;
}

void write_coverage(const CoverageOptions& o, const CoverageResult& result) {
  const fs::path dir = normal_output_path(o.out);
  PartialFolder partial(dir);  // removed unless published
  const fs::path& work = partial.path();
  // One row per cell, repetition and planner; the cell's grid values, its L*, p* and knowledge runs first.
  const auto cells = coverage_cells(o);
  std::string csv = "cell,";
  for (const auto& [k, v] : o.grid) csv += csv_field(k) + ",";
  csv += "target_loss,target_probability,knowledge_runs,certification_runs,";
  csv += "repetition,knowledge_seed,orchestrator,status,certified,claim,true_p,true_lo,true_hi,true_runs,miss,clear_miss,energy_j,"
         "time_s,epochs,batch_size\n";
  for (const auto& r : result.rows) {
    const bool ok = r.status == "ok";
    const auto& c = result.summary["cells"][static_cast<std::size_t>(r.cell)];
    csv += fmt::format("{},", r.cell);
    for (const auto& [k, v] : cells[static_cast<std::size_t>(r.cell)]) csv += csv_field(v) + ",";
    csv += fmt::format("{},{},{},{},", csv_number(c["target"]["loss"].get<double>()), csv_number(c["target"]["probability"].get<double>()),
                       c["knowledge"]["knowledge_runs"].get<long long>(), c["knowledge"]["certification_runs"].get<long long>());
    csv += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", r.repetition, r.knowledge_seed, csv_field(r.orchestrator),
                       r.status, ok ? (r.certified ? "1" : "0") : "", ok ? csv_number(r.claim) : "", ok ? csv_number(r.true_p) : "",
                       ok ? csv_number(r.true_lo) : "", ok ? csv_number(r.true_hi) : "", ok ? std::to_string(r.true_runs) : "",
                       ok ? (r.miss ? "1" : "0") : "", ok ? (r.clear_miss ? "1" : "0") : "", ok ? csv_number(r.energy_j) : "",
                       ok ? csv_number(r.time_s) : "", ok ? std::to_string(r.epochs) : "",
                       ok && r.batch_size > 0 ? std::to_string(r.batch_size) : "");
  }
  write_atomically(work / "coverage.csv", csv);
  write_atomically(work / "summary.json", result.summary.dump(2) + "\n");
  write_atomically(work / "coverage.md", "# Coverage\n\n" + coverage_table(result));
  partial.publish();
}

void draw_coverage_figures(const std::string& dir, const std::string& data_dir) { draw_figures("coverage.py", dir, data_dir); }

} // namespace deplsim
