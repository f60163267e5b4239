#!/usr/bin/python3
"""A fixed plan as an external orchestrator (deplsim-orchestrator/1, docs/orchestrators.md section 4), for
bench/run.sh's large-platform run: FIXED_PLAN (environment) is the plan's JSON, e.g.
{"data_sources": ["cam1"], "segments": [{"version": "full", "cluster": "edge-0", "nodes": 64, "pstate": 0, "epochs": 100}]}"""
import json
import os
import sys


def send(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def main():
    plan = json.loads(os.environ["FIXED_PLAN"])
    plan.setdefault("predicted", {"p_target_met": None, "expected_loss": None, "energy_j": None, "time_s": None, "margin": None})
    for line in sys.stdin:
        if not line.strip():
            continue
        kind = json.loads(line).get("type")
        if kind == "hello":
            send({"type": "hello", "protocol": "deplsim-orchestrator/1", "name": "fixed-plan", "adaptive": False,
                  "description": "the plan in FIXED_PLAN"})
        elif kind == "plan_request":
            send({"type": "plan", "status": "ok", "explanation": "fixed plan", "plan": plan})
        elif kind in ("replication_start", "replication_end"):
            send({"type": "ack"})
        elif kind == "epoch_end":
            send({"type": "continue"})
        elif kind == "bye":
            return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
