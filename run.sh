#!/usr/bin/env bash
# deplsim's two entry points, each complete and idempotent on a fresh Debian 12 machine:
#   ./run.sh demo   plans the paper scenarios (and the small one, with the exact optimum) with every orchestrator
#                   that exists, simulates the plans on SimGrid and prints a table of predicted vs simulated outcomes
#   ./run.sh test   builds and runs the whole test suite (what .ci/run calls)
# Both install the Debian packages they need when missing (as root, or with sudo), configure and build (-j2).
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)
BUILD="$ROOT/build/release"

PACKAGES=(cmake ninja-build g++ pkg-config python3 libsimgrid-dev libyaml-cpp-dev libfmt-dev catch2 libcli11-dev
          nlohmann-json3-dev libxml2-dev libssl-dev libbenchmark-dev libboost-graph-dev coinor-libcbc-dev
          python3-matplotlib python3-pandas slurmctld slurmd slurm-client munge chromium)

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
  local replications=20000
  rm -rf "$out.partial"
  mkdir -p "$out.partial"
  # Every built-in planner (`external` needs a command of the user's, see docs/orchestrators.md; `exhaustive` is
  # a checker for tiny instances and refuses these). The exact optimum (CBC) takes 10-30 s per paper scenario,
  # so it runs on the small scenario only, where it solves in about a second.
  local all paper_only orchestrators
  all=$("$BUILD/deplsim" list | awk '$1 != "external" && $1 != "exhaustive" {print $1}' | paste -sd, -)
  paper_only=$("$BUILD/deplsim" list | awk '$1 != "external" && $1 != "exhaustive" && $1 != "optimum" {print $1}' | paste -sd, -)
  for scenario in "$ROOT"/scenarios/paper/*.yaml "$ROOT"/scenarios/small/*.yaml; do
    local name
    name=$(basename "$scenario" .yaml)
    case "$scenario" in
      */small/*) orchestrators=$all ;;
      *) orchestrators=$paper_only ;;
    esac
    say "$name: planning with $orchestrators; simulating $replications replications of each plan on SimGrid"
    set +e
    "$BUILD/deplsim" compare "$scenario" --orchestrators "$orchestrators" --replications "$replications" --seed 1 \
      --out "$out.partial/$name" >/dev/null 2>"$out.partial/$name.log"
    local rc=$?
    set -e
    if [ $rc -ne 0 ]; then
      cat "$out.partial/$name.log" >&2
      say "deplsim compare failed on $name (exit $rc)"
      exit $rc
    fi
    rm -f "$out.partial/$name.log"
  done
  /usr/bin/python3 "$ROOT/analysis/run_table.py" "$out.partial" >"$out.partial/table.txt"
  /usr/bin/python3 "$ROOT/analysis/run_table.py" "$out.partial" --markdown >"$out.partial/table.md"
  rm -rf "$out"
  mv "$out.partial" "$out"
  cat "$out/table.txt"
  echo
  echo "P predicted: the orchestrator's own claim; P simulated: the test loss of $replications replications on the"
  echo "ground truth it never saw; guarantee 'met' when P simulated >= p* - 0.01."
  say "results in results/demo/: per scenario comparison.md (with paired energy differences) and one folder per orchestrator; table.md for all"
}

run_tests() {
  build
  ctest --preset release
}

case "${1:-}" in
  demo) demo ;;
  test) run_tests ;;
  *)
    echo "usage: ./run.sh demo | test" >&2
    exit 2
    ;;
esac
