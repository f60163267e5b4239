// `deplsim reproduce paper` (docs/reproduce.md): the sweeps behind the evaluation of docs/model.md 0.10
// (scenarios/sweeps/paper/, or scenarios/sweeps/quick/ with --quick), then the figures, results.md and a
// self-contained report.html (analysis/figures.py and analysis/report.py, Debian's matplotlib and pandas).
#pragma once

#include <string>
#include <vector>

namespace deplsim {

struct ReproduceOptions {
  std::string what;  ///< "paper"
  std::string out;
  bool quick = false;
  bool resume = false;
  bool force = false;
  int jobs = 1;
  std::string self;     ///< path of the deplsim executable
  std::string data_dir; ///< the source tree holding scenarios/ and analysis/
  std::string sweeps;   ///< a folder of sweep files instead of scenarios/sweeps/paper (or quick)
};

/// Returns the exit code (0 done; 4 some units failed, figures made from the rest; 130 interrupted).
int run_reproduce(const ReproduceOptions& options);

} // namespace deplsim
