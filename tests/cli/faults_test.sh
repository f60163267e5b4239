#!/usr/bin/env bash
# Faults (issue 10): a node failure at a known time (tests/data/faults/one-failure.csv: tiny-n1 off at t = 3 s)
# loses the work since the last checkpoint, restarts on the node left and costs more time and energy than the
# fault-free run; random failures (mtbf/mttr) are seeded: the same seed gives the same bytes; every replication
# ends met, missed or failed and the counts add up; a platform with no node left fails the replication; bad
# fault inputs are exit 2.
source "$(dirname "$0")/testlib.sh" faults
TINY="$SOURCE_DIR/tests/data/scenarios/tiny.yaml"

check "fault-free reference" expect_rc 0 run "$TINY" --orchestrator full-only --replications 3 --out "$TMP/ok"
check "a node off at t = 3 s" expect_rc 0 run "$TINY" --orchestrator full-only --replications 3 \
  --set faults.events=../faults/one-failure.csv --out "$TMP/one"
check "  the failure, the lost work, the restart and the energy" "$PY" - "$TMP/ok" "$TMP/one" <<'PYEOF'
import csv, json, sys
ok = list(csv.DictReader(open(sys.argv[1] + "/replications.csv")))
one = list(csv.DictReader(open(sys.argv[2] + "/replications.csv")))
trace = [r for r in csv.DictReader(open(sys.argv[2] + "/trace.csv")) if r["replication"] == "0"]
r, r0 = one[0], ok[0]
assert r["failures"] == "1" and r["replans"] == "0" and r["state"] in ("met", "missed"), r
events = [t for t in trace if t["event"]]
assert [e["event"] for e in events] == ["off tiny-n1", "failure: 1 epochs lost since the checkpoint", "restart on 1 of 2 nodes"], events
assert all(float(e["sim_time_s"]) == 3.0 for e in events), events          # detected at once
epochs = [t for t in trace if not t["event"]]
before = [t for t in epochs if float(t["sim_time_s"]) < 3.0]
after = [t for t in epochs if float(t["sim_time_s"]) > 3.0]
assert [int(t["epoch"]) for t in epochs] == list(range(1, 14)), [t["epoch"] for t in epochs]  # every epoch once, in order
assert all(t["nodes"] == "2" for t in before) and all(t["nodes"] == "1" for t in after), epochs
# The work lost runs from the end of the last checkpoint (after epoch 2's row) to the failure at 3 s.
lost = float(r["work_lost_s"])
assert 0 < lost < 3.0 - float(before[-1]["sim_time_s"]), (lost, before[-1])
assert 0 < float(r["energy_lost_j"]) < float(r["energy_j"]), r
# The epoch that failed is redone: the third epoch ends after the failure, by more than an epoch on 2 nodes.
assert float(after[0]["sim_time_s"]) - 3.0 > float(before[1]["sim_time_s"]) - float(before[0]["sim_time_s"])
# Slower on one node: more time and more energy than the fault-free run; epochs on 1 node cost the same each.
assert float(r["time_s"]) > float(r0["time_s"]) and float(r["energy_j"]) > float(r0["energy_j"]), (r, r0)
d = [float(b["energy_j"]) - float(a["energy_j"]) for a, b in zip(after[1:], after[2:])]
assert max(d) - min(d) < 1e-6 * max(d), d
s = json.load(open(sys.argv[2] + "/summary.json"))
f = s["faults"]
assert f["failures_mean"] == 1 and f["met"] + f["missed"] + f["failed"] == 3 and f["failed"] == 0, f
assert s["simulation"]["mode"] == "every"
PYEOF
check "random failures (mtbf 20 s, mttr 5 s) and stragglers" expect_rc 0 run "$TINY" --orchestrator full-only --replications 100 \
  --set clusters.main.mtbf_s=20 --set clusters.main.mttr_s=5 --set clusters.main.straggler_probability=0.2 \
  --set clusters.main.straggler_slowdown=3 --set faults.checkpoint_every=2 --out "$TMP/r1"
check "  the same seed: the same bytes" bash -c "
  '$DEPLSIM' run '$TINY' --orchestrator full-only --replications 100 --set clusters.main.mtbf_s=20 --set clusters.main.mttr_s=5 \
    --set clusters.main.straggler_probability=0.2 --set clusters.main.straggler_slowdown=3 --set faults.checkpoint_every=2 \
    --out '$TMP/r2' >/dev/null 2>&1 && for f in summary.json replications.csv trace.csv; do cmp '$TMP/r1/'\$f '$TMP/r2/'\$f || exit 1; done"
