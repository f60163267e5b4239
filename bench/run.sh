#!/usr/bin/env bash
# deplsim's benchmarks (figures to improve on, not timed tests; docs/performance.md): replications and SimGrid
# activities per second, the simulation's overhead over a bare SimGrid program, faults, a 10,000-host platform,
# planners' times and the optimum's gap, a sweep's speed-up with 2 jobs — all measured in one run of this
# script, written to bench/results.json and printed as a table. Usage: bench/run.sh [--quick]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
QUICK=0
[ "${1:-}" = "--quick" ] && QUICK=1
cmake --preset release -DDEPLSIM_BUILD_BENCH=ON >/dev/null
cmake --build --preset release -- -j2 >/dev/null
DEPLSIM="$ROOT/build/release/deplsim"
SCENARIO="$ROOT/scenarios/paper/alexnet-cifar10.yaml"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
if [ $QUICK = 1 ]; then N_ONCE=20000; N_EVERY=50; N_SYNC=20; else N_ONCE=100000; N_EVERY=500; N_SYNC=50; fi

# 1. Nothing random in platform or plan: the cost is simulated once, losses sampled per replication.
"$DEPLSIM" run "$SCENARIO" --no-figures --replications $N_ONCE --out "$TMP/once" >/dev/null
# 2. The same plan simulated for every replication (single-node plan: computations only).
"$DEPLSIM" run "$SCENARIO" --no-figures --replications $N_EVERY --simulate-every-replication --out "$TMP/every" >/dev/null
# 3. A synchronisation-heavy plan (fastest cluster, ring all-reduce every round), simulated every replication.
"$DEPLSIM" run "$SCENARIO" --no-figures --replications $N_SYNC --simulate-every-replication --set objective=time --out "$TMP/sync" >/dev/null
# Paired runs for the ratio of 7 (a number that moves by half between two runs cannot show a 10% gain): PAIRS times
# deplsim then the bare program, interleaved, so that both see the same load; the median and min-max are reported.
PAIRS=5
/usr/bin/python3 -c "import json,sys; json.dump(json.load(open(sys.argv[1]))['plan'], open(sys.argv[2], 'w'))" "$TMP/sync/summary.json" "$TMP/sync-plan.json"
for i in $(seq $PAIRS); do
  "$DEPLSIM" run "$SCENARIO" --no-figures --replications $N_SYNC --simulate-every-replication --set objective=time --out "$TMP/sync-$i" >/dev/null
  "$ROOT/build/release/bench/bare_sim" "$SCENARIO" "$TMP/sync-plan.json" $N_SYNC >"$TMP/bare-$i.json"
done

# 4. Planner knowledge: propagation for K = 200, B = 200 and the build of one kernel chain.
"$ROOT/build/release/bench/knowledge_bench" "$SCENARIO" --benchmark_format=json >"$TMP/knowledge.json" 2>/dev/null

# 5. depl's planning time on the paper scenario, and against the instance size (exponents fitted below).
"$DEPLSIM" run "$SCENARIO" --no-figures --orchestrator depl --replications 1 --out "$TMP/depl" >/dev/null  # (warms the cache)
for i in $(seq 10); do  # the p95 of 10 plans, knowledge cached
  "$DEPLSIM" run "$SCENARIO" --no-figures --orchestrator depl --replications 1 --out "$TMP/depl-$i" >/dev/null
done
if [ $QUICK = 0 ]; then
  "$ROOT/build/release/bench/depl_bench" "$SCENARIO" --benchmark_format=json >"$TMP/depl_bench.json" 2>/dev/null
fi

# 6. The optimum (CBC): on the medium instance (the paper's AlexNet/CIFAR-10 scenario) with depl's gap to it, and
#    its solve time against the size of seeded random instances.
"$DEPLSIM" plan "$SCENARIO" --orchestrator optimum >"$TMP/optimum_plan.json" 2>/dev/null
"$DEPLSIM" plan "$SCENARIO" --orchestrator depl >"$TMP/depl_plan.json" 2>/dev/null
/usr/bin/time -f "%e" -o "$TMP/optimum_time.txt" "$DEPLSIM" plan "$SCENARIO" --orchestrator optimum >/dev/null 2>&1
"$ROOT/build/release/bench/optimum_bench" --json $([ $QUICK = 1 ] && echo --quick) >"$TMP/optimum_bench.jsonl"

