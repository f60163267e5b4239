#!/usr/bin/env python3
"""Hold deplsim's iterations mode against a real data-parallel training run on this machine (docs/calibration.md).

  /usr/bin/python3 analysis/calibration/ddp_calibration.py --deplsim build/release/deplsim --out results/calibration
  /usr/bin/python3 analysis/calibration/ddp_calibration.py --deplsim build/release/deplsim --quick --out /tmp/cal

1. Measures, with Debian's PyTorch and nothing downloaded:
   - the device: the Fashion-MNIST MLP (784-128-64-10, random inputs; the learning profiler's network) trained by one
     process at several batch sizes: seconds per iteration, fitted as fixed seconds + seconds per sample (a device
     profile, docs/profiles.md section 10);
   - the loopback between two processes: torch.distributed (gloo) send/recv ping-pong over 1 kB to 16 MB, fitted as
     one-way latency + bytes / bandwidth;
   - the real run: the same network trained data-parallel by P processes (torch.nn.parallel.DistributedDataParallel,
     gloo, one thread each) at global batch sizes B: seconds per iteration, and the gradient bytes each iteration
     all-reduces.
2. Describes this machine as a SimGrid platform (one host per process, each behind a link of the measured bandwidth
   and half the measured latency; SimGrid's latency and bandwidth factors set to 1, so that a message costs what the
   ping-pong measured), the device profile as the hosts' speed, and runs the same training in deplsim (iterations
   mode, P nodes, global batch B, a fixed plan through the external-orchestrator protocol).
3. Writes calibration.csv (P, B, measured and simulated seconds per iteration, relative error), the measured inputs
   (device.yaml, loopback.json), the platform and scenarios it ran, and calibration.png (with /usr/bin/python3's
   matplotlib).
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "analysis", "profile"))

from profile_device import CLASSES, PIXELS, build_mlp, sgd_step  # noqa: E402  (the device profiler's network and step)

HIDDEN = (128, 64)  # the full network
FULL = dict(device_batches=(16, 32, 64, 128, 256, 512), processes=(1, 2), global_batches=(64, 256, 1024),
            iterations=200, warmup=20, pingpong_reps=50)
QUICK = dict(device_batches=(16, 64, 256), processes=(1, 2), global_batches=(64, 256), iterations=20, warmup=3,
             pingpong_reps=5)


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def make_model():
    return build_mlp(HIDDEN)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def train_timed(model, batch: int, iterations: int, warmup: int, barrier=None) -> float:
    """Seconds per iteration of SGD on random inputs of `batch` samples (after `warmup` iterations)."""
    import torch
    torch.manual_seed(1)
    x = torch.randn(batch, PIXELS)
    y = torch.randint(0, CLASSES, (batch,))
    step = sgd_step(model, x, y)

    for _ in range(warmup):
        step()
    if barrier:
        barrier()
    t0 = time.perf_counter()
    for _ in range(iterations):
        step()
    if barrier:
        barrier()
    return (time.perf_counter() - t0) / iterations


def worker(rank: int, world: int, port: int, task: dict, out_path: str) -> None:
    """One process of a DDP run or of the ping-pong; rank 0 writes the result."""
    import torch
    import torch.distributed as dist
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world)
    result = {}
    if task["kind"] == "ddp":
        from torch.nn.parallel import DistributedDataParallel as DDP
        torch.manual_seed(1)
        model = DDP(make_model())
        local = task["global_batch"] // world
        result["s_per_iteration"] = train_timed(model, local, task["iterations"], task["warmup"], dist.barrier)
        result["gradient_bytes"] = sum(p.numel() * p.element_size() for p in model.parameters())
    elif task["kind"] == "concurrent":  # every process trains alone, at the same time: the cores' contention
        torch.manual_seed(1)
        result["s_per_iteration"] = train_timed(make_model(), task["global_batch"] // world, task["iterations"],
                                                task["warmup"], dist.barrier)
    elif task["kind"] == "phases":  # the iteration taken apart: every rank's timestamps, gathered on rank 0
        records = phase_records(rank, world, task)
        gathered = [None] * world
        dist.all_gather_object(gathered, records)
        result["records"] = gathered
    elif task["kind"] == "allreduce":  # gloo's all-reduce of the gradients' bytes, alone
        buf = torch.zeros(task["bytes"] // 4, dtype=torch.float32)
        for _ in range(5):
            dist.all_reduce(buf)
        dist.barrier()
        times = []
        for _ in range(task["reps"]):
            t0 = time.perf_counter()
            dist.all_reduce(buf)
            times.append(time.perf_counter() - t0)
        # Its mean is what an iteration pays; the median and quantiles show how spread the calls are (here the
        # median lies well below the mean: a minority of calls take several milliseconds), so they are kept too.
        ordered = sorted(times)
        result["s"] = sum(times) / len(times)
        result["median_s"] = ordered[len(ordered) // 2]
        result["quantiles_s"] = {f"p{q}": ordered[min(len(ordered) - 1, len(ordered) * q // 100)] for q in (10, 25, 75, 90, 95)}
    else:  # ping-pong between ranks 0 and 1
        rows = []
        for size in task["sizes"]:
            buf = torch.zeros(size // 4, dtype=torch.float32)
            for _ in range(3):
                (dist.send if rank == 0 else dist.recv)(buf, 1 - rank)
                (dist.recv if rank == 0 else dist.send)(buf, 1 - rank)
            dist.barrier()
            t0 = time.perf_counter()
            for _ in range(task["reps"]):
                (dist.send if rank == 0 else dist.recv)(buf, 1 - rank)
                (dist.recv if rank == 0 else dist.send)(buf, 1 - rank)
            rows.append((buf.numel() * 4, (time.perf_counter() - t0) / task["reps"] / 2))  # one way
        result["one_way"] = rows
    if rank == 0:
        with open(out_path, "w", encoding="utf-8") as f:
            json.dump(result, f)
    dist.destroy_process_group()


def phase_records(rank: int, world: int, task: dict) -> list:
    """The DDP iteration written out by hand (forward and backward, then one all-reduce of the flattened gradients,
    as DDP does when the whole model fits its first bucket, then the SGD step), each phase's end stamped on the
    machine's monotonic clock, which every process shares: per timed iteration (start, computed, all-reduce
    returned, stepped), in seconds."""
    import torch
    import torch.distributed as dist
    import torch.nn.functional as F
    torch.manual_seed(1)
    model = make_model()
    local = task["global_batch"] // world
    x, y = torch.randn(local, PIXELS), torch.randint(0, CLASSES, (local,))
    opt = torch.optim.SGD(model.parameters(), lr=0.02)
    params = list(model.parameters())
    records = []
    dist.barrier()
    for i in range(task["warmup"] + task["iterations"]):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), y).backward()
        flat = torch.cat([q.grad.reshape(-1) for q in params])
        t1 = time.perf_counter()
        dist.all_reduce(flat)
        t2 = time.perf_counter()
        flat /= world
        offset = 0
        for q in params:
            q.grad.copy_(flat[offset:offset + q.numel()].view_as(q))
            offset += q.numel()
        opt.step()
        t3 = time.perf_counter()
        if i >= task["warmup"]:
            records.append((t0, t1, t2, t3))
    return records


def decompose(records: list) -> dict:
    """Mean seconds per iteration of the hand-written DDP loop, and the parts that add up to it (each the mean over
    iterations and ranks): compute (zero_grad, forward, backward, flattening the gradients), waiting for the last
    rank to arrive at the all-reduce, the all-reduce itself (last arrival to first return: the exchange once both
    are there), the lag of a rank's return behind the first, and after (copying back, the SGD step). A rank's
    iteration is exactly compute + wait + all-reduce + lag + after; `iteration_s` is the mean start-to-start period."""
    ranks, n = len(records), min(len(r) for r in records)
    if n < 2:
        raise ValueError(f"the decomposition needs at least 2 timed iterations per process, got {n}")
    parts = dict(compute_s=0.0, wait_s=0.0, allreduce_s=0.0, lag_s=0.0, after_s=0.0, slowest_compute_s=0.0)
    for i in range(n):
        arrive = max(r[i][1] for r in records)
        first_back = min(r[i][2] for r in records)
        parts["allreduce_s"] += first_back - arrive
        parts["slowest_compute_s"] += max(r[i][1] - r[i][0] for r in records)
        for r in records:
            t0, t1, t2, t3 = r[i]
            parts["compute_s"] += (t1 - t0) / ranks
            parts["wait_s"] += (arrive - t1) / ranks
            parts["lag_s"] += (t2 - first_back) / ranks
            parts["after_s"] += (t3 - t2) / ranks
    out = {k: v / n for k, v in parts.items()}
    periods = [r[i + 1][0] - r[i][0] for r in records for i in range(n - 1)]
    out["iteration_s"] = sum(periods) / len(periods)
    return out


def run_distributed(world: int, task: dict, tmp: str) -> dict:
    import torch.multiprocessing as mp
    out_path = os.path.join(tmp, "result.json")
    mp.spawn(worker, args=(world, free_port(), task, out_path), nprocs=world, join=True)
    with open(out_path, encoding="utf-8") as f:
        return json.load(f)


def fit_line(points):
    """Least squares y = a + b x: (a, b)."""
    n = len(points)
    mx, my = sum(x for x, _ in points) / n, sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    b = sum((x - mx) * (y - my) for x, y in points) / sxx
    return my - b * mx, b


def measure(cfg: dict, tmp: str) -> dict:
    import torch
    torch.set_num_threads(1)
    device = []
    for b in cfg["device_batches"]:
        s = train_timed(make_model(), b, cfg["iterations"], cfg["warmup"])
        device.append((b, s))
        log(f"  device: batch {b}: {s * 1e3:.3f} ms per iteration")
    fixed, per_sample = fit_line(device)
    sizes = [1 << k for k in range(10, 25, 2)]  # 1 kB .. 16 MB
    pp = run_distributed(2, {"kind": "pingpong", "sizes": sizes, "reps": cfg["pingpong_reps"]}, tmp)["one_way"]
    latency, inv_bw = fit_line(pp)
    log(f"  loopback: one-way latency {latency * 1e6:.1f} us, bandwidth {1 / inv_bw / 1e9:.3f} GB/s")
    # DDP's own work per iteration (bucketing, hooks; no peer): a one-process DDP run against plain training.
    overheads = []
    for gb in cfg["global_batches"]:
        local = gb // 2
        ddp1 = run_distributed(1, {"kind": "ddp", "global_batch": local, "iterations": cfg["iterations"], "warmup": cfg["warmup"]},
                               tmp)["s_per_iteration"]
        plain = train_timed(make_model(), local, cfg["iterations"], cfg["warmup"])  # measured beside it, not the fit
        overheads.append(ddp1 - plain)
    ddp_overhead = max(0.0, sum(overheads) / len(overheads))
    log(f"  DDP's own work per iteration (one process): {ddp_overhead * 1e3:.3f} ms")
    runs = []
    for world in cfg["processes"]:
        for gb in cfg["global_batches"]:
            if world == 1:
                s = train_timed(make_model(), gb, cfg["iterations"], cfg["warmup"])
                grad = 0
            else:
                r = run_distributed(world, {"kind": "ddp", "global_batch": gb, "iterations": cfg["iterations"],
                                            "warmup": cfg["warmup"]}, tmp)
                s, grad = r["s_per_iteration"], r["gradient_bytes"]
            run = {"processes": world, "global_batch": gb, "measured_s": s, "gradient_bytes": grad}
            if world > 1:  # what the gap is made of: the cores shared, and gloo's all-reduce alone
                run["concurrent_compute_s"] = run_distributed(world, {"kind": "concurrent", "global_batch": gb,
                                                                      "iterations": cfg["iterations"], "warmup": cfg["warmup"]},
                                                              tmp)["s_per_iteration"]
                alone = run_distributed(world, {"kind": "allreduce", "bytes": grad, "reps": cfg["iterations"]}, tmp)
                run["allreduce_s"], run["allreduce_median_s"] = alone["s"], alone["median_s"]
                run["allreduce_quantiles_s"] = alone["quantiles_s"]
                run["phases"] = decompose(run_distributed(world, {"kind": "phases", "global_batch": gb,
                                                                  "iterations": cfg["iterations"], "warmup": cfg["warmup"]},
                                                          tmp)["records"])
            runs.append(run)
            log(f"  real run: {world} process(es), global batch {gb}: {s * 1e3:.3f} ms per iteration"
                + (f" (each process computing alone at the same time: {run['concurrent_compute_s'] * 1e3:.3f} ms; "
                   f"gloo all-reduce of {grad} bytes alone: {run['allreduce_s'] * 1e3:.3f} ms on average, median "
                   f"{run['allreduce_median_s'] * 1e3:.3f} ms)" if world > 1 else ""))
            if world > 1:
                ph = run["phases"]
                log(f"    taken apart (the loop by hand: {ph['iteration_s'] * 1e3:.3f} ms): compute {ph['compute_s'] * 1e3:.3f}, "
                    f"waiting for the other rank {ph['wait_s'] * 1e3:.3f}, all-reduce {ph['allreduce_s'] * 1e3:.3f}, "
                    f"lag {ph['lag_s'] * 1e3:.3f}, copy-back and step {ph['after_s'] * 1e3:.3f} ms")
    return {"device": device, "fixed_s": fixed, "s_per_sample": per_sample, "pingpong": pp, "latency_s": latency,
            "bandwidth_Bps": 1 / inv_bw, "ddp_overhead_s": ddp_overhead, "runs": runs, "torch": torch.__version__}


PLATFORM = """<?xml version='1.0'?>
<!DOCTYPE platform SYSTEM "https://simgrid.org/simgrid.dtd">
<!-- this machine as measured by analysis/calibration/ddp_calibration.py: one host per training process, each behind
     a link of the measured loopback bandwidth and half its one-way latency (a message between two processes crosses
     two); speeds are nominal (the device profile sets the time per sample); the watts are placeholders. -->
