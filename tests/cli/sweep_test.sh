#!/usr/bin/env bash
# End-to-end tests of `deplsim sweep` (local backend): the merged files and their contract, --jobs 1 = --jobs 2
# byte for byte, each unit the same bytes as a standalone `deplsim run`, energy_vs_optimum per cell, resume after
# SIGKILL of the sweep and of a worker (same results.csv as an uninterrupted sweep), SIGINT (exit 130, resumable),
# bad sweep files and options (exit 2 with file, key and message). The Slurm backend: tests/cli/sweep_slurm_test.sh.
source "$(dirname "$0")/testlib.sh" sweep
TINY_SWEEP="$SOURCE_DIR/tests/data/sweeps/tiny.yaml"
SLOW_SWEEP="$SOURCE_DIR/tests/data/sweeps/slow.yaml"
EXPECT_TIMEOUT=600

check "sweep --jobs 1" expect_rc 0 sweep "$TINY_SWEEP" --out "$TMP/j1" --jobs 1
check "sweep --jobs 2" expect_rc 0 sweep "$TINY_SWEEP" --out "$TMP/j2" --jobs 2
check "results.csv: --jobs 1 and --jobs 2 byte-identical" cmp "$TMP/j1/results.csv" "$TMP/j2/results.csv"
check "every unit's summary.json, replications.csv, trace.csv byte-identical" bash -c "
  cd '$TMP/j1' && for f in cells/*/*/summary.json cells/*/*/replications.csv cells/*/*/trace.csv; do cmp \"\$f\" '$TMP/j2/'\"\$f\" || exit 1; done"
check "the files of the contract, manifest.json last, no partial folder left" bash -c "
  test -f '$TMP/j1/results.csv' -a -f '$TMP/j1/timings.csv' -a -f '$TMP/j1/manifest.json' -a -f '$TMP/j1/cells/c001/cell.json' &&
  test ! -e '$TMP/j1.partial' && ! find '$TMP/j1' -name '*.partial' -o -name '*.log' -o -name '*.tmp-*' | grep -q ."
check "results.csv: header, one row per (cell, orchestrator, seed) in order, values from each unit's summary" "$PY" - "$TMP/j1" <<'PYEOF'
import csv, json, sys
d = sys.argv[1]
rows = list(csv.DictReader(open(d + "/results.csv")))
assert list(rows[0].keys()) == ["cell", "scenario", "platform", "target.probability", "orchestrator", "seed", "replications",
    "target_loss", "target_probability", "status", "guarantee", "p_predicted", "p_target_met", "p_lo", "p_hi",
    "energy_j_mean", "energy_lo", "energy_hi", "time_s_mean", "energy_vs_optimum", "energy_shipping_j", "energy_compute_j",
    "energy_synchronisation_j", "energy_checkpoints_j", "energy_other_j", "energy_hosts_j", "energy_links_j",
    "energy_by_cluster_j", "energy_by_link_class_j", "energy_transmit_j"], list(rows[0].keys())
want = [(c, o, s) for c in ("c001", "c002") for o in ("full-only", "depl") for s in ("1", "2")]
assert [(r["cell"], r["orchestrator"], r["seed"]) for r in rows] == want, rows
for r in rows:
    s = json.load(open(f'{d}/cells/{r["cell"]}/{r["orchestrator"]}-s{r["seed"]}/summary.json'))
    assert r["scenario"] == s["scenario"] == "tiny"
    assert float(r["target.probability"]) == s["target"]["probability"] == float(r["target_probability"])
    assert r["status"] == s["status"] and r["guarantee"] == s["guarantee"]
    assert float(r["p_target_met"]) == s["quality"]["p_target_met"]
    assert float(r["energy_j_mean"]) == s["cost"]["energy_j_mean"]
    assert int(r["replications"]) == s["replications"] == 200 and s["seed"] == int(r["seed"])
    assert r["energy_vs_optimum"] == ""
