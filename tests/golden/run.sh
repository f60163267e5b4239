#!/usr/bin/env bash
# Golden outputs (tests/golden/README.md): runs every case under tests/golden/cases/ with a deplsim binary and
# compares what a user sees (stdout, stderr, exit codes, summary.json, the heads and tails of replications.csv and
# trace.csv, comparison and sweep files) byte for byte with the case's expected/ folder. Only paths and the two
# version strings are normalised, never a number. A difference prints a unified diff and exits 1.
#   tests/golden/run.sh [--update] [--keep] [DEPLSIM [CASE...]]
#     DEPLSIM   the binary (default: $DEPLSIM, else build/release/deplsim)
#     CASE      only these cases (folder names under cases/)
#     --update  rewrite the expected files from this binary and print the diff of what changed
#     --keep    keep the temporary folder (its path is printed)
# Exit 0: every case matches (or was updated); 1: a difference; 2: usage or setup error.
# shellcheck disable=SC2317  # the helpers below are called from the cases' cmd files
set -u
export LC_ALL=C
# Progress lines (a line every few seconds when stderr is not a terminal) depend on the machine's speed: off.
export DEPLSIM_QUIET=1

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
source_given=${SOURCE_DIR:-$here/../..}
SOURCE_DIR=$(cd "$source_given" && pwd -P) || { echo "golden: no SOURCE_DIR '$source_given'" >&2; exit 2; }
source_logical=$(cd "$source_given" && pwd -L)
CASES_DIR=$here/cases

update=0
keep=0
while [ $# -gt 0 ]; do
  case $1 in
    --update) update=1; shift ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --) shift; break ;;
    -*) echo "golden: unknown option '$1'" >&2; exit 2 ;;
    *) break ;;
  esac
