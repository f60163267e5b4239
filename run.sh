#!/usr/bin/env bash
# deplsim's two entry points, each complete and idempotent on a fresh Debian 12 machine:
#   ./run.sh demo   plans the paper scenarios with every orchestrator that exists and prints a table
#   ./run.sh test   builds and runs the whole test suite (what .ci/run calls)
# Both install the Debian packages they need when missing (as root, or with sudo), configure and build (-j2).
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)
BUILD="$ROOT/build/release"

PACKAGES=(cmake ninja-build g++ pkg-config python3 libsimgrid-dev libyaml-cpp-dev libfmt-dev catch2 libcli11-dev
          nlohmann-json3-dev libxml2-dev)

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
  rm -rf "$out.partial"
  mkdir -p "$out.partial"
  local orchestrators
  orchestrators=$("$BUILD/deplsim" list | awk '{print $1}')
  for scenario in "$ROOT"/scenarios/paper/*.yaml; do
    local name
    name=$(basename "$scenario" .yaml)
    for o in $orchestrators; do
      set +e
      "$BUILD/deplsim" plan "$scenario" --orchestrator "$o" >"$out.partial/$name.$o.json" 2>"$out.partial/$name.$o.txt"
      local rc=$?
      set -e
      if [ $rc -ne 0 ] && [ $rc -ne 3 ]; then
        cat "$out.partial/$name.$o.txt" >&2
        say "deplsim plan failed on $name with $o (exit $rc)"
        exit $rc
      fi
    done
  done
  rm -rf "$out"
  mv "$out.partial" "$out"
  /usr/bin/python3 "$ROOT/analysis/plan_table.py" "$out"
  say "plans and explanations written to results/demo/ (one .json and one .txt per scenario and orchestrator)"
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
