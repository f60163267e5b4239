#!/usr/bin/env bash
# Where distribution pays (docs/results.md, "Distribution"): ResNet-50 in iterations mode on
# platforms/distributed-edge-cloud.xml. Without a deadline depl trains on one edge board; with a day it uses more
# than one node; with 12 hours it trains most epochs on two edge boards and migrates to the cloud for the last ones —
# within the deadline, far cheaper than the cheapest single resource choice (full-only's plan), and its guarantee met
# over 20,000 replications with the simulated cost equal to the predicted one.
source "$(dirname "$0")/testlib.sh" distributed
S="$SOURCE_DIR/scenarios/distributed/resnet50-edge-cloud.yaml"
for d in null 86400 43200; do
  check "depl plans (deadline $d)" bash -c "'$DEPLSIM' plan '$S' --set target.deadline_s=$d >'$TMP/depl-$d.json' 2>'$TMP/depl-$d.err'"
done
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
check "run the migrating plan, 20,000 replications" expect_rc 0 run "$S" --set target.deadline_s=43200 --replications 20000 --no-figures --out "$TMP/run"
check "  (guarantee met, cost as predicted)" "$PY" - "$TMP/run/summary.json" <<'PYEOF'
import json, sys
s = json.load(open(sys.argv[1]))
assert s["guarantee"] == "met", s["guarantee"]
assert abs(s["cost"]["energy_j_mean"] / s["plan"]["predicted"]["energy_j"] - 1) < 1e-6
assert abs(s["cost"]["time_s_mean"] / s["plan"]["predicted"]["time_s"] - 1) < 1e-6
assert s["simulation"]["training_mode"] == "iterations" and s["simulation"]["iterations_per_epoch"] == 495
PYEOF
finish