done
if [ $# -gt 0 ]; then DEPLSIM=$1; shift; fi
DEPLSIM=${DEPLSIM:-$SOURCE_DIR/build/release/deplsim}
case $DEPLSIM in /*) ;; *) DEPLSIM=$PWD/$DEPLSIM ;; esac
[ -x "$DEPLSIM" ] || { echo "golden: '$DEPLSIM' is not an executable deplsim binary" >&2; exit 2; }

if [ $# -gt 0 ]; then
  cases=("$@")
else
  cases=()
  for d in "$CASES_DIR"/*/; do cases+=("$(basename "$d")"); done
fi
for c in "${cases[@]}"; do
  [ -f "$CASES_DIR/$c/cmd" ] || { echo "golden: no case '$c' (no $CASES_DIR/$c/cmd)" >&2; exit 2; }
done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/deplsim-golden.XXXXXX") || exit 2
TMP=$(cd "$TMP" && pwd -P)
if [ "$keep" = 1 ]; then echo "golden: temporary folder $TMP (kept)"; else trap 'rm -rf "$TMP"' EXIT; fi
# The planner-knowledge cache: the caller's (ctest: BUILD/knowledge-cache), else a fresh one in the temporary
# folder (a cold cache). Never the user's home. The outputs must not depend on it.
export DEPLSIM_CACHE_DIR=${DEPLSIM_CACHE_DIR:-$TMP/knowledge-cache}

# ---- helpers for the cases' cmd files (run with the checkout as the current directory) -----------------------
# $W: the case's scratch folder for deplsim's outputs; $A: the folder of files compared with expected/;
# $CASE: the case folder, relative to the checkout.

# step LABEL ARGS...: runs `deplsim ARGS...`; its stdout goes to LABEL.stdout, stderr to LABEL.stderr, and the
# command with its exit code to commands.txt.
step() {
  local label=$1
  shift
  local rc=0
  timeout "${GOLDEN_TIMEOUT:-300}" "$DEPLSIM" "$@" >"$A/$label.stdout" 2>"$A/$label.stderr" || rc=$?
  printf '%s: exit %s: deplsim %s\n' "$label" "$rc" "$*" >>"$A/commands.txt"
}

# pin LABEL FILE [LINES]: the whole file as LABEL, or its first LINES lines as LABEL with .head before the
# extension and, when it is longer, its last 5 lines with .tail. A missing file leaves nothing (the comparison then
# reports it).
pin() {
  local label=$1 file=$2 lines=${3:-}
  [ -f "$file" ] || return 0
  if [ -z "$lines" ]; then
    cp "$file" "$A/$label"
  else
    local stem=${label%.*} ext=${label##*.}
    head -n "$lines" "$file" >"$A/$stem.head.$ext"
    [ "$(wc -l <"$file")" -le "$lines" ] || tail -n 5 "$file" >"$A/$stem.tail.$ext"
  fi
}

# pin_sums LABEL DIR [FILE...]: line counts and SHA-256 of whole files, or of every file in DIR (every byte
# pinned, the diff unreadable: the heads, tails and summary show where it moved; --keep keeps the files).
pin_sums() {
  local label=$1 dir=$2 f
  shift 2
  if [ $# -eq 0 ]; then
    local names=()
    for f in "$dir"/*; do names+=("${f##*/}"); done
    set -- "${names[@]}"
  fi
  for f in "$@"; do
    [ -f "$dir/$f" ] || continue
    printf '%s  %s lines  %s\n' "$(sha256sum <"$dir/$f" | cut -d' ' -f1)" "$(wc -l <"$dir/$f")" "$f"
  done >"$A/$label.sha256"
}

# pin_run LABEL DIR: what `deplsim run --out DIR` wrote (timing.json aside: wall times and memory).
pin_run() {
  local label=$1 dir=$2
  pin "$label.summary.json" "$dir/summary.json"
  pin "$label.replications.csv" "$dir/replications.csv" 25
  pin "$label.trace.csv" "$dir/trace.csv" 25
  pin_sums "$label" "$dir" replications.csv trace.csv
}

# pin_compare LABEL DIR: what `deplsim compare --out DIR` wrote (timings.csv aside).
pin_compare() {
  local label=$1 dir=$2
  pin "$label.comparison.csv" "$dir/comparison.csv"
  pin "$label.comparison.md" "$dir/comparison.md"
}

# ---- normalisation: paths and version strings only -------------------------------------------------------------
sed_escape() { printf '%s' "$1" | sed 's/[][\.*^$|/]/\\&/g'; }
normalise() {  # normalise DIR: rewrites every file in place
  local dir=$1 f
  local e_tmp e_src e_srcl
  e_tmp=$(sed_escape "$TMP")
  e_src=$(sed_escape "$SOURCE_DIR")
  e_srcl=$(sed_escape "$source_logical")
  for f in "$dir"/*; do
    [ -f "$f" ] || continue
    sed -i -e "s/$e_tmp/<TMP>/g" -e "s/$e_src/<SRC>/g" -e "s/$e_srcl/<SRC>/g" \
      -e 's/^\( *"deplsim_version": \)"[^"]*"/\1"<VERSION>"/' \
      -e 's/^\( *"simgrid_version": \)"[^"]*"/\1"<VERSION>"/' \
      -e 's/(SimGrid [0-9][0-9.]*, network model/(SimGrid <VERSION>, network model/' "$f"
  done
}

# ---- comparison ---------------------------------------------------------------------------------------------------
compare_case() {  # compare_case NAME: 0 when identical, else prints the differences
  local name=$1 exp=$CASES_DIR/$1/expected act=$TMP/$1/actual f bad=0
  if [ ! -d "$exp" ]; then
    echo "  $name: no expected/ folder (create it with --update)"
    return 1
  fi
  for f in $( (ls -A "$exp"; ls -A "$act") | sort -u); do
    if [ ! -f "$exp/$f" ]; then
      echo "--- $name/$f: not expected (new file, first 40 lines):"; sed 's/^/+/' "$act/$f" | head -n 40; bad=1
    elif [ ! -f "$act/$f" ]; then
      echo "--- $name/$f: expected but not produced"; bad=1
    elif ! cmp -s "$exp/$f" "$act/$f"; then
      diff -u --label "expected/$name/$f" --label "actual/$name/$f" "$exp/$f" "$act/$f" >"$TMP/diff.out"
      head -n 200 "$TMP/diff.out"
      [ "$(wc -l <"$TMP/diff.out")" -le 200 ] || echo "    (diff cut at 200 of $(wc -l <"$TMP/diff.out") lines; --keep keeps the files)"
      bad=1
    fi
  done
  return $bad
}

# ---- run ------------------------------------------------------------------------------------------------------------
cd "$SOURCE_DIR" || exit 2
failed=()
updated=()
start=$SECONDS
for name in "${cases[@]}"; do
  t0=$SECONDS
  W=$TMP/$name/work
  A=$TMP/$name/actual
  mkdir -p "$W" "$A"
  : >"$A/commands.txt"
  (
    # shellcheck disable=SC2034  # used by the cmd files
    CASE=tests/golden/cases/$name
    set -e
    # shellcheck disable=SC1090
    source "$CASES_DIR/$name/cmd"
  ) >"$TMP/$name/cmd.log" 2>&1
  rc=$?
  if [ "$rc" != 0 ]; then
    echo "golden: case $name: its cmd script failed (exit $rc):"
    cat "$TMP/$name/cmd.log"
    failed+=("$name")
    continue
  fi
  normalise "$A"
  if [ "$update" = 1 ]; then
    if [ -d "$CASES_DIR/$name/expected" ] && diff -r -q "$CASES_DIR/$name/expected" "$A" >/dev/null 2>&1; then
      echo "golden: $name: unchanged ($((SECONDS - t0)) s)"
    else
      [ -d "$CASES_DIR/$name/expected" ] || mkdir -p "$CASES_DIR/$name/expected"
      compare_case "$name"
      rm -rf "$CASES_DIR/$name/expected"
      cp -r "$A" "$CASES_DIR/$name/expected"
      echo "golden: $name: updated ($((SECONDS - t0)) s)"
      updated+=("$name")
    fi
  elif compare_case "$name"; then
    echo "golden: $name: ok ($((SECONDS - t0)) s)"
  else
    echo "golden: $name: DIFFERS"
    failed+=("$name")
  fi
done

total=${#cases[@]}
if [ "$update" = 1 ]; then
  echo "golden: $total cases, ${#updated[@]} updated${updated:+ (${updated[*]})}, ${#failed[@]} failed, $((SECONDS - start)) s"
  echo "golden: review the change with: git diff -- tests/golden/cases"
else
  echo "golden: $total cases, $((total - ${#failed[@]})) identical, ${#failed[@]} differ${failed:+ (${failed[*]})}, $((SECONDS - start)) s"
fi
[ ${#failed[@]} -eq 0 ] || exit 1
exit 0
