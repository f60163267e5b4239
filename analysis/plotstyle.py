"""Shared by analysis/figures.py and analysis/report.py: reading and checking a sweep-results folder (the layout of
`deplsim reproduce paper --out R`), pooling seeds, the guarantee and gain rules, the orchestrators' colours, and
atomic writes. Python 3 standard library, pandas and matplotlib (Debian's) only.

Errors in the input raise InputError; the scripts print it and exit 2.
"""
import csv
import json
import math
import os
import pathlib
import re
import zlib

import pandas as pd

Z95 = 1.959963984540054          # as docs/outputs.md 3.6
GUARANTEE_REPLICATIONS = 20000   # docs/outputs.md 3.3: the guarantee is judged from this many replications on
GUARANTEE_TOLERANCE = 0.01       # met when simulated P >= p* - 0.01

# The sweeps of `deplsim reproduce paper`, in report order, with what they hold.
KNOWN_SWEEPS = {
    "targets": "the paper scenarios over the target probability p* (target.probability), every planner",
    "losses": "one scenario over the target loss L* (target.loss), every planner",
    "levels": "DepL over the number of loss levels B of its knowledge (model.learning.levels)",
    "safety": "expected-loss+safety over its factor δ (planners.safety_delta), DepL and expected-loss+margin "
              "as references",
    "size": "DepL and the optimum (MILP) over the instance size: the planners' time",
}

STATUSES = ("ok", "infeasible", "insufficient_data", "limit_reached", "error")
GUARANTEES = ("met", "violated", "unknown")
HEAD = ["cell", "scenario", "platform"]
TAIL = ["orchestrator", "seed", "replications", "target_loss", "target_probability", "status", "guarantee",
        "p_predicted", "p_target_met", "p_lo", "p_hi", "energy_j_mean", "energy_lo", "energy_hi", "time_s_mean",
        "energy_vs_optimum"]
RESULT_NUMBERS = ["target_loss", "target_probability", "p_predicted", "p_target_met", "p_lo", "p_hi",
                  "energy_j_mean", "energy_lo", "energy_hi", "time_s_mean", "energy_vs_optimum"]
# Filled in whenever a unit has a plan (status ok).
RESULT_NEEDED_WHEN_OK = ["p_target_met", "p_lo", "p_hi", "energy_j_mean", "energy_lo", "energy_hi", "time_s_mean"]
TIMING_COLUMNS = ["cell", "orchestrator", "seed", "planner_wall_s", "simulation_wall_s", "peak_rss_mb",
                  "replications_per_s"]
REPLICATION_COLUMNS = ["replication", "state", "final_loss", "target_met", "energy_j", "time_s", "epochs"]

# Okabe & Ito's colour-blind-safe palette; one colour, marker and line style per orchestrator in every figure.
OKABE_ITO = {"black": "#000000", "orange": "#E69F00", "skyblue": "#56B4E9", "green": "#009E73",
             "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7",
             "grey": "#999999"}
STYLES = {
    "depl": (OKABE_ITO["blue"], "o", "-"),
    "expected-loss": (OKABE_ITO["vermillion"], "s", "--"),
    "expected-loss+safety": (OKABE_ITO["orange"], "^", "-."),
    "expected-loss+margin": (OKABE_ITO["purple"], "D", ":"),
    "full-only": (OKABE_ITO["green"], "v", "--"),
    "pruned-only": (OKABE_ITO["skyblue"], "P", "-."),
    "optimum": (OKABE_ITO["black"], "*", ":"),
    "exhaustive": (OKABE_ITO["grey"], "X", ":"),
}
_FALLBACK = [(OKABE_ITO["yellow"], "h"), (OKABE_ITO["grey"], "p"), (OKABE_ITO["skyblue"], "<"),
             (OKABE_ITO["green"], ">"), (OKABE_ITO["orange"], "d")]

KEY_LABELS = {
    "target.probability": "target probability p*",
    "target.loss": "target loss L* (test loss)",
    "model.learning.levels": "loss levels B (model.learning.levels)",
    "planners.safety_delta": "safety factor δ (planners.safety_delta)",
    "target.max_epochs": "epoch horizon (target.max_epochs, epochs)",
    "target.deadline_s": "deadline (target.deadline_s, s)",
}

_NUMBER = re.compile(r"^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$")
_INTEGER = re.compile(r"^[-+]?\d+$")


class InputError(Exception):
    """A missing file or folder, or a malformed CSV: the scripts exit 2 with this message."""


def style(orchestrator):
    """(colour, marker, line style) of an orchestrator, the same in every figure."""
    if orchestrator in STYLES:
        return STYLES[orchestrator]
    colour, marker = _FALLBACK[zlib.crc32(orchestrator.encode()) % len(_FALLBACK)]
    return colour, marker, "--"


