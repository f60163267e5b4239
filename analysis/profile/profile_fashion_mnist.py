#!/usr/bin/env python3
"""Measure a learning profile (docs/model.md 0.8, docs/profiles.md) by really training a small network on Fashion-MNIST.

Writes scenarios/profiles/fashion-mnist.csv (the trace profile deplsim loads, `kind: traces`) and
scenarios/profiles/fashion-mnist.meta.yaml (how it was measured).  docs/profiles.md describes both.

  nice -n 10 /usr/bin/python3 analysis/profile/profile_fashion_mnist.py --fresh   # regenerate from scratch
  /usr/bin/python3 analysis/profile/profile_fashion_mnist.py                      # resume an interrupted run
  /usr/bin/python3 analysis/profile/profile_fashion_mnist.py --quick              # smoke test (seconds)

Needs Debian's python3-torch and dataset-fashion-mnist (nothing is downloaded).  Uses one CPU thread
(--threads) unless --device cuda.  With Debian's reference BLAS (libblas3) the CPU run is ~10x slower than
with OpenBLAS: see docs/profiles.md.

What is measured (defaults; the constants below):
- network: MLP 784-128-64-10 with ReLU (109,386 parameters);
- versions: full; p50 and p75, pruned by magnitude (torch.nn.utils.prune.l1_unstructured on every Linear
  weight, per layer, biases untouched) at initialisation and trained with the mask kept;
- runs (schedules, the profile's `run` column): full, p50, p75 from scratch, and the switches
  full>p50@s, full>p75@s (prune the trained full network after epoch s, keep the mask) and p75>full@s
  (prune.remove: the zeroed weights train again) for s in --switch-epochs.  A switch run continues from
  its base run's state after epoch s with the same batch order, so its epochs 1..s are the base run's;
- plain SGD (no momentum, no weight decay), fixed learning rate and batch size, cross-entropy;
- data fractions 0.25, 0.5, 1.0 of a fixed pool of the training split (fraction f = first f of the pool's
  fixed order); validation and test loss (mean cross-entropy) on two fixed disjoint sets from the official
  test split after every epoch (fashion_mnist_data.py);
- seeds 1..N: seed s fixes the initial weights (the same for every version and data fraction) and the batch
  order of every epoch (the same for every run at a data fraction, so runs that share a seed share noise).

Resumable: each (run, data fraction, seed) is one JSON file in the work folder (default
OUT_DIR/fashion-mnist.partial/), written atomically when the run finishes; a rerun skips finished runs, so
a killed process loses at most the runs in progress.  The CSV and the meta file are written (atomically)
once every run is measured.
"""
from __future__ import annotations

import argparse
import copy
import datetime
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import fashion_mnist_data as fm  # noqa: E402

NAME = "fashion-mnist"
DEFAULT_OUT = os.path.join(ROOT, "scenarios", "profiles")
QUICK_OUT = "/tmp/deplsim-profile-quick"

REGENERATE = "nice -n 10 /usr/bin/python3 analysis/profile/profile_fashion_mnist.py --fresh  (docs/profiles.md)"

# --- what is measured -------------------------------------------------------------------------------
HIDDEN = (128, 64)
VERSIONS = {"full": 0.0, "p50": 0.5, "p75": 0.75}   # name -> fraction of each layer's weights pruned
BASES = ("full", "p50", "p75")
SWITCHES = (("full", "p50"), ("full", "p75"), ("p75", "full"))
PRUNING = "unstructured"
# --pruning structured: whole hidden neurons removed (the rows of their layer, their bias, and the columns of the
# next layer that read them), so a pruned version is a smaller dense network; its own profile and versions.
STRUCTURED = dict(name="fashion-mnist-structured", versions={"full": 0.0, "s50": 0.5, "s75": 0.75},
                  bases=("full", "s50", "s75"), switches=(("full", "s50"), ("full", "s75"), ("s75", "full")))


def use_pruning(kind: str) -> None:
    """Switch the module's settings to the structured profile (the unstructured one is the default)."""
    global NAME, VERSIONS, BASES, SWITCHES, PRUNING, REGENERATE
    if kind == "structured":
        NAME, VERSIONS = STRUCTURED["name"], dict(STRUCTURED["versions"])
        BASES, SWITCHES = STRUCTURED["bases"], STRUCTURED["switches"]
        REGENERATE = REGENERATE.replace("--fresh", "--pruning structured --fresh")
    PRUNING = kind
FRACTIONS = (0.25, 0.5, 1.0)
DEFAULTS = dict(pool_size=8000, holdout_size=2000, batch_size=32, lr=0.02, epochs=20, seeds=100,
                switch_epochs=(5, 10))
