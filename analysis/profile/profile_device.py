#!/usr/bin/env python3
"""Measure how fast this machine trains each kind of model version: a device profile (docs/profiles.md section 10).

  /usr/bin/python3 analysis/profile/profile_device.py --out results/device-profile.yaml     # about a minute
  /usr/bin/python3 analysis/profile/profile_device.py --quick --out /tmp/device.yaml         # smoke test (seconds)

Trains the Fashion-MNIST MLP of profile_fashion_mnist.py (784-128-64-10) on random inputs for a few hundred
iterations per (version, local batch size) and writes, per pair: seconds per iteration (forward, backward and the
SGD step), samples per second, the per-iteration fixed overhead (the intercept of time against batch size), the
peak memory the training added, and power where the machine exposes it (CPU: RAPL under /sys/class/powercap when
readable; NVIDIA GPUs: nvidia-smi) — else "not measured", never invented. The versions:

- full: the dense network;
- p50, p75 (unstructured): torch.nn.utils.prune.l1_unstructured on every Linear weight, the mask kept, as in the
  learning profile: every tensor keeps its shape and the zeros are multiplied like any other weight;
- s50, s75 (structured): the dense networks 784-64-32-10 and 784-32-16-10 (half and a quarter of each hidden
  layer's neurons), what the structured learning profile's versions compute.

The speeds are what deplsim's model of pruning kinds assumes (docs/model.md 4.11): an unstructured version is no
faster than the full network on dense kernels (sparse_efficiency 0), a structured one is as fast as its own flops.
Each (version, batch) runs in a fresh child process, so that its peak memory is its own. Needs Debian's
python3-torch (nothing is downloaded). One CPU thread unless --threads; CUDA with --device cuda.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from profile_fashion_mnist import blas_library, cpu_model  # noqa: E402  (the BLAS library loaded, the CPU's name)

VERSIONS = {  # name -> (pruning kind, hidden widths, fraction of weights zeroed by magnitude)
    "full": ("none", (128, 64), 0.0),
    "p50": ("unstructured", (128, 64), 0.5),
    "p75": ("unstructured", (128, 64), 0.75),
    "s50": ("structured", (64, 32), 0.0),
    "s75": ("structured", (32, 16), 0.0),
}
PIXELS, CLASSES = 784, 10
DEFAULTS = dict(batch_sizes=(16, 32, 128), iterations=300, warmup=30)
QUICK = dict(batch_sizes=(8, 16, 32), iterations=20, warmup=3)


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def peak_rss_bytes() -> int:
    """This process's peak resident memory (VmHWM), in bytes."""
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def rapl_energy_j():
    """Package energy counters readable under /sys/class/powercap (joules), or None."""
    base = "/sys/class/powercap"
    try:
        zones = [z for z in os.listdir(base) if z.startswith("intel-rapl:") and z.count(":") == 1]
        return sum(int(open(os.path.join(base, z, "energy_uj")).read()) for z in zones) / 1e6 if zones else None
    except (OSError, ValueError):
        return None


def gpu_power_w():
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=power.draw", "--format=csv,noheader,nounits"],
                             capture_output=True, text=True, timeout=10, check=True).stdout
        return float(out.split()[0])
    except (OSError, ValueError, IndexError, subprocess.SubprocessError):
        return None


def build_mlp(hidden):
    """The Fashion-MNIST MLP with these hidden widths (784-h1-h2-10, ReLU)."""
    import torch.nn as nn
    layers, width = [], PIXELS
    for h in hidden:
        layers += [nn.Linear(width, h), nn.ReLU()]
        width = h
    layers.append(nn.Linear(width, CLASSES))
    return nn.Sequential(*layers)


def sgd_step(model, x, y, lr: float = 0.02):
    """One SGD step of cross-entropy on (x, y), as a closure for timing loops."""
    import torch
    import torch.nn.functional as F
    opt = torch.optim.SGD(model.parameters(), lr=lr)

    def step():
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), y).backward()
        opt.step()

    return step