check "  another seed: other faults" bash -c "
  '$DEPLSIM' run '$TINY' --orchestrator full-only --replications 100 --set clusters.main.mtbf_s=20 --set clusters.main.mttr_s=5 \
    --set clusters.main.straggler_probability=0.2 --set clusters.main.straggler_slowdown=3 --set faults.checkpoint_every=2 \
    --seed 2 --out '$TMP/r3' >/dev/null 2>&1 && ! cmp -s '$TMP/r1/replications.csv' '$TMP/r3/replications.csv'"
check "  every replication met, missed or failed; the counts add up; failures and re-plans happened" "$PY" - "$TMP/r1" <<'PYEOF'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1] + "/replications.csv")))
assert {r["state"] for r in rows} <= {"met", "missed", "failed"}
f = json.load(open(sys.argv[1] + "/summary.json"))["faults"]
assert f["met"] + f["missed"] + f["failed"] == len(rows) == 100, f
assert f["met"] == sum(r["state"] == "met" for r in rows)
assert sum(int(r["failures"]) for r in rows) > 10 and sum(int(r["replans"]) for r in rows) > 0, f
assert abs(f["failures_mean"] - sum(int(r["failures"]) for r in rows) / 100) < 1e-12
assert f["checkpoint_every"] == 2
PYEOF
check "  the energy breakdown adds up to the mean energy, by phase and by kind (and by cluster, link class); checkpoints and lost work counted" "$PY" - "$TMP/r1" "$TMP/ok" <<'PYEOF'
import json, sys
for d, faulty in ((sys.argv[1], True), (sys.argv[2], False)):
    c = json.load(open(d + "/summary.json"))["cost"]
    b, e = c["energy_breakdown_j"], c["energy_j_mean"]
    assert set(b["by_phase"]) == {"shipping", "compute", "synchronisation", "checkpoints", "other"}, b
    assert abs(sum(b["by_phase"].values()) - e) <= 1e-9 * e, (sum(b["by_phase"].values()), e)
    assert abs(sum(b["by_kind"].values()) - e) <= 1e-9 * e, (sum(b["by_kind"].values()), e)
    assert all(v >= -1e-9 * e for v in b["by_phase"].values()), b
    assert b["by_phase"]["shipping"] > 0 and b["by_phase"]["compute"] > 0 and b["by_phase"]["synchronisation"] > 0, b
    assert (b["by_phase"]["checkpoints"] > 0) == faulty and (b["lost_work"] > 0) == faulty, b
    assert b["lost_work"] < e, b
    # the training nodes' energy by cluster adds up to the hosts' part
    assert abs(sum(b["by_cluster_hosts"].values()) - b["by_kind"]["hosts"]) <= 1e-9 * e, b
    assert set(b["by_cluster_hosts"]) == {"main", "second"} and b["by_cluster_hosts"]["main"] > 0, b
    # the links' energy by link class adds up to the links' part; tiny.xml's classes (its loopback: SimGrid's own)
    assert abs(sum(b["by_link_class"].values()) - b["by_kind"]["links"]) <= 1e-9 * e, b
    assert set(b["by_link_class"]) == {"access", "uplink", "loopback"} and b["by_link_class"]["uplink"] > 0, b
    assert b["by_link_class"]["loopback"] == 0 and b["by_link_class"]["access"] > 0, b
PYEOF
# One cluster only: when a segment's nodes are all down, the re-plan runs on the cluster's nodes still up (not only on
# another cluster's), so a replication fails only when every node of the cluster is off.
grep -v "name: second" "$TINY" | sed "s#platform: ../../../platforms/tiny.xml#platform: $SOURCE_DIR/platforms/tiny.xml#" >"$TMP/one-cluster.yaml"
check "one cluster, nodes failing for good (mtbf 40 s, mttr 1000 s)" expect_rc 0 run "$TMP/one-cluster.yaml" --orchestrator full-only \
  --replications 200 --set clusters.main.mtbf_s=40 --set clusters.main.mttr_s=1000 --trace-all --out "$TMP/oc"
