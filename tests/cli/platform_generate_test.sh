#!/usr/bin/env bash
# `deplsim platform generate`: a spec becomes a platform that validates with a scenario on it (clusters, sources,
# controller found), the large benchmark spec gives 10,005 hosts, and bad specs are exit 2 naming the key.
source "$(dirname "$0")/testlib.sh" platform-generate
cat >"$TMP/spec.yaml" <<'YAML'
clusters:
  - {prefix: edge, count: 3, hosts: 4, speed: "2Gf,1Gf", cores: 2, wattage_per_state: "10:10:30, 8:8:18"}
  - {prefix: cloud, hosts: 2, speed: "100Gf", cores: 8, wattage_per_state: "100:100:400"}
sources: {count: 2}
YAML
check "generate a small platform" expect_rc 0 platform generate "$TMP/spec.yaml" --out "$TMP/p.xml"
check "  (what it wrote)" err_has "4 clusters, 17 hosts"
sed -e "s#^platform: .*#platform: $TMP/p.xml#" -e 's/{name: main, zone: tiny}/{name: main, zone: edge-1}/' \
    -e 's/{name: second, zone: tiny2, price_per_node_s: 0.001}/{name: second, zone: cloud}/' -e 's/host: src1/host: src-1/g' \
    "$SOURCE_DIR/tests/data/scenarios/tiny.yaml" >"$TMP/on-generated.yaml"
check "a scenario on it validates" expect_rc 0 validate "$TMP/on-generated.yaml"
check "  and plans" expect_rc 0 plan "$TMP/on-generated.yaml" --orchestrator full-only
# Heterogeneous clusters (host_types: explicit hosts of several kinds in a Floyd zone) and host-name patterns.
cat >"$TMP/het.yaml" <<'YAML'
clusters:
  - prefix: site
    count: 2
    host_types:
      - {count: 2, name: "site{c}-orin-{i:02}", speed: "2130.7Gf,1336.9Gf", wattage_per_state: "7:60:60, 7:27.87:27.87", memory: 64GB,
         sparse_efficiency: 0.25}
      - {count: 3, name: "site{c}-nano-{i}", speed: "94.37Gf,65.54Gf", wattage_per_state: "1.5:10:10, 1.5:5:5", transmit_w: 2}
  - {prefix: cloud, hosts: 2, host_names: "dgx-{i}.dc", speed: "7796.7Gf", cores: 8, wattage_per_state: "1500:1500:6500", memory: 40GiB,
     sparse_efficiency: 1, transmit_w: 0.75}
sources: {count: 1, transmit_w: 1.5}
YAML
check "heterogeneous clusters and name patterns: generated" expect_rc 0 platform generate "$TMP/het.yaml" --out "$TMP/het.xml"
check "  (3 clusters, 14 hosts)" err_has "3 clusters, 14 hosts"
check "  platform show: the names and both kinds in one zone" bash -c "'$DEPLSIM' platform show '$TMP/het.xml' --json >'$TMP/het.json'"
check "    (each host as its type says)" "$PY" - "$TMP/het.json" <<'PYEOF'
import json, sys
h = {x["name"]: x for x in json.load(open(sys.argv[1]))["hosts"]}
for c in (0, 1):
    for i in ("00", "01"):
        assert h["site%d-orin-%s" % (c, i)]["zone"] == "site-%d" % c and h["site%d-orin-%s" % (c, i)]["pstates"][0]["flops"] - 2130.7e9 < 1e-3 * 2130.7e9 and h["site%d-orin-%s" % (c, i)]["pstates"][0]["flops"] > 2e12
    for i in range(3):
        assert h["site%d-nano-%d" % (c, i)]["pstates"][1]["idle_w"] == 1.5