<platform version="4.1">
  <zone id="world" routing="Full">
    <zone id="machine" routing="Full">
{hosts}      <router id="machine-sw"/>
{links}{routes}    </zone>
    <zone id="io" routing="Full">
      <host id="disk" speed="1Gf" core="1"><prop id="wattage_per_state" value="1:1:1"/></host>
      <host id="controller" speed="1Gf" core="1"><prop id="wattage_per_state" value="1:1:1"/></host>
      <router id="io-sw"/>
      <link id="disk-link" bandwidth="100GBps" latency="0us"/>
      <route src="disk" dst="controller"><link_ctn id="disk-link"/></route>
      <route src="disk" dst="io-sw"><link_ctn id="disk-link"/></route>
      <route src="controller" dst="io-sw"><link_ctn id="disk-link"/></route>
    </zone>
    <link id="bus" bandwidth="100GBps" latency="0us"/>
    <zoneRoute src="machine" dst="io" gw_src="machine-sw" gw_dst="io-sw"><link_ctn id="bus"/></zoneRoute>
  </zone>
</platform>
"""


def write_platform(path: str, world: int, latency: float, bandwidth: float) -> None:
    hosts = "".join(f'      <host id="proc-{i}" speed="1Gf" core="1"><prop id="wattage_per_state" value="10:20:20"/>'
                    f'<prop id="memory" value="1GB"/></host>\n' for i in range(world))
    links = "".join(f'      <link id="proc-{i}-link" bandwidth="{bandwidth:.6g}Bps" latency="{latency / 2:.6g}s" '
                    f'sharing_policy="SPLITDUPLEX"/>\n' for i in range(world))
    routes = "".join(f'      <route src="proc-{i}" dst="machine-sw"><link_ctn id="proc-{i}-link" direction="UP"/></route>\n'
                     for i in range(world))
    for i in range(world):
        for j in range(i + 1, world):
            routes += (f'      <route src="proc-{i}" dst="proc-{j}"><link_ctn id="proc-{i}-link" direction="UP"/>'
                       f'<link_ctn id="proc-{j}-link" direction="DOWN"/></route>\n')
    with open(path, "w", encoding="utf-8") as f:
        f.write(PLATFORM.format(hosts=hosts, links=links, routes=routes))


def write_device(path: str, fixed: float, per_sample: float) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write("# measured by analysis/calibration/ddp_calibration.py: one process, one thread, this machine\n"
                "device_profile: 1\nper_iteration_overhead:\n"
                f"  full:\n    fixed_s_per_iteration: {max(0.0, fixed):.9g}\n    s_per_sample: {per_sample:.9g}\n")


SCENARIO = """name: ddp-{tag}-{world}-b{batch}
description: "this machine's {world}-process data-parallel run, as measured (analysis/calibration/ddp_calibration.py)"
platform: platform-{tag}-{world}.xml
controller: controller
target: {{loss: 1.0, probability: 0.5, deadline_s: null, max_epochs: 2}}
objective: time
clusters:
  - {{name: machine, zone: machine}}
