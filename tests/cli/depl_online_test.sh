#!/usr/bin/env bash
# depl-online (issue 10): an adaptive policy on depl's data and resources that stops or switches at each epoch end
# from the observed validation loss; on tiny.yaml it keeps P(test loss <= L*) >= p* over 3,000 replications,
# stops at different epochs in different replications, spends less than depl, gives the same bytes for the same
# seed, runs with faults, and answers infeasible (exit 3) when depl does.
source "$(dirname "$0")/testlib.sh" depl-online
TINY="$SOURCE_DIR/tests/data/scenarios/tiny.yaml"
check "plan" expect_rc 0 plan "$TINY" --orchestrator depl-online
check "  explains its policy" err_has "a policy over (epoch, chain, observed validation level) by backward induction"
check "  one expected energy per policy: the chosen one's line and the plan's agree" "$PY" - "$TMP/rc.err" "$TMP/rc.out" <<'PYEOF'
import json, re, sys
err = open(sys.argv[1]).read(); plan = json.load(open(sys.argv[2]))
chosen = re.search(r"chosen: first version (\S+); .*expected energy ([0-9.e+-]+) J", err)
assert chosen, err
line = re.search(r"first version %s: lambda .*expected energy ([0-9.e+-]+) \(data shipping included\)" % re.escape(chosen.group(1)), err)
assert line, err
assert line.group(1) == chosen.group(2), (line.group(1), chosen.group(2))
assert abs(float(chosen.group(2)) - plan["predicted"]["energy_j"]) <= 1e-5 * plan["predicted"]["energy_j"], plan["predicted"]
PYEOF
check "run, 3000 replications" expect_rc 0 run "$TINY" --orchestrator depl-online --replications 3000 --out "$TMP/a"
check "depl, the same replications" expect_rc 0 run "$TINY" --orchestrator depl --replications 3000 --out "$TMP/d"
check "P >= p*, adaptive stopping, cheaper than depl" "$PY" - "$TMP/a" "$TMP/d" <<'PYEOF'
import csv, json, sys
a = json.load(open(sys.argv[1] + "/summary.json"))
d = json.load(open(sys.argv[2] + "/summary.json"))
p_star = a["target"]["probability"]
assert a["quality"]["p_target_met_ci95"][0] >= p_star, a["quality"]        # the whole interval above p*
assert a["simulation"]["mode"] == "every"
rows = list(csv.DictReader(open(sys.argv[1] + "/replications.csv")))
assert len({r["epochs"] for r in rows}) >= 3, {r["epochs"] for r in rows}  # stops depend on what it observes
assert a["cost"]["energy_j_mean"] < d["cost"]["energy_j_mean"], (a["cost"], d["cost"])
assert abs(a["plan"]["predicted"]["energy_j"] / a["cost"]["energy_j_mean"] - 1) < 0.1, (a["plan"]["predicted"], a["cost"])
PYEOF
check "the same seed: the same bytes" bash -c "
  '$DEPLSIM' run '$TINY' --orchestrator depl-online --replications 3000 --out '$TMP/b' >/dev/null 2>&1 &&
  cmp '$TMP/a/summary.json' '$TMP/b/summary.json' && cmp '$TMP/a/replications.csv' '$TMP/b/replications.csv'"
check "with faults" expect_rc 0 run "$TINY" --orchestrator depl-online --replications 300 --set clusters.main.mtbf_s=10 \
  --set clusters.main.mttr_s=3 --set clusters.second.mtbf_s=10 --set clusters.second.mttr_s=3 --out "$TMP/f"
check "  every replication met, missed or failed" "$PY" - "$TMP/f" <<'PYEOF'
import json, sys
f = json.load(open(sys.argv[1] + "/summary.json"))["faults"]
assert f["met"] + f["missed"] + f["failed"] == 300 and f["failures_mean"] > 0, f
PYEOF
check "an unreachable target: infeasible, exit 3" expect_rc 3 plan "$TINY" --orchestrator depl-online --set target.loss=0.2
finish
