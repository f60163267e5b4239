// deplsim's exit codes (docs/cli.md): every command and every unit of work ends with one of these.
#pragma once

namespace deplsim::exit_code {

constexpr int ok = 0;            ///< done
constexpr int internal = 1;      ///< deplsim's own bug (never bad input)
constexpr int input = 2;         ///< bad input: usage, scenario, platform, sweep file, plug-in
constexpr int infeasible = 3;    ///< infeasible target or insufficient data (the summary says which)
constexpr int partial = 4;       ///< partly done: some units of a compare or sweep failed, the rest is kept
constexpr int interrupted = 130; ///< SIGINT/SIGTERM: resumable with --resume

} // namespace deplsim::exit_code