data_sources:
  - {{name: disk, host: disk, samples: {samples}, sample_bytes: 1}}
model:
  name: mlp
  batch_size: {batch}
  versions:
    - {{name: full, flops_per_sample: 1.0e+06, param_bytes: {grad}, pruning: 0,
       learning: {{floor: 0.3, rate: 0.3, shape: 1, spread: 0.01, overfit_slope: 0, overfit_start: 100}}}}
  switch_epochs: []
  max_switches: 0
  learning: {{kind: parametric, initial_loss: 2.3, reference_samples: {samples}, knowledge_runs: 200}}
training:
  sync: ring-allreduce
  mode: iterations
devices:
  - {{profile: device-{tag}.yaml, zone: machine}}
simgrid:
  cfg: ["network/latency-factor:1", "network/bandwidth-factor:1", "network/crosstraffic:0"]
"""


def run_deplsim(deplsim: str, out: str, tag: str, world: int, batch: int, grad: int, iterations: int) -> float:
    """deplsim's seconds per iteration for `world` processes at global batch `batch` (platform-TAG-WORLD.xml and
    device-TAG.yaml written beforehand): the difference between the two epochs' ends, over the epoch's iterations."""
    scen = os.path.join(out, f"ddp-{tag}-{world}-b{batch}.yaml")
    with open(scen, "w", encoding="utf-8") as f:
        f.write(SCENARIO.format(world=world, batch=batch, samples=batch * iterations, grad=grad, tag=tag))
    env = dict(os.environ, FIXED_PLAN=json.dumps({"data_sources": ["disk"], "segments": [
        {"version": "full", "cluster": "machine", "nodes": world, "pstate": 0, "epochs": 2}]}))
    run_dir = os.path.join(out, f"run-{tag}-{world}-b{batch}")
    subprocess.run([deplsim, "-q", "run", scen, "--replications", "1", "--no-figures", "--force", "--out", run_dir,
                    "--trace-all", "--orchestrator", "external", "--external-cmd",
                    f"/usr/bin/python3 {os.path.join(ROOT, 'bench', 'fixed_plan.py')}"],
                   check=True, env=env, stdout=subprocess.DEVNULL)
    with open(os.path.join(run_dir, "trace.csv"), encoding="utf-8") as f:
        epochs = [row for row in csv.DictReader(f) if row["replication"] == "0"]
    return (float(epochs[1]["sim_time_s"]) - float(epochs[0]["sim_time_s"])) / iterations


def simulate(deplsim: str, out: str, m: dict, iterations: int) -> list:
    """Each measured run in deplsim twice: `as measured` (the ping-pong's link, the single-process device profile) and
    `corrected` with two figures measured apart from the runs: the link latency at which the platform's ring
    all-reduce of the gradients takes what gloo's all-reduce alone took on average, and DDP's own work per iteration (a
    one-process DDP run against plain training) added to the fixed time per iteration."""
    grad = next((r["gradient_bytes"] for r in m["runs"] if r["gradient_bytes"]), 0) or 437544
    two = [r for r in m["runs"] if r["processes"] == 2]
    allreduce = sum(r["allreduce_s"] for r in two) / len(two) if two else 0.0
    fitted_latency = max(0.0, allreduce / 2 - grad / 2 / m["bandwidth_Bps"])
    ddp_overhead = m["ddp_overhead_s"]
    write_device(os.path.join(out, "device-measured.yaml"), m["fixed_s"], m["s_per_sample"])
    write_device(os.path.join(out, "device-corrected.yaml"), m["fixed_s"] + ddp_overhead, m["s_per_sample"])
    rows = []
    for r in m["runs"]:
        world, batch = r["processes"], r["global_batch"]
        write_platform(os.path.join(out, f"platform-measured-{world}.xml"), world, m["latency_s"], m["bandwidth_Bps"])
        write_platform(os.path.join(out, f"platform-corrected-{world}.xml"), world, fitted_latency, m["bandwidth_Bps"])
        sim = run_deplsim(deplsim, out, "measured", world, batch, grad, iterations)
        # One process trains without DDP (as measured): only the distributed runs take the corrections.
        cor = sim if world == 1 else run_deplsim(deplsim, out, "corrected", world, batch, grad, iterations)
        local = batch / world
        rows.append({**r, "simulated_s": sim, "relative_error": sim / r["measured_s"] - 1,
                     "simulated_compute_s": max(0.0, m["fixed_s"]) + m["s_per_sample"] * local,
                     "simulated_allreduce_s": 0.0 if world == 1 else 2 * (world - 1) * (m["latency_s"] + grad / world / m["bandwidth_Bps"]),
                     "corrected_s": cor, "corrected_error": cor / r["measured_s"] - 1})
        log(f"  deplsim: {world} process(es), global batch {batch}: {sim * 1e3:.3f} ms per iteration "
            f"({100 * (sim / r['measured_s'] - 1):+.1f}%); corrected {cor * 1e3:.3f} ms ({100 * (cor / r['measured_s'] - 1):+.1f}%)")
    m["fitted_latency_s"] = fitted_latency
    return rows


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--deplsim", required=True, help="the deplsim binary")
    p.add_argument("--out", required=True, help="folder for the results (created)")
    p.add_argument("--quick", action="store_true", help="few iterations and sizes (a smoke test, seconds)")
    a = p.parse_args(argv)
    try:
        import torch  # noqa: F401
    except ImportError:
        p.error("needs PyTorch: apt-get install python3-torch (Debian), then run with /usr/bin/python3")
    cfg = QUICK if a.quick else FULL
    os.makedirs(a.out, exist_ok=True)
    log("measuring (one thread per process)")
    m = measure(cfg, a.out)
    with open(os.path.join(a.out, "measured.json"), "w", encoding="utf-8") as f:
        json.dump(m, f, indent=1)
    log("simulating")
    rows = simulate(os.path.abspath(a.deplsim), a.out, m, iterations=100)
    with open(os.path.join(a.out, "measured.json"), "w", encoding="utf-8") as f:
        json.dump(m, f, indent=1)
    tmp = os.path.join(a.out, "calibration.csv.tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["processes", "global_batch", "measured_s_per_iteration", "simulated_s_per_iteration", "relative_error",
                    "gradient_bytes", "concurrent_compute_s", "allreduce_s", "simulated_compute_s", "simulated_allreduce_s",
                    "corrected_s_per_iteration", "corrected_error", "allreduce_median_s"])
        for r in rows:
            w.writerow([r["processes"], r["global_batch"], f"{r['measured_s']:.6g}", f"{r['simulated_s']:.6g}",
                        f"{r['relative_error']:.4f}", r["gradient_bytes"], f"{r.get('concurrent_compute_s', 0):.6g}",
                        f"{r.get('allreduce_s', 0):.6g}", f"{r['simulated_compute_s']:.6g}", f"{r['simulated_allreduce_s']:.6g}",
                        f"{r['corrected_s']:.6g}", f"{r['corrected_error']:.4f}", f"{r.get('allreduce_median_s', 0):.6g}"])
    os.replace(tmp, os.path.join(a.out, "calibration.csv"))
    write_parts(rows, os.path.join(a.out, "parts.csv"))
    try:
        plot(rows, os.path.join(a.out, "calibration.png"))
        plot_parts(rows, os.path.join(a.out, "parts.png"))
    except ImportError:
        log("no matplotlib: calibration.png and parts.png not drawn")
    print(open(os.path.join(a.out, "calibration.csv"), encoding="utf-8").read(), end="")
    return 0


PARTS = ("compute_s", "wait_s", "allreduce_s", "lag_s", "after_s")


def write_parts(rows: list, path: str) -> None:
    """parts.csv: every distributed run's iteration taken apart (decompose) beside deplsim's two parts of it."""
    tmp = path + ".tmp"
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["processes", "global_batch", "ddp_s_per_iteration", "loop_s_per_iteration", *PARTS,
                    "slowest_compute_s", "deplsim_s_per_iteration", "deplsim_compute_s", "deplsim_allreduce_s"])
        for r in rows:
            if "phases" not in r:
                continue
            ph = r["phases"]
            w.writerow([r["processes"], r["global_batch"], f"{r['measured_s']:.6g}", f"{ph['iteration_s']:.6g}",
                        *(f"{ph[k]:.6g}" for k in PARTS), f"{ph['slowest_compute_s']:.6g}", f"{r['simulated_s']:.6g}",
                        f"{r['simulated_compute_s']:.6g}", f"{r['simulated_allreduce_s']:.6g}"])
    os.replace(tmp, path)


def plot_parts(rows: list, path: str) -> None:
    """parts.png: per global batch, deplsim's iteration (compute, ring all-reduce) against the measured one taken
    apart, stacked, in ms."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    runs = [r for r in rows if "phases" in r]
    if not runs:
        return
    labels = {"compute_s": "compute", "wait_s": "waiting for the slower rank", "allreduce_s": "all-reduce",
              "lag_s": "return lag", "after_s": "copy-back and step"}
    colors = dict(zip(PARTS, ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3")))
    fig, axes = plt.subplots(1, len(runs), figsize=(3.2 * len(runs), 3.6), squeeze=False)
    for ax, r in zip(axes[0], runs):
        ph = r["phases"]
        bars = {"deplsim": {"compute_s": r["simulated_compute_s"], "allreduce_s": r["simulated_allreduce_s"]},
                "measured": {k: ph[k] for k in PARTS}}
        for x, (name, parts) in enumerate(bars.items()):
            bottom = 0.0
            for k in PARTS:
                v = 1e3 * parts.get(k, 0.0)
                ax.bar(x, v, bottom=bottom, color=colors[k], label=labels[k] if x == 1 else None)
                bottom += v
        ax.axhline(1e3 * r["measured_s"], color="k", ls="--", lw=1, label="DDP, measured")
        ax.set_xticks([0, 1], ["deplsim", "measured\n(the loop by hand)"])
        ax.set_title(f"{r['processes']} processes, global batch {r['global_batch']}", fontsize=9)
        ax.set_ylabel("ms per iteration")
    axes[0][-1].legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def plot(rows: list, path: str) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 4))
    for world, marker in ((1, "o"), (2, "s"), (4, "^")):
        pts = [r for r in rows if r["processes"] == world]
        if not pts:
            continue
        b = [r["global_batch"] for r in pts]
        ax.plot(b, [1e3 * r["measured_s"] for r in pts], marker=marker, ls="-", label=f"{world} process(es): measured")
        ax.plot(b, [1e3 * r["simulated_s"] for r in pts], marker=marker, ls="--", mfc="none",
                label=f"{world} process(es): deplsim, as measured")
        if world > 1:
            ax.plot(b, [1e3 * r["corrected_s"] for r in pts], marker=marker, ls=":", mfc="none",
                    label=f"{world} process(es): deplsim, all-reduce and DDP work measured apart")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("global batch")
    ax.set_ylabel("ms per iteration")
    ax.set_title("Fashion-MNIST MLP, data-parallel on this machine (gloo)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


if __name__ == "__main__":
    sys.exit(main())
