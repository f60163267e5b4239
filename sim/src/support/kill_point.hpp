// Crash-safety tests (tests/cli/crash_safety_test.sh, docs/testing.md): named points where a test can make the
// process die by SIGKILL, to prove that what is on disk at that moment is safe to resume from.
#pragma once

#include <string>

namespace deplsim {

/// When the environment variable DEPLSIM_TEST_KILL_AT equals `point` (e.g. "run:planned", "run:replication:5"),
/// the process sends itself SIGKILL there — a crash at a chosen moment. With DEPLSIM_TEST_KILL_MATCH set too, only a
/// process whose command line contains that text does (one unit of a sweep, say). DEPLSIM_TEST_KILL_SIGNAL=INT or
/// TERM sends that signal instead of SIGKILL (an interrupt at a chosen moment). Nothing happens otherwise.
void test_kill_point(const std::string& point);

} // namespace deplsim
