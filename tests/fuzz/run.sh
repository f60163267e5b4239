#!/usr/bin/env bash
# Runs the libFuzzer targets (tests/fuzz/README.md, docs/testing.md). Usage: tests/fuzz/run.sh SECONDS [TARGET...]
# (default: every target; FUZZ_JOBS=N runs N at once, default 1). Builds the fuzz targets of the `clang-sanitize` preset first
# (clang, ASan, UBSan; build/sanitize). The seed corpora in tests/fuzz/corpus/ are copied to
# build/sanitize/fuzz/corpus-TARGET, which grows; findings (crash-*, leak-*, timeout-*, oom-*) land in
# build/sanitize/fuzz/findings/ and make this script exit 1; each run adds a line to build/sanitize/fuzz/history.tsv.
# FUZZ_FRESH_CORPUS=1 starts from the seed corpus alone (in fresh-corpus-TARGET, leaving the grown corpus alone)
# and FUZZ_SEED=N fixes libFuzzer's random seed: what CI does.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
SECONDS_EACH=${1:?usage: tests/fuzz/run.sh SECONDS [TARGET...]}
shift
TARGETS=("$@")
ALL=(scenario platform sweep profile external resume)
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=("${ALL[@]}")
for t in "${TARGETS[@]}"; do
  [[ " ${ALL[*]} " == *" $t "* ]] || { echo "tests/fuzz/run.sh: unknown target '$t' (known: ${ALL[*]})" >&2; exit 2; }
done
BUILD=build/sanitize
[ -f "$BUILD/build.ninja" ] || cmake --preset clang-sanitize >/dev/null
cmake --build "$BUILD" -j2 --target "${TARGETS[@]/#/fuzz_}" >/dev/null
FUZZ="$BUILD/fuzz"
mkdir -p "$FUZZ/findings"
# One target: its messages go to fuzz-TARGET.summary (printed in target order at the end), its exit status says
# whether it found something. FUZZ_JOBS=N runs N targets at once (each libFuzzer process is single-threaded).
fuzz_one() {
  local t=$1 work corpus result started commit last runs status=0
  work="$FUZZ/corpus-$t"
  corpus=grown
  if [ "${FUZZ_FRESH_CORPUS:-0}" = 1 ]; then  # a corpus of its own, so that a long run's corpus is kept
    work="$FUZZ/fresh-corpus-$t"
    corpus=fresh
    rm -rf "$work"
  fi
  mkdir -p "$work"
  cp -n "tests/fuzz/corpus/$t/"* "$work/" 2>/dev/null || true
  echo "[fuzz] $t for $SECONDS_EACH s"
  result=clean
  started=$SECONDS
  commit=$(git rev-parse --short HEAD 2>/dev/null || echo -)
  git diff --quiet HEAD -- 2>/dev/null || commit="$commit+"  # '+': uncommitted changes were built in
  if ! (cd "$FUZZ/findings" && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        LSAN_OPTIONS="suppressions=$ROOT/tests/sanitize/lsan.supp" \
        "../../fuzz_$t" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -max_len=65536 ${FUZZ_SEED:+-seed=$FUZZ_SEED} \
        -artifact_prefix="$t-" "../$(basename "$work")" >"../fuzz-$t.log" 2>&1); then
    echo "[fuzz] $t: FINDING, see $FUZZ/fuzz-$t.log and $FUZZ/findings/$t-*"
    grep -E "ERROR|SUMMARY|Test unit written" "$FUZZ/fuzz-$t.log" | head -5 || true
    status=1
    result=finding
  fi
  last=$(grep -E "^#[0-9]+.*(DONE|pulse)|Done [0-9]+ runs" "$FUZZ/fuzz-$t.log" | tail -1 || true)
  echo "$last"
  runs=$(grep -oE "Done [0-9]+ runs" "$FUZZ/fuzz-$t.log" | grep -oE "[0-9]+" | tail -1 || true)
  # One line per run in history.tsv: date (end), commit (at the start), target, seconds actually run, runs, result, corpus (grown: the
  # working corpus kept between runs; fresh: the seed corpus alone). One short write per line: concurrent targets do not mix lines.
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$commit" \
    "$t" "$((SECONDS - started))" "${runs:-?}" "$result" "$corpus" >>"$FUZZ/history.tsv"
  return $status
}

JOBS=${FUZZ_JOBS:-1}
[[ "$JOBS" =~ ^[1-9][0-9]*$ ]] || { echo "tests/fuzz/run.sh: FUZZ_JOBS must be a whole number >= 1, got '$JOBS'" >&2; exit 2; }
status=0
pids=()
for t in "${TARGETS[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n || true; done
  fuzz_one "$t" >"$FUZZ/fuzz-$t.summary" 2>&1 &
  pids+=($!)
done
for i in "${!TARGETS[@]}"; do
  wait "${pids[$i]}" || status=1
  cat "$FUZZ/fuzz-${TARGETS[$i]}.summary" >&2
done
exit $status
