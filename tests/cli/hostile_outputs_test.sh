#!/usr/bin/env bash
# Hostile output environments (docs/outputs.md section 1): stderr or stdout that cannot be written, writes that fail
# as on a full disk (DEPLSIM_TEST_WRITE_FAIL, and a real full tmpfs when mounting works), output paths that cannot
# be written or name no folder, two runs on one folder at once (DEPLSIM_TEST_PAUSE_AT holds the first one at a
# point until a file appears: no timing), and a failed external orchestrator. Every failure is exit 2 naming the
# path and the reason, before any work where the path is the problem; nothing half-written is ever published and
# no DIR.partial, DIR.tmp-PID or DIR.lock is left behind where there is nothing to resume.
source "$(dirname "$0")/testlib.sh" hostile_outputs
TINY="$SOURCE_DIR/tests/data/scenarios/tiny.yaml"
RUN=(run "$TINY" --orchestrator full-only --replications 20)
DEPLSIM=$(readlink -f "$DEPLSIM")
trap 'umount "$TMP/small" 2>/dev/null; umount "$TMP/ro" 2>/dev/null; rm -rf "$TMP"' EXIT
cd "$TMP" || exit 1

no_leftovers() {  # no_leftovers NAME: nothing named NAME* in $TMP
  ! ls -d "$TMP/$1"* 2>/dev/null | grep -q . || { echo "left behind:"; ls -d "$TMP/$1"*; return 1; }
}
not_internal() { ! grep -q "internal error" "$TMP/rc.err" || { cat "$TMP/rc.err"; return 1; }; }

# --- Class: stderr that cannot be written (2>/dev/full): the exit code the error deserves, never a signal.
stderr_full() {  # stderr_full RC ARGS...
  local want=$1
  shift
  timeout 300 "$DEPLSIM" "$@" >/dev/null 2>/dev/full
  local rc=$?
  [ "$rc" = "$want" ] || { echo "exit $rc, expected $want"; return 1; }
}
check "stderr full: unknown orchestrator exits 2" stderr_full 2 plan "$TINY" --orchestrator nonexist
check "stderr full: missing scenario exits 2" stderr_full 2 validate "$TMP/missing.yaml"
check "stderr full: a bad option exits 2" stderr_full 2 run "$TINY" --no-such-option
check "stderr full: a plan with its reasoning on stderr exits 0" stderr_full 0 plan "$TINY" --orchestrator full-only
check "stderr full: a run exits 0 with its results" stderr_full 0 "${RUN[@]}" --out "$TMP/errfull"
check "  ... published" test -s "$TMP/errfull/summary.json"
check "stderr full: an existing --out exits 2" stderr_full 2 "${RUN[@]}" --out "$TMP/errfull"

# --- Class: stdout that cannot be written (>/dev/full): exit 2 saying so; the result is not silently lost.
stdout_full() {  # stdout_full ARGS...
  timeout 300 "$DEPLSIM" "$@" >/dev/full 2>"$TMP/rc.err"
  local rc=$?
  [ "$rc" = 2 ] || { echo "exit $rc, expected 2"; cat "$TMP/rc.err"; return 1; }
  grep -q "cannot write to stdout: No space left on device" "$TMP/rc.err" || { cat "$TMP/rc.err"; return 1; }
}
check "stdout full: plan exits 2" stdout_full plan "$TINY" --orchestrator full-only
check "stdout full: list exits 2" stdout_full list
check "stdout full: validate exits 2" stdout_full validate "$TINY"
check "stdout full: run exits 2" stdout_full "${RUN[@]}" --out "$TMP/outfull"
check "stdout and stderr full: plan exits 2" bash -c "'$DEPLSIM' plan '$TINY' --orchestrator full-only >/dev/full 2>/dev/full; [ \$? = 2 ]"

