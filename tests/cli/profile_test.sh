#!/usr/bin/env bash
# The measured Fashion-MNIST profile (issue 9): the loader on the real file (scenarios/profiles/fashion-mnist.csv
# through scenarios/fashion_mnist/edge.yaml), honest planning from few runs (the distribution-free bound; too
# few seeds for p* is "insufficient data", exit 3), and depl's plan judged on the evaluation seeds it never
# planned with, counted as distinct seeds.
source "$(dirname "$0")/testlib.sh" profile
EDGE="$SOURCE_DIR/scenarios/fashion_mnist/edge.yaml"
check "the real profile loads (validate)" expect_rc 0 validate "$EDGE"
check "depl plans on it" expect_rc 0 plan "$EDGE"
check "  its claim, p*, certified on the 40 held-out knowledge seeds (all 80 for a plan fixed in advance)" "$PY" - "$TMP/rc.out" <<'PYEOF'
import json, math, sys
j = json.load(open(sys.argv[1]))
c = j["claim"]
n = 80 if c["method"].startswith("all knowledge runs") else 40
assert j["predicted"]["p_target_met"] == c["p_target_met"] == 0.9 and c["runs"] == n and c["confidence"] == 0.95, j
# Its test: the one-sided Clopper-Pearson lower bound from m of n runs at 1 - 0.05/4 (four candidates), P(Binomial(n, b) >= m) = 0.05/3,
# at least p*.
def tail(n, m, q):
    return sum(math.comb(n, i) * q**i * (1 - q)**(n - i) for i in range(m, n + 1))
b = c["test_bound"]
assert b >= 0.9 and abs(tail(n, c["successes"], b) - 0.05 / 4) < 1e-6, c
PYEOF
check "p* = 0.99 cannot be certified on 80 knowledge seeds: insufficient data, exit 3" expect_rc 3 plan "$EDGE" --set target.probability=0.99
check "  (message)" grep -q "80 knowledge runs cannot certify P(L <= L\*) >= 0.99" "$TMP/rc.out"
check "20 knowledge seeds cannot support p* = 0.9: exit 3" expect_rc 3 plan "$EDGE" --set model.learning.knowledge_seeds=20
check "run: judged on the 20 evaluation seeds, counted once each" expect_rc 0 run "$EDGE" --replications 2000 --out "$TMP/r"
check "  P over distinct seeds, its interval, the guarantee from it" "$PY" - "$TMP/r" <<'PYEOF'
import csv, json, sys
s = json.load(open(sys.argv[1] + "/summary.json"))
q = s["quality"]
assert 15 <= q["independent_runs"] <= 20, q   # 2,000 draws from 20 seeds cover nearly all
k = round(q["p_target_met"] * q["independent_runs"])
assert abs(k / q["independent_runs"] - q["p_target_met"]) < 1e-12
lo, hi = q["p_target_met_ci95"]
p = s["target"]["probability"]
assert s["guarantee"] == ("met" if lo >= p - 0.01 else "violated" if hi < p else "unknown"), s["guarantee"]
PYEOF
# The structured profile (docs/profiles.md 2.1): the same network's full runs, pruned versions that are really
# smaller. At L* = 0.5, p* = 0.8 the most-pruned version alone is certified on both profiles, and costs less when it
# is structured (s75) than when it is unstructured (p75, trained at the full network's cost).
STRUCT="$SOURCE_DIR/scenarios/fashion_mnist/edge-structured.yaml"
check "the structured profile loads (validate)" expect_rc 0 validate "$STRUCT"
pruned_energy() {  # pruned_energy SCENARIO: the energy of pruned-only's certified plan at L* = 0.5, p* = 0.8
  "$DEPLSIM" plan "$1" --orchestrator pruned-only --set target.loss=0.5 --set target.probability=0.8 2>/dev/null |
    "$PY" -c 'import json,sys; p=json.load(sys.stdin); assert p["status"] == "ok", p["status"]; print(p["predicted"]["energy_j"])'
}
structured_cheaper() {
  local u s
  u=$(pruned_energy "$EDGE") && s=$(pruned_energy "$STRUCT") || return 1
  "$PY" -c "import sys; u, s = $u, $s; assert s < 0.8 * u, (u, s)" || { echo "unstructured $u J, structured $s J"; return 1; }
}
check "  pruned-only: the structured version alone is cheaper than the unstructured one" structured_cheaper
finish
