#!/usr/bin/env bash
# The calibration against a real data-parallel run (analysis/calibration/ddp_calibration.py, docs/calibration.md), on a
# quick setting: it measures this machine (device, loopback, 1- and 2-process gloo runs), runs the same training in
# deplsim, and writes calibration.csv with every (processes, batch) and both deplsim variants, the inputs it measured
# and the platform and device profile it built. Timing figures are checked for sense only (this machine is shared):
# docs/calibration.md reports the measured errors.
source "$(dirname "$0")/testlib.sh" ddp-calibration
if ! "$PY" -c "import torch.distributed as d; assert d.is_available() and d.is_gloo_available()" 2>/dev/null; then
  echo "FAIL: needs Debian's python3-torch with torch.distributed (gloo)"; exit 1
fi
check "a quick calibration" bash -c "'$PY' '$SOURCE_DIR/analysis/calibration/ddp_calibration.py' --deplsim '$DEPLSIM' --quick --out '$TMP/cal' >'$TMP/cal.out' 2>'$TMP/cal.err'"
check "  (calibration.csv: every run, both variants, positive times)" "$PY" - "$TMP/cal/calibration.csv" <<'PYEOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert {(r["processes"], r["global_batch"]) for r in rows} == {("1", "64"), ("1", "256"), ("2", "64"), ("2", "256")}, rows
for r in rows:
    for k in ("measured_s_per_iteration", "simulated_s_per_iteration", "corrected_s_per_iteration"):
        assert 0 < float(r[k]) < 10, (k, r)
    assert abs(float(r["relative_error"]) - (float(r["simulated_s_per_iteration"]) / float(r["measured_s_per_iteration"]) - 1)) < 1e-3
    if r["processes"] == "2":
        assert int(r["gradient_bytes"]) == 4 * (784 * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10), r  # the MLP's fp32 gradients
        assert float(r["allreduce_s"]) > 0 and float(r["concurrent_compute_s"]) > 0 and float(r["allreduce_median_s"]) > 0, r
PYEOF
check "  (parts.csv: each 2-process run taken apart; the parts add up to the loop's iteration)" "$PY" - "$TMP/cal/parts.csv" <<'PYEOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert [(r["processes"], r["global_batch"]) for r in rows] == [("2", "64"), ("2", "256")], rows
for r in rows:
    parts = [float(r[k]) for k in ("compute_s", "wait_s", "allreduce_s", "lag_s", "after_s")]
    assert all(p >= 0 for p in parts) and parts[0] > 0 and parts[2] > 0, r
    loop = float(r["loop_s_per_iteration"])
    assert abs(sum(parts) - loop) < 0.05 * loop, (sum(parts), loop, r)  # what the loop does between stamps: microseconds
PYEOF
check "  (the decomposition on made-up timestamps: each part exact)" "$PY" - "$SOURCE_DIR/analysis/calibration" <<'PYEOF'
import sys
sys.path.insert(0, sys.argv[1])
from ddp_calibration import decompose
# rank 0 computes 4 s, rank 1 6 s; the exchange runs from 6 to 7; rank 0 returns at 7, rank 1 at 7.5; steps end at 8,
# 8; the next iteration starts 1 s later (9: the period counts the time between iterations too), the third at 20.
r0 = [(0.0, 4.0, 7.0, 8.0), (9.0, 13.0, 16.0, 17.0), (20.0, 24.0, 27.0, 28.0)]
r1 = [(0.0, 6.0, 7.5, 8.0), (9.0, 15.0, 16.5, 17.0), (20.0, 26.0, 27.5, 28.0)]
d = decompose([r0, r1])
want = dict(compute_s=5.0, wait_s=1.0, allreduce_s=1.0, lag_s=0.25, after_s=0.75, slowest_compute_s=6.0, iteration_s=10.0)
assert all(abs(d[k] - v) < 1e-12 for k, v in want.items()), d
try:
    decompose([r0[:1], r1[:1]])
    raise AssertionError("one timed iteration has no period")
except ValueError:
    pass
PYEOF
check "  (the inputs it measured and built)" bash -c "test -s '$TMP/cal/measured.json' && test -s '$TMP/cal/parts.png' && test -s '$TMP/cal/device-measured.yaml' && test -s '$TMP/cal/platform-measured-2.xml'"
check "  (the platform and profile load in deplsim)" expect_rc 0 validate "$TMP/cal/ddp-measured-2-b64.yaml"
finish