# 7. sim_overhead_vs_bare: the synchronisation-heavy plan of 3 simulated by deplsim (engine time) and by a bare
#    SimGrid program running the same activities (bench/bare_sim.cpp): the PAIRS interleaved pairs run in 3.
# 8. replications_per_s_faults: the paper plan with node failures on every cluster (mtbf 600 s, mttr 120 s).
FAULTS=(--set clusters.edge-a.mtbf_s=600 --set clusters.edge-a.mttr_s=120 --set clusters.edge-b.mtbf_s=600 --set clusters.edge-b.mttr_s=120
        --set clusters.edge-c.mtbf_s=600 --set clusters.edge-c.mttr_s=120 --set clusters.cloud.mtbf_s=600 --set clusters.cloud.mttr_s=120)
"$DEPLSIM" run "$SCENARIO" --no-figures --replications $N_EVERY "${FAULTS[@]}" --out "$TMP/faults" >/dev/null
# 9. The 10,000-host platform (deplsim platform generate), a 100-epoch plan on a 64-node cluster with one round per
#    epoch, 10 replications with faults on: wall time and peak memory of the whole `deplsim run`.
"$DEPLSIM" platform generate "$ROOT/bench/platforms/large.yaml" --out "$TMP/large.xml" 2>/dev/null
LARGE_EPOCHS=100
[ $QUICK = 1 ] && LARGE_EPOCHS=100
export FIXED_PLAN="{\"data_sources\": [\"cam1\"], \"segments\": [{\"version\": \"full\", \"cluster\": \"edge-0\", \"nodes\": 64, \"pstate\": 0, \"epochs\": $LARGE_EPOCHS}]}"
/usr/bin/time -f "%e %M" -o "$TMP/large.time" "$DEPLSIM" run --no-figures "$ROOT/bench/platforms/large-scenario.yaml" --platform "$TMP/large.xml" \
  --orchestrator external --external-cmd "/usr/bin/python3 $ROOT/bench/fixed_plan.py" --replications 10 --out "$TMP/large" >/dev/null
#    Its floor, in the same run: the bare SimGrid program (bench/bare_sim.cpp) on the same platform, plan and
#    replications (no faults, meters or losses; the platform loaded but not checked).
echo "$FIXED_PLAN" >"$TMP/large-plan.json"
"$ROOT/build/release/bench/bare_sim" "$ROOT/bench/platforms/large-scenario.yaml" "$TMP/large-plan.json" 10 --platform "$TMP/large.xml" >"$TMP/large-bare.json"
# 10. sweep_speedup_jobs2: the same sweep with --jobs 1 and --jobs 2 (wall time ratio).
SWEEP="$ROOT/bench/sweeps/speedup.yaml"
s1=$(date +%s.%N); "$DEPLSIM" sweep "$SWEEP" --out "$TMP/sw1" --jobs 1 2>/dev/null; e1=$(date +%s.%N)
s2=$(date +%s.%N); "$DEPLSIM" sweep "$SWEEP" --out "$TMP/sw2" --jobs 2 2>/dev/null; e2=$(date +%s.%N)
echo "$s1 $e1 $s2 $e2" >"$TMP/sweep.times"
# 11. Iterations mode (docs/model.md 4.14): a 16-node ring plan (ResNet-50 on the 16 A100 instances, 25 MiB buckets),
#     every iteration in SimGrid (sim_iterations_per_s) and composed (iter_composed_speedup), one replication each.
ITER_EPOCHS=4
export FIXED_PLAN="{\"data_sources\": [\"site-1\", \"site-2\"], \"segments\": [{\"version\": \"full\", \"cluster\": \"cloud\", \"nodes\": 16, \"pstate\": 0, \"epochs\": $ITER_EPOCHS}]}"
for mode in plain composed; do
  "$DEPLSIM" run "$ROOT/scenarios/distributed/resnet50-edge-cloud.yaml" --no-figures --replications 1 \
    --orchestrator external --external-cmd "/usr/bin/python3 $ROOT/bench/fixed_plan.py" --out "$TMP/iter-$mode" \
    $([ $mode = plain ] && echo --simulate-every-iteration) >/dev/null
