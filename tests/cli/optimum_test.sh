#!/usr/bin/env bash
# End-to-end tests of the `optimum` orchestrator (CBC): the solver block, a node limit never presented as optimal,
# --write-model (LP and MPS files with every section and the integer columns marked, no temporary left), its errors, the
# solver options' checks, and energy_vs_optimum in `compare`.
source "$(dirname "$0")/testlib.sh" optimum
TINY="$SOURCE_DIR/tests/data/scenarios/tiny.yaml"
SMALL="$SOURCE_DIR/scenarios/small/alexnet-cifar10-small.yaml"

check "optimum plans tiny.yaml" expect_rc 0 plan "$TINY" --orchestrator optimum
check "its solver block says optimal with a zero gap and a bound at the objective" "$PY" - "$TMP/rc.out" <<'PYEOF'
import json, sys
j = json.load(open(sys.argv[1]))
s = j["solver"]
assert j["status"] == "ok" and s["status"] == "optimal", s
assert s["gap"] == 0 and abs(s["bound"] - s["objective"]) <= 1e-6 * s["objective"], s
assert abs(s["objective"] - j["predicted"]["energy_j"]) <= 1e-9 * s["objective"], (s, j["predicted"])
assert s["milps"] >= 1 and s["nodes"] >= 1, s
PYEOF
cp "$TMP/rc.out" "$TMP/optimal.json"
check "the explanation names data sets, MILP sizes and the status" err_has "optimum: optimal (gap 0"
check "a node limit that stops branching gives feasible with a gap, never optimal" expect_rc 0 plan "$TINY" --orchestrator optimum --node-limit 2
check "  (its solver block)" "$PY" - "$TMP/rc.out" "$TMP/optimal.json" <<'PYEOF'
import json, sys
j = json.load(open(sys.argv[1]))
opt = json.load(open(sys.argv[2]))
s = j["solver"]
assert s["status"] == "feasible", s
assert s["gap"] > 0 and s["bound"] < s["objective"], s
assert s["objective"] >= opt["solver"]["objective"] * (1 - 1e-9), (s, opt["solver"])
assert s["bound"] <= opt["solver"]["objective"] * (1 + 1e-9), (s, opt["solver"])
PYEOF
check "--node-limit through --set gives the same" expect_rc 0 plan "$TINY" --orchestrator optimum --set planners.optimum.node_limit=2
check "  (same solver block)" grep -q '"status": "feasible"' "$TMP/rc.out"
check "--write-model FILE.lp" expect_rc 0 plan "$TINY" --orchestrator optimum --write-model "$TMP/m.lp"
check "  the LP file has an objective, constraints, bounds and integers" "$PY" - "$TMP/m.lp" <<'PYEOF'
import sys
t = open(sys.argv[1]).read()
for section in ("Minimize", "Subject To", "Bounds", "Integers", "End"):
    assert section in t, section
assert "one_schedule" in t and "deadline" not in t
PYEOF
check "  the explanation says where it went" err_has "written to $TMP/m.lp"
check "--write-model FILE.mps" expect_rc 0 plan "$TINY" --orchestrator optimum --write-model "$TMP/m.mps"
check "  the MPS file has its sections and marks the integer columns (BV/UI bounds)" "$PY" - "$TMP/m.mps" <<'PYEOF'
import sys
t = open(sys.argv[1]).read()
for section in ("NAME", "ROWS", "COLUMNS", "RHS", "BOUNDS", "ENDATA"):
    assert section in t, section
