#!/usr/bin/env bash
# The profiler's structured pruning (analysis/profile/profile_fashion_mnist.py --pruning structured --quick, a few
# seconds): s50/s75 remove whole hidden neurons, so they are smaller dense networks whose flops and bytes are those
# of the narrower MLP; s75>full brings the removed neurons back (they train again: the run ends at full's count);
# and the profile loads in deplsim with structured versions.
source "$(dirname "$0")/testlib.sh" profile-structured
cd "$SOURCE_DIR" || exit 2
OUT=$TMP/structured
check "the quick structured profile is measured" "$PY" analysis/profile/profile_fashion_mnist.py --pruning structured --quick \
  --out-dir "$OUT" --work-dir "$OUT/work"
check "  its versions are the narrower dense networks" "$PY" - "$OUT/fashion-mnist-structured.meta.yaml" <<'PYEOF'
import sys, yaml
m = yaml.safe_load(open(sys.argv[1]))
v = {x["name"]: x for x in m["versions"]}
assert m["pruning"]["kind"] == "structured", m["pruning"]
# MLP 784-128-64-10: s50 keeps 64 and 32 hidden neurons, s75 32 and 16; weights are the dense products.
for name, (h1, h2) in (("full", (128, 64)), ("s50", (64, 32)), ("s75", (32, 16))):
    weights = 784 * h1 + h1 * h2 + h2 * 10
    biases = h1 + h2 + 10
    assert v[name]["nonzero_weights"] == weights and v[name]["biases"] == biases, (name, v[name])
    assert v[name]["flops_per_sample"] == 6 * weights and v[name]["param_bytes"] == 4 * (weights + biases), (name, v[name])
# Every run ends at its last version's count: s75>full's removed neurons came back and train again.
assert v["full"]["checked_on_trained_runs"]["s75>full@1"] == "all 6 runs: %d" % (784 * 128 + 128 * 64 + 64 * 10 + 202), v["full"]
for name in ("s50", "s75"):
    for run, got in v[name]["checked_on_trained_runs"].items():
        assert got.endswith(": %d" % (v[name]["nonzero_weights"] + v[name]["biases"])), (run, got)
PYEOF
loads() {  # scenarios/fashion_mnist/edge-structured.yaml on the quick profile (2 seeds, 2 epochs, a switch after 1)
  sed -e "s#profile: ../profiles/fashion-mnist-structured.csv#profile: $OUT/fashion-mnist-structured.csv#" \
      -e 's/switch_epochs: \[5, 10\]/switch_epochs: [1]/' -e 's/max_epochs: 20/max_epochs: 2/' \
      -e 's/knowledge_seeds: 80/knowledge_seeds: 1/' -e 's#platform: ../../platforms#platform: '"$SOURCE_DIR"'/platforms#' \
      scenarios/fashion_mnist/edge-structured.yaml > "$TMP/structured.yaml"
  expect_rc 0 validate "$TMP/structured.yaml" || return 1
  grep -qF "version s50: 315264 flop/sample, 210600 bytes" "$TMP/rc.out" || { cat "$TMP/rc.out"; return 1; }
}
check "  and loads in deplsim as structured versions" loads
finish
