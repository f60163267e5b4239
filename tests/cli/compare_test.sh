#!/usr/bin/env bash
# End-to-end tests of `deplsim compare` and the expectation-based baselines: the files of the contract, each
# unit byte-identical to the same `deplsim run`, the paired differences, bad orchestrator lists, and the
# baselines' defining tests (E[L] <= L*, <= (1 - delta) L*, margin until P >= p*) on their own predictions.
source "$(dirname "$0")/testlib.sh" compare
TINY="$SOURCE_DIR/tests/data/scenarios/tiny.yaml"

ORCH=expected-loss,expected-loss+safety,expected-loss+margin,full-only,pruned-only,depl
ARGS=(--replications 300 --seed 5 --set target.loss=0.65 --set target.probability=0.8)
check "compare runs" expect_rc 0 compare "$TINY" --orchestrators "$ORCH" "${ARGS[@]}" --out "$TMP/c"
check "comparison files exist" test -f "$TMP/c/comparison.csv" -a -f "$TMP/c/comparison.md" -a -f "$TMP/c/timings.csv"
check "comparison.csv has the contract's columns and one row per orchestrator" "$PY" - "$TMP/c" "$ORCH" <<'PYEOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1] + "/comparison.csv")))
assert list(rows[0].keys()) == ["orchestrator", "status", "guarantee", "p_predicted", "p_target_met", "p_lo", "p_hi",
                                "energy_j_mean", "energy_lo", "energy_hi", "time_s_mean", "energy_vs_optimum",
                                "energy_shipping_j", "energy_compute_j", "energy_synchronisation_j", "energy_checkpoints_j",
                                "energy_other_j", "energy_hosts_j", "energy_links_j", "energy_by_cluster_j",
                                "energy_by_link_class_j", "energy_transmit_j"], rows[0].keys()
assert [r["orchestrator"] for r in rows] == sys.argv[2].split(","), [r["orchestrator"] for r in rows]
for r in rows:
    assert r["status"] == "ok", r
    assert float(r["p_lo"]) <= float(r["p_target_met"]) <= float(r["p_hi"])
    assert r["energy_vs_optimum"] == ""
    e = float(r["energy_j_mean"])  # the breakdown's columns add up to the mean energy, by phase and by kind
    phases = sum(float(r["energy_%s_j" % k]) for k in ("shipping", "compute", "synchronisation", "checkpoints", "other"))
    assert abs(phases - e) <= 1e-9 * e and abs(float(r["energy_hosts_j"]) + float(r["energy_links_j"]) - e) <= 1e-9 * e, r
    # "name=J;name=J": tiny's two clusters (their training nodes: at most the hosts' part) and its link classes (the
    # links' part, split)
    clusters = dict(kv.split("=") for kv in r["energy_by_cluster_j"].split(";"))
    assert sorted(clusters) == ["main", "second"] and sum(map(float, clusters.values())) <= float(r["energy_hosts_j"]) * (1 + 1e-9), r
    classes = dict(kv.split("=") for kv in r["energy_by_link_class_j"].split(";"))
    assert sorted(classes) == ["access", "loopback", "uplink"], classes
    assert abs(sum(map(float, classes.values())) - float(r["energy_links_j"])) <= 1e-9 * e, r
t = list(csv.DictReader(open(sys.argv[1] + "/timings.csv")))
assert [r["orchestrator"] for r in t] == sys.argv[2].split(",")
PYEOF
check "comparison.md has the paired differences against the first" grep -q "Paired energy differences against \`expected-loss\`" "$TMP/c/comparison.md"
check "  (each row with its guarantee)" "$PY" - "$TMP/c/comparison.md" "$TMP/c/comparison.csv" <<'PYEOF'
import csv, sys
md = open(sys.argv[1]).read().split("Paired energy differences")[1]
for r in list(csv.DictReader(open(sys.argv[2])))[1:]:
    assert "| %s | %s | " % (r["orchestrator"], r["guarantee"]) in md, r["orchestrator"]
