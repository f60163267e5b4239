// `deplsim compare`: each orchestrator as its own unit of work, in its own process (`deplsim run`, docs/model.md 0.7:
// common random numbers, the same bytes as a standalone run), then comparison.csv, comparison.md (paired energy
// differences against the first orchestrator) and timings.csv (docs/outputs.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace deplsim {

struct CompareOptions {
  std::string scenario;
  std::vector<std::string> orchestrators;
  std::string out;
  bool force = false;
  /// Arguments passed to every `deplsim run` (replications, seed, --set, --platform, --cfg, --log, ...).
  std::vector<std::string> run_arguments;
  std::vector<std::string> plugins;  ///< --plugin paths, passed on as well
  std::string external_cmd;          ///< --external-cmd, passed to the unit named `external` only
  std::string self;                  ///< path of the deplsim executable
  /// deplsim's source tree (analysis/compare_figures.py draws the figures and report.html); empty: no figures.
  std::string figures_data_dir;
};

/// Runs the comparison; returns the exit code (0, or 4 when some orchestrators failed; the rest is kept).
int run_compare(const CompareOptions& options);

} // namespace deplsim
