#!/usr/bin/python3
"""Regenerates tests/data/sweep-results/: a small sweep-results folder (the layout of `deplsim reproduce paper
--out R`) made of real `deplsim run` units on the tiny test scenarios, then trimmed so that it stays small.

Usage: tests/analysis/make_fixture.py DEPLSIM OUT_DIR   (about a minute on one core)

Every unit runs 20,000 replications so that its guarantee is judged (met/violated), and results.csv holds
the values of those runs; the committed replications.csv keeps only the first KEEP_REPLICATIONS rows and
trace.csv only its first KEEP_TRACE rows (see the folder's README.md). timings.csv and timing.json are what
the machine that made the fixture measured.
"""
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

KEEP_REPLICATIONS = 24
KEEP_TRACE = 2
REPLICATIONS = 20000
SCEN = "tests/data/scenarios"

# name -> (scenarios, grid key, values, orchestrators, seeds)
SWEEPS = [
    ("targets", ["tiny", "one-host"], "target.probability", [0.8, 0.9, 0.95],
     ["depl", "expected-loss", "full-only"], [1]),
    ("losses", ["tiny"], "target.loss", [0.55, 0.6, 0.7, 0.8, 0.9], ["depl", "expected-loss"], [1]),
    ("levels", ["tiny"], "model.learning.levels", [25, 50, 100], ["depl"], [1, 2]),
    ("safety", ["tiny"], "planners.safety_delta", [0, 0.1, 0.2],
     ["expected-loss+safety", "depl", "expected-loss+margin"], [1]),
    ("size", ["tiny"], "target.max_epochs", [12, 30, 60, 120], ["depl", "optimum"], [1]),
]

RESULT_TAIL = ["orchestrator", "seed", "replications", "target_loss", "target_probability", "status", "guarantee",
               "p_predicted", "p_target_met", "p_lo", "p_hi", "energy_j_mean", "energy_lo", "energy_hi",
               "time_s_mean", "energy_vs_optimum"]
TIMING_COLUMNS = ["planner_wall_s", "simulation_wall_s", "peak_rss_mb", "replications_per_s"]


def num(x):
    """The C locale's shortest round-trip form, a whole number without a fraction; None -> empty."""
    if x is None:
        return ""
    if isinstance(x, bool):
        return "1" if x else "0"
    if isinstance(x, int):
        return str(x)
    if float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(float(x))


def head(src, dst, lines):
    with open(src) as f, open(dst, "w") as g:
        for i, line in enumerate(f):
            if i > lines:
                break
            g.write(line)


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    deplsim, out = os.path.abspath(sys.argv[1]), pathlib.Path(sys.argv[2])
    root = pathlib.Path(__file__).resolve().parents[2]
    work = pathlib.Path(tempfile.mkdtemp(prefix="deplsim-fixture."))
    env = dict(os.environ, DEPLSIM_CACHE_DIR=str(work / "cache"))
    if out.exists():
        shutil.rmtree(out)
    for name, scenarios, key, values, orchestrators, seeds in SWEEPS:
        sweep = out / "sweeps" / name
        (sweep / "cells").mkdir(parents=True)
        rows, timings = [], []
        cell_no = 0
        for scenario in scenarios:
            for value in values:
                cell_no += 1
                cell = f"c{cell_no:03d}"
                cdir = sweep / "cells" / cell
                cdir.mkdir()
                override = f"{key}={num(value)}"
                with open(cdir / "cell.json", "w") as f:
                    # As `deplsim sweep` writes it: grid values as written in the sweep file, no --platform.
                    json.dump({"cell": cell, "scenario": scenario, "scenario_file": f"{SCEN}/{scenario}.yaml",
                               "platform": "", "grid": {key: num(value)}, "overrides": [override]},
                              f, indent=2)
                    f.write("\n")
                units = {}
                for orch in orchestrators:
                    for seed in seeds:
                        full = work / name / cell / f"{orch}-s{seed}"
                        cmd = [deplsim, "run", f"{SCEN}/{scenario}.yaml", "--orchestrator", orch, "--seed",
                               str(seed), "--replications", str(REPLICATIONS), "--set", override, "--out", str(full)]
                        rc = subprocess.run(cmd, cwd=root, env=env, stdout=subprocess.DEVNULL,
                                            stderr=subprocess.DEVNULL).returncode
                        if rc not in (0, 3):
                            raise SystemExit(f"{' '.join(cmd)}: exit {rc}")
                        units[(orch, seed)] = json.load(open(full / "summary.json"))
                        keep = cdir / f"{orch}-s{seed}"
                        keep.mkdir()
                        shutil.copy(full / "summary.json", keep / "summary.json")
                        shutil.copy(full / "timing.json", keep / "timing.json")
                        head(full / "replications.csv", keep / "replications.csv", KEEP_REPLICATIONS)
                        head(full / "trace.csv", keep / "trace.csv", KEEP_TRACE)
                        t = json.load(open(full / "timing.json"))
                        timings.append([cell, orch, str(seed)] + [num(t.get(c)) for c in TIMING_COLUMNS])
                for (orch, seed), s in units.items():
                    q, c, pred = s["quality"], s["cost"], s["plan"]["predicted"]
                    opt = units.get(("optimum", seed))
                    vs_opt = None
                    if opt and opt["cost"] and c:
                        vs_opt = c["energy_j_mean"] / opt["cost"]["energy_j_mean"] - 1.0
                    row = [cell, scenario, "", num(value), orch, str(seed), str(s["replications"]),
                           num(s["target"]["loss"]), num(s["target"]["probability"]), s["status"], s["guarantee"],
                           num(pred["p_target_met"]),
                           num(q and q["p_target_met"]), num(q and q["p_target_met_ci95"][0]),
                           num(q and q["p_target_met_ci95"][1]),
                           num(c and c["energy_j_mean"]), num(c and c["energy_j_ci95"][0]),
                           num(c and c["energy_j_ci95"][1]), num(c and c["time_s_mean"]), num(vs_opt)]
                    rows.append(row)
        with open(sweep / "results.csv", "w") as f:
            f.write(",".join(["cell", "scenario", "platform", key] + RESULT_TAIL) + "\n")
            for r in rows:
                f.write(",".join(r) + "\n")
        with open(sweep / "timings.csv", "w") as f:
            f.write(",".join(["cell", "orchestrator", "seed"] + TIMING_COLUMNS) + "\n")
            for r in timings:
                f.write(",".join(r) + "\n")
    shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
