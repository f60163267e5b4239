// `deplsim coverage` (see coverage.hpp and docs/model.md 3.8).
#include "studies/coverage.hpp"

#include "learning/knowledge/kernel_knowledge.hpp"
#include "learning/truth/trace_profile.hpp"
#include "report/statistics.hpp"
#include "support/csv.hpp"
#include "support/files.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <map>
#include <stdexcept>

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
std::pair<double, long long> true_p(const Context& ctx, const Problem& pb, Orchestrator& orchestrator, const Plan& plan,
                                    int evaluation_replications) {
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
  if (const auto* traces = dynamic_cast<const TraceLearning*>(ctx.truth.get())) {
    for (std::uint32_t s : traces->all_seeds()) {
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

CoverageRow plan_and_judge(const Context& ctx, const Problem& pb, const std::string& name, int r, std::uint64_t seed,
                           int evaluation_replications) {
  CoverageRow row;
  row.repetition = r;
  row.knowledge_seed = seed;
  row.orchestrator = name;
  auto orchestrator = ctx.make_orchestrator(name);
  const Plan plan = orchestrator->plan(pb);
  row.status = to_string(plan.status);
  if (plan.status != PlanStatus::ok) return row;
  row.certified = plan.claim.has_value();
  row.claim = plan.predicted.p_target_met.value_or(0.0);
  std::tie(row.true_p, row.true_runs) = true_p(ctx, pb, *orchestrator, plan, evaluation_replications);
  row.miss = row.claim > row.true_p;
  const PlanCost cost = pb.cost.evaluate(plan);
  row.energy_j = cost.energy_j;
  row.time_s = cost.time_s;
  row.epochs = plan.total_epochs();
  return row;
}

// Per planner: how many repetitions made a claim, how many of those missed, the miss rate with its Wilson 95% interval,
// and the one-sided binomial test of "misses at most 1 - confidence of the time".
nlohmann::ordered_json summarise(const Context& ctx, const CoverageOptions& o, const std::vector<CoverageRow>& rows) {
  using json = nlohmann::ordered_json;
  const double alpha = 1.0 - ctx.loaded.learning.confidence;
  json planners = json::array();
  for (const auto& name : o.orchestrators) {
    long long claims = 0, misses = 0, certified = 0;
    double claim_sum = 0, true_sum = 0, energy_sum = 0;
    for (const auto& r : rows) {
      if (r.orchestrator != name || r.status != "ok") continue;
      ++claims;
      misses += r.miss ? 1 : 0;
      certified += r.certified ? 1 : 0;
      claim_sum += r.claim;
      true_sum += r.true_p;
      energy_sum += r.energy_j;
    }
    json p;
    p["orchestrator"] = name;
    p["repetitions"] = o.repetitions;
    p["claims"] = claims;
    p["certified_claims"] = certified;
    p["misses"] = misses;
    if (claims > 0) {
      const auto ci = wilson95(misses, claims);
      const double p_value = binomial_upper_tail(misses, claims, alpha);
      p["miss_rate"] = static_cast<double>(misses) / static_cast<double>(claims);
      p["miss_rate_ci95"] = json::array({ci[0], ci[1]});
      p["p_value"] = p_value;
      p["coverage_rejected_at_1pct"] = p_value < 0.01;
      p["claim_mean"] = claim_sum / static_cast<double>(claims);
      p["true_p_mean"] = true_sum / static_cast<double>(claims);
      p["energy_j_mean"] = energy_sum / static_cast<double>(claims);
    } else {
      for (const char* k : {"miss_rate", "miss_rate_ci95", "p_value", "coverage_rejected_at_1pct", "claim_mean", "true_p_mean",
                            "energy_j_mean"})
        p[k] = nullptr;
    }
    planners.push_back(p);
  }
  const Scenario& sc = ctx.scenario();
  json s;
  s["deplsim_version"] = DEPLSIM_VERSION;
  s["scenario"] = sc.name;
  s["seed"] = ctx.seed;
  s["target"] = json{{"loss", sc.target.loss}, {"probability", sc.target.probability}};
  s["knowledge"] = json{{"kind", to_string(ctx.knowledge->kind())},
                        {"knowledge_runs", ctx.knowledge->independent_runs() + ctx.knowledge->certification_runs()},
                        {"certification_runs", ctx.knowledge->certification_runs()},
                        {"confidence", ctx.loaded.learning.confidence},
                        {"certification_candidates", ctx.loaded.learning.certification_candidates}};
  s["true_p"] = dynamic_cast<const TraceLearning*>(ctx.truth.get()) != nullptr
                    ? json{{"over", "every seed of the measured profile"}}
                    : json{{"over", "evaluation replications"}, {"replications", o.evaluation_replications}};
  s["repetitions"] = o.repetitions;
  s["planners"] = planners;
  return s;
}

} // namespace

CoverageResult run_coverage(const CoverageOptions& o) {
  if (o.orchestrators.empty()) throw InputError(InputIssue{"--orchestrators", 0, 0, "", "expected at least one orchestrator"});
  auto ctx = build_context(o.context);
  for (const auto& name : o.orchestrators) (void)ctx->orchestrators->make(name);  // unknown names: exit 2 before any work
  CoverageResult result;
  const auto t0 = std::chrono::steady_clock::now();
  auto last = t0;
  for (int r = 0; r < o.repetitions; ++r) {
    const Draw d = draw(*ctx, r);
    const Problem pb{ctx->scenario(), ctx->platform(), *d.knowledge, *ctx->cost, *ctx->orchestrators, ctx->loaded.planners, d.seed};
    for (const auto& name : o.orchestrators) result.rows.push_back(plan_and_judge(*ctx, pb, name, r, d.seed, o.evaluation_replications));
    const auto now = std::chrono::steady_clock::now();
    if (o.progress && (std::chrono::duration<double>(now - last).count() >= 5 || r + 1 == o.repetitions)) {
      last = now;
      const double el = std::chrono::duration<double>(now - t0).count();
      fmt::print(stderr, "coverage: {}/{} repetitions, {:.0f} s left\n", r + 1, o.repetitions, el / (r + 1) * (o.repetitions - r - 1));
    }
  }
  result.summary = summarise(*ctx, o, result.rows);
  return result;
}

std::string coverage_table(const CoverageResult& result) {
  const auto& s = result.summary;
  std::string t = fmt::format("Coverage of the claims P(L <= {}) >= claim over {} knowledge draws ({} runs known, {} held out to "
                              "certify, {:g}% confidence); true P over {}:\n\n",
                              s["target"]["loss"].get<double>(), s["repetitions"].get<int>(),
                              s["knowledge"]["knowledge_runs"].get<long long>(), s["knowledge"]["certification_runs"].get<long long>(),
                              100 * s["knowledge"]["confidence"].get<double>(), s["true_p"]["over"].get<std::string>());
  t += "| orchestrator | claims | certified | misses | miss rate [95% CI] | binomial p (vs 5%) | claim mean | true P mean | energy J mean |\n";
  t += "|---|---|---|---|---|---|---|---|---|\n";
  auto num = [](const nlohmann::ordered_json& v, const char* spec) {
    return v.is_number() ? fmt::format(fmt::runtime(spec), v.get<double>()) : std::string("-");
  };
  for (const auto& p : s["planners"]) {
    const auto& ci = p["miss_rate_ci95"];
    t += fmt::format("| {} | {} | {} | {} | {} {} | {} | {} | {} | {} |\n", p["orchestrator"].get<std::string>(),
                     p["claims"].get<long long>(), p["certified_claims"].get<long long>(), p["misses"].get<long long>(),
                     num(p["miss_rate"], "{:.3f}"),
                     ci.is_array() ? fmt::format("[{:.3f}, {:.3f}]", ci[0].get<double>(), ci[1].get<double>()) : std::string(),
                     num(p["p_value"], "{:.3g}"), num(p["claim_mean"], "{:.4f}"), num(p["true_p_mean"], "{:.4f}"),
                     num(p["energy_j_mean"], "{:.6g}"));
  }
  return t;
}

void write_coverage(const CoverageOptions& o, const CoverageResult& result) {
  const fs::path dir = fs::absolute(o.out).lexically_normal();
  fs::path work = dir;
  work += ".partial";
  std::error_code ec;
  fs::remove_all(work, ec);
  fs::create_directories(work);
  std::string csv = "repetition,knowledge_seed,orchestrator,status,certified,claim,true_p,true_runs,miss,energy_j,time_s,epochs\n";
  for (const auto& r : result.rows) {
    const bool ok = r.status == "ok";
    csv += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{}\n", r.repetition, r.knowledge_seed, csv_field(r.orchestrator), r.status,
                       ok ? (r.certified ? "1" : "0") : "", ok ? csv_number(r.claim) : "", ok ? csv_number(r.true_p) : "",
                       ok ? std::to_string(r.true_runs) : "", ok ? (r.miss ? "1" : "0") : "", ok ? csv_number(r.energy_j) : "",
                       ok ? csv_number(r.time_s) : "", ok ? std::to_string(r.epochs) : "");
  }
  write_atomically(work / "coverage.csv", csv);
  write_atomically(work / "summary.json", result.summary.dump(2) + "\n");
  write_atomically(work / "coverage.md", "# Coverage\n\n" + coverage_table(result));
  publish_directory(work, dir);
}

} // namespace deplsim
