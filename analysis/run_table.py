#!/usr/bin/python3
"""Table of `deplsim run` results: one row per summary.json found under DIR (recursively).

Usage: analysis/run_table.py DIR [--markdown]
Columns: scenario, orchestrator, status, plan, predicted and empirical P(L <= L*) with its 95% interval,
guarantee, mean energy and time.
"""
import json
import pathlib
import sys


def fmt(value, spec):
    return "" if value is None else format(value, spec)


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
        q = s.get("quality") or {}
        c = s.get("cost") or {}
        pred = plan.get("predicted", {})
        ci = q.get("p_target_met_ci95")
        rows.append([
            s["scenario"], s["orchestrator"], s["status"], where or s.get("reason", ""),
            fmt(pred.get("p_target_met"), ".3f"),
            fmt(q.get("p_target_met"), ".3f") + (f" [{ci[0]:.3f},{ci[1]:.3f}]" if ci else ""),
            s["guarantee"], fmt(c.get("energy_j_mean"), ".4g"), fmt(c.get("time_s_mean"), ".4g"),
        ])
    header = ["scenario", "orchestrator", "status", "plan", "P predicted", "P simulated [95% CI]", "guarantee",
              "energy J", "time s"]
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