QUICK = dict(pool_size=400, holdout_size=200, seeds=2, epochs=2, switch_epochs=(1,))
FP32 = 4
# Stream words of the seed keys (fashion_mnist_data.key): what a seed controls.
INIT_WORD, ORDER_WORD = 1, 2
# Relative cost of evaluating a sample (forward only) against training on it (forward + backward), for
# the time-left estimate only.
EVAL_COST = 1.0 / 3.0


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def hms(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def atomic_write(path: str, text: str) -> None:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = f"{path}.tmp.{os.getpid()}"
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


# --- runs ---------------------------------------------------------------------------------------------
def switch_run(a: str, b: str, s: int) -> str:
    return f"{a}>{b}@{s}"


def run_names(switch_epochs) -> list[str]:
    return list(BASES) + [switch_run(a, b, s) for s in switch_epochs for a, b in SWITCHES]


def parse_run(name: str):
    """(versions, switch_after) of a run name 'A' or 'A>B@S'."""
    if ">" not in name:
        return [name], []
    a, rest = name.split(">")
    b, s = rest.split("@")
    return [a, b], [int(s)]


def version_at(name: str, epoch: int) -> str:
    versions, after = parse_run(name)
    return versions[sum(1 for s in after if s < epoch)]


def unit_file(work: str, run: str, fraction: float, seed: int) -> str:
    safe = run.replace(">", "-to-").replace("@", "-at-")
    return os.path.join(work, "units", f"{safe}__f{fraction!r}__s{seed}.json")


# --- the network ----------------------------------------------------------------------------------------
def torch_setup(device_arg: str, threads: int):
    if device_arg in ("cuda", "auto"):
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # deterministic cuBLAS
    import torch
    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(threads)
    except RuntimeError:
        pass  # already set (only possible once per process)
    if device_arg == "auto":
        device_arg = "cuda" if torch.cuda.is_available() else "cpu"
    if device_arg == "cuda" and not torch.cuda.is_available():
        raise SystemExit("error: --device cuda but torch.cuda.is_available() is False")
    if device_arg == "cuda":
        torch.backends.cudnn.benchmark = False
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.use_deterministic_algorithms(True, warn_only=True)
    return torch, torch.device(device_arg)


class Trainer:
    def __init__(self, torch, device, cfg: dict, splits: fm.Splits):
        import torch.nn as nn
        import torch.nn.functional as F
        import torch.nn.utils.prune as prune
        self.torch, self.nn, self.F, self.prune = torch, nn, F, prune
        self.device, self.cfg = device, cfg
        pool = torch.tensor(splits.pool_x, dtype=torch.float32) / 255.0
        # Standardise with the pool's pixel mean and std (one number each, fixed for every fraction).
        self.mean, self.std = float(pool.mean()), float(pool.std())
        norm = lambda a: ((torch.tensor(a, dtype=torch.float32) / 255.0 - self.mean) / self.std).to(device)  # noqa: E731
        label = lambda a: torch.tensor(a.astype("int64")).to(device)  # noqa: E731
        self.x, self.y = norm(splits.pool_x), label(splits.pool_y)
        self.val_x, self.val_y = norm(splits.val_x), label(splits.val_y)
        self.test_x, self.test_y = norm(splits.test_x), label(splits.test_y)

    def build(self, seed: int):
        torch, nn = self.torch, self.nn
        torch.manual_seed(fm.key(seed, INIT_WORD) >> 1)  # PyTorch's default initialisation, seeded
        layers, width = [], fm.PIXELS
        for h in HIDDEN:
            layers += [nn.Linear(width, h), nn.ReLU()]
            width = h
        layers.append(nn.Linear(width, fm.CLASSES))
        return nn.Sequential(*layers).to(self.device)

    def linears(self, model):
        return [m for m in model if isinstance(m, self.nn.Linear)]

    def set_version(self, model, version: str, seed: int = 0):
        """Make `model` the given version: release any mask, then prune by magnitude (weights, or neurons)."""
        amount = VERSIONS[version]
        layers = self.linears(model)
        regrow = []  # structured: (parameter, removed entries) of neurons that come back
        for m in layers:
            for name in ("weight", "bias"):
                if hasattr(m, name + "_orig"):
                    mask = getattr(m, name + "_mask").detach().clone()
                    self.prune.remove(m, name)       # zeroed parameters become ordinary, trainable ones
                    regrow.append((getattr(m, name), mask == 0))
        if PRUNING == "structured" and regrow:
            # A removed neuron's row and the next layer's column are both 0, so neither gets a gradient: at 0 it
            # would stay removed. It comes back with the seed's initial weights instead.
            init = [p for layer in self.linears(self.build(seed)) for p in (layer.weight, layer.bias)]
            with self.torch.no_grad():
                for (param, removed), fresh in zip(regrow, init):
                    param[removed] = fresh.detach()[removed]
        if amount > 0 and PRUNING == "structured":
            self.prune_neurons(layers, amount)
        elif amount > 0:
            for m in layers:
                self.prune.l1_unstructured(m, "weight", amount=amount)  # mask kept: pruned weights stay 0
        return self.torch.optim.SGD(model.parameters(), lr=self.cfg["lr"])

    def prune_neurons(self, layers, amount: float) -> None:
        """Structured pruning: in each hidden layer keep the round((1 - amount) x width) neurons whose incoming
        weight rows have the largest L2 norm; mask their rows' complement, their biases, and the next layer's
        columns that read the removed neurons (masks kept: the removed neurons stay 0, so the network computes
        exactly as a dense one of the smaller widths)."""
        torch = self.torch
        keep_in = torch.ones(layers[0].in_features, device=self.device)
        for i, m in enumerate(layers):
            w = m.weight.detach()
            keep_out = torch.ones(m.out_features, device=self.device)
            if i + 1 < len(layers):  # a hidden layer (the output layer keeps every class)
                kept = max(1, round((1.0 - amount) * m.out_features))
                norms = (w * keep_in).norm(dim=1)
                keep_out = torch.zeros(m.out_features, device=self.device)
                keep_out[torch.topk(norms, kept).indices] = 1.0
            self.prune.custom_from_mask(m, "weight", torch.outer(keep_out, keep_in))
            self.prune.custom_from_mask(m, "bias", keep_out.clone())
            keep_in = keep_out

    def order(self, seed: int, epoch: int, n: int):
        g = self.torch.Generator()
        g.manual_seed(fm.key(seed, ORDER_WORD, epoch) >> 1)
        return self.torch.randperm(n, generator=g).to(self.device)

    def train_epoch(self, model, opt, seed: int, epoch: int, n: int) -> None:
        F, b = self.F, self.cfg["batch_size"]
        perm = self.order(seed, epoch, n)
        model.train()
        for i in range(0, n, b):
            idx = perm[i:i + b]
            opt.zero_grad(set_to_none=True)
            F.cross_entropy(model(self.x[idx]), self.y[idx]).backward()
            opt.step()

    def evaluate(self, model):
        model.eval()
        with self.torch.no_grad():
            v = self.F.cross_entropy(model(self.val_x), self.val_y).item()
            t = self.F.cross_entropy(model(self.test_x), self.test_y).item()
        return v, t

    def counts(self, model) -> dict:
        """Non-zero weights (the effective, masked weights), biases and forward MACs per sample."""
        layers = []
        for m in self.linears(model):
            w = m.weight.detach()
            layers.append({"shape": [int(m.in_features), int(m.out_features)], "weights": int(w.numel()),
                           "nonzero_weights": int((w != 0).sum()), "biases": int(m.bias.numel())})
        nz = sum(l["nonzero_weights"] for l in layers)
        if PRUNING == "structured":  # a removed neuron's bias is masked to 0: count the kept ones
            for l, m in zip(layers, self.linears(model)):
                l["biases"] = int((m.bias.detach() != 0).sum())
        bias = sum(l["biases"] for l in layers)
        return {"layers": layers, "nonzero_weights": nz, "biases": bias,
                "nonzero_params": nz + bias, "forward_macs": nz}


def version_costs(trainer: Trainer) -> dict:
    """flops_per_sample and param_bytes of each version, counted on the network (seed 1)."""
    out = {}
    for v in VERSIONS:
        model = trainer.build(1)
        trainer.set_version(model, v)
        c = trainer.counts(model)
        out[v] = {"pruning": VERSIONS[v],
                  "flops_per_sample": 3 * 2 * c["forward_macs"],
                  "param_bytes": FP32 * c["nonzero_params"],
                  "nonzero_weights": c["nonzero_weights"], "biases": c["biases"],
                  "layers": [f"{l['shape'][0]}x{l['shape'][1]}: {l['nonzero_weights']}/{l['weights']} weights"
                             for l in c["layers"]]}
    return out


# --- work units ---------------------------------------------------------------------------------------
def load_unit(path: str):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def group_cost(cfg: dict, runs_todo: list[str], base_done: bool, n: int) -> float:
    k = cfg["epochs"]
    per_epoch = n + EVAL_COST * 2 * cfg["holdout_size"]
    epochs = 0
    prefix = 0
    for r in runs_todo:
        _, after = parse_run(r)
        if after:
            epochs += k - after[0]
            prefix = max(prefix, after[0])
        else:
            epochs += k
    if base_done:
        epochs += prefix          # the base run's prefix is retrained (deterministically) for its switches
    return epochs * per_epoch


def run_group(trainer: Trainer, cfg: dict, work: str, base: str, fraction: float, seed: int,
              todo: list[str], report) -> None:
    """Train `base` at (fraction, seed) and continue it into the switch runs in `todo`."""
    k, n = cfg["epochs"], fm.fraction_size(fraction, cfg["pool_size"])
    base_path = unit_file(work, base, fraction, seed)
    stored = load_unit(base_path) if base not in todo else None
    switches = [r for r in todo if r != base]
    need = k if stored is None else max(parse_run(r)[1][0] for r in switches)
    snap_at = {parse_run(r)[1][0] for r in switches}
    t0 = time.perf_counter()
    model = trainer.build(seed)
    opt = trainer.set_version(model, base)
    val, test, snaps = [], [], {}
    for e in range(1, need + 1):
        trainer.train_epoch(model, opt, seed, e, n)
        v, t = trainer.evaluate(model)
        val.append(v)
        test.append(t)
        if e in snap_at:
            snaps[e] = copy.deepcopy(model)
    if stored is None:
        unit = {"run": base, "data_fraction": fraction, "seed": seed, "epochs": k, "n_samples": n,
                "versions": [base] * k, "val_loss": val, "test_loss": test,
                "final_nonzero_params": trainer.counts(model)["nonzero_params"],
                "wall_s": time.perf_counter() - t0}
        atomic_write(base_path, json.dumps(unit) + "\n")
        report(unit)
    else:
        diff = max(abs(a - b) for a, b in zip(val + test, stored["val_loss"][:need] + stored["test_loss"][:need]))
        if diff > 0:
            log(f"warning: {base} f={fraction} seed {seed}: retrained prefix differs from the stored run by "
                f"{diff:.3g} (non-deterministic device?); the switch runs keep the stored prefix")
        val, test = stored["val_loss"], stored["test_loss"]
    for r in switches:
        t1 = time.perf_counter()
        (_, to), (s,) = parse_run(r)
        m = copy.deepcopy(snaps[s])
        o = trainer.set_version(m, to, seed)
        sval, stest = list(val[:s]), list(test[:s])
        for e in range(s + 1, k + 1):
            trainer.train_epoch(m, o, seed, e, n)
            v, t = trainer.evaluate(m)
            sval.append(v)
            stest.append(t)
        unit = {"run": r, "data_fraction": fraction, "seed": seed, "epochs": k, "n_samples": n,
                "versions": [version_at(r, e) for e in range(1, k + 1)], "val_loss": sval, "test_loss": stest,
                "final_nonzero_params": trainer.counts(m)["nonzero_params"],
                "wall_s": time.perf_counter() - t1}
        atomic_write(unit_file(work, r, fraction, seed), json.dumps(unit) + "\n")
        report(unit)


# --- outputs --------------------------------------------------------------------------------------------
def fmt_loss(x: float) -> str:
    if not math.isfinite(x) or x < 0:
        raise SystemExit(f"error: loss {x!r} is not finite and >= 0 (a diverged run); the profile loader "
                         "rejects it: lower --lr")
    return f"{x:.6f}"


def write_csv(path: str, units: dict, runs: list[str], seeds: list[int]) -> int:
    lines = ["run,version,data_fraction,seed,epoch,val_loss,test_loss"]
    for r in runs:
        for f in FRACTIONS:
            for s in seeds:
                u = units[(r, f, s)]
                for e in range(1, u["epochs"] + 1):
                    lines.append(f"{r},{u['versions'][e - 1]},{f!r},{s},{e},"
                                 f"{fmt_loss(u['val_loss'][e - 1])},{fmt_loss(u['test_loss'][e - 1])}")
    atomic_write(path, "\n".join(lines) + "\n")
    return len(lines) - 1


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def blas_library() -> str:
    """The BLAS shared library this process loaded (what CPU matrix products run on)."""
    found = set()
    try:
        with open("/proc/self/maps", encoding="utf-8") as f:
            for line in f:
                p = line.split()[-1]
                if "blas" in os.path.basename(p).lower() and p.startswith("/"):
                    found.add(os.path.realpath(p))
    except OSError:
        return "unknown"
    return ", ".join(sorted(found)) or "none found"


def deb_version(pkg: str) -> str:
    try:
        return subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg], capture_output=True, text=True,
                              timeout=10).stdout.strip() or "not installed"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def yaml_scalar(v) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    return json.dumps(str(v))  # a JSON string is a valid YAML double-quoted scalar