done
#     Its floor: the bare program on the same iterations (their activities in stages, bench/bare_sim.cpp).
echo "$FIXED_PLAN" >"$TMP/iter-plan.json"
"$ROOT/build/release/bench/bare_sim" "$ROOT/scenarios/distributed/resnet50-edge-cloud.yaml" "$TMP/iter-plan.json" 1 >"$TMP/iter-bare.json"
# 12. depl_plan_s_distributed: depl's plan where distribution pays (docs/results.md, "Choosing the global batch":
#     ResNet-50 on Orin boards and A100 instances, the batch chosen from 256/1024/4096 under the batch-size law), no
#     deadline and a 6-hour one: the p95 of DIST_RUNS plans each (timing.json planner_wall_s: all batches), knowledge
#     cached by a first run.
DIST=("$ROOT/scenarios/distributed/resnet50-edge-cloud.yaml" --set 'model.batch_sizes=[256, 1024, 4096]'
      --set model.learning.batch_noise_scale=2048 --set model.learning.reference_batch=256 --set target.max_epochs=200)
DIST_RUNS=10
for cell in none 21600; do
  DL=(); [ $cell = none ] || DL=(--set target.deadline_s=$cell)
  "$DEPLSIM" run "${DIST[@]}" "${DL[@]}" --no-figures --orchestrator depl --replications 1 --out "$TMP/dist-$cell-warm" >/dev/null 2>&1
  for i in $(seq $DIST_RUNS); do
    "$DEPLSIM" run "${DIST[@]}" "${DL[@]}" --no-figures --orchestrator depl --replications 1 --out "$TMP/dist-$cell-$i" >/dev/null 2>&1
  done
done
# 13. coverage_cell_s: one coverage cell (the paper scenario, 100 knowledge runs, L* 0.82, p* 0.8; docs/model.md 3.8)
#     with the six certifying planners, as the time of 200 repetitions on one process: the five planners without a
#     MILP timed on COV_FAST repetitions and the optimum on COV_OPT (its CBC solves dominate), each scaled to 200.
if [ $QUICK = 1 ]; then COV_FAST=20; COV_OPT=5; else COV_FAST=200; COV_OPT=20; fi
COV=("$ROOT/scenarios/paper/alexnet-cifar10.yaml" --set model.learning.knowledge_runs=100 --set target.probability=0.8)
s1=$(date +%s.%N)
"$DEPLSIM" coverage "${COV[@]}" --repetitions $COV_FAST --orchestrators depl,expected-loss+margin,depl-online,full-only,pruned-only \
  --out "$TMP/cov-fast" >/dev/null 2>&1
e1=$(date +%s.%N)
"$DEPLSIM" coverage "${COV[@]}" --repetitions $COV_OPT --orchestrators optimum --out "$TMP/cov-opt" >/dev/null 2>&1
e2=$(date +%s.%N)
echo "$COV_FAST $s1 $e1 $COV_OPT $e2" >"$TMP/coverage.times"

# 14. iter_replications_60s: 20,000 replications of a 16-node ring plan in iterations mode (ResNet-50 on the 16 A100
#     instances, one data source of 64,000 samples in global batches of 160: 50 epochs x 400 iterations) with
#     per-iteration stragglers (p = 0.05, x2), composed by straggler pattern (docs/model.md 4.14): the whole run's wall
#     time. Its agreement with plain execution (every iteration in SimGrid) on ITER_CHECK_REPS replications of a plan of
#     ITER_CHECK_EPOCHS epochs: the same replications' time and energy, to 1e-6 relative.
if [ $QUICK = 1 ]; then ITER_CHECK_EPOCHS=5; else ITER_CHECK_EPOCHS=50; fi
ITER_CHECK_REPS=1
export ITER_CHECK_EPOCHS
STRAG=("$ROOT/scenarios/distributed/resnet50-edge-cloud.yaml" --no-figures --orchestrator external --external-cmd "/usr/bin/python3 $ROOT/bench/fixed_plan.py"
       --set model.batch_size=160 --set clusters.cloud.straggler_probability=0.05 --set clusters.cloud.straggler_slowdown=2)
