#!/usr/bin/env python3
"""How depl's plan and energy on the paper scenarios move when each assumed platform figure is halved or doubled
(docs/platforms.md section 9).

  /usr/bin/python3 analysis/sensitivity.py --deplsim build/release/deplsim --out results/sensitivity

The paper platform's figures that are assumptions, not datasheet values (platforms/generate_paper_platform.py's
ASSUMED: the utilisation of peak FP32, the power model's exponent, the idle watts, the WAN's energy per bit), each
scaled by 0.5 and 2 in turn: the platform regenerated with `--scale NAME=FACTOR`, then `deplsim plan` with depl on
every paper scenario against it. Writes sensitivity.csv (figure, factor, scenario, energy, time, the plan, whether it
changed), sensitivity.md (energy relative to the shipped platform's, and the plans that changed) and sensitivity.png
(the same as bars), atomically.
"""
from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from plans import describe, plan  # noqa: E402
FIGURES = ("utilisation", "freq_exponent", "idle", "wan_energy")
FACTORS = (0.5, 2.0)
SCENARIOS = ("alexnet-cifar10", "alexnet-gtsrb", "mobilenet-cifar10", "mobilenet-gtsrb")


def write_atomic(path: str, text: str) -> None:
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--deplsim", required=True, help="the deplsim binary")
    ap.add_argument("--out", required=True, help="folder for sensitivity.csv, sensitivity.md and the platforms")
    ap.add_argument("--scenarios", default=",".join(SCENARIOS), help="paper scenarios (default: the four)")
    a = ap.parse_args(argv)
    os.makedirs(a.out, exist_ok=True)
    generator = os.path.join(ROOT, "platforms", "generate_paper_platform.py")
    variants = [("shipped", 1.0)] + [(f, x) for f in FIGURES for x in FACTORS]
    rows, base = [], {}
    for figure, factor in variants:
        path = os.path.join(a.out, f"paper-{figure}-{factor:g}.xml")
        args = [] if figure == "shipped" else ["--scale", f"{figure}={factor:g}"]
        xml = subprocess.run([sys.executable, generator] + args, capture_output=True, text=True, check=True).stdout
        write_atomic(path, xml)
        for name in a.scenarios.split(","):
            p = plan(os.path.abspath(a.deplsim), os.path.join(ROOT, "scenarios", "paper", f"{name}.yaml"), "--platform", path)
            energy = p["predicted"]["energy_j"] if p["status"] == "ok" else None
            if figure == "shipped":
                base[name] = (energy, describe(p))
            b_energy, b_plan = base[name]
            rows.append({"figure": figure, "factor": factor, "scenario": name, "status": p["status"], "energy_j": energy,
                         "time_s": p["predicted"]["time_s"] if p["status"] == "ok" else None,
                         "energy_vs_shipped": None if energy is None or not b_energy else energy / b_energy,
                         "plan": describe(p), "plan_changed": describe(p) != b_plan})
            print(f"{figure} x{factor:g} {name}: {describe(p)}"
                  + (f", {energy:.6g} J" if energy is not None else ""), file=sys.stderr, flush=True)
    lines = []
    with open(os.path.join(a.out, "sensitivity.csv.tmp"), "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)
    os.replace(os.path.join(a.out, "sensitivity.csv.tmp"), os.path.join(a.out, "sensitivity.csv"))
    names = a.scenarios.split(",")
    lines.append("| figure | factor | " + " | ".join(names) + " |")
    lines.append("|---|---|" + "---|" * len(names))
    for figure, factor in variants[1:]:
        cells = []
        for name in names:
            r = next(r for r in rows if r["figure"] == figure and r["factor"] == factor and r["scenario"] == name)
            if r["energy_vs_shipped"] is None:
                cells.append(r["status"])
            else:
                cells.append(f"{100 * (r['energy_vs_shipped'] - 1):+.1f}%" + (" (plan changed)" if r["plan_changed"] else ""))
        lines.append(f"| {figure} | ×{factor:g} | " + " | ".join(cells) + " |")
    changed = [r for r in rows if r["plan_changed"]]
    lines.append("")
    lines.append("Plans that changed:")
    lines.append("")
    for r in changed:
        lines.append(f"- {r['figure']} ×{r['factor']:g}, {r['scenario']}: {r['plan']} (shipped: {base[r['scenario']][1]})")
    if not changed:
        lines.append("- none")
    write_atomic(os.path.join(a.out, "sensitivity.md"), "\n".join(lines) + "\n")
    figure_png(rows, variants[1:], names, os.path.join(a.out, "sensitivity.png"))
    print("\n".join(lines))
    return 0


def figure_png(rows: list[dict], variants: list[tuple], names: list[str], path: str) -> None:
    """Bars: depl's energy change against the shipped platform's, per scaled figure and scenario (a plan that
    changed hatched)."""
    import io
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(8, 4.2))
    width = 0.8 / max(len(names), 1)
    colours = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")
    for k, name in enumerate(names):
        xs, ys, hatches = [], [], []
        for i, (fig_name, factor) in enumerate(variants):
            r = next(r for r in rows if r["figure"] == fig_name and r["factor"] == factor and r["scenario"] == name)
            if r["energy_vs_shipped"] is None:
                continue
            xs.append(i - 0.4 + width * (k + 0.5))
            ys.append(100 * (r["energy_vs_shipped"] - 1))
            hatches.append("//" if r["plan_changed"] else "")
        bars = ax.bar(xs, ys, width=width, color=colours[k % len(colours)], label=name, edgecolor="black", linewidth=0.4)
        for b, h in zip(bars, hatches):
            b.set_hatch(h)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(range(len(variants)))
    ax.set_xticklabels([f"{f} ×{x:g}" for f, x in variants], rotation=20, ha="right")
    ax.set_ylabel("depl's energy vs the shipped platform (%)")
    ax.set_title("Sensitivity to the paper platform's assumed figures (hatched: the plan changed)")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=120, metadata={"Software": None})
    plt.close(fig)
    with open(path + ".tmp", "wb") as f:
        f.write(buf.getvalue())
    os.replace(path + ".tmp", path)


if __name__ == "__main__":
    sys.exit(main())
