#!/usr/bin/env bash
# The platform sensitivity study (analysis/sensitivity.py, docs/platforms.md section 9) on one paper scenario: the
# generator's --scale reproduces the shipped platform when no figure is scaled, refuses an unknown figure, and every
# assumed figure scaled by 0.5 and 2 gives a plan; halving the utilisation makes depl's plan dearer and doubling it
# cheaper (compute energy goes with 1/speed), the idle watts likewise with their factor.
source "$(dirname "$0")/testlib.sh" sensitivity
GEN="$SOURCE_DIR/platforms/generate_paper_platform.py"
check "the generator without --scale gives the shipped platform" bash -c "'$PY' '$GEN' | cmp - '$SOURCE_DIR/platforms/paper-edge-cloud.xml'"
check "an unknown figure is refused" bash -c "! '$PY' '$GEN' --scale colour=2 >/dev/null 2>'$TMP/gen.err' && grep -qF 'expected NAME=FACTOR' '$TMP/gen.err'"
check "the study on alexnet-cifar10" bash -c "'$PY' '$SOURCE_DIR/analysis/sensitivity.py' --deplsim '$DEPLSIM' --out '$TMP/s' --scenarios alexnet-cifar10 >'$TMP/s.out' 2>'$TMP/s.err'"
check "  (every variant planned; the directions)" "$PY" - "$TMP/s/sensitivity.csv" <<'PYEOF'
import csv, sys
rows = {(r["figure"], float(r["factor"])): r for r in csv.DictReader(open(sys.argv[1]))}
assert len(rows) == 9 and all(r["status"] == "ok" for r in rows.values()), rows
e = lambda f, x: float(rows[(f, x)]["energy_vs_shipped"])
assert e("shipped", 1.0) == 1.0
assert e("utilisation", 0.5) > 1.5 and e("utilisation", 2.0) < 0.7, (e("utilisation", 0.5), e("utilisation", 2.0))
assert e("idle", 0.5) < 1 < e("idle", 2.0)
assert e("wan_energy", 0.5) <= 1 <= e("wan_energy", 2.0)
PYEOF
check "  (the markdown table)" bash -c "grep -qF '| utilisation | ×0.5 |' '$TMP/s/sensitivity.md'"
check "  (the figure, a PNG)" bash -c "head -c 8 '$TMP/s/sensitivity.png' | od -An -tx1 | grep -q '89 50 4e 47 0d 0a 1a 0a'"
finish
