// Helpers shared by the commands that run units of work as child processes (`compare`, `sweep`): starting a
// `deplsim run` with its output in a log, reading files back, and the comparison columns of a unit's summary.
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <sys/types.h>
#include <vector>

namespace deplsim {

/// Starts `args` (argv[0] a path) with stdout and stderr sent to `log`; returns the child's pid (-1 on failure).
pid_t start_process(const std::vector<std::string>& args, const std::filesystem::path& log);
/// Waits for `pid`; returns its exit code (128 + signal when killed, -1 when unknown).
int wait_process(pid_t pid);
/// An exit status from waitpid as an exit code (128 + signal when killed).
int exit_code_of(int status);
/// This program's path (for starting units as child processes); /proc/self/exe when it cannot be read.
std::string self_executable();
/// Runs `args` to completion (start_process + wait_process).
int run_process(const std::vector<std::string>& args, const std::filesystem::path& log);

std::string read_text(const std::filesystem::path& p);
/// The last `n` non-empty lines of `text`, joined with " | ".
std::string last_lines(const std::string& text, int n);
/// A JSON number as a CSV number (C locale, shortest round trip); "" for anything else.
std::string csv_num(const nlohmann::json& v);
/// Quotes a CSV field when needed.
std::string csv_field(const std::string& s);
/// Runs `args` (argv[0] looked up in PATH, no shell) and returns its exit code and its stdout — with its stderr
/// too when `with_stderr`, else stderr is discarded.
std::pair<int, std::string> capture(const std::vector<std::string>& args, bool with_stderr);
/// The working folder DIR.partial of a resumable command writing DIR (`sweep`, `reproduce`): with `force` a
/// fresh one; with `resume` the interrupted one, or DIR itself moved back to finish it; otherwise an existing
/// DIR or DIR.partial is an InputError (`what` names the work in the message). Returns DIR.partial (absolute).
std::filesystem::path resumable_work_dir(const std::string& out, bool force, bool resume, const std::string& what);
/// Writes `text` to `path` through a temporary file in the same folder and a rename.
void write_atomically(const std::filesystem::path& path, const std::string& text);

/// SIGINT and SIGTERM, while an InterruptGuard lives, set interrupt_signal() (the signal's number) instead of ending
/// the process; the previous handlers come back when it ends. `restart`: system calls resume after the signal
/// (without it a blocking waitpid returns EINTR); `once`: a second signal acts as it did before (ends the process).
class InterruptGuard {
public:
  InterruptGuard(bool restart, bool once);
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

private:
  struct sigaction old_int_ {}, old_term_ {};
};
/// The signal that interrupted the work under the current (or last) InterruptGuard, 0 if none.
const std::atomic<int>& interrupt_signal();

/// Crash-safety tests (tests/cli/crash_safety_test.sh, docs/testing.md): when the environment variable
/// DEPLSIM_TEST_KILL_AT equals `point` (e.g. "run:planned", "run:replication:5"), the process sends itself
/// SIGKILL there — a crash at a chosen moment. Nothing happens otherwise.
void test_kill_point(const std::string& point);

/// The comparison columns of a unit (docs/outputs.md, comparison.csv after `orchestrator`): status, guarantee,
/// p_predicted, p_target_met, p_lo, p_hi, energy_j_mean, energy_lo, energy_hi, time_s_mean, energy_vs_optimum;
/// `optimum_energy` is the optimum's simulated mean energy in the same comparison, when it has one.
std::string comparison_columns(const nlohmann::json& summary, std::optional<double> optimum_energy);
/// The optimum's mean energy in a summary, when the summary is the optimum's with a plan.
std::optional<double> optimum_energy_of(const std::string& orchestrator, const nlohmann::json& summary);

} // namespace deplsim
