#!/usr/bin/env bash
# End-to-end tests of `deplsim calibrate` (docs/knowledge.md): calibration.csv (columns, one row per schedule and
# epoch), summary.json, the exported knowledge (knowledge.json and its CSVs: stochastic rows, and propagating
# them reproduces calibrate's predictions), byte-identical outputs for the same seed, --out safety, and the
# final-epoch |predicted - empirical| P(L_K <= L*) within a bound derived from the sample sizes (a check that
# can fail: the same bound rejects one version's prediction against another's outcomes).
# Run by ctest with DEPLSIM and SOURCE_DIR set.
source "$(dirname "$0")/testlib.sh" calibrate
export DEPLSIM_CACHE_DIR="$TMP/cache"  # the planner-knowledge cache, kept out of the user's home
TINY="$SOURCE_DIR/tests/data/scenarios/tiny.yaml"
# At tiny's own target (L* = 0.9) every schedule ends with P = 1, which would make the bound below vacuous;
# L* = 0.55 puts the final-epoch P between 0.1 and 0.5.
TARGET=(--set target.loss=0.55)
N=3000


calibrate() { timeout 120 "$DEPLSIM" calibrate "$@"; }
expect_rc() {  # expect_rc RC args...
  local want=$1
  shift
  calibrate "$@" >"$TMP/rc.out" 2>&1
  local rc=$?
  [ "$rc" = "$want" ] || { echo "exit $rc, expected $want"; cat "$TMP/rc.out"; return 1; }
}

check "calibrate tiny writes its outputs" expect_rc 0 "$TINY" --replications $N "${TARGET[@]}" --out "$TMP/a"
check "it prints a table with one line per schedule and the verdict" "$PY" - "$TMP/rc.out" <<'PYEOF'
import sys
text = open(sys.argv[1]).read()
for s in ["full ", "p50 ", "full>p50@5 ", "full>p50@10 "]:
    assert any(line.strip().startswith(s) for line in text.splitlines()), (s, text)
assert "tolerance 0.03" in text and ": ok" in text, text
PYEOF
check "same calibration again (knowledge now from the cache)" expect_rc 0 "$TINY" --replications $N "${TARGET[@]}" --out "$TMP/b"
check "no .partial folder is left" test ! -e "$TMP/a.partial"
check "same files in both runs" diff <(cd "$TMP/a" && find . -type f | sort) <(cd "$TMP/b" && find . -type f | sort)
check "every file is byte-identical for the same seed" diff -r "$TMP/a" "$TMP/b"

check "calibration.csv: columns, one row per schedule x epoch, consistent values" "$PY" - "$TMP/a" "$N" <<'PYEOF'
import csv, json, sys
d, n = sys.argv[1], int(sys.argv[2])
rows = list(csv.DictReader(open(d + "/calibration.csv")))
cols = ["schedule", "epoch", "predicted_mean", "empirical_mean", "predicted_q05", "empirical_q05", "predicted_q50",
        "empirical_q50", "predicted_q95", "empirical_q95", "ks", "predicted_p_target", "empirical_p_target", "p_error"]
assert list(rows[0].keys()) == cols, list(rows[0].keys())
schedules = ["full", "p50", "full>p50@5", "full>p50@10"]
assert [(r["schedule"], int(r["epoch"])) for r in rows] == [(s, k) for s in schedules for k in range(1, 31)]
for r in rows:
    v = {c: float(r[c]) for c in cols[2:]}
    for side in ("predicted", "empirical"):
        assert v[side + "_q05"] <= v[side + "_q50"] <= v[side + "_q95"], r
        assert 0 <= v[side + "_p_target"] <= 1, r
    assert 0 < v["ks"] <= 1, r
    assert abs(v["p_error"] - (v["predicted_p_target"] - v["empirical_p_target"])) < 1e-15, r
    assert abs(v["empirical_p_target"] * n - round(v["empirical_p_target"] * n)) < 1e-6, r  # a count out of N
s = json.load(open(d + "/summary.json"))
assert s["scenario"] == "tiny" and s["seed"] == 1 and s["replications"] == n
assert s["target"]["loss"] == 0.55 and s["tolerance"] == 0.03
assert [x["schedule"] for x in s["schedules"]] == schedules
for x in s["schedules"]:
    mine = [r for r in rows if r["schedule"] == x["schedule"]]
    assert x["final_epoch"] == 30
    assert x["predicted_p_target"] == float(mine[-1]["predicted_p_target"])
    assert x["empirical_p_target"] == float(mine[-1]["empirical_p_target"])
    assert x["worst_ks"] == max(float(r["ks"]) for r in mine)
    assert x["worst_abs_p_error"] == max(abs(float(r["p_error"])) for r in mine)
worst = max(abs(x["p_error"]) for x in s["schedules"])
assert s["worst_final_abs_p_error"] == worst
assert s["verdict"] == ("ok" if worst <= 0.03 else "miscalibrated")
assert "training trajectories" in s["knowledge"]["description"]
PYEOF

