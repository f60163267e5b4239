#!/usr/bin/env bash
# End-to-end tests of `deplsim run` (docs/outputs.md): every file and key of the output contract, byte-identical
# outputs for the same seed, the cost simulated once equals the cost simulated per replication (12 significant
# digits), --out safety, infeasible targets. Run by ctest with DEPLSIM and SOURCE_DIR set.
source "$(dirname "$0")/testlib.sh" run
TINY="$SOURCE_DIR/tests/data/scenarios/tiny.yaml"
PAPER="$SOURCE_DIR/scenarios/paper/alexnet-cifar10.yaml"


run() { timeout 120 "$DEPLSIM" run "$@"; }
expect_rc() {  # expect_rc RC args...
  local want=$1
  shift
  run "$@" >"$TMP/rc.out" 2>&1
  local rc=$?
  [ "$rc" = "$want" ] || { echo "exit $rc, expected $want"; cat "$TMP/rc.out"; return 1; }
}

check "run tiny writes its outputs" expect_rc 0 "$TINY" --replications 50 --seed 3 --out "$TMP/a"
check "same run again" expect_rc 0 "$TINY" --replications 50 --seed 3 --out "$TMP/b"
for f in summary.json replications.csv trace.csv; do
  check "$f is byte-identical for the same seed" cmp "$TMP/a/$f" "$TMP/b/$f"
done
# Figures by default: the loss CDF, the energy by phase, the guarantee (PNG and PDF) and report.html embedding them,
# the same bytes for the same seed; --no-figures draws none; a run without a plan draws none either.
for f in loss-cdf energy guarantee; do
  check "figure $f.png and $f.pdf drawn by default" test -s "$TMP/a/figures/$f.png" -a -s "$TMP/a/figures/$f.pdf"
  check "  $f.png byte-identical for the same seed" cmp "$TMP/a/figures/$f.png" "$TMP/b/figures/$f.png"
done
check "report.html embeds the three figures and names the orchestrator" "$PY" - "$TMP/a/report.html" <<'PYEOF'
import sys
html = open(sys.argv[1]).read()
assert html.count("data:image/png;base64,") == 3, html.count("data:image/png;base64,")
import json, os
orch = json.load(open(os.path.join(os.path.dirname(sys.argv[1]), "summary.json")))["orchestrator"]
assert orch in html and "tiny" in html, orch
PYEOF
check "--no-figures: no figure, no report" bash -c "'$DEPLSIM' run '$TINY' --replications 20 --no-figures --out '$TMP/nofig' >/dev/null 2>&1 && test ! -e '$TMP/nofig/figures' -a ! -e '$TMP/nofig/report.html' -a -s '$TMP/nofig/summary.json'"
check "no .partial folder is left" test ! -e "$TMP/a.partial"
check "summary.json has every key of the contract" "$PY" - "$TMP/a/summary.json" <<'PYEOF'
import json, sys
s = json.load(open(sys.argv[1]))
for k in ["deplsim_version", "simgrid_version", "inputs", "scenario", "orchestrator", "seed", "replications", "status",
          "guarantee", "target", "plan", "quality", "cost"]:
    assert k in s, k
for k in ["scenario_sha256", "platform_sha256", "profile_sha256"]:
    assert k in s["inputs"], k
assert len(s["inputs"]["scenario_sha256"]) == 64
for k in ["loss", "probability", "deadline_s"]:
    assert k in s["target"], k
for k in ["data_sources", "segments", "predicted"]:
    assert k in s["plan"], k
for k in ["version", "cluster", "nodes", "pstate", "epochs"]:
    assert k in s["plan"]["segments"][0], k
for k in ["p_target_met", "expected_loss", "energy_j", "time_s", "margin"]:
    assert k in s["plan"]["predicted"], k
for k in ["p_target_met", "p_target_met_ci95", "loss_mean", "loss_quantiles"]:
    assert k in s["quality"], k
assert set(s["quality"]["loss_quantiles"]) == {"0.05", "0.5", "0.95"}
for k in ["energy_j_mean", "energy_j_ci95", "time_s_mean", "time_s_ci95"]:
    assert k in s["cost"], k
assert s["scenario"] == "tiny" and s["seed"] == 3 and s["replications"] == 50
lo, hi = s["quality"]["p_target_met_ci95"]
assert 0 <= lo <= s["quality"]["p_target_met"] <= hi <= 1
# The guarantee from the interval (fewer than 20,000 replications): met when it lies at or above p* - 0.01, violated
# when it lies below p*, unknown when it straddles.
p_star = s["target"]["probability"]
want = "met" if lo >= p_star - 0.01 else "violated" if hi < p_star else "unknown"
assert s["status"] == "ok" and s["guarantee"] == want, (s["guarantee"], want, lo, hi)
PYEOF
check "timing.json has its keys" "$PY" -c '
import json, sys
t = json.load(open(sys.argv[1]))
assert set(t) >= {"planner_wall_s", "simulation_wall_s", "peak_rss_mb", "replications_per_s"}, t' "$TMP/a/timing.json"
check "replications.csv: header, one row per replication, states agree with the target" "$PY" - "$TMP/a" <<'PYEOF'
import csv, json, sys
d = sys.argv[1]
s = json.load(open(d + "/summary.json"))
rows = list(csv.DictReader(open(d + "/replications.csv")))
assert list(rows[0].keys()) == ["replication", "state", "final_loss", "target_met", "energy_j", "time_s", "epochs", "failures", "work_lost_s", "energy_lost_j", "replans"]
assert [int(r["replication"]) for r in rows] == list(range(50))
for r in rows:
    met = float(r["final_loss"]) <= s["target"]["loss"]
    assert r["state"] == ("met" if met else "missed") and r["target_met"] == ("1" if met else "0"), r
