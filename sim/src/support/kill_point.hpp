// Crash-safety tests (tests/cli/crash_safety_test.sh, tests/cli/hostile_outputs_test.sh, docs/testing.md): named
// points where a test can make the process die by SIGKILL, to prove that what is on disk at that moment is safe to
// resume from; points where it waits for a file (to hold it there while another process runs); and writes a test
// can make fail as on a full disk.
#pragma once

#include <string>

namespace deplsim {

/// When the environment variable DEPLSIM_TEST_KILL_AT equals `point` (e.g. "run:planned", "run:replication:5"),
/// the process sends itself SIGKILL there — a crash at a chosen moment. With DEPLSIM_TEST_KILL_MATCH set too, only a
/// process whose command line contains that text does (one unit of a sweep, say). DEPLSIM_TEST_KILL_SIGNAL=INT or
/// TERM sends that signal instead of SIGKILL (an interrupt at a chosen moment). Nothing happens otherwise.
void test_kill_point(const std::string& point);

/// When DEPLSIM_TEST_PAUSE_AT equals `point` and DEPLSIM_TEST_PAUSE_FILE names a file F, the process creates
/// F.reached and waits there until F exists (a test's handshake, no timing involved). Nothing happens otherwise.
void test_pause_point(const std::string& point);

/// Whether a write of `path` is to fail as on a full disk (ENOSPC): DEPLSIM_TEST_WRITE_FAIL holds a text that
/// `path` ends with (e.g. "comparison.csv", "/summary.json"). Only for tests; false when the variable is unset.
bool test_write_fails(const std::string& path);

} // namespace deplsim
