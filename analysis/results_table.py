#!/usr/bin/python3
"""Renders the paper comparison (analysis/paper_results.sh) as Markdown: per cell (scenario, p*) each planner's
guarantee, simulated P with its 95% interval, mean energy, and depl's energy relative to each baseline that meets
p* (negative: depl is cheaper). Usage: analysis/results_table.py DIR
"""
import csv
import json
import pathlib
import sys


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    root = pathlib.Path(sys.argv[1])
    cells = sorted(p for p in root.iterdir() if (p / "comparison.csv").exists())
    print("| scenario | p* | planner | guarantee | P simulated [95% CI] | P predicted | energy J | depl vs it |")
    print("|---|---|---|---|---|---|---|---|")
    met_all = True
    gains = {}
    for cell in cells:
        rows = list(csv.DictReader(open(cell / "comparison.csv")))
        by = {r["orchestrator"]: r for r in rows}
        scenario, p = cell.name.rsplit("-p", 1)
        d = by.get("depl")
        for r in rows:
            if r["status"] != "ok":
                print(f"| {scenario} | {p} | {r['orchestrator']} | {r['status']} | | | | |")
                continue
            rel = ""
            if d and d["status"] == "ok" and r["orchestrator"] != "depl" and r["guarantee"] == "met":
                x = 100.0 * (float(d["energy_j_mean"]) / float(r["energy_j_mean"]) - 1.0)
                rel = f"{x:+.1f}%"
                gains.setdefault(r["orchestrator"], []).append(x)
            print(f"| {scenario} | {p} | {r['orchestrator']} | {r['guarantee']} | {float(r['p_target_met']):.4f} "
                  f"[{float(r['p_lo']):.4f}, {float(r['p_hi']):.4f}] | {float(r['p_predicted']):.4f} | "
                  f"{float(r['energy_j_mean']):.6g} | {rel} |")
        if not d or d["guarantee"] != "met":
            met_all = False
    print()
    print(f"depl's guarantee met in every cell: {'yes' if met_all else 'NO'}")
    print()
    print("| baseline (cells where it meets p*) | depl's energy relative to it: median | min | max |")
    print("|---|---|---|---|")
    for name, xs in sorted(gains.items()):
        xs = sorted(xs)
        med = xs[len(xs) // 2] if len(xs) % 2 else 0.5 * (xs[len(xs) // 2 - 1] + xs[len(xs) // 2])
        print(f"| {name} ({len(xs)}) | {med:+.1f}% | {xs[0]:+.1f}% | {xs[-1]:+.1f}% |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
