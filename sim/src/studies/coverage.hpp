// `deplsim coverage` (docs/model.md 3.8): the whole plan-then-judge experiment repeated over independent draws of the
// planners' knowledge — other knowledge seeds of a parametric scenario, other random splits of a measured profile's
// seeds — and, per planner, how often its claim P(L_K <= L*) >= claim exceeded the true P of the plan it returned. The
// true P: for learning curves, the fraction of evaluation replications (a stream no knowledge draw touches) meeting L*;
// for a measured profile, the fraction of all its seeds meeting L* (the profile is the population the knowledge is
// drawn from). Costs are the cost model's (no SimGrid: a study of claims, not of simulated costs).
#pragma once

#include "experiment/context.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace deplsim {

struct CoverageOptions {
  ContextOptions context;
  std::vector<std::string> orchestrators;
  int repetitions = 200;
  int evaluation_replications = 20000;  ///< learning curves: evaluation draws per plan for its true P
  std::string out;
  bool force = false;
  bool progress = false;  ///< progress lines on stderr
};

/// One planner in one repetition.
struct CoverageRow {
  int repetition = 0;
  std::uint64_t knowledge_seed = 0;  ///< the knowledge (and certification) streams' seed, or the split's shuffle
  std::string orchestrator;
  std::string status;
  bool certified = false;
  double claim = 0.0;            ///< the plan's predicted P(L <= L*) (its certified bound when certified)
  double true_p = 0.0;
  long long true_runs = 0;       ///< the runs true_p is counted on
  bool miss = false;             ///< claim > true_p
  double energy_j = 0.0;         ///< cost model
  double time_s = 0.0;
  int epochs = 0;
};

struct CoverageResult {
  std::vector<CoverageRow> rows;
  nlohmann::ordered_json summary;  ///< per planner: claims, misses, miss rate and its interval, the test against 1 - confidence
};

/// Runs the study. Throws InputError for bad options.
CoverageResult run_coverage(const CoverageOptions& options);

/// Writes coverage.csv, summary.json and coverage.md into DIR.partial, then publishes DIR.
void write_coverage(const CoverageOptions& options, const CoverageResult& result);

/// The table printed on stdout (and in coverage.md).
std::string coverage_table(const CoverageResult& result);

} // namespace deplsim