def key_label(key):
    return KEY_LABELS.get(key, key)


# ---------------------------------------------------------------------------------------------------------------
# Reading


def read_csv(path, required, numbers=(), integers=(), choices=None, optional_integers=()):
    """Reads a CSV file strictly: the header must hold every `required` column, every row as many fields as the
    header, `numbers` C-locale numbers or empty, `integers` integers (`optional_integers` may be empty),
    `choices` {column: allowed values}. Returns (header, list of dicts); numbers as float and integers as int,
    None when empty."""
    path = pathlib.Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    choices = choices or {}
    try:
        with open(path, newline="", encoding="utf-8") as f:
            lines = list(csv.reader(f))
    except (UnicodeDecodeError, csv.Error) as e:
        raise InputError(f"{path}: not a readable CSV file ({e})")
    if not lines or not lines[0]:
        raise InputError(f"{path}: empty file, expected a header line")
    header = lines[0]
    seen = set()
    for name in header:
        if name in seen:
            raise InputError(f"{path}: column '{name}' appears twice in the header")
        seen.add(name)
    for name in required:
        if name not in seen:
            raise InputError(f"{path}: missing column '{name}' in the header")
    rows = []
    for number, fields in enumerate(lines[1:], start=2):
        if not fields:
            continue
        if len(fields) != len(header):
            raise InputError(f"{path}: line {number}: {len(fields)} fields, the header has {len(header)}")
        row = dict(zip(header, fields))
        for column in numbers:
            value = row[column]
            if value == "":
                row[column] = None
            elif _NUMBER.match(value):
                row[column] = float(value)
            else:
                raise InputError(f"{path}: line {number}: column '{column}': '{value}' is not a number")
        for column in integers:
            value = row[column]
            if value == "" and column in optional_integers:
                row[column] = None
                continue
            if not _INTEGER.match(value):
                raise InputError(f"{path}: line {number}: column '{column}': '{value}' is not an integer")
            row[column] = int(value)
        for column, allowed in choices.items():
            if row[column] not in allowed:
                raise InputError(f"{path}: line {number}: column '{column}': '{row[column]}' is not one of "
                                 f"{', '.join(allowed)}")
        rows.append(row)
    return header, rows


class Sweep:
    """One sweep folder: results (DataFrame, one row per cell x orchestrator x seed, file order), timings
    (DataFrame), grid keys (in sweep order) and its folder."""

    def __init__(self, name, path):
        self.name = name
        self.path = pathlib.Path(path)
        results_path = self.path / "results.csv"
        header, rows = read_csv(results_path, HEAD + TAIL, numbers=RESULT_NUMBERS,
                                integers=["seed", "replications"], optional_integers=["replications"],
                                choices={"status": STATUSES, "guarantee": GUARANTEES})
        if header[:3] != HEAD:
            raise InputError(f"{results_path}: the header must start with {','.join(HEAD)}")
        start, stop = 3, header.index("orchestrator")
        self.grid_keys = header[start:stop]
        for i, row in enumerate(rows, start=2):
            if row["replications"] is None:  # a failed unit (status error) wrote no results: none counted
                if row["status"] != "error":
                    raise InputError(f"{results_path}: line {i}: column 'replications' is empty")
                row["replications"] = 0
            if row["status"] == "ok":
                for column in RESULT_NEEDED_WHEN_OK:
                    if row[column] is None:
                        raise InputError(f"{results_path}: line {i}: column '{column}' is empty for a unit "
                                         f"with status ok")
            for column in ("target_loss", "target_probability"):
                if row[column] is None and row["status"] != "error":
                    raise InputError(f"{results_path}: line {i}: column '{column}' is empty")
            for key in self.grid_keys:
                value = row[key]
                row[key] = float(value) if _NUMBER.match(value) else value
        cell_of = {}
        for i, row in enumerate(rows, start=2):
            where = (row["scenario"], row["platform"]) + tuple(row[k] for k in self.grid_keys)
            if cell_of.setdefault(row["cell"], where) != where:
                raise InputError(f"{results_path}: line {i}: cell {row['cell']} has another scenario, platform or "
                                 f"grid value than on its first line")
        self.results = pd.DataFrame(rows, columns=header)
        # A failed unit (status error) may lack its target: it is the cell's, so take it from the cell's other units.
        for column in ("target_loss", "target_probability"):
            known = self.results.dropna(subset=[column]).groupby("cell")[column].first()
            gaps = self.results[column].isna()
            self.results.loc[gaps, column] = self.results.loc[gaps, "cell"].map(known)
        timings_path = self.path / "timings.csv"
        _, trows = read_csv(timings_path, TIMING_COLUMNS, numbers=TIMING_COLUMNS[3:], integers=["seed"])
        self.timings = pd.DataFrame(trows, columns=TIMING_COLUMNS)
        self.orchestrators = list(dict.fromkeys(self.results["orchestrator"]))
        self.scenarios = list(dict.fromkeys(self.results["scenario"]))
        self.seeds = sorted(set(self.results["seed"]))

    def unit_folder(self, cell, orchestrator, seed):
        return self.path / "cells" / cell / f"{orchestrator}-s{seed}"

    def final_losses(self, cell, orchestrator, seed):
        """The final test losses of one unit, from its replications.csv."""
        path = self.unit_folder(cell, orchestrator, seed) / "replications.csv"
        _, rows = read_csv(path, REPLICATION_COLUMNS, numbers=["final_loss"])
        return [r["final_loss"] for r in rows if r["final_loss"] is not None]


