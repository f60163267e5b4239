# Shared by the end-to-end test scripts in tests/cli/ (sourced, not run): the environment they need, a temporary
# folder removed on exit, `check WHAT COMMAND...` counting passes and failures (a failure prints the command's
# output), and `finish`, which prints the closing `N passed, M failed` line and sets the exit status.
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

finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
