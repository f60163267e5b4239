#!/usr/bin/env bash
# The device profiler (analysis/profile/profile_device.py --quick, seconds): every (version, batch) measured in its
# own process, with speed, per-iteration time, peak memory and power (a number, or "not measured" saying why), the
# speed of each version relative to full, and the per-iteration overhead fit. Speeds are not asserted (timing);
# docs/profiles.md section 10 has the measured ones.
source "$(dirname "$0")/testlib.sh" profile-device
cd "$SOURCE_DIR" || exit 2
check "the quick device profile is measured" "$PY" analysis/profile/profile_device.py --quick --out "$TMP/device.yaml"
check "  every (version, batch) with what was measured and how" "$PY" - "$TMP/device.yaml" <<'PYEOF'
import sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
rows = d["measurements"]
versions = {"full": "none", "p50": "unstructured", "p75": "unstructured", "s50": "structured", "s75": "structured"}
assert sorted({(r["version"], r["local_batch"]) for r in rows}) == sorted((v, b) for v in versions for b in (8, 16, 32)), rows
for r in rows:
    assert r["pruning_kind"] == versions[r["version"]], r
    assert r["samples_per_s"] > 0 and r["s_per_iteration"] > 0 and r["peak_memory_bytes"] >= 0, r
    assert abs(r["samples_per_s"] * r["s_per_iteration"] - r["local_batch"]) < 1e-4 * r["local_batch"], r  # both written to 6 digits
    assert (r["power_w"] is None) == r["power_measured_as"].startswith("not measured"), r
# the unstructured versions keep the full network's shapes with zeros in them; the structured ones are smaller
nz = {r["version"]: r["nonzero_weights"] for r in rows}
assert nz["p50"] == nz["full"] // 2 and nz["p75"] == nz["full"] // 4, nz
assert nz["s50"] == 784 * 64 + 64 * 32 + 32 * 10 and nz["s75"] == 784 * 32 + 32 * 16 + 16 * 10, nz
rel = d["speed_relative_to_full"]
assert set(rel) == {"p50", "p75", "s50", "s75"} and all(len(x) == 3 for x in rel.values()), rel
assert set(d["per_iteration_overhead"]) == set(versions), d["per_iteration_overhead"]
assert d["machine"]["device"] == "cpu" and d["quick"] is True, d["machine"]
PYEOF
bad_args() {
  "$PY" analysis/profile/profile_device.py --quick --batch-sizes 8 --out "$TMP/x.yaml" >"$TMP/bad.out" 2>&1
  [ $? = 2 ] && grep -q "at least two batch sizes" "$TMP/bad.out" && [ ! -e "$TMP/x.yaml" ]
}
check "one batch size: a usage error (exit 2), nothing written" bad_args
finish
