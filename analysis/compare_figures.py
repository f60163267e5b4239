#!/usr/bin/python3
"""Figures and a self-contained report of one `deplsim compare` folder (docs/outputs.md section 9.4), or of one
`deplsim run` folder (section 7.1: the same figures for its one orchestrator).

Usage: analysis/compare_figures.py DIR [--formats png,pdf]

Reads DIR/comparison.csv and, per orchestrator with a plan, DIR/ORCHESTRATOR/{summary.json,replications.csv} (a
run folder: DIR/summary.json and DIR/replications.csv, its row built from the summary); writes
DIR/figures/{loss-cdf,energy,guarantee}.{png,pdf}, DIR/figures/figures.json (the figures with their captions) and
DIR/report.html (the comparison table and the figures, embedded, readable offline), each file atomically, with the
same drawing code as `deplsim reproduce` (analysis/figures.py, analysis/report.py).

  loss-cdf   empirical CDF of each orchestrator's final test loss over its replications, L* and p* marked
  energy     mean energy per replication with its 95% interval, stacked by phase, its guarantee beside it
  guarantee  simulated P(test loss <= L*) with its Wilson 95% interval, the predicted P, the line p*

Same inputs, same bytes. Exit status: 0, or 2 with a message naming the file on a missing or malformed input.
"""
import argparse
import csv
import io
import json
import pathlib
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import figures as fg  # noqa: E402
import plotstyle as ps  # noqa: E402
import report as rp  # noqa: E402

TITLE = "deplsim: comparison of orchestrators"


class Unit:
    """One orchestrator's row of comparison.csv, its summary and its final losses (none without a plan)."""

    def __init__(self, row, folder, unit_folder=None):
        """`unit_folder`: where its summary.json and replications.csv are (default: folder/ORCHESTRATOR)."""
        self.name = row["orchestrator"]
        self.row = row
        self.summary = None
        self.losses = []   # final test losses of the replications that delivered a model
        self.failed = 0    # replications that failed (faults): no model, they never reach L*
        where = unit_folder if unit_folder is not None else folder / self.name
        if row["status"] in ("ok", "partial") and (where / "summary.json").exists():
            try:
                self.summary = json.loads((where / "summary.json").read_text())
                with (where / "replications.csv").open() as f:
                    for r in csv.DictReader(f):
                        v = r["final_loss"]
                        if v in ("", "nan", "NaN"):
                            self.failed += 1
                        else:
                            self.losses.append(float(v))
            except (OSError, ValueError, KeyError) as e:
                raise ps.InputError(f"{where}: {e}") from e

    def number(self, key):
        v = self.row.get(key, "")
        return float(v) if v not in ("", None) else None


def run_row(summary):
    """A run's summary.json as a row of comparison.csv (the columns the figures read)."""
    q, c = summary.get("quality") or {}, summary.get("cost") or {}
    pred = (summary.get("plan") or {}).get("predicted") or {}
    row = {"orchestrator": summary["orchestrator"], "status": summary["status"], "guarantee": summary["guarantee"],
           "p_predicted": pred.get("p_target_met"), "p_target_met": q.get("p_target_met"),
           "p_lo": (q.get("p_target_met_ci95") or [None, None])[0], "p_hi": (q.get("p_target_met_ci95") or [None, None])[1],
           "energy_j_mean": c.get("energy_j_mean"), "energy_lo": (c.get("energy_j_ci95") or [None, None])[0],
           "energy_hi": (c.get("energy_j_ci95") or [None, None])[1], "time_s_mean": c.get("time_s_mean"),
           "energy_vs_optimum": None}
    for k, v in ((c.get("energy_breakdown_j") or {}).get("by_phase") or {}).items():
        row[f"energy_{k}_j"] = v
    return {k: ("" if v is None else repr(v) if isinstance(v, float) else str(v)) for k, v in row.items()}


def read_run(folder):
    """One `deplsim run` folder as a comparison of one."""
    try:
        summary = json.loads((folder / "summary.json").read_text())
        row = run_row(summary)
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ps.InputError(f"{folder / 'summary.json'}: {e}") from e
    unit = Unit(row, folder, unit_folder=folder)
    return [unit], unit.summary["target"] if unit.summary else None


