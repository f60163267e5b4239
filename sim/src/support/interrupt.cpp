// SIGINT/SIGTERM as a flag (see interrupt.hpp).
#include "support/interrupt.hpp"

namespace deplsim {
namespace {
std::atomic<int> g_interrupted{0};
extern "C" void on_interrupt(int sig) { g_interrupted = sig; }
} // namespace

InterruptGuard::InterruptGuard(bool restart, bool once) {
  g_interrupted = 0;
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = (restart ? SA_RESTART : 0) | (once ? SA_RESETHAND : 0);
  sigaction(SIGINT, &sa, &old_int_);
  sigaction(SIGTERM, &sa, &old_term_);
}

InterruptGuard::~InterruptGuard() {
  sigaction(SIGINT, &old_int_, nullptr);
  sigaction(SIGTERM, &old_term_, nullptr);
}

const std::atomic<int>& interrupt_signal() { return g_interrupted; }

} // namespace deplsim
