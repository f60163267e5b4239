#!/usr/bin/python3
"""Draws the paper's figures (docs/model.md 0.10, docs/reproduce.md) from a sweep-results folder, the output of `deplsim reproduce paper`.

Usage: analysis/figures.py R [--formats png,pdf]

Reads R/sweeps/NAME/{results.csv,timings.csv} and, for the loss CDFs, the replications.csv of the units of one
cell per scenario; writes R/figures/FIGURE.FORMAT for each figure below and R/figures/figures.json (the list of
figures with their captions, and the figures skipped with why), each file atomically. A missing sweep skips
its figures. Exit status: 0, or 2 with a message naming the file and the column on a missing folder or a
malformed file.

  cost-vs-target-probability  (sweep targets)  mean energy with its 95% interval vs p*, per scenario
  cost-vs-target-loss         (sweep losses)   mean energy vs L*
  loss-cdf                    (sweep targets, else losses)  empirical CDFs of the final test loss, L* and p* marked
  guarantee                   (sweep targets)  simulated P with its Wilson interval vs p*, the line P = p*
  planner-time                (sweep size)     the planners' wall time vs the instance size, log scale
  levels-sensitivity          (sweep levels)   simulated and predicted P, and energy, vs the number of levels B
  safety-frontier             (sweep safety)   energy vs simulated P of expected-loss+safety over δ
  depl-gain                   (sweep targets)  baseline energy / DepL energy - 1 where both meet p*

Same inputs, same bytes (no dates or versions in the files' metadata).
"""
import argparse
import io
import json
import math
import pathlib
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import plotstyle as ps  # noqa: E402

FORMATS = ("png", "pdf")
DPI = 130
SEEDS_NOTE = (" With several seeds a point pools them: P over all their replications with its Wilson interval, "
              "the replication-weighted mean energy, and energy bars from the lowest to the highest end of the "
              "seeds' 95% intervals.")
SAVE_METADATA = {"png": {"Software": None},
                 "pdf": {"Creator": None, "Producer": None, "CreationDate": None}}
ENERGY_LABEL = "mean energy per replication (J)"
P_LABEL = "simulated P(test loss ≤ L*)"

plt = Line2D = Patch = None  # matplotlib, imported once the inputs have been read (errors come faster)


def _import_matplotlib():
    global plt, Line2D, Patch
    if plt is not None:
        return
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot
    import matplotlib.lines
    import matplotlib.patches
    plt, Line2D, Patch = matplotlib.pyplot, matplotlib.lines.Line2D, matplotlib.patches.Patch
    plt.rcParams.update({
        "font.size": 9, "axes.titlesize": 10, "axes.labelsize": 9, "legend.fontsize": 8, "figure.titlesize": 11,
        "axes.grid": True, "grid.alpha": 0.3, "axes.spines.top": False, "axes.spines.right": False,
        "lines.linewidth": 1.4, "errorbar.capsize": 3, "savefig.dpi": DPI, "svg.hashsalt": "deplsim",
        "pdf.compression": 6,
    })


class Skip(Exception):
    """A figure that cannot be drawn from the data present: the reason goes to figures.json and results.md."""


# ---------------------------------------------------------------------------------------------------------------
# Helpers


def panels(n, rows_per_panel=1, width=5.2, height=3.6):
    """A figure with n panels laid out 2 per row (rows_per_panel axes stacked per panel); a lone panel is wider."""
    ncols = min(n, 2)
    if ncols == 1:
        width *= 1.35
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows * rows_per_panel, ncols, figsize=(width * ncols, height * nrows * rows_per_panel),
                             squeeze=False)
    groups = []
    for i in range(nrows * ncols):
        r, c = divmod(i, ncols)
        block = [axes[r * rows_per_panel + k][c] for k in range(rows_per_panel)]
        if i < n:
            groups.append(block)
        else:
            for ax in block:
                ax.set_visible(False)
    return fig, groups