def to_yaml(obj, indent: int = 0) -> str:
    pad = " " * indent
    out = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            if isinstance(v, (dict, list)) and v:
                out.append(f"{pad}{k}:")
                out.append(to_yaml(v, indent + 2))
            else:
                out.append(f"{pad}{k}: {yaml_scalar(v) if not isinstance(v, (dict, list)) else ('{}' if isinstance(v, dict) else '[]')}")
    else:
        for v in obj:
            if isinstance(v, dict):
                body = to_yaml(v, indent + 2).splitlines()
                out.append(f"{pad}- {body[0].lstrip()}")
                out.extend(body[1:])
            elif isinstance(v, list):
                out.append(f"{pad}- [{', '.join(yaml_scalar(x) for x in v)}]")
            else:
                out.append(f"{pad}- {yaml_scalar(v)}")
    return "\n".join(out)


def summary(units: dict, runs: list[str], seeds: list[int], k: int) -> list:
    import numpy as np
    rows = []
    for r in runs:
        for f in FRACTIONS:
            a = np.array([units[(r, f, s)]["test_loss"][k - 1] for s in seeds])
            rows.append({"run": r, "data_fraction": f,
                         "test_loss_at_last_epoch": {"mean": round(float(a.mean()), 6),
                                                     "std": round(float(a.std(ddof=1)) if len(a) > 1 else 0.0, 6),
                                                     "q10": round(float(np.quantile(a, 0.1)), 6),
                                                     "median": round(float(np.quantile(a, 0.5)), 6),
                                                     "q90": round(float(np.quantile(a, 0.9)), 6)}})
    return rows


