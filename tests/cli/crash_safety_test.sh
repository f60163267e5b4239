#!/usr/bin/env bash
# Crash safety of `deplsim run` (docs/testing.md): killed (SIGKILL) at chosen points — after planning, between
# replications, while writing the files, between the two renames of a --force replacement — and at random times,
# it never leaves a file under the final name DIR that is not the finished result, and `--resume` completes with
# byte-identical summary.json, replications.csv and trace.csv. SIGINT and SIGTERM exit 130 and leave a resumable
# DIR.partial; a plain rerun refuses to overwrite it; resuming with other inputs is refused (exit 2); a damaged
# run-state.json is planned again. The kill points are DEPLSIM_TEST_KILL_AT (sim/src/experiment/process.hpp).
source "$(dirname "$0")/testlib.sh" crash_safety
TINY="$SOURCE_DIR/tests/data/scenarios/tiny.yaml"
# Random node failures: each replication is simulated (the slow path, a few seconds in all).
BASE=(run "$TINY" --orchestrator full-only --set clusters.main.mtbf_s=20 --set clusters.main.mttr_s=5)
ARGS=("${BASE[@]}" --replications 400)
LONG=("${BASE[@]}" --replications 4000)
FILES=(summary.json replications.csv trace.csv)

same_as_ref() {  # same_as_ref DIR: the three deterministic files equal the uninterrupted run's
  local f
  for f in "${FILES[@]}"; do cmp "$TMP/ref/$f" "$1/$f" || return 1; done
  [ -f "$1/timing.json" ] || { echo "no timing.json"; return 1; }
  [ ! -e "$1/run-state.json" ] || { echo "run-state.json left in the results"; return 1; }
  [ ! -e "$1.partial" ] || { echo "$1.partial left behind"; return 1; }
}
no_final_dir() { [ ! -e "$1" ] || { echo "$1 exists after the crash:"; ls -la "$1"; return 1; }; }
killed_at() {  # killed_at POINT DIR [extra args]: the run dies by SIGKILL at POINT
  local point=$1 dir=$2
  shift 2
  DEPLSIM_TEST_KILL_AT="$point" timeout 120 "$DEPLSIM" "${ARGS[@]}" --out "$dir" "$@" >"$TMP/k.out" 2>&1
  local rc=$?
  [ "$rc" = 137 ] || { echo "exit $rc, expected 137 (SIGKILL at $point)"; cat "$TMP/k.out"; return 1; }
}
resume() { timeout 120 "$DEPLSIM" "${ARGS[@]}" --out "$1" --resume >"$TMP/r.out" 2>&1 || { cat "$TMP/r.out"; return 1; }; }

check "uninterrupted reference" timeout 120 "$DEPLSIM" "${ARGS[@]}" --out "$TMP/ref"

# SIGKILL at each point, then --resume.
for point in run:planned run:replication:1 run:replication:200 run:writing run:publish; do
  d="$TMP/kill-${point//:/-}"
  check "SIGKILL at $point" killed_at "$point" "$d"
  check "  no $point results under the final name" no_final_dir "$d"
  check "  the work is kept in DIR.partial" test -d "$d.partial"
  check "  --resume completes" resume "$d"
  check "  ... with the uninterrupted run's bytes" same_as_ref "$d"
done
check "after planning, --resume keeps the plan (not planned again)" bash -c "
  DEPLSIM_TEST_KILL_AT=run:planned '$DEPLSIM' ${ARGS[*]} --out '$TMP/plan-kept' >/dev/null 2>&1
  test -s '$TMP/plan-kept.partial/run-state.json' &&
  '$DEPLSIM' ${ARGS[*]} --out '$TMP/plan-kept' --resume 2>&1 >/dev/null | grep -q 'the plan kept, not planned again'"

# --force over finished results, killed between moving the old results aside and moving the new ones in.
check "a finished run to replace" timeout 120 "$DEPLSIM" "${ARGS[@]}" --out "$TMP/replace" --seed 9
check "SIGKILL between the renames of --force" killed_at publish:replaced "$TMP/replace" --force
check "  the old results are not under the final name" no_final_dir "$TMP/replace"
check "  --resume completes" resume "$TMP/replace"
check "  ... with the new run's bytes" same_as_ref "$TMP/replace"
check "  and nothing of the old results is left beside it" bash -c "! ls -d '$TMP'/replace.old-* 2>/dev/null | grep -q ."

# SIGKILL at random moments (wherever it lands: either nothing under DIR or the finished result).
for delay in 0.05 0.2 0.5 0.9 1.4; do
  d="$TMP/random-$delay"
  check "SIGKILL after $delay s" bash -c "
    '$DEPLSIM' ${ARGS[*]} --out '$d' >/dev/null 2>&1 & pid=\$!
    sleep $delay; kill -KILL \$pid 2>/dev/null; wait \$pid 2>/dev/null
    if [ -e '$d' ]; then for f in ${FILES[*]}; do cmp '$TMP/ref/'\$f '$d/'\$f || exit 1; done; fi"
  check "  --resume completes with the same bytes" bash -c "
    '$DEPLSIM' ${ARGS[*]} --out '$d' --resume >/dev/null 2>&1 && for f in ${FILES[*]}; do cmp '$TMP/ref/'\$f '$d/'\$f || exit 1; done"
done

