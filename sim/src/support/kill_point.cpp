// Kill points for crash-safety tests (see kill_point.hpp).
#include "support/kill_point.hpp"

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <unistd.h>

#include <chrono>
#include <thread>

namespace deplsim {
namespace {

// Whether this process's command line contains `text` (its arguments joined by spaces).
bool command_line_contains(const std::string& text) {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::string line((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (char& c : line)
    if (c == '\0') c = ' ';
  return line.find(text) != std::string::npos;
}

} // namespace

void test_kill_point(const std::string& point) {
  static const char* const at = std::getenv("DEPLSIM_TEST_KILL_AT");
  if (at == nullptr || point != at) return;
  static const char* const match = std::getenv("DEPLSIM_TEST_KILL_MATCH");
  if (match != nullptr && *match != '\0' && !command_line_contains(match)) return;
  // DEPLSIM_TEST_KILL_SIGNAL=INT or TERM: the signal a user's Ctrl-C or a batch system's stop sends, delivered at
  // that exact point (the handler runs as for a signal from outside); anything else: SIGKILL.
  static const char* const sig = std::getenv("DEPLSIM_TEST_KILL_SIGNAL");
  const std::string name = sig == nullptr ? "" : sig;
  ::kill(::getpid(), name == "INT" ? SIGINT : name == "TERM" ? SIGTERM : SIGKILL);
}

void test_pause_point(const std::string& point) {
  static const char* const at = std::getenv("DEPLSIM_TEST_PAUSE_AT");
  static const char* const file = std::getenv("DEPLSIM_TEST_PAUSE_FILE");
  if (at == nullptr || file == nullptr || *file == '\0' || point != at) return;
  const std::string go = file;
  std::ofstream(go + ".reached") << getpid() << "\n";
  while (::access(go.c_str(), F_OK) != 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

bool test_write_fails(const std::string& path) {
  static const char* const fail = std::getenv("DEPLSIM_TEST_WRITE_FAIL");
  if (fail == nullptr || *fail == '\0') return false;
  const std::string tail = fail;
  return path.size() >= tail.size() && path.compare(path.size() - tail.size(), tail.size(), tail) == 0;
}

} // namespace deplsim
