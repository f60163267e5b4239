#!/usr/bin/env python3
"""Energy against the deadline on the distributed platform (docs/results.md, "Distribution"): depl's plan and the
cheapest single resource choice (full-only's) for a range of deadlines, on each scenario given, with the clusters
and node counts each plan uses, and a figure (resnet50-data-at-sites: the multi-site scenario with its data at the
edge site and in the Wi-Fi cell).

  /usr/bin/python3 analysis/distribution_deadlines.py --deplsim build/release/deplsim --out results/deadlines

Plans only (`deplsim plan`; planned costs equal the simulated ones, the cost model agrees with SimGrid within 1e-6,
tested). Writes deadlines.csv (scenario, deadline, orchestrator, status, energy, time, the plan),
deadlines.png (energy in MJ against the deadline in hours, one line per scenario and planner, each depl point
labelled with the clusters and largest node count it uses), atomically. `--optimum` adds the exact optimum (minutes
per deadline on the multi-site scenario, with `planners.optimum.gap` as given).
"""
from __future__ import annotations

import argparse
import io
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from plans import csv_text, describe, plan  # noqa: E402
from plotstyle import atomic_write, style  # noqa: E402

SCENARIOS = tuple(os.path.join(ROOT, "scenarios", "distributed", f"{s}.yaml")
                  for s in ("resnet50-edge-cloud", "resnet50-multi-site", "resnet50-data-at-sites"))
DEADLINES_H = (1.5, 2, 3, 4, 6, 8, 12, 16, 24, 36)


def label(p: dict) -> str:
    """The clusters a plan uses, each with its largest node count: "edge x2, dgx x8"."""
    most = {}
    for s in p["segments"]:
        most[s["cluster"]] = max(most.get(s["cluster"], 0), s["nodes"])
    return ", ".join(f"{c} x{n}" for c, n in most.items())


def figure(rows: list[dict], path: str) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(8, 4.8))
    scenarios = list(dict.fromkeys(r["scenario"] for r in rows))
    for k, sc in enumerate(scenarios):
        for o in dict.fromkeys(r["orchestrator"] for r in rows):
            pts = [r for r in rows if r["scenario"] == sc and r["orchestrator"] == o and r["status"] == "ok"]
            if not pts:
                continue
            colour, marker, line = style(o)
            xs = [float(r["deadline_h"]) for r in pts]
            ys = [float(r["energy_j"]) / 1e6 for r in pts]
            # one line style per scenario; the third's markers hollow and its points unlabelled (they lie just
            # below the second's: the same clusters with the data at the sites)
            dash = (line, (0, (1, 1)), (0, (6, 2, 1, 2)))[min(k, 2)]
            ax.plot(xs, ys, marker=marker, linestyle=dash, color=colour, alpha=1.0 if k == 0 else 0.75,
                    markerfacecolor="none" if k >= 2 else colour, label=f"{o}, {sc}")
            if o == "depl" and k < 2:
                for r, x, y in zip(pts, xs, ys):
                    # the first scenario's labels above its points, the others' below (the multi-site plans cost less)
                    ax.annotate(r["clusters"], (x, y), textcoords="offset points", xytext=(4, 5 if k == 0 else -11),
                                fontsize=6, color=colour)
    ax.set_xscale("log")
    ticks = sorted({float(r["deadline_h"]) for r in rows})
    ax.set_xticks(ticks)
    ax.set_xticklabels([f"{t:g}" for t in ticks])
    ax.minorticks_off()
    ax.set_xlabel("deadline (hours, log scale)")
    ax.set_ylabel("planned energy (MJ)")
    ax.set_title("ResNet-50 on the distributed platform: energy against the deadline")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=120, metadata={"Software": None})
    plt.close(fig)
    atomic_write(path, buf.getvalue())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--deplsim", required=True, help="the deplsim binary")
    ap.add_argument("--out", required=True, help="folder for deadlines.csv and deadlines.png")
    ap.add_argument("--scenarios", default=",".join(SCENARIOS), help="scenario files, comma-separated (default: both distributed ones)")
    ap.add_argument("--deadlines", default=",".join(f"{d:g}" for d in DEADLINES_H), help="deadlines in hours (default: %(default)s)")
    ap.add_argument("--optimum", action="store_true", help="also the exact optimum (slow on the multi-site scenario)")
    ap.add_argument("--gap", type=float, default=0.0, help="the optimum's relative gap (default 0: proven)")
    a = ap.parse_args(argv)
    try:
        deadlines = [float(d) for d in a.deadlines.split(",") if d]
    except ValueError:
        ap.error(f"--deadlines: expected hours separated by commas, got '{a.deadlines}'")
    if not deadlines or any(not 0 < d < 1e6 for d in deadlines):
        ap.error("--deadlines: expected hours in (0, 1e6)")
    orchestrators = ["full-only", "depl"] + (["optimum"] if a.optimum else [])
    os.makedirs(a.out, exist_ok=True)
    rows = []
    for path in [s for s in a.scenarios.split(",") if s]:
        name = os.path.splitext(os.path.basename(path))[0]
        for d in deadlines:
            for o in orchestrators:
                gap = ["--set", f"planners.optimum.gap={a.gap:g}"] if o == "optimum" else []
                p = plan(a.deplsim, path, "--orchestrator", o, "--set", f"target.deadline_s={d * 3600:g}", *gap)
                ok = p["status"] == "ok"
                rows.append({"scenario": name, "deadline_h": f"{d:g}", "orchestrator": o, "status": p["status"],
                             "energy_j": repr(p["predicted"]["energy_j"]) if ok else "",
                             "time_s": repr(p["predicted"]["time_s"]) if ok else "",
                             "clusters": label(p) if ok else "", "plan": describe(p)})
                print(f"{name} {d:g} h {o}: {rows[-1]['plan']}", file=sys.stderr)
    atomic_write(os.path.join(a.out, "deadlines.csv"), csv_text(rows, ["scenario"]))
    figure(rows, os.path.join(a.out, "deadlines.png"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