assert h["dgx-1.dc"]["cores"] == 8 and h["dgx-1.dc"]["zone"] == "cloud"
# memory where a kind declares it (per core), none where it does not; links classed
assert h["site0-orin-01"]["memory_bytes"] == 64e9 and h["dgx-0.dc"]["memory_bytes"] == 40 * 2**30, h["dgx-0.dc"]
assert h["site1-nano-2"]["memory_bytes"] is None
# sparse support where a kind declares it, and the sources' radios
assert h["site1-orin-00"]["sparse_efficiency"] == 0.25 and h["dgx-1.dc"]["sparse_efficiency"] == 1, h["dgx-1.dc"]
assert h["site1-nano-0"]["sparse_efficiency"] == 0 and h["site1-orin-00"]["transmit_w"] == 0
# a kind's radio (a Wi-Fi board's, a homogeneous cluster's)
assert h["site1-nano-0"]["transmit_w"] == 2 and h["dgx-0.dc"]["transmit_w"] == 0.75, (h["site1-nano-0"], h["dgx-0.dc"])
assert h["src-1"]["transmit_w"] == 1.5, h["src-1"]
links = {l["name"]: l for l in json.load(open(sys.argv[1]))["links"]}
assert links["site1-nano-2-link_UP"]["class"] == "host" and links["site-0-up_DOWN"]["class"] == "uplink", links.keys()
assert links["src-1-link_UP"]["class"] == "source"
PYEOF
sed -e "s#^platform: .*#platform: $TMP/het.xml#" -e 's/{name: main, zone: tiny}/{name: main, zone: site-1}/' \
    -e 's/{name: second, zone: tiny2, price_per_node_s: 0.001}/{name: second, zone: cloud}/' -e 's/host: src1/host: src-1/g' \
    "$SOURCE_DIR/tests/data/scenarios/tiny.yaml" >"$TMP/on-het.yaml"
