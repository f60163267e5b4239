#!/usr/bin/env bash
# Pruning kinds and device memory (docs/model.md 4.8-4.9) end to end, on tests/data/scenarios/tiny-pruning.yaml:
# `validate` says what fits where; every planner keeps to the resources where its versions fit, even when its
# favourite choice is ruled out; with nothing fitting, planners say so (exit 3); a plan that does not fit is refused
# (exit 2, naming the host and the bytes); bad pruning_kind, activation_bytes_per_sample, optimizer_state_copies
# and sparse_efficiency values are input errors (exit 2, naming the key or the line); the senders' radios
# (transmit_w) are charged, predicted and measured alike.
source "$(dirname "$0")/testlib.sh" pruning-memory
cd "$SOURCE_DIR" || exit 2
SC=tests/data/scenarios/tiny-pruning.yaml

validate_says() {
  expect_rc 0 validate "$SC" || return 1
  grep -qF "fits on cluster second only with 2 or more nodes: with fewer, version 'full' needs 4.4 MB per core on host 'tiny2-n0'" "$TMP/rc.out" ||
    { cat "$TMP/rc.out"; return 1; }
  grep -qF "version p50: 1e+06 flop/sample, 200000 bytes (unstructured pruning: trains with the full network's 2e+06 flop/sample" "$TMP/rc.out" ||
    { cat "$TMP/rc.out"; return 1; }
}
check "validate: what fits where, and how an unstructured version trains" validate_says

# Activations of 3e8 bytes per sample: one tiny host (2 cores, 32 samples each) needs 9.6 GB per core > 8 GB; two
# need 4.8 GB; the second cluster never fits. Without the limit depl and the optimum pick p50 on main x1.
BIG=(--set model.versions.full.activation_bytes_per_sample=3e8 --set model.versions.p50.activation_bytes_per_sample=3e8)
segments() {  # segments PLAN.json: "version cluster nodes" per segment
  "$PY" -c 'import json,sys
p = json.load(open(sys.argv[1]))
assert p["status"] == "ok", p["status"]
for s in p["segments"]: print(s["version"], s["cluster"], s["nodes"])' "$1"
}
favourite_is_one_node() {
  expect_rc 0 plan "$SC" --orchestrator depl || return 1
  segments "$TMP/rc.out" | grep -qx "p50 main 1" || { segments "$TMP/rc.out"; return 1; }
}
check "without the memory squeeze, depl trains p50 on one main node" favourite_is_one_node
check "  its explanation says where the versions do not fit" err_has "memory: version 'full' fits on 8 of 10 (cluster, nodes, power state) choices"
planner_fits() {  # planner_fits ORCHESTRATOR
  expect_rc 0 plan "$SC" --orchestrator "$1" "${BIG[@]}" || return 1
  segments "$TMP/rc.out" > "$TMP/segs" || return 1
  [ -s "$TMP/segs" ] || return 1
  if grep -qvE '^[a-z0-9]+ main [23]$' "$TMP/segs"; then echo "$1 chose a misfit:"; cat "$TMP/segs"; return 1; fi
}
for o in depl optimum full-only pruned-only expected-loss+margin depl-online; do
  check "$o keeps to the choices where its versions fit" planner_fits "$o"
done

NONE=(--set model.versions.full.activation_bytes_per_sample=1e12 --set model.versions.p50.activation_bytes_per_sample=1e12)
nothing_fits() {  # nothing_fits ORCHESTRATOR
  expect_rc 3 plan "$SC" --orchestrator "$1" "${NONE[@]}" || return 1
  err_has "on no (cluster, nodes, power state)"
}
for o in depl optimum full-only expected-loss+margin; do
  check "$o: infeasible, saying the versions fit nowhere" nothing_fits "$o"
done

misfit_refused() {
  printf '%s\n' '{"data_sources": ["cam1", "cam2"], "segments": [{"version": "full", "cluster": "second", "nodes": 1, "pstate": 0, "epochs": 12}]}' > "$TMP/plan.json"
  expect_rc 2 run "$SC" --orchestrator external --external-cmd "$PY tests/golden/fixed_plan.py $TMP/plan.json" \
    --replications 10 --out "$TMP/misfit" || return 1
  err_has "plan.segments[0]: does not fit in memory on 1 node of cluster 'second': version 'full' needs 4.4 MB per core on host 'tiny2-n0'" || return 1
  [ ! -e "$TMP/misfit" ] || { echo "an output folder was left"; return 1; }
}
check "a plan that does not fit is refused before any simulation" misfit_refused

# Radios (docs/model.md 4.13): src1 (2 W) and tiny-n1 (0.5 W) draw transmit_w while they send; the summary's
# by_kind.transmit holds it, the kinds add up to the total, and the cost model predicted the same energy.
radios_charged() {
  expect_rc 0 run "$SC" --orchestrator full-only --replications 20 --out "$TMP/radios" --no-figures || return 1
  grep -q "senders' radios" "$TMP/rc.out" || { cat "$TMP/rc.out"; return 1; }
  "$PY" - "$TMP/radios/summary.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
c = s["cost"]
k = c["energy_breakdown_j"]["by_kind"]
assert k["transmit"] > 0, k
total = k["hosts"] + k["links"] + k["transmit"]
assert abs(total - c["energy_j_mean"]) <= 1e-9 * c["energy_j_mean"], (total, c["energy_j_mean"])
pred = s["plan"]["predicted"]["energy_j"]
assert abs(pred - c["energy_j_mean"]) <= 1e-6 * pred, (pred, c["energy_j_mean"])
PY
}
check "the senders' radios are charged, predicted and measured alike" radios_charged
transmit_refused() {
  sed 's/"transmit_w" value="2"/"transmit_w" value="-2"/' tests/data/platforms/tiny-sparse-memory.xml > "$TMP/bad-radio.xml"
  expect_rc 2 validate "$SC" --platform "$TMP/bad-radio.xml" || return 1
  err_has "transmit_w: expected watts in [0, 100000]"
}
check "a negative transmit_w is refused" transmit_refused

bad_value() {  # bad_value KEY=VALUE TEXT
  expect_rc 2 validate "$SC" --set "$1" || return 1
  err_has "$2"
}
check "pruning_kind must be structured or unstructured" bad_value model.versions.p50.pruning_kind=sparse "pruning_kind"
check "the full network cannot be unstructured" bad_value model.versions.full.pruning_kind=unstructured "the first version is the full network"
check "activation bytes must be non-negative" bad_value model.versions.full.activation_bytes_per_sample=-1 "activation_bytes_per_sample"
check "optimizer state copies are 0 to 8" bad_value training.optimizer_state_copies=9 "optimizer_state_copies"
bad_sparse() {
  sed 's/"sparse_efficiency" value="0.5"/"sparse_efficiency" value="1.5"/' tests/data/platforms/tiny-sparse-memory.xml > "$TMP/bad.xml"
  expect_rc 2 validate "$SC" --platform "$TMP/bad.xml" || return 1
  err_has "sparse_efficiency: expected a number in [0, 1]" && err_has "bad.xml:"
}
check "sparse_efficiency outside [0, 1] is refused, naming the line" bad_sparse
finish
