// `deplsim coverage` (docs/model.md 3.8): the whole plan-then-judge experiment repeated over independent draws of the
// planners' knowledge — other knowledge seeds of a parametric scenario, other random splits of a measured profile's
// seeds — and, per planner, how often its claim P(L_K <= L*) >= claim exceeded the true P of the plan it returned. The
// true P: for learning curves, the fraction of evaluation replications (a stream no knowledge draw touches) meeting L*;
// for a measured profile, the fraction of the seeds this draw's knowledge did not include meeting L*; each with its
// Wilson 95% interval (a miss above its upper end is a clear miss). Costs are the cost model's (no SimGrid: a study of claims, not of simulated costs). A grid of scenario
// settings (target, knowledge runs, certification share...) makes one cell per combination, each with the same draws.
#pragma once

#include "experiment/context.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

namespace deplsim {

struct CoverageOptions {
  ContextOptions context;
  std::vector<std::string> orchestrators;
  /// KEY and its values (`--grid KEY=V1,V2`), in the order given: the cells are every combination, the last key
  /// varying fastest. Empty: one cell, the scenario as it is.
  std::vector<std::pair<std::string, std::vector<std::string>>> grid;
  int repetitions = 200;
  int evaluation_replications = 20000;  ///< learning curves: evaluation draws per plan for its true P
  int jobs = 1;                         ///< processes sharing a cell's repetitions (the results do not depend on it)
  std::string out;
  bool force = false;
  bool progress = false;  ///< progress lines on stderr
};

/// One planner in one repetition of one cell.
struct CoverageRow {
  int cell = 0;
  int repetition = 0;
  std::uint64_t knowledge_seed = 0;  ///< the knowledge (and certification) streams' seed, or the split's shuffle
  std::string orchestrator;
  std::string status;
  bool certified = false;
  double claim = 0.0;            ///< the plan's predicted P(L <= L*): p* when certified
  double true_p = 0.0;
  double true_lo = 0.0;          ///< Wilson 95% interval of true_p
  double true_hi = 0.0;
  long long true_runs = 0;       ///< the runs true_p is counted on
  bool miss = false;             ///< claim > true_p
  bool clear_miss = false;       ///< claim > true_hi: a miss that the sampling error of true_p cannot explain
  double energy_j = 0.0;         ///< cost model
  double time_s = 0.0;
  int epochs = 0;
  int batch_size = 0;            ///< the global batch the plan kept, where the scenario lists batches (0: none listed)
};

struct CoverageResult {
  std::vector<CoverageRow> rows;
  /// The study, and per cell (its settings, target, knowledge) per planner: claims, misses, the miss rate and its
  /// interval, the one-sided binomial test against 1 - confidence.
  nlohmann::ordered_json summary;
};

/// The cells of a grid: per cell, its (KEY, VALUE) settings. Throws InputError for a malformed grid.
std::vector<std::vector<std::pair<std::string, std::string>>> coverage_cells(const CoverageOptions& options);

/// Runs the study. Throws InputError for bad options.
CoverageResult run_coverage(const CoverageOptions& options);

/// Writes coverage.csv, summary.json and coverage.md into DIR.partial, then publishes DIR.
void write_coverage(const CoverageOptions& options, const CoverageResult& result);

/// Draws DIR's figures with DATA_DIR/analysis/coverage.py when Debian's Python is there (a note on stderr when not,
/// or when drawing fails: the study's files stand without them).
void draw_coverage_figures(const std::string& dir, const std::string& data_dir);

/// The table printed on stdout (and in coverage.md).
std::string coverage_table(const CoverageResult& result);

} // namespace deplsim
