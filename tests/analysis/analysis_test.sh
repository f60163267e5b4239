#!/usr/bin/env bash
# The analysis scripts (analysis/figures.py, analysis/report.py) on the small sweep-results fixture
# (tests/data/sweep-results): every figure as a valid PNG and PDF, the same bytes when rerun, results.md with its
# tables, a self-contained report.html, a missing sweep skipped and said so, exit 2 naming the file and the column
# on malformed input; then the report in a real browser: headless Chromium (Debian's `chromium`) loads
# report.html and the rendered DOM must say that every figure loaded. Chromium missing is a failure, not a skip.
# Run by ctest (analysis_scripts) with DEPLSIM and SOURCE_DIR set; DEPLSIM itself is not used.
source "$SOURCE_DIR/tests/cli/testlib.sh" analysis
export PYTHONDONTWRITEBYTECODE=1 MPLCONFIGDIR="$TMP/matplotlib"

FIXTURE=$SOURCE_DIR/tests/data/sweep-results
FIGURES_PY=$SOURCE_DIR/analysis/figures.py
REPORT_PY=$SOURCE_DIR/analysis/report.py
EXPECTED="cost-vs-target-probability cost-vs-target-loss loss-cdf guarantee planner-time levels-sensitivity
  safety-frontier depl-gain"
N_EXPECTED=$(echo $EXPECTED | wc -w)
SWEEPS="targets losses levels safety size"

# fails_with CODE PATTERN... -- COMMAND...: COMMAND exits CODE and its output holds every PATTERN.
fails_with() {
  local code=$1 patterns=() rc
  shift
  while [ "$1" != "--" ]; do patterns+=("$1"); shift; done
  shift
  "$@" >"$TMP/fails.out" 2>&1
  rc=$?
  cat "$TMP/fails.out"
  [ "$rc" -eq "$code" ] || { echo "exit $rc, expected $code"; return 1; }
  for p in "${patterns[@]}"; do
    grep -qF -- "$p" "$TMP/fails.out" || { echo "the output does not name '$p'"; return 1; }
  done
}

is_png() {  # the PNG signature, an IHDR chunk with a non-zero size, an IEND chunk at the end
  $PY - "$1" <<'EOF'
import struct, sys
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "no PNG signature"
assert data[12:16] == b"IHDR", "no IHDR chunk"
width, height = struct.unpack(">II", data[16:24])
assert width > 0 and height > 0, "empty image"
assert data[-8:-4] == b"IEND", "no IEND chunk at the end"
EOF
}

is_pdf() {  # a PDF header and an end-of-file marker
  $PY - "$1" <<'EOF'
import sys
data = open(sys.argv[1], "rb").read()
assert data[:5] == b"%PDF-", "no PDF header"
assert b"%%EOF" in data[-64:], "no %%EOF marker at the end"
EOF
}

R=$TMP/R
cp -r "$FIXTURE" "$R"
start=$(date +%s)

# --- figures ---------------------------------------------------------------------------------------------------
check "figures.py on the fixture" $PY "$FIGURES_PY" "$R"
for f in $EXPECTED; do
  check "$f.png is a PNG image" is_png "$R/figures/$f.png"
  check "$f.pdf is a PDF document" is_pdf "$R/figures/$f.pdf"
done
check "figures.json lists the $N_EXPECTED figures, skips none" $PY - "$R/figures/figures.json" $EXPECTED <<'EOF'
import json, sys
index = json.load(open(sys.argv[1]))
names = [f["name"] for f in index["figures"]]
assert names == sys.argv[2:], names
assert index["skipped"] == [] and index["missing_sweeps"] == [], index
assert all(f["caption"] and f["title"] for f in index["figures"])
EOF
cp -r "$R/figures" "$TMP/figures.first"
check "figures.py again: the same bytes" \
  bash -c "'$PY' '$FIGURES_PY' '$R' 2>/dev/null && diff -r '$TMP/figures.first' '$R/figures'"
check "figures.py --formats svg is refused (exit 2)" fails_with 2 "--formats" -- $PY "$FIGURES_PY" "$R" --formats svg

# --- report ----------------------------------------------------------------------------------------------------
check "report.py on the fixture" $PY "$REPORT_PY" "$R"
MD=$R/results.md
HTML=$R/report.html
for s in $SWEEPS; do
  check "results.md has a section for sweep $s" grep -qF "## Sweep \`$s\`" "$MD"
done
check "results.md has a results table per sweep" test "$(grep -c '^| cell | scenario |' "$MD")" -eq 5
check "results.md has DepL's gain tables" test "$(grep -c '^| baseline | cells compared |' "$MD")" -ge 2
check "results.md gives the gain over full-only" grep -qE '^\| full-only \| 6 \| \+[0-9.]+% ' "$MD"
check "results.md marks violated guarantees" grep -qF '| expected-loss | ok | violated |' "$MD"
check "results.md shows the infeasible cell" grep -qF '| infeasible |' "$MD"
for f in $EXPECTED; do
  check "results.md has a line for figure $f" grep -qF "figures/$f.png" "$MD"