# --- Class: writes that fail (a full disk, injected): exit 2 naming the file and the OS reason; nothing published.
write_fails() {  # write_fails FILE-SUFFIX ARGS...: exit 2 naming the file and "No space left on device"
  local tail=$1
  shift
  DEPLSIM_TEST_WRITE_FAIL="$tail" timeout 300 "$DEPLSIM" "$@" >"$TMP/rc.out" 2>"$TMP/rc.err"
  local rc=$?
  [ "$rc" = 2 ] || { echo "exit $rc, expected 2"; cat "$TMP/rc.err"; return 1; }
  grep -q -- "$tail: cannot write it: No space left on device" "$TMP/rc.err" || { cat "$TMP/rc.err"; return 1; }
}
for f in summary.json replications.csv trace.csv timing.json; do
  check "run: $f cannot be written: exit 2" write_fails "/$f" "${RUN[@]}" --out "$TMP/wf-$f"
  check "  nothing published" test ! -e "$TMP/wf-$f"
  check "  the plan kept for --resume" test -s "$TMP/wf-$f.partial/run-state.json"
  check "  no temporary file left" bash -c "! ls '$TMP/wf-$f.partial' | grep -q tmp-"
  check "  --resume finishes it" expect_rc 0 "${RUN[@]}" --out "$TMP/wf-$f" --resume
  check "  ... every file there" bash -c "cd '$TMP/wf-$f' && test -s summary.json -a -s replications.csv -a -s trace.csv -a -s timing.json"
  check "  ... and nothing else" no_leftovers "wf-$f."
done
check "run: run-state.json cannot be written: exit 2" write_fails /run-state.json "${RUN[@]}" --out "$TMP/wf-state"
check "  nothing left (no result existed)" no_leftovers wf-state
check "compare: comparison.csv cannot be written: exit 2" write_fails /comparison.csv \
  compare "$TINY" --orchestrators full-only,pruned-only --replications 20 --out "$TMP/wf-cmp"
check "  nothing published, nothing left" no_leftovers wf-cmp
check "compare: timings.csv cannot be written: exit 2" write_fails /timings.csv \
  compare "$TINY" --orchestrators full-only,pruned-only --replications 20 --out "$TMP/wf-cmp2"
check "  nothing published, nothing left" no_leftovers wf-cmp2
check "compare: units that cannot write their results fail (exit 4)" bash -c "
  DEPLSIM_TEST_WRITE_FAIL=/summary.json '$DEPLSIM' compare '$TINY' --orchestrators full-only,pruned-only --replications 20 \
    --out '$TMP/wf-units' >/dev/null 2>'$TMP/u.err'; rc=\$?
  [ \$rc = 4 ] || { echo exit \$rc; cat '$TMP/u.err'; exit 1; }
  grep -q 'No space left on device' '$TMP/u.err' || { cat '$TMP/u.err'; exit 1; }"
check "  ... leaving no unit work folder in the comparison" bash -c "! find '$TMP/wf-units' -name '*.partial' -o -name '*.lock' -o -name '*.tmp-*' | grep ."
check "calibrate: calibration.csv cannot be written: exit 2" write_fails /calibration.csv \
  calibrate "$TINY" --replications 200 --out "$TMP/wf-cal"
check "  nothing published, nothing left" no_leftovers wf-cal

# A real full disk: a small tmpfs, filled (only where this test may mount, as root).
if mkdir -p "$TMP/small" && mount -t tmpfs -o size=64k tmpfs "$TMP/small" 2>/dev/null; then
  head -c 60000 /dev/zero >"$TMP/small/filler" 2>/dev/null
  check "full tmpfs: run exits 2" expect_rc 2 "${RUN[@]}" --out "$TMP/small/r"
  check "  naming the reason" err_has "No space left on device"
  check "  not as an internal error" not_internal
  check "  nothing published" test ! -e "$TMP/small/r"
  check "  no temporary file or lock left" bash -c "! find '$TMP/small' -name '*.tmp-*' -o -name '*.lock' | grep ."
else
  echo "note: cannot mount a tmpfs here (not root?): the real full-disk case is skipped (the injected ones ran)"
fi