check "  a scenario on the heterogeneous cluster: the fastest hosts first" bash -c "'$DEPLSIM' validate '$TMP/on-het.yaml' | grep -qF 'cluster main (zone site-1): site1-orin-00, site1-orin-01, site1-nano-0, site1-nano-1, site1-nano-2'"
check "  and runs" expect_rc 0 run "$TMP/on-het.yaml" --orchestrator full-only --set clusters.main.zone=site-1 --replications 50 --out "$TMP/het-run"
printf 'clusters:\n  - {prefix: e, hosts: 2, host_types: [{count: 1, name: "a{i}", speed: 1Gf, wattage_per_state: "1:1:2"}]}\n' >"$TMP/badh1.yaml"
check "host_types with hosts: exit 2" expect_rc 2 platform generate "$TMP/badh1.yaml" --out "$TMP/x.xml"
check "  (message)" err_has "clusters.0.hosts: not with host_types"
printf 'clusters:\n  - {prefix: e, host_types: [{count: 1, name: "a{i}", speed: 1Gf, wattage_per_state: "1:1:2", memory: 8Gb}]}\n' >"$TMP/badmem.yaml"
check "a memory that is not a size: exit 2" expect_rc 2 platform generate "$TMP/badmem.yaml" --out "$TMP/x.xml"
check "  (message)" err_has "clusters.0.host_types.0.memory: '8Gb': expected a positive size per core with a unit"
printf 'clusters:\n  - {prefix: e, hosts: 1, speed: 1Gf, wattage_per_state: "1:1:2", sparse_efficiency: 2, transmit_w: 1e6}\nsources: {transmit_w: -1}\n' >"$TMP/badsparse.yaml"
check "a sparse_efficiency above 1 and negative or huge radios: exit 2" expect_rc 2 platform generate "$TMP/badsparse.yaml" --out "$TMP/x.xml"
check "  (messages)" bash -c "grep -qF 'clusters.0.sparse_efficiency: must be in [0, 1]' '$TMP/rc.err' && grep -qF 'sources.transmit_w: must be in [0, 100000] W' '$TMP/rc.err' && grep -qF 'clusters.0.transmit_w: must be in [0, 100000] W' '$TMP/rc.err'"
printf 'clusters:\n  - {prefix: e, host_types: [{count: 2, name: "a b", speed: 1Gf, wattage_per_state: "1:1:2"}]}\n' >"$TMP/badh2.yaml"
check "a bad name pattern: exit 2" expect_rc 2 platform generate "$TMP/badh2.yaml" --out "$TMP/x.xml"
check "  (message)" err_has "clusters.0.host_types.0.name: 'a b': expected letters"
printf 'clusters:\n  - {prefix: e, host_types: [{count: 2, name: "same{c}", speed: 1Gf, wattage_per_state: "1:1:2"}]}\n' >"$TMP/badh3.yaml"
check "a pattern without {i}: exit 2" expect_rc 2 platform generate "$TMP/badh3.yaml" --out "$TMP/x.xml"
printf 'clusters:\n  - {prefix: e, host_types: [{count: 1, name: "h{i}", speed: 1Gf, wattage_per_state: "1:1:2"}, {count: 1, name: "h{i}", speed: 1Gf, wattage_per_state: "1:1:2"}]}\n' >"$TMP/badh4.yaml"
check "two types naming the same host: exit 2, nothing written" expect_rc 2 platform generate "$TMP/badh4.yaml" --out "$TMP/x.xml"
check "  (nothing written)" test ! -e "$TMP/x.xml"
printf 'clusters:\n  - {prefix: e, hosts: 2, host_names: "n{i}-{i}", speed: 1Gf, wattage_per_state: "1:1:2"}\n' >"$TMP/badh5.yaml"
check "host_names with {i} twice: exit 2" expect_rc 2 platform generate "$TMP/badh5.yaml" --out "$TMP/x.xml"
check "the large benchmark spec: 10,005 hosts" bash -c "'$DEPLSIM' platform generate '$SOURCE_DIR/bench/platforms/large.yaml' --out '$TMP/large.xml' 2>&1 | grep -q '160 clusters, 10005 hosts'"
printf 'clusters:\n  - {prefix: 9bad, hosts: 2, speed: 1Gf, wattage_per_state: "1:1:2"}\n' >"$TMP/bad1.yaml"
check "a bad prefix: exit 2" expect_rc 2 platform generate "$TMP/bad1.yaml" --out "$TMP/x.xml"
check "  (message)" err_has "clusters.0.prefix: '9bad' is not a valid prefix"
printf 'clusters:\n  - {prefix: e, hosts: 0, speed: 1Gf, wattage_per_state: "1:1:2"}\n' >"$TMP/bad2.yaml"
check "zero hosts: exit 2" expect_rc 2 platform generate "$TMP/bad2.yaml" --out "$TMP/x.xml"
printf 'clusters:\n  - {prefix: e, hosts: 2, speed: fast, wattage_per_state: "1:1:2"}\n' >"$TMP/bad3.yaml"
check "an unparsable speed: exit 2, nothing written" expect_rc 2 platform generate "$TMP/bad3.yaml" --out "$TMP/x.xml"
check "  (nothing written)" test ! -e "$TMP/x.xml"
printf 'clusters:\n  - {prefix: e, hosts: 2, speed: 1Gf, wattage_per_state: "1:1:2", colour: red}\n' >"$TMP/bad4.yaml"
check "an unknown key: exit 2" expect_rc 2 platform generate "$TMP/bad4.yaml" --out "$TMP/x.xml"
# Sizes: the file grows with the square of the zones (a zoneRoute per pair): refused before anything is built.
printf 'clusters:\n  - {prefix: e, count: 20000, hosts: 1, speed: 1Gf, wattage_per_state: "1:1:2"}\n' >"$TMP/big.yaml"
# (Under AddressSanitizer, whose shadow memory defeats `ulimit -v`, ASan's own RSS limit stands in for it.)
if grep -q __asan_init "$DEPLSIM" 2>/dev/null; then LIMIT="export ASAN_OPTIONS=hard_rss_limit_mb=6000"; else LIMIT="ulimit -v 2000000"; fi
check "20,000 clusters: exit 2 at once, not gigabytes built in memory" bash -c "
  ($LIMIT; timeout 300 '$DEPLSIM' platform generate '$TMP/big.yaml' --out '$TMP/big.xml') 2>'$TMP/rc.err'; test \$? = 2"