def measure_one(version: str, batch: int, iterations: int, warmup: int, device_arg: str, threads: int) -> dict:
    """One (version, batch) in this process: the timing loop, peak memory, power."""
    import torch
    import torch.nn as nn
    import torch.nn.utils.prune as prune
    torch.set_num_threads(threads)
    device = torch.device(device_arg)
    torch.manual_seed(1)
    kind, hidden, amount = VERSIONS[version]
    x = torch.randn(batch, PIXELS, device=device)
    y = torch.randint(0, CLASSES, (batch,), device=device)
    before = peak_rss_bytes()
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    model = build_mlp(hidden).to(device)
    if amount > 0:
        for m in model:
            if isinstance(m, nn.Linear):
                prune.l1_unstructured(m, "weight", amount=amount)
    step = sgd_step(model, x, y)

    for _ in range(warmup):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    energy0, t0 = rapl_energy_j(), time.perf_counter()
    watts = []
    for i in range(iterations):
        step()
        if device.type == "cuda" and i % max(1, iterations // 5) == 0:
            watts.append(gpu_power_w())
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    seconds = time.perf_counter() - t0
    energy1 = rapl_energy_j()
    if device.type == "cuda":
        memory = int(torch.cuda.max_memory_allocated(device))
        memory_how = "torch.cuda.max_memory_allocated"
    else:
        memory = max(0, peak_rss_bytes() - before)
        memory_how = "peak resident memory (VmHWM) added after the data was made"
    power, power_how = None, "not measured (no RAPL counters readable; no GPU power reading)"
    if energy0 is not None and energy1 is not None and energy1 >= energy0:
        power, power_how = (energy1 - energy0) / seconds, "RAPL package energy over the timed iterations (whole CPU package)"
    elif device.type == "cuda" and all(w is not None for w in watts) and watts:
        power, power_how = sum(watts) / len(watts), "nvidia-smi power.draw, mean of samples during the timed iterations"
    nonzero = sum(int((m.weight != 0).sum()) for m in model if isinstance(m, nn.Linear))
    return {"version": version, "pruning_kind": kind, "hidden": list(hidden), "nonzero_weights": nonzero,
            "local_batch": batch, "iterations": iterations, "s_per_iteration": seconds / iterations,
            "samples_per_s": batch * iterations / seconds, "peak_memory_bytes": memory, "memory_measured_as": memory_how,
            "power_w": power, "power_measured_as": power_how}


def overhead(rows: list) -> dict:
    """Per version: the least-squares line of seconds per iteration against the local batch (intercept: the fixed
    per-iteration overhead; slope: seconds per sample)."""
    out = {}
    for v in VERSIONS:
        pts = [(r["local_batch"], r["s_per_iteration"]) for r in rows if r["version"] == v]
        n = len(pts)
        mx, my = sum(b for b, _ in pts) / n, sum(t for _, t in pts) / n
        sxx = sum((b - mx) ** 2 for b, _ in pts)
        slope = sum((b - mx) * (t - my) for b, t in pts) / sxx if sxx > 0 else 0.0
        out[v] = {"fixed_s_per_iteration": my - slope * mx, "s_per_sample": slope}
    return out


def to_yaml(obj, indent: int = 0) -> str:
    pad = "  " * indent
    if isinstance(obj, dict):
        lines = []
        for k, v in obj.items():
            if isinstance(v, (dict, list)) and v:
                lines.append(f"{pad}{k}:\n{to_yaml(v, indent + 1)}")
            else:
                lines.append(f"{pad}{k}: {scalar(v)}")
        return "\n".join(lines)
    lines = []
    for v in obj:
        if isinstance(v, dict):
            inner = to_yaml(v, indent + 1).lstrip()
            lines.append(f"{pad}- {inner}")
        else:
            lines.append(f"{pad}- {scalar(v)}")
    return "\n".join(lines)


def scalar(v) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:.6g}"
    if isinstance(v, (int,)):
        return str(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(scalar(x) for x in v) + "]"
    return json.dumps(str(v))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--device", choices=("cpu", "cuda", "auto"), default="cpu", help="default %(default)s")
    p.add_argument("--threads", type=int, default=1, help="CPU threads for torch (default %(default)s)")
    p.add_argument("--batch-sizes", help="comma-separated local batch sizes (default 16,32,128; --quick 8,16,32)")
    p.add_argument("--iterations", type=int, help="timed iterations per (version, batch) (default 300; --quick 20)")
    p.add_argument("--out", required=True, help="the device profile to write (YAML)")
    p.add_argument("--quick", action="store_true", help="smoke test: few iterations (seconds); not a measurement")
    p.add_argument("--one", help=argparse.SUPPRESS)  # internal: VERSION,BATCH,ITERATIONS,WARMUP,DEVICE,THREADS
    a = p.parse_args(argv)
    if a.one:
        v, b, it, w, dev, th = a.one.split(",")
        print(json.dumps(measure_one(v, int(b), int(it), int(w), dev, int(th))))
        return 0
    base = dict(DEFAULTS, **(QUICK if a.quick else {}))
    batches = tuple(int(x) for x in a.batch_sizes.split(",")) if a.batch_sizes else base["batch_sizes"]
    iterations = a.iterations or base["iterations"]
    if len(batches) < 2 or min(batches) < 1 or iterations < 1 or a.threads < 1:
        p.error("at least two batch sizes >= 1, --iterations and --threads >= 1")
    try:
        import torch
    except ImportError:
        p.error("needs PyTorch: apt-get install python3-torch (Debian), then run with /usr/bin/python3")
    device = a.device
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        p.error("--device cuda: PyTorch sees no GPU")
    rows = []
    t0 = time.perf_counter()
    for v in VERSIONS:
        for b in batches:
            arg = f"{v},{b},{iterations},{base['warmup']},{device},{a.threads}"
            out = subprocess.run([sys.executable, os.path.abspath(__file__), "--out", "-", "--one", arg],
                                 capture_output=True, text=True, check=True).stdout
            rows.append(json.loads(out))
            r = rows[-1]
            log(f"{v:<5} batch {b:>4}: {r['samples_per_s']:>10.0f} samples/s, {1e3 * r['s_per_iteration']:.3f} ms/iteration, "
                f"peak memory +{r['peak_memory_bytes'] / 1e6:.1f} MB")
    # Speed of each version against the full network at the same batch: what sparse_efficiency would have to be.
    speed = {(r["version"], r["local_batch"]): r["samples_per_s"] for r in rows}
    relative = {v: {str(b): speed[(v, b)] / speed[("full", b)] for b in batches} for v in VERSIONS if v != "full"}
    profile = {
        "device_profile": 1,
        "generated_by": "analysis/profile/profile_device.py",
        "command": " ".join(["/usr/bin/python3", "analysis/profile/profile_device.py"] + (argv if argv is not None else sys.argv[1:])),
        "generated_at_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "quick": a.quick,
        "machine": {"device": device, "cpu": cpu_model(), "cpu_cores": os.cpu_count(), "threads": a.threads,
                    "gpu": torch.cuda.get_device_name(0) if device == "cuda" else None,
                    "torch": torch.__version__, "python": platform.python_version(),
                    "blas": blas_library() if device == "cpu" else "n/a"},
        "network": "MLP 784-128-64-10 (full), Fashion-MNIST shapes, random inputs; SGD lr 0.02; cross-entropy",
        "measurements": rows,
        "speed_relative_to_full": relative,
        "per_iteration_overhead": overhead(rows),
        "wall_s": round(time.perf_counter() - t0, 1),
    }
    text = "# GENERATED by analysis/profile/profile_device.py (docs/profiles.md section 10).\n" + to_yaml(profile) + "\n"
    tmp = a.out + ".partial"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, a.out)
    log(f"wrote {a.out}; speed relative to full: " +
        ", ".join(f"{v} {min(r.values()):.2f}-{max(r.values()):.2f}" for v, r in relative.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
