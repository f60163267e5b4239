#!/usr/bin/env bash
# The adaptive path: an orchestrator's per-replication policy revises the rest of the plan at epoch ends from
# the validation loss it observes (tests/plugins/adaptive_plugin.cpp), and the executor honours it: replications
# stop at different epochs, switches happen where declared, losses follow the segments actually run, costs are
# simulated per replication, and an invalid revision is refused (exit 2). Env: DEPLSIM, SOURCE_DIR, PLUGIN.
source "$(dirname "$0")/testlib.sh" adaptive
PLUGIN=${PLUGIN:?set PLUGIN to the test plug-in}
TINY="$SOURCE_DIR/tests/data/scenarios/tiny.yaml"
# L* = 0.62: some replications get there early and stop; at epoch 5 (the first switch epoch) those still above
# 1.5 L* = 0.93 switch to p50.
ARGS=(--plugin "$PLUGIN" --orchestrator test-adaptive --replications 40 --seed 3 --trace-all --set target.loss=0.62)
check "adaptive run" expect_rc 0 run "$TINY" "${ARGS[@]}" --out "$TMP/a"
check "adaptive run again" expect_rc 0 run "$TINY" "${ARGS[@]}" --out "$TMP/b"
for f in summary.json replications.csv trace.csv; do check "adaptive $f byte-identical" cmp "$TMP/a/$f" "$TMP/b/$f"; done
check "revisions were honoured" "$PY" - "$TMP/a" <<'PYEOF'
import csv, json, sys
d = sys.argv[1]
s = json.load(open(d + "/summary.json"))
assert s["simulation"]["mode"] == "every", s["simulation"]          # adaptive: every replication simulated
reps = list(csv.DictReader(open(d + "/replications.csv")))
trace = list(csv.DictReader(open(d + "/trace.csv")))
L = 0.62
epochs = [int(r["epochs"]) for r in reps]
assert len(set(epochs)) > 1, epochs                                   # replications stopped at different epochs
assert min(epochs) < 30, epochs
switched = 0
for r in reps:
    rows = [t for t in trace if t["replication"] == r["replication"]]
    assert len(rows) == int(r["epochs"]), (r, len(rows))              # trace covers the epochs actually run
    last = rows[-1]
    assert last["test_loss"] == r["final_loss"]                       # the loss judged is the last epoch's
    if int(r["epochs"]) < 30:                                         # it stopped because validation reached L* - 0.02
        assert float(last["val_loss"]) <= L - 0.02, last
    for t in rows[:-1]:
        assert float(t["val_loss"]) > L - 0.02, t                     # and not before
    versions = [t["version"] for t in rows]
    if "p50" in versions:
        switched += 1
        k = versions.index("p50")
        assert k == 5 and all(v == "p50" for v in versions[k:]), versions   # switch after epoch 5, declared
        assert float(rows[4]["val_loss"]) > 1.5 * L
    else:
        assert len(rows) <= 5 or float(rows[4]["val_loss"]) <= 1.5 * L
assert switched > 0
# energies differ with the epochs run
e = {int(r["epochs"]): float(r["energy_j"]) for r in reps}
ks = sorted(e)
assert all(e[a] < e[b] for a, b in zip(ks, ks[1:])) or len(ks) < 2
PYEOF
check "an invalid revision is refused" expect_rc 2 run "$TINY" --plugin "$PLUGIN" --orchestrator test-adaptive-bad --replications 3 --out "$TMP/bad"
check "... with the orchestrator and the field named" grep -q "test-adaptive-bad.*cluster.*no-such-cluster" "$TMP/rc.err"
check "... and no results under a final name" test ! -e "$TMP/bad"
# Through compare: the adaptive plug-in as one unit; a failing one makes compare exit 4 and keeps the rest.
check "compare with the adaptive plug-in" expect_rc 0 compare "$TINY" --plugin "$PLUGIN" --orchestrators full-only,test-adaptive --replications 20 --set target.loss=0.62 --out "$TMP/cmp"
check "... its unit equals the standalone run" bash -c "'$DEPLSIM' run '$TINY' --plugin '$PLUGIN' --orchestrator test-adaptive --replications 20 --set target.loss=0.62 --out '$TMP/alone' >/dev/null 2>&1 && cmp '$TMP/cmp/test-adaptive/replications.csv' '$TMP/alone/replications.csv'"
check "a failing orchestrator: compare exits 4" expect_rc 4 compare "$TINY" --plugin "$PLUGIN" --orchestrators full-only,test-adaptive-bad --replications 5 --out "$TMP/cmp4"
check "... lists the failure" grep -q "orchestrator 'test-adaptive-bad' failed" "$TMP/rc.err"
check "... and keeps the rest" "$PY" -c '
import csv, sys
rows = {r["orchestrator"]: r for r in csv.DictReader(open(sys.argv[1] + "/comparison.csv"))}
assert rows["full-only"]["status"] == "ok" and rows["test-adaptive-bad"]["status"] == "error", rows' "$TMP/cmp4"
check "... with full-only's results on disk" test -f "$TMP/cmp4/full-only/summary.json"
finish
