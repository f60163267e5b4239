// Progress on stderr, the same way in every command: on a terminal, one line rewritten in place (at most five times a
// second); in a log or a pipe, a full line at most every 5 s (so a short command prints none, and a long one shows
// in a log that it is alive and how long is left); nothing at all with --quiet or DEPLSIM_QUIET=1 (which children
// inherit).
#pragma once

#include <chrono>
#include <string>

namespace deplsim {

/// --quiet: no progress lines in this process or its children (sets DEPLSIM_QUIET=1 in the environment).
void set_quiet();
/// True with --quiet or DEPLSIM_QUIET=1.
[[nodiscard]] bool quiet();

/// "N s left", "M min SS s left" or "H h MM min left" for `seconds`, rounded to the whole second first (so never
/// "1 min 60 s").
[[nodiscard]] std::string format_left(double seconds);

class ProgressLine {
public:
  /// `on`: whether the caller wants progress at all (e.g. not in a worker whose parent reports it).
  explicit ProgressLine(bool on = true);
  /// The current state, e.g. "simulating replication 10/100, 5 s left"; `last` forces it out (and ends a terminal's
  /// line).
  void show(const std::string& text, bool last = false);
  /// Seconds since construction.
  [[nodiscard]] double elapsed() const;
  /// "N s left" from `done` of `total` at the rate so far ("" before the first is done).
  [[nodiscard]] std::string left(double done, double total) const;

private:
  bool on_;
  bool tty_;
  bool open_ = false;  // a terminal line written and not ended
  std::chrono::steady_clock::time_point start_, last_;
};

} // namespace deplsim
