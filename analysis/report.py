#!/usr/bin/python3
"""Writes the report of a sweep-results folder (the output of `deplsim reproduce paper`): R/results.md and
R/report.html.

Usage: analysis/report.py R

results.md: per sweep a table (planner, status, guarantee, predicted and simulated P, energy, time, planner time,
DepL's gain over each baseline that meets p*), a summary of DepL's gain, a line per figure, and what was skipped.
report.html: the same, one self-contained file readable offline: the figures embedded as base64 PNG, the tables
as HTML, a short stylesheet, and a small script that records in <body data-figures-loaded="LOADED/TOTAL"> how
many figures the browser could decode (read by tests/analysis/analysis_test.sh in headless Chromium).

The figures come from R/figures/figures.json and the PNG files it lists (analysis/figures.py); when
figures.json is missing, the figures are drawn first (PNG and PDF). Both files are written atomically and
depend only on the inputs (no dates, no absolute paths). Exit status: 0, or 2 with a message naming the file
(and the column) on a missing folder or a malformed file.
"""
import argparse
import base64
import csv
import html
import json
import pathlib
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import plotstyle as ps  # noqa: E402

TITLE = "deplsim: dependable distributed training — sweep results"

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; margin: 2em auto;
       max-width: 1100px; padding: 0 1em; color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: .2em; margin-top: 2em; }
