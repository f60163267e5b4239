#!/usr/bin/python3
"""The reliability figure of a coverage study (`deplsim coverage`, docs/model.md 3.8): one point per repetition and
planner, the claimed P(L <= L*) against the true P of the plan returned; a point below the diagonal is a miss (the
claim exceeded the truth). Also: the figure of a knowledge-runs study (several coverage folders: miss rate and energy
against the number of runs the planners know, with and without certification).

Usage:
  coverage.py DIR                      writes DIR/coverage.png and DIR/coverage.pdf from DIR/coverage.csv
  coverage.py --study OUT DIR...       writes OUT.png/.pdf (and OUT.csv) from several coverage folders

Debian's matplotlib and pandas; errors in the input exit 2 naming the file.
"""
import io
import json
import os
import pathlib
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plotstyle  # noqa: E402

COLUMNS = ["repetition", "knowledge_seed", "orchestrator", "status", "certified", "claim", "true_p", "true_runs", "miss",
           "energy_j", "time_s", "epochs"]


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
    return df, meta


def save(fig, stem):
    for ext in ("png", "pdf"):
        buf = io.BytesIO()
        fig.savefig(buf, format=ext, dpi=150, bbox_inches="tight", metadata={"CreationDate": None} if ext == "pdf" else {})
        plotstyle.atomic_write(f"{stem}.{ext}", buf.getvalue())
    plt.close(fig)


def reliability(folder):
    df, meta = read(folder)
    ok = df[df["status"] == "ok"]
    names = list(dict.fromkeys(df["orchestrator"]))
    fig, axes = plt.subplots(1, max(1, len(names)), figsize=(3.2 * max(1, len(names)), 3.4), squeeze=False, sharey=True)
    p_star = meta["target"]["probability"]
    for ax, name in zip(axes[0], names):
        rows = ok[ok["orchestrator"] == name]
        colour, marker, _ = plotstyle.style(name)
        hit = rows[rows["miss"] == 0]
        miss = rows[rows["miss"] == 1]
        ax.scatter(hit["claim"], hit["true_p"], s=12, color=colour, marker=marker, alpha=0.6, label="claim held")
        ax.scatter(miss["claim"], miss["true_p"], s=18, facecolors="none", edgecolors=colour, marker=marker,
                   label="claim missed")
        lo = min([p_star - 0.1] + list(rows["claim"]) + list(rows["true_p"]))
        ax.plot([lo, 1], [lo, 1], color="0.4", linestyle="--", linewidth=0.8)
        ax.axvline(p_star, color="0.7", linewidth=0.8)
        n = len(rows)
        rate = f"{len(miss)}/{n} missed" if n else "no claim"
        ax.set_title(f"{name}\n{rate} ({meta['repetitions']} draws)", fontsize=8)
        ax.set_xlabel("claimed P(L ≤ L*)")
        ax.set_xlim(lo, 1.0)
        ax.set_ylim(lo, 1.0)
    axes[0][0].set_ylabel("true P of the plan")
    fig.suptitle(f"Claims against truth: {meta['scenario']}, L* = {meta['target']['loss']}, p* = {p_star}, "
                 f"{meta['knowledge']['knowledge_runs']} runs known ({meta['knowledge']['certification_runs']} held out)",
                 fontsize=9, y=1.04)
    save(fig, str(pathlib.Path(folder) / "coverage"))


def study(out, folders):
    """Miss rate and energy against the runs the planners know, certified or not, one line per planner."""
    rows = []
    for f in folders:
        _, meta = read(f)
        for p in meta["planners"]:
            rows.append({"folder": f, "scenario": meta["scenario"], "knowledge_runs": meta["knowledge"]["knowledge_runs"],
                         "certified": meta["knowledge"]["certification_runs"] > 0, "orchestrator": p["orchestrator"],
                         "claims": p["claims"], "misses": p["misses"], "miss_rate": p["miss_rate"],
                         "energy_j_mean": p["energy_j_mean"], "repetitions": p["repetitions"]})
    df = pd.DataFrame(rows)
    plotstyle.atomic_write(f"{out}.csv", df.to_csv(index=False, lineterminator="\n"))
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
    for (name, certified), g in df.groupby(["orchestrator", "certified"], sort=False):
        g = g.sort_values("knowledge_runs")
        colour, marker, _ = plotstyle.style(name)
        style = "-" if certified else ":"
        label = f"{name} ({'certified' if certified else 'uncertified'})"
        axes[0].plot(g["knowledge_runs"], g["miss_rate"], marker=marker, color=colour, linestyle=style, label=label)
        axes[1].plot(g["knowledge_runs"], g["energy_j_mean"], marker=marker, color=colour, linestyle=style, label=label)
    axes[0].axhline(0.05, color="0.4", linestyle="--", linewidth=0.8)
    axes[0].set_xlabel("training runs the planners know")
    axes[0].set_ylabel("miss rate (claims above the truth)")
    axes[1].set_xlabel("training runs the planners know")
    axes[1].set_ylabel("mean energy of the plans (J)")
    for ax in axes:
        ax.set_xscale("log")
    axes[1].legend(fontsize=7, loc="best")
    fig.suptitle("What dependability costs in training runs: miss rate (dashed: 5%) and energy", fontsize=9)
    save(fig, out)


def main(argv):
    if len(argv) >= 3 and argv[0] == "--study":
        study(argv[1], argv[2:])
    elif len(argv) == 1:
        reliability(argv[0])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