def read(folder):
    path = folder / "comparison.csv"
    if not path.exists() and (folder / "summary.json").exists():
        return read_run(folder)
    if not path.exists():
        raise ps.InputError(f"{path}: no such file (not a `deplsim compare` or `deplsim run` folder?)")
    with path.open() as f:
        rows = list(csv.DictReader(f))
    need = {"orchestrator", "status", "guarantee", "p_predicted", "p_target_met", "p_lo", "p_hi", "energy_j_mean",
            "energy_lo", "energy_hi", "time_s_mean", "energy_vs_optimum"}
    if not rows or not need <= set(rows[0]):
        raise ps.InputError(f"{path}: expected the columns {', '.join(sorted(need))}")
    units = [Unit(r, folder) for r in rows]
    target = next((u.summary["target"] for u in units if u.summary), None)
    return units, target


def fig_loss_cdf(units, target):
    fig, ((ax,),) = fg.panels(1, height=4.3)
    l_star, p_star = target["loss"], target["probability"]
    tails = []
    for u in units:
        colour, _, line = ps.style(u.name)
        if not u.losses:
            what = f"all {u.failed} replications failed" if u.failed else f"no plan ({u.row['status']})"
            ax.plot([], [], color=colour, linestyle="none", marker="x", label=f"{u.name}: {what}")
            continue
        xs, ys = fg.ecdf(u.losses)
        # Over every replication: a failed one delivered no model and never reaches L*, so the curve tops out at
        # the share that delivered one, and its height at L* is the simulated P.
        share = len(u.losses) / (len(u.losses) + u.failed)
        ys = [y * share for y in ys]
        ax.step(xs, ys, where="post", color=colour, linestyle=line,
                label=f"{u.name}: P = {u.number('p_target_met'):.4f} ({u.row['guarantee']})"
                      + (f", {u.failed} failed" if u.failed else ""))
        tails += list(fg.quantile_range(u.losses))
    ax.axvline(l_star, color="black", linestyle="--", linewidth=1)
    ax.axhline(p_star, color=ps.OKABE_ITO["grey"], linestyle=":", linewidth=1.2)
    ax.annotate(f"L* = {ps.fmt_num(l_star)}", xy=(l_star, 1.0), xycoords=("data", "axes fraction"), xytext=(0, 2),
                textcoords="offset points", ha="center", va="bottom", fontsize=8)
    ax.annotate(f"p* = {ps.fmt_num(p_star)}", xy=(0.01, p_star), xycoords=("axes fraction", "data"), xytext=(0, 3),
                textcoords="offset points", fontsize=8)
    if tails:
        lo, hi = min(tails + [l_star]), max(tails + [l_star])
        ax.set_xlim(lo - 0.03 * (hi - lo), hi + 0.03 * (hi - lo))
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("final test loss T_K (loss after the last epoch)")
    ax.set_ylabel("empirical CDF: fraction of replications ≤ x")
    ax.legend(loc="lower right", fontsize=7, framealpha=0.85)
    fg.finish(fig, "Distribution of the final test loss, L* and p* marked", [])
    return fig, ("Empirical CDF of the final test loss over each orchestrator's replications (its replications.csv). "
                 "An orchestrator keeps its promise when its curve crosses the vertical line L* at or above the "
                 "horizontal line p*; the legend gives its simulated P and guarantee. The x axis spans the 0.2% to "
                 "99.8% quantiles of the losses drawn. A replication that failed (faults) delivered no model: it "
                 "counts as not reaching L*, so that curve ends below 1.")


PHASES = (("shipping", "shipping data and model", "orange"), ("compute", "compute", "blue"),
          ("synchronisation", "synchronisation", "green"), ("checkpoints", "checkpoints", "purple"),
          ("other", "other (waiting)", "grey"))