cell = json.load(open(d + "/cells/c002/cell.json"))
assert cell["grid"] == {"target.probability": "0.8"} and "model.learning.knowledge_trajectories=300" in cell["overrides"], cell
m = json.load(open(d + "/manifest.json"))
assert m["units"] == 8 and m["units_done"] == 8 and m["failed"] == [] and m["cells"] == 2, m
t = list(csv.DictReader(open(d + "/timings.csv")))
assert len(t) == 8 and all(float(x["planner_wall_s"]) >= 0 for x in t)
PYEOF
check "a unit is the same bytes as the standalone deplsim run" bash -c "
  '$DEPLSIM' run '$SOURCE_DIR/tests/data/scenarios/tiny.yaml' --orchestrator depl --seed 2 --replications 200 \
    --set model.learning.knowledge_trajectories=300 --set target.probability=0.8 --out '$TMP/alone' >/dev/null 2>&1 &&
  cmp '$TMP/alone/summary.json' '$TMP/j1/cells/c002/depl-s2/summary.json' && cmp '$TMP/alone/replications.csv' '$TMP/j1/cells/c002/depl-s2/replications.csv'"
check "an existing --out without --force: exit 2" expect_rc 2 sweep "$TINY_SWEEP" --out "$TMP/j1"
check "  (message)" err_has "already exists (use --force to replace it)"
check "--resume on a finished sweep reruns nothing and keeps results.csv" bash -c "
  cp '$TMP/j1/results.csv' '$TMP/before.csv' && '$DEPLSIM' sweep '$TINY_SWEEP' --out '$TMP/j1' --resume 2>/dev/null && cmp '$TMP/before.csv' '$TMP/j1/results.csv'"

# energy_vs_optimum in a sweep with the optimum.
cat >"$TMP/opt.yaml" <<YAML
scenarios: [$SOURCE_DIR/tests/data/scenarios/tiny.yaml]
orchestrators: [optimum, full-only]
replications: 100
YAML
check "a sweep with the optimum" expect_rc 0 sweep "$TMP/opt.yaml" --out "$TMP/opt"
check "  energy_vs_optimum per cell: 0 for the optimum, E/E_opt - 1 for the others" "$PY" - "$TMP/opt" <<'PYEOF'
import csv, sys
rows = {r["orchestrator"]: r for r in csv.DictReader(open(sys.argv[1] + "/results.csv"))}
assert float(rows["optimum"]["energy_vs_optimum"]) == 0
e = float(rows["full-only"]["energy_j_mean"]) / float(rows["optimum"]["energy_j_mean"]) - 1
assert abs(float(rows["full-only"]["energy_vs_optimum"]) - e) < 1e-12 and e > 0
PYEOF

# Crash safety: an uninterrupted reference, then the sweep killed with SIGKILL and resumed.
check "reference sweep (slow units)" expect_rc 0 sweep "$SLOW_SWEEP" --out "$TMP/ref" --jobs 1
kill_after_first_unit() {  # kill_after_first_unit SIGNAL WHO(sweep|worker) OUT: once a unit is done, whenever a worker runs
  local sig=$1 who=$2 out=$3
  "$DEPLSIM" sweep "$SLOW_SWEEP" --out "$out" --jobs 1 >"$TMP/k.out" 2>&1 &
  local sweep_pid=$! worker="" killed=0
  # Once the first unit is done, signal the sweep (its running worker dies with it) or the running worker.
  for _ in $(seq 1 6000); do  # up to 5 minutes: the first unit of a busy machine
    if [ "$(ls -d "$out.partial"/cells/*/*-s? 2>/dev/null | wc -l)" -ge 1 ]; then
      worker=$(pgrep -P "$sweep_pid" | head -1)
      if [ -n "$worker" ]; then
        if [ "$who" = worker ]; then kill "-$sig" "$worker" 2>/dev/null && killed=1; else kill "-$sig" "$sweep_pid" && killed=1; fi
        [ $killed = 1 ] && break
      fi
    fi
    sleep 0.05
  done
  [ $killed = 1 ] || { echo "could not signal a running $who"; kill -KILL "$sweep_pid"; wait "$sweep_pid"; return 1; }
  wait "$sweep_pid"
  echo $? >"$TMP/k.rc"
  if [ "$who" = sweep ]; then  # no worker outlives the sweep (it gets SIGKILL when the sweep dies; minutes at most)
    for _ in $(seq 1 3000); do kill -0 "$worker" 2>/dev/null || return 0; sleep 0.1; done
    echo "worker $worker still running after the sweep was killed"
    return 1
  fi
}
check "SIGKILL of the sweep mid-run leaves DIR.partial, no DIR, and no worker running" bash -c "
  $(declare -f kill_after_first_unit); DEPLSIM='$DEPLSIM' SLOW_SWEEP='$SLOW_SWEEP' TMP='$TMP' kill_after_first_unit KILL sweep '$TMP/k1' &&
  test -d '$TMP/k1.partial' -a ! -e '$TMP/k1' && ! test -e '$TMP/k1.partial/manifest.json'"