export FIXED_PLAN='{"data_sources": ["site-1"], "segments": [{"version": "full", "cluster": "cloud", "nodes": 16, "pstate": 0, "epochs": 50}]}'
/usr/bin/time -f "%e %M" -o "$TMP/strag.time" "$DEPLSIM" run "${STRAG[@]}" --replications 20000 --out "$TMP/strag" >/dev/null 2>&1
export FIXED_PLAN="{\"data_sources\": [\"site-1\"], \"segments\": [{\"version\": \"full\", \"cluster\": \"cloud\", \"nodes\": 16, \"pstate\": 0, \"epochs\": $ITER_CHECK_EPOCHS}]}"
for mode in composed plain; do
  "$DEPLSIM" run "${STRAG[@]}" --replications $ITER_CHECK_REPS --out "$TMP/strag-$mode" \
    $([ $mode = plain ] && echo --simulate-every-iteration) >/dev/null 2>&1
done

/usr/bin/python3 - "$TMP" "$ROOT/bench/results.json" <<'PYEOF'
import json, os, platform, sys
tmp, out = sys.argv[1], sys.argv[2]
t = {k: json.load(open(os.path.join(tmp, k, "timing.json"))) for k in ("once", "every", "sync")}
s = {k: json.load(open(os.path.join(tmp, k, "summary.json"))) for k in ("once", "every", "sync")}
def plan(k):
    seg = s[k]["plan"]["segments"][0]
    return f'{seg["version"]} on {seg["cluster"]} x{seg["nodes"]}, {seg["epochs"]} epochs, {s[k]["simulation"]["rounds_per_epoch"]} rounds/epoch'
results = {
    "scenario": s["once"]["scenario"],
    "machine": f"{platform.machine()}, {os.cpu_count()} cores",
    "replications_per_s": t["once"]["replications_per_s"],
    "replications_per_s_simulated": t["every"]["replications_per_s"],
    "replications_per_s_sync_plan": t["sync"]["replications_per_s"],
    "activities_per_s": t["sync"]["activities_per_s"],
    "activities_per_s_compute_only": t["every"]["activities_per_s"],
    "plans": {"energy objective": plan("once"), "time objective": plan("sync")},
}
tmpf = out + ".tmp"
with open(tmpf, "w") as f:
    json.dump(results, f, indent=2)
    f.write("\n")
os.replace(tmpf, out)
print(f"{'measure':<34} {'value':>14}  plan")
for k, p in [("replications_per_s", "once"), ("replications_per_s_simulated", "every"),
             ("replications_per_s_sync_plan", "sync"), ("activities_per_s", "sync"),
             ("activities_per_s_compute_only", "every")]:
    print(f"{k:<34} {results[k]:>14.1f}  {plan(p)}")
print("bare SimGrid runs about 500,000 activities/s on these machines (the floor to compare with).")
kb = json.load(open(os.path.join(tmp, "knowledge.json")))
for b in kb["benchmarks"]:
    name = b["name"]
    if name.startswith("BM_Propagation/200/200"):
        key = "propagation_ms_K200_B200" + ("_switch" if name.endswith("/1") else "")
        results[key] = b["real_time"]
    if name.startswith("BM_ChainBuild/8000"):
        results["knowledge_chain_build_ms_8000"] = b["real_time"]
