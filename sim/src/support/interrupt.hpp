// Interrupts: SIGINT/SIGTERM turned into a flag that long work checks between steps (a replication, a unit),
// and the exception that carries the signal to the command, which exits 130.
#pragma once

#include <atomic>
#include <csignal>
#include <stdexcept>

namespace deplsim {

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

/// A descriptor that turns readable when SIGINT or SIGTERM arrives under an InterruptGuard (a self-pipe, emptied by
/// each new guard), for a wait in poll() to end at once: a flag checked before poll() could be set just after the
/// check. -1 while no guard is alive (a byte left by an earlier guard's signal must not wake anyone).
int interrupt_wake_fd();

/// The signal that arrived under the InterruptGuard alive now, 0 if none or when no guard is alive (a wait that
/// asks this is interrupted only where its caller handles interruption).
int pending_interrupt();

/// Thrown when work is asked to stop (a signal): it stopped between steps, keeping nothing half-done.
struct Interrupted : std::runtime_error {
  explicit Interrupted(int sig) : std::runtime_error("interrupted"), signal(sig) {}
  int signal;
};

} // namespace deplsim