PYEOF
# An adaptive orchestrator's plan is an upper bound: the table says "up to" and what the replications ran.
check "compare with an adaptive orchestrator" expect_rc 0 compare "$TINY" --orchestrators full-only,depl-online "${ARGS[@]}" --out "$TMP/a"
check "  its plan: up to N epochs, and the epochs run" "$PY" - "$TMP/a" <<'PYEOF'
import csv, re, sys
md = open(sys.argv[1] + "/comparison.md").read()
row = [l for l in md.splitlines() if l.startswith("| depl-online |")][0]
m = re.search(r"up to: .*, (\d+) ep; epochs run: mean ([0-9.]+), 5-95% ([0-9.]+)-([0-9.]+) \|$", row)
assert m, row
ep = [int(r["epochs"]) for r in csv.DictReader(open(sys.argv[1] + "/depl-online/replications.csv"))]
assert abs(float(m.group(2)) - sum(ep) / len(ep)) < 0.05, (m.group(2), sum(ep) / len(ep))
assert max(ep) <= int(m.group(1)) and min(ep) < int(m.group(1)), (ep, m.group(1))
fixed = [l for l in md.splitlines() if l.startswith("| full-only |")][0]
assert "up to" not in fixed, fixed
PYEOF
# Figures and report.html by default (analysis/compare_figures.py): three figures in PNG and PDF, a self-contained
# report that headless Chromium loads with every figure, the same bytes when run again; none with --no-figures.
check "  figures: PNG and PDF of loss-cdf, energy, guarantee" bash -c "for f in loss-cdf energy guarantee; do
  head -c 8 '$TMP/a/figures/'\$f.png | grep -q PNG && head -c 5 '$TMP/a/figures/'\$f.pdf | grep -q '%PDF' || exit 1; done"
check "  figures.json lists them with captions" "$PY" -c "
import json; f = json.load(open('$TMP/a/figures/figures.json'))['figures']
assert [x['name'] for x in f] == ['loss-cdf', 'energy', 'guarantee'] and all(x['caption'] for x in f), f"
check "  report.html is self-contained" bash -c "test -s '$TMP/a/report.html' && ! grep -Eq '(src|href)=\"(https?:)?//' '$TMP/a/report.html'"
check "  Chromium (headless) loads report.html with every figure" bash -c "
  command -v chromium >/dev/null || { echo 'chromium is not installed (./run.sh installs it)'; exit 1; }
  dom=\$(timeout 120 chromium --headless --no-sandbox --disable-gpu --virtual-time-budget=5000 --dump-dom 'file://$TMP/a/report.html' 2>/dev/null)
  grep -q 'data-figures-loaded=\"3/3\"' <<<\"\$dom\" || { echo \"figures loaded: \$(grep -o 'data-figures-loaded=\"[^\"]*\"' <<<\"\$dom\")\"; exit 1; }"
check "  the same compare again" expect_rc 0 compare "$TINY" --orchestrators full-only,depl-online "${ARGS[@]}" --out "$TMP/a-again"
check "    the same figure and report bytes" bash -c "for f in figures/loss-cdf.png figures/energy.pdf figures/guarantee.png report.html; do
  cmp '$TMP/a/'\$f '$TMP/a-again/'\$f || exit 1; done"
