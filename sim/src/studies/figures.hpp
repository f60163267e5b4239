// Figures drawn by the analysis scripts (analysis/*.py, Debian's /usr/bin/python3 with matplotlib) from a command's
// output folder: the files stand without them, so a missing interpreter or a failed drawing is a note on stderr,
// never an error.
#pragma once

#include <string>

namespace deplsim {

/// Runs `/usr/bin/python3 DATA_DIR/analysis/SCRIPT DIR`; returns whether it drew (a note on stderr when not).
bool draw_figures(const std::string& script, const std::string& dir, const std::string& data_dir);

} // namespace deplsim
