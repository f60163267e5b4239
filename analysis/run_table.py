#!/usr/bin/python3
"""Table of `deplsim run` results: one row per summary.json found under DIR (recursively).

Usage: analysis/run_table.py DIR [--markdown]
Columns: scenario, L* and p* (when the rows differ in them), orchestrator, status, plan, predicted and empirical
P(L <= L*) with its 95% interval, guarantee, mean energy and time. A plan whose replications trained other epochs
than it lists (an adaptive orchestrator stops early; faults re-plan) reads "up to: PLAN (ran mean M, 5-95% A-B ep)",
from the replications.csv beside its summary.json.
"""
import csv
import json
import pathlib
import statistics
import sys


def fmt(value, spec):
    return "" if value is None else format(value, spec)


def quantile7(sorted_values, p):
    """Type-7 quantile (linear interpolation between order statistics)."""
    h = (len(sorted_values) - 1) * p
    lo = int(h)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (h - lo) * (sorted_values[hi] - sorted_values[lo])


def epochs_run(summary_path, planned):
    """' (ran mean M, 5-95% A-B ep)' when the replications trained other epochs than planned, else ''."""
    reps = summary_path.parent / "replications.csv"
    if not reps.exists():
        return ""
    with reps.open() as f:
        epochs = sorted(int(r["epochs"]) for r in csv.DictReader(f))
    if not epochs or all(e == planned for e in epochs):
        return ""
    return (f" (ran mean {statistics.fmean(epochs):.1f}, 5-95% {quantile7(epochs, 0.05):g}-"
            f"{quantile7(epochs, 0.95):g} ep)")


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    markdown = "--markdown" in sys.argv[1:]
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    rows = []
    for path in sorted(pathlib.Path(args[0]).rglob("summary.json")):
        s = json.loads(path.read_text())
        plan = s.get("plan") or {}
        segs = plan.get("segments", [])
        where = " + ".join(f"{g['version']}@{g['cluster']}x{g['nodes']}/ps{g['pstate']}:{g['epochs']}ep" for g in segs)
        ran = epochs_run(path, sum(g["epochs"] for g in segs)) if segs else ""
        if ran:
            where = "up to: " + where + ran
        target = s.get("target") or {}
        q = s.get("quality") or {}
        c = s.get("cost") or {}
        pred = plan.get("predicted", {})
        ci = q.get("p_target_met_ci95")
        rows.append([
            s["scenario"], target.get("loss"), target.get("probability"), s["orchestrator"], s["status"], where or s.get("reason", ""),
            fmt(pred.get("p_target_met"), ".3f"),
            fmt(q.get("p_target_met"), ".3f") + (f" [{ci[0]:.3f},{ci[1]:.3f}]" if ci else ""),
            s["guarantee"], fmt(c.get("energy_j_mean"), ".4g"), fmt(c.get("time_s_mean"), ".4g"),
        ])
    header = ["scenario", "L*", "p*", "orchestrator", "status", "plan", "P predicted", "P simulated [95% CI]",
              "guarantee", "energy J", "time s"]
    # L* and p* only where the rows differ in them (one target: it is the same for every row).
    keep = [i for i in range(len(header)) if i not in (1, 2) or len({r[i] for r in rows}) > 1]
    header = [header[i] for i in keep]
    rows = [[r[i] for i in keep] for r in rows]
    if not rows:
        print("no summary.json under " + args[0], file=sys.stderr)
        return 1
    if markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for r in rows:
            print("| " + " | ".join(str(x) for x in r) + " |")
        return 0
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    line = "  ".join(h.ljust(w) for h, w in zip(header, widths))
    print(line)
    print("-" * len(line))
    for r in rows:
        print("  ".join(str(x).ljust(w) for x, w in zip(r, widths)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
