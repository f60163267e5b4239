#!/usr/bin/python3
"""An external deplsim orchestrator in plain Python (standard library only): the deplsim-orchestrator/1 protocol
(docs/orchestrators.md) end to end, and an honest planner behind it.

    deplsim run SCENARIO --orchestrator external --external-cmd "python3 orchestrators/external/example_orchestrator.py"

What it plans (a "full-only" anchor with a cruder cost estimate):
  * data: every data source (q = their samples per epoch);
  * model: the full version (index 0) alone, no switch;
  * epochs: the fewest K whose predicted P(L_K <= L*) >= p*, from the exported planner knowledge
    (knowledge.json and the kernel CSVs, docs/knowledge.md section 3): the single chain of the full version on
    the largest data bucket whose samples <= q, propagated epoch by epoch;
  * resources: for every cluster, node count n (its n fastest training hosts, as deplsim uses them) and power
    state s common to them, the estimate
        epoch time   = flops_per_sample * q / (sum of the n hosts' total speed at s)
        epoch energy = epoch time * (sum of the n hosts' all-cores watts at s)
        epoch money  = epoch time * n * price_per_node_s
    (computation only: no synchronisation, no data shipping, no idle hosts; so it is optimistic), the cheapest
    by the scenario's objective among those within the deadline (ties: the first in scenario order).
It is not adaptive. Logs go to stderr; stdout carries protocol messages only.
"""

import csv
import json
import os
import sys

PROTOCOL = "deplsim-orchestrator/1"
NAME = "python-example"


def log(*args):
    print("[example_orchestrator]", *args, file=sys.stderr, flush=True)