import statistics
plans = sorted(json.load(open(os.path.join(tmp, f"depl-{i}", "timing.json")))["planner_wall_s"] for i in range(1, 11))
results["depl_plan_s_paper"] = plans[-1 - len(plans) // 20]  # p95 by nearest rank: the 10th of 10 is the max
results["depl_plan_s_paper_detail"] = {"runs": plans, "median": statistics.median(plans), "p95": results["depl_plan_s_paper"]}
print(f"{'depl_plan_s_paper (p95 of 10)':<34} {results['depl_plan_s_paper']:>14.3f}  s (target: 0.1 s; median {statistics.median(plans):.3f}, min {plans[0]:.3f})")
db = os.path.join(tmp, "depl_bench.json")
if os.path.exists(db):
    import math
    runs = json.load(open(db))["benchmarks"]
    for dim, counter in (("K", "K"), ("B", "B"), ("Versions", "versions"), ("Clusters", "clusters"), ("Sources", "sources")):
        pts = [(b[counter], b["real_time"]) for b in runs if b["name"].startswith(f"BM_{dim}/") and b["real_time"] > 5.0]
        if len(pts) >= 2:
            xs = [math.log(x) for x, _ in pts]
            ys = [math.log(y) for _, y in pts]
            mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
            slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
            results[f"depl_exponent_{counter}"] = slope
            print(f"{'depl time ~ ' + counter + '^a, a =':<34} {slope:>14.2f}  ({len(pts)} sizes above 5 ms)")
pairs = []
for i in range(1, 1 + len([d for d in os.listdir(tmp) if d.startswith("bare-")])):
    ts = json.load(open(os.path.join(tmp, f"sync-{i}", "timing.json")))
    bare = json.load(open(os.path.join(tmp, f"bare-{i}.json")))
    engine_s = ts["simgrid_activities"] / ts["activities_per_s"]
    pairs.append({"deplsim_engine_s": engine_s, "bare_s": bare["wall_s"], "ratio": engine_s / bare["wall_s"],
                  "same_activities": bare["activities"] == ts["simgrid_activities"]})
ratios = sorted(p["ratio"] for p in pairs)
results["sim_overhead_vs_bare"] = statistics.median(ratios)
results["sim_overhead_detail"] = {"pairs": pairs, "min": ratios[0], "max": ratios[-1], "activities": bare["activities"]}
print(f"{'sim_overhead_vs_bare (median)':<34} {results['sim_overhead_vs_bare']:>14.3f}  (target: 1.15; {len(pairs)} interleaved pairs, "
      f"min-max {ratios[0]:.3f}-{ratios[-1]:.3f}; {bare['activities']} activities each)")
tf = json.load(open(os.path.join(tmp, "faults", "timing.json")))
sf = json.load(open(os.path.join(tmp, "faults", "summary.json")))
results["replications_per_s_faults"] = tf["replications_per_s"]
print(f"{'replications_per_s_faults':<34} {tf['replications_per_s']:>14.1f}  (mtbf 600 s on every node; {sf['faults']['failures_mean']:.3f} failures per replication; {sf['simulation']['rounds_per_epoch']} rounds/epoch)")
wall, rss_kb = open(os.path.join(tmp, "large.time")).read().split()[-2:]
results["large_platform_s"] = float(wall)
results["large_platform_rss_mb"] = int(rss_kb) / 1024
lt = json.load(open(os.path.join(tmp, "large", "timing.json")))
results["large_platform_detail"] = {"hosts": 10005, "epochs": 100, "nodes": 64, "replications": 10, "simulation_wall_s": lt["simulation_wall_s"],
                                     "activities": lt["simgrid_activities"], "activities_per_s": lt["activities_per_s"]}
lb = json.load(open(os.path.join(tmp, "large-bare.json")))
results["large_platform_detail"]["bare_floor_s"] = lb["wall_s"]
results["large_platform_detail"]["bare_activities"] = lb["activities"]
results["large_platform_vs_floor"] = results["large_platform_s"] / lb["wall_s"]
print(f"{'large_platform_s':<34} {results['large_platform_s']:>14.1f}  s (target: 30 s; simulation {lt['simulation_wall_s']:.1f} s, {lt['simgrid_activities']} activities; "
      f"the bare floor {lb['wall_s']:.1f} s for {lb['activities']} activities without faults: x{results['large_platform_vs_floor']:.2f})")
print(f"{'large_platform_rss_mb':<34} {results['large_platform_rss_mb']:>14.1f}  MiB (target: 2048)")
s1, e1, s2, e2 = map(float, open(os.path.join(tmp, "sweep.times")).read().split())
results["sweep_speedup_jobs2"] = (e1 - s1) / (e2 - s2)
print(f"{'sweep_speedup_jobs2':<34} {results['sweep_speedup_jobs2']:>14.2f}  (target: 1.8; bench/sweeps/speedup.yaml, 8 units)")
op = json.load(open(os.path.join(tmp, "optimum_plan.json")))
dp = json.load(open(os.path.join(tmp, "depl_plan.json")))
results["optimum_instance"] = s["once"]["scenario"] + " (paper platform, 27 hosts, 40 resource choices per epoch)"
results["optimum_plan_s"] = float(open(os.path.join(tmp, "optimum_time.txt")).read().split()[-1])
results["optimum_status"] = op["solver"]["status"]
if op["status"] == "ok" and dp["status"] == "ok":
    results["depl_gap_vs_optimum"] = dp["predicted"]["energy_j"] / op["predicted"]["energy_j"] - 1
print(f"{'optimum_plan_s':<34} {results['optimum_plan_s']:>14.3f}  s, {results['optimum_status']} (whole `deplsim plan`, knowledge cached)")
if "depl_gap_vs_optimum" in results:
    print(f"{'depl_gap_vs_optimum':<34} {results['depl_gap_vs_optimum']:>14.4f}  (target: 0.05)")
rows = [json.loads(l) for l in open(os.path.join(tmp, "optimum_bench.jsonl")) if l.strip()]
results["optimum_vs_size"] = rows
print("optimum solve time against instance size (seeded random instances, tests/support/random_instance.hpp):")
print(f"  {'hosts<=':>7} {'edges':>5} {'K':>4} {'resources':>9} {'status':>8} {'optimum s':>10} {'depl s':>8} {'depl gap':>9}")
for r in rows:
    gap = "-" if r["depl_gap"] is None else f"{100 * r['depl_gap']:.2f}%"
    print(f"  {r['hosts']:>7} {r['edge_clusters']:>5} {r['max_epochs']:>4} {r['resources']:>9} {r['status']:>8} {r['optimum_s']:>10.3f} {r['depl_s']:>8.3f} {gap:>9}")
for k in ("propagation_ms_K200_B200", "propagation_ms_K200_B200_switch", "knowledge_chain_build_ms_8000"):
    if k in results:
        print(f"{k:<34} {results[k]:>14.3f}  ms" + ("  (target: under 5 ms)" if k.startswith("propagation") else ""))
it = {m: json.load(open(os.path.join(tmp, f"iter-{m}", "timing.json"))) for m in ("plain", "composed")}
isum = json.load(open(os.path.join(tmp, "iter-plain", "summary.json")))
iterations = isum["simulation"]["iterations_per_epoch"] * isum["plan"]["segments"][0]["epochs"]
results["sim_iterations_per_s"] = iterations / it["plain"]["simulation_wall_s"]
results["sim_iterations_activities_per_s"] = it["plain"]["activities_per_s"]
results["iter_composed_speedup"] = it["plain"]["simulation_wall_s"] / it["composed"]["simulation_wall_s"]
ib = json.load(open(os.path.join(tmp, "iter-bare.json")))
results["sim_iterations_bare_per_s"] = ib["iterations"] / ib["wall_s"]
results["sim_iterations_vs_bare"] = results["sim_iterations_per_s"] / results["sim_iterations_bare_per_s"]
print(f"{'sim_iterations_per_s':<34} {results['sim_iterations_per_s']:>14.1f}  (16-node ring, {iterations} iterations, "
      f"{it['plain']['simgrid_activities']} activities at {it['plain']['activities_per_s']:.0f}/s)")
print(f"{'sim_iterations_vs_bare':<34} {results['sim_iterations_vs_bare']:>14.3f}  (target: 0.8; the bare program: {results['sim_iterations_bare_per_s']:.1f} "
      f"iterations/s, {ib['activities']} activities)")
print(f"{'iter_composed_speedup':<34} {results['iter_composed_speedup']:>14.1f}  (the same plan, identical iterations composed)")
dist = {}
for cell in ("none", "21600"):
    runs = sorted(json.load(open(os.path.join(tmp, f"dist-{cell}-{i}", "timing.json")))["planner_wall_s"]
                  for i in range(1, 11))
    dist["no deadline" if cell == "none" else "deadline 6 h"] = {"runs": runs, "median": statistics.median(runs),
                                                               "p95": runs[-1 - len(runs) // 20]}
results["depl_plan_s_distributed"] = max(d["p95"] for d in dist.values())
results["depl_plan_s_distributed_detail"] = dist
print(f"{'depl_plan_s_distributed (p95 of 10)':<34} {results['depl_plan_s_distributed']:>14.3f}  s (target: 0.5 s; "
      + "; ".join(f"{k}: median {d['median']:.3f}" for k, d in dist.items()) + ")")
n_fast, s1, e1, n_opt, e2 = open(os.path.join(tmp, "coverage.times")).read().split()
fast_per = (float(e1) - float(s1)) / int(n_fast)
opt_per = (float(e2) - float(e1)) / int(n_opt)
results["coverage_cell_s"] = 200 * (fast_per + opt_per)
results["coverage_cell_detail"] = {"repetitions_timed": {"five planners": int(n_fast), "optimum": int(n_opt)},
                                   "s_per_repetition": {"five planners": fast_per, "optimum": opt_per},
                                   "without_optimum_s": 200 * fast_per}
print(f"{'coverage_cell_s (200 repetitions)':<34} {results['coverage_cell_s']:>14.1f}  s (target: 120 s; without the optimum "
      f"{200 * fast_per:.1f} s; the optimum {opt_per:.1f} s per repetition)")
wall, rss_kb = open(os.path.join(tmp, "strag.time")).read().split()[-2:]
st = json.load(open(os.path.join(tmp, "strag", "timing.json")))
import csv
check = {m: list(csv.DictReader(open(os.path.join(tmp, f"strag-{m}", "replications.csv")))) for m in ("composed", "plain")}
worst = max(abs(float(a[k]) - float(b[k])) / abs(float(b[k])) for a, b in zip(check["composed"], check["plain"]) for k in ("time_s", "energy_j"))
ct = {m: json.load(open(os.path.join(tmp, f"strag-{m}", "timing.json"))) for m in ("composed", "plain")}
results["iter_replications_60s"] = float(wall)
results["iter_replications_detail"] = {
    "replications": 20000, "nodes": 16, "epochs": 50, "iterations_per_epoch": 400, "straggler_probability": 0.05,
    "straggler_slowdown": 2, "simulation_wall_s": st["simulation_wall_s"], "replications_per_s": st["replications_per_s"],
    "simgrid_activities": st["simgrid_activities"], "peak_rss_mb": int(rss_kb) / 1024,
    "agreement": {"replications": len(check["plain"]), "epochs": int(os.environ["ITER_CHECK_EPOCHS"]),
                  "worst_relative_difference": worst, "activities_composed": ct["composed"]["simgrid_activities"],
                  "activities_plain": ct["plain"]["simgrid_activities"], "plain_wall_s": ct["plain"]["simulation_wall_s"]}}
print(f"{'iter_replications_60s':<34} {results['iter_replications_60s']:>14.1f}  s (target: 60 s; 20,000 replications, 16-node ring, "
      f"50 x 400 iterations, stragglers p 0.05 x2; {st['replications_per_s']:.0f}/s; plain vs composed on "
      f"{len(check['plain'])} replication(s): worst {worst:.1e} relative, {ct['plain']['simulation_wall_s']:.1f} s plain)")
suite = os.path.join(os.path.dirname(out), "..", "build", "test-suite-time.json")
if os.path.exists(suite):  # the last `./run.sh test` of this checkout (its own timing; too long to run here)
    ts = json.load(open(suite))
    results["test_suite_s"] = ts["total_s"] - ts["stages"].get("packages", 0.0)  # the issue's figure: packages installed
    results["test_suite_detail"] = ts
    cold = "cold builds" if ts.get("cold_release_build") and ts.get("cold_sanitize_build") else "builds not both cold"
    print(f"{'test_suite_s':<34} {results['test_suite_s']:>14.1f}  s (target: 900 s; the last ./run.sh test here, {ts['date']}, {cold}: "
          + "; ".join(f"{k} {v:.0f} s" for k, v in ts["stages"].items()) + ")")
else:
    results["test_suite_s"] = None
    print(f"{'test_suite_s':<34} {'-':>14}  (no ./run.sh test has run in this checkout: build/test-suite-time.json)")
with open(tmpf, "w") as f:
    json.dump(results, f, indent=2)
    f.write("\n")
os.replace(tmpf, out)
print(f"written to {out}")
PYEOF