assert " BV BOUND y_" in t and " UI BOUND n_s0_" in t, "integer columns not marked"
PYEOF
check "no temporary model file is left" bash -c "! ls -a '$TMP' | grep -q deplsim-model"
check "--write-model with another orchestrator: exit 2" expect_rc 2 plan "$TINY" --orchestrator depl --write-model "$TMP/x.lp"
check "  (message)" err_has "--write-model: only the optimum orchestrator writes a model, not 'depl'"
check "--write-model with another extension: exit 2" expect_rc 2 plan "$TINY" --orchestrator optimum --write-model "$TMP/x.txt"
check "  (message)" err_has "expected a file name ending in .lp or .mps"
check "--write-model into a missing folder: exit 2" expect_rc 2 plan "$TINY" --orchestrator optimum --write-model "$TMP/none/x.lp"
check "  (message)" err_has "does not exist"
check "--node-limit -1: exit 2" expect_rc 2 plan "$TINY" --orchestrator optimum --node-limit -1
check "--gap 2: exit 2" expect_rc 2 plan "$TINY" --orchestrator optimum --gap 2
check "planners.optimum.max_segments=0: exit 2 naming the key" expect_rc 2 plan "$TINY" --orchestrator optimum --set planners.optimum.max_segments=0
check "  (message)" err_has "planners.optimum.max_segments: must be in [1, 64], got 0"
check "an unknown key under planners.optimum: exit 2" expect_rc 2 plan "$TINY" --orchestrator optimum --set planners.optimum.nodes=3
check "an infeasible target: infeasible, exit 3, solver says infeasible" expect_rc 3 plan "$TINY" --orchestrator optimum --set target.loss=0.2
check "  (solver block)" grep -q '"status": "infeasible"' "$TMP/rc.out"

# Certification lengthens the MILP's plan past the deadline (40 knowledge runs: the selection runs' 17 epochs on one
# node take 4.59 s of 4.8; the 19 certified take 5.09 s): the same schedule on resources re-chosen for the deadline
# (the optimum: its MILP with that one schedule; depl: the cheapest single choice, then mixed) — not infeasible, as
# when a certified plan had to keep the resources it was chosen on.
RETIME=(--set model.learning.knowledge_trajectories=40 --set target.loss=0.85 --set target.probability=0.7 --set target.deadline_s=4.8)
retimed() {  # retimed ORCHESTRATOR
  expect_rc 0 plan "$TINY" --orchestrator "$1" "${RETIME[@]}" || return 1
  err_has "the same schedule on resources re-chosen for the deadline" || return 1
  "$PY" - "$TMP/rc.out" "$1" <<'PYEOF'
import json, sys
p, who = json.load(open(sys.argv[1])), sys.argv[2]
assert p["claim"]["p_target_met"] == 0.7 and p["predicted"]["time_s"] <= 4.8, p
assert sum(s["epochs"] for s in p["segments"]) == 19 and {s["version"] for s in p["segments"]} == {"p50"}, p["segments"]
if who == "optimum":
    assert p["solver"]["certified_plan"] == "retimed", p["solver"]
    assert abs(p["predicted"]["energy_j"] - 181.14406067) < 1e-6, p["predicted"]
PYEOF
}
check "optimum: a certified plan past the deadline is re-timed by its MILP on that one schedule" retimed optimum
check "depl: the same, by re-choosing its resources" retimed depl

check "compare with optimum fills energy_vs_optimum" expect_rc 0 compare "$SMALL" --orchestrators depl,optimum,full-only \
  --replications 200 --out "$TMP/c"
check "  (values: 0 for the optimum, >= 0 for the others, E/E_opt - 1)" "$PY" - "$TMP/c" <<'PYEOF'
import csv, sys
rows = {r["orchestrator"]: r for r in csv.DictReader(open(sys.argv[1] + "/comparison.csv"))}
e = {k: float(r["energy_j_mean"]) for k, r in rows.items()}
for k, r in rows.items():
    v = float(r["energy_vs_optimum"])
    assert abs(v - (e[k] / e["optimum"] - 1)) < 1e-9, (k, v)
    assert v >= -1e-9, (k, v)
assert float(rows["optimum"]["energy_vs_optimum"]) == 0
assert float(rows["full-only"]["energy_vs_optimum"]) > 0
md = open(sys.argv[1] + "/comparison.md").read()
assert ("Energy relative to the optimum's plan (proven optimal" in md
        or "Energy relative to the optimum's plan (its MILP proven optimal" in md), md
PYEOF
finish
