#!/usr/bin/env bash
# The comparison behind docs/results.md: `deplsim compare` on the four paper scenarios x p* in {0.8, 0.9, 0.95},
# 20,000 replications, seed 1, every built-in planner; then analysis/results_table.py renders the tables.
# Usage: analysis/paper_results.sh OUT_DIR   (about 3 minutes on 2 cores once the knowledge cache is warm)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:?usage: analysis/paper_results.sh OUT_DIR}
DEPLSIM=${DEPLSIM:-build/release/deplsim}
ORCH=depl,expected-loss,expected-loss+safety,expected-loss+margin,full-only,pruned-only
mkdir -p "$OUT"
for s in scenarios/paper/*.yaml; do
  name=$(basename "$s" .yaml)
  for p in 0.8 0.9 0.95; do
    echo "[paper_results] $name p*=$p" >&2
    "$DEPLSIM" compare "$s" --orchestrators "$ORCH" --replications 20000 --seed 1 --set "target.probability=$p" \
      --out "$OUT/$name-p$p" --force >/dev/null
  done
done
/usr/bin/python3 analysis/results_table.py "$OUT"