def pruning_meta() -> dict:
    """How the versions were pruned (the meta file's `pruning`)."""
    common = {"pruned_versions": "pruned at initialisation (the seed's initial weights), trained with the "
                                 "mask kept (pruned weights stay 0)",
              "full_to_pruned": "the trained full network is pruned by magnitude after the switch epoch, "
                                "then trained with the mask kept",
              "pruned_to_full": "prune.remove after the switch epoch: the pruned weights start at 0 and "
                                "train again"}
    if PRUNING == "structured":
        common["pruned_to_full"] = ("the masks are released after the switch epoch and the removed neurons come back with "
                                    "the seed's initial weights (at 0 they would get no gradient: a removed neuron's "
                                    "row and column are both 0)")
        return dict(kind="structured", method=(
            "whole neurons: in each hidden layer the round((1 - pruning) x width) neurons whose incoming weight rows "
            "have the largest L2 norm are kept; a removed neuron's weight row, its bias and the next layer's column "
            "that reads it are masked to 0 (torch.nn.utils.prune.custom_from_mask), so the network computes "
            "exactly as a dense MLP of the smaller widths; the output layer keeps its 10 classes"), **common)
    return dict(kind="unstructured", method=(
        "torch.nn.utils.prune.l1_unstructured, per layer, on the weight of every Linear layer (biases "
        "untouched), amount = the version's pruning"), **common)


