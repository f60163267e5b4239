// SIGINT/SIGTERM as a flag, and as a byte in a pipe for waits that poll (see interrupt.hpp).
#include "support/interrupt.hpp"

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

namespace deplsim {
namespace {
std::atomic<int> g_interrupted{0};
std::atomic<int> g_guards{0};  // InterruptGuards alive
int g_wake[2] = {-1, -1};  // the self-pipe: the handler writes a byte to [1], a poll() waits on [0]

extern "C" void on_interrupt(int sig) {
  g_interrupted = sig;
  if (g_wake[1] >= 0) {
    const int saved = errno;  // a handler must leave errno as it found it
    const char byte = 1;
    (void)!::write(g_wake[1], &byte, 1);  // non-blocking: a full pipe is woken already
    errno = saved;
  }
}
} // namespace

InterruptGuard::InterruptGuard(bool restart, bool once) {
  if (g_wake[0] < 0) (void)pipe2(g_wake, O_CLOEXEC | O_NONBLOCK);
  char drain[64];
  while (g_wake[0] >= 0 && ::read(g_wake[0], drain, sizeof drain) > 0) {}  // a signal of an earlier guard is over
  g_interrupted = 0;
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = (restart ? SA_RESTART : 0) | (once ? SA_RESETHAND : 0);
  sigaction(SIGINT, &sa, &old_int_);
  sigaction(SIGTERM, &sa, &old_term_);
  ++g_guards;
}

InterruptGuard::~InterruptGuard() {
  --g_guards;
  sigaction(SIGINT, &old_int_, nullptr);
  sigaction(SIGTERM, &old_term_, nullptr);
}

const std::atomic<int>& interrupt_signal() { return g_interrupted; }

int interrupt_wake_fd() { return g_guards.load() > 0 ? g_wake[0] : -1; }

int pending_interrupt() { return g_guards.load() > 0 ? g_interrupted.load() : 0; }

} // namespace deplsim
