#!/usr/bin/env bash
# The global batch chosen per plan (model.batch_sizes, docs/model.md 1.2), on tests/data/scenarios/tiny-iterations.yaml
# with the batch-size law: the plan of each listed batch is the plan of that batch fixed (at the per-batch
# confidence), the cheapest is kept and says its batch; which batch wins moves with B_noise; `run` simulates and
# judges the chosen batch (its replications equal a run of that batch fixed); a certified claim keeps the scenario's
# confidence after the choice; an interrupted run resumes on its batch; the coverage study chooses per draw; bad
# lists are input errors (exit 2); a list without a batch-size law is pointed out.
source "$(dirname "$0")/testlib.sh" batch-choice
cd "$SOURCE_DIR" || exit 2
SC=tests/data/scenarios/tiny-iterations.yaml
LIST=(--set 'model.batch_sizes=[64, 256, 1024]' --set model.learning.reference_batch=64)
# Per-batch confidence with 3 batches: 1 - 0.05 / 3.
C3=0.98333333333333328

# plan_of BATCH NOISE ORCHESTRATOR: the plan with that batch fixed, at the per-batch confidence, in $TMP/fixed-BATCH.json.
# Exit 0 or 3 (a batch may give no plan).
plan_of() {
  timeout 300 "$DEPLSIM" plan "$SC" --orchestrator "$3" --set model.learning.reference_batch=64 --set "model.learning.batch_noise_scale=$2" \
    --set "model.batch_size=$1" --set model.learning.confidence=$C3 >"$TMP/fixed-$1.json" 2>"$TMP/fixed-$1.err"
  local rc=$?
  [ $rc = 0 ] || [ $rc = 3 ] || { echo "batch $1: exit $rc"; cat "$TMP/fixed-$1.err"; return 1; }
}
# chosen_is NOISE ORCHESTRATOR BATCH: the list's plan is the fixed plan of BATCH, with batch_size; every batch's line
# in the explanation; the chosen objective is the least of them.
chosen_is() {
  local noise=$1 orch=$2 want=$3
  expect_rc 0 plan "$SC" --orchestrator "$orch" "${LIST[@]}" --set "model.learning.batch_noise_scale=$noise" || return 1
  cp "$TMP/rc.out" "$TMP/chosen.json"
  cp "$TMP/rc.err" "$TMP/chosen.err"
  for b in 64 256 1024; do plan_of "$b" "$noise" "$orch" || return 1; done
  "$PY" - "$TMP" "$want" <<'PYEOF'
import json, re, sys
tmp, want = sys.argv[1], int(sys.argv[2])
chosen = json.load(open(f"{tmp}/chosen.json"))
assert chosen["batch_size"] == want, chosen.get("batch_size")
fixed = json.load(open(f"{tmp}/fixed-{want}.json"))
assert "batch_size" not in fixed, "a plan of a scenario without a list has no batch_size"
for k in ("data_sources", "segments", "predicted"):
    assert chosen[k] == fixed[k], (k, chosen[k], fixed[k])
err = open(f"{tmp}/chosen.err").read()
objs = {}
for b in (64, 256, 1024):
    m = re.search(rf"^  batch {b}: (\S+)", err, re.M)
    assert m, f"no line for batch {b}:\n{err}"
    if m.group(1) not in ("infeasible", "insufficient_data"):
        objs[b] = float(m.group(1))
assert min(objs, key=objs.get) == want, objs
assert f"  batch {want}: " in err and "<- chosen" in [l for l in err.splitlines() if l.startswith(f"  batch {want}:")][0]
PYEOF
}
check "B_noise 100000 (the law hardly bites): depl takes batch 1024, the cheapest, the plan of 1024 fixed" chosen_is 100000 depl 1024
check "B_noise 256: batch 64 (larger batches need more epochs)" chosen_is 256 depl 64
check "the same choice for full-only (every orchestrator, one rule)" chosen_is 100000 full-only 1024

claim_kept() {
  "$PY" - "$TMP/chosen.json" "$TMP/fixed-1024.json" <<'PYEOF'
import json, sys
c, f = (json.load(open(p)) for p in sys.argv[1:])
assert "claim" in c and "claim" in f, "no certified claim"
assert c["claim"]["confidence"] == 0.95, c["claim"]
assert abs(f["claim"]["confidence"] - (1 - 0.05 / 3)) < 1e-12, f["claim"]
assert c["claim"]["test_level"] == f["claim"]["test_level"], (c["claim"], f["claim"])
assert "the cheapest of 3 global batches" in c["claim"]["method"], c["claim"]["method"]
PYEOF
}
chosen_is 100000 depl 1024 >/dev/null 2>&1
check "the chosen plan's claim: the scenario's 0.95 for all batches together, each batch tested at 1 - 0.05/3" claim_kept

