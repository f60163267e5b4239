#!/usr/bin/env bash
# `deplsim reproduce paper` end to end on tiny sweeps (tests/data/reproduce: the five sweep names the figures use, and
# a coverage sweep, on tests/data/scenarios/tiny.yaml): the sweeps, every figure as PNG and PDF, results.md, a self-contained
# report.html whose figures a real browser (Debian's headless Chromium) loads, --resume, and bad input.
source "$(dirname "$0")/testlib.sh" reproduce
SWEEPS="$SOURCE_DIR/tests/data/reproduce"
EXPECT_TIMEOUT=600
R="$TMP/r"
# --quick with --sweeps: the sweeps given, the two studies in their one-scenario form (the full studies are
# analysis_scripts' and model_variants' tests).
check "reproduce paper (tiny sweeps, quick studies)" expect_rc 0 reproduce paper --quick --sweeps "$SWEEPS" --out "$R" --jobs 2
check "  it says where the report is" err_has "$R/report.html"
check "every sweep merged" bash -c "for s in targets losses levels safety size; do test -f \"$R/sweeps/\$s/results.csv\" -a -f \"$R/sweeps/\$s/manifest.json\" || exit 1; done"
check "every figure as PNG and PDF" bash -c "
  for f in cost-vs-target-probability cost-vs-target-loss loss-cdf guarantee planner-time levels-sensitivity safety-frontier depl-gain; do
    head -c 8 \"$R/figures/\$f.png\" | grep -q PNG && head -c 5 \"$R/figures/\$f.pdf\" | grep -q '%PDF' || { echo \$f; exit 1; }
  done"
check "the coverage sweep: its files and figures" bash -c "
  for f in coverage.csv summary.json coverage.md; do test -s '$R/sweeps/knowledge-runs/'\$f || { echo \$f; exit 1; }; done
  for f in coverage knowledge_runs; do head -c 8 '$R/sweeps/knowledge-runs/'\$f.png | grep -q PNG || { echo \$f; exit 1; }; done"
check "  in results.md: its table" grep -q '## Coverage sweep `knowledge-runs`' "$R/results.md"
check "  4 cells x 2 planners, 4 draws each" "$PY" - "$R/sweeps/knowledge-runs/summary.json" <<'PYEOF'
import json, sys
s = json.load(open(sys.argv[1]))
assert len(s["cells"]) == 4 and all(len(c["planners"]) == 2 for c in s["cells"]), s
assert [c["knowledge"]["certification_runs"] for c in s["cells"]] == [15, 0, 30, 0], s["cells"]
assert all(p["repetitions"] == 4 for c in s["cells"] for p in c["planners"])
PYEOF
check "the platform sensitivity study (--quick: one paper scenario) and its table" bash -c "
  test -s '$R/sensitivity/sensitivity.csv' && grep -qF '## Sensitivity to the platform' '$R/results.md' && grep -qF '| utilisation | ×0.5 |' '$R/results.md' &&
  grep -qF '**Sensitivity to the assumed figures** (\`sensitivity/sensitivity.png\`)' '$R/results.md' && grep -qF 'id=\"figure-sensitivity\"' '$R/report.html'"
check "the richer-model study (--quick: one paper scenario, no optimum) and its table" bash -c "
  test -s '$R/model_variants/model_variants.csv' && grep -qF '## The paper scenarios under the richer training model' '$R/results.md' &&
  grep -qF '| alexnet-cifar10 | iterations+unstructured |' '$R/results.md'"
check "results.md has a table per sweep" bash -c "for s in targets losses levels safety size; do grep -q \"## Sweep \\\`\$s\\\`\" '$R/results.md' || exit 1; done"
check "report.html is self-contained (no external reference)" bash -c "! grep -Eq '(src|href)=\"(https?:)?//' '$R/report.html'"
# 11 figures: the 8 sweep figures, the coverage sweep's 2, the sensitivity study's 1.
check "Chromium (headless) loads report.html with every figure" bash -c "
  command -v chromium >/dev/null || { echo 'chromium is not installed (./run.sh installs it)'; exit 1; }
  dom=\$(timeout 120 chromium --headless --no-sandbox --disable-gpu --virtual-time-budget=5000 --dump-dom 'file://$R/report.html' 2>/dev/null)
  n=\$(grep -c '<img' <<<\"\$dom\")
  grep -q \"data-figures-loaded=\\\"11/11\\\"\" <<<\"\$dom\" || { echo \"figures loaded: \$(grep -o 'data-figures-loaded=\"[^\"]*\"' <<<\"\$dom\"), img tags: \$n\"; exit 1; }"
check "--resume on a finished reproduction reruns no unit and keeps results" bash -c "
  cp '$R/sweeps/targets/results.csv' '$TMP/t.csv' && '$DEPLSIM' reproduce paper --quick --sweeps '$SWEEPS' --out '$R' --resume 2>'$TMP/res.err' &&
  cmp '$TMP/t.csv' '$R/sweeps/targets/results.csv' &&
  ! grep -oE '\\[sweep\\] [0-9]+/[0-9]+ units done' '$TMP/res.err' | awk '{split(\$2, a, \"/\"); if (a[1] != a[2]) bad = 1} END {exit !bad}'"
check "an existing --out: exit 2" expect_rc 2 reproduce paper --sweeps "$SWEEPS" --out "$R"
check "an unknown experiment: exit 2" expect_rc 2 reproduce other --out "$TMP/x"
check "a missing sweeps folder: exit 2" expect_rc 2 reproduce paper --sweeps "$TMP/none" --out "$TMP/x"
finish
