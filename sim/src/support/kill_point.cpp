// Kill points for crash-safety tests (see kill_point.hpp).
#include "support/kill_point.hpp"

#include <csignal>
#include <cstdlib>
#include <unistd.h>

namespace deplsim {

void test_kill_point(const std::string& point) {
  static const char* const at = std::getenv("DEPLSIM_TEST_KILL_AT");
  if (at != nullptr && point == at) ::kill(::getpid(), SIGKILL);
}

} // namespace deplsim
