#!/usr/bin/env bash
# `deplsim coverage` (docs/model.md 3.8): the plan-then-judge experiment over independent knowledge draws. On
# tests/data/scenarios/tiny.yaml with few knowledge runs: uncertified claims miss (the winner's curse), certified ones
# do not; the files, the cells of a grid, the same bytes with --jobs 2; on the measured Fashion-MNIST profile the true
# P is counted on the seeds a draw's knowledge left out; bad input exits 2.
source "$(dirname "$0")/testlib.sh" coverage
TINY="$SOURCE_DIR/tests/data/scenarios/tiny.yaml"
EDGE="$SOURCE_DIR/scenarios/fashion_mnist/edge.yaml"
COMMON=(--orchestrators full-only,depl --repetitions 20 --evaluation-replications 2000 --set target.probability=0.8
        --grid model.learning.knowledge_runs=20,40 --grid model.learning.certification_share=0.5,0)
check "a grid of 4 cells" expect_rc 0 coverage "$TINY" "${COMMON[@]}" --out "$TMP/c1"
check "  the files" bash -c "for f in coverage.csv summary.json coverage.md coverage.png coverage.pdf knowledge_runs.png; do test -s '$TMP/c1/'\$f || { echo \$f; exit 1; }; done"
check "  the table on stdout" grep -q "| orchestrator | claims | certified | misses (clear) |" "$TMP/rc.out"
check "  the counts add up, and the claims are as certified" "$PY" - "$TMP/c1" <<'PYEOF'
import csv, json, sys
d = sys.argv[1]
s = json.load(open(f"{d}/summary.json"))
rows = list(csv.DictReader(open(f"{d}/coverage.csv")))
assert len(s["cells"]) == 4 and len(rows) == 4 * 20 * 2, (len(s["cells"]), len(rows))
assert [c["settings"] for c in s["cells"]] == [
    {"model.learning.knowledge_runs": k, "model.learning.certification_share": c}
    for k in ("20", "40") for c in ("0.5", "0")], s["cells"]
for c in s["cells"]:
    for p in c["planners"]:
        mine = [r for r in rows if int(r["cell"]) == c["cell"] and r["orchestrator"] == p["orchestrator"] and r["status"] == "ok"]
        assert p["claims"] == len(mine), (p, len(mine))
        assert p["misses"] == sum(float(r["claim"]) > float(r["true_p"]) for r in mine), p
        assert p["misses"] == sum(r["miss"] == "1" for r in mine)
        for r in mine:
            assert int(r["true_runs"]) == 2000 and float(r["true_lo"]) <= float(r["true_p"]) <= float(r["true_hi"]), r
            if c["knowledge"]["certification_runs"] > 0:
                assert r["certified"] == "1" and float(r["claim"]) == 0.8, r   # a certified claim is p*
            else:
                assert r["certified"] == "0" and float(r["claim"]) >= 0.8 - 1e-9, r
PYEOF
check "  uncertified on 20 runs the claims miss; certified they do not" "$PY" - "$TMP/c1/summary.json" <<'PYEOF'
import json, sys
s = json.load(open(sys.argv[1]))
by = {(c["knowledge"]["knowledge_runs"], c["knowledge"]["certification_runs"] > 0, p["orchestrator"]): p
      for c in s["cells"] for p in c["planners"]}
# Uncertified, full-only claims the bound at the epoch its 20 runs rate best: the winner's curse, measured.
unc = by[(20, False, "full-only")]
assert unc["claims"] >= 10 and unc["misses"] >= 5 and unc["coverage_rejected_at_1pct"], unc
for k in (20, 40):
    for o in ("full-only", "depl"):
        p = by[(k, True, o)]
        assert p["clear_misses"] <= 1 and not p["coverage_rejected_at_1pct"], p
