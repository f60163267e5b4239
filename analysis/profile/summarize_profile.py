#!/usr/bin/env python3
"""Summarise a measured trace profile (the CSV of profile_fashion_mnist.py): loss quantiles over seeds.

  /usr/bin/python3 analysis/profile/summarize_profile.py                          # table, last epoch
  /usr/bin/python3 analysis/profile/summarize_profile.py --epoch 10 --loss val    # another epoch / loss
  /usr/bin/python3 analysis/profile/summarize_profile.py --plot scenarios/profiles/fashion-mnist.curves.png

Quantiles are numpy's default (linear interpolation between order statistics) over the seeds of each
(run, data fraction); std is the sample standard deviation (ddof 1).
"""
from __future__ import annotations

import argparse
import collections
import csv
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT = os.path.join(ROOT, "scenarios", "profiles", "fashion-mnist.csv")


def load(path: str):
    """{(run, fraction): {seed: (val[], test[])}} in file order of runs."""
    data = collections.OrderedDict()
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            key = (row["run"], float(row["data_fraction"]))
            seeds = data.setdefault(key, {})
            v, t = seeds.setdefault(int(row["seed"]), ([], []))
            if int(row["epoch"]) != len(v) + 1:
                raise SystemExit(f"{path}: {key} seed {row['seed']}: epochs out of order")
            v.append(float(row["val_loss"]))
            t.append(float(row["test_loss"]))
    return data


def matrix(seeds: dict, loss: str) -> np.ndarray:
    i = 0 if loss == "val" else 1
    return np.array([seeds[s][i] for s in sorted(seeds)])


def table(data, epoch: int | None, loss: str) -> str:
    lines = [f"| run | data fraction | seeds | epoch | mean | std | 10% | median | 90% |",
             "|---|---|---|---|---|---|---|---|---|"]
    for (run, f), seeds in data.items():
        m = matrix(seeds, loss)
        k = epoch or m.shape[1]
        a = m[:, k - 1]
        q10, q50, q90 = np.quantile(a, [0.1, 0.5, 0.9])
        lines.append(f"| {run} | {f:g} | {len(a)} | {k} | {a.mean():.4f} | {a.std(ddof=1):.4f} | {q10:.4f} | "
                     f"{q50:.4f} | {q90:.4f} |")
    return "\n".join(lines)


def plot(data, path: str, loss: str) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fractions = sorted({f for _, f in data})
    runs = list(dict.fromkeys(r for r, _ in data))
    base = [r for r in runs if ">" not in r]
    colours = {r: c for r, c in zip(runs, plt.rcParams["axes.prop_cycle"].by_key()["color"] * 3)}
    fig, axes = plt.subplots(2, len(fractions), figsize=(5 * len(fractions), 8.5), squeeze=False)
    for j, f in enumerate(fractions):
        ax = axes[0][j]
        for r in base:
            m = matrix(data[(r, f)], loss)
            k = np.arange(1, m.shape[1] + 1)
            q10, q50, q90 = np.quantile(m, [0.1, 0.5, 0.9], axis=0)
            ax.plot(k, q50, color=colours[r], label=f"{r} median")
            ax.fill_between(k, q10, q90, color=colours[r], alpha=0.2, lw=0)
        ax.set_title(f"data fraction {f:g}: median, 10-90% band over seeds", fontsize=10)
        ax.set_xlabel("epoch")
        ax.set_ylabel(f"{loss} loss (cross-entropy)")
        ax.set_ylim(top=min(ax.get_ylim()[1], 1.2))
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
        ax = axes[1][j]
        finals = [matrix(data[(r, f)], loss)[:, -1] for r in runs]
        ax.boxplot(finals, whis=(10, 90), showfliers=True, flierprops={"markersize": 2})
        ax.set_xticks(range(1, len(runs) + 1), runs, rotation=45, ha="right", fontsize=8)
        ax.set_title(f"data fraction {f:g}: last epoch (box 25-75%, whiskers 10-90%)", fontsize=10)
        ax.set_ylabel(f"{loss} loss")
        ax.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    fig.savefig(path, dpi=80)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("csv", nargs="?", default=DEFAULT)
    p.add_argument("--epoch", type=int, help="epoch to summarise (default: each run's last)")
    p.add_argument("--loss", choices=("test", "val"), default="test")
    p.add_argument("--plot", help="write a PNG of the curves and last-epoch distributions")
    a = p.parse_args(argv)
    data = load(a.csv)
    print(table(data, a.epoch, a.loss))
    if a.plot:
        plot(data, a.plot, a.loss)
        print(f"wrote {a.plot}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
