#!/usr/bin/env bash
# depl vs depl-online vs expected-loss+margin without faults and with faults at two rates (docs/results.md,
# "Faults and adaptivity"): the sweeps scenarios/sweeps/faults/{none,low,high}.yaml (4 paper scenarios, 20,000
# replications each), then one Markdown table: guarantee, simulated P with its interval, energy, time, failed
# replications, and depl-online's energy relative to depl's.
# Usage: analysis/faults_results.sh OUT_DIR [JOBS]   (about 20 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:?usage: analysis/faults_results.sh OUT_DIR [JOBS]}
JOBS=${2:-2}
DEPLSIM=${DEPLSIM:-build/release/deplsim}
mkdir -p "$OUT"
for level in none low high; do
  echo "[faults_results] $level" >&2
  "$DEPLSIM" sweep "scenarios/sweeps/faults/$level.yaml" --out "$OUT/$level" --jobs "$JOBS" --resume
done
/usr/bin/python3 - "$OUT" <<'PYEOF'
import csv, json, os, sys
out = sys.argv[1]
print("| scenario | faults | orchestrator | guarantee | P simulated [95% CI] | energy J | time s | failed | failures/rep | depl-online vs depl |")
print("|---|---|---|---|---|---|---|---|---|---|")
for level in ("none", "low", "high"):
    rows = list(csv.DictReader(open(os.path.join(out, level, "results.csv"))))
    by = {(r["scenario"], r["orchestrator"]): r for r in rows}
    for r in rows:
        unit = os.path.join(out, level, "cells", r["cell"], f'{r["orchestrator"]}-s{r["seed"]}', "summary.json")
        s = json.load(open(unit)) if os.path.exists(unit) else {}
        f = s.get("faults") or {}
        rel = ""
        if r["orchestrator"] == "depl-online" and r["energy_j_mean"] and by.get((r["scenario"], "depl"), {}).get("energy_j_mean"):
            rel = f'{100 * (float(r["energy_j_mean"]) / float(by[(r["scenario"], "depl")]["energy_j_mean"]) - 1):+.1f}%'
        p = f'{float(r["p_target_met"]):.4f} [{float(r["p_lo"]):.4f}, {float(r["p_hi"]):.4f}]' if r["p_target_met"] else "—"
        e = f'{float(r["energy_j_mean"]):.1f}' if r["energy_j_mean"] else "—"
        t = f'{float(r["time_s_mean"]):.2f}' if r["time_s_mean"] else "—"
        print(f'| {r["scenario"]} | {level} | {r["orchestrator"]} | {r["guarantee"]} | {p} | {e} | {t} | '
              f'{f.get("failed", 0)} | {f.get("failures_mean", 0):.3f} | {rel} |')
PYEOF