# --- Class: output paths, checked before any work (exit 2 with the path and the reason).
bad_out() {  # bad_out TEXT ARGS...: exit 2, stderr holds TEXT, no internal error, and quickly (no simulation)
  local text=$1
  shift
  expect_rc 2 "$@" || return 1
  err_has "$text" && not_internal
}
check "run --out DIR/ (trailing slash) works" expect_rc 0 "${RUN[@]}" --out "$TMP/slash/"
check "  DIR published, no DIR/.partial" bash -c "test -s '$TMP/slash/summary.json' && test ! -e '$TMP/slash/.partial' && test ! -e '$TMP/slash.partial'"
check "  a second run on DIR/ sees DIR exists" bad_out "already exists" "${RUN[@]}" --out "$TMP/slash/"
check "compare --out DIR/ works" expect_rc 0 compare "$TINY" --orchestrators full-only --replications 20 --out "$TMP/cslash/"
check "  DIR published, no DIR/.partial" bash -c "test -s '$TMP/cslash/comparison.csv' && test ! -e '$TMP/cslash/.partial' && test ! -e '$TMP/cslash.partial'"
check "calibrate --out DIR/ works" expect_rc 0 calibrate "$TINY" --replications 200 --out "$TMP/kslash/"
check "  DIR published, no DIR/.partial" bash -c "test -s '$TMP/kslash/calibration.csv' && test ! -e '$TMP/kslash/.partial' && test ! -e '$TMP/kslash.partial'"
check "run --out DIR/// --force works" expect_rc 0 "${RUN[@]}" --out "$TMP/slash///" --force
for cmd in run "compare $TINY --orchestrators full-only" "calibrate $TINY" "coverage $TINY" \
  "sweep $SOURCE_DIR/tests/data/sweeps/tiny.yaml" "reproduce paper --quick"; do
  read -ra args <<<"$cmd"
  [ "${args[0]}" = run ] && args=("${RUN[@]}")
  check "${args[0]} --out '' is refused" bad_out "--out: '': expected a folder name" "${args[@]}" --out ''
  check "${args[0]} --out /proc/self/x is refused" bad_out "cannot write in the folder '/proc/self'" "${args[@]}" --out /proc/self/x
  check "${args[0]} --out of 300 characters is refused" bad_out "at most 255 (NAME_MAX)" "${args[@]}" --out "$TMP/$(printf 'n%.0s' $(seq 300))"
  check "${args[0]} --out under a file is refused" bad_out "is not a folder" "${args[@]}" --out "$TMP/errfull/summary.json/x"
  check "${args[0]} --out on a file is refused, even with --force" bad_out "exists and is not a folder" "${args[@]}" --out "$TMP/errfull/summary.json" --force
  check "  the file is untouched" test -s "$TMP/errfull/summary.json"
done
check "run --out of 250 characters is refused (room for .partial)" bad_out "at most 243" "${RUN[@]}" --out "$TMP/$(printf 'n%.0s' $(seq 250))"
check "run --out / is refused" bad_out "names no folder of its own" "${RUN[@]}" --out /
check "nothing left by the refused paths" bash -c "! ls '$TMP' | grep -e '^nnn' -e tmp- -e '\.lock$'"
check "platform generate --out a folder is refused" bad_out "is a folder" platform generate "$TMP/nospec.yaml" --out "$TMP"
check "platform generate --out DIR/ is refused" bad_out "expected a file name" platform generate "$TMP/nospec.yaml" --out "$TMP/p/"
check "platform generate --out /proc/self/p.xml is refused" bad_out "cannot write in the folder" platform generate "$TMP/nospec.yaml" --out /proc/self/p.xml
check "platform generate --out /dev/null is refused" bad_out "not a regular file" platform generate "$TMP/nospec.yaml" --out /dev/null
check "platform generate --out '' is refused" bad_out "expected a file name" platform generate "$TMP/nospec.yaml" --out ''
check "plan --write-model into /proc/self is refused" bad_out "cannot write in the folder" plan "$TINY" --orchestrator optimum --write-model /proc/self/m.lp
check "plan --write-model '' is refused" bad_out "--write-model" plan "$TINY" --orchestrator optimum --write-model ''
mkdir -p "$TMP/model.lp"
check "plan --write-model on a folder is refused" bad_out "is a folder" plan "$TINY" --orchestrator optimum --write-model "$TMP/model.lp"
check "plan --write-model DIR/ is refused" bad_out "expected a file name" plan "$TINY" --orchestrator optimum --write-model "$TMP/model.lp/"
check "reproduce --sweeps /etc is refused" bad_out "holds no sweep file" reproduce paper --sweeps /etc --out "$TMP/rp"
check "  nothing left" no_leftovers rp
if mkdir -p "$TMP/ro" && mount -t tmpfs -o ro,size=64k tmpfs "$TMP/ro" 2>/dev/null; then
  check "read-only file system: run is refused" bad_out "Read-only file system" "${RUN[@]}" --out "$TMP/ro/r"
  check "read-only file system: compare is refused" bad_out "Read-only file system" compare "$TINY" --orchestrators full-only --out "$TMP/ro/c"
  check "read-only file system: --write-model is refused" bad_out "Read-only file system" plan "$TINY" --orchestrator optimum --write-model "$TMP/ro/m.lp"
  check "read-only file system: platform generate is refused" bad_out "Read-only file system" platform generate "$TMP/nospec.yaml" --out "$TMP/ro/p.xml"