check "knowledge.json lists the grid, buckets, versions, switches and every chain's files" "$PY" - "$TMP/a/knowledge" <<'PYEOF'
import json, os, sys
d = sys.argv[1]
k = json.load(open(d + "/knowledge.json"))
assert k["format"] == "deplsim-knowledge" and k["format_version"] == 1
assert k["scenario"] == "tiny" and k["seed"] == 1 and k["trajectories_per_chain"] == 250  # 500 runs: 250 choose
assert k["knowledge_runs"] == 500 and k["certification_runs"] == 250 and k["confidence"] == 0.95
g = k["grid"]
assert len(g["bounds"]) == g["levels"] + 1 and len(g["values"]) == g["levels"]
assert g["bounds"][g["target_levels"]] == k["target"]["loss"] == 0.55
assert all(a < b for a, b in zip(g["bounds"], g["bounds"][1:]))
assert [b["samples"] for b in k["data_buckets"]] == [750, 1500, 2250, 3000]
assert [v["name"] for v in k["versions"]] == ["full", "p50"]
assert k["switches"] == [{"from": "full", "to": "p50"}] and k["switch_epochs"] == [5, 10]
chains = k["chains"]
assert len(chains) == 4 * (2 + 2), len(chains)
ids = [c["id"] for c in chains]
assert len(set(ids)) == len(ids)
for c in chains:
    assert c["trajectories"] == 250 and c["last_epoch"] == 30
    files = [c["kernels"], c["level_means"]] + ([c["initial"]] if c["kind"] == "single" else [])
    for f in files:
        assert os.path.isfile(os.path.join(d, f)), f
    assert (c["initial"] is None) == (c["kind"] == "switch")
    assert c["first_epoch"] == (c["switch_epoch"] + 1 if c["kind"] == "switch" else 1)
assert os.path.isfile(os.path.join(d, k["mean_curves"]))
PYEOF

check "every kernel row and initial distribution sums to 1 (1e-9)" "$PY" - "$TMP/a/knowledge" <<'PYEOF'
import csv, json, sys
from collections import defaultdict
d = sys.argv[1]
k = json.load(open(d + "/knowledge.json"))
B = k["grid"]["levels"]
for c in k["chains"]:
    rows = list(csv.DictReader(open(d + "/" + c["kernels"])))
    assert list(rows[0].keys()) == ["epoch", "from_level", "to_level", "probability"]
    sums = defaultdict(float)
    for r in rows:
        p = float(r["probability"])
        assert 0 < p <= 1 and 0 <= int(r["to_level"]) < B, r
        sums[(int(r["epoch"]), int(r["from_level"]))] += p
    first = c["switch_epoch"] if c["kind"] == "switch" else 1
    epochs = sorted({e for e, _ in sums})
    assert epochs == list(range(first, 30)), (c["id"], epochs)
    assert len(sums) == len(epochs) * B, c["id"]  # every row of every kernel is given
    bad = [(key, s) for key, s in sums.items() if abs(s - 1) > 1e-9]
    assert not bad, (c["id"], bad[:3])
    if c["kind"] == "single":
        init = list(csv.DictReader(open(d + "/" + c["initial"])))
        assert list(init[0].keys()) == ["level", "probability"]
        assert abs(sum(float(r["probability"]) for r in init) - 1) < 1e-9, c["id"]
PYEOF

check "propagating the exported kernels reproduces the predicted P and E[L] at every epoch (1e-9)" "$PY" - "$TMP/a" <<'PYEOF'
import csv, json, sys
from collections import defaultdict
d = sys.argv[1]
k = json.load(open(d + "/knowledge/knowledge.json"))
B, T = k["grid"]["levels"], k["grid"]["target_levels"]
values = k["grid"]["values"]
chains = {}
for c in k["chains"]:
    kern = defaultdict(lambda: defaultdict(list))
    for r in csv.DictReader(open(d + "/knowledge/" + c["kernels"])):
        kern[int(r["epoch"])][int(r["from_level"])].append((int(r["to_level"]), float(r["probability"])))
    means = defaultdict(dict)
    for r in csv.DictReader(open(d + "/knowledge/" + c["level_means"])):
        means[int(r["epoch"])][int(r["level"])] = float(r["mean_loss"])
    init = None
    if c["initial"]:
        init = [0.0] * B
        for r in csv.DictReader(open(d + "/knowledge/" + c["initial"])):
            init[int(r["level"])] = float(r["probability"])
    chains[c["id"]] = (c, kern, means, init)

def find(kind, bucket, **kw):
    for cid, (c, *_rest) in chains.items():
        if c["kind"] == kind and c["bucket"] == bucket and all(c[a] == b for a, b in kw.items()):
            return chains[cid]
    raise KeyError((kind, bucket, kw))

def step(pi, rows):
    out = [0.0] * B
    for i, p in enumerate(pi):
        if p:
            for j, q in rows[i]:
                out[j] += p * q
    return out

s = json.load(open(d + "/summary.json"))
bucket = s["data"]["bucket"]
pred = defaultdict(dict)
for r in csv.DictReader(open(d + "/calibration.csv")):
    pred[r["schedule"]][int(r["epoch"])] = (float(r["predicted_p_target"]), float(r["predicted_mean"]))