def fig_energy(units):
    """Mean energy per replication, stacked by phase (comparison.csv's energy_*_j columns) when the folder has them."""
    have = [u for u in units if u.number("energy_j_mean") is not None]
    split = all(u.row.get(f"energy_{k}_j", "") not in ("", None) for u in have for k, _, _ in PHASES)
    fig, ((ax,),) = fg.panels(1, height=max(2.4, 0.45 * len(units) + 1.4))
    ys = list(range(len(have)))
    for y, u in zip(ys, have):
        e = u.number("energy_j_mean")
        if split:
            left = 0.0
            for k, _, colour in PHASES:
                part = max(0.0, u.number(f"energy_{k}_j"))
                ax.barh([y], [part], left=[left], color=ps.OKABE_ITO[colour], alpha=0.85)
                left += part
        else:
            ax.barh([y], [e], color=ps.style(u.name)[0], alpha=0.85)
        ax.errorbar([e], [y], xerr=fg.bars([e], [u.number("energy_lo")], [u.number("energy_hi")]), color="black",
                    linestyle="none")
        vs = u.number("energy_vs_optimum")
        note = u.row["guarantee"] + ("" if vs is None else f", {100 * vs:+.1f}% vs optimum")
        ax.annotate(f"  {ps.fmt_num(e, 5)} J ({note})", xy=(max(e, u.number("energy_hi") or e), y), va="center", fontsize=7)
    ax.set_yticks(ys)
    ax.set_yticklabels([u.name for u in have])
    ax.invert_yaxis()
    ax.set_xlim(0, 1.45 * max([u.number("energy_hi") or u.number("energy_j_mean") for u in have] or [1.0]))
    ax.set_xlabel(fg.ENERGY_LABEL)
    missing = [u.name for u in units if u not in have]
    handles = [fg.Patch(color=ps.OKABE_ITO[c], alpha=0.85, label=label) for _, label, c in PHASES] if split else []
    fg.finish(fig, "Energy per replication" + (f" (no plan: {', '.join(missing)})" if missing else ""), handles)
    return fig, ("Mean energy per replication with its 95% interval (a point when the cost is simulated once), one "
                 "bar per orchestrator with a plan, split by what was running when it was drawn (shipping, compute, "
                 "synchronisation, checkpoints, other: summary.json's energy breakdown), labelled with its guarantee "
                 "(met, violated, unknown) and, when the optimum is among them, its energy relative to the optimum's: "
                 "a cheaper bar is worth reading only with a met guarantee.")


def fig_guarantee(units, target):
    p_star = target["probability"]
    have = [u for u in units if u.number("p_target_met") is not None]
    fig, ((ax,),) = fg.panels(1)
    xs = list(range(len(have)))
    lows = [p_star - 0.02]
    ax.axhspan(p_star - ps.GUARANTEE_TOLERANCE, p_star, color=ps.OKABE_ITO["grey"], alpha=0.3, linewidth=0)
    ax.axhline(p_star, color="black", linestyle="--", linewidth=1)
    for x, u in zip(xs, have):
        colour, _, _ = ps.style(u.name)
        p, lo, hi = u.number("p_target_met"), u.number("p_lo"), u.number("p_hi")
        ax.errorbar([x], [p], yerr=fg.bars([p], [lo], [hi]), color=colour, linestyle="none")
        fg.draw_point(ax, x, p, u.name, u.row["guarantee"])
        pred = u.number("p_predicted")
        if pred is not None:
            ax.plot([x], [pred], marker="_", markersize=14, markeredgewidth=2, color=colour)
            lows.append(pred)
        lows.append(lo)
    ax.set_xticks(xs)
    ax.set_xticklabels([u.name for u in have], rotation=20, ha="right")
    ax.set_xlim(-0.6, len(have) - 0.4)
    ax.set_ylim(max(0.0, min(lows) - 0.02), 1.005)
    ax.set_ylabel(fg.P_LABEL)
    handles = [fg.Line2D([], [], color="black", linestyle="--", label=f"p* = {ps.fmt_num(p_star)} (the promise)"),
               fg.Patch(color=ps.OKABE_ITO["grey"], alpha=0.3, label="tolerance p* − 0.01 ≤ P < p*"),
               fg.Line2D([], [], color=ps.OKABE_ITO["grey"], marker="_", markersize=12, markeredgewidth=2,
                         linestyle="none", label="predicted P")]
    handles += fg.guarantee_handles({u.row["guarantee"] for u in have})
    fg.finish(fig, f"The guarantee: simulated P(test loss ≤ {ps.fmt_num(target['loss'])}) against p*", handles)
    return fig, ("Simulated P(test loss ≤ L*) with its Wilson 95% interval per orchestrator, against the promise p* "
                 "(dashed) and its tolerance band: a point whose interval lies below p* violates the guarantee "
                 "(hollow marker), one within the band or whose interval lies above p* − 0.01 meets it, otherwise "
                 "it is unknown (half-filled). Short bars: each orchestrator's own predicted P.")


