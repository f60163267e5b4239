# Shared by the end-to-end test scripts in tests/cli/ (sourced, not run): the environment they need, a temporary
# folder removed on exit, `check WHAT COMMAND...` counting passes and failures (a failure prints the command's
# output), `expect_rc RC ARGS...` (runs deplsim under a timeout of $EXPECT_TIMEOUT s, default 300, with stdout and
# stderr in $TMP/rc.out and $TMP/rc.err, and checks its exit code), `err_has TEXT` (that stderr holds TEXT), and
# `finish`, which prints the closing `N passed, M failed` line and sets the exit status.
#   source "$(dirname "$0")/testlib.sh" NAME
set -u
DEPLSIM=${DEPLSIM:?set DEPLSIM to the deplsim binary}
SOURCE_DIR=${SOURCE_DIR:?set SOURCE_DIR to the source tree}
PY=/usr/bin/python3
TMP=$(mktemp -d "/tmp/deplsim-${1:-test}.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
passed=0
failed=0

check() {  # check "what" command...
  local what=$1
  shift
  if "$@" >"$TMP/check.out" 2>&1; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: $what"
    sed 's/^/    | /' "$TMP/check.out" | head -30
  fi
}

expect_rc() {  # expect_rc RC ARGS...
  local want=$1
  shift
  timeout "${EXPECT_TIMEOUT:-300}" "$DEPLSIM" "$@" >"$TMP/rc.out" 2>"$TMP/rc.err"
  local rc=$?
  [ "$rc" = "$want" ] || { echo "exit $rc, expected $want"; cat "$TMP/rc.out" "$TMP/rc.err"; return 1; }
}
err_has() { grep -qF -- "$1" "$TMP/rc.err" || { echo "stderr lacks: $1"; cat "$TMP/rc.err"; return 1; }; }

finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
