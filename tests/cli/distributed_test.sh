#!/usr/bin/env bash
# Where distribution pays (docs/results.md, "Distribution"): ResNet-50 in iterations mode on
# platforms/distributed-edge-cloud.xml. Without a deadline depl trains on one edge board; with a day it uses more
# than one node; with 12 hours it trains most epochs on two edge boards and migrates to the cloud for the last ones —
# within the deadline, far cheaper than the cheapest single resource choice (full-only's plan), and its guarantee met
# over 20,000 replications with the simulated cost equal to the predicted one. With every cluster of the platform
# (resnet50-multi-site.yaml: Jetson Nanos on Wi-Fi, a DGX's GPUs on NVLink besides), the full network fits no Nano,
# tight deadlines go to the DGX rather than to the instances, and the Nanos alone cannot reach the target.
source "$(dirname "$0")/testlib.sh" distributed
S="$SOURCE_DIR/scenarios/distributed/resnet50-edge-cloud.yaml"
M="$SOURCE_DIR/scenarios/distributed/resnet50-multi-site.yaml"
plans() {  # plans SCENARIO PREFIX DEADLINE...: depl's plan for each deadline in $TMP/PREFIX-DEADLINE.json (and .err)
  local scenario=$1 prefix=$2
  shift 2
  for d in "$@"; do
    check "$(basename "$scenario" .yaml): depl plans (deadline $d)" bash -c "
      '$DEPLSIM' plan '$scenario' --set target.deadline_s=$d >'$TMP/$prefix-$d.json' 2>'$TMP/$prefix-$d.err'"
  done
}
plans "$S" depl null 86400 43200 10800
plans "$M" ms null 43200 10800
check "full-only plans (deadline 43200)" bash -c "'$DEPLSIM' plan '$S' --orchestrator full-only --set target.deadline_s=43200 >'$TMP/full-43200.json' 2>/dev/null"
check "  (the plans' shapes)" "$PY" - "$TMP" <<'PYEOF'
import json, sys, os
t = sys.argv[1]
p = {d: json.load(open(os.path.join(t, f"depl-{d}.json"))) for d in ("null", "86400", "43200")}
full = json.load(open(os.path.join(t, "full-43200.json")))
segs = lambda d: p[d]["segments"]
assert all(x["status"] == "ok" for x in p.values())
assert [s["nodes"] for s in segs("null")] == [1] and segs("null")[0]["cluster"] == "edge", segs("null")
assert max(s["nodes"] for s in segs("86400")) > 1, segs("86400")
assert p["86400"]["predicted"]["time_s"] <= 86400
clusters = {s["cluster"] for s in segs("43200")}
assert clusters == {"edge", "cloud"}, segs("43200")
assert p["43200"]["predicted"]["time_s"] <= 43200
# Far cheaper than one resource choice for the whole plan (full-only's: the cloud, about 14.6 MJ).
assert p["43200"]["predicted"]["energy_j"] < 0.5 * full["predicted"]["energy_j"], (p["43200"]["predicted"], full["predicted"])
PYEOF
check "  (depl says why)" bash -c "grep -qF 'epochs split between a frugal and a fast resource choice' '$TMP/depl-43200.err'"
run_checked() {  # run_checked WHAT SCENARIO DEADLINE OUT PYTHON-CONDITION: 20,000 replications of depl's plan,
  # its guarantee met, its cost as predicted, and the condition on summary.json's `s`
  check "run $1, 20,000 replications" expect_rc 0 run "$2" --set target.deadline_s=$3 --replications 20000 --no-figures --out "$4"
  check "  (guarantee met, cost as predicted; $5)" "$PY" -c "
import json, sys
s = json.load(open(sys.argv[1]))
assert s['guarantee'] == 'met', s['guarantee']
assert abs(s['cost']['energy_j_mean'] / s['plan']['predicted']['energy_j'] - 1) < 1e-6
assert abs(s['cost']['time_s_mean'] / s['plan']['predicted']['time_s'] - 1) < 1e-6
assert $5, s['plan']['segments']" "$4/summary.json"
}
run_checked "the migrating plan" "$S" 43200 "$TMP/run" \
  "s['simulation']['training_mode'] == 'iterations' and s['simulation']['iterations_per_epoch'] == 495"