def write_meta(path: str, csv_path: str, rows: int, cfg: dict, device, torch, trainer: Trainer, splits: fm.Splits,
               units: dict, runs: list[str], seeds: list[int], work: str, command: str) -> None:
    import numpy as np
    costs = version_costs(trainer)
    # Check the counts on the trained networks: every run ends with its last version's non-zero count
    # (p75>full releases the mask, so its zeroed weights train again and it ends at full's count).
    for r in runs:
        last = parse_run(r)[0][-1]
        got = [units[(r, f, s)]["final_nonzero_params"] for f in FRACTIONS for s in seeds]
        costs[last].setdefault("checked_on_trained_runs", {})[r] = (
            f"all {len(got)} runs: {got[0]}" if min(got) == max(got) else
            f"{min(got)}..{max(got)} over {len(got)} runs (median {int(np.median(got))})")
    invocations = []
    try:
        with open(os.path.join(work, "invocations.jsonl"), encoding="utf-8") as f:
            invocations = [json.loads(line) for line in f if line.strip()]
    except OSError:
        pass
    unit_seconds = sum(u["wall_s"] for u in units.values())
    gpu = torch.cuda.get_device_name(device) if device.type == "cuda" else None
    meta = {
        "profile": os.path.basename(csv_path),
        "generated_by": "analysis/profile/profile_fashion_mnist.py",
        "command": command,
        "regenerate": REGENERATE,
        "generated_at_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "csv_rows": rows,
        "runs": runs,
        "data_fractions": list(FRACTIONS),
        "seeds": {"count": len(seeds), "first": seeds[0], "last": seeds[-1],
                  "controls": "initial weights (PyTorch default init after torch.manual_seed(key(seed,1)>>1)) and "
                              "the batch order of every epoch (torch.randperm with a generator seeded key(seed,2,epoch)>>1); "
                              "key = chained SplitMix64 (fashion_mnist_data.key)"},
        "epochs": cfg["epochs"],
        "switch_epochs": list(cfg["switch_epochs"]),
        "network": {"architecture": "MLP " + "-".join(str(x) for x in (fm.PIXELS,) + HIDDEN + (fm.CLASSES,))
                                    + ", ReLU, no dropout or normalisation layers",
                    "init": "PyTorch default (nn.Linear: Kaiming-uniform weights, uniform biases)",
                    "parameters": costs["full"]["nonzero_weights"] + costs["full"]["biases"],
                    "why": "small enough for >= 60 seeds x 3 data fractions x 9 runs x 20 epochs on one CPU core "
                           "in about an hour (with OpenBLAS); two hidden layers so that per-layer pruning at 50% "
                           "and 75% leaves a network that still learns (docs/profiles.md)"},
        "versions": [dict(name=v, **c) for v, c in costs.items()],
        "cost_convention": "flops_per_sample = 3 x 2 x forward MACs (forward + backward = 3 x forward, 2 flop per "
                           "MAC); forward MACs = non-zero weights of the Linear layers ("
                           + ("a structured version is a smaller dense network: its non-zero weights are its dense "
                              "weights, what dense kernels compute" if PRUNING == "structured" else
                              "only MACs with a non-zero weight: what sparse kernels would compute; dense kernels "
                              "compute the full network's, docs/model.md 4.11")
                           + "; biases, ReLU and softmax ignored, < 0.2%). param_bytes = 4 x "
                           "(non-zero weights + non-zero biases), fp32, no index overhead. Counted on the network itself "
                           "(seed 1, pruned as the version is); per-layer pruning makes the counts the same for "
                           "every seed, checked on every trained run below (checked_on_trained_runs: non-zero "
                           "parameters at the end of each run that ends in the version).",
        "pruning": pruning_meta(),
        "training": {"optimizer": "SGD (torch.optim.SGD, no momentum, no weight decay)", "lr": cfg["lr"],
                     "batch_size": cfg["batch_size"], "loss": "cross-entropy (mean over the batch)",
                     "last_partial_batch": "kept (smaller)",
                     "input": f"pixels / 255, standardised with the pool's mean {trainer.mean:.6f} and std {trainer.std:.6f}"},
        "data": {"dataset": "Fashion-MNIST, Debian package dataset-fashion-mnist "
                            f"{deb_version('dataset-fashion-mnist')} ({fm.DATA_DIR})",
                 "files_sha256": splits.files,
                 "pool": {"size": cfg["pool_size"], "from": "official training split (60,000 images)",
                          "which": f"the {cfg['pool_size']} indices with the smallest SplitMix64(index XOR "
                                   f"SplitMix64({fm.POOL_SALT:#x})), in that order",
                          "first_indices": [int(i) for i in splits.pool_index[:10]],
                          "class_counts": [int(c) for c in np.bincount(splits.pool_y, minlength=fm.CLASSES)]},
                 "fractions": {repr(f): fm.fraction_size(f, cfg["pool_size"]) for f in FRACTIONS},
                 "fraction_rule": "data fraction f trains on the first round(f x pool size) images of the pool order",
                 "validation": {"size": cfg["holdout_size"], "from": "official test split (10,000 images)",
                                "which": f"positions 0..{cfg['holdout_size'] - 1} of the test split ordered by "
                                         f"SplitMix64(index XOR SplitMix64({fm.HOLDOUT_SALT:#x}))",
                                "first_indices": [int(i) for i in splits.val_index[:10]]},
                 "test": {"size": cfg["holdout_size"], "from": "official test split, disjoint from validation",
                          "which": f"positions {cfg['holdout_size']}..{2 * cfg['holdout_size'] - 1} of the same order",
                          "first_indices": [int(i) for i in splits.test_index[:10]]},
                 "losses": "val_loss and test_loss: mean cross-entropy over the whole set after each epoch"},
        "software": {"torch": torch.__version__, "python3-torch": deb_version("python3-torch"),
                     "python": platform.python_version(), "numpy": np.__version__, "blas": blas_library(),
                     "os": platform.platform()},
        "hardware": {"device": device.type, "gpu": gpu, "cpu": cpu_model(), "cpu_cores": os.cpu_count(),
                     "threads": cfg["threads"]},
        "time": {"training_s": round(unit_seconds, 1),
                 "training_note": "sum of the per-run wall times (one process); a resumed run's switch runs "
                                  "also retrain their base run's prefix, not counted",
                 "invocations": invocations},
        "test_loss_last_epoch": summary(units, runs, seeds, cfg["epochs"]),
    }
    text = ("# GENERATED by analysis/profile/profile_fashion_mnist.py; do not edit by hand (docs/profiles.md).\n"
            + to_yaml(meta) + "\n")
    atomic_write(path, text)


