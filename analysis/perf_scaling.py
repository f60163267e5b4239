#!/usr/bin/python3
"""How deplsim's cost grows (docs/performance.md): wall time of `deplsim` against platform size, epochs, rounds per
epoch, replications, the knowledge's grid size B, and — in iterations mode with per-iteration stragglers, composed by
straggler pattern — the nodes of the ring and the iterations per epoch, each varied alone, measured on this machine,
then one figure.

Usage: analysis/perf_scaling.py OUT_DIR [--deplsim build/release/deplsim]
Writes OUT_DIR/perf_scaling.csv (what,x,wall_s) and OUT_DIR/perf_scaling.png/.pdf.
"""
import csv
import json
import os
import subprocess
import sys
import tempfile
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(args, env=None):
    t0 = time.monotonic()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.monotonic() - t0


def main():
    args = sys.argv[1:]
    if not args or args[0].startswith("-"):
        print(__doc__, file=sys.stderr)
        return 2
    out = args[0]
    deplsim = args[args.index("--deplsim") + 1] if "--deplsim" in args else os.path.join(ROOT, "build/release/deplsim")
    os.makedirs(out, exist_ok=True)
    tiny = os.path.join(ROOT, "tests/data/scenarios/tiny.yaml")
    paper = os.path.join(ROOT, "scenarios/paper/alexnet-cifar10.yaml")
    rows = []
    env = dict(os.environ)
    with tempfile.TemporaryDirectory() as tmp:
        # Platform size: generated platforms, a fixed 10-epoch plan on a 64-node cluster, 2 replications.
        for clusters in (15, 40, 78, 156):
            spec = os.path.join(tmp, f"p{clusters}.yaml")
            with open(spec, "w") as f:
                f.write("clusters:\n  - {prefix: edge, count: %d, hosts: 64, speed: \"94.37Gf,65.54Gf\", cores: 4, "
                        "wattage_per_state: \"1.25:1.25:5.0, 1.1:1.1:3.6\"}\n"
                        "  - {prefix: cloud, count: 1, hosts: 4, speed: \"19.5Tf\", cores: 8, wattage_per_state: \"800:800:3200\"}\n"
                        "sources: {count: 4}\n" % clusters)
            xml = os.path.join(tmp, f"p{clusters}.xml")
            subprocess.run([deplsim, "platform", "generate", spec, "--out", xml], check=True, stderr=subprocess.DEVNULL)
            env["FIXED_PLAN"] = json.dumps({"data_sources": ["cam1"], "segments": [
                {"version": "full", "cluster": "edge-0", "nodes": 64, "pstate": 0, "epochs": 10}]})
            w = run([deplsim, "run", "--no-figures", os.path.join(ROOT, "bench/platforms/large-scenario.yaml"), "--platform", xml,
                     "--set", "clusters.cloud-0.zone=cloud",
                     "--set", "clusters.edge-0.mtbf_s=0", "--set", "clusters.edge-1.mtbf_s=0",
                     "--orchestrator", "external", "--external-cmd", f"/usr/bin/python3 {ROOT}/bench/fixed_plan.py",
                     "--replications", "2", "--out", os.path.join(tmp, f"r{clusters}")], env)
            rows.append(("platform hosts (10-epoch plan on 64 nodes, 2 replications)", clusters * 64 + 9, w))
        # Epochs, rounds per epoch, replications: a fixed plan on tiny.yaml (full on main x2), the fixed-plan
        # external orchestrator of bench/.
        fixed = ["--orchestrator", "external", "--external-cmd", f"/usr/bin/python3 {ROOT}/bench/fixed_plan.py"]

        def plan_env(epochs):
            e = dict(os.environ)
            e["FIXED_PLAN"] = json.dumps({"data_sources": ["cam1", "cam2"], "segments": [
                {"version": "full", "cluster": "main", "nodes": 2, "pstate": 0, "epochs": epochs}]})
            return e
        for k in (10, 20, 40, 80):
            w = run([deplsim, "run", "--no-figures", tiny, *fixed, "--set", "target.max_epochs=80", "--replications", "200",
                     "--simulate-every-replication", "--out", os.path.join(tmp, f"k{k}")], plan_env(k))
            rows.append(("epochs (200 replications, each simulated)", k, w))
        for r in (1, 2, 5, 10, 20):
            w = run([deplsim, "run", "--no-figures", tiny, *fixed, "--set", f"training.rounds_per_epoch={r}", "--replications", "200",
                     "--simulate-every-replication", "--out", os.path.join(tmp, f"rpe{r}")], plan_env(13))
            rows.append(("rounds per epoch (13 epochs, 200 replications)", r, w))
        for n in (1000, 10000, 100000):
            w = run([deplsim, "run", "--no-figures", tiny, *fixed, "--replications", str(n), "--out", os.path.join(tmp, f"n{n}")], plan_env(13))
            rows.append(("replications (cost simulated once)", n, w))
        for n in (100, 1000, 5000):
            w = run([deplsim, "run", "--no-figures", tiny, *fixed, "--replications", str(n), "--simulate-every-replication",
                     "--out", os.path.join(tmp, f"e{n}")], plan_env(13))
            rows.append(("replications (each simulated)", n, w))
        for b in (25, 50, 100, 200, 400):
            env2 = dict(os.environ)
            env2["DEPLSIM_CACHE_DIR"] = os.path.join(tmp, f"cache{b}")
            w = run([deplsim, "plan", paper, "--set", f"model.learning.levels={b}"], env2)
            rows.append(("grid size B (depl plan, knowledge counted afresh)", b, w))
        # Iterations mode (docs/model.md 4.14): ResNet-50 on the A100 instances, one data source (64,000 samples),
        # stragglers per iteration (p = 0.05, x2), 2,000 replications composed by straggler pattern.
        resnet = os.path.join(ROOT, "scenarios/distributed/resnet50-edge-cloud.yaml")
        strag = ["--set", "clusters.cloud.straggler_probability=0.05", "--set", "clusters.cloud.straggler_slowdown=2"]

        def ring_env(nodes, epochs):
            e = dict(os.environ)
            e["FIXED_PLAN"] = json.dumps({"data_sources": ["site-1"], "segments": [
                {"version": "full", "cluster": "cloud", "nodes": nodes, "pstate": 0, "epochs": epochs}]})
            return e
        for nodes in (2, 4, 8, 16):
            w = run([deplsim, "run", "--no-figures", resnet, *fixed, *strag, "--set", "model.batch_size=160", "--replications", "2000",
                     "--out", os.path.join(tmp, f"ring{nodes}")], ring_env(nodes, 10))
            rows.append(("nodes of the ring (iterations, stragglers; 10 x 400 iterations, 2,000 replications)", nodes, w))
        for batch in (640, 320, 160, 80):
            w = run([deplsim, "run", "--no-figures", resnet, *fixed, *strag, "--set", f"model.batch_size={batch}", "--replications", "2000",
                     "--out", os.path.join(tmp, f"batch{batch}")], ring_env(16, 10))
            rows.append(("iterations per epoch (16-node ring, stragglers; 10 epochs, 2,000 replications)", 64000 // batch, w))
    path = os.path.join(out, "perf_scaling.csv")
    with open(path + ".tmp", "w", newline="") as f:
        wr = csv.writer(f)
        wr.writerow(["what", "x", "wall_s"])
        wr.writerows(rows)
    os.replace(path + ".tmp", path)
    groups = {}
    for what, x, w in rows:
        groups.setdefault(what, []).append((x, w))
    fig, axes = plt.subplots(2, 4, figsize=(17, 7.5))
    for ax, (what, pts) in zip(axes.flat, groups.items()):
        xs, ws = zip(*pts)
        ax.plot(xs, ws, "o-", color="#0072B2")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(what if len(what) < 60 else what.replace(" (", "\n(", 1), fontsize=8)
        ax.set_ylabel("wall time (s)")
        ax.grid(True, which="both", alpha=0.3)
    for ax in list(axes.flat)[len(groups):]:
        ax.axis("off")
    fig.suptitle("deplsim's wall time against the size of the work (each varied alone, one machine)")
    fig.tight_layout()
    for ext in ("png", "pdf"):
        fig.savefig(os.path.join(out, f"perf_scaling.{ext}"), dpi=110,
                    metadata={"Software": None} if ext == "png" else {"Creator": None, "Producer": None, "CreationDate": None})
    print(f"wrote {path} and perf_scaling.png/.pdf")
    return 0


if __name__ == "__main__":
    sys.exit(main())