curves = defaultdict(dict)
for r in csv.DictReader(open(d + "/knowledge/mean_curves.csv")):
    curves[r["chain"]][int(r["epoch"])] = (float(r["p_target"]), float(r["expected_loss"]))
checked = 0
for x in s["schedules"]:
    parts = x["parts"]
    c0, kern0, means0, init = find("single", bucket, version=parts[0]["version"])
    pi, out = init, {}
    out[1] = (pi, means0[1])
    for e in range(1, parts[0]["epochs"]):
        pi = step(pi, kern0[e])
        out[e + 1] = (pi, means0[e + 1])
    if len(parts) == 2:
        s_ep = parts[0]["epochs"]
        c1, kern1, means1, _ = find("switch", bucket, **{"from": parts[0]["version"], "to": parts[1]["version"], "switch_epoch": s_ep})
        for e in range(s_ep, 30):
            pi = step(pi, kern1[e])
            out[e + 1] = (pi, means1[e + 1])
    for e, (pi, m) in out.items():
        p = sum(pi[:T])
        mean = sum(pi[j] * m.get(j, values[j]) for j in range(B))
        pp, pm = pred[x["schedule"]][e]
        assert abs(min(1.0, p) - pp) <= 1e-9 and abs(mean - pm) <= 1e-9 * max(1, abs(pm)), (x["schedule"], e, p, pp, mean, pm)
        checked += 1
    assert abs(sum(out[30][0][:T]) - x["predicted_p_target"]) <= 1e-9, x["schedule"]
# mean_curves.csv: the chain's own schedule on its bucket, from its first epoch
for cid, (c, *_r) in chains.items():
    first = c["first_epoch"]
    assert sorted(curves[cid]) == list(range(first, 31)), cid
    if c["bucket"] == bucket:
        name = c["version"] if c["kind"] == "single" else f'{c["from"]}>{c["to"]}@{c["switch_epoch"]}'
        for e in range(first, 31):
            assert abs(curves[cid][e][0] - pred[name][e][0]) <= 1e-12 and abs(curves[cid][e][1] - pred[name][e][1]) <= 1e-12, (cid, e)
assert checked == 4 * 30
PYEOF

# The bound on the final-epoch |P error|: both estimates are binomial proportions, of n = 500 training
# trajectories (the knowledge) and N evaluation replications; 4 standard errors of their difference, plus 0.01.
cat >"$TMP/bound.py" <<'PYEOF'
import json, math, sys
def bound(p, n_train, n_eval):
    p = min(max(p, 1.0 / n_eval), 1 - 1.0 / n_eval)
    return 4 * math.sqrt(p * (1 - p) / n_train + p * (1 - p) / n_eval) + 0.01
s = json.load(open(sys.argv[1] + "/summary.json"))
n_train, n_eval = s["knowledge"]["trajectories_per_chain"], s["replications"]
final = {x["schedule"]: x for x in s["schedules"]}
if sys.argv[2] == "own":
    for name, x in final.items():
        b = bound(x["empirical_p_target"], n_train, n_eval)
        assert 0.01 < x["empirical_p_target"] < 0.99, (name, "the bound would be vacuous")
        assert abs(x["p_error"]) <= b, (name, x["p_error"], b)
        print(name, x["predicted_p_target"], x["empirical_p_target"], abs(x["p_error"]), "<=", b)
else:  # one version's prediction against another's outcome must fail the same bound
    a, b_ = final["p50"], final["full"]
    b = bound(b_["empirical_p_target"], n_train, n_eval)
    err = abs(a["predicted_p_target"] - b_["empirical_p_target"])
    assert err > b, (err, b)
PYEOF
check "final-epoch |P error| within 4 standard errors + 0.01 for every schedule" "$PY" "$TMP/bound.py" "$TMP/a" own
check "the bound can fail: p50's prediction against full's outcome is rejected" "$PY" "$TMP/bound.py" "$TMP/a" swapped

check "an existing --out is refused without --force" expect_rc 2 "$TINY" --replications 100 --out "$TMP/a"
check "the refused run left the old results untouched" diff -r "$TMP/a" "$TMP/b"
check "--force replaces it" expect_rc 0 "$TINY" --replications 100 --seed 2 --out "$TMP/b" --force
check "the replaced folder holds the new run" "$PY" -c '
import json, sys
s = json.load(open(sys.argv[1] + "/summary.json"))
assert s["seed"] == 2 and s["replications"] == 100 and s["target"]["loss"] == 0.9' "$TMP/b"
check "no stray folders beside it" bash -c "! ls -d '$TMP'/b.partial '$TMP'/b.old-* 2>/dev/null | grep ."
check "--replications 0 is refused" expect_rc 2 "$TINY" --replications 0 --out "$TMP/zero"
check "the refused run wrote nothing" test ! -e "$TMP/zero" -a ! -e "$TMP/zero.partial"
check "a bad --set is refused" expect_rc 2 "$TINY" --set target.loss=abc --out "$TMP/bad"
check "a missing scenario is refused" expect_rc 2 "$TMP/nope.yaml" --out "$TMP/bad"
check "calibrate --help" expect_rc 0 --help

finish
