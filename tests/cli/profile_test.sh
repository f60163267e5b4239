#!/usr/bin/env bash
# The measured Fashion-MNIST profile (issue 9): the loader on the real file (scenarios/profiles/fashion-mnist.csv
# through scenarios/fashion_mnist/edge.yaml), honest planning from few runs (the distribution-free bound; too
# few seeds for p* is "insufficient data", exit 3), and depl's plan judged on the evaluation seeds it never
# planned with, counted as distinct seeds.
source "$(dirname "$0")/testlib.sh" profile
EDGE="$SOURCE_DIR/scenarios/fashion_mnist/edge.yaml"
check "the real profile loads (validate)" expect_rc 0 validate "$EDGE"
check "depl plans on it" expect_rc 0 plan "$EDGE"
check "  its P is the 95% lower bound from the 60 training seeds, at least p*" "$PY" - "$TMP/rc.out" <<'PYEOF'
import json, math, sys
j = json.load(open(sys.argv[1]))
p = j["predicted"]["p_target_met"]
assert p >= 0.9, p
# A Clopper-Pearson lower bound from m of 60 runs: p^60 <= 0.05 needs ... it is exactly a bound for some m <= 60.
def tail(n, m, q):
    return sum(math.comb(n, i) * q**i * (1 - q)**(n - i) for i in range(m, n + 1))
assert any(abs(tail(60, m, p) - 0.05) < 1e-6 for m in range(1, 61)), p
PYEOF
check "p* = 0.99 needs 299 seeds: insufficient data, exit 3" expect_rc 3 plan "$EDGE" --set target.probability=0.99
check "  (message)" grep -q "the knowledge rests on 60 independent training runs; a claim P(L <= L\*) >= 0.99 needs at least 299" "$TMP/rc.out"
check "20 training seeds cannot support p* = 0.9: exit 3" expect_rc 3 plan "$EDGE" --set model.learning.knowledge_seeds=20
check "run: judged on the 40 evaluation seeds, counted once each" expect_rc 0 run "$EDGE" --replications 2000 --out "$TMP/r"
check "  P over distinct seeds, its interval, at least p* for depl" "$PY" - "$TMP/r" <<'PYEOF'
import csv, json, sys
s = json.load(open(sys.argv[1] + "/summary.json"))
q = s["quality"]
assert q["independent_runs"] <= 40 and q["independent_runs"] >= 35, q   # 2,000 draws from 40 seeds cover nearly all
k = round(q["p_target_met"] * q["independent_runs"])
assert abs(k / q["independent_runs"] - q["p_target_met"]) < 1e-12
assert q["p_target_met"] >= 0.9, q
assert s["guarantee"] == "unknown"  # fewer than 20,000 independent runs
PYEOF
finish