RUN=(run "$SC" "${LIST[@]}" --set model.learning.batch_noise_scale=100000 --replications 300 --no-figures)
FIXED=(run "$SC" --set model.learning.reference_batch=64 --set model.learning.batch_noise_scale=100000 --set model.batch_size=1024
       --set model.learning.confidence=$C3 --replications 300 --no-figures)
run_is_fixed_batch() {
  expect_rc 0 "${RUN[@]}" --out "$TMP/run" || return 1
  expect_rc 0 "${FIXED[@]}" --out "$TMP/fixed" || return 1
  cmp "$TMP/run/replications.csv" "$TMP/fixed/replications.csv" || return 1
  "$PY" - "$TMP/run/summary.json" <<'PYEOF'
import json, sys
s = json.load(open(sys.argv[1]))
assert s["simulation"]["batch_size"] == 1024, s["simulation"]
assert s["plan"]["batch_size"] == 1024, s["plan"]
samples = sum({"cam1": 2000, "cam2": 1000}[d] for d in s["plan"]["data_sources"])
assert s["simulation"]["iterations_per_epoch"] == -(-samples // 1024), (samples, s["simulation"])
PYEOF
}
check "run: simulated and judged on the chosen batch (replications.csv = the run of batch 1024 fixed)" run_is_fixed_batch

resumes() {
  DEPLSIM_TEST_KILL_AT=run:planned timeout 300 "$DEPLSIM" "${RUN[@]}" --out "$TMP/killed" >/dev/null 2>&1
  [ -d "$TMP/killed.partial" ] || { echo "no work folder left"; return 1; }
  expect_rc 0 "${RUN[@]}" --out "$TMP/killed" --resume || return 1
  cmp "$TMP/killed/replications.csv" "$TMP/run/replications.csv"
}
check "an interrupted run resumes on its batch (same replications)" resumes

adaptive_kept() {  # depl-online plans again in the unit (its policies): the kept plan's batch and claim stay
  expect_rc 0 run "$SC" --orchestrator depl-online "${LIST[@]}" --set model.learning.batch_noise_scale=100000 --replications 50 \
    --no-figures --out "$TMP/online" || return 1
  "$PY" - "$TMP/online/summary.json" <<'PYEOF'
import json, sys
p = json.load(open(sys.argv[1]))["plan"]
assert p["batch_size"] == 1024, p
assert p["claim"]["confidence"] == 0.95 and "the cheapest of 3 global batches" in p["claim"]["method"], p["claim"]
PYEOF
}
check "an adaptive orchestrator (depl-online) re-plans in the unit and keeps the chosen batch and claim" adaptive_kept

compare_units() {
  expect_rc 0 compare "$SC" "${LIST[@]}" --set model.learning.batch_noise_scale=100000 --orchestrators depl,full-only \
    --replications 100 --no-figures --out "$TMP/cmp" || return 1
  "$PY" - "$TMP/cmp" <<'PYEOF'
import json, sys
for o in ("depl", "full-only"):
    s = json.load(open(f"{sys.argv[1]}/{o}/summary.json"))
    assert s["plan"]["batch_size"] == 1024, (o, s["plan"])
PYEOF
}
check "compare: each orchestrator's unit chooses its batch" compare_units

no_batch_plans() {
  expect_rc 3 plan "$SC" "${LIST[@]}" --set model.learning.batch_noise_scale=1000 --set target.loss=0.2 || return 1
  "$PY" - "$TMP/rc.out" <<'PYEOF'
import json, sys
p = json.load(open(sys.argv[1]))
assert p["status"] == "infeasible" and p["batch_size"] == 64, p
assert all(f"batch {b}:" in p["reason"] for b in (64, 256, 1024)), p["reason"]
PYEOF
}
check "no batch gives a plan: exit 3, the first batch's answer, every batch's reason" no_batch_plans

check "validate says the batch is chosen per plan" bash -c "
  '$DEPLSIM' validate $SC --set 'model.batch_sizes=[64, 256]' | grep -qF 'global batch chosen per plan from [64, 256] (model.batch_sizes)'"
bad() {  # bad KEY-IN-MESSAGE SET...
  local key=$1
  shift
  local args=()
  for s in "$@"; do args+=(--set "$s"); done
  expect_rc 2 plan "$SC" "${args[@]}" || return 1
  err_has "$key"
}
# A list without a batch-size law: said by validate and on plan's stderr (the batches then learn alike per epoch);
# with the law, or with one batch, nothing is said.
law_note() {
  local note='model.batch_sizes lists 2 global batches but model.learning has no batch-size law'
  "$DEPLSIM" validate $SC --set 'model.batch_sizes=[64, 256]' >"$TMP/law.out" 2>&1 || return 1
  grep -qF "  note: $note" "$TMP/law.out" || { cat "$TMP/law.out"; return 1; }
  expect_rc 0 plan "$SC" --orchestrator full-only --set 'model.batch_sizes=[64, 256]' || return 1
  grep -qF "note: $note" "$TMP/rc.err" || { cat "$TMP/rc.err"; return 1; }
  expect_rc 0 plan "$SC" --orchestrator full-only --set 'model.batch_sizes=[64, 256]' --set model.learning.reference_batch=64 \
    --set model.learning.batch_noise_scale=1000 || return 1
  ! grep -q "no batch-size law" "$TMP/rc.err" || return 1
  "$DEPLSIM" validate $SC --set 'model.batch_sizes=[64]' >"$TMP/law1.out" 2>&1 || return 1
  ! grep -q "no batch-size law" "$TMP/law1.out"
}
check "a list without a batch-size law is pointed out (validate, plan); not with the law or one batch" law_note
check "a batch listed twice: exit 2" bad "model.batch_sizes.1" 'model.batch_sizes=[64, 64]'
check "an empty list: exit 2" bad "model.batch_sizes" 'model.batch_sizes=[]'
check "a batch out of range: exit 2" bad "model.batch_sizes.0" 'model.batch_sizes=[0, 64]'
check "not a list: exit 2" bad "model.batch_sizes" 'model.batch_sizes=64'
check "model.batch_size not in the list: exit 2" bad "model.batch_size" 'model.batch_sizes=[128, 256]'
# A measured profile chooses among the batches its `batch` column measures (tests/data/profiles/valid-batches.csv:
# valid.csv at batch 32, valid-b64.csv at 64): the batch-64 plan equals the plan on valid-b64.csv alone (the column
# only selects rows); the list's plan is the cheapest batch's; a profile without the column, or a batch it lacks, is
# exit 2 naming model.batch_sizes; no batch-size-law note (the profile measures each batch).
TR=tests/data/scenarios/tiny-traces.yaml
# expected-loss (no claim: 3 knowledge seeds) at L* = 0.58, where batch 64's losses (x 1.05) need more epochs; the list
# names 64 first so that a tie would keep 64: 32 kept shows the costs decided.
TRB=(--orchestrator expected-loss --set target.loss=0.58 --set model.learning.profile=../profiles/valid-batches.csv)
traces_choice() {
  local c2=0.97499999999999998 b
  for b in 32 64; do
    timeout 300 "$DEPLSIM" plan "$TR" "${TRB[@]}" --set "model.batch_size=$b" --set "model.learning.confidence=$c2" \
      >"$TMP/tr-$b.json" 2>"$TMP/tr-$b.err" || { echo "batch $b fixed: exit $?"; cat "$TMP/tr-$b.err"; return 1; }
  done
  timeout 300 "$DEPLSIM" plan "$TR" "${TRB[@]}" --set model.learning.profile=../profiles/valid-b64.csv --set "model.learning.confidence=$c2" \
    >"$TMP/tr-file64.json" 2>"$TMP/tr-file64.err" || { echo "valid-b64.csv: exit $?"; cat "$TMP/tr-file64.err"; return 1; }
  expect_rc 0 plan "$TR" "${TRB[@]}" --set 'model.batch_sizes=[64, 32]' || return 1
  cp "$TMP/rc.out" "$TMP/tr-list.json"
  ! grep -qF "batch-size law" "$TMP/rc.err" || { echo "a law note for a measured profile:"; cat "$TMP/rc.err"; return 1; }
  "$PY" - "$TMP" <<'PYEOF'
import json, sys
tmp = sys.argv[1]
p32, p64, f64, chosen = (json.load(open(f"{tmp}/{n}.json")) for n in ("tr-32", "tr-64", "tr-file64", "tr-list"))
for k in ("data_sources", "segments", "predicted"):
    assert p64[k] == f64[k], ("batch 64 of the column vs its own file", k, p64[k], f64[k])
assert p32["segments"] != p64["segments"] or p32["predicted"] != p64["predicted"], "the two batches plan alike"
assert p32["predicted"]["energy_j"] < p64["predicted"]["energy_j"], (p32["predicted"], p64["predicted"])
want = 32
assert chosen["batch_size"] == want, (chosen.get("batch_size"), want)
for k in ("data_sources", "segments", "predicted"):
    assert chosen[k] == {32: p32, 64: p64}[want][k], k
PYEOF
}
check "a profile with a batch column: each batch's plan is its rows' plan; the cheapest kept" traces_choice
check "a profile without a batch column cannot choose: exit 2" bash -c "
  '$DEPLSIM' plan '$TR' --set 'model.batch_sizes=[32, 64]' >/dev/null 2>'$TMP/t.err'; rc=\$?
  [ \$rc = 2 ] && grep -qF 'model.batch_sizes' '$TMP/t.err' && grep -qF 'no batch column' '$TMP/t.err' || { echo rc \$rc; cat '$TMP/t.err'; exit 1; }"
check "a batch the profile does not measure: exit 2" bash -c "
  '$DEPLSIM' plan '$TR' ${TRB[*]} --set 'model.batch_sizes=[32, 128]' >/dev/null 2>'$TMP/t.err'; rc=\$?
  [ \$rc = 2 ] && grep -qF 'model.batch_sizes' '$TMP/t.err' && grep -qF 'batch 128 not measured' '$TMP/t.err' && grep -qF 'it measures 32, 64' '$TMP/t.err' || { echo rc \$rc; cat '$TMP/t.err'; exit 1; }"
# The coverage study over a list: per repetition and planner, a plan per batch on that batch's draw, the cheapest
# kept and judged on its batch's truth. Each row equals the row of a study with the kept batch fixed (at the
# per-batch confidence: same draws), and no fixed batch's plan of that repetition is cheaper.
COV=(--orchestrators depl,full-only --repetitions 6 --set model.learning.reference_batch=64 --set model.learning.batch_noise_scale=1000
     --set model.learning.knowledge_trajectories=120)
coverage_over_batches() {
  expect_rc 0 coverage "$SC" "${COV[@]}" --set 'model.batch_sizes=[64, 256, 1024]' --jobs 2 --out "$TMP/cov" || return 1
  for b in 64 256 1024; do
    expect_rc 0 coverage "$SC" "${COV[@]}" --set "model.batch_size=$b" --set model.learning.confidence=$C3 --jobs 1 --out "$TMP/cov-$b" || return 1
  done
  "$PY" - "$TMP" <<'PYEOF'
import csv, json, sys
tmp = sys.argv[1]
rows = list(csv.DictReader(open(f"{tmp}/cov/coverage.csv")))
fixed = {b: {(r["repetition"], r["orchestrator"]): r for r in csv.DictReader(open(f"{tmp}/cov-{b}/coverage.csv"))} for b in (64, 256, 1024)}
assert len(rows) == 12, len(rows)
for r in rows:
    assert r["status"] == "ok" and r["batch_size"] in ("64", "256", "1024"), r
    key = (r["repetition"], r["orchestrator"])
    same = fixed[int(r["batch_size"])][key]
    for k in ("knowledge_seed", "claim", "true_p", "energy_j", "epochs", "certified"):
        assert r[k] == same[k], (k, r, same)
    others = [float(fixed[b][key]["energy_j"]) for b in (64, 256, 1024) if fixed[b][key]["status"] == "ok"]
    assert float(r["energy_j"]) <= min(others) + 1e-9, (r, others)
s = json.load(open(f"{tmp}/cov/summary.json"))
assert s["cells"][0]["knowledge"]["confidence"] == 0.95, s["cells"][0]["knowledge"]
assert all(r["batch_size"] == "" for r in csv.DictReader(open(f"{tmp}/cov-64/coverage.csv")))
PYEOF
}
check "coverage over a batch list: each draw's plan is the cheapest batch's, judged on that batch's truth" coverage_over_batches
finish