check "  --no-figures" expect_rc 0 compare "$TINY" --orchestrators full-only "${ARGS[@]}" --out "$TMP/nofig" --no-figures
check "    neither figures nor report.html" bash -c "test ! -e '$TMP/nofig/figures' && test ! -e '$TMP/nofig/report.html' && test -f '$TMP/nofig/comparison.md'"
# An unknown guarantee says how many replications would decide it (run's report and comparison.md).
check "an undecided guarantee: run" expect_rc 0 run "$TINY" --orchestrator expected-loss --replications 1000 --set target.loss=0.65 --set target.probability=0.83 --out "$TMP/u"
check "  says how many replications would decide it" grep -qE "^  the guarantee is unknown: .* about [0-9]+ replications would decide it \(--replications [0-9]+\)$" "$TMP/rc.out"
check "  compare's comparison.md too" expect_rc 0 compare "$TINY" --orchestrators expected-loss --replications 1000 --set target.loss=0.65 --set target.probability=0.83 --out "$TMP/cu" --no-figures
check "    (the note)" grep -qE "^- expected-loss: the guarantee is unknown: .* replications would decide it" "$TMP/cu/comparison.md"
# analysis/run_table.py (the demo's table): the same "up to" for the adaptive plan; a p* column once rows differ in p*.
check "run_table.py: one target, no L*/p* column; the adaptive plan 'up to'" bash -c "
  '$PY' '$SOURCE_DIR/analysis/run_table.py' '$TMP/a' >'$TMP/t1' && head -1 '$TMP/t1' | grep -qv 'p\*' &&
  grep -E '^tiny +depl-online +ok +up to: .*:30ep \(ran mean [0-9.]+, 5-95% ' '$TMP/t1' && ! grep -E '^tiny +full-only.*up to' '$TMP/t1'"
check "  a second target" expect_rc 0 compare "$TINY" --orchestrators full-only "${ARGS[@]}" --set target.probability=0.7 --out "$TMP/both/b"
check "  rows of two p*: a p* column, no L* column" bash -c "cp -r '$TMP/a' '$TMP/both/a' &&
  '$PY' '$SOURCE_DIR/analysis/run_table.py' '$TMP/both' >'$TMP/t2' && head -1 '$TMP/t2' | grep -qE '^scenario +p\* +orchestrator' &&
  ! head -1 '$TMP/t2' | grep -q 'L\*' && grep -qE '^tiny +0\.7 +full-only' '$TMP/t2' && grep -qE '^tiny +0\.8 +depl-online' '$TMP/t2'"
check "the same unit run alone" expect_rc 0 run "$TINY" --orchestrator expected-loss+margin "${ARGS[@]}" --out "$TMP/alone"
for f in summary.json replications.csv trace.csv; do
  check "compare's unit = run alone: $f" cmp "$TMP/c/expected-loss+margin/$f" "$TMP/alone/$f"
done
check "each baseline's plan passes its own test, on its own prediction" "$PY" - "$TMP/c" <<'PYEOF'
import json, sys
d = sys.argv[1]
def s(o): return json.load(open(f"{d}/{o}/summary.json"))
L, p = 0.65, 0.8
e = s("expected-loss")["plan"]["predicted"]
assert e["expected_loss"] <= L, e
safety = s("expected-loss+safety")["plan"]["predicted"]
assert safety["margin"] == 0.1 and safety["expected_loss"] <= 0.9 * L, safety
margin = s("expected-loss+margin")["plan"]["predicted"]
assert margin["p_target_met"] >= p and margin["margin"] is not None, margin
# The margin is the smallest on its grid: expected-loss (margin 0) must not already meet p*, or margin == 0.
assert margin["margin"] == 0 or e["p_target_met"] < p
depl = s("depl")
assert depl["plan"]["predicted"]["p_target_met"] >= p - 1e-9, depl["plan"]
lo, hi = depl["quality"]["p_target_met_ci95"]  # 300 replications: judged on the interval
assert depl["guarantee"] == ("met" if lo >= p - 0.01 else "violated" if hi < p else "unknown"), depl["guarantee"]
PYEOF
check "depl explains its choice on stderr" bash -c "'$DEPLSIM' plan '$TINY' --orchestrator depl ${ARGS[*]:4} 2>&1 >/dev/null | grep -q 'data sets: .* searched' && '$DEPLSIM' plan '$TINY' --orchestrator depl ${ARGS[*]:4} 2>&1 >/dev/null | grep -q 'verified P(L <= 0.65)'"
check "depl: an unreachable target is infeasible (exit 3) with the reason" expect_rc 3 plan "$TINY" --orchestrator depl --set target.loss=0.2
check "... the reason is in the JSON" grep -q '"reason": "the loss: no version' "$TMP/rc.out"
check "depl: a deadline too short is infeasible, and says so" expect_rc 3 plan "$TINY" --orchestrator depl --set target.deadline_s=0.05
check "... naming the deadline" grep -q '"reason": "the deadline' "$TMP/rc.out"
check "depl: a tighter deadline still met when possible" "$PY" -c '
import json, subprocess, sys
def plan(*extra):
    out = subprocess.run([sys.argv[1], "plan", sys.argv[2], "--orchestrator", "depl", "--set", "target.loss=0.65",
                          "--set", "target.probability=0.8", *extra], capture_output=True, text=True)
    return json.loads(out.stdout)