def load_root(root):
    """{name: Sweep} for every folder under ROOT/sweeps with a results.csv, known sweeps first in report order,
    then the others by name."""
    root = pathlib.Path(root)
    if not root.is_dir():
        raise InputError(f"{root}: no such folder")
    sweeps_dir = root / "sweeps"
    if not sweeps_dir.is_dir():
        raise InputError(f"{sweeps_dir}: no such folder (expected the output of `deplsim reproduce paper`)")
    names = sorted(p.name for p in sweeps_dir.iterdir() if p.is_dir() and not is_coverage(p))
    for name in names:
        if not (sweeps_dir / name / "results.csv").is_file():
            raise InputError(f"{sweeps_dir / name / 'results.csv'}: no such file")
    if not names:
        raise InputError(f"{sweeps_dir}: no sweep folder in it")
    order = [n for n in KNOWN_SWEEPS if n in names] + [n for n in names if n not in KNOWN_SWEEPS]
    return {name: Sweep(name, sweeps_dir / name) for name in order}


def is_coverage(folder):
    """A coverage sweep's folder (coverage.csv and summary.json, no results.csv): docs/sweeps.md."""
    folder = pathlib.Path(folder)
    return (folder / "coverage.csv").is_file() and not (folder / "results.csv").is_file()


def load_coverage(root):
    """{name: (folder, summary)} for every coverage sweep under ROOT/sweeps, by name."""
    sweeps_dir = pathlib.Path(root) / "sweeps"
    out = {}
    if not sweeps_dir.is_dir():
        return out
    for p in sorted(sweeps_dir.iterdir()):
        if p.is_dir() and is_coverage(p):
            path = p / "summary.json"
            try:
                summary = json.loads(path.read_text(encoding="utf-8"))
                summary["cells"][0]["planners"]
            except (OSError, ValueError, KeyError, IndexError, TypeError) as e:
                raise InputError(f"{path}: not a coverage summary ({e})")
            out[p.name] = (p, summary)
    return out


# ---------------------------------------------------------------------------------------------------------------
# Statistics


def wilson(k, n, z=Z95):
    """Wilson score interval for k successes out of n, clipped to [0, 1] (docs/outputs.md 3.6)."""
    if n <= 0:
        return (math.nan, math.nan)
    p = k / n
    d = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / d
    half = z / d * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (max(0.0, centre - half), min(1.0, centre + half))


def judge(p, n, p_star):
    """The guarantee of docs/outputs.md 3.3 from a simulated P over n independent runs: met within the tolerance
    (P >= p* - 0.01 on at least 20,000 runs, or the whole Wilson interval at or above p* - 0.01), violated when the
    whole interval lies below p*, unknown when it straddles."""
    if n <= 0:
        return "unknown"
    lo, hi = wilson(round(p * n), n)
    if (n >= GUARANTEE_REPLICATIONS and p >= p_star - GUARANTEE_TOLERANCE) or lo >= p_star - GUARANTEE_TOLERANCE:
        return "met"
    return "violated" if hi < p_star else "unknown"