def send(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


# ---- the knowledge (docs/knowledge.md) ---------------------------------------------------------------------

def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def single_chain(knowledge, version, samples):
    """The single chain of `version` on the largest data bucket with samples <= `samples`, or None."""
    buckets = [b for b in knowledge["data_buckets"] if b["samples"] <= samples]
    if not buckets:
        return None, None
    bucket = max(buckets, key=lambda b: b["samples"])
    for chain in knowledge["chains"]:
        if chain["kind"] == "single" and chain["version"] == version and chain["bucket"] == bucket["index"]:
            return chain, bucket
    return None, bucket


def propagate(directory, knowledge, chain):
    """[(epoch, P(L <= L*), E[L])] for epochs 1..last_epoch of a single chain (docs/knowledge.md section 3)."""
    levels = knowledge["grid"]["levels"]
    target_levels = knowledge["grid"]["target_levels"]
    values = knowledge["grid"]["values"]
    pi = [0.0] * levels
    for row in read_csv(os.path.join(directory, chain["initial"])):
        pi[int(row["level"])] = float(row["probability"])
    kernels = {}  # epoch -> [(from, to, p)]
    for row in read_csv(os.path.join(directory, chain["kernels"])):
        kernels.setdefault(int(row["epoch"]), []).append(
            (int(row["from_level"]), int(row["to_level"]), float(row["probability"])))
    means = {}  # (epoch, level) -> mean loss, where it differs from the level's value
    for row in read_csv(os.path.join(directory, chain["level_means"])):
        means[(int(row["epoch"]), int(row["level"]))] = float(row["mean_loss"])
    out = []
    for epoch in range(1, chain["last_epoch"] + 1):
        if epoch > 1:
            nxt = [0.0] * levels
            for i, j, p in kernels.get(epoch - 1, []):
                nxt[j] += pi[i] * p
            pi = nxt
        p_target = sum(pi[:target_levels])
        expected = sum(pi[j] * means.get((epoch, j), values[j]) for j in range(levels))
        out.append((epoch, p_target, expected))
    return out


# ---- planning ----------------------------------------------------------------------------------------------

def plan(problem):
    sc = problem["scenario"]
    directory = problem["knowledge_dir"]
    with open(os.path.join(directory, problem["knowledge"])) as f:
        knowledge = json.load(f)
    if knowledge.get("format") != "deplsim-knowledge":
        raise ValueError("%s is not deplsim knowledge" % problem["knowledge"])
    target = sc["target"]
    sources = [d["name"] for d in sc["data_sources"]]
    q = sum(d["samples"] for d in sc["data_sources"])
    version = sc["versions"][0]
    why = ["version '%s' alone, all %d data sources (%d samples per epoch)" % (version["name"], len(sources), q),
           "knowledge: " + knowledge["description"]]

    chain, bucket = single_chain(knowledge, version["name"], q)
    if chain is None:
        reason = ("no knowledge for version '%s' with %d samples per epoch" % (version["name"], q))
        return {"type": "plan", "status": "insufficient_data", "reason": reason, "explanation": "\n".join(why)}
    curve = propagate(directory, knowledge, chain)
    why.append("chain %s (data bucket %d: %g samples)" % (chain["id"], bucket["index"], bucket["samples"]))
    met = [c for c in curve if c[0] <= target["max_epochs"] and c[1] >= target["probability"]]
    if not met:
        best = max(curve, key=lambda c: c[1])
        reason = ("no epoch count up to max_epochs = %d reaches P(L <= %g) >= %g with version '%s' (best: P = %.4f after %d epochs)"
                  % (target["max_epochs"], target["loss"], target["probability"], version["name"], best[1], best[0]))
        return {"type": "plan", "status": "infeasible", "reason": reason, "explanation": "\n".join(why)}
    epochs, p_target, expected = met[0]
    why.append("fewest epochs with predicted P >= %g: %d (P = %.4f, E[L] = %.4f)" % (target["probability"], epochs, p_target, expected))

    objective = sc["objective"]
    deadline = target["deadline_s"]
    best = None
    for cluster in sc["clusters"]:
        hosts = cluster["hosts"]
        for n in range(1, len(hosts) + 1):
            used = hosts[:n]
            for s in range(min(len(h["pstates"]) for h in used)):
                speed = sum(h["pstates"][s]["total_speed"] for h in used)
                watts = sum(h["pstates"][s]["all_cores_w"] for h in used)
                time_s = epochs * version["flops_per_sample"] * q / speed
                energy_j = time_s * watts
                money = time_s * n * cluster["price_per_node_s"]
                if deadline is not None and time_s > deadline:
                    continue
                cost = {"energy": energy_j, "time": time_s, "money": money}[objective]
                if best is None or cost < best[0]:
                    best = (cost, cluster["name"], n, s, time_s, energy_j)
    if best is None:
        reason = "no (cluster, nodes, power state) trains %d epochs within the deadline of %g s (by the estimate)" % (epochs, deadline)
        return {"type": "plan", "status": "infeasible", "reason": reason, "explanation": "\n".join(why)}
    _, cluster, nodes, pstate, time_s, energy_j = best
    why.append("cheapest by %s (computation-only estimate): %s x%d pstate %d, %.6g J, %.6g s"
               % (objective, cluster, nodes, pstate, energy_j, time_s))
    return {
        "type": "plan",
        "status": "ok",
        "explanation": "\n".join(why),
        "plan": {
            "data_sources": sources,
            "segments": [{"version": version["name"], "cluster": cluster, "nodes": nodes, "pstate": pstate,
                          "epochs": epochs}],
            "predicted": {"p_target_met": p_target, "expected_loss": expected, "energy_j": energy_j,
                          "time_s": time_s, "margin": None},
        },
    }


# ---- the protocol loop -------------------------------------------------------------------------------------

def main():
    problem = None
    for line in sys.stdin:
        if not line.strip():
            continue
        message = json.loads(line)
        kind = message.get("type")
        if kind == "hello":
            if message.get("protocol") != PROTOCOL:
                send({"type": "error", "message": "I speak %s, not %s" % (PROTOCOL, message.get("protocol"))})
                return 1
            send({"type": "hello", "protocol": PROTOCOL, "name": NAME, "adaptive": False,
                  "description": "full version, fewest epochs from the exported kernels, cheapest resources by a computation-only estimate"})
        elif kind == "problem":
            problem = message  # no reply: the plan_request that follows asks for one
        elif kind == "plan_request":
            if problem is None:
                send({"type": "error", "message": "plan_request before any problem"})
                return 1
            try:
                send(plan(problem))
            except (OSError, ValueError, KeyError) as e:
                send({"type": "error", "message": "cannot plan: %s: %s" % (type(e).__name__, e)})
                return 1
        elif kind in ("replication_start", "replication_end"):
            send({"type": "ack"})  # only adaptive orchestrators get these; answered anyway
        elif kind == "epoch_end":
            send({"type": "continue"})
        elif kind == "bye":
            return 0
        else:
            log("ignoring a message of unknown type %r" % kind)
    return 0


if __name__ == "__main__":
    sys.exit(main())
