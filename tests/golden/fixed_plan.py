#!/usr/bin/python3
"""A fixed plan as an external orchestrator (deplsim-orchestrator/1, docs/orchestrators.md section 4), for the golden
case `migration`: the plan is read from the JSON file given as the only argument (data_sources and segments; no
prediction). The same protocol as bench/fixed_plan.py, kept here so that the golden outputs depend on nothing
outside tests/golden/ and the scenarios they name."""
import json
import sys


def send(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def main():
    with open(sys.argv[1]) as f:
        plan = json.load(f)
    plan.setdefault("predicted", {"p_target_met": None, "expected_loss": None, "energy_j": None, "time_s": None,
                                  "margin": None})
    for line in sys.stdin:
        if not line.strip():
            continue
        kind = json.loads(line).get("type")
        if kind == "hello":
            send({"type": "hello", "protocol": "deplsim-orchestrator/1", "name": "fixed-plan", "adaptive": False,
                  "description": "the plan in " + sys.argv[1]})
        elif kind == "plan_request":
            send({"type": "plan", "status": "ok", "explanation": "fixed plan from " + sys.argv[1], "plan": plan})
        elif kind in ("replication_start", "replication_end"):
            send({"type": "ack"})
        elif kind == "epoch_end":
            send({"type": "continue"})
        elif kind == "bye":
            return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