def report_blocks(units, target, entries, folder, one_run=False):
    s = next((u.summary for u in units if u.summary), {})
    if one_run:
        blocks = [("h", 1, f"`{units[0].name}` on `{s.get('scenario', folder.name)}`", "")]
        blocks.append(("p", f"Seed {s.get('seed', '')}, {s.get('replications', '')} replications; target "
                            f"P(L ≤ {ps.fmt_num(target['loss'])}) ≥ {ps.fmt_num(target['probability'])}. The plan and "
                            "every number are in summary.json, each replication in replications.csv."))
    else:
        blocks = [("h", 1, f"Comparison on `{s.get('scenario', folder.name)}`", "")]
        blocks.append(("p", f"Seed {s.get('seed', '')}, {s.get('replications', '')} replications per orchestrator; target "
                            f"P(L ≤ {ps.fmt_num(target['loss'])}) ≥ {ps.fmt_num(target['probability'])}. The full "
                            "tables (plans, paired differences) are in comparison.md, the numbers in comparison.csv."))
    header = ["orchestrator", "status", "guarantee", "P predicted", "P simulated [95% CI]", "energy J [95% CI]",
              "time s", "energy vs optimum"]
    rows, classes = [], []
    for u in units:
        n = u.number
        p = "" if n("p_target_met") is None else f"{n('p_target_met'):.4f} [{n('p_lo'):.4f}, {n('p_hi'):.4f}]"
        e = "" if n("energy_j_mean") is None else (f"{ps.fmt_num(n('energy_j_mean'), 6)} [{ps.fmt_num(n('energy_lo'), 6)}, "
                                                    f"{ps.fmt_num(n('energy_hi'), 6)}]")
        rows.append([u.name, u.row["status"], u.row["guarantee"], "" if n("p_predicted") is None else f"{n('p_predicted'):.4f}",
                     p, e, "" if n("time_s_mean") is None else ps.fmt_num(n("time_s_mean"), 6),
                     "" if n("energy_vs_optimum") is None else f"{100 * n('energy_vs_optimum'):+.2f}%"])
        classes.append(["", "", u.row["guarantee"] if u.row["guarantee"] in ("met", "violated", "unknown") else "",
                        "num", "num", "num", "num", "num"])
    blocks.append(("table", header, rows, classes))
    blocks += [("figure", e) for e in entries]
    return blocks


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir")
    ap.add_argument("--formats", default="png,pdf")
    a = ap.parse_args(argv)
    folder = pathlib.Path(a.dir)
    formats = tuple(x for x in a.formats.split(",") if x)
    if "png" not in formats:
        formats = ("png",) + formats  # the report embeds the PNG
    try:
        units, target = read(folder)
    except ps.InputError as e:
        print(f"compare_figures: {e}", file=sys.stderr)
        return 2
    if target is None:
        print("compare_figures: no orchestrator has a plan: no figure", file=sys.stderr)
        return 0
    fg._import_matplotlib()
    out = folder / "figures"
    out.mkdir(exist_ok=True)
    entries = []
    for name, title, draw in (("loss-cdf", "Final test loss", lambda: fig_loss_cdf(units, target)),
                              ("energy", "Energy per replication", lambda: fig_energy(units)),
                              ("guarantee", "The guarantee", lambda: fig_guarantee(units, target))):
        fig, caption = draw()
        files = fg.save(fig, out, name, formats)
        entries.append({"name": name, "title": title, "caption": caption, "files": files})
    ps.atomic_write(out / "figures.json", json.dumps({"figures": entries}, indent=2) + "\n")
    one_run = not (folder / "comparison.csv").exists()
    title = f"deplsim: {units[0].name} on {target and next(u.summary for u in units if u.summary).get('scenario', '')}" if one_run else TITLE
    ps.atomic_write(folder / "report.html", rp.render_html(report_blocks(units, target, entries, folder, one_run), folder, title))
    return 0


if __name__ == "__main__":
    sys.exit(main())
