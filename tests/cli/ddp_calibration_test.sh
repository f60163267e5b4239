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
        assert float(r["allreduce_s"]) > 0 and float(r["concurrent_compute_s"]) > 0, r
PYEOF
check "  (the inputs it measured and built)" bash -c "test -s '$TMP/cal/measured.json' && test -s '$TMP/cal/device-measured.yaml' && test -s '$TMP/cal/platform-measured-2.xml'"
check "  (the platform and profile load in deplsim)" expect_rc 0 validate "$TMP/cal/ddp-measured-2-b64.yaml"
finish
