#!/usr/bin/env bash
# The Slurm backend of `deplsim sweep` on a real single-machine Slurm (tests/slurm/slurm_up.sh: munge, slurmctld,
# slurmd from Debian's packages; proctrack/linuxproc, task/none): 12 units split into job arrays under the test
# cluster's MaxArraySize (8), an output path with spaces and quotes, --sbatch-arg passed through; results.csv byte
# for byte the local backend's; --resume after units are removed. A cluster that cannot start is a failure.
source "$(dirname "$0")/testlib.sh" sweep-slurm
SWEEP="$SOURCE_DIR/tests/data/sweeps/slurm.yaml"
STATE="$TMP/slurm-state"
mkdir -p "$STATE"
chmod a+rx "$TMP"
cleanup() { bash "$SOURCE_DIR/tests/slurm/slurm_down.sh" "$STATE" >/dev/null 2>&1 || true; rm -rf "$TMP"; }
trap cleanup EXIT
if ! up=$(SLURM_UP_MAX_ARRAY_SIZE=8 SLURM_UP_MIN_JOB_AGE=300 bash "$SOURCE_DIR/tests/slurm/slurm_up.sh" "$STATE" 2>"$TMP/up.err"); then
  echo "FAIL: the test Slurm cluster did not start:"
  tail -30 "$TMP/up.err"
  exit 1
fi
eval "$(printf '%s\n' "$up" | tail -n 1)"
check "the cluster answers (MaxArraySize 8)" bash -c "scontrol show config | grep -q 'MaxArraySize *= 8'"

OUT="$TMP/out dir with 'quotes' and \"doubles\""
check "local reference (--jobs 2)" "$DEPLSIM" sweep "$SWEEP" --out "$TMP/local" --jobs 2
check "--backend slurm" timeout 600 "$DEPLSIM" sweep "$SWEEP" --out "$OUT" --backend slurm --jobs 2 \
  "--sbatch-arg=--comment=deplsim test: it's \"quoted\"" --sbatch-arg=--time=10
check "results.csv: slurm and local byte-identical" cmp "$TMP/local/results.csv" "$OUT/results.csv"
check "every unit's summary.json identical too" bash -c "
  cd '$TMP/local' && for f in cells/*/*/summary.json; do cmp \"\$f\" \"\$1/\$f\" || exit 1; done" _ "$OUT"
check "two job arrays were submitted (12 units, at most 7 tasks each)" bash -c "
  test \"\$(ls \"\$1/slurm/logs\" | sed 's/_.*//' | sort -u | wc -l)\" = 2 && test \"\$(ls \"\$1/slurm/logs\" | wc -l)\" = 12" _ "$OUT"
check "the job script quotes every path and holds no scenario key" bash -c "
  grep -q 'sweep-task' \"\$1/slurm/job.sh\" && ! grep -q 'target.probability' \"\$1/slurm/job.sh\"" _ "$OUT"
check "manifest.json: 12 units, none failed" "$PY" - "$OUT/manifest.json" <<'PYEOF'
import json, sys
m = json.load(open(sys.argv[1]))
assert m["units"] == 12 and m["units_done"] == 12 and m["failed"] == [], m
PYEOF
# Resume on Slurm: remove two finished units and their merged files, as if the tasks had been lost.
check "--resume reruns lost units on Slurm and gives the same results.csv" bash -c "
  rm -rf \"\$1/cells/c001/full-only-s1\" \"\$1/cells/c003/expected-loss-s2\" &&
  timeout 600 '$DEPLSIM' sweep '$SWEEP' --out \"\$1\" --backend slurm --resume 2>/dev/null &&
  cmp '$TMP/local/results.csv' \"\$1/results.csv\"" _ "$OUT"
check "a bad --sbatch-arg: sbatch's error, exit 2, nothing published" bash -c "
  '$DEPLSIM' sweep '$SWEEP' --out '$TMP/bad' --backend slurm --sbatch-arg=--no-such-option 2>'$TMP/bad.err'; test \$? = 2 &&
  grep -q 'sbatch failed' '$TMP/bad.err' && test ! -e '$TMP/bad'"
finish
