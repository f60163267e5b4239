#!/usr/bin/python3
"""The figures of a coverage study (`deplsim coverage`, docs/model.md 3.8).

- coverage.png/.pdf, the reliability figure: one panel per planner, one point per cell, repetition and claim, the
  claimed P(L <= L*) (jittered a little, claims are often exactly p*) against the true P of the plan returned; a
  point below the diagonal is a miss (the claim exceeded the truth). The title gives misses / claims per planner.
- knowledge_runs.png/.pdf, when the grid varies model.learning.knowledge_runs: per planner, the miss rate (with its
  Wilson 95% interval), the share of draws with a claim and the mean energy of the plans against the runs the
  planners know, certified (solid) and uncertified (dotted, the cells with model.learning.certification_share = 0),
  pooled over the other grid keys. The miss rate is per draw (the guarantee's: a draw without a claim does not
  miss).

Usage:
  coverage.py DIR                      the figures of DIR from DIR/coverage.csv and DIR/summary.json
  coverage.py --study OUT DIR...       the knowledge-runs figure (OUT.png/.pdf, and OUT.csv) pooled over several folders

Debian's matplotlib and pandas; errors in the input exit 2 naming the file.
"""
import io
import json
import math
import os
import pathlib
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plotstyle  # noqa: E402

COLUMNS = ["cell", "target_loss", "target_probability", "knowledge_runs", "certification_runs", "repetition",
           "knowledge_seed", "orchestrator", "status", "certified", "claim", "true_p", "true_lo", "true_hi", "true_runs",
           "miss", "clear_miss", "energy_j", "time_s", "epochs"]


def fail(message):
    print(f"error: {message}", file=sys.stderr)
    sys.exit(2)


def read(folder):
    path = pathlib.Path(folder) / "coverage.csv"
    summary = pathlib.Path(folder) / "summary.json"
    try:
        df = pd.read_csv(path, dtype={"orchestrator": str, "status": str})
        meta = json.loads(summary.read_text())
    except (OSError, ValueError) as e:
        fail(f"{path}: {e}")
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        fail(f"{path}: missing column(s) {', '.join(missing)}")
    if "cells" not in meta or not meta["cells"]:
        fail(f"{summary}: no 'cells'")
    return df, meta


def save(fig, stem):
    for ext in ("png", "pdf"):
        buf = io.BytesIO()
        fig.savefig(buf, format=ext, dpi=150, bbox_inches="tight", metadata={"CreationDate": None} if ext == "pdf" else {})
        plotstyle.atomic_write(f"{stem}.{ext}", buf.getvalue())
    plt.close(fig)


def wilson(k, n):
    if n == 0:
        return float("nan"), float("nan")
    z = 1.959963984540054
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return max(0.0, c - h), min(1.0, c + h)


def reliability(folder, df, meta):
    ok = df[df["status"] == "ok"]
    names = list(dict.fromkeys(df["orchestrator"]))
    fig, axes = plt.subplots(1, max(1, len(names)), figsize=(3.2 * max(1, len(names)), 3.4), squeeze=False, sharey=True)
    p_min = float(df["target_probability"].min())
    lo = min([p_min - 0.1] + list(ok["claim"]) + list(ok["true_p"]))
    for ax, name in zip(axes[0], names):
        rows = ok[ok["orchestrator"] == name]
        colour, marker, _ = plotstyle.style(name)
        # A deterministic jitter (by repetition) spreads the claims that sit exactly at p*.
        x = rows["claim"] + ((rows["repetition"] * 0.6180339887) % 1.0 - 0.5) * 0.006
        hit = rows["miss"] == 0
        ax.scatter(x[hit], rows["true_p"][hit], s=8, color=colour, marker=marker, alpha=0.5, label="claim held")
        ax.scatter(x[~hit], rows["true_p"][~hit], s=18, facecolors="none", edgecolors="black", marker=marker,
                   label="claim missed")
        ax.plot([lo, 1], [lo, 1], color="0.4", linestyle="--", linewidth=0.8)
        n = len(rows)
        rate = f"{int((~hit).sum())} of {n} claims missed" if n else "no claim"
        ax.set_title(f"{name}\n{rate}", fontsize=8)
        ax.set_xlabel("claimed P(L ≤ L*)")
        ax.set_xlim(lo, 1.0)
        ax.set_ylim(lo, 1.0)
    axes[0][0].set_ylabel("true P of the plan")
    axes[0][0].legend(fontsize=6, loc="lower right")
    c0 = meta["cells"][0]
    fig.suptitle(f"Claims against truth: {meta['scenario']}, {len(meta['cells'])} cell(s) x {meta['repetitions']} "
                 f"knowledge draws, {100 * c0['knowledge']['confidence']:g}% confidence", fontsize=9, y=1.04)
    save(fig, str(pathlib.Path(folder) / "coverage"))


