#!/usr/bin/env bash
# Runs the libFuzzer targets (tests/fuzz/README.md, docs/testing.md). Usage: tests/fuzz/run.sh SECONDS [TARGET...]
# (default: every target, one after the other). Builds the fuzz targets of the `clang-sanitize` preset first
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
status=0
for t in "${TARGETS[@]}"; do
  work="$FUZZ/corpus-$t"
  corpus=grown
  if [ "${FUZZ_FRESH_CORPUS:-0}" = 1 ]; then  # a corpus of its own, so that a long run's corpus is kept
    work="$FUZZ/fresh-corpus-$t"
    corpus=fresh
    rm -rf "$work"
  fi
  mkdir -p "$work"
  cp -n "tests/fuzz/corpus/$t/"* "$work/" 2>/dev/null || true
  echo "[fuzz] $t for $SECONDS_EACH s" >&2
  result=clean
  started=$SECONDS
  commit=$(git rev-parse --short HEAD 2>/dev/null || echo -)
  git diff --quiet HEAD -- 2>/dev/null || commit="$commit+"  # '+': uncommitted changes were built in
  if ! (cd "$FUZZ/findings" && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        LSAN_OPTIONS="suppressions=$ROOT/tests/sanitize/lsan.supp" \
        "../../fuzz_$t" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -max_len=65536 ${FUZZ_SEED:+-seed=$FUZZ_SEED} \
        -artifact_prefix="$t-" "../$(basename "$work")" >"../fuzz-$t.log" 2>&1); then
    echo "[fuzz] $t: FINDING, see $FUZZ/fuzz-$t.log and $FUZZ/findings/$t-*" >&2
    grep -E "ERROR|SUMMARY|Test unit written" "$FUZZ/fuzz-$t.log" | head -5 >&2 || true
    status=1
    result=finding
  fi
  last=$(grep -E "^#[0-9]+.*(DONE|pulse)|Done [0-9]+ runs" "$FUZZ/fuzz-$t.log" | tail -1 || true)
  echo "$last" >&2
  runs=$(grep -oE "Done [0-9]+ runs" "$FUZZ/fuzz-$t.log" | grep -oE "[0-9]+" | tail -1 || true)
  # One line per run in history.tsv: date (end), commit (at the start), target, seconds actually run, runs, result, corpus (grown: the
  # working corpus kept between runs; fresh: the seed corpus alone).
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$commit" \
    "$t" "$((SECONDS - started))" "${runs:-?}" "$result" "$corpus" >>"$FUZZ/history.tsv"
done
exit $status