check "multi-site: validate says the full network fits no Nano" bash -c "'$DEPLSIM' validate '$M' >'$TMP/ms-validate.out' 2>&1 &&
  grep -qF \"does not fit on cluster wifi: version 'full' needs 4.573 GB per core on host 'wifi-n0'\" '$TMP/ms-validate.out' &&
  grep -qF 'fits on cluster wifi only with 4 or more nodes' '$TMP/ms-validate.out'"
check "  (no plan on the Nanos; three hours on the DGX's GPUs, cheaper than on the instances)" "$PY" - "$TMP" <<'PYEOF'
import json, sys, os
t = sys.argv[1]
ms = {d: json.load(open(os.path.join(t, f"ms-{d}.json"))) for d in ("null", "43200", "10800")}
assert all(p["status"] == "ok" and all(s["cluster"] != "wifi" for s in p["segments"]) for p in ms.values()), ms
fast = ms["10800"]
assert fast["predicted"]["time_s"] <= 10800
assert any(s["cluster"] == "dgx" and s["nodes"] > 1 for s in fast["segments"]), fast["segments"]
instances = json.load(open(os.path.join(t, "depl-10800.json")))
assert {s["cluster"] for s in instances["segments"]} <= {"edge", "cloud"}, instances["segments"]
assert fast["predicted"]["energy_j"] < instances["predicted"]["energy_j"], (fast["predicted"], instances["predicted"])
PYEOF
run_checked "the multi-site three-hour plan (DGX GPUs on NVLink)" "$M" 10800 "$TMP/ms-run" \
  "any(seg['cluster'] == 'dgx' for seg in s['plan']['segments'])"
check "multi-site on the Nanos alone: depl infeasible, saying the full network fits nowhere" bash -c "
  '$DEPLSIM' plan '$M' --set 'clusters=[{name: wifi, zone: wifi}]' >/dev/null 2>'$TMP/ms-wifi.err'; [ \$? -eq 3 ] &&
  grep -qF \"in memory, version 'full' fits on no (cluster, nodes, power state)\" '$TMP/ms-wifi.err'"
check "  and the optimum says the same" bash -c "
  '$DEPLSIM' plan '$M' --orchestrator optimum --set 'clusters=[{name: wifi, zone: wifi}]' >/dev/null 2>'$TMP/ms-wifi-opt.err'; [ \$? -eq 3 ] &&
  grep -qF 'no plan reaching P(L <= 1.25) >= 0.9 runs on the resources where its versions fit' '$TMP/ms-wifi-opt.err' &&
  grep -qF \"in memory, version 'full' fits on no (cluster, nodes, power state)\" '$TMP/ms-wifi-opt.err'"
check "the deadline study (analysis/distribution_deadlines.py) at 12 and 36 hours" bash -c "
  '$PY' '$SOURCE_DIR/analysis/distribution_deadlines.py' --deplsim '$DEPLSIM' --out '$TMP/dl' --deadlines 12,36 2>'$TMP/dl.err'"
check "  (every plan made; depl never dearer than full-only; data at the sites cheaper; the figure)" "$PY" - "$TMP/dl" <<'PYEOF'
import csv, sys, os
rows = list(csv.DictReader(open(os.path.join(sys.argv[1], "deadlines.csv"))))
assert len(rows) == 12 and all(r["status"] == "ok" for r in rows), rows
e = {(r["scenario"], r["deadline_h"], r["orchestrator"]): float(r["energy_j"]) for r in rows}
for (sc, d, o), x in e.items():
    if o == "depl":
        assert x <= e[(sc, d, "full-only")] * (1 + 1e-12), (sc, d, x, e[(sc, d, "full-only")])
assert any(r["clusters"] == "edge x2, dgx x3" for r in rows if r["scenario"] == "resnet50-multi-site"), rows
# The data at the sites (edge-data, wifi-data) instead of the core: the 12-hour hybrid plan ships it faster, for less.
assert e[("resnet50-data-at-sites", "12", "depl")] < e[("resnet50-multi-site", "12", "depl")], e
assert open(os.path.join(sys.argv[1], "deadlines.png"), "rb").read(8) == b"\x89PNG\r\n\x1a\n"
PYEOF
check "  (bad deadlines: a usage error)" bash -c "! '$PY' '$SOURCE_DIR/analysis/distribution_deadlines.py' --deplsim '$DEPLSIM' --out '$TMP/dl2' --deadlines 12,-1 2>'$TMP/dl2.err' && grep -qF 'expected hours in (0, 1e6)' '$TMP/dl2.err'"
finish
