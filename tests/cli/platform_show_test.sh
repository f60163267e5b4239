#!/usr/bin/env bash
# `deplsim platform show`: on every shipped platform it lists every host with its speed and watts per power state and
# its memory, and every link with its class; with a scenario, each cluster's hosts in plan order, the hosts of a cluster zone left out and why, and
# one route with an effective rate per (data source, cluster), (controller, cluster) and (cluster, cluster) pair;
# text and JSON say the same; unit slips are warned about; bad input is exit 2.
source "$(dirname "$0")/testlib.sh" platform-show
for p in "$SOURCE_DIR"/platforms/*.xml; do
  n=$(basename "$p")
  check "$n: shown as text" bash -c "'$DEPLSIM' platform show '$p' >'$TMP/$n.txt'"
  check "$n: shown as JSON" bash -c "'$DEPLSIM' platform show '$p' --json >'$TMP/$n.json'"
  # Every host of the JSON has a positive speed and watts in every power state, and a row of its own in the text.
  check "$n: every host with speed and watts, in text and JSON" "$PY" - "$TMP/$n.json" "$TMP/$n.txt" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1])); text = open(sys.argv[2]).read().splitlines()
assert r["hosts"], "no host"
rows = {l.split()[0]: l for l in text if l.startswith("  ") and "| p0:" in l}
for h in r["hosts"]:
    assert h["pstates"], h["name"]
    for p in h["pstates"]:
        assert p["flops_per_core"] > 0 and p["flops"] >= p["flops_per_core"], h
        assert {"idle_w", "epsilon_w", "all_cores_w"} <= p.keys(), h
    assert h["name"] in rows, "text lacks host " + h["name"]
    assert rows[h["name"]].count("| p") == len(h["pstates"]), h["name"]
assert len(rows) == len(r["hosts"]), (len(rows), len(r["hosts"]))
# The shipped platforms declare every host's memory and every link's class (SimGrid's own loopback aside).
for h in r["hosts"]:
    assert h["memory_bytes"] is not None and h["memory_bytes"] >= 1e9, h
    assert "| memory %s" % "not declared" not in rows[h["name"]] and "| memory " in rows[h["name"]], h["name"]
assert all(l["class"] for l in r["links"] if l["name"] != "__loopback__"), [l["name"] for l in r["links"] if not l["class"]]
assert all(l["bandwidth_Bps"] > 0 for l in r["links"])
assert r["scenario"] is None
PYEOF
done
PAPER="$SOURCE_DIR/scenarios/paper/alexnet-cifar10.yaml"
check "with a scenario: JSON" bash -c "'$DEPLSIM' platform show '$SOURCE_DIR/platforms/paper-edge-cloud.xml' --scenario '$PAPER' --json >'$TMP/paper.json'"
check "with a scenario: text" bash -c "'$DEPLSIM' platform show '$SOURCE_DIR/platforms/paper-edge-cloud.xml' --scenario '$PAPER' >'$TMP/paper.txt'"
check "  a rate for every (source, cluster), (controller, cluster), (cluster, cluster) pair, each in the text" "$PY" - "$TMP/paper.json" "$TMP/paper.txt" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))["scenario"]; text = open(sys.argv[2]).read()
C, S = len(r["clusters"]), len(r["data_sources"])
assert C >= 2 and S >= 1, (C, S)
rates = r["rates"]
assert len(rates) == C * (S + 1 + C - 1), len(rates)
for x in rates:
    assert "error" not in x, x
    assert x["rate_Bps"] > 0 and x["latency_s"] > 0 and x["links"], x
    # the effective rate never beats the narrowest link (SimGrid's bandwidth factor is below 1)
    assert x["rate_Bps"] <= x["bottleneck_Bps"], x
    if x["kind"] == "source-cluster":
        assert x["bytes"] > 0 and x["seconds"] > 0, x
    assert "%s -> %s (%s -> %s): " % (x["from"], x["to"], x["src_host"], x["dst_host"]) in text, x
for c in r["clusters"]:
    assert c["hosts"] and "%s (zone %s)" % (c["name"], c["zone"]) in text, c
PYEOF
TINY="$SOURCE_DIR/tests/data/scenarios/tiny.yaml"
check "a data source inside a cluster zone: left out, with the reason" bash -c "
  '$DEPLSIM' platform show '$SOURCE_DIR/platforms/tiny.xml' --scenario '$TINY' --set data_sources.cam2.host=tiny-n2 >'$TMP/tiny.txt' 2>&1"
check "  (the reason)" grep -qF "left out: tiny-n2 (the host of data source 'cam2')" "$TMP/tiny.txt"
check "  (and not among the cluster's hosts)" grep -qE "^  cluster main \(zone tiny\).*: tiny-n0, tiny-n1$" "$TMP/tiny.txt"
# Unit slips: a bare number is flop/s (speed) or bytes/s (bandwidth).
sed -e 's/speed="1Gf,0.5Gf"/speed="1000,500"/' -e '0,/bandwidth="125MBps"/s//bandwidth="125"/' \
  -e '0,/value="8GB"/s//value="8000"/' "$SOURCE_DIR/platforms/tiny.xml" >"$TMP/slip.xml"
check "unit slips: shown, with warnings" bash -c "'$DEPLSIM' platform show '$TMP/slip.xml' >'$TMP/slip.txt'"
check "  (the slow host)" grep -qF "warning: host 'tiny-n2': 1 kflop/s per core at pstate 0 is slower than any computer" "$TMP/slip.txt"
check "  (the slow link)" grep -qE "warning: link 'tiny-n0-link_(UP|DOWN)': 125 B/s: a unit missing" "$TMP/slip.txt"
check "  (the memory in bytes)" grep -qF "warning: host 'tiny-n0': memory 8 kB per core: a unit missing?" "$TMP/slip.txt"
check "  (none on the shipped tiny platform)" bash -c "! grep -q '^warning' '$TMP/tiny.xml.txt'"
# Routes. Full cluster zones with host-to-router routes only: one grouped error per zone (its line, routing model,
# pairs, the fix), not one line per pair; the same zones with routing="Floyd" or "Dijkstra" load, and a run on them
# equals the run on tiny.xml (whose Full zones declare every pair); a missing zoneRoute names the sub-zones.
R="$SOURCE_DIR/tests/data/platforms/routing"
check "host-to-router routes in Full zones: exit 2" expect_rc 2 validate "$TINY" --platform "$R/full-router-only.xml"
check "  (one error per zone, not per pair)" bash -c "test \$(grep -c '^error:' '$TMP/rc.err') = 2"
check "  (zone tiny: its line, routing, pairs, the fix)" err_has "full-router-only.xml:12: zone 'tiny' (routing=\"Full\", line 12) has no route for 6 host pairs deplsim needs: 'tiny-n0' -> 'tiny-n1'"
check "  (the fix names Floyd)" err_has "or write routing=\"Floyd\" or routing=\"Dijkstra\" on the zone"
check "  (zone tiny2)" err_has "zone 'tiny2' (routing=\"Full\", line 42) has no route for 2 host pairs"
check "  platform show says the same" expect_rc 2 platform show "$R/full-router-only.xml" --scenario "$TINY"
check "    (message)" err_has "zone 'tiny' (routing=\"Full\", line 12)"
check "  (alone, the platform shows: no scenario, no routes asked)" expect_rc 0 platform show "$R/full-router-only.xml"
for m in floyd dijkstra; do
  check "routing=$m: validates" expect_rc 0 validate "$TINY" --platform "$R/$m.xml"
  check "  runs" expect_rc 0 run "$TINY" --platform "$R/$m.xml" --replications 200 --out "$TMP/run-$m"
done
check "routing=Full with every pair: runs" expect_rc 0 run "$TINY" --replications 200 --out "$TMP/run-full"
for m in floyd dijkstra; do
  check "  the $m run costs what the Full run costs" "$PY" -c "
import json, sys
a = json.load(open('$TMP/run-full/summary.json')); b = json.load(open('$TMP/run-$m/summary.json'))
ba, bb = a['cost'].pop('energy_breakdown_j'), b['cost'].pop('energy_breakdown_j')
assert a['cost'] == b['cost'] and a['plan'] == b['plan'], (a['cost'], b['cost'])
# the breakdown sums the same links in the route's order, which Dijkstra gives otherwise: equal to rounding
for part in ('by_phase', 'by_kind'):
    for k in ba[part]:
        assert abs(ba[part][k] - bb[part][k]) <= 1e-12 * max(1.0, abs(ba[part][k])), (part, k, ba[part][k], bb[part][k])"
done
check "a missing zoneRoute: exit 2" expect_rc 2 validate "$TINY" --platform "$R/no-zone-route.xml"
check "  (the zone, the sub-zones, the zoneRoute to write)" err_has "zone 'world' (routing=\"Full\", line 11) has no route for 8 host pairs deplsim needs"
check "  (sub-zones)" err_has "(between its sub-zones 'tiny' - 'tiny2'). Declare a <zoneRoute"
# Bad input.
check "a missing platform: exit 2" expect_rc 2 platform show "$TMP/none.xml"
check "  (message)" err_has "none.xml"
check "--set without --scenario: exit 2" expect_rc 2 platform show "$SOURCE_DIR/platforms/tiny.xml" --set target.loss=1
check "  (message)" err_has "--set needs --scenario"
check "a scenario whose clusters the platform lacks: exit 2" expect_rc 2 platform show "$SOURCE_DIR/platforms/one-host.xml" --scenario "$TINY"
check "  (message names the scenario key)" err_has "clusters.main.zone"
finish
