#!/usr/bin/python3
"""Combine profiles measured at different global batch sizes into one profile with a `batch` column.

    /usr/bin/python3 analysis/profile/combine_batches.py --out scenarios/profiles/fashion-mnist-batches --seeds 60 \
        32=scenarios/profiles/fashion-mnist 64=/tmp/b64/fashion-mnist 128=/tmp/b128/fashion-mnist

Each input is the PREFIX of a profile written by profile_fashion_mnist.py (PREFIX.csv and PREFIX.meta.yaml) measured
at global batch B (its meta's training.batch_size must say B). They must be the same experiment apart from the batch
and the learning rate: the same network, versions, runs, data fractions, epochs and data sets; each must hold at
least --seeds seeds. The output keeps seeds 1..N of each (a seed's rows do not depend on how many seeds were
measured), adds the batch as the first column, and writes OUT.csv and OUT.meta.yaml (what each batch's profile was,
how it was measured, and how a global batch maps to nodes). docs/profiles.md section 11 describes the result.
"""
from __future__ import annotations

import argparse
import csv
import datetime
import io
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from plotstyle import atomic_write  # noqa: E402
from profile_fashion_mnist import to_yaml  # noqa: E402

# The meta keys that must agree between the inputs: the same experiment at another batch. Versions are compared by
# what they are (counts and layers), not by the per-run checks or prose that the profiler's later versions reword.
SAME = ("runs", "data_fractions", "epochs", "switch_epochs", "network")
VERSION_KEYS = ("name", "pruning", "flops_per_sample", "param_bytes", "nonzero_weights", "biases", "layers", "hidden")
SAME_TRAINING = ("optimizer", "loss", "last_partial_batch", "input")
SAME_DATA = ("dataset", "files_sha256", "pool", "fractions", "validation", "test")


def fail(message: str) -> None:
    print(f"combine_batches.py: {message}", file=sys.stderr)
    sys.exit(2)


def read_input(spec: str, seeds: int) -> tuple[int, dict, list[list[str]], list[str]]:
    if "=" not in spec:
        fail(f"'{spec}': expected BATCH=PREFIX (PREFIX.csv and PREFIX.meta.yaml)")
    b, prefix = spec.split("=", 1)
    try:
        batch = int(b)
    except ValueError:
        fail(f"'{spec}': the batch '{b}' is not a whole number")
    if batch < 1:
        fail(f"'{spec}': the batch must be >= 1")
    csv_path, meta_path = Path(prefix + ".csv"), Path(prefix + ".meta.yaml")
    for p in (csv_path, meta_path):
        if not p.is_file():
            fail(f"'{spec}': no file {p}")
    try:
        meta = yaml.safe_load(meta_path.read_text())
    except yaml.YAMLError as e:
        fail(f"{meta_path}: not YAML: {e}")
    if not isinstance(meta, dict) or not isinstance(meta.get("training"), dict):
        fail(f"{meta_path}: no training section (a meta file of profile_fashion_mnist.py?)")
    if meta["training"].get("batch_size") != batch:
        fail(f"{meta_path}: training.batch_size is {meta['training'].get('batch_size')}, not {batch}")
    with csv_path.open(newline="") as f:
        rows = list(csv.reader(f))
    if not rows or "seed" not in rows[0] or "batch" in rows[0]:
        fail(f"{csv_path}: expected a profile header with a seed column and no batch column")
    header, body = rows[0], [r for r in rows[1:] if r]
    si = header.index("seed")
    seeds_of = []
    for n, r in enumerate(body, start=2):
        try:
            seeds_of.append(int(r[si]) if len(r) == len(header) else None)
        except ValueError:
            seeds_of.append(None)
        if seeds_of[-1] is None:
            fail(f"{csv_path}:{n}: expected {len(header)} fields with a whole-number seed")
    have = set(seeds_of)
    missing = [s for s in range(1, seeds + 1) if s not in have]
    if missing:
        fail(f"{csv_path}: lacks seed{'s' if len(missing) > 1 else ''} {', '.join(map(str, missing[:10]))} of 1..{seeds}")
    return batch, meta, [r for r, s in zip(body, seeds_of) if s <= seeds], header


def versions(meta: dict) -> list:
    return [{k: v.get(k) for k in VERSION_KEYS} for v in meta.get("versions") or []]


