#!/usr/bin/env bash
# Iterations mode with stragglers drawn per iteration: the executor's composition by straggler pattern (each kind
# and pattern run in SimGrid once per process, later iterations composed from it; docs/model.md 4.14) against every
# iteration run in SimGrid (--simulate-every-iteration). A two-segment plan on tests/data/scenarios/tiny-iterations.yaml
# (3 nodes of two speeds, then 2 nodes at the slower power state), 20 replications, for the ring, the parameter server,
# local SGD, one bucket, every node straggling, and a second cluster whose nodes fail (its segment runs plain, its
# failures re-plan onto the first): every replication's time and energy and every epoch's time and energy must agree
# to 1e-9 relative, the runs must be composed (at least 10 times fewer activities), and the same seed must give the
# same bytes twice; and an iteration's time line must not depend on the absolute clock. STRAGGLER_QUICK=1 (the
# sanitizer stage): the ring and the failing cluster only, 5 replications.
# Env: DEPLSIM, SOURCE_DIR.
set -euo pipefail
: "${DEPLSIM:?}" "${SOURCE_DIR:?}"
PY=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
scenario="$SOURCE_DIR/tests/data/scenarios/tiny-iterations.yaml"
cat >"$work/plan.json" <<'JSON'
{"data_sources": ["cam1", "cam2"], "segments": [{"version": "full", "cluster": "main", "nodes": 3, "pstate": 0, "epochs": 5},
 {"version": "p50", "cluster": "second", "nodes": 2, "pstate": 1, "epochs": 6}]}
JSON
ext="$PY $SOURCE_DIR/tests/golden/fixed_plan.py $work/plan.json"
stragglers=(--set clusters.main.straggler_probability=0.2 --set clusters.main.straggler_slowdown=3
            --set clusters.second.straggler_probability=0.3 --set clusters.second.straggler_slowdown=1.5)
fail=0
n=0
reps=20
variants=(training.sync=ring-allreduce training.sync=parameter-server training.sync_every=4 training.bucket_bytes=1e9
          clusters.main.straggler_probability=1 clusters.second.mtbf_s=30)
if [ "${STRAGGLER_QUICK:-0}" = 1 ]; then
  reps=5
  variants=(training.sync=ring-allreduce clusters.second.mtbf_s=30)
fi
for variant in "${variants[@]}"; do
  n=$((n + 1))
  for mode in composed plain; do
    "$DEPLSIM" run "$scenario" --no-figures --replications $reps --orchestrator external --external-cmd "$ext" \
      "${stragglers[@]}" --set "$variant" --set clusters.second.mttr_s=5 --out "$work/$n-$mode" \
      $([ $mode = plain ] && echo --simulate-every-iteration) >/dev/null 2>"$work/$n-$mode.err" \
      || { echo "FAIL $variant ($mode): exit $?"; cat "$work/$n-$mode.err"; fail=1; continue 2; }
  done
  if ! $PY - "$work/$n-composed" "$work/$n-plain" "$variant" "$reps" <<'PY'
import csv, json, sys
a_dir, b_dir, variant, reps = sys.argv[1:5]
worst, values = 0.0, 0
for name in ("replications.csv", "trace.csv"):
    a = list(csv.DictReader(open(f"{a_dir}/{name}")))
    b = list(csv.DictReader(open(f"{b_dir}/{name}")))
    assert len(a) == len(b) and len(a) >= int(reps), (name, len(a), len(b))
    for ra, rb in zip(a, b):
        for k in ra:
            try:
                u, v = float(ra[k]), float(rb[k])
            except ValueError:
                if ra[k] != rb[k]:
                    print(f"FAIL {variant}: {name} {k}: {ra[k]!r} composed, {rb[k]!r} plain")
                    sys.exit(1)
                continue
            values += 1
            rel = abs(u - v) / max(1e-12, abs(v))
            worst = max(worst, rel)
            if rel > 1e-9:
                print(f"FAIL {variant}: {name} {k}: composed {u!r}, plain {v!r}, rel. {rel:.2e}")
                sys.exit(1)
ta = json.load(open(f"{a_dir}/timing.json"))["simgrid_activities"]
tb = json.load(open(f"{b_dir}/timing.json"))["simgrid_activities"]
if not ta * 10 < tb and "mtbf" not in variant:
    print(f"FAIL {variant}: {ta} activities composed, {tb} plain: not composed?")
    sys.exit(1)
print(f"ok {variant}: {values} values, worst relative difference {worst:.1e}; activities {ta} composed, {tb} plain")
PY
  then fail=1; fi
done
# The same seed, the same bytes (the memo of patterns is per process: a second run starts it afresh).
"$DEPLSIM" run "$scenario" --no-figures --replications $reps --orchestrator external --external-cmd "$ext" \
  "${stragglers[@]}" --out "$work/again" >/dev/null 2>&1
for f in replications.csv trace.csv; do
  cmp -s "$work/1-composed/$f" "$work/again/$f" || { echo "FAIL the same seed gave other bytes in $f"; fail=1; }
done
# An iteration's time line does not depend on the absolute clock (which never resets): with the data's shipping
# made to last 1.6e8 s, every epoch of a 3-node plan (whose nodes wait 2 and 5 ms per iteration) lasts what it
# lasts at the start, within 1e-4 relative (the clock's own rounding there is about 1e-8 s per event). A tolerance
# that grew with the clock once swallowed those waits: 10% shorter epochs.
cat >"$work/short.json" <<'JSON'
{"data_sources": ["cam1"], "segments": [{"version": "full", "cluster": "main", "nodes": 3, "pstate": 0, "epochs": 3}]}
JSON
for sb in 784 1e12; do
  "$DEPLSIM" run "$scenario" --no-figures --replications 1 --orchestrator external \
    --external-cmd "$PY $SOURCE_DIR/tests/golden/fixed_plan.py $work/short.json" --set data_sources.0.sample_bytes=$sb \
    --simulate-every-iteration --out "$work/clock-$sb" >/dev/null 2>&1 || { echo "FAIL clock run ($sb)"; fail=1; }
done
$PY - "$work/clock-784" "$work/clock-1e12" <<'PY' || fail=1
import csv, sys
def durations(d):
    t = [float(r["sim_time_s"]) for r in csv.DictReader(open(f"{d}/trace.csv")) if r["epoch"] and r["sim_time_s"]]
    return [b - a for a, b in zip(t, t[1:])]
early, late = durations(sys.argv[1]), durations(sys.argv[2])
assert len(early) == len(late) == 2, (early, late)
worst = max(abs(a - b) / a for a, b in zip(early, late))
if worst > 1e-4:
    print(f"FAIL epochs at a clock of 1.6e8 s last {late}, at the start {early} ({worst:.1e} relative)")
    sys.exit(1)
print(f"ok epochs last {early[0]:.6f} s at the start and {late[0]:.6f} s at a clock of 1.6e8 s ({worst:.1e} relative)")
PY
# The stragglers are drawn: a higher probability means more of them (slower replications on average).
[ "${STRAGGLER_QUICK:-0}" = 1 ] && exit $fail
$PY - "$work/1-composed" "$work/5-composed" <<'PY' || fail=1
import csv, sys
mean = lambda d: sum(float(r["time_s"]) for r in csv.DictReader(open(f"{d}/replications.csv"))) / 20
low, high = mean(sys.argv[1]), mean(sys.argv[2])
if not high > low:
    print(f"FAIL every node straggling ({high:.3f} s) is not slower than some ({low:.3f} s)")
    sys.exit(1)
print(f"ok mean time {low:.3f} s with p = 0.2, {high:.3f} s with every node straggling")
PY
exit $fail
