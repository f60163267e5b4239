#!/usr/bin/env python3
"""The paper scenarios' plans under the richer training model: iterations instead of rounds, unstructured instead of
sparse-costed pruning (docs/results.md, "The paper scenarios under the richer model").

  /usr/bin/python3 analysis/model_variants.py --deplsim build/release/deplsim --out results/model-variants

Each scenario is planned by every orchestrator named in --orchestrators under four cost models, the learning left
as it is (neither setting changes what a version learns, so every claim is the same and only the costs and the
plans move):
  rounds                    the paper's abstraction as shipped: R rounds of compute then synchronisation per epoch,
                            pruned versions charged their non-zero flops and bytes (docs/model.md 4.2);
  iterations                data-parallel SGD at the scenario's global batch, bucketed all-reduce overlapping the
                            backward pass (`--set training.mode=iterations`, docs/model.md 4.14);
  rounds+unstructured       every version but the first declared `pruning_kind: unstructured`: masks in dense
                            tensors, so dense flops and dense gradients (docs/model.md 4.11);
  iterations+unstructured   both.
Writes model_variants.csv (scenario, variant, orchestrator, status, energy, time, the plan) and model_variants.md
(per scenario: each planner's energy per variant, depl's saving over full-only and its gap to the optimum),
atomically. Planned costs are what the simulation measures (the cost model agrees with SimGrid within 1e-6, tested),
so no replication is run.
"""
from __future__ import annotations

import argparse
import os
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from plans import csv_text, describe, plan  # noqa: E402
from plotstyle import atomic_write  # noqa: E402
SCENARIOS = ("alexnet-cifar10", "alexnet-gtsrb", "mobilenet-cifar10", "mobilenet-gtsrb")
ORCHESTRATORS = ("full-only", "pruned-only", "expected-loss+margin", "depl", "optimum")
VARIANTS = ("rounds", "iterations", "rounds+unstructured", "iterations+unstructured")


def overrides(scenario: str, variant: str) -> list[str]:
    """The --set arguments that turn the shipped scenario into the variant."""
    with open(scenario, encoding="utf-8") as f:
        sc = yaml.safe_load(f)
    sets = []
    if variant.startswith("iterations"):
        sets += ["training.mode=iterations"]
        if "rounds_per_epoch" in (sc.get("training") or {}):
            sets += ["training.rounds_per_epoch=null"]
    if variant.endswith("unstructured"):
        sets += [f"model.versions.{v['name']}.pruning_kind=unstructured" for v in sc["model"]["versions"][1:]]
    return sets


def with_data(p: dict) -> str:
    """The plan in one line, its data sources first."""
    if p["status"] != "ok":
        return p["status"]
    return f"data {'+'.join(p['data_sources'])}: " + describe(p)


def energy(rows: list[dict], scenario: str, variant: str, orchestrator: str):
    for r in rows:
        if (r["scenario"], r["variant"], r["orchestrator"]) == (scenario, variant, orchestrator) and r["status"] == "ok":
            return float(r["energy_j"])
    return None


def percent(a, b) -> str:
    return f"{100 * (a / b - 1):+.1f}%" if a is not None and b else "-"


def markdown(rows: list[dict], scenarios: list[str], orchestrators: list[str]) -> str:
    lines = ["# The paper scenarios under the richer model", "",
             "Planned energy in J (equal to the simulated one); `-`: no plan (infeasible).", ""]
    for sc in scenarios:
        lines += [f"## {sc}", "",
                  "| variant | " + " | ".join(orchestrators) + " | depl vs full-only | depl vs optimum |",
                  "|---|" + "---|" * (len(orchestrators) + 2)]
        for v in VARIANTS:
            e = {o: energy(rows, sc, v, o) for o in orchestrators}
            cells = [f"{e[o]:.1f}" if e[o] is not None else "-" for o in orchestrators]
            lines.append(f"| {v} | " + " | ".join(cells) + f" | {percent(e.get('depl'), e.get('full-only'))} | "
                         f"{percent(e.get('depl'), e.get('optimum'))} |")
        lines += ["", "depl's plans:", ""]
        for v in VARIANTS:
            plan_text = next((r["plan"] for r in rows if (r["scenario"], r["variant"], r["orchestrator"]) == (sc, v, "depl")), "-")
            lines.append(f"- {v}: {plan_text}")
        lines.append("")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--deplsim", required=True, help="the deplsim binary")
    ap.add_argument("--out", required=True, help="folder for model_variants.csv and model_variants.md")
    ap.add_argument("--scenarios", default=",".join(SCENARIOS),
                    help="paper scenario names or scenario files, comma-separated (default: the four paper scenarios)")
    ap.add_argument("--orchestrators", default=",".join(ORCHESTRATORS), help="planners (default: %(default)s)")
    a = ap.parse_args(argv)
    scenarios = [s if s.endswith((".yaml", ".yml")) else os.path.join(ROOT, "scenarios", "paper", f"{s}.yaml")
                 for s in a.scenarios.split(",") if s]
    orchestrators = [o for o in a.orchestrators.split(",") if o]
    os.makedirs(a.out, exist_ok=True)
    rows = []
    for path in scenarios:
        name = os.path.splitext(os.path.basename(path))[0]
        for v in VARIANTS:
            sets = overrides(path, v)
            for o in orchestrators:
                p = plan(a.deplsim, path, "--orchestrator", o, *[x for s in sets for x in ("--set", s)])
                ok = p["status"] == "ok"
                rows.append({"scenario": name, "variant": v, "orchestrator": o, "status": p["status"],
                             "energy_j": repr(p["predicted"]["energy_j"]) if ok else "",
                             "time_s": repr(p["predicted"]["time_s"]) if ok else "", "plan": with_data(p)})
                print(f"{name} {v} {o}: {rows[-1]['plan']}", file=sys.stderr)
    names = [os.path.splitext(os.path.basename(s))[0] for s in scenarios]
    atomic_write(os.path.join(a.out, "model_variants.csv"), csv_text(rows, ["scenario"]))
    atomic_write(os.path.join(a.out, "model_variants.md"), markdown(rows, names, orchestrators))
    return 0


if __name__ == "__main__":
    sys.exit(main())