def pruning(meta: dict) -> tuple:
    p = meta.get("pruning") or {}
    return p.get("kind", "unstructured"), p.get("method")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("inputs", nargs="+", help="BATCH=PREFIX, one per batch (at least two)")
    p.add_argument("--out", required=True, help="OUT.csv and OUT.meta.yaml are written")
    p.add_argument("--seeds", type=int, required=True, help="keep seeds 1..N of every batch")
    a = p.parse_args(argv)
    if a.seeds < 2:
        fail("--seeds must be >= 2")
    inputs = [read_input(s, a.seeds) for s in a.inputs]
    if len(inputs) < 2:
        fail("give at least two batches")
    batches = [b for b, *_ in inputs]
    if len(set(batches)) != len(batches):
        fail(f"a batch given twice: {batches}")
    inputs.sort(key=lambda t: t[0])
    first_batch, first, _, header = inputs[0]
    for batch, meta, _, h in inputs[1:]:
        if h != header:
            fail(f"batch {batch}: columns {h} differ from batch {first_batch}'s {header}")
        for k in SAME:
            if meta.get(k) != first.get(k):
                fail(f"batch {batch}: '{k}' differs from batch {first_batch}'s: not the same experiment")
        if versions(meta) != versions(first):
            fail(f"batch {batch}: 'versions' differ from batch {first_batch}'s: not the same experiment")
        if pruning(meta) != pruning(first):
            fail(f"batch {batch}: 'pruning' (kind or method) differs from batch {first_batch}'s: not the same experiment")
        for section, keys in (("training", SAME_TRAINING), ("data", SAME_DATA)):
            for k in keys:
                if meta.get(section, {}).get(k) != first.get(section, {}).get(k):
                    fail(f"batch {batch}: {section}.{k} differs from batch {first_batch}'s: not the same experiment")

    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["batch"] + header)
    for batch, _, rows, _ in inputs:
        for r in rows:
            w.writerow([batch] + r)
    name = Path(a.out).name
    meta_out = {
        "profile": f"{name}.csv",
        "generated_by": "analysis/profile/combine_batches.py",
        "command": " ".join(["/usr/bin/python3", "analysis/profile/combine_batches.py"] + (argv if argv is not None else sys.argv[1:])),
        "generated_at_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "csv_rows": sum(len(rows) for _, _, rows, _ in inputs),
        "batch_column": "the global batch B each row was measured at: one process training on B images per SGD step "
                        "(the mean gradient over B images). Data-parallel training of the same global batch over n nodes "
                        "(local batch B/n each, gradients averaged by the all-reduce) takes the same steps, so a batch's "
                        "rows stand for any number of nodes n dividing it (the network has no batch normalisation, whose "
                        "statistics would depend on the local batch)",
        "seeds": {"count": a.seeds, "first": 1, "last": a.seeds,
                  "note": "seeds 1..N of each batch's profile; a seed fixes the initial weights at every batch and the "
                          "batch order within each batch's runs"},
        "batches": [
            {"batch_size": batch, "lr": meta["training"].get("lr"), "from": meta.get("profile"),
             "measured_at_utc": meta.get("generated_at_utc"), "command": meta.get("command"),
             "seeds_measured": meta.get("seeds", {}).get("count"), "blas": meta.get("software", {}).get("blas"),
             "training_s": meta.get("time", {}).get("training_s")}
            for batch, meta, _, _ in inputs],
    }
    lrs = [meta["training"].get("lr") for _, meta, _, _ in inputs]
    ratios = {round(lr / batch, 12) if isinstance(lr, (int, float)) else None for lr, (batch, *_) in zip(lrs, inputs)}
    meta_out["lr_rule"] = (f"linear scaling (Goyal et al., 'Accurate, Large Minibatch SGD: Training ImageNet in 1 Hour', 2017): "
                           f"lr = {next(iter(ratios)):g} x B" if len(ratios) == 1 and None not in ratios
                           else "not one rule: each batch's lr is listed under batches")
    for k in ("runs", "data_fractions", "epochs", "switch_epochs", "network"):
        meta_out[k] = first.get(k)
    meta_out["versions"] = versions(first)
    meta_out["pruning"] = dict(first.get("pruning") or {}, kind=pruning(first)[0])
    meta_out["cost_convention"] = first.get("cost_convention")
    meta_out["training"] = {k: first["training"].get(k) for k in SAME_TRAINING}
    meta_out["data"] = first.get("data")
    meta_out["software"] = first.get("software")
    out_csv, out_meta = Path(a.out + ".csv"), Path(a.out + ".meta.yaml")
    out_csv.parent.mkdir(parents=True, exist_ok=True)
    head = "# GENERATED by analysis/profile/combine_batches.py; do not edit by hand (docs/profiles.md).\n"
    atomic_write(out_csv, out.getvalue())
    atomic_write(out_meta, head + to_yaml(meta_out) + "\n")
    print(f"wrote {out_csv} ({meta_out['csv_rows']} rows, batches {', '.join(str(b) for b, *_ in inputs)}) and {out_meta}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
