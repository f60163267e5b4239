"""Shared by the plan-only studies (sensitivity.py, model_variants.py, distribution_deadlines.py): one
`deplsim plan` as a dict, and a plan's segments in one line. Python 3 standard library only."""
import csv
import io
import json
import subprocess
import sys


def plan(deplsim: str, scenario: str, *args: str) -> dict:
    """`deplsim -q plan SCENARIO ARGS...`'s plan JSON; exits with deplsim's message unless it planned (0) or said
    why not (3: infeasible, insufficient data)."""
    cmd = [deplsim, "-q", "plan", scenario, *args]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode not in (0, 3):
        sys.exit(f"{' '.join(cmd)}: exit {out.returncode}\n{out.stderr}")
    return json.loads(out.stdout)


def describe(p: dict) -> str:
    """"full on edge-c x1 ps1 5 ep + p75 on ...", or the status of a plan that is not ok."""
    if p["status"] != "ok":
        return p["status"]
    return " + ".join(f"{s['version']} on {s['cluster']} x{s['nodes']} ps{s['pstate']} {s['epochs']} ep" for s in p["segments"])


def csv_text(rows: list[dict], empty_header: list[str]) -> str:
    """The rows as CSV text (the first row's keys as the header, `empty_header` when there is none)."""
    table = io.StringIO(newline="")
    w = csv.DictWriter(table, fieldnames=list(rows[0]) if rows else empty_header, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return table.getvalue()