else
  echo "note: cannot mount a read-only tmpfs here (not root?): the read-only cases are skipped (/proc ones ran)"
fi

# --- Class: two runs on one folder at once: the second is refused (exit 2, naming the holder); the first finishes.
PAUSE="$TMP/go"
DEPLSIM_TEST_PAUSE_AT=run:locked DEPLSIM_TEST_PAUSE_FILE="$PAUSE" "$DEPLSIM" "${RUN[@]}" --out "$TMP/busy" >"$TMP/first.out" 2>&1 &
first=$!
while [ ! -e "$PAUSE.reached" ] && kill -0 "$first" 2>/dev/null; do sleep 0.05; done
check "the first run holds the lock, recording its pid and command" bash -c "grep -q 'pid $first: .*run .*--out $TMP/busy' '$TMP/busy.lock'"
for extra in "" --force --resume; do
  check "a second run${extra:+ $extra} on the busy folder exits 2" bad_out "is in use by another deplsim (lock $TMP/busy.lock: pid $first" \
    run "$TINY" --orchestrator full-only --replications 30 --out "$TMP/busy" $extra
done
check "compare on the busy folder exits 2" bad_out "is in use by another deplsim" compare "$TINY" --orchestrators full-only --out "$TMP/busy" --force
: >"$PAUSE"
wait "$first"
check "the first run then finishes (exit 0)" test $? = 0
check "  with its own results" grep -q '"replications": 20' "$TMP/busy/summary.json"
check "  and its lock file removed" test ! -e "$TMP/busy.lock"
check "a killed run's stale lock does not block (killed)" bash -c "
  DEPLSIM_TEST_KILL_AT=run:planned '$DEPLSIM' ${RUN[*]} --out '$TMP/stale' >/dev/null 2>&1; [ \$? = 137 ] && test -e '$TMP/stale.lock'"
check "  --resume takes it over and finishes" expect_rc 0 "${RUN[@]}" --out "$TMP/stale" --resume
check "  leaving no lock" test ! -e "$TMP/stale.lock"

# --- Class: a failed orchestrator before any result: nothing kept, a rerun fails the same way (not "interrupted").
for ext in "exit 3" "echo not-json" "read -r hello; exit 1"; do
  check "external orchestrator '$ext' fails: exit 2" expect_rc 2 run "$TINY" --orchestrator external --external-cmd "$ext" --replications 20 --out "$TMP/ext"
  check "  nothing left" no_leftovers ext
  check "  a rerun fails the same way" expect_rc 2 run "$TINY" --orchestrator external --external-cmd "$ext" --replications 20 --out "$TMP/ext"
  check "  ... not as an interrupted run" bash -c "! grep -q 'interrupted' '$TMP/rc.err'"
done
check "an unknown plug-in orchestrator in compare leaves nothing" expect_rc 2 compare "$TINY" --orchestrators full-only,nonexist --out "$TMP/cmpbad"
check "  nothing left" no_leftovers cmpbad

finish