assert abs(sum(r["state"] == "met" for r in rows) / 50 - s["quality"]["p_target_met"]) < 1e-12
PYEOF
check "trace.csv: first 10 replications, every epoch, cumulative time and energy" "$PY" - "$TMP/a" <<'PYEOF'
import csv, json, sys
d = sys.argv[1]
s = json.load(open(d + "/summary.json"))
epochs = sum(seg["epochs"] for seg in s["plan"]["segments"])
rows = list(csv.DictReader(open(d + "/trace.csv")))
assert list(rows[0].keys()) == ["replication", "epoch", "version", "cluster", "nodes", "sim_time_s", "energy_j", "val_loss", "test_loss", "event"]
assert len(rows) == 10 * epochs, len(rows)
for rep in range(10):
    mine = [r for r in rows if int(r["replication"]) == rep]
    t = [float(r["sim_time_s"]) for r in mine]
    e = [float(r["energy_j"]) for r in mine]
    assert t == sorted(t) and e == sorted(e) and t[0] > 0
reps = list(csv.DictReader(open(d + "/replications.csv")))
last = [r for r in rows if int(r["epoch"]) == epochs]
for r in last:
    assert r["test_loss"] == reps[int(r["replication"])]["final_loss"]
PYEOF
check "--trace-all traces every replication" expect_rc 0 "$TINY" --replications 20 --seed 3 --trace-all --out "$TMP/all"
check "--trace-all row count" "$PY" -c '
import csv, json, sys
s = json.load(open(sys.argv[1] + "/summary.json"))
epochs = sum(seg["epochs"] for seg in s["plan"]["segments"])
assert len(list(csv.DictReader(open(sys.argv[1] + "/trace.csv")))) == 20 * epochs' "$TMP/all"
check "an existing --out is refused without --force" expect_rc 2 "$TINY" --replications 5 --out "$TMP/a"
check "the refused run left the old results untouched" cmp "$TMP/a/summary.json" "$TMP/b/summary.json"
check "--force replaces it" expect_rc 0 "$TINY" --replications 5 --out "$TMP/b" --force
check "cost simulated per replication" expect_rc 0 "$TINY" --replications 50 --seed 3 --simulate-every-replication --out "$TMP/c"
check "simulated once = simulated per replication (12 significant digits)" "$PY" - "$TMP/a" "$TMP/c" <<'PYEOF'
import csv, json, sys
a = list(csv.DictReader(open(sys.argv[1] + "/replications.csv")))
c = list(csv.DictReader(open(sys.argv[2] + "/replications.csv")))
assert json.load(open(sys.argv[2] + "/summary.json"))["simulation"]["simulated_replications"] == 50
assert len(a) == len(c) == 50
for x, y in zip(a, c):
    assert x["final_loss"] == y["final_loss"] and x["state"] == y["state"]
    for k in ("energy_j", "time_s"):
        fx, fy = float(x[k]), float(y[k])
        assert abs(fx - fy) <= 1e-12 * abs(fx), (k, x["replication"], fx, fy)
PYEOF
check "an infeasible target exits 3" expect_rc 3 "$TINY" --replications 5 --set target.loss=0.3 --out "$TMP/inf"
check "the infeasible run's summary says so" "$PY" -c '
import json, sys
s = json.load(open(sys.argv[1] + "/summary.json"))
assert s["status"] == "infeasible" and s["reason"] and s["quality"] is None and s["plan"]["segments"] == []' "$TMP/inf"
check "the paper run of issue 3" expect_rc 0 "$PAPER" --orchestrator full-only --replications 200 --seed 7 --out "$TMP/p1"
check "the paper run again" expect_rc 0 "$PAPER" --orchestrator full-only --replications 200 --seed 7 --out "$TMP/p2"
for f in summary.json replications.csv trace.csv; do
  check "paper $f byte-identical" cmp "$TMP/p1/$f" "$TMP/p2/$f"
done
check "a different seed gives different losses" expect_rc 0 "$PAPER" --replications 200 --seed 8 --out "$TMP/p3"
check "seed 8 differs from seed 7" bash -c "! cmp -s '$TMP/p1/replications.csv' '$TMP/p3/replications.csv'"
check "--replications 0 is refused" expect_rc 2 "$TINY" --replications 0 --out "$TMP/zero"

finish