check "  (message: the zone routes and the size limit)" err_has "big.yaml: clusters: 20002 zones (20000 clusters, sensors, core) need 200030001 zone routes"
check "  (nothing written)" test ! -e "$TMP/big.xml"
printf 'clusters:\n  - {prefix: e, hosts: 2, speed: 1Gf, wattage_per_state: "1:1:2"}\ncontroller: {cores: 0}\n' >"$TMP/bad5.yaml"
check "controller cores 0: exit 2" expect_rc 2 platform generate "$TMP/bad5.yaml" --out "$TMP/x.xml"
check "  (message)" err_has "bad5.yaml:3:21: controller.cores: must be in [1, 4096], got 0"
printf 'clusters:\n  - {prefix: e, hosts: .nan, speed: 1Gf, wattage_per_state: "1:1:2", wattage_off: .inf}\nsources: {count: 1e400}\n' >"$TMP/bad6.yaml"
check ".nan, .inf, 1e400: exit 2" expect_rc 2 platform generate "$TMP/bad6.yaml" --out "$TMP/x.xml"
check "  (each named)" bash -c "grep -qF \"clusters.0.hosts: expected an integer, got '.nan'\" '$TMP/rc.err' && grep -qF \"clusters.0.wattage_off: expected a finite number, got '.inf'\" '$TMP/rc.err' && grep -qF 'sources.count: expected an integer' '$TMP/rc.err'"
printf 'clusters:\n  - {prefix: e%s, hosts: 2, speed: 1Gf, wattage_per_state: "1:1:2"}\n' "$(printf 'x%.0s' $(seq 70))" >"$TMP/bad7.yaml"
check "a prefix over 64 characters: exit 2" expect_rc 2 platform generate "$TMP/bad7.yaml" --out "$TMP/x.xml"
check "  (nothing written)" test ! -e "$TMP/x.xml"
# The shipped distributed platform is its spec's output (regenerate both together: docs/platforms.md section 8).
check "distributed-edge-cloud.xml is what its spec generates" bash -c "
  '$DEPLSIM' platform generate '$SOURCE_DIR/platforms/distributed-edge-cloud.yaml' --out '$TMP/dist.xml' >/dev/null &&
  cmp '$TMP/dist.xml' '$SOURCE_DIR/platforms/distributed-edge-cloud.xml'"
check "distributed-edge-cloud-wifi-cell.xml is what its spec generates" bash -c "
  '$DEPLSIM' platform generate '$SOURCE_DIR/platforms/distributed-edge-cloud-wifi-cell.yaml' --out '$TMP/dist-wifi.xml' >/dev/null &&
  cmp '$TMP/dist-wifi.xml' '$SOURCE_DIR/platforms/distributed-edge-cloud-wifi-cell.xml'"
# Data sources at several sites (`sources` as a list): a zone at a cluster's site reaches that cluster over its own
# uplink alone, every other zone through the site's uplink too; a zone at the core, through its uplink and theirs.
cat >"$TMP/sites.yaml" <<'YAML'
clusters:
  - {prefix: edge, hosts: 2, speed: "1Gf", wattage_per_state: "1:1:2", uplink_bandwidth: 1Gbps, uplink_latency: 10ms}
  - {prefix: cloud, hosts: 2, speed: "10Gf", wattage_per_state: "10:10:20", uplink_bandwidth: 10Gbps, uplink_latency: 20ms}
sources:
  - {zone: central, count: 1, host_names: "src-{i}"}
  - {zone: edge-data, site: edge, count: 2, bandwidth: 100Mbps, latency: 1ms, uplink_bandwidth: 10Gbps, uplink_latency: 50us}
  - {zone: cloud-data, site: cloud, host_names: "dc-cam{i}", transmit_w: 3}
YAML
check "sources at sites: generated" expect_rc 0 platform generate "$TMP/sites.yaml" --out "$TMP/sites.xml"
check "  (2 clusters, 9 hosts)" err_has "2 clusters, 9 hosts"
sed -e "s#^platform: .*#platform: $TMP/sites.xml#" -e 's/{name: main, zone: tiny}/{name: main, zone: edge}/' \
    -e 's/{name: second, zone: tiny2, price_per_node_s: 0.001}/{name: second, zone: cloud}/' \
    -e 's/{name: cam1, host: src1,/{name: cam1, host: edge-data-2,/' -e 's/{name: cam2, host: src1,/{name: cam2, host: dc-cam1,/' \
    "$SOURCE_DIR/tests/data/scenarios/tiny.yaml" >"$TMP/sites-sc.yaml"