assert by[(40, True, "depl")]["claims"] >= 15, by[(40, True, "depl")]  # certified claims are made
PYEOF
check "--jobs 2: the same bytes" expect_rc 0 coverage "$TINY" "${COMMON[@]}" --out "$TMP/c2" --jobs 2
check "  (coverage.csv, summary.json, coverage.md)" bash -c "cmp '$TMP/c1/coverage.csv' '$TMP/c2/coverage.csv' && cmp '$TMP/c1/summary.json' '$TMP/c2/summary.json' && cmp '$TMP/c1/coverage.md' '$TMP/c2/coverage.md'"
check "--uncertified: no certification runs" expect_rc 0 coverage "$TINY" --orchestrators full-only --repetitions 2 \
  --evaluation-replications 500 --uncertified --out "$TMP/u"
check "  (summary)" "$PY" -c "import json; s = json.load(open('$TMP/u/summary.json')); assert s['cells'][0]['knowledge']['certification_runs'] == 0, s"
check "a measured profile: true P over the seeds the draw left out" expect_rc 0 coverage "$EDGE" --orchestrators full-only \
  --repetitions 3 --set model.learning.knowledge_runs=40 --set target.probability=0.8 --out "$TMP/edge"
check "  (60 of the 100 seeds, other splits per draw)" "$PY" - "$TMP/edge/coverage.csv" <<'PYEOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 3 and all(r["true_runs"] == "60" for r in rows if r["status"] == "ok"), rows
assert len({r["knowledge_seed"] for r in rows}) == 3, rows
PYEOF
# A coverage sweep (docs/sweeps.md): the same study from a sweep file, the same bytes.
cat >"$TMP/cov.yaml" <<YAMLEOF
name: cov
scenarios: [$TINY]
orchestrators: [full-only, depl]
set: {target.probability: 0.8}
grid:
  model.learning.knowledge_runs: [20, 40]
  model.learning.certification_share: [0.5, 0]
coverage: {repetitions: 20, evaluation_replications: 2000}
YAMLEOF
check "a coverage sweep" expect_rc 0 sweep "$TMP/cov.yaml" --out "$TMP/s" --jobs 2
check "  the same coverage.csv and summary.json as the command" bash -c "cmp '$TMP/c1/coverage.csv' '$TMP/s/coverage.csv' && cmp '$TMP/c1/summary.json' '$TMP/s/summary.json'"
check "  --resume keeps a finished one" expect_rc 0 sweep "$TMP/cov.yaml" --out "$TMP/s" --resume
check "  (says so)" err_has "finished, kept"
sed 's/^coverage:.*/coverage: {repetitions: 2}\nreplications: 100/' "$TMP/cov.yaml" >"$TMP/cov-reps.yaml"
check "a coverage sweep with replications: exit 2" expect_rc 2 sweep "$TMP/cov-reps.yaml" --out "$TMP/x"
check "  (message)" err_has "not used by a coverage sweep"
sed 's/^coverage:.*/coverage: {repetitions: 0}/' "$TMP/cov.yaml" >"$TMP/cov-zero.yaml"
check "coverage.repetitions 0: exit 2" expect_rc 2 sweep "$TMP/cov-zero.yaml" --out "$TMP/x"
check "  (names the key)" err_has "coverage.repetitions"
check "a coverage sweep on Slurm: exit 2" expect_rc 2 sweep "$TMP/cov.yaml" --out "$TMP/x" --backend slurm
check "an existing --out: exit 2" expect_rc 2 coverage "$TINY" --orchestrators full-only --repetitions 1 --out "$TMP/u"
check "a grid without '=': exit 2" expect_rc 2 coverage "$TINY" --grid target.loss --out "$TMP/x"
check "  (message)" err_has "expected KEY=V1,V2"
check "an empty grid value: exit 2" expect_rc 2 coverage "$TINY" --grid target.loss=0.8, --out "$TMP/x"
check "a grid key twice: exit 2" expect_rc 2 coverage "$TINY" --grid target.loss=0.8 --grid target.loss=0.9 --out "$TMP/x"
check "a bad grid value: exit 2 before anything runs" expect_rc 2 coverage "$TINY" --grid target.probability=0.8,1.5 --out "$TMP/x"
check "  (names the key)" err_has "target.probability"
check "an unknown orchestrator: exit 2" expect_rc 2 coverage "$TINY" --orchestrators nope --out "$TMP/x"
check "nothing written on bad input" bash -c "test ! -e '$TMP/x' && test ! -e '$TMP/x.partial'"
finish
