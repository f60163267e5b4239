#!/usr/bin/env bash
# Device profiles in a scenario (docs/scenario.md 2.13, docs/model.md 4.15): `validate` shows where each applies and
# each version's measured speed against the platform's; a run's cost follows the measured speed (the executor and the
# cost model agree: cost_vs_simulation_devices*); bad input is exit 2 naming the key or the profile's line.
source "$(dirname "$0")/testlib.sh" devices
S="$SOURCE_DIR/tests/data/scenarios/tiny-devices.yaml"
check "validate" expect_rc 0 validate "$S"
check "  (the first profile, on named hosts)" bash -c "grep -qF 'tiny-device.yaml on hosts tiny-n0, tiny-n2' '$TMP/rc.out'"
check "  (full: 1.25x its flops' speed on tiny-n0)" bash -c "grep -qF 'full: 0.0004 s per sample, 0.002 s per iteration (on tiny-n0 at power state 0: 1.25x' '$TMP/rc.out'"
check "  (p50 renamed to the profile's s75 on zone tiny2: 5x)" bash -c "grep -qF 'p50: 0.0001 s per sample, 0.001 s per iteration (on tiny2-n0 at power state 0: 5x' '$TMP/rc.out'"
# A plan on the measured hosts is predicted and measured with the measured speed: the same plan without the profiles
# costs differently (the full network on tiny-n0 alone: 1.25 times faster with its profile).
check "run with the profiles" expect_rc 0 run "$S" --orchestrator full-only --replications 1 --no-figures --out "$TMP/with"
check "run without them (an empty devices list)" expect_rc 0 run "$S" --orchestrator full-only --replications 1 --no-figures --out "$TMP/without" --set devices=null
check "  (measured = predicted, and the profiles change the cost)" "$PY" - "$TMP/with/summary.json" "$TMP/without/summary.json" <<'PYEOF'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for s in (a, b):
    assert abs(s["cost"]["energy_j_mean"] / s["plan"]["predicted"]["energy_j"] - 1) < 1e-6, s["cost"]["energy_j_mean"]
assert abs(a["cost"]["time_s_mean"] - b["cost"]["time_s_mean"]) > 1e-3, (a["cost"]["time_s_mean"], b["cost"]["time_s_mean"])
PYEOF
# Bad input: exit 2, the key or the profile's line named, nothing run.
check "a missing profile: exit 2" expect_rc 2 validate "$S" --set devices.0.profile=nope.yaml
check "  (message)" err_has "devices.0.profile: no such file"
check "an unknown host: exit 2" expect_rc 2 validate "$S" --set devices.0.hosts.1=nope
check "  (message)" err_has "devices.0: host 'nope' is not a training host of any cluster"
check "hosts and a zone: exit 2" expect_rc 2 validate "$S" --set devices.0.zone=tiny
check "  (message)" err_has 'give either `hosts` (a list of training hosts) or `zone`'
check "a zone without training hosts: exit 2" expect_rc 2 validate "$S" --set devices.1.zone=core
check "  (message)" err_has "devices.1: zone 'core' holds no training host of any cluster"
check "a version renamed to one the profile lacks: exit 2" expect_rc 2 validate "$S" --set devices.1.versions.p50=s99
check "  (message: what the profile has)" err_has "'s99' is not measured in"
printf 'device_profile: 1\nper_iteration_overhead:\n  full: {fixed_s_per_iteration: -0.5, s_per_sample: 0}\n' >"$TMP/bad.yaml"
check "a profile with a negative overhead and a zero speed: exit 2" expect_rc 2 validate "$S" --set "devices.0.profile=$TMP/bad.yaml"
check "  (its file, line and keys)" bash -c "grep -qF 'bad.yaml:3:' '$TMP/rc.err' && grep -qF 'per_iteration_overhead.full.s_per_sample' '$TMP/rc.err' && grep -qF 'per_iteration_overhead.full.fixed_s_per_iteration' '$TMP/rc.err'"
printf 'measurements: []\n' >"$TMP/notprofile.yaml"
check "a file that is not a device profile: exit 2" expect_rc 2 validate "$S" --set "devices.0.profile=$TMP/notprofile.yaml"
check "  (message)" err_has "device_profile: expected 1"
finish