sed -e 's/{name: cam2, host: dc-cam1,/{name: cam2, host: src-1,/' "$TMP/sites-sc.yaml" >"$TMP/sites-sc2.yaml"
sites_routes() {
  "$DEPLSIM" platform show "$TMP/sites.xml" --scenario "$TMP/sites-sc.yaml" --json >"$TMP/s1.json" || return 1
  "$DEPLSIM" platform show "$TMP/sites.xml" --scenario "$TMP/sites-sc2.yaml" --json >"$TMP/s2.json" || return 1
  "$DEPLSIM" plan "$TMP/sites-sc.yaml" --orchestrator full-only >/dev/null || return 1
  "$PY" - "$TMP/s1.json" "$TMP/s2.json" <<'PYEOF'
import json, sys
routes = {}
for path in sys.argv[1:]:
    for r in json.load(open(path))["scenario"]["rates"]:
        if r["kind"] == "source-cluster":
            routes[(r["src_host"], r["dst_host"].split("-")[0])] = r["links"]
def check(src, dst, want):
    got = [l for l in routes[(src, dst)] if l.endswith("-up_UP") or l.endswith("-up_DOWN")]
    assert got == want, (src, dst, got, want)
check("edge-data-2", "edge", ["edge-data-up_UP"])                             # at its site: no WAN
check("edge-data-2", "cloud", ["edge-data-up_UP", "edge-up_UP", "cloud-up_DOWN"])  # out through the site's uplink
check("dc-cam1", "cloud", ["cloud-data-up_UP"])
check("dc-cam1", "edge", ["cloud-data-up_UP", "cloud-up_UP", "edge-up_DOWN"])
check("src-1", "edge", ["central-up_UP", "edge-up_DOWN"])                   # at the core
hosts = {h["name"]: h for h in json.load(open(sys.argv[1]))["hosts"]}
assert hosts["dc-cam1"]["zone"] == "cloud-data" and hosts["dc-cam1"]["transmit_w"] == 3, hosts["dc-cam1"]
PYEOF
}
check "  routes: a site's data reaches its cluster without the WAN, the others through it; a scenario plans on it" sites_routes
printf 'clusters:\n  - {prefix: e, hosts: 1, speed: 1Gf, wattage_per_state: "1:1:2"}\nsources:\n  - {zone: d1, site: nowhere}\n  - {zone: e}\n  - {zone: d1}\n' >"$TMP/badsites.yaml"
check "bad source zones: exit 2" expect_rc 2 platform generate "$TMP/badsites.yaml" --out "$TMP/badsites.xml"
check "  (each named)" bash -c "grep -qF \"sources.0.site: 'nowhere' is not a cluster of this spec (clusters: e)\" '$TMP/rc.err' &&
  grep -qF \"sources.1.zone: zone 'e' is already a cluster\" '$TMP/rc.err' && grep -qF \"sources.2.zone: zone 'd1' is already a source zone\" '$TMP/rc.err' &&
  [ ! -e '$TMP/badsites.xml' ]"
printf 'clusters:\n  - {prefix: e, hosts: 1, speed: 1Gf, wattage_per_state: "1:1:2"}\nsources:\n  - {count: 1}\n' >"$TMP/nozone.yaml"
check "a listed source zone without its name: exit 2" expect_rc 2 platform generate "$TMP/nozone.yaml" --out "$TMP/nozone.xml"
check "  (named)" err_has "sources.0.zone: missing (required)"
# SimGrid Wi-Fi cells (docs/platforms.md section 4 item 14): a cluster of stations and a zone of cameras on a cell
# of their own at that site; a scenario trains on the stations with the cameras' data, and the cost model agrees with
# the simulation (cost_vs_simulation is not run here: `run` against `plan`'s prediction).
cat >"$TMP/wifi.yaml" <<'YAML'
clusters:
  - {prefix: edge, hosts: 2, speed: "2Gf,1Gf", wattage_per_state: "10:30:30, 8:18:18", wattage_off: 1}
  - {prefix: cell, hosts: 3, speed: "1Gf,0.5Gf", wattage_per_state: "3:6:6, 2:4:4", memory: 4GB,
     wifi: {rates: "54Mbps, 36Mbps", rate_level: 1, control_duration: 0.0036}, uplink_bandwidth: 100Mbps, uplink_latency: 2ms}