def finish(fig, title, handles):
    """Figure title on top, one legend for the whole figure below the panels."""
    width, height = fig.get_size_inches()
    ncol = max(1, min(len(handles), int(width // 2.3)))
    legend_rows = math.ceil(len(handles) / ncol) if handles else 0
    bottom = (0.12 + 0.2 * legend_rows) / height
    top = 1.0 - 0.35 / height
    fig.suptitle(title, fontweight="bold")
    if handles:
        fig.legend(handles=handles, loc="lower center", ncol=ncol, frameon=False, bbox_to_anchor=(0.5, 0.0))
    fig.tight_layout(rect=(0, bottom, 1, top))


def bars(values, lows, highs):
    """errorbar's [[below], [above]] from values and interval ends; never negative (an interval end may differ
    from its value in the last bit, e.g. a Wilson upper end of 0.9999999999999999 for P = 1)."""
    values, lows, highs = list(values), list(lows), list(highs)
    return [[max(0.0, v - lo) for v, lo in zip(values, lows)], [max(0.0, hi - v) for v, hi in zip(values, highs)]]


def orchestrator_handle(orch, suffix=""):
    colour, marker, line = ps.style(orch)
    return Line2D([], [], color=colour, marker=marker, linestyle=line, label=orch + suffix)


def guarantee_handles(present):
    out = []
    grey = ps.OKABE_ITO["grey"]
    if "met" in present:
        out.append(Line2D([], [], color=grey, marker="o", linestyle="none", label="guarantee met"))
    if "violated" in present:
        out.append(Line2D([], [], color=grey, marker="o", markerfacecolor="white", linestyle="none",
                          label="guarantee violated (95% interval below p*)"))
    if "unknown" in present:
        out.append(Line2D([], [], color=grey, marker="o", fillstyle="left", markerfacecoloralt="white",
                          linestyle="none", label="guarantee unknown (the interval straddles p*)"))
    if "noplan" in present:
        out.append(Line2D([], [], color=grey, marker="x", linestyle="none", label="no plan (infeasible, ...)"))
    return out


def draw_point(ax, x, y, orch, guarantee, size=7, zorder=3):
    colour, marker, _ = ps.style(orch)
    kw = {"marker": marker, "markersize": size, "markeredgecolor": colour, "linestyle": "none", "zorder": zorder}
    if guarantee == "violated":
        kw.update(markerfacecolor="white")
    elif guarantee == "unknown":
        kw.update(markerfacecolor=colour, fillstyle="left", markerfacecoloralt="white")
    else:
        kw.update(markerfacecolor=colour)
    ax.plot([x], [y], **kw)


def no_plan_mark(ax, x, orch):
    colour, _, _ = ps.style(orch)
    ax.plot([x], [0.02], marker="x", color=colour, markersize=7, linestyle="none",
            transform=ax.get_xaxis_transform(), clip_on=False, zorder=4)


def dodge(series_count, xs):
    """Horizontal offsets that keep equal values of several series visible: 1% of the x range per series."""
    numbers = [x for x in xs if isinstance(x, (int, float))]
    span = (max(numbers) - min(numbers)) if len(numbers) > 1 else 1.0
    step = 0.012 * (span or 1.0)
    return [(i - (series_count - 1) / 2.0) * step for i in range(series_count)]


def by_scenario(agg):
    """One panel per scenario, or per (scenario, platform) when the sweep has several platforms: [(name, its
    rows)], leaving out rows without a target (a failed unit alone in its cell)."""
    agg = agg.dropna(subset=["target_loss", "target_probability"])
    if len(set(agg["platform"])) <= 1:
        return [(s, agg[agg["scenario"] == s]) for s in dict.fromkeys(agg["scenario"])]
    keys = dict.fromkeys(zip(agg["scenario"], agg["platform"]))
    return [(f"{s} on {p or 'its own platform'}", agg[(agg["scenario"] == s) & (agg["platform"] == p)])
            for s, p in keys]


def series(sub, other_keys):
    """[(label, orchestrator, rows)] for one panel: one series per orchestrator and value of the other grid keys."""
    out = []
    keys = ["orchestrator"] + other_keys
    for values, rows in sub.groupby(keys if other_keys else "orchestrator", sort=False):
        values = values if isinstance(values, tuple) else (values,)
        orch = values[0]
        extra = ", ".join(f"{k}={ps.fmt_num(v)}" for k, v in zip(other_keys, values[1:]))
        out.append((orch + (f" ({extra})" if extra else ""), orch, rows))
    return out


def unique_text(values, name):
    values = sorted({v for v in values if not ps.missing(v)})
    if not values:
        return ""
    if len(values) == 1:
        return f"{name} = {ps.fmt_num(values[0])}"
    return f"{name} in [{ps.fmt_num(values[0])}, {ps.fmt_num(values[-1])}]"


def other_grid_keys(sweep, *exclude):
    return [k for k in sweep.grid_keys if k not in exclude]


def numeric_axis(values):
    """(positions, tick labels or None): numbers stay numbers; any text makes the axis categorical."""
    if all(isinstance(v, (int, float)) for v in values):
        return list(values), None
    order = list(dict.fromkeys(values))
    return [order.index(v) for v in values], order


def save(fig, directory, name, formats):
    files = []
    for fmt in formats:
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt, dpi=DPI, metadata=SAVE_METADATA[fmt])
        ps.atomic_write(directory / f"{name}.{fmt}", buf.getvalue())
        files.append(f"figures/{name}.{fmt}")
    plt.close(fig)
    return files


# ---------------------------------------------------------------------------------------------------------------
# The figures. Each takes {name: Sweep} and {name: aggregated DataFrame}, returns (figure, caption).


def need(sweeps, name):
    if name not in sweeps:
        raise Skip(f"sweep '{name}' not found (no sweeps/{name}/results.csv)")
    return sweeps[name]


def cost_figure(sweep, agg, xcol, grid_key, xlabel, fixed_col, fixed_name, title):
    others = other_grid_keys(sweep, grid_key)
    groups = by_scenario(agg)
    fig, axes = panels(len(groups))
    present, orchs = set(), []
    for (scenario, sub), (ax,) in zip(groups, axes):
        ser = series(sub, others)
        offsets = dodge(len(ser), list(sub[xcol]))
        for (label, orch, rows), off in zip(ser, offsets):
            orchs.append(orch)
            colour, _, line = ps.style(orch)
            rows = rows.sort_values(xcol)
            ok = rows[rows["status"].isin(["ok", "partial"])]
            xs = [x + off for x in ok[xcol]]
            ys = list(ok["energy_j_mean"])
            err = bars(ys, ok["energy_lo"], ok["energy_hi"])
            ax.errorbar(xs, ys, yerr=err, color=colour, linestyle=line, zorder=2)
            for x, y, g in zip(xs, ys, ok["guarantee"]):
                draw_point(ax, x, y, orch, g)
                present.add(g)
            for x in rows[~rows["status"].isin(["ok", "partial"])][xcol]:
                no_plan_mark(ax, x + off, orch)
                present.add("noplan")
        ax.set_title(f"{scenario} ({unique_text(sub[fixed_col], fixed_name)})")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ENERGY_LABEL)
        ax.set_xticks(sorted(set(sub[xcol])))
    handles = [orchestrator_handle(o) for o in dict.fromkeys(orchs)] + guarantee_handles(present)
    finish(fig, title, handles)
    return fig


def fig_cost_vs_probability(sweeps, aggs):
    sweep = need(sweeps, "targets")
    fig = cost_figure(sweep, aggs["targets"], "target_probability", "target.probability",
                      "target probability p*", "target_loss", "L*",
                      "Cost vs target probability p* (sweep targets)")
    return fig, ("Mean energy per replication (J) with its 95% interval against the target probability p*, one panel "
                 "per scenario (L* in the panel title), one line per planner. Filled markers: guarantee met; hollow: "
                 "violated (the 95% interval of the simulated P lies below p*); half-filled: unknown (it straddles p*); "
                 "a cross on the x axis: no plan. Points are offset slightly per planner so that equal values stay "
                 "visible.")


def fig_cost_vs_loss(sweeps, aggs):
    sweep = need(sweeps, "losses")
    fig = cost_figure(sweep, aggs["losses"], "target_loss", "target.loss", "target loss L* (test loss)",
                      "target_probability", "p*", "Cost vs target loss L* (sweep losses)")
    return fig, ("Mean energy per replication (J) with its 95% interval against the target loss L*, p* in the panel "
                 "title, one line per planner; markers as in the cost-vs-p* figure (hollow: guarantee violated, "
                 "cross on the x axis: no plan).")


def representative_cell(sweep, sub):
    """The cell of one scenario whose loss CDFs are drawn: the one at p* = 0.9 when p* is swept and 0.9 is among
    its values, else the middle cell in the order of the grid (results.csv order)."""
    cells = list(dict.fromkeys(sub["cell"]))
    at = []
    if "target.probability" in sweep.grid_keys:
        at = [c for c in cells if abs(sub[sub["cell"] == c]["target_probability"].iloc[0] - 0.9) < 1e-12]
    return at[0] if at else cells[(len(cells) - 1) // 2]


def ecdf(values, limit=2000):
    """Points (x, y) of the empirical CDF as a step line; more than `limit` values are thinned to `limit`
    evenly spaced order statistics (invisible at figure resolution, keeps PDFs small)."""
    v = sorted(values)
    n = len(v)
    if n > limit:
        idx = sorted({round(i * (n - 1) / (limit - 1)) for i in range(limit)})
    else:
        idx = range(n)
    xs = [v[i] for i in idx]
    ys = [(i + 1) / n for i in idx]
    return [v[0]] + xs, [0.0] + ys


def loss_cdf_inputs(sweeps, aggs):
    """What the loss-CDF figure draws, read before any figure is drawn so that a malformed replications.csv stops
    everything first: the sweep's name, and per scenario (scenario, cell, its aggregated rows, [(row, seed,
    final losses)], seed None and no losses for a planner without a plan)."""
    name = "targets" if "targets" in sweeps else "losses"
    sweep = need(sweeps, name)
    agg = aggs[name]
    out = []
    for scenario, sub in by_scenario(agg):
        cell = representative_cell(sweep, sub)
        rows = agg[agg["cell"] == cell]
        units = []
        for _, r in rows.iterrows():
            ok = sweep.results[(sweep.results["cell"] == cell) & (sweep.results["orchestrator"] == r["orchestrator"])
                               & (sweep.results["status"] == "ok")]
            if ok.empty:
                units.append((r, None, []))
            else:
                seed = int(ok["seed"].min())
                units.append((r, seed, sweep.final_losses(cell, r["orchestrator"], seed)))
        out.append((scenario, cell, rows, units))
    return name, out


def quantile_range(values, tail=0.002):
    """The tail and 1 - tail quantiles (nearest rank): the x range shown, so that a few extreme replications do
    not squeeze the curves."""
    v = sorted(values)
    n = len(v)
    return v[int(tail * (n - 1))], v[int(round((1 - tail) * (n - 1)))]


def fig_loss_cdf(sweeps, aggs, inputs=None):
    name, data = inputs or loss_cdf_inputs(sweeps, aggs)
    sweep = sweeps[name]
    fig, axes = panels(len(data), height=4.3)
    orchs, noplan = [], False
    for (scenario, cell, rows, units), (ax,) in zip(data, axes):
        l_star, p_star = rows["target_loss"].iloc[0], rows["target_probability"].iloc[0]
        drawn = 0
        for r, seed, losses in units:
            orch = r["orchestrator"]
            orchs.append(orch)
            colour, _, line = ps.style(orch)
            if seed is None:
                noplan = True
                ax.plot([], [], color=colour, linestyle="none", marker="x",
                        label=f"{orch}: no plan ({r['status']})")
                continue
            if not losses:
                continue
            xs, ys = ecdf(losses)
            ax.step(xs, ys, where="post", color=colour, linestyle=line,
                    label=f"{orch}: P = {ps.fmt_p(r['p_target_met'])}")
            drawn += 1
        ax.axvline(l_star, color="black", linestyle="--", linewidth=1)
        ax.axhline(p_star, color=ps.OKABE_ITO["grey"], linestyle=":", linewidth=1.2)
        ax.annotate(f"L* = {ps.fmt_num(l_star)}", xy=(l_star, 1.0), xycoords=("data", "axes fraction"),
                    xytext=(0, 2), textcoords="offset points", ha="center", va="bottom", fontsize=8)
        ax.annotate(f"p* = {ps.fmt_num(p_star)}", xy=(0.01, p_star), xycoords=("axes fraction", "data"),
                    xytext=(0, 3), textcoords="offset points", fontsize=8)
        grid = ", ".join(f"{k}={ps.fmt_num(rows[k].iloc[0])}" for k in sweep.grid_keys)
        counts = sorted({len(losses) for _, seed, losses in units if seed is not None})
        seeds = sorted({seed for _, seed, _ in units if seed is not None})
        drawn_from = (f"{'/'.join(str(c) for c in counts)} replications, seed {'/'.join(str(x) for x in seeds)}"
                      if counts else "no replications")
        ax.set_title(f"{scenario}, cell {cell} ({grid})\n{drawn_from}", pad=14)
        ax.set_xlabel("final test loss T_K (loss after the last epoch)")
        ax.set_ylabel("empirical CDF: fraction of replications ≤ x")
        ax.set_ylim(0, 1.02)
        tails = [q for _, seed, losses in units if losses for q in quantile_range(losses)]
        if tails:
            lo, hi = min(tails + [l_star]), max(tails + [l_star])
            ax.set_xlim(lo - 0.03 * (hi - lo), hi + 0.03 * (hi - lo))
        ax.legend(loc="lower right", fontsize=7, framealpha=0.85)
        if drawn == 0:
            ax.text(0.5, 0.5, "no planner has a plan in this cell", transform=ax.transAxes, ha="center")
    handles = [orchestrator_handle(o) for o in dict.fromkeys(orchs)]
    handles += [Line2D([], [], color="black", linestyle="--", label="target loss L*"),
                Line2D([], [], color=ps.OKABE_ITO["grey"], linestyle=":", label="target probability p*")]
    if noplan:
        handles += guarantee_handles({"noplan"})
    finish(fig, f"Distribution of the final test loss, L* and p* marked (sweep {name})", handles)
    return fig, ("Empirical CDF of the final test loss T_K over the replications of each planner (its "
                 "replications.csv; lowest seed) in one cell per scenario (p* = 0.9 where swept, else the middle "
                 "cell). A planner keeps its promise when its curve crosses the vertical line L* at or above the "
                 "horizontal line p*. The legend gives each planner's simulated P over all its replications "
                 "(results.csv), the panel title how many replications the curves show. The x axis spans the "
                 "0.2% to 99.8% quantiles of the losses drawn.")


def fig_guarantee(sweeps, aggs):
    sweep = need(sweeps, "targets")
    agg = aggs["targets"]
    others = other_grid_keys(sweep, "target.probability")
    groups = by_scenario(agg)
    fig, axes = panels(len(groups))
    present, orchs = set(), []
    for (scenario, sub), (ax,) in zip(groups, axes):
        ps_values = sorted(set(sub["target_probability"]))
        lo_x, hi_x = min(ps_values) - 0.02, max(ps_values) + 0.02
        ax.fill_between([lo_x, hi_x], [lo_x - ps.GUARANTEE_TOLERANCE, hi_x - ps.GUARANTEE_TOLERANCE], [lo_x, hi_x],
                        color=ps.OKABE_ITO["grey"], alpha=0.3, linewidth=0, zorder=1)
        ax.plot([lo_x, hi_x], [lo_x, hi_x], color="black", linestyle="--", linewidth=1, zorder=1)
        ser = series(sub, others)
        offsets = dodge(len(ser), ps_values)
        lows = [lo_x - 0.02]
        for (label, orch, rows), off in zip(ser, offsets):
            orchs.append(orch)
            colour, _, line = ps.style(orch)
            rows = rows.sort_values("target_probability")
            ok = rows[rows["status"].isin(["ok", "partial"])]
            xs = [x + off for x in ok["target_probability"]]
            ys = list(ok["p_target_met"])
            err = bars(ys, ok["p_lo"], ok["p_hi"])
            ax.errorbar(xs, ys, yerr=err, color=colour, linestyle="none", zorder=2)
            for x, y, g in zip(xs, ys, ok["guarantee"]):
                draw_point(ax, x, y, orch, g)
                present.add(g)
            for x, pred in zip(xs, ok["p_predicted"]):
                if not ps.missing(pred):
                    ax.plot([x], [pred], marker="_", markersize=12, markeredgewidth=2, color=colour, zorder=3)
                    present.add("predicted")
                    lows.append(pred)
            lows += list(ok["p_lo"])
            for x in rows[~rows["status"].isin(["ok", "partial"])]["target_probability"]:
                no_plan_mark(ax, x + off, orch)
                present.add("noplan")
        ax.set_xlim(lo_x, hi_x)
        ax.set_ylim(max(0.0, min(lows) - 0.02), 1.005)
        ax.set_xticks(ps_values)
        ax.set_title(f"{scenario} ({unique_text(sub['target_loss'], 'L*')})")
        ax.set_xlabel("target probability p*")
        ax.set_ylabel(P_LABEL)
    handles = [orchestrator_handle(o) for o in dict.fromkeys(orchs)]
    handles += [Line2D([], [], color="black", linestyle="--", label="P = p* (the promise)"),
                Patch(color=ps.OKABE_ITO["grey"], alpha=0.3, label="tolerance p* − 0.01 ≤ P < p*")]
    if "predicted" in present:
        handles.append(Line2D([], [], color=ps.OKABE_ITO["grey"], marker="_", markersize=12, markeredgewidth=2,
                              linestyle="none", label="planner's predicted P"))
    handles += guarantee_handles(present)
    finish(fig, "The guarantee: simulated P vs target p* (sweep targets)", handles)
    return fig, ("Simulated P(test loss ≤ L*) with its Wilson 95% interval against the target probability p*, one "
                 "panel per scenario. The dashed diagonal is the promise P = p*, the grey band the tolerance "
                 "(p* − 0.01, p*): a point within the band, or whose interval lies above p* − 0.01, meets it; one whose interval "
                 "lies below p* violates it (hollow marker); otherwise it is unknown (half-filled). Short "
                 "horizontal bars: each planner's own predicted P. Points are offset slightly per planner.")


def fig_planner_time(sweeps, aggs):
    sweep = need(sweeps, "size")
    agg = aggs["size"]
    if not sweep.grid_keys:
        raise Skip("sweep 'size' has no grid key to use as the instance size")
    key = sweep.grid_keys[0]
    others = other_grid_keys(sweep, key)
    groups = by_scenario(agg)
    fig, axes = panels(len(groups))
    present, orchs = set(), []
    for (scenario, sub), (ax,) in zip(groups, axes):
        positions, labels = numeric_axis(list(sub[key]))
        sub = sub.assign(_x=positions)
        drawn = 0
        for label, orch, rows in series(sub, others):
            orchs.append(orch)
            colour, marker, line = ps.style(orch)
            for x in rows[[ps.missing(t) for t in rows["planner_wall_s"]]]["_x"]:
                no_plan_mark(ax, x, orch)  # a failed unit: no timing
                present.add("failed")
            rows = rows[[not ps.missing(t) for t in rows["planner_wall_s"]]].sort_values("_x")
            if rows.empty:
                continue
            xs, ys = list(rows["_x"]), list(rows["planner_wall_s"])
            err = bars(ys, rows["planner_wall_s_min"], rows["planner_wall_s_max"])
            ax.errorbar(xs, ys, yerr=err, color=colour, linestyle=line, zorder=2)
            for x, y, st in zip(xs, ys, rows["status"]):
                draw_point(ax, x, y, orch, "met" if st in ("ok", "partial") else "violated")
                present.add("ok" if st in ("ok", "partial") else "noplan")
            drawn += 1
        ax.set_yscale("log")
        xs = sorted(set(positions))
        if labels is None and xs and min(xs) > 0 and max(xs) / min(xs) >= 10:
            ax.set_xscale("log")
            ax.minorticks_off()
        ax.set_xticks(xs)
        ax.set_xticklabels([labels[int(x)] if labels else ps.fmt_num(x) for x in xs])
        ax.set_title(scenario)
        ax.set_xlabel(ps.key_label(key) + (", log scale" if ax.get_xscale() == "log" else ""))
        ax.set_ylabel("planner wall time (s, log scale)")
        if drawn == 0:
            ax.text(0.5, 0.5, "no timings", transform=ax.transAxes, ha="center")
    limits = [ax.get_ylim() for (ax,) in axes]
    for (ax,) in axes:  # the same scale in every panel, so that instances compare
        ax.set_ylim(min(lo for lo, _ in limits), max(hi for _, hi in limits))
    handles = [orchestrator_handle(o) for o in dict.fromkeys(orchs)]
    if "noplan" in present:
        handles.append(Line2D([], [], color=ps.OKABE_ITO["grey"], marker="o", markerfacecolor="white",
                              linestyle="none", label="no plan (status not ok)"))
    if "failed" in present:
        handles.append(Line2D([], [], color=ps.OKABE_ITO["grey"], marker="x", linestyle="none",
                              label="failed unit (no timing)"))
    finish(fig, "Planner time vs instance size (sweep size)", handles)
    return fig, (f"Planner wall time in seconds (timings.csv, planner_wall_s; log scale) against the instance size "
                 f"({key}), one line per planner: the median over seeds, bars from the fastest to the slowest "
                 f"seed. A hollow marker: the planner returned no plan (e.g. a limit was reached); a cross on the x "
                 f"axis: the unit failed. Wall times "
                 f"depend on the machine that ran the sweep.")


def fig_levels(sweeps, aggs):
    sweep = need(sweeps, "levels")
    agg = aggs["levels"]
    if not sweep.grid_keys:
        raise Skip("sweep 'levels' has no grid key")
    key = "model.learning.levels" if "model.learning.levels" in sweep.grid_keys else sweep.grid_keys[0]
    others = other_grid_keys(sweep, key)
    groups = by_scenario(agg)
    fig, axes = panels(len(groups), rows_per_panel=2, height=3.0)
    present, orchs = set(), []
    for (scenario, sub), (ax_p, ax_e) in zip(groups, axes):
        positions, labels = numeric_axis(list(sub[key]))
        sub = sub.assign(_x=positions)
        xs_all = sorted(set(positions))
        ser = series(sub, others)
        for p_star in sorted(set(sub["target_probability"])):
            ax_p.axhspan(p_star - ps.GUARANTEE_TOLERANCE, p_star, color=ps.OKABE_ITO["grey"], alpha=0.3, linewidth=0)
            ax_p.axhline(p_star, color="black", linestyle="--", linewidth=1)
            ax_p.annotate(f"p* = {ps.fmt_num(p_star)}", xy=(0.01, p_star), xycoords=("axes fraction", "data"),
                          xytext=(0, 3), textcoords="offset points", fontsize=8)
        for label, orch, rows in ser:
            orchs.append(orch)
            colour, _, line = ps.style(orch)
            rows = rows.sort_values("_x")
            ok = rows[rows["status"].isin(["ok", "partial"])]
            xs = list(ok["_x"])
            ys = list(ok["p_target_met"])
            ax_p.errorbar(xs, ys, yerr=bars(ys, ok["p_lo"], ok["p_hi"]),
                          color=colour, linestyle=line, zorder=2)
            preds = [(x, p) for x, p in zip(xs, ok["p_predicted"]) if not ps.missing(p)]
            if preds:
                ax_p.plot([x for x, _ in preds], [p for _, p in preds], color=colour, linestyle=(0, (1, 1)),
                          marker="_", markersize=12, markeredgewidth=2, zorder=2)
                present.add("predicted")
            es = list(ok["energy_j_mean"])
            ax_e.errorbar(xs, es, yerr=bars(es, ok["energy_lo"], ok["energy_hi"]),
                          color=colour, linestyle=line, zorder=2)
            for x, y, e, g in zip(xs, ys, es, ok["guarantee"]):
                draw_point(ax_p, x, y, orch, g)
                draw_point(ax_e, x, e, orch, g)
                present.add(g)
            for x in rows[~rows["status"].isin(["ok", "partial"])]["_x"]:
                no_plan_mark(ax_p, x, orch)
                no_plan_mark(ax_e, x, orch)
                present.add("noplan")
        for ax in (ax_p, ax_e):
            if labels is None and xs_all and min(xs_all) > 0:
                ax.set_xscale("log", base=2)
                ax.minorticks_off()
            ax.set_xticks(xs_all)
            ax.set_xticklabels([labels[int(x)] if labels else ps.fmt_num(x) for x in xs_all])
        ax_p.set_title(f"{scenario} ({unique_text(sub['target_loss'], 'L*')})")
        ax_p.set_ylabel(P_LABEL)
        ax_e.set_ylabel(ENERGY_LABEL)
        ax_e.set_xlabel(ps.key_label(key) + (", log scale" if ax_e.get_xscale() == "log" else ""))
    handles = [orchestrator_handle(o) for o in dict.fromkeys(orchs)]
    handles += [Line2D([], [], color="black", linestyle="--", label="target probability p*"),
                Patch(color=ps.OKABE_ITO["grey"], alpha=0.3, label="tolerance p* − 0.01 ≤ P < p*")]
    if "predicted" in present:
        handles.append(Line2D([], [], color=ps.OKABE_ITO["grey"], linestyle=(0, (1, 1)), marker="_", markersize=12,
                              markeredgewidth=2, label="planner's predicted P"))
    handles += guarantee_handles(present)
    finish(fig, "Sensitivity to the number of loss levels B (sweep levels)", handles)
    return fig, (f"Top: simulated P(test loss ≤ L*) with its Wilson 95% interval (solid) and the planner's "
                 f"predicted P (dotted) against the number of loss levels B of the planner's knowledge ({key}), "
                 f"p* dashed with its tolerance band. Bottom: mean energy per replication (J) with its 95% "
                 f"interval. Markers as in the cost figures.")


def delta_labels(sub, points):
    """One label per group of points that would print on top of each other (closer than 4% of the panel's
    span on both axes): [(x, y, "δ = a, b")], at the group's first point, δ in sweep order."""
    ok = sub[sub["status"].isin(["ok", "partial"])]
    xs, ys = list(ok["p_target_met"]), list(ok["energy_j_mean"])
    xspan = (max(xs) - min(xs)) or 1.0
    yspan = (max(ys) - min(ys)) or 1.0
    groups = []
    for x, y, d in points:
        for g in groups:
            if abs(x - g[0]) <= 0.04 * xspan and abs(y - g[1]) <= 0.04 * yspan:
                g[2].append(d)
                break
        else:
            groups.append((x, y, [d]))
    return [(x, y, "δ = " + ", ".join(ps.fmt_num(d) for d in ds)) for x, y, ds in groups]


def fig_safety(sweeps, aggs):
    sweep = need(sweeps, "safety")
    agg = aggs["safety"]
    base = "expected-loss+safety"
    if base not in set(agg["orchestrator"]):
        raise Skip(f"sweep 'safety' has no {base} rows")
    key = "planners.safety_delta" if "planners.safety_delta" in sweep.grid_keys else (sweep.grid_keys or [None])[0]
    if key is None:
        raise Skip("sweep 'safety' has no grid key")
    groups = by_scenario(agg)
    fig, axes = panels(len(groups))
    present, orchs = set(), []
    for (scenario, sub), (ax,) in zip(groups, axes):
        for p_star in sorted(set(sub["target_probability"])):
            ax.axvspan(p_star - ps.GUARANTEE_TOLERANCE, p_star, color=ps.OKABE_ITO["grey"], alpha=0.3, linewidth=0)
            ax.axvline(p_star, color="black", linestyle="--", linewidth=1)
            ax.annotate(f"p* = {ps.fmt_num(p_star)}", xy=(p_star, 1.0), xycoords=("data", "axes fraction"),
                        xytext=(0, 2), textcoords="offset points", ha="center", va="bottom", fontsize=8)
        labelled = []
        for orch in dict.fromkeys(sub["orchestrator"]):
            orchs.append(orch)
            colour, _, line = ps.style(orch)
            rows = sub[(sub["orchestrator"] == orch) & sub["status"].isin(["ok", "partial"])]
            if orch == base:
                rows = rows.sort_values(key)
                xs, ys = list(rows["p_target_met"]), list(rows["energy_j_mean"])
                ax.errorbar(xs, ys, xerr=bars(xs, rows["p_lo"], rows["p_hi"]),
                            yerr=bars(ys, rows["energy_lo"], rows["energy_hi"]),
                            color=colour, linestyle=line, zorder=2)
                for x, y, d, g in zip(xs, ys, rows[key], rows["guarantee"]):
                    draw_point(ax, x, y, orch, g, size=8)
                    present.add(g)
                    labelled.append((x, y, d))
                for i, d in enumerate(sub[(sub["orchestrator"] == orch) & ~sub["status"].isin(["ok", "partial"])][key]):
                    ax.annotate(f"δ = {ps.fmt_num(d)}: no plan", xy=(0.02, 0.04 + 0.06 * i),
                                xycoords="axes fraction", fontsize=8, color="#333333")
            else:
                seen = set()
                for _, r in rows.iterrows():
                    point = (round(r["p_target_met"], 9), round(r["energy_j_mean"], 6))
                    if point in seen:
                        continue
                    seen.add(point)
                    ax.errorbar([r["p_target_met"]], [r["energy_j_mean"]],
                                xerr=bars([r["p_target_met"]], [r["p_lo"]], [r["p_hi"]]),
                                color=colour, linestyle="none", zorder=2)
                    draw_point(ax, r["p_target_met"], r["energy_j_mean"], orch, r["guarantee"],
                               size=11 if orch != "depl" else 7, zorder=3 if orch != "depl" else 4)
                    present.add(r["guarantee"])
        ax.margins(x=0.08, y=0.12)
        for x, y, text in delta_labels(sub, labelled):
            ax.annotate(text, xy=(x, y), xytext=(6, -11), textcoords="offset points", fontsize=8, color="#333333")
        ax.set_title(f"{scenario} ({unique_text(sub['target_loss'], 'L*')})", pad=14)
        ax.set_xlabel(P_LABEL)
        ax.set_ylabel(ENERGY_LABEL)
    handles = [orchestrator_handle(o) if o == base else
               Line2D([], [], color=ps.style(o)[0], marker=ps.style(o)[1], linestyle="none", label=f"{o} (reference)")
               for o in dict.fromkeys(orchs)]
    handles += [Line2D([], [], color="black", linestyle="--", label="target probability p*"),
                Patch(color=ps.OKABE_ITO["grey"], alpha=0.3, label="tolerance p* − 0.01 ≤ P < p*")]
    handles += guarantee_handles(present)
    finish(fig, "Cost-coverage frontier of expected-loss+safety over δ (sweep safety)", handles)
    return fig, ("Mean energy per replication (J) against the simulated P(test loss ≤ L*) (Wilson 95% interval) of "
                 "expected-loss+safety for each safety factor δ (labelled), with DepL and expected-loss+margin as "
                 "reference points and p* marked (dashed, tolerance band grey). A point left of the band violates "
                 "the guarantee; the cheapest point right of it is the best a fixed δ could have done.")


def fig_gain(sweeps, aggs):
    sweep = need(sweeps, "targets")
    agg = aggs["targets"]
    if "depl" not in set(agg["orchestrator"]):
        raise Skip("sweep 'targets' has no depl rows")
    baselines = [o for o in dict.fromkeys(agg["orchestrator"]) if o not in ps.BASELINE_EXCLUDED]
    if not baselines:
        raise Skip("sweep 'targets' has no baseline besides depl")
    g = ps.gains(agg)
    others = other_grid_keys(sweep, "target.probability")
    groups = by_scenario(agg)
    fig, axes = panels(len(groups))
    present = set()
    width = 0.8 / len(baselines)
    for (scenario, sub), (ax,) in zip(groups, axes):
        cells = list(dict.fromkeys(sub.sort_values("target_probability", kind="stable")["cell"]))
        ticks = []
        for i, cell in enumerate(cells):
            row = sub[sub["cell"] == cell].iloc[0]
            extra = "".join(f"\n{k}={ps.fmt_num(row[k])}" for k in others)
            ticks.append(f"p* = {ps.fmt_num(row['target_probability'])}{extra}")
            cg = g[g["cell"] == cell]
            if not cg.empty and all(w is not None and str(w).startswith("depl") for w in cg["why"]):
                ax.axvspan(i - 0.45, i + 0.45, color=ps.OKABE_ITO["grey"], alpha=0.15, linewidth=0)
                ax.text(i, 0.5, "DepL misses p*\n(no comparison)", transform=ax.get_xaxis_transform(), ha="center",
                        va="center", fontsize=7)
                present.add("depl")
                continue
            for j, b in enumerate(baselines):
                x = i - 0.4 + width * (j + 0.5)
                colour = ps.style(b)[0]
                hit = cg[cg["baseline"] == b]
                if hit.empty:
                    continue
                gain = hit["gain"].iloc[0]
                if ps.missing(gain):
                    ax.plot([x], [0], marker="x", color=colour, markersize=7, linestyle="none", zorder=3)
                    present.add("miss")
                else:
                    bar = ax.bar([x], [100 * gain], width=width * 0.9, color=colour, edgecolor="black",
                                 linewidth=0.5, zorder=2)
                    ax.bar_label(bar, labels=[f"{100 * gain:+.0f}%"], fontsize=7, padding=2)
        ax.axhline(0, color="black", linewidth=0.8)
        ax.set_xticks(range(len(cells)))
        ax.set_xticklabels(ticks)
        ax.set_xlim(-0.6, len(cells) - 0.4)
        ax.margins(y=0.15)
        ax.set_title(f"{scenario} ({unique_text(sub['target_loss'], 'L*')})")
        ax.set_xlabel("target probability p*")
        ax.set_ylabel("baseline energy / DepL energy − 1 (%)")
    handles = [Patch(facecolor=ps.style(b)[0], edgecolor="black", linewidth=0.5, label=b) for b in baselines]
    if "miss" in present:
        handles.append(Line2D([], [], color=ps.OKABE_ITO["grey"], marker="x", linestyle="none",
                              label="no bar: the baseline misses p* or has no plan"))
    finish(fig, "DepL's gain over each baseline that meets p* (sweep targets)", handles)
    return fig, ("Energy of each baseline relative to DepL's, baseline / DepL − 1 in percent (positive: DepL spends "
                 "less), per scenario and p*, only where both keep the promise: guarantee met, or, with fewer than "
                 "20,000 replications, a simulated P ≥ p*. A cross at zero: that baseline misses p* (or has no plan) "
                 "in that cell, so there is nothing to compare.")


FIGURES = [
    ("cost-vs-target-probability", "targets", "Cost vs target probability p*", fig_cost_vs_probability),
    ("cost-vs-target-loss", "losses", "Cost vs target loss L*", fig_cost_vs_loss),
    ("loss-cdf", "targets", "Loss distributions with L* and p* marked", fig_loss_cdf),
    ("guarantee", "targets", "The guarantee: simulated P vs p*", fig_guarantee),
    ("planner-time", "size", "Planner time vs instance size", fig_planner_time),
    ("levels-sensitivity", "levels", "Sensitivity to the grid size B", fig_levels),
    ("safety-frontier", "safety", "The safety baseline's cost-coverage frontier over δ", fig_safety),
    ("depl-gain", "targets", "DepL's gain over each baseline that meets p*", fig_gain),
]


def make_figures(root, formats=FORMATS, log=sys.stderr):
    """Draws every figure the sweeps allow; returns the figures.json object (also written)."""
    root = pathlib.Path(root)
    sweeps = ps.load_root(root)
    aggs = {name: ps.aggregate(s) for name, s in sweeps.items()}
    try:
        cdf_inputs = loss_cdf_inputs(sweeps, aggs)
    except Skip:
        cdf_inputs = None
    _import_matplotlib()
    out_dir = root / "figures"
    out_dir.mkdir(exist_ok=True)
    made, skipped = [], []
    for name, sweep_name, title, draw in FIGURES:
        source = sweep_name
        if name == "loss-cdf" and "targets" not in sweeps and "losses" in sweeps:
            source = "losses"
        try:
            fig, caption = draw(sweeps, aggs, cdf_inputs) if name == "loss-cdf" else draw(sweeps, aggs)
        except Skip as e:
            skipped.append({"name": name, "sweep": sweep_name, "title": title, "reason": str(e)})
            for fmt in ("png", "pdf"):
                stale = out_dir / f"{name}.{fmt}"
                if stale.exists():
                    stale.unlink()
            print(f"figures: skipped {name}: {e}", file=log)
            continue
        if len(sweeps[source].seeds) > 1 and name not in ("loss-cdf", "planner-time"):
            caption += SEEDS_NOTE
        files = save(fig, out_dir, name, formats)
        made.append({"name": name, "sweep": source, "title": title, "caption": caption, "files": files})
        print(f"figures: wrote {', '.join(files)}", file=log)
    index = {"figures": made, "skipped": skipped, "sweeps": list(sweeps),
             "missing_sweeps": [n for n in ps.KNOWN_SWEEPS if n not in sweeps]}
    ps.atomic_write(out_dir / "figures.json", json.dumps(index, indent=2, ensure_ascii=False) + "\n")
    return index


def main(argv=None):
    parser = argparse.ArgumentParser(description="Draws the paper figures from a sweep-results folder.")
    parser.add_argument("root", metavar="R", help="the output folder of `deplsim reproduce paper`")
    parser.add_argument("--formats", default="png,pdf", help="comma-separated, among png,pdf (default png,pdf)")
    args = parser.parse_args(argv)
    formats = [f for f in args.formats.split(",") if f]
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        print(f"error: --formats: unknown format(s) {', '.join(bad) or '(none)'}; use png, pdf", file=sys.stderr)
        return 2
    try:
        make_figures(args.root, formats)
    except ps.InputError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