check "  no unit folder is half-written under its final name" bash -c "
  for d in '$TMP/k1.partial'/cells/*/*-s?; do test -f \"\$d/summary.json\" -a -f \"\$d/timing.json\" || { echo \"\$d\"; exit 1; }; done"
check "  --resume completes it" expect_rc 0 sweep "$SLOW_SWEEP" --out "$TMP/k1" --resume --jobs 2
check "  with the same results.csv as the uninterrupted sweep" cmp "$TMP/ref/results.csv" "$TMP/k1/results.csv"
# A worker killed by SIGKILL, at a chosen point of one unit only (the kill point fires in the process whose command
# line holds that unit's folder): no timing involved.
check "SIGKILL of a worker: that unit fails, the sweep exits 4 listing it" bash -c "
  DEPLSIM_TEST_KILL_AT=run:planned DEPLSIM_TEST_KILL_MATCH=cells/c002/full-only-s1 '$DEPLSIM' sweep '$SLOW_SWEEP' --out '$TMP/k2' --jobs 2 \
    >'$TMP/k.out' 2>&1; echo \$? >'$TMP/k.rc';
  test \"\$(cat '$TMP/k.rc')\" = 4 && grep -q 'units failed' '$TMP/k.out' && grep -q 'exit 137' '$TMP/k.out' || { cat '$TMP/k.out'; exit 1; }"
check "  the failed unit is an error row, the others are kept" "$PY" - "$TMP/k2" <<'PYEOF'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1] + "/results.csv")))
assert len(rows) == 4 and sum(r["status"] == "error" for r in rows) == 1, rows
m = json.load(open(sys.argv[1] + "/manifest.json"))
assert len(m["failed"]) == 1 and m["failed"][0]["exit_code"] == 137, m
PYEOF
check "  --resume reruns the failed unit only" expect_rc 0 sweep "$SLOW_SWEEP" --out "$TMP/k2" --resume
check "  same results.csv as the uninterrupted sweep" cmp "$TMP/ref/results.csv" "$TMP/k2/results.csv"
# SIGKILL of the sweep at chosen points (DEPLSIM_TEST_KILL_AT, docs/testing.md): after writing sweep.json, in
# the middle of the merge, before the rename to DIR; each time nothing is under DIR and --resume gives the same bytes.
for point in sweep:prepared sweep:merging sweep:publish; do
  d="$TMP/kp-${point//:/-}"
  check "SIGKILL at $point: exit 137, nothing under DIR" bash -c "
    DEPLSIM_TEST_KILL_AT=$point '$DEPLSIM' sweep '$TINY_SWEEP' --out '$d' --jobs 2 >/dev/null 2>&1; rc=\$?
    [ \$rc = 137 ] && [ ! -e '$d' ] && [ -f '$d.partial/sweep.json' ] || { echo exit \$rc; ls -a '$TMP'; exit 1; }"
  check "  --resume: results.csv and every unit's files as uninterrupted" bash -c "
    '$DEPLSIM' sweep '$TINY_SWEEP' --out '$d' --resume --jobs 2 >/dev/null 2>&1 && [ ! -e '$d.partial' ] &&
    cmp '$TMP/j1/results.csv' '$d/results.csv' && diff -r -x timing.json -x timings.csv -x manifest.json -x sweep.json -x '*.log' '$TMP/j1/cells' '$d/cells'"
done
check "SIGINT: exit 130, resumable" bash -c "
  $(declare -f kill_after_first_unit); DEPLSIM='$DEPLSIM' SLOW_SWEEP='$SLOW_SWEEP' TMP='$TMP' kill_after_first_unit INT sweep '$TMP/k3' &&
  test \"\$(cat '$TMP/k.rc')\" = 130 && grep -q 'resume with --resume' '$TMP/k.out' && test -d '$TMP/k3.partial'"
check "  --resume after SIGINT: same results.csv" expect_rc 0 sweep "$SLOW_SWEEP" --out "$TMP/k3" --resume
check "  (compared)" cmp "$TMP/ref/results.csv" "$TMP/k3/results.csv"
check "an interrupted sweep without --resume: exit 2" bash -c "
  mkdir -p '$TMP/k4.partial' && ! '$DEPLSIM' sweep '$SLOW_SWEEP' --out '$TMP/k4' 2>'$TMP/rc.err'; grep -q 'finish it with --resume' '$TMP/rc.err'"
check "--resume with a changed sweep: exit 2" bash -c "
  cp '$SLOW_SWEEP' '$TMP/changed.yaml' && sed -i 's/60000/100/; s#\.\./scenarios#$SOURCE_DIR/tests/data/scenarios#' '$TMP/changed.yaml' &&
  mkdir -p '$TMP/k5.partial' && cp '$TMP/ref/sweep.json' '$TMP/k5.partial/' 2>/dev/null || cp '$TMP/k1/sweep.json' '$TMP/k5.partial/';
  ! '$DEPLSIM' sweep '$TMP/changed.yaml' --out '$TMP/k5' --resume 2>'$TMP/rc.err'; grep -q 'was started from another sweep' '$TMP/rc.err'"

# Bad sweep files.
bad() {  # bad NAME YAML EXPECTED-MESSAGE
  printf '%s\n' "$2" >"$TMP/$1.yaml"
  expect_rc 2 sweep "$TMP/$1.yaml" --out "$TMP/bad-$1" && err_has "$3" && test ! -e "$TMP/bad-$1" -a ! -e "$TMP/bad-$1.partial"
}
S="scenarios: [$SOURCE_DIR/tests/data/scenarios/tiny.yaml]"
check "no scenarios" bad noscen "orchestrators: [depl]" "scenarios: missing"
check "no orchestrators" bad noorch "$S" "orchestrators: missing"
check "missing scenario file" bad missing "scenarios: [nope.yaml]
orchestrators: [depl]" "no such scenario file 'nope.yaml'"
# Fuzzing finding (fuzz_sweep): a path whose file name is longer than NAME_MAX made the existence check throw.
LONG_NAME=$(printf 'x%.0s' $(seq 300))
check "a scenario path with a 300-character file name" bad longname "scenarios: [$LONG_NAME.yaml]
orchestrators: [depl]" "no such scenario file '$LONG_NAME.yaml'"
check "a platform path with a 300-character file name" bad longplat "$S
platforms: [$LONG_NAME.xml]
orchestrators: [depl]" "no such platform file '$LONG_NAME.xml'"
check "unknown key" bad unknown "$S
orchestrators: [depl]
colour: red" "colour"
check "unknown orchestrator" bad unorch "$S
orchestrators: [depl, nope]" "unknown orchestrator 'nope'"
check "a bad orchestrator setting in the grid: exit 2 before anything runs, naming the cell" bad badsetting "$S
grid:
  planners.safety_delta: [0.2, 1.5]
orchestrators: [full-only]" "cell c002: tiny.yaml, planners.safety_delta=1.5: --set planners.safety_delta: must be in [0, 1), got 1.5"
check "an unknown orchestrator's settings block in set: exit 2" bad badblock "$S
set:
  planners.nosuch.x: 1
orchestrators: [full-only]" "'nosuch' is not an orchestrator"
check "orchestrator listed twice" bad twice "$S
orchestrators: [depl, depl]" "'depl' is listed twice"
check "a grid value the scenario rejects names the cell and the key" bad cell "$S
orchestrators: [depl]
grid: {target.probability: [0.8, 1.5]}" "cell c002"
check "  (and the scenario's message)" err_has "target.probability"
check "a grid key that does not exist" bad gridkey "$S
orchestrators: [depl]
grid: {target.nope: [1]}" "target.nope"
check "a grid that is not a list" bad gridlist "$S
orchestrators: [depl]
grid: {target.loss: 0.5}" "expected a non-empty list of values"
check "bad replications" bad reps "$S
orchestrators: [depl]
replications: 0" "replications: must be an integer in [1, 10000000], got 0"
check "bad seeds" bad seeds "$S
orchestrators: [depl]
seeds: [1, 1]" "seed 1 is listed twice"
check "external in a sweep" bad ext "$S
orchestrators: [external]" "'external' cannot run in a sweep"
check "an unsafe orchestrator name" bad unsafe "$S
orchestrators: ['../x']" "is not a valid orchestrator name"
check "malformed YAML" bad yaml "scenarios: [a" "yaml.yaml:2:1:"
# Safe inputs: names never leave --out, nothing in a sweep file loads code or runs a command, sizes are bounded.
check "a sweep name that would leave results/sweep/" bad sname "name: ../../up
$S
orchestrators: [depl]" "sname.yaml:1:7: name: '../../up' is not a valid name: it starts with '.'"
check "  with the default --out (results/sweep/NAME): exit 2, nothing written" bash -c "
  mkdir -p '$TMP/cwd/a' && cd '$TMP/cwd/a' && ! '$DEPLSIM' sweep '$TMP/sname.yaml' 2>/dev/null && test -z \"\$(ls -A)\" -a ! -e '$TMP/up' -a ! -e '$TMP/cwd/up'"
check "an absolute orchestrator name" bad absorch "$S
orchestrators: [/tmp/x]" "absorch.yaml:2:17: orchestrators.0: '/tmp/x' is not a valid orchestrator name: it starts with '/'"
check "no key for plug-ins or an external command (nothing loaded, nothing run)" bad smuggle "$S
orchestrators: [depl]
plugins: [$TMP/evil.so]
external_cmd: 'touch $TMP/pwned'" "smuggle.yaml:3:1: plugins: unknown key"
check "  (the external command is refused too)" err_has "smuggle.yaml:4:1: external_cmd: unknown key"
check "  (and nothing ran)" test ! -e "$TMP/pwned"
check "a grid value cannot set a SimGrid trace file" bad trace "$S
orchestrators: [depl]
set: {simgrid.cfg: '[tracing:yes, tracing/filename:$TMP/smuggled.trace]'}" "'tracing/filename' cannot be set by a scenario"
check "  (nothing traced)" test ! -e "$TMP/smuggled.trace"
check "a grid key with '=' (it would move the split of --set KEY=VALUE)" bad eqkey "$S
orchestrators: [depl]
grid: {'target.loss=0.5': [1]}" "eqkey.yaml:3:8: grid.target.loss=0.5: 'target.loss=0.5' is not a scenario key"
check "a NUL in a grid value (it would cut the unit's argument short)" bad nul "$S
orchestrators: [depl]
grid: {description: [\"a\\0b\"]}" "nul.yaml:3:22: grid.description.0: control characters are not allowed, got 'a\x00b'"
GRID64="grid: {"
for i in $(seq 1 64); do GRID64="${GRID64}k$i: [1, 2], "; done
check "2^64 cells: counted without overflow, refused at once" bad g64 "$S
orchestrators: [depl]
${GRID64%, }}" "18446744073709551616 cells x 1 orchestrators x 1 seeds = 1.84e+19 units: at most 1000000"
check "more than 10,000 values for one grid key" bad values "$S
orchestrators: [depl]
grid: {target.loss: [$(seq -s, 1 10001)]}" "grid.target.loss: 10001 values: at most 10000"
check "a resolved plan over 1 GiB (long values x many units)" bad plan "$S
orchestrators: [depl]
grid: {target.loss: [$(seq -s, 1 9000)]}
set: {description: $(head -c 100000 /dev/zero | tr '\0' x)}" "plan.yaml:4:6: set: 9000 units with these keys and values make a resolved plan"
check "--jobs 0: exit 2" expect_rc 2 sweep "$TINY_SWEEP" --out "$TMP/x" --jobs 0
check "--backend other: exit 2" expect_rc 2 sweep "$TINY_SWEEP" --out "$TMP/x" --backend ssh
check "--sbatch-arg without slurm: exit 2" expect_rc 2 sweep "$TINY_SWEEP" --out "$TMP/x" --sbatch-arg=--time=1
finish