# SIGINT and SIGTERM: exit 130, DIR.partial kept, a clear message; a plain rerun refuses; --resume finishes.
for sig in INT TERM; do
  d="$TMP/sig$sig"
  # The signal arrives at a chosen replication (a kill point sending SIG$sig), never after a guessed delay.
  check "SIG$sig during the simulation exits 130" bash -c "
    DEPLSIM_TEST_KILL_AT=run:replication:200 DEPLSIM_TEST_KILL_SIGNAL=$sig '$DEPLSIM' ${LONG[*]} --out '$d' >'$TMP/sig.out' 2>&1; rc=\$?
    [ \$rc = 130 ] || { echo exit \$rc; cat '$TMP/sig.out'; exit 1; }
    grep -q -- '--resume' '$TMP/sig.out' || { cat '$TMP/sig.out'; exit 1; }"
  check "  nothing under the final name, the plan kept" bash -c "[ ! -e '$d' ] && [ -s '$d.partial/run-state.json' ]"
  check "  a plain rerun refuses to overwrite the interrupted run (exit 2)" bash -c "
    '$DEPLSIM' ${LONG[*]} --out '$d' >/dev/null 2>'$TMP/e'; rc=\$?
    [ \$rc = 2 ] && grep -q 'interrupted run' '$TMP/e' || { echo exit \$rc; cat '$TMP/e'; exit 1; }"
done
check "SIGINT: --resume finishes" timeout 120 "$DEPLSIM" "${LONG[@]}" --out "$TMP/sigINT" --resume
check "SIGINT then --resume = SIGTERM then --resume (same bytes)" bash -c "
  '$DEPLSIM' ${LONG[*]} --out '$TMP/sigTERM' --resume >/dev/null 2>&1 &&
  for f in ${FILES[*]}; do cmp '$TMP/sigINT/'\$f '$TMP/sigTERM/'\$f || exit 1; done"

# Resuming with other inputs is refused, naming what differs; a damaged run state is planned again.
check "an interrupted run to resume wrongly" killed_at run:planned "$TMP/other"
check "--resume with another seed: exit 2 naming fingerprint.seed" bash -c "
  '$DEPLSIM' ${ARGS[*]} --out '$TMP/other' --resume --seed 3 >/dev/null 2>'$TMP/e'; rc=\$?
  [ \$rc = 2 ] && grep -q 'fingerprint.seed' '$TMP/e' || { echo exit \$rc; cat '$TMP/e'; exit 1; }"
check "--resume with another --set: exit 2 naming fingerprint.overrides" bash -c "
  '$DEPLSIM' ${ARGS[*]} --set clusters.main.mttr_s=6 --out '$TMP/other' --resume >/dev/null 2>'$TMP/e'; rc=\$?
  [ \$rc = 2 ] && grep -q 'fingerprint.overrides' '$TMP/e' || { echo exit \$rc; cat '$TMP/e'; exit 1; }"
check "--resume with --force: exit 2" bash -c "'$DEPLSIM' ${ARGS[*]} --out '$TMP/other' --resume --force >/dev/null 2>&1; [ \$? = 2 ]"
check "a damaged run-state.json (cut short) is planned again, same bytes" bash -c "
  head -c 40 '$TMP/other.partial/run-state.json' >'$TMP/cut' && mv '$TMP/cut' '$TMP/other.partial/run-state.json' &&
  '$DEPLSIM' ${ARGS[*]} --out '$TMP/other' --resume >/dev/null 2>'$TMP/e' && grep -q 'planning again' '$TMP/e' &&
  for f in ${FILES[*]}; do cmp '$TMP/ref/'\$f '$TMP/other/'\$f || exit 1; done"
check "--resume with nothing to resume runs from the start" bash -c "
  '$DEPLSIM' ${ARGS[*]} --out '$TMP/fresh' --resume >/dev/null 2>&1 && for f in ${FILES[*]}; do cmp '$TMP/ref/'\$f '$TMP/fresh/'\$f || exit 1; done"
check "the once-simulated path resumes too (full-only, no faults)" bash -c "
  '$DEPLSIM' run '$TINY' --orchestrator full-only --replications 3000 --out '$TMP/once-ref' >/dev/null 2>&1 &&
  DEPLSIM_TEST_KILL_AT=run:writing '$DEPLSIM' run '$TINY' --orchestrator full-only --replications 3000 --out '$TMP/once' >/dev/null 2>&1
  [ ! -e '$TMP/once' ] && '$DEPLSIM' run '$TINY' --orchestrator full-only --replications 3000 --out '$TMP/once' --resume >/dev/null 2>&1 &&
  for f in ${FILES[*]}; do cmp '$TMP/once-ref/'\$f '$TMP/once/'\$f || exit 1; done"

# The kept plan round-trips exactly (optimum: its solver block), and an adaptive orchestrator plans again.
for orch in optimum depl-online; do
  check "$orch: killed after replication 100, --resume gives the uninterrupted bytes" bash -c "
    DEPLSIM_TEST_KILL_AT=run:replication:100 '$DEPLSIM' run '$TINY' --orchestrator $orch --replications 300 --simulate-every-replication \
      --out '$TMP/$orch' >/dev/null 2>&1; [ ! -e '$TMP/$orch' ] &&
    '$DEPLSIM' run '$TINY' --orchestrator $orch --replications 300 --simulate-every-replication --out '$TMP/$orch' --resume >/dev/null 2>'$TMP/$orch.err' &&
    '$DEPLSIM' run '$TINY' --orchestrator $orch --replications 300 --simulate-every-replication --out '$TMP/$orch-ref2' >/dev/null 2>&1 &&
    for f in ${FILES[*]}; do cmp '$TMP/$orch-ref2/'\$f '$TMP/$orch/'\$f || exit 1; done"
done
check "  optimum's plan was kept, depl-online planned again (adaptive)" bash -c "
  grep -q 'the plan kept' '$TMP/optimum.err' && grep -q 'planning again (per-replication policies)' '$TMP/depl-online.err'"

finish
