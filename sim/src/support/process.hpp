// Child processes: starting a `deplsim` unit with its output in a log (dying with its parent), waiting for it,
// and capturing a command's output. Used by the studies that run units as processes (compare, sweep,
// reproduce) and by the platform probe's child.
#pragma once

#include <filesystem>
#include <set>
#include <string>
#include <utility>
#include <sys/types.h>
#include <vector>

namespace deplsim {

/// Starts `args` (argv[0] a path) with stdout and stderr sent to `log`; returns the child's pid (-1 on failure).
/// The child gets SIGKILL when this process dies, so it never outlives the command that started it.
pid_t start_process(const std::vector<std::string>& args, const std::filesystem::path& log);
/// Waits for `pid`; returns its exit code (128 + signal when killed, -1 when unknown). Under an InterruptGuard, an
/// interrupt is passed on to it as SIGTERM, and the wait goes on until it exits.
int wait_process(pid_t pid);
/// An exit status from waitpid as an exit code (128 + signal when killed).
int exit_code_of(int status);
/// This program's path (for starting units as child processes); /proc/self/exe when it cannot be read.
std::string self_executable();
/// Runs `args` to completion (start_process + wait_process).
int run_process(const std::vector<std::string>& args, const std::filesystem::path& log);
/// Runs `args` (argv[0] looked up in PATH, no shell) and returns its exit code and its stdout — with its stderr
/// too when `with_stderr`, else stderr is discarded.
std::pair<int, std::string> capture(const std::vector<std::string>& args, bool with_stderr);

/// Makes this process the reaper of its orphaned descendants (PR_SET_CHILD_SUBREAPER): a process started by a child
/// that outlives its parent (a daemon, a grandchild that called setsid) comes back to this process instead of init,
/// so that stop_descendants() finds it. Returns false when the system refuses.
bool become_subreaper();
/// This process's children now (from /proc), for stop_descendants() to leave alone those started by others.
std::set<pid_t> current_children();
/// This process's descendants (children, theirs, ...) now, from /proc, but for the subtrees of `spare`.
std::vector<pid_t> current_descendants(const std::set<pid_t>& spare);
/// Ends every descendant of this process but the subtrees of `spare`: SIGKILL to each child, reaped, again and again
/// until no child is left (a subreaper inherits the children of each child it reaps: grandchildren, even after
/// setsid, end the same way). Returns how many it reaped. A child that is a zombie already is just reaped.
int stop_descendants(const std::set<pid_t>& spare);

} // namespace deplsim