def by_runs(df):
    """Per (planner, certified or not, knowledge runs): draws, claims, misses, the miss rate per draw (the
    guarantee's: a draw without a claim does not miss) with its Wilson interval, and the mean energy of the claims."""
    df = df.assign(certified_cell=df["certification_runs"] > 0)
    rows = []
    for (name, cert, runs), g in df.groupby(["orchestrator", "certified_cell", "knowledge_runs"], sort=False):
        ok = g[g["status"] == "ok"]
        k, n = int(ok["miss"].sum()), len(g)
        lo, hi = wilson(k, n)
        rows.append({"orchestrator": name, "certified": bool(cert), "knowledge_runs": int(runs), "attempts": n,
                     "claims": len(ok), "misses": k, "miss_rate": k / n, "miss_lo": lo, "miss_hi": hi,
                     "energy_j_mean": float(ok["energy_j"].mean()) if len(ok) else float("nan")})
    return pd.DataFrame(rows)


def runs_figure(stem, table, title):
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6))
    for (name, certified), g in table.groupby(["orchestrator", "certified"], sort=False):
        g = g.sort_values("knowledge_runs")
        colour, marker, _ = plotstyle.style(name)
        style = "-" if certified else ":"
        label = f"{name} ({'certified' if certified else 'uncertified'})"
        below = (g["miss_rate"] - g["miss_lo"]).clip(lower=0)
        above = (g["miss_hi"] - g["miss_rate"]).clip(lower=0)
        axes[0].errorbar(g["knowledge_runs"], g["miss_rate"], yerr=[below, above],
                         marker=marker, color=colour, linestyle=style, label=label, capsize=2, linewidth=1)
        axes[1].plot(g["knowledge_runs"], g["claims"] / g["attempts"], marker=marker, color=colour, linestyle=style, label=label)
        axes[2].plot(g["knowledge_runs"], g["energy_j_mean"], marker=marker, color=colour, linestyle=style, label=label)
    axes[0].axhline(0.05, color="0.4", linestyle="--", linewidth=0.8)
    axes[0].set_ylabel("share of draws whose claim missed (95% CI)")
    axes[1].set_ylabel("share of draws with a claim")
    axes[1].set_ylim(-0.02, 1.02)
    axes[2].set_ylabel("mean energy of the plans claimed (J)")
    ticks = sorted(table["knowledge_runs"].unique())
    for ax in axes:
        ax.set_xlabel("training runs the planners know")
        ax.set_xscale("log")
        ax.set_xticks(ticks)
        ax.set_xticklabels([str(t) for t in ticks])
        ax.minorticks_off()
    axes[2].legend(fontsize=6, loc="best")
    fig.suptitle(title, fontsize=9)
    save(fig, stem)


def figures(folder):
    df, meta = read(folder)
    reliability(folder, df, meta)
    if df["knowledge_runs"].nunique() > 1:
        table = by_runs(df)
        runs_figure(str(pathlib.Path(folder) / "knowledge_runs"), table,
                    f"What dependability costs in training runs ({meta['scenario']}): miss rate (dashed: 5%) and energy")


def study(out, folders):
    frames = []
    for f in folders:
        df, _ = read(f)
        frames.append(df)
    table = by_runs(pd.concat(frames, ignore_index=True))
    plotstyle.atomic_write(f"{out}.csv", table.to_csv(index=False, lineterminator="\n"))
    runs_figure(out, table, "What dependability costs in training runs: miss rate (dashed: 5%) and energy")


def main(argv):
    if len(argv) >= 3 and argv[0] == "--study":
        study(argv[1], argv[2:])
    elif len(argv) == 1 and not argv[0].startswith("-"):
        figures(argv[0])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