check "  re-plans onto the nodes still up; a replication fails only with all three nodes off; every end state counted" "$PY" - "$TMP/oc" <<'PYEOF'
import csv, json, sys
d = sys.argv[1]
f = json.load(open(d + "/summary.json"))["faults"]
rows = list(csv.DictReader(open(d + "/replications.csv")))
assert f["met"] + f["missed"] + f["failed"] == len(rows) == 200, f
assert sum(int(r["replans"]) for r in rows) > 0, f
events = {}
for t in csv.DictReader(open(d + "/trace.csv")):
    if t["event"]:
        events.setdefault(t["replication"], []).append(t["event"])
replanned_ok = 0
for r in rows:
    ev = events.get(r["replication"], [])
    off = {e.split()[1] for e in ev if e.startswith("off ")}
    if r["state"] == "failed":
        assert off == {"tiny-n0", "tiny-n1", "tiny-n2"}, (r["replication"], ev)
    elif "replan" in ev:
        replanned_ok += 1
assert replanned_ok > 0 and f["failed"] < 0.15 * len(rows), (replanned_ok, f)
assert f["failed"] > 0, f  # (so that the figures below are drawn with failed replications)
PYEOF
check "  its figures drawn, the failed replications counted as not reaching L*" bash -c "test -s '$TMP/oc/figures/loss-cdf.png' -a -s '$TMP/oc/report.html' && ! grep -q 'could not be drawn' '$TMP/rc.err'"
check "every node off: the replication fails" expect_rc 0 run "$TINY" --orchestrator full-only --replications 2 \
  --set faults.events=../faults/all-off.csv --out "$TMP/dead"
check "  state failed, no loss, the summary counts it" "$PY" - "$TMP/dead" <<'PYEOF'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1] + "/replications.csv")))
assert all(r["state"] == "failed" and r["final_loss"] == "" and r["target_met"] == "0" for r in rows), rows
s = json.load(open(sys.argv[1] + "/summary.json"))
assert s["faults"]["failed"] == 2 and s["quality"]["p_target_met"] == 0, s
PYEOF
check "a speed event slows a node down" expect_rc 0 run "$TINY" --orchestrator full-only --replications 1 \
  --set faults.events=../faults/slow.csv --out "$TMP/slow"
check "  (more time than fault-free)" "$PY" - "$TMP/ok" "$TMP/slow" <<'PYEOF'
import csv, sys
a = list(csv.DictReader(open(sys.argv[1] + "/replications.csv")))[0]
b = list(csv.DictReader(open(sys.argv[2] + "/replications.csv")))[0]
assert float(b["time_s"]) > float(a["time_s"]) * 1.1, (a, b)
PYEOF
printf 'time_s,host,event,value\n1.0,nowhere,off,\n' >"$TMP/unknown-host.csv"
printf 'time_s,host,event,value\n-1,tiny-n0,off,\n' >"$TMP/negative.csv"
printf 'time_s,host,evt\n' >"$TMP/header.csv"
printf 'time_s,host,event,value\n1,tiny-n0,explode,\n' >"$TMP/kind.csv"
printf 'time_s,host,event,value\n1,tiny-n0,speed,0\n' >"$TMP/speed.csv"
check "events: an unknown host (exit 2, file and line)" expect_rc 2 validate "$TINY" --set "faults.events=$TMP/unknown-host.csv"
check "  (message)" err_has "unknown-host.csv:2: host: 'nowhere' is not a host of any cluster"
check "events: a negative time" expect_rc 2 validate "$TINY" --set "faults.events=$TMP/negative.csv"
check "  (message)" err_has "negative.csv:2: time_s: expected a finite number >= 0, got '-1'"
check "events: a bad header" expect_rc 2 validate "$TINY" --set "faults.events=$TMP/header.csv"
check "events: an unknown event" expect_rc 2 validate "$TINY" --set "faults.events=$TMP/kind.csv"
check "  (message)" err_has "event: expected off, on or speed, got 'explode'"
check "events: a zero speed" expect_rc 2 validate "$TINY" --set "faults.events=$TMP/speed.csv"
check "events: a missing file" expect_rc 2 validate "$TINY" --set "faults.events=$TMP/none.csv"
check "mtbf_s without mttr_s" expect_rc 2 validate "$TINY" --set clusters.main.mtbf_s=10
check "  (message)" err_has "mttr_s: must be > 0 when mtbf_s is set"
check "a slowdown below 1" expect_rc 2 validate "$TINY" --set clusters.main.straggler_slowdown=0.5
check "checkpoint_every 0" expect_rc 2 validate "$TINY" --set faults.checkpoint_every=0
finish
