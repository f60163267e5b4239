#!/usr/bin/env bash
# Progress on stderr when it is not a terminal (a log): lines with the time left (every line here, with the test
# hook DEPLSIM_TEST_PROGRESS_EVERY=0 instead of one per 5 s, so that nothing depends on the machine's speed); none
# with --quiet (before or after the subcommand) or DEPLSIM_QUIET=1; the knowledge
# cache's default folder announced once, when first made, and not when DEPLSIM_CACHE_DIR names one.
source "$(dirname "$0")/testlib.sh" progress
TINY="$SOURCE_DIR/tests/data/scenarios/tiny.yaml"
export DEPLSIM_TEST_PROGRESS_EVERY=0
run_tiny() { "$DEPLSIM" "$@" >/dev/null 2>"$TMP/err"; }
check "run in a log: exit 0" run_tiny run "$TINY" --replications 40 --simulate-every-replication --out "$TMP/r1"
check "  a progress line per replication, with the time left" bash -c "test \$(grep -cE '^simulating replication [0-9]+/40, [0-9]+ s left$' '$TMP/err') = 40"
check "  (the last one: 40/40)" grep -q "^simulating replication 40/40" "$TMP/err"
check "run --quiet" run_tiny run "$TINY" --replications 40 --simulate-every-replication --out "$TMP/r2" --quiet
check "  no progress line" bash -c "! grep -q simulating '$TMP/err'"
check "-q before the subcommand" run_tiny -q run "$TINY" --replications 40 --simulate-every-replication --out "$TMP/r3"
check "  no progress line" bash -c "! grep -q simulating '$TMP/err'"
check "DEPLSIM_QUIET=1" bash -c "DEPLSIM_QUIET=1 '$DEPLSIM' run '$TINY' --replications 40 --simulate-every-replication --out '$TMP/r4' 2>'$TMP/err' >/dev/null"
check "  no progress line" bash -c "! grep -q simulating '$TMP/err'"
check "  the results are the same bytes" cmp "$TMP/r1/replications.csv" "$TMP/r4/replications.csv"
check "compare in a log: a line per unit" run_tiny compare "$TINY" --orchestrators full-only,depl --replications 40 --out "$TMP/c1"
check "  ([1/2] full-only, [2/2] depl)" bash -c "grep -qx '\[1/2\] full-only' '$TMP/err' && grep -qx '\[2/2\] depl' '$TMP/err'"
check "compare --quiet" run_tiny compare "$TINY" --orchestrators full-only,depl --replications 40 --out "$TMP/c2" --quiet
check "  no line per unit" bash -c "! grep -q '^\[1/2\]' '$TMP/err'"
# The knowledge cache's default folder: said once when made.
mkdir -p "$TMP/home"
cache_run() { env -u DEPLSIM_CACHE_DIR -u XDG_CACHE_HOME HOME="$TMP/home" "$DEPLSIM" plan "$TINY" >/dev/null 2>"$TMP/err"; }
check "first plan with the default cache folder" cache_run
check "  says where the cache is" grep -qF "note: planner knowledge is cached in $TMP/home/.cache/deplsim (DEPLSIM_CACHE_DIR=FOLDER to move it" "$TMP/err"
check "  and fills it" bash -c "ls '$TMP/home/.cache/deplsim' | grep -q ."
check "second plan" cache_run
check "  says nothing of it" bash -c "! grep -q 'is cached in' '$TMP/err'"
check "DEPLSIM_CACHE_DIR names a new folder" bash -c "DEPLSIM_CACHE_DIR='$TMP/chosen' '$DEPLSIM' plan '$TINY' >/dev/null 2>'$TMP/err'"
check "  used, without a note" bash -c "ls '$TMP/chosen' | grep -q . && ! grep -q 'is cached in' '$TMP/err'"
finish