sources:
  - {zone: sensors, count: 1}
  - {zone: cams, site: cell, count: 2, wifi: {rates: 24Mbps, wifi_watt_values: "0.5:1.0:0.6:0.05"}}
YAML
check "Wi-Fi cells: generated" expect_rc 0 platform generate "$TMP/wifi.yaml" --out "$TMP/wifi.xml"
wifi_cells() {
  "$DEPLSIM" platform show "$TMP/wifi.xml" --json >"$TMP/wifi.json" || return 1
  "$PY" - "$TMP/wifi.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
air = {l["name"]: l for l in d["links"] if l["sharing"] == "WIFI"}
assert sorted(air) == ["cams-air", "cell-air"], sorted(air)
assert {s["host"]: s["rate_Bps"] for s in air["cell-air"]["wifi"]["stations"]} == {"cell-n0": 4.5e6, "cell-n1": 4.5e6, "cell-n2": 4.5e6}
assert air["cell-air"]["wifi"]["control_duration"] == 0.0036
assert air["cams-air"]["wifi"]["radio_tx_w"] == 1.0 and len(air["cams-air"]["wifi"]["stations"]) == 2
PYEOF
  sed -e "s#^platform: .*#platform: $TMP/wifi.xml#" -e 's#zone: tiny}#zone: edge}#' -e 's#zone: cell, price#zone: cell, price#' \
      -e 's#host: cam, samples: 2000#host: cams-1, samples: 2000#' -e 's#host: cam, samples: 1000#host: cams-2, samples: 1000#' \
      "$SOURCE_DIR/tests/data/scenarios/tiny-wifi.yaml" >"$TMP/wifi-sc.yaml"
  printf '%s\n' '{"data_sources": ["cam1", "cam2"], "segments": [{"version": "full", "cluster": "second", "nodes": 3, "pstate": 0, "epochs": 10}]}' >"$TMP/wifi-plan.json"
  local ext=(--orchestrator external --external-cmd "$PY $SOURCE_DIR/tests/golden/fixed_plan.py $TMP/wifi-plan.json")
  "$DEPLSIM" run "$TMP/wifi-sc.yaml" "${ext[@]}" --replications 5 --out "$TMP/wifi-run" --no-figures >/dev/null || return 1
  "$PY" - "$TMP/wifi-run/summary.json" <<'PYEOF'
import json, sys
s = json.load(open(sys.argv[1]))
k = s["cost"]["energy_breakdown_j"]["by_link_class"]
assert k["wifi-cell"] > 0, k
PYEOF
}
check "  two cells: stations, rates, radios; a plan on three stations with the cameras' data runs" wifi_cells
printf 'clusters:\n  - {prefix: c, hosts: 2, speed: 1Gf, wattage_per_state: "1:1:2", bandwidth: 1Gbps, transmit_w: 1,\n     wifi: {rates: "54Mbps,fast", rate_level: 2}}\nsources:\n  - {zone: s, wifi: {rates: 11Mbps, rate_level: 1, color: red}}\n' >"$TMP/badwifi.yaml"
check "bad Wi-Fi specs: exit 2, nothing written" expect_rc 2 platform generate "$TMP/badwifi.yaml" --out "$TMP/badwifi.xml"
check "  (each named)" bash -c "grep -qF \"clusters.0.wifi.rates: '54Mbps,fast': expected the air's rates\" '$TMP/rc.err' &&
  grep -qF 'clusters.0.wifi.rate_level: must be a level of \`rates\`, 0..1, got 2' '$TMP/rc.err' &&
  grep -qF 'clusters.0.bandwidth: not with wifi' '$TMP/rc.err' && grep -qF 'clusters.0.transmit_w: not with wifi' '$TMP/rc.err' &&
  grep -qF 'sources.0.wifi.rate_level: must be a level of \`rates\`, 0..0, got 1' '$TMP/rc.err' && grep -qF 'color' '$TMP/rc.err' &&
  [ ! -e '$TMP/badwifi.xml' ]"
finish
