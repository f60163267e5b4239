#!/usr/bin/env bash
# depl against the exact optimum (docs/results.md, "depl vs the optimum"): `deplsim plan` with depl and with
# optimum on the four paper scenarios x p* in {0.8, 0.9, 0.95} and on scenarios/small/, then a Markdown table of
# both plans' energies (cost model; the simulation agrees to 1e-7, docs/model.md 4.9), depl's gap to the optimum,
# the optimum's status and bound, and both planning times (wall time of the whole `deplsim plan`, knowledge
# cache warm: run it twice, or after analysis/paper_results.sh).
# Usage: analysis/optimum_results.sh OUT_DIR   (about 5 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:?usage: analysis/optimum_results.sh OUT_DIR}
DEPLSIM=${DEPLSIM:-build/release/deplsim}
mkdir -p "$OUT"
for s in scenarios/paper/*.yaml scenarios/small/*.yaml; do
  name=$(basename "$s" .yaml)
  for p in 0.8 0.9 0.95; do
    for o in depl optimum; do
      echo "[optimum_results] $name p*=$p $o" >&2
      start=$(date +%s.%N)
      rc=0
      "$DEPLSIM" plan "$s" --orchestrator "$o" --set "target.probability=$p" >"$OUT/$name-p$p-$o.json" 2>"$OUT/$name-p$p-$o.err" || rc=$?
      end=$(date +%s.%N)
      echo "$name,$p,$o,$rc,$(echo "$end - $start" | bc)" >>"$OUT/times.csv.tmp"
    done
  done
done
mv "$OUT/times.csv.tmp" "$OUT/times.csv"
/usr/bin/python3 - "$OUT" <<'PYEOF'
import csv, json, os, sys
out = sys.argv[1]
times = {(r[0], r[1], r[2]): float(r[4]) for r in csv.reader(open(os.path.join(out, "times.csv")))}
rows, gaps = [], []
for (name, p, o) in sorted({(n, p, "optimum") for (n, p, _) in times}):
    d = json.load(open(os.path.join(out, f"{name}-p{p}-depl.json")))
    m = json.load(open(os.path.join(out, f"{name}-p{p}-optimum.json")))
    sv = m.get("solver", {})
    de = d["predicted"]["energy_j"] if d["status"] == "ok" else None
    me = m["predicted"]["energy_j"] if m["status"] == "ok" else None
    gap = de / me - 1 if de is not None and me is not None else None
    if gap is not None:
        gaps.append(gap)
    f = lambda x, fmt: "—" if x is None else fmt.format(x)
    rows.append(f"| {name} | {p} | {f(de, '{:.1f}')} | {f(me, '{:.1f}')} | {f(None if gap is None else 100 * gap, '{:+.2f}%')} | "
                f"{sv.get('status', m['status'])} | {f(sv.get('bound'), '{:.1f}')} | {sv.get('nodes', '')} | "
                f"{times[(name, p, 'depl')]:.2f} | {times[(name, p, 'optimum')]:.1f} |")
print("| scenario | p* | depl J | optimum J | depl vs optimum | optimum status | bound J | B&B nodes | depl plan s | optimum plan s |")
print("|---|---|---|---|---|---|---|---|---|---|")
print("\n".join(rows))
if gaps:
    gaps.sort()
    print(f"\n{len(gaps)} cells: depl's gap to the optimum: median {100 * gaps[len(gaps) // 2]:.2f}%, worst {100 * gaps[-1]:.2f}%, "
          f"{sum(1 for g in gaps if abs(g) < 1e-9)} at 0.")
PYEOF