# --- main -----------------------------------------------------------------------------------------------
def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--pruning", choices=("unstructured", "structured"), default="unstructured",
                   help="unstructured: p50/p75 zero single weights (writes fashion-mnist.*); structured: s50/s75 remove "
                        "whole hidden neurons (writes fashion-mnist-structured.*); default %(default)s")
    p.add_argument("--device", choices=("cpu", "cuda", "auto"), default="auto",
                   help="where to train (auto: cuda when available); default %(default)s")
    p.add_argument("--seeds", type=int, help=f"training seeds 1..N (default {DEFAULTS['seeds']}; --quick {QUICK['seeds']})")
    p.add_argument("--epochs", type=int, help=f"epochs K of every run (default {DEFAULTS['epochs']}; --quick {QUICK['epochs']})")
    p.add_argument("--switch-epochs", help="comma-separated epochs after which switch runs switch "
                   f"(default {','.join(map(str, DEFAULTS['switch_epochs']))}; --quick {QUICK['switch_epochs'][0]})")
    p.add_argument("--lr", type=float, default=DEFAULTS["lr"], help="SGD learning rate (default %(default)s)")
    p.add_argument("--batch-size", type=int, default=DEFAULTS["batch_size"], help="default %(default)s")
    p.add_argument("--pool-size", type=int, help=f"training pool size (default {DEFAULTS['pool_size']}; --quick {QUICK['pool_size']})")
    p.add_argument("--holdout-size", type=int,
                   help=f"validation and test set size each (default {DEFAULTS['holdout_size']}; --quick {QUICK['holdout_size']})")
    p.add_argument("--threads", type=int, default=1, help="CPU threads for torch (default %(default)s)")
    p.add_argument("--out-dir", help=f"where {NAME}.csv and {NAME}.meta.yaml go (default scenarios/profiles; "
                   f"--quick {QUICK_OUT})")
    p.add_argument("--work-dir", help=f"per-run results (default OUT_DIR/{NAME}.partial; --quick OUT_DIR/{NAME}.quick.partial)")
    p.add_argument("--fresh", action="store_true", help="delete the work folder first (start from scratch)")
    p.add_argument("--quick", action="store_true",
                   help="smoke test: 2 seeds, 2 epochs, switch after epoch 1, a 400-image pool, 200+200 held out, "
                        f"fresh work folder, output in {QUICK_OUT} unless --out-dir (seconds)")
    a = p.parse_args(argv)
    use_pruning(a.pruning)

    base = dict(DEFAULTS, **(QUICK if a.quick else {}))
    cfg = {
        "pool_size": a.pool_size or base["pool_size"],
        "holdout_size": a.holdout_size or base["holdout_size"],
        "batch_size": a.batch_size, "lr": a.lr,
        "epochs": a.epochs or base["epochs"],
        "switch_epochs": tuple(int(x) for x in a.switch_epochs.split(",")) if a.switch_epochs else base["switch_epochs"],
        "threads": a.threads,
    }
    n_seeds = a.seeds or base["seeds"]
    if n_seeds < 1 or cfg["epochs"] < 1 or cfg["batch_size"] < 1 or cfg["threads"] < 1 or not cfg["lr"] > 0:
        p.error("--seeds, --epochs, --batch-size, --threads must be >= 1 and --lr > 0")
    dropped = [s for s in cfg["switch_epochs"] if not 1 <= s < cfg["epochs"]]
    if dropped:
        log(f"warning: switch epochs {dropped} dropped: a switch needs 1 <= s < epochs ({cfg['epochs']})")
    cfg["switch_epochs"] = tuple(sorted(set(s for s in cfg["switch_epochs"] if 1 <= s < cfg["epochs"])))
    if n_seeds < 2:
        log("warning: deplsim's loader needs at least 2 seeds per run; this profile will not load")
    out_dir = os.path.abspath(a.out_dir or (QUICK_OUT if a.quick else DEFAULT_OUT))
    # --quick empties its work folder, so it never defaults to the real profile's (hours of runs).
    work = os.path.abspath(a.work_dir or os.path.join(out_dir, f"{NAME}.quick.partial" if a.quick else f"{NAME}.partial"))
    if (a.fresh or a.quick) and os.path.isdir(work):
        shutil.rmtree(work)
    os.makedirs(os.path.join(work, "units"), exist_ok=True)

    torch, device = torch_setup(a.device, cfg["threads"])
    splits = fm.load_splits(cfg["pool_size"], cfg["holdout_size"])
    trainer = Trainer(torch, device, cfg, splits)

    # The work folder's results must come from the same settings (the seed count may grow).
    fingerprint = dict(cfg, hidden=list(HIDDEN), versions=VERSIONS, switches=[list(s) for s in SWITCHES],
                       fractions=list(FRACTIONS), switch_epochs=list(cfg["switch_epochs"]), torch=torch.__version__,
                       device=device.type, blas=blas_library() if device.type == "cpu" else "n/a", data=splits.files)
    fingerprint.pop("threads")
    fp_path = os.path.join(work, "settings.json")
    if os.path.exists(fp_path):
        with open(fp_path, encoding="utf-8") as f:
            old = json.load(f)
        diff = sorted(k for k in set(old) | set(fingerprint) if old.get(k) != fingerprint.get(k))
        if diff:
            raise SystemExit(f"error: {work} holds runs measured with other settings (differing: {', '.join(diff)}); "
                             "rerun with --fresh to start over, or give another --work-dir")
    else:
        atomic_write(fp_path, json.dumps(fingerprint, indent=1) + "\n")

    runs = run_names(cfg["switch_epochs"])
    seeds = list(range(1, n_seeds + 1))
    k = cfg["epochs"]
    # Work list: groups (base, fraction, seed), seeds outermost so that an interrupted profile has whole seeds.
    groups, total_cost, total_units, done_units = [], 0.0, 0, 0
    for s in seeds:
        for f in FRACTIONS:
            n = fm.fraction_size(f, cfg["pool_size"])
            for b in BASES:
                members = [b] + [r for r in runs if parse_run(r)[0][0] == b and parse_run(r)[1]]
                todo = [r for r in members if load_unit(unit_file(work, r, f, s)) is None]
                total_units += len(members)
                done_units += len(members) - len(todo)
                if todo:
                    c = group_cost(cfg, todo, b not in todo, n)
                    groups.append((b, f, s, todo, c))
                    total_cost += c
    command = " ".join(["/usr/bin/python3", os.path.relpath(os.path.abspath(__file__), ROOT)] + sys.argv[1:])
    log(f"profile: {len(runs)} runs x {len(FRACTIONS)} data fractions x {n_seeds} seeds = {total_units} runs of "
        f"{k} epochs; {done_units} already in {work}; device {device.type}"
        + (f", {cfg['threads']} CPU thread(s), BLAS {blas_library()}" if device.type == "cpu" else ""))
    started = time.time()
    t0 = time.perf_counter()
    state = {"done_cost": 0.0, "done": done_units}

    def report(unit):
        state["done"] += 1
        elapsed = time.perf_counter() - t0
        rate = state["done_cost"] / elapsed if elapsed > 0 and state["done_cost"] > 0 else None
        left = f"left ~{hms((total_cost - state['done_cost']) / rate)}" if rate else "left ?"
        log(f"[{state['done']:>5}/{total_units} {100.0 * state['done'] / total_units:5.1f}%] "
            f"{unit['run']:<13} f={unit['data_fraction']:<4} seed {unit['seed']:>3}: test {unit['test_loss'][-1]:.4f} "
            f"({unit['wall_s']:.1f} s)  elapsed {hms(elapsed)}  {left}")

    try:
        for b, f, s, todo, c in groups:
            run_group(trainer, cfg, work, b, f, s, todo, report)
            state["done_cost"] += c
    finally:
        if groups:
            with open(os.path.join(work, "invocations.jsonl"), "a", encoding="utf-8") as fh:
                fh.write(json.dumps({"started_utc": datetime.datetime.fromtimestamp(started, datetime.timezone.utc)
                                     .strftime("%Y-%m-%dT%H:%M:%SZ"), "wall_s": round(time.perf_counter() - t0, 1),
                                     "runs_measured": state["done"] - done_units, "device": device.type,
                                     "cpu": cpu_model(), "threads": cfg["threads"]}) + "\n")

    units = {}
    for r in runs:
        for f in FRACTIONS:
            for s in seeds:
                u = load_unit(unit_file(work, r, f, s))
                if u is None or u.get("epochs") != k:
                    raise SystemExit(f"error: run {r} f={f} seed {s} missing from {work}")
                units[(r, f, s)] = u
    csv_path = os.path.join(out_dir, f"{NAME}.csv")
    meta_path = os.path.join(out_dir, f"{NAME}.meta.yaml")
    rows = write_csv(csv_path, units, runs, seeds)
    write_meta(meta_path, csv_path, rows, cfg, device, torch, trainer, splits, units, runs, seeds, work, command)
    log(f"wrote {csv_path} ({rows} rows) and {meta_path} in {hms(time.perf_counter() - t0)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
