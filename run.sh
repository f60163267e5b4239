#!/usr/bin/env bash
# deplsim's two entry points, each complete and idempotent on a fresh Debian 12 machine:
#   ./run.sh demo   compares every orchestrator on the paper scenario (plans simulated on SimGrid), runs the quick
#                   sweeps of `deplsim reproduce paper`, writes figures, results.md and report.html, and prints where
#   ./run.sh test   builds and runs the whole test suite (what .ci/run calls), then the fast tests under ASan and
#                   UBSan and each fuzz target briefly (docs/testing.md)
# Both install the Debian packages they need when missing (as root, or with sudo), configure and build (-j2).
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)
BUILD="$ROOT/build/release"

PACKAGES=(cmake ninja-build g++ pkg-config python3 libsimgrid-dev libyaml-cpp-dev libfmt-dev catch2 libcli11-dev
          nlohmann-json3-dev libxml2-dev libssl-dev libbenchmark-dev libboost-graph-dev coinor-libcbc-dev
          python3-matplotlib python3-pandas slurmctld slurmd slurm-client munge chromium
          python3-torch dataset-fashion-mnist clang libclang-rt-14-dev universal-ctags)

say() { printf '[run.sh] %s\n' "$*" >&2; }

install_packages() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing Debian packages: ${missing[*]}"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

build() {
  install_packages
  if [ ! -f "$BUILD/build.ninja" ]; then
    say "configuring (release)"
    cmake --preset release >/dev/null
  fi
  say "building"
  cmake --build --preset release -- -j2
}

demo() {
  build
  local out="$ROOT/results/demo"
  # `deplsim reproduce paper --quick`: the comparison on the paper's AlexNet/CIFAR-10 scenario at three targets
  # with every planner, 20,000 replications each, then the sweeps over L*, the grid size B, the safety factor
  # and the instance size (where the exact optimum runs, on the small scenario: it solves in about a second
  # there, 20-40 s per paper cell; `exhaustive` is a checker for tiny instances, `external` needs a command of
  # the user's), the figures, results.md and report.html (docs/reproduce.md). About 2 minutes on 2 cores.
  say "deplsim reproduce paper --quick --out results/demo (sweeps, figures, report)"
  "$BUILD/deplsim" reproduce paper --quick --out "$out" --force
  /usr/bin/python3 "$ROOT/analysis/run_table.py" "$out/sweeps/targets" >"$out/table.txt"
  cat "$out/table.txt"
  echo
  echo "P predicted: the orchestrator's own claim; P simulated: the test loss of 20,000 replications on the"
  echo "ground truth it never saw; guarantee 'met' when P simulated >= p* - 0.01."
  say "figures: results/demo/figures/*.png (and .pdf); tables: results/demo/results.md; all of it: results/demo/report.html"
}

# Each stage's wall time, printed at the end and written to build/test-suite-time.json (bench/run.sh reports it
# as test_suite_s): what the suite costs, and where.
STAGES=()
stage() {
  local name=$1
  shift
  local t0
  t0=$(date +%s.%N)
  "$@"
  STAGES+=("$name" "$(date +%s.%N | awk -v t0="$t0" '{printf "%.1f", $1 - t0}')")
}

run_tests() {
  local start cold_release=true cold_sanitize=true
  start=$(date +%s.%N)
  [ -f "$BUILD/build.ninja" ] && cold_release=false
  [ -f "$ROOT/build/sanitize/build.ninja" ] && cold_sanitize=false
  stage "packages" install_packages
  stage "release build" build
  stage "release tests" ctest --preset release
  sanitize_tests
  local total
  total=$(date +%s.%N | awk -v t0="$start" '{printf "%.1f", $1 - t0}')
  local json="{\"total_s\": $total, \"cold_release_build\": $cold_release, \"cold_sanitize_build\": $cold_sanitize, \"stages\": {"
  local summary="" sep="" i
  for ((i = 0; i < ${#STAGES[@]}; i += 2)); do
    json+="$sep\"${STAGES[i]}\": ${STAGES[i + 1]}"
    summary+="${sep:+; }${STAGES[i]} ${STAGES[i + 1]} s"
    sep=", "
  done
  json+="}, \"date\": \"$(date -u +%Y-%m-%dT%H:%M:%SZ)\"}"
  mkdir -p "$ROOT/build"
  printf '%s\n' "$json" >"$ROOT/build/test-suite-time.json.tmp" && mv "$ROOT/build/test-suite-time.json.tmp" "$ROOT/build/test-suite-time.json"
  say "the suite took $total s ($summary)"
}

# The sanitizer stage (docs/testing.md): the `clang-sanitize` preset (clang with ASan and UBSan, and the
# coverage hooks of libFuzzer) builds the tests and the fuzz targets; the fast tests run under the sanitizers
# (the preset's filter leaves out the slow ones), then each fuzz target briefly, from its seed corpus.
# DEPLSIM_SKIP_SANITIZE=1 skips it (a quick local run).
sanitize_tests() {
  if [ "${DEPLSIM_SKIP_SANITIZE:-0}" = 1 ]; then
    say "sanitizer stage skipped (DEPLSIM_SKIP_SANITIZE=1)"
    return 0
  fi
  if [ ! -f "$ROOT/build/sanitize/build.ninja" ]; then
    say "configuring (clang-sanitize)"
    cmake --preset clang-sanitize >/dev/null
  fi
  say "building (clang-sanitize: ASan, UBSan, fuzz targets)"
  stage "sanitizer build" cmake --build --preset clang-sanitize -- -j2
  say "fast tests under ASan and UBSan"
  stage "sanitizer tests" ctest --preset clang-sanitize
  say "fuzz targets, ${DEPLSIM_FUZZ_SECONDS:-15} s each from the seed corpora, two at a time"
  stage "fuzz" env FUZZ_FRESH_CORPUS=1 FUZZ_SEED=1 FUZZ_JOBS=2 "$ROOT/tests/fuzz/run.sh" "${DEPLSIM_FUZZ_SECONDS:-15}"
}

case "${1:-}" in
  demo) demo ;;
  test) run_tests ;;
  *)
    echo "usage: ./run.sh demo | test" >&2
    exit 2
    ;;
esac