free = plan()
t = free["predicted"]["time_s"]
for f in (0.95, 0.8, 0.5):
    d = f * t
    tight = plan("--set", f"target.deadline_s={d}")
    if tight["status"] == "ok":   # met: within the deadline, and still verified
        assert tight["predicted"]["time_s"] <= d and tight["predicted"]["p_target_met"] >= 0.8 - 1e-9, (d, tight)
    else:                          # or refused because of the deadline, naming a quickest plan slower than it
        assert tight["reason"].startswith("the deadline") and float(tight["reason"].split("takes ")[1].split(" s")[0]) > d, tight' "$DEPLSIM" "$TINY"
check "an unknown orchestrator is refused before anything runs" expect_rc 2 compare "$TINY" --orchestrators full-only,nope --out "$TMP/bad"
check "... naming the known ones" grep -q "unknown orchestrator 'nope' (known: .*full-only" "$TMP/rc.err"
check "... and no output folder is left" test ! -e "$TMP/bad" -a ! -e "$TMP/bad.partial"
check "an empty list is refused" expect_rc 2 compare "$TINY" --orchestrators , --out "$TMP/bad2"
check "an existing --out is refused without --force" expect_rc 2 compare "$TINY" --orchestrators full-only --out "$TMP/c"
check "a bad scenario is refused" expect_rc 2 compare "$TINY" --orchestrators full-only --set target.probability=2 --out "$TMP/bad3"

# The Python external orchestrator (orchestrators/external/example_orchestrator.py) as one unit of compare.
EXT="/usr/bin/python3 $SOURCE_DIR/orchestrators/external/example_orchestrator.py"
check "compare with the external orchestrator" expect_rc 0 compare "$TINY" --orchestrators full-only,external --external-cmd "$EXT" "${ARGS[@]}" --out "$TMP/ext"
check "... its unit equals the standalone run" bash -c "'$DEPLSIM' run '$TINY' --orchestrator external --external-cmd '$EXT' ${ARGS[*]} --out '$TMP/ext-alone' >/dev/null 2>&1 && cmp '$TMP/ext/external/summary.json' '$TMP/ext-alone/summary.json'"
check "... and it meets its own prediction's target test" "$PY" -c '
import json, sys
s = json.load(open(sys.argv[1] + "/external/summary.json"))
assert s["status"] == "ok" and s["plan"]["predicted"]["p_target_met"] >= 0.8, s["plan"]' "$TMP/ext"
check "external without --external-cmd is refused" expect_rc 2 compare "$TINY" --orchestrators full-only,external --out "$TMP/ext-bad"
check "a crashing external orchestrator: compare exits 4, keeps the rest" expect_rc 4 compare "$TINY" --orchestrators full-only,external --external-cmd "/bin/sh -c 'exit 3'" "${ARGS[@]}" --out "$TMP/ext-crash"
check "... full-only's results are there" test -f "$TMP/ext-crash/full-only/summary.json"
finish