code { background: #f3f3f3; padding: 0 .25em; border-radius: 3px; }
table { border-collapse: collapse; margin: .8em 0; font-size: .85em; }
th, td { border: 1px solid #ccc; padding: .25em .5em; } th { background: #f0f0f0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.table-wrap { overflow-x: auto; }
td.met { background: #e3f2ec; } td.violated { background: #fbe3d6; } td.unknown { background: #f4f4f4; }
figure { margin: 1.5em 0; } figure img { max-width: 100%; height: auto; border: 1px solid #ddd; }
figcaption { font-size: .9em; color: #444; margin-top: .3em; }
nav ul { columns: 2; }
"""

SCRIPT = """
window.onload = function () {
  var images = document.getElementsByTagName("img"), loaded = 0;
  for (var i = 0; i < images.length; i++) {
    if (images[i].complete && images[i].naturalWidth > 0) { loaded++; }
  }
  document.body.dataset.figuresLoaded = loaded + "/" + images.length;
};
"""


# ---------------------------------------------------------------------------------------------------------------
# The document: a list of blocks rendered twice, as Markdown and as HTML.
#   ("h", level, text, anchor)  ("p", text)  ("ul", [text])  ("table", header, rows, classes)  ("figure", entry)
# Text may hold `code` and **strong** spans.


def inline_html(text):
    out = html.escape(text, quote=False)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    return re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", out)


def md_cell(text):
    return str(text).replace("|", "\\|")


def render_md(blocks):
    out = []
    for b in blocks:
        kind = b[0]
        if kind == "h":
            out.append("#" * b[1] + " " + b[2])
        elif kind == "p":
            out.append(b[1])
        elif kind == "ul":
            out.append("\n".join("- " + item for item in b[1]))
        elif kind == "table":
            _, header, rows, _ = b
            lines = ["| " + " | ".join(md_cell(h) for h in header) + " |", "|" + "---|" * len(header)]
            lines += ["| " + " | ".join(md_cell(c) for c in row) + " |" for row in rows]
            out.append("\n".join(lines))
        elif kind == "figure":
            f = b[1]
            files = ", ".join(f"`{x}`" for x in f["files"])
            out.append(f"- **{f['title']}** ({files}): {f['caption']}")
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def render_html(blocks, root, title=TITLE):
    body = []
    for b in blocks:
        kind = b[0]
        if kind == "h":
            anchor = f' id="{html.escape(b[3])}"' if b[3] else ""
            body.append(f"<h{b[1]}{anchor}>{inline_html(b[2])}</h{b[1]}>")
        elif kind == "p":
            body.append(f"<p>{inline_html(b[1])}</p>")
        elif kind == "ul":
            body.append("<ul>" + "".join(f"<li>{inline_html(i)}</li>" for i in b[1]) + "</ul>")
        elif kind == "nav":
            body.append("<nav><ul>" + "".join(f'<li><a href="#{html.escape(a)}">{inline_html(t)}</a></li>'
                                              for a, t in b[1]) + "</ul></nav>")
        elif kind == "table":
            _, header, rows, classes = b
            head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
            t = ['<div class="table-wrap"><table>', f"<thead><tr>{head}</tr></thead>", "<tbody>"]
            for row, cls in zip(rows, classes):
                cells = []
                for value, c in zip(row, cls):
                    attr = f' class="{c}"' if c else ""
                    cells.append(f"<td{attr}>{html.escape(str(value))}</td>")
                t.append("<tr>" + "".join(cells) + "</tr>")
            t.append("</tbody></table></div>")
            body.append("\n".join(t))
        elif kind == "figure":
            f = b[1]
            png = next(x for x in f["files"] if x.endswith(".png"))
            data = base64.b64encode((root / png).read_bytes()).decode("ascii")
            alt = f"{f['title']}. {f['caption']}"
            others = ", ".join(x.rsplit("/", 1)[-1] for x in f["files"])
            body.append(f'<figure id="figure-{html.escape(f["name"])}">'
                        f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}">'
                        f"<figcaption><strong>{inline_html(f['title'])}.</strong> {inline_html(f['caption'])} "
                        f"(files: {html.escape(others)})</figcaption></figure>")
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{html.escape(title)}</title>\n<style>{CSS}</style>\n<script>{SCRIPT}</script>\n</head>\n"
            "<body>\n" + "\n".join(body) + "\n</body>\n</html>\n")


# ---------------------------------------------------------------------------------------------------------------
# Content


def load_figures(root):
    index_path = root / "figures" / "figures.json"
    if not index_path.is_file():
        import figures
        print("report: figures/figures.json not found, drawing the figures first", file=sys.stderr)
        return figures.make_figures(root)
    try:
        index = json.loads(index_path.read_text(encoding="utf-8"))
        for f in index["figures"]:
            for key in ("name", "title", "caption", "files"):
                if key not in f:
                    raise KeyError(key)
        index["skipped"]
    except (ValueError, KeyError, TypeError) as e:
        raise ps.InputError(f"{index_path}: malformed ({e}); rerun analysis/figures.py")
    for f in index["figures"]:
        pngs = [x for x in f["files"] if x.endswith(".png")]
        if not pngs:
            raise ps.InputError(f"{index_path}: figure '{f['name']}' has no PNG (rerun analysis/figures.py with "
                                f"--formats png,pdf)")
        if not (root / pngs[0]).is_file():
            raise ps.InputError(f"{root / pngs[0]}: no such file (rerun analysis/figures.py)")
    return index


def range_text(values):
    values = sorted(set(int(v) for v in values))
    if not values:
        return "none"
    if len(values) == 1:
        return f"{values[0]:,}"
    return f"{values[0]:,} to {values[-1]:,}"


def sweep_blocks(sweep, agg):
    blocks = [("h", 2, f"Sweep `{sweep.name}`", f"sweep-{sweep.name}")]
    about = ps.KNOWN_SWEEPS.get(sweep.name, "a sweep not among those of `deplsim reproduce paper`")
    grid = ", ".join(f"`{k}`" for k in sweep.grid_keys) or "none"
    blocks.append(("p", f"What it holds: {about}. Grid: {grid}; scenarios: "
                        f"{', '.join(sweep.scenarios)}; planners: {', '.join(sweep.orchestrators)}; seeds: "
                        f"{', '.join(str(s) for s in sweep.seeds)}; replications per unit: "
                        f"{range_text(sweep.results[sweep.results['status'] != 'error']['replications'])}; "
                        f"{len(agg['cell'].unique())} cells, {len(sweep.results)} units."))
    counts = {g: 0 for g in ps.GUARANTEES}
    noplan = 0
    for _, r in agg.iterrows():
        if r["status"] in ("ok", "partial"):
            counts[r["guarantee"]] += 1
        else:
            noplan += 1
    violated = sorted(set(agg[(agg["guarantee"] == "violated")]["orchestrator"]))
    blocks.append(("p", f"Guarantee (docs/outputs.md 3.3): met {counts['met']}, violated "
                        f"{counts['violated']}" + (f" ({', '.join(violated)})" if violated else "") +
                        f", unknown {counts['unknown']}, no plan {noplan}."))

    g = ps.gains(agg)
    gain_of = {(r["cell"], r["baseline"]): r for _, r in g.iterrows()}
    show_platform = len(set(agg["platform"])) > 1
    show_seeds = len(sweep.seeds) > 1
    show_opt = any(not ps.missing(v) for v in agg["energy_vs_optimum"])
    header = ["cell", "scenario"] + (["platform"] if show_platform else []) + list(sweep.grid_keys)
    header += ["planner"] + (["seeds with a plan"] if show_seeds else [])
    header += ["status", "guarantee", "P predicted", "P simulated [95% CI]", "energy J [95% CI]", "time s",
               "planner s", "DepL's gain"] + (["vs optimum"] if show_opt else [])
    rows, classes = [], []
    for _, r in agg.iterrows():
        row = [r["cell"], r["scenario"]] + ([r["platform"]] if show_platform else [])
        cls = ["", ""] + ([""] if show_platform else [])
        row += [ps.fmt_num(r[k]) for k in sweep.grid_keys]
        cls += ["num"] * len(sweep.grid_keys)
        row.append(r["orchestrator"])
        cls.append("")
        if show_seeds:
            row.append(f"{r['seeds_ok']}/{r['seeds']}")
            cls.append("num")
        has = r["status"] in ("ok", "partial")
        row += [r["status"], r["guarantee"] if has else "",
                ps.fmt_p(r["p_predicted"]),
                f"{ps.fmt_p(r['p_target_met'])} [{ps.fmt_p(r['p_lo'])}, {ps.fmt_p(r['p_hi'])}]" if has else "",
                f"{ps.fmt_num(r['energy_j_mean'])} [{ps.fmt_num(r['energy_lo'])}, {ps.fmt_num(r['energy_hi'])}]"
                if has else "",
                ps.fmt_num(r["time_s_mean"]) if has else "",
                ps.fmt_num(r["planner_wall_s"], 3)]
        cls += ["", r["guarantee"] if has else "", "num", "num", "num", "num", "num"]
        gain = gain_of.get((r["cell"], r["orchestrator"]))
        if gain is None:
            row.append("")
        elif ps.missing(gain["gain"]):
            row.append(f"— {gain['why']}")
        else:
            row.append(ps.fmt_pct(gain["gain"]))
        cls.append("num")
        if show_opt:
            row.append(ps.fmt_pct(r["energy_vs_optimum"]))
            cls.append("num")
        rows.append(row)
        classes.append(cls)
    blocks.append(("table", header, rows, classes))
    blocks.append(("p", "P: simulated P(test loss ≤ L*) with its Wilson 95% interval; energy: mean per replication "
                        "with its 95% interval; time: mean simulated time; planner s: the planner's wall time "
                        "(median over seeds). DepL's gain: baseline energy / DepL energy − 1 (positive: DepL spends "
                        "less), only where both meet p* (guarantee met, or P ≥ p* with fewer than 20,000 "
                        "replications)." + (" vs optimum: energy / optimum's energy − 1." if show_opt else "") +
                        (" Seeds pooled: P over all their replications, energy bars from the lowest to the "
                         "highest seed's interval end." if show_seeds else "")))
    if not g.empty:
        blocks.append(("h", 3, f"DepL's gain over each baseline (sweep `{sweep.name}`)", ""))
        srows, sclasses = [], []
        for baseline in dict.fromkeys(g["baseline"]):
            b = g[g["baseline"] == baseline]
            values = sorted(float(x) for x in b["gain"] if not ps.missing(x))
            left = [w for w in b["why"] if w]
            why = ", ".join(f"{left.count(w)} {w}" for w in dict.fromkeys(left))
            if values:
                median = values[len(values) // 2] if len(values) % 2 else (values[len(values) // 2 - 1] +
                                                                           values[len(values) // 2]) / 2
                srows.append([baseline, str(len(values)), ps.fmt_pct(values[0]), ps.fmt_pct(median),
                              ps.fmt_pct(values[-1]), why])
            else:
                srows.append([baseline, "0", "", "", "", why])
            sclasses.append(["", "num", "num", "num", "num", ""])
        blocks.append(("table", ["baseline", "cells compared", "min", "median", "max", "cells not compared"],
                       srows, sclasses))
    return blocks


def fmt_num(v, spec):
    return format(v, spec) if isinstance(v, (int, float)) and not isinstance(v, bool) else "-"


def coverage_blocks(name, folder, summary, root):
    """A coverage sweep (docs/model.md 3.8): its table and figures."""
    blocks = [("h", 2, f"Coverage sweep `{name}`", f"coverage-{name}")]
    c0 = summary["cells"][0]
    blocks.append(("p", f"Scenario `{summary['scenario']}`, {summary['repetitions']} knowledge draws per cell, claims at "
                        f"{100 * c0['knowledge']['confidence']:g}% confidence; the true P of each plan over "
                        f"{c0['true_p']['over']}. A miss: the claim above the plan's true P; a clear miss: above its "
                        f"95% interval. The guarantee is over draws (a draw without a claim does not miss): the "
                        f"miss rate is per draw, and the binomial p-value tests \"misses in at most "
                        f"{100 * (1 - c0['knowledge']['confidence']):g}% of the draws\" (rejected below 0.01)."))
    keys = [k for k in summary.get("grid", {}) if k not in ("target.loss", "target.probability",
                                                               "model.learning.knowledge_runs")]
    header = ["L*", "p*", "runs known (held out)"] + keys + ["orchestrator", "claims", "certified", "misses (clear)",
                                                              "miss rate per draw [95% CI]", "binomial p",
                                                              "misses per claim", "claim mean", "true P mean",
                                                              "energy J mean"]
    rows, classes = [], []
    for c in summary["cells"]:
        head = [c["target"]["loss"], c["target"]["probability"],
                f"{c['knowledge']['knowledge_runs']} ({c['knowledge']['certification_runs']})"]
        head += [c["settings"].get(k, "") for k in keys]
        for p in c["planners"]:
            ci = p.get("miss_rate_ci95")
            rate = (f"{p['miss_rate']:.3f} [{ci[0]:.3f}, {ci[1]:.3f}]" if isinstance(ci, list) else "-")
            rows.append(head + [p["orchestrator"], p["claims"], p["certified_claims"],
                                f"{p['misses']} ({p.get('clear_misses', 0)})", rate, fmt_num(p["p_value"], ".3g"),
                                fmt_num(p.get("miss_rate_given_claim"), ".3f"), fmt_num(p["claim_mean"], ".4f"),
                                fmt_num(p["true_p_mean"], ".4f"), fmt_num(p["energy_j_mean"], ".6g")])
            bad = p.get("coverage_rejected_at_1pct") is True
            classes.append([""] * (len(header) - 6) + ["violated" if bad else ""] + [""] * 5)
    rel = folder.relative_to(root)
    for stem, title, caption in (
            ("knowledge_runs", "What dependability costs in training runs",
             "Per planner, against the training runs it knows: the miss rate of its claims (95% interval; dashed: "
             "5%), the share of knowledge draws in which it made a claim, and the mean energy of its plans; solid: "
             "certified on held-out runs, dotted: uncertified."),
            ("coverage", "Claims against truth",
             "One point per cell, draw and planner: the claimed P(L ≤ L*) (jittered) against the true P of the "
             "plan returned; below the diagonal, a miss (hollow black).")):
        if (folder / f"{stem}.png").is_file():
            blocks.append(("figure", {"name": f"{name}-{stem}", "title": f"{title} (`{name}`)", "caption": caption,
                                      "files": [f"{rel}/{stem}.png", f"{rel}/{stem}.pdf"]}))
    blocks.append(("table", header, rows, classes))
    return blocks


def build(root):
    root = pathlib.Path(root)
    sweeps = ps.load_root(root)
    index = load_figures(root)
    aggs = {name: ps.aggregate(s) for name, s in sweeps.items()}
    missing = [n for n in ps.KNOWN_SWEEPS if n not in sweeps]

    blocks = [("h", 1, TITLE, "top")]
    blocks.append(("p", f"Made by `analysis/report.py` from `sweeps/*/results.csv` and `timings.csv` "
                        f"({len(sweeps)} sweeps: {', '.join(f'`{n}`' for n in sweeps)}); figures by "
                        f"`analysis/figures.py` in `figures/`. The guarantee is judged as in docs/outputs.md 3.3: "
                        f"violated when the simulated P's 95% interval lies below p*, met when P ≥ p* − 0.01 on at "
                        f"least 20,000 replications or when the interval lies at or above p* − 0.01, unknown when "
                        f"it straddles."))
    coverage = ps.load_coverage(root)
    nav = [("figures", "Figures")] + [(f"sweep-{n}", f"Sweep `{n}`") for n in sweeps]
    nav += [(f"coverage-{n}", f"Coverage `{n}`") for n in coverage] + [("skipped", "Skipped")]
    blocks.append(("nav", nav))
    blocks.append(("h", 2, "Figures", "figures"))
    if index["figures"]:
        blocks += [("figure", f) for f in index["figures"]]
    else:
        blocks.append(("p", "No figure could be drawn."))
    for name, sweep in sweeps.items():
        blocks += sweep_blocks(sweep, aggs[name])
    for name, (folder, summary) in coverage.items():
        blocks += coverage_blocks(name, folder, summary, root)
    blocks += sensitivity_blocks(root)
    blocks += model_variant_blocks(root)
    blocks.append(("h", 2, "Skipped", "skipped"))
    skipped = [f"sweep `{n}` not found ({ps.KNOWN_SWEEPS[n]}): its figures and table are left out" for n in missing]
    skipped += [f"figure `{s['name']}` ({s['title']}): {s['reason']}" for s in index["skipped"]]
    blocks.append(("ul", skipped) if skipped else ("p", "Nothing: every sweep and figure is present."))

    md_blocks = [b for b in blocks if b[0] != "nav"]
    return render_md(md_blocks), render_html(blocks, root)


def study_rows(root, name):
    """The rows of a plan-only study's NAME.csv under R/NAME/ (written by analysis/NAME.py), or None if not run."""
    path = root / name / f"{name}.csv"
    if not path.exists():
        return None
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def sensitivity_blocks(root):
    """The platform sensitivity study (analysis/sensitivity.py's sensitivity.csv under R/sensitivity/), if run."""
    rows = study_rows(root, "sensitivity")
    if rows is None:
        return []
    scenarios = list(dict.fromkeys(r["scenario"] for r in rows))
    variants = list(dict.fromkeys((r["figure"], r["factor"]) for r in rows if r["figure"] != "shipped"))
    table = []
    for figure, factor in variants:
        cells = [figure, f"×{float(factor):g}"]
        for name in scenarios:
            r = next(x for x in rows if x["figure"] == figure and x["factor"] == factor and x["scenario"] == name)
            if not r["energy_vs_shipped"]:
                cells.append(r["status"])
            else:
                changed = " (plan changed)" if r["plan_changed"] == "True" else ""
                cells.append(f"{100 * (float(r['energy_vs_shipped']) - 1):+.1f}%{changed}")
        table.append(cells)
    blocks = [("h", 2, "Sensitivity to the platform's assumed figures", "sensitivity"),
              ("p", "depl's predicted energy when one assumed figure of the paper platform is halved or doubled, "
                    "against the shipped platform's (analysis/sensitivity.py; docs/platforms.md section 9)."),
              ("table", ["figure", "factor"] + scenarios, table, [[""] * len(row) for row in table])]
    if (root / "sensitivity" / "sensitivity.png").exists():
        blocks.append(("figure", {"name": "sensitivity", "title": "Sensitivity to the assumed figures",
                                  "caption": "depl's energy change per halved or doubled figure and scenario; hatched "
                                             "where the plan changed.", "files": ["sensitivity/sensitivity.png"]}))
    return blocks


def model_variant_blocks(root):
    """The paper scenarios under the richer training model (analysis/model_variants.py's model_variants.csv under
    R/model_variants/), if run."""
    rows = study_rows(root, "model_variants")
    if rows is None:
        return []
    planners = list(dict.fromkeys(r["orchestrator"] for r in rows))
    energy = {(r["scenario"], r["variant"], r["orchestrator"]): float(r["energy_j"]) for r in rows if r["energy_j"]}

    def versus(key, other):
        a, b = energy.get(key), energy.get(other)
        return f"{100 * (a / b - 1):+.1f}%" if a is not None and b else "-"

    table = []
    for scenario, variant in dict.fromkeys((r["scenario"], r["variant"]) for r in rows):
        cells = [scenario, variant]
        cells += [f"{energy[(scenario, variant, o)]:.0f}" if (scenario, variant, o) in energy else "-" for o in planners]
        depl = (scenario, variant, "depl")
        cells += [versus(depl, (scenario, variant, "full-only")), versus(depl, (scenario, variant, "optimum"))]
        table.append(cells)
    return [("h", 2, "The paper scenarios under the richer training model", "model-variants"),
            ("p", "Each planner's energy (J, planned = simulated) when the paper scenarios run as data-parallel "
                  "iterations instead of rounds, and when their pruned versions are unstructured (dense flops and "
                  "gradients) instead of charged their non-zero weights (analysis/model_variants.py)."),
            ("table", ["scenario", "variant"] + planners + ["depl vs full-only", "depl vs optimum"], table,
             [[""] * len(row) for row in table])]


def main(argv=None):
    parser = argparse.ArgumentParser(description="Writes results.md and report.html for a sweep-results folder.")
    parser.add_argument("root", metavar="R", help="the output folder of `deplsim reproduce paper`")
    args = parser.parse_args(argv)
    root = pathlib.Path(args.root)
    try:
        md, page = build(root)
    except ps.InputError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    ps.atomic_write(root / "results.md", md)
    ps.atomic_write(root / "report.html", page)
    print(f"report: wrote {root / 'results.md'} and {root / 'report.html'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