done
check "results.md says nothing was skipped" grep -qF "Nothing: every sweep and figure is present." "$MD"
check "results.md has no date or time" \
  bash -c "! grep -nE '[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{2}:[0-9]{2}:[0-9]{2}' '$MD'"
check "results.md has no absolute path" bash -c "! grep -nF '$TMP' '$MD'"
check "report.html embeds $N_EXPECTED PNG figures" \
  test "$(grep -o '<img src="data:image/png;base64,' "$HTML" | wc -l)" -eq "$N_EXPECTED"
check "report.html: every image has alt text" \
  test "$(grep -o '<img [^>]*alt="[^"]\+"' "$HTML" | wc -l)" -eq "$N_EXPECTED"
check "report.html has no external reference" \
  bash -c "! grep -noiE 'src=\"(https?:|//|file:)|href=\"(https?:|//|file:)|<link |@import|url\(' '$HTML'"
check "report.html has the tables" test "$(grep -c '<table>' "$HTML")" -ge 7
check "report.html has the figures-loaded script" grep -qF 'document.body.dataset.figuresLoaded' "$HTML"
cp "$MD" "$TMP/results.first.md"
cp "$HTML" "$TMP/report.first.html"
check "report.py again: the same bytes" \
  bash -c "'$PY' '$REPORT_PY' '$R' 2>/dev/null && cmp '$TMP/results.first.md' '$MD' &&
    cmp '$TMP/report.first.html' '$HTML'"
check "no temporary file left" bash -c "! ls -a '$R' '$R/figures' | grep -F '.tmp-'"
O=$TMP/only-size
mkdir -p "$O/sweeps"
cp -r "$FIXTURE/sweeps/size" "$O/sweeps/"
check "report.py alone draws the figures (figures.json missing)" $PY "$REPORT_PY" "$O"
check "then figures/planner-time.png and .pdf exist" \
  test -f "$O/figures/planner-time.png" -a -f "$O/figures/planner-time.pdf"
check "then report.html embeds that one figure" test "$(grep -o '<img ' "$O/report.html" | wc -l)" -eq 1
check "then results.md says the 4 other sweeps are missing" \
  test "$(grep -c '^- sweep `[a-z]*` not found' "$O/results.md")" -eq 4

# --- a missing sweep, a failed unit ---------------------------------------------------------------------------
M=$TMP/missing
cp -r "$FIXTURE" "$M"
rm -r "$M/sweeps/levels"
# Two failed units, as `deplsim sweep` writes them (no replications, no target).
echo "c004,one-host,,0.8,pruned-only,1,,,,error,unknown,,,,,,,,," >>"$M/sweeps/targets/results.csv"
echo "c002,tiny,,0.9,external,1,,,,error,unknown,,,,,,,,," >>"$M/sweeps/targets/results.csv"
check "figures.py --formats png without sweep levels" $PY "$FIGURES_PY" "$M" --formats png
check "no levels figure then" test ! -e "$M/figures/levels-sensitivity.png"
check "the other $((N_EXPECTED - 1)) figures are drawn" test "$(ls "$M/figures/"*.png | wc -l)" -eq $((N_EXPECTED - 1))
check "--formats png writes no PDF" bash -c "! ls '$M/figures/'*.pdf"
check "report.py without sweep levels" $PY "$REPORT_PY" "$M"
check "results.md says sweep levels is missing" grep -qF 'sweep `levels` not found' "$M/results.md"
check "results.md says the levels figure was skipped" grep -qF 'figure `levels-sensitivity`' "$M/results.md"
check "results.md shows the failed units" \
  test "$(grep -cE '\| (pruned-only|external) \| error \|' "$M/results.md")" -eq 2

# --- malformed input: exit 2, the file and the column named --------------------------------------------------
bad() {  # bad NAME: a fresh copy of the fixture in $TMP/NAME
  rm -rf "$TMP/$1"
  cp -r "$FIXTURE" "$TMP/$1"
  echo "$TMP/$1"
}
B=$(bad not-a-number)
sed -i '2s/,0\.9685,/,abc,/' "$B/sweeps/targets/results.csv"
check "a non-number in results.csv: figures.py exit 2" \
  fails_with 2 "sweeps/targets/results.csv" "line 2" "p_target_met" -- $PY "$FIGURES_PY" "$B"
check "a non-number in results.csv: report.py exit 2" fails_with 2 "sweeps/targets/results.csv" "p_target_met" \
  -- $PY "$REPORT_PY" "$B"
check "nothing written on malformed input" test ! -e "$B/results.md" -a ! -e "$B/report.html"
B=$(bad missing-column)
sed -i '1s/,energy_hi,/,energy_high,/' "$B/sweeps/safety/results.csv"
check "a missing column: exit 2 naming it" fails_with 2 "sweeps/safety/results.csv" "energy_hi" \
  -- $PY "$FIGURES_PY" "$B"
B=$(bad short-row)
sed -i '3s/,[^,]*$//' "$B/sweeps/losses/results.csv"
check "a short row: exit 2 naming the line" fails_with 2 "sweeps/losses/results.csv" "line 3" -- $PY "$FIGURES_PY" "$B"
B=$(bad bad-status)
sed -i '2s/,ok,/,fine,/' "$B/sweeps/size/results.csv"
check "an unknown status: exit 2 naming the column" fails_with 2 "sweeps/size/results.csv" "status" \
  -- $PY "$REPORT_PY" "$B"
B=$(bad bad-timings)
sed -i '2s/,[0-9.]*,\([0-9.]*,[0-9.]*,[0-9.]*\)$/,slow,\1/' "$B/sweeps/size/timings.csv"
check "a non-number in timings.csv: exit 2 naming the column" fails_with 2 "sweeps/size/timings.csv" "planner_wall_s" \
  -- $PY "$FIGURES_PY" "$B"
B=$(bad bad-replications)
sed -i '3s/^\([0-9]*\),\([a-z]*\),[^,]*,/\1,\2,NaN,/' "$B/sweeps/targets/cells/c002/depl-s1/replications.csv"
check "a non-number in replications.csv: exit 2 naming the file and column" fails_with 2 \
  "cells/c002/depl-s1/replications.csv" "final_loss" -- $PY "$FIGURES_PY" "$B"
B=$(bad no-replications)
rm "$B/sweeps/targets/cells/c002/full-only-s1/replications.csv"
check "a missing replications.csv: exit 2 naming it" fails_with 2 "cells/c002/full-only-s1/replications.csv" \
  -- $PY "$FIGURES_PY" "$B"
B=$(bad mixed-cell)
sed -i '3s/^c001,tiny,,0.8,/c001,tiny,,0.85,/' "$B/sweeps/targets/results.csv"
check "a cell with two grid values: exit 2 naming the line" fails_with 2 "sweeps/targets/results.csv" "line 3" "c001" \
  -- $PY "$FIGURES_PY" "$B"
check "a missing folder: exit 2 naming it" fails_with 2 "$TMP/nowhere" -- $PY "$FIGURES_PY" "$TMP/nowhere"
check "a folder without sweeps/: exit 2" fails_with 2 "sweeps" -- $PY "$REPORT_PY" "$TMP/matplotlib"
check "no argument: exit 2" fails_with 2 "usage" -- $PY "$REPORT_PY"
echo "analysis scripts: $(($(date +%s) - start)) s"

# --- the report in a real browser ------------------------------------------------------------------------------
# --dump-dom prints the DOM after the page's load handlers ran: report.html's script has written
# <body data-figures-loaded="LOADED/TOTAL">, counting the <img> that the browser could decode.
browser() {  # browser HTML OUT
  HOME="$TMP/home" timeout 120 chromium --headless --no-sandbox --disable-gpu --virtual-time-budget=5000 \
    --disable-dev-shm-usage --user-data-dir="$TMP/chromium" --dump-dom "file://$1" >"$2" 2>"$2.err"
}
if ! command -v chromium >/dev/null; then
  check "chromium is installed (apt-get install -y chromium)" false
else
  echo "browser: $(chromium --version 2>/dev/null)"
  mkdir -p "$TMP/home"
  check "chromium loads report.html" browser "$HTML" "$TMP/dom.html"
  check "every figure loaded in the browser: data-figures-loaded=\"$N_EXPECTED/$N_EXPECTED\"" \
    grep -qF "data-figures-loaded=\"$N_EXPECTED/$N_EXPECTED\"" "$TMP/dom.html"
  # The check can fail: with one image's data broken the browser counts one figure less.
  $PY - "$HTML" "$TMP/broken.html" <<'EOF'
import sys
page = open(sys.argv[1]).read()
open(sys.argv[2], "w").write(page.replace("data:image/png;base64,iVBOR", "data:image/png;base64,AAAAA", 1))
EOF
  check "chromium loads a report with a broken image" browser "$TMP/broken.html" "$TMP/dom-broken.html"
  check "a broken image is counted: data-figures-loaded=\"$((N_EXPECTED - 1))/$N_EXPECTED\"" \
    grep -qF "data-figures-loaded=\"$((N_EXPECTED - 1))/$N_EXPECTED\"" "$TMP/dom-broken.html"
fi
echo "total: $(($(date +%s) - start)) s"
finish
