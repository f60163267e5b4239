// `deplsim sweep` (docs/sweeps.md): a sweep file names scenarios, platforms, a grid over scenario keys,
// orchestrators, replications and seeds; every (cell, orchestrator, seed) is a unit — one `deplsim run` in its own
// process — run on a pool of local worker processes or as a Slurm job array; results are merged into
// results.csv and timings.csv, with manifest.json written last. The same bytes whatever the backend or the
// number of jobs; an interrupted sweep resumes without recomputing finished units.
#pragma once

#include "deplsim/orchestrator.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace deplsim {

/// One cell: a scenario file with its platform and its grid values (as `--set` overrides).
struct SweepCell {
  std::string id;             ///< c001, c002, ...
  std::string scenario_file;  ///< absolute
  std::string scenario;       ///< the scenario's name (after overrides)
  std::string platform;       ///< absolute path when the sweep replaces the scenario's platform, else ""
  std::vector<std::pair<std::string, std::string>> grid;  ///< (key, value) in the sweep's key order
  std::vector<std::string> overrides;                      ///< the sweep's fixed `set`, then the grid's
};

/// One unit of work: `deplsim run` of a cell with one orchestrator and one seed.
struct SweepUnit {
  std::size_t cell = 0;
  std::string orchestrator;
  std::uint64_t seed = 1;
  std::string dir;                ///< relative to the sweep's folder: cells/CELL/ORCH-sSEED
  std::vector<std::string> args;  ///< after the deplsim executable
};

/// A coverage sweep (docs/sweeps.md): instead of one `deplsim run` per unit, `deplsim coverage` over the grid.
struct CoverageSweep {
  int repetitions = 200;
  int evaluation_replications = 20000;
};

struct SweepSpec {
  std::string file;  ///< absolute path of the sweep file
  std::string name;
  std::vector<std::string> scenarios;  ///< absolute
  std::vector<std::string> platforms;  ///< absolute; empty: the scenarios' own
  std::vector<std::pair<std::string, std::vector<std::string>>> grid;
  std::vector<std::pair<std::string, std::string>> set;  ///< fixed overrides
  std::vector<std::string> orchestrators;
  int replications = 1000;
  std::vector<std::uint64_t> seeds{1};
  std::optional<CoverageSweep> coverage;  ///< `coverage:` in the file: a coverage study (one scenario, one seed)
};

/// Reads and checks a sweep file (every problem as FILE:LINE:COL: KEY: message; throws InputError).
SweepSpec load_sweep(const std::string& path);

struct SweepOptions {
  std::string sweep_file;
  std::string out;
  int jobs = 1;
  std::string backend = "local";  ///< local | slurm
  bool resume = false;
  bool force = false;
  std::vector<std::string> sbatch_args;
  std::vector<std::string> plugins;     ///< --plugin, passed to every unit
  std::optional<int> replications;      ///< overrides the sweep file's
  std::string self;                     ///< path of the deplsim executable
  std::string data_dir;                 ///< deplsim's source tree (analysis/coverage.py draws a coverage sweep's figures)
  double slurm_poll_s = 2.0;
  /// The orchestrators known (plug-ins loaded), whose settings every cell must satisfy; the built-ins when null.
  const OrchestratorRegistry* registry = nullptr;
};

/// Runs the sweep; returns the exit code (0 done, 4 some units failed, 130 interrupted).
int run_sweep(const SweepOptions& options);

/// One unit of a prepared sweep folder (what a Slurm array task runs): `deplsim sweep-task WORKDIR INDEX`.
int run_sweep_task(const std::string& workdir, long index);

} // namespace deplsim