def aggregate(sweep):
    """One row per (cell, orchestrator), seeds pooled, in results.csv order. One seed: its row unchanged.
    Several: P over all their replications with its Wilson interval and guarantee recomputed, energy and time
    the replication-weighted means, the energy interval the envelope of the seeds' intervals, the prediction
    and energy_vs_optimum their means. status is `ok` when every seed has a plan, `partial` when some do (then
    only those are pooled), else the first seed's status. Adds `seeds`, `seeds_ok`, `meets` (see meets())."""
    out = []
    df = sweep.results
    for (cell, orch), group in df.groupby(["cell", "orchestrator"], sort=False):
        first = group.iloc[0]
        row = {c: _v(first[c]) for c in HEAD + sweep.grid_keys + ["orchestrator", "target_loss",
                                                                  "target_probability"]}
        ok = group[group["status"] == "ok"]
        row["seeds"] = len(group)
        row["seeds_ok"] = len(ok)
        if len(group) == 1:
            for c in ["replications", "status", "guarantee"] + RESULT_NUMBERS[2:]:
                row[c] = _v(first[c])
        elif len(ok) == 0:
            row.update({c: None for c in RESULT_NUMBERS[2:]})
            row.update(replications=int(group["replications"].sum()), status=first["status"], guarantee="unknown")
        else:
            n = int(ok["replications"].sum())
            k = sum(round(p * m) for p, m in zip(ok["p_target_met"], ok["replications"]))
            p = k / n
            lo, hi = wilson(k, n)
            w = ok["replications"] / n
            row.update(replications=n, status="ok" if len(ok) == len(group) else "partial",
                       guarantee=judge(p, n, row["target_probability"]),
                       p_predicted=_mean(ok["p_predicted"]), p_target_met=p, p_lo=lo, p_hi=hi,
                       energy_j_mean=float((ok["energy_j_mean"] * w).sum()),
                       energy_lo=float(ok["energy_lo"].min()), energy_hi=float(ok["energy_hi"].max()),
                       time_s_mean=float((ok["time_s_mean"] * w).sum()),
                       energy_vs_optimum=_mean(ok["energy_vs_optimum"]))
        times = sweep.timings[(sweep.timings["cell"] == cell) & (sweep.timings["orchestrator"] == orch)]
        planner = [float(t) for t in times["planner_wall_s"] if not missing(t)]
        row["planner_wall_s"] = float(pd.Series(planner).median()) if planner else None
        row["planner_wall_s_min"] = min(planner) if planner else None
        row["planner_wall_s_max"] = max(planner) if planner else None
        row["meets"] = meets(row)
        out.append(row)
    return pd.DataFrame(out)


def _v(x):
    """A value of a DataFrame cell as Python: None for a missing number, int or float or str otherwise."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    if hasattr(x, "item"):
        x = x.item()
        if isinstance(x, float) and math.isnan(x):
            return None
    return x


def missing(x):
    return _v(x) is None


def _mean(series):
    values = [v for v in series if v is not None and not pd.isna(v)]
    return float(sum(values) / len(values)) if values else None


def meets(row):
    """Whether a (pooled) unit kept the promise P(L <= L*) >= p*, for the gain comparison: guarantee met, or,
    with fewer than 20,000 replications (guarantee unknown), a simulated P >= p*."""
    if row["status"] != "ok" or missing(row["p_target_met"]):
        return False
    if row["guarantee"] == "met":
        return True
    return (row["guarantee"] == "unknown" and row["replications"] < GUARANTEE_REPLICATIONS
            and row["p_target_met"] >= row["target_probability"])


BASELINE_EXCLUDED = ("depl", "optimum", "exhaustive")


def gains(agg):
    """DepL's gain over each baseline, per cell: baseline energy / DepL energy - 1 (0.12: the baseline spends 12%
    more), only where both meet p* (meets()). Returns a DataFrame: cell, baseline, gain; plus the cells of each
    baseline left out, with why (column `why`; gain None)."""
    out = []
    for cell, group in agg.groupby("cell", sort=False):
        depl = group[group["orchestrator"] == "depl"]
        if depl.empty:
            continue
        d = depl.iloc[0]
        for _, b in group.iterrows():
            if b["orchestrator"] in BASELINE_EXCLUDED:
                continue
            why = None
            if not d["meets"]:
                why = "depl misses p*" if d["status"] == "ok" else f"depl has no plan ({d['status']})"
            elif not b["meets"]:
                why = "baseline misses p*" if b["status"] == "ok" else f"baseline has no plan ({b['status']})"
            gain = None if why else b["energy_j_mean"] / d["energy_j_mean"] - 1.0
            out.append({"cell": cell, "baseline": b["orchestrator"], "gain": gain, "why": why})
    return pd.DataFrame(out, columns=["cell", "baseline", "gain", "why"])


# ---------------------------------------------------------------------------------------------------------------
# Formatting and writing


def fmt_num(x, digits=6):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    if isinstance(x, float):
        return f"{x:.{digits}g}"
    return str(x)


def fmt_p(x):
    return "" if x is None or pd.isna(x) else f"{x:.4f}"


def fmt_pct(x):
    return "" if x is None or pd.isna(x) else f"{100 * x:+.1f}%"


def atomic_write(path, data):
    """Writes bytes or text to PATH through a temporary file in the same folder, renamed into place."""
    path = pathlib.Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    mode = "wb" if isinstance(data, bytes) else "w"
    try:
        with open(tmp, mode, **({} if mode == "wb" else {"encoding": "utf-8", "newline": "\n"})) as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
