#!/usr/bin/env bash
# Runs the libFuzzer targets (tests/fuzz/README.md). Usage: tests/fuzz/run.sh SECONDS [TARGET...]
# (default: every target, one after the other). Builds the `fuzz` preset first (clang, ASan, UBSan). The seed
# corpora in tests/fuzz/corpus/ are copied to build/fuzz/corpus-TARGET, which grows; findings (crash-*, leak-*,
# timeout-*) land in build/fuzz/findings/ and make this script exit 1.
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_EACH=${1:?usage: tests/fuzz/run.sh SECONDS [TARGET...]}
shift
TARGETS=("$@")
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=(scenario platform sweep profile external)
cmake --preset fuzz >/dev/null
cmake --build build/fuzz -j2 >/dev/null
mkdir -p build/fuzz/findings
status=0
for t in "${TARGETS[@]}"; do
  work="build/fuzz/corpus-$t"
  mkdir -p "$work"
  cp -n "tests/fuzz/corpus/$t/"* "$work/" 2>/dev/null || true
  echo "[fuzz] $t for $SECONDS_EACH s" >&2
  result=clean
  if ! (cd build/fuzz/findings && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        "../fuzz_$t" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -artifact_prefix="$t-" "../../../$work" >"../fuzz-$t.log" 2>&1); then
    echo "[fuzz] $t: FINDING, see build/fuzz/fuzz-$t.log and build/fuzz/findings/$t-*" >&2
    status=1
    result=finding
  fi
  last=$(grep -E "^#[0-9]+.*(DONE|pulse)|Done [0-9]+ runs" "build/fuzz/fuzz-$t.log" | tail -1 || true)
  echo "$last" >&2
  runs=$(grep -oE "Done [0-9]+ runs" "build/fuzz/fuzz-$t.log" | grep -oE "[0-9]+" | tail -1 || true)
  # One line per session in build/fuzz/history.tsv: date, commit, target, seconds, runs, result.
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$(git rev-parse --short HEAD 2>/dev/null || echo -)" \
    "$t" "$SECONDS_EACH" "${runs:-?}" "$result" >>build/fuzz/history.tsv
done
exit $status
