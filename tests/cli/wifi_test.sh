#!/usr/bin/env bash
# SimGrid Wi-Fi cells end to end (docs/platforms.md section 8, docs/model.md 4.4 and 4.13), on
# tests/data/scenarios/tiny-wifi.yaml: `platform show` lists the cell's stations, rates and watts; a plan trains on two
# stations (their ring through the access point) with the data of a camera on the air, and `run` measures what the
# cost model predicted, the cell's energy under its own link class; a station's rate level out of range, watts on
# the wrong link, a radio declared on a station are input errors naming the line (exit 2), never a SimGrid abort.
source "$(dirname "$0")/testlib.sh" wifi
cd "$SOURCE_DIR" || exit 2
SC=tests/data/scenarios/tiny-wifi.yaml
XML=tests/data/platforms/tiny-wifi.xml

shows_cell() {
  expect_rc 0 platform show "$XML" --json || return 1
  "$PY" - "$TMP/rc.out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
air = [l for l in d["links"] if l["name"] == "cell-air"][0]
assert air["sharing"] == "WIFI", air
rates = {s["host"]: s["rate_Bps"] for s in air["wifi"]["stations"]}
assert rates == {"cam": 3e6, "cell-n0": 6.75e6, "cell-n1": 4.5e6}, rates
n, c = 3, 0.0036
idle = (n + 1) * 0.82 * (1 - c) + n * 0.94 * c
busy = n * 0.94 + 1.14 + n * 0.94 * c
assert abs(air["idle_w"] - idle) < 1e-12 and abs(air["busy_w"] - busy) < 1e-12, (air, idle, busy)
assert not any("cell-air" in w for w in d["warnings"]), d["warnings"]
PY
}
check "platform show: the cell's stations, their rates and the cell's watts" shows_cell

runs_on_air() {  # full-only's cheapest resource here is the two stations (692 J against 734 J on the wired pair)
  expect_rc 0 run "$SC" --orchestrator full-only --replications 10 --out "$TMP/air" --no-figures || return 1
  grep -q "wifi-cell" "$TMP/rc.out" || { cat "$TMP/rc.out"; return 1; }
  "$PY" - "$TMP/air/summary.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
seg = s["plan"]["segments"]
assert [(x["cluster"], x["nodes"]) for x in seg] == [("second", 2)], seg
pred = s["plan"]["predicted"]
c = s["cost"]
cell = c["energy_breakdown_j"]["by_link_class"]["wifi-cell"]
assert cell > 0, c["energy_breakdown_j"]
assert abs(pred["energy_j"] - c["energy_j_mean"]) <= 1e-6 * pred["energy_j"], (pred, c["energy_j_mean"])
assert abs(pred["time_s"] - c["time_s_mean"]) <= 1e-6 * pred["time_s"], (pred, c["time_s_mean"])
PY
}
check "a plan on two stations runs as predicted, the cell's energy in its own class" runs_on_air

planners_run() {  # every planner plans on a platform with a cell
  expect_rc 0 plan "$SC" --orchestrator "$1" || return 1
}
for o in depl optimum full-only expected-loss+margin; do
  check "$o plans on a platform with a Wi-Fi cell" planners_run "$o"
done

bad_platform() {  # bad_platform SED TEXT
  sed "$1" "$XML" > "$TMP/bad-wifi.xml"
  expect_rc 2 validate "$SC" --platform "$TMP/bad-wifi.xml" || return 1
  err_has "$2" && err_has "bad-wifi.xml:"
}
check "a rate level the cell does not declare is refused, naming the line" \
  bad_platform 's/"wifi_rate_level" value="2"/"wifi_rate_level" value="3"/' "declares 3 bandwidth(s), so the level must be 0..2"
check "watts for the link energy plug-in on the air are refused" \
  bad_platform 's#<prop id="control_duration" value="0.0036"/>#<prop id="wattage_range" value="1:2"/>#' "a WIFI link's energy comes from its radios"
check "a radio declared on a station is refused" \
  bad_platform 's#<prop id="wifi_rate_level" value="2"/>#<prop id="transmit_w" value="2"/>#' "declare its radio there, not here"
check "a latency on the air is SimGrid's refusal, exit 2" \
  bad_platform 's#latency="0ms" sharing_policy="WIFI"#latency="2ms" sharing_policy="WIFI"#' "Latency cannot be set for WiFi Links"
finish
