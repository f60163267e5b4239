#include "support/progress.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unistd.h>

namespace deplsim {
namespace {

constexpr double kTerminalEvery = 0.2;  // s between rewrites of a terminal's line
constexpr double kLogEvery = 5.0;       // s between lines in a log or a pipe

// Tests set DEPLSIM_TEST_PROGRESS_EVERY=0 to get every line in a log, whatever the machine's speed.
double log_every() {
  static const double every = [] {
    const char* t = std::getenv("DEPLSIM_TEST_PROGRESS_EVERY");
    return t != nullptr && *t != '\0' ? std::atof(t) : kLogEvery;
  }();
  return every;
}

double seconds(std::chrono::steady_clock::duration d) { return std::chrono::duration<double>(d).count(); }

} // namespace

void set_quiet() { setenv("DEPLSIM_QUIET", "1", 1); }

bool quiet() {
  const char* q = std::getenv("DEPLSIM_QUIET");
  return q != nullptr && *q != '\0' && std::strcmp(q, "0") != 0;
}

ProgressLine::ProgressLine(bool on)
    : on_(on && !quiet()), tty_(isatty(STDERR_FILENO) != 0), start_(std::chrono::steady_clock::now()), last_(start_) {}

void ProgressLine::show(const std::string& text, bool last) {
  if (!on_) return;
  const auto now = std::chrono::steady_clock::now();
  const double since = seconds(now - last_);
  if (tty_) {
    if (!last && open_ && since < kTerminalEvery) return;
    fmt::print(stderr, "\r\033[K{}{}", text, last ? "\n" : "");
    open_ = !last;
  } else {
    // A log gets a line every kLogEvery seconds, and the last one only if it got any before (a short command stays
    // silent).
    if (last ? last_ == start_ && log_every() > 0 : since < log_every()) return;
    fmt::print(stderr, "{}\n", text);
  }
  std::fflush(stderr);
  last_ = now;
}

double ProgressLine::elapsed() const { return seconds(std::chrono::steady_clock::now() - start_); }

std::string ProgressLine::left(double done, double total) const {
  if (!(done > 0) || total < done) return "";
  return format_left(elapsed() / done * (total - done));
}

std::string format_left(double seconds) {
  const long long t = std::isfinite(seconds) && seconds > 0 ? std::llround(std::min(seconds, 1e12)) : 0;
  if (t >= 3600) return fmt::format("{} h {:02} min left", t / 3600, (t % 3600) / 60);
  if (t >= 60) return fmt::format("{} min {:02} s left", t / 60, t % 60);
  return fmt::format("{} s left", t);
}

} // namespace deplsim
