#!/usr/bin/python3
"""Prints the table of plans written by `./run.sh demo` (one JSON file per scenario and orchestrator).

Usage: analysis/plan_table.py DIR
"""
import json
import pathlib
import sys


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    rows = []
    for path in sorted(pathlib.Path(sys.argv[1]).glob("*.json")):
        plan = json.loads(path.read_text())
        scenario = path.name.split(".")[0]
        pred = plan.get("predicted", {})
        segs = plan.get("segments", [])
        where = " + ".join(f"{s['version']} on {s['cluster']} x{s['nodes']} @ps{s['pstate']} ({s['epochs']} ep)" for s in segs)
        def num(key, fmt):
            value = pred.get(key)
            return "" if value is None else format(value, fmt)
        rows.append([scenario, plan["orchestrator"], plan["status"], where or plan.get("reason", ""),
                     num("p_target_met", ".3f"), num("expected_loss", ".4f"), num("energy_j", ".4g"), num("time_s", ".4g")])
    header = ["scenario", "orchestrator", "status", "plan", "P(L<=L*)", "E[L]", "energy J", "time s"]
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    line = "  ".join(h.ljust(w) for h, w in zip(header, widths))
    print(line)
    print("-" * len(line))
    for r in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)))
    print("\nPredicted by each orchestrator from its own knowledge; simulation on SimGrid comes with `deplsim run`.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
