#!/usr/bin/env bash
# End-to-end tests of deplsim's command line: what a user sees, bad input above all (docs/cli.md:
# exit codes, messages and streams). Run by ctest as
#   env DEPLSIM=/path/to/deplsim SOURCE_DIR=/path/to/source bash tests/cli/run_cli_tests.sh
# from any directory. Plain bash + coreutils + grep + /usr/bin/python3.
#
# Each case checks the exit code AND a message:
#   expect_fail RC REGEX [--not REGEX] [--count N] -- ARGS...
#       exit code RC, stderr matches REGEX (grep -E), not the --not REGEX, and has N lines starting `error:`
#   expect_ok REGEX [--not REGEX] -- ARGS...   exit code 0, stdout matches REGEX (and not the --not REGEX)
# `note TEXT` before a case labels it in the failure report. A signal exit (134 abort, 139 segfault, ...) or a
# timeout (every command runs under `timeout`) is reported as such. The last line reads `N passed, M failed`.
set -u

: "${DEPLSIM:?set DEPLSIM to the deplsim binary}"
: "${SOURCE_DIR:?set SOURCE_DIR to the source tree}"
DEPLSIM=$(cd "$(dirname "$DEPLSIM")" && pwd)/$(basename "$DEPLSIM")
SOURCE_DIR=$(cd "$SOURCE_DIR" && pwd)
PY=/usr/bin/python3
TIMEOUT=${DEPLSIM_TEST_TIMEOUT:-300}
# Address-space cap (KiB) for the alias-bomb and deep-nesting cases; set DEPLSIM_TEST_VMEM_KB= (empty) for
# sanitizer builds, which reserve far more virtual memory than they use.
VMEM_KB=${DEPLSIM_TEST_VMEM_KB-4194304}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/deplsim-cli.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
cd "$TMP" || exit 1   # any cwd must do: every input below is an absolute path

SCEN=$SOURCE_DIR/tests/data/scenarios
BAD=$SCEN/bad
TINY=$SCEN/tiny.yaml
PLATFORMS=$SOURCE_DIR/platforms
BAD_PLATFORMS=$SOURCE_DIR/tests/data/platforms/bad

passed=0
failed=0
label=""
mem_limit_kb=""   # set around the cases that could exhaust memory

note() { label=$1; }

# run ARGS...: runs deplsim with a timeout; sets rc, leaves stdout/stderr in $TMP/out, $TMP/err.
# Under AddressSanitizer (the clang-sanitize build) `ulimit -v` cannot work (ASan reserves terabytes of address
# space for its shadow memory): the limit becomes ASan's own resident-memory limit, three times larger (ASan's
# overhead), which a runaway allocation still exceeds.
ASAN_BUILD=0
grep -q __asan_init "$DEPLSIM" 2>/dev/null && ASAN_BUILD=1
run() {
  if [[ -n $mem_limit_kb && $ASAN_BUILD = 1 ]]; then
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}hard_rss_limit_mb=$((mem_limit_kb * 3 / 1024))" \
      timeout -k 5 "$TIMEOUT" "$DEPLSIM" "$@" >"$TMP/out" 2>"$TMP/err"
  elif [[ -n $mem_limit_kb ]]; then
    (ulimit -v "$mem_limit_kb"; exec timeout -k 5 "$TIMEOUT" "$DEPLSIM" "$@") >"$TMP/out" 2>"$TMP/err"
  else
    timeout -k 5 "$TIMEOUT" "$DEPLSIM" "$@" >"$TMP/out" 2>"$TMP/err"
  fi
  rc=$?
}

describe_rc() {
  case $1 in
    124 | 137) echo "$1 (TIMEOUT after ${TIMEOUT}s: a hang?)" ;;
    134) echo "134 (CRASH: SIGABRT)" ;;
    139) echo "139 (CRASH: SIGSEGV)" ;;
    13[0-9] | 14[0-9] | 15[0-9]) echo "$1 (CRASH: killed by signal $(($1 - 128)))" ;;
    *) echo "$1" ;;
  esac
}

# fail_case WHY: prints the failure report for the command just run.
fail_case() {
  failed=$((failed + 1))
  {
    echo "FAIL${label:+ [$label]}: deplsim ${cmd[*]}"
    echo "  $1"
    echo "  expected exit code: $want_rc, actual: $(describe_rc "$rc")"
    echo "  stderr (first 15 lines):"
    head -n 15 "$TMP/err" | cut -c1-400 | sed 's/^/    | /'
    if [[ $want_rc == 0* ]]; then
      echo "  stdout (first 10 lines):"
      head -n 10 "$TMP/out" | cut -c1-400 | sed 's/^/    | /'
    fi
  } >&2
}

pass_case() { passed=$((passed + 1)); }

# parse_case RC REGEX [--not REGEX] [--count N] -- ARGS...
parse_case() {
  want_rc=$1 want_re=$2
  shift 2
  not_re="" want_count=""
  while [[ ${1-} == --not || ${1-} == --count ]]; do
    if [[ $1 == --not ]]; then not_re=$2; else want_count=$2; fi
    shift 2
  done
  if [[ ${1-} != -- ]]; then
    echo "run_cli_tests.sh: test bug: missing -- in case '$want_re'" >&2
    exit 1
  fi
  shift
  cmd=("$@")
}

check() { # STREAM(out|err)
  local stream=$TMP/$1
  if [[ $rc != "$want_rc" ]]; then
    fail_case "wrong exit code"
  elif [[ -n $want_re ]] && ! grep -Eq -- "$want_re" "$stream"; then
    fail_case "std$1 does not match /$want_re/"
  elif [[ -n $not_re ]] && grep -Eq -- "$not_re" "$stream"; then
    fail_case "std$1 matches /$not_re/, which it must not"
  elif [[ -n $want_count ]] && [[ $(grep -c '^error:' "$stream") != "$want_count" ]]; then
    fail_case "expected $want_count 'error:' line(s) (one per mistake), got $(grep -c '^error:' "$stream")"
  else
    pass_case
  fi
  label=""
}

expect_fail() {
  parse_case "$@"
  run "${cmd[@]}"
  check err
}

expect_ok() {
  parse_case 0 "$@"
  run "${cmd[@]}"
  check out
}

# custom_result STATUS WHY: records the outcome of a custom check of the command just run (0 = pass).
custom_result() {
  if [[ $1 == 0 ]]; then pass_case; else fail_case "$2"; fi
  label=""
}

# ---------------------------------------------------------------------------------------------------------
# Usage errors and help
# ---------------------------------------------------------------------------------------------------------
note "no subcommand"
expect_fail 2 "[Ss]ubcommand" --
note "unknown subcommand"
expect_fail 2 "[Ss]ubcommand|[Uu]nknown.*frobnicate|frobnicate.*not expected" -- frobnicate
note "unknown top-level flag"
expect_fail 2 "[Ss]ubcommand|[Uu]nknown.*--frob|not expected.*--frob" -- --frob
note "unknown flag of validate"
expect_fail 2 "([Uu]nknown|not expected).*--frob" -- validate "$TINY" --frob
note "validate without a scenario"
expect_fail 2 "SCENARIO" -- validate
note "plan: --seed not a number"
expect_fail 2 "(convert|invalid|number|integer).*--seed|--seed.*(convert|invalid|number|integer)" -- plan "$TINY" --seed abc
expect_ok "Usage:.*SUBCOMMAND" -- --help
expect_ok "validate" -- --help
expect_ok "plan" -- --help
expect_ok "^deplsim 0\.1\.0$" -- --version
expect_ok "Usage:.*validate.*SCENARIO" -- validate --help
expect_ok "--platform" -- validate --help
expect_ok "--orchestrator" -- plan --help
expect_ok "Usage:.*list" -- list --help

# ---------------------------------------------------------------------------------------------------------
# Happy paths
# ---------------------------------------------------------------------------------------------------------
expect_ok "tiny\.yaml: valid" -- validate "$TINY"
expect_ok "cluster main \(zone tiny\): tiny-n0, tiny-n1, tiny-n2" -- validate "$TINY"
for f in "$SOURCE_DIR"/scenarios/paper/*.yaml; do
  expect_ok "$(basename "$f" | sed 's/\./\\./g'): valid" -- validate "$f"
done
expect_ok "full-only" -- list
expect_ok "pruned-only" -- list
note "--platform given the scenario's own platform"
expect_ok "valid" -- validate "$TINY" --platform "$PLATFORMS/tiny.xml"
note "--set a list value"
expect_ok "valid" -- validate "$TINY" --set "model.switch_epochs=[3, 6]"
note "--set by name"
expect_ok "1050 samples" -- validate "$TINY" --set data_sources.cam1.samples=50
note "--set by index"
expect_ok "1050 samples" -- validate "$TINY" --set data_sources.0.samples=50
note "--set cluster zones by index (swap)"
expect_ok "cluster main \(zone tiny2\): tiny2-n0, tiny2-n1" -- validate "$TINY" --set clusters.0.zone=tiny2 --set clusters.1.zone=tiny
note "--set cluster zones by name (swap)"
expect_ok "cluster second \(zone tiny\): tiny-n0" -- validate "$TINY" --set clusters.main.zone=tiny2 --set clusters.second.zone=tiny

# plan_json_check FILE: stdout is JSON with data_sources, segments and predicted.p_target_met.
plan_json_check() {
  "$PY" - "$1" <<'EOF'
import json, sys
with open(sys.argv[1]) as f:
    j = json.load(f)
assert isinstance(j, dict), "not a JSON object"
for k in ("data_sources", "segments", "predicted"):
    assert k in j, "missing key " + k
assert isinstance(j["data_sources"], list) and isinstance(j["segments"], list)
assert "p_target_met" in j["predicted"], "missing predicted.p_target_met"
p = j["predicted"]["p_target_met"]
assert p is None or 0 <= p <= 1, "p_target_met out of [0, 1]: %r" % (p,)
for s in j["segments"]:
    for k in ("version", "cluster", "nodes", "pstate", "epochs"):
        assert k in s, "segment without " + k
EOF
}

# plan_case ORCHESTRATOR [ARGS...]: plan exits 0 or 3 and prints the plan JSON.
plan_case() {
  local orch=$1
  shift
  label="plan JSON, $orch"
  cmd=(plan "$TINY" --orchestrator "$orch" "$@")
  want_rc="0 or 3"
  run "${cmd[@]}"
  if [[ $rc != 0 && $rc != 3 ]]; then
    fail_case "wrong exit code"
    label=""
  else
    local why
    why=$(plan_json_check "$TMP/out" 2>&1)
    custom_result $? "stdout is not the plan JSON: $(echo "$why" | tail -n 1)"
  fi
}
plan_case full-only
plan_case pruned-only
plan_case full-only --seed 42

note "plan full-only on tiny is feasible"
expect_ok '"status": "ok"' -- plan "$TINY"
note "plan pruned-only chooses the pruned version"
expect_ok '"version": "p50"' -- plan "$TINY" --orchestrator pruned-only
note "plan: explanation on stderr, not stdout"
expect_ok '^\{' --not "fewest epochs" -- plan "$TINY"
note "plan: --set clusters.0.zone swaps the chosen cluster"
expect_ok '"cluster": "second"' -- plan "$TINY" --set clusters.0.zone=tiny2 --set clusters.1.zone=tiny
note "plan: unreachable target is infeasible (exit 3)"
expect_fail 3 "infeasible" -- plan "$TINY" --set target.loss=0.3
label="plan: infeasible still prints the plan JSON with its status"
cmd=(plan "$TINY" --set target.loss=0.3)
want_rc=3
run "${cmd[@]}"
if [[ $rc != 3 ]]; then
  fail_case "wrong exit code"
  label=""
else
  "$PY" -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["status"] != "ok"' "$TMP/out" 2>/dev/null
  custom_result $? "stdout is not JSON with a status other than ok"
fi

# Determinism: same seed, byte-identical stdout; stderr identical too.
determinism_case() {
  label="determinism $*"
  want_rc=0
  cmd=(plan "$TINY" "$@")
  run "${cmd[@]}"
  local rc1=$rc
  cp "$TMP/out" "$TMP/out1"
  run "${cmd[@]}"
  if [[ $rc1 != 0 || $rc != 0 ]]; then
    fail_case "wrong exit code (first run $rc1)"
    label=""
  else
    if ! plan_json_check "$TMP/out" >/dev/null 2>&1; then
      custom_result 1 "stdout is not the plan JSON"
    else
      cmp -s "$TMP/out1" "$TMP/out"
      custom_result $? "two runs with the same seed printed different plans"
    fi
  fi
}
determinism_case
determinism_case --seed 12345
determinism_case --orchestrator pruned-only --seed 3

# ---------------------------------------------------------------------------------------------------------
# Files that are not scenarios
# ---------------------------------------------------------------------------------------------------------
note "missing scenario file"
expect_fail 2 "no-such-file\.yaml: .*(cannot open|does not exist|[Nn]o such file)" -- validate "$TMP/no-such-file.yaml"
mkdir -p "$TMP/a-directory.yaml"
note "a directory given as scenario"
expect_fail 2 "a-directory\.yaml: .*([Dd]irectory|not a regular file)" -- validate "$TMP/a-directory.yaml"
note "empty scenario file"
expect_fail 2 "empty\.yaml: .*empty" -- validate "$BAD/empty.yaml"
note "/dev/null as scenario"
expect_fail 2 "/dev/null: .*(empty|not a regular file)" -- validate /dev/null
note "plan: negative --seed"
expect_fail 2 "--seed.*non-negative integer" -- plan "$TINY" --seed -1
printf '# only a comment\n\n' >"$TMP/comment-only.yaml"
note "scenario with only comments"
expect_fail 2 "comment-only\.yaml: .*(empty|mapping)" -- validate "$TMP/comment-only.yaml"
note "scenario that is a list"
expect_fail 2 "list_top\.yaml:2:1: \(top level\): expected a mapping, got a list" -- validate "$BAD/list_top.yaml"
printf 'just a string\n' >"$TMP/scalar.yaml"
note "scenario that is a scalar"
expect_fail 2 "scalar\.yaml:1:1: .*expected a mapping" -- validate "$TMP/scalar.yaml"
"$PY" -c 'import sys; open(sys.argv[1], "wb").write(bytes(range(256)) * 64)' "$TMP/binary.yaml"
note "binary garbage"
expect_fail 2 "binary\.yaml(:[0-9]+(:[0-9]+)?)?: " -- validate "$TMP/binary.yaml"
"$PY" -c 'import sys; open(sys.argv[1], "w").write("# " + "x" * (17 * 1024 * 1024) + "\n")' "$TMP/huge.yaml"
note "scenario file over the size limit"
expect_fail 2 "huge\.yaml: .*too large" -- validate "$TMP/huge.yaml"

# ---------------------------------------------------------------------------------------------------------
# Malformed YAML
# ---------------------------------------------------------------------------------------------------------
note "unclosed flow mapping"
expect_fail 2 "unclosed_bracket\.yaml:1[4-7]:[0-9]+: " -- validate "$BAD/unclosed_bracket.yaml"
printf 'name: [a, b\nplatform: x\n' >"$TMP/unclosed-list.yaml"
note "unclosed flow list"
expect_fail 2 "unclosed-list\.yaml:[12]:[0-9]+: " -- validate "$TMP/unclosed-list.yaml"
note "bad indentation"
expect_fail 2 "bad_indentation\.yaml:9:[0-9]+: " -- validate "$BAD/bad_indentation.yaml"
note "fuzz finding: an invalid node under model (an input error, not an internal error)"
expect_fail 2 "fuzz_learning_lookup\.yaml:[0-9]+:[0-9]+: " -- validate "$BAD/fuzz_learning_lookup.yaml" --set target.loss=0.7
printf 'name: x\ntarget:\n\tloss: 1\n' >"$TMP/tab.yaml"
note "tab indentation"
expect_fail 2 "tab\.yaml:3:[0-9]+: " -- validate "$TMP/tab.yaml"
printf '? [a, b]\n: 1\nname: x\n' >"$TMP/complex-key.yaml"
note "a non-scalar key"
expect_fail 2 "complex-key\.yaml:1:[0-9]+: .*keys must be" -- validate "$TMP/complex-key.yaml"

# Resource exhaustion: alias bombs and deep nesting must end quickly, with exit 2 and no crash.
mem_limit_kb=$VMEM_KB
note "alias bomb (billion laughs) under clusters"
expect_fail 2 "alias_bomb\.yaml:[0-9]+:[0-9]+: clusters" -- validate "$BAD/alias_bomb.yaml"
sed 's/^clusters: \*i$/data_sources: *i\nmodel: {name: m, versions: *i, learning: *i, switch_epochs: *i}\ntarget: *i\nsimgrid: {cfg: *i}\nclusters: *i/' \
  "$BAD/alias_bomb.yaml" >"$TMP/alias-bomb-everywhere.yaml"
note "alias bomb under every list and mapping"
expect_fail 2 "alias-bomb-everywhere\.yaml:[0-9]+:[0-9]+: " -- validate "$TMP/alias-bomb-everywhere.yaml"
{ sed '/^clusters: \*i$/d' "$BAD/alias_bomb.yaml"; printf '? *i\n: 1\n'; } >"$TMP/alias-bomb-key.yaml"
note "alias bomb as a mapping key"
expect_fail 2 "alias-bomb-key\.yaml:[0-9]+:[0-9]+: " -- validate "$TMP/alias-bomb-key.yaml"
note "alias bomb via --set"
expect_fail 2 "^error: --set model\.switch_epochs" -- validate "$TINY" --set "model.switch_epochs=[&a [1,1,1,1,1,1,1,1,1], &b [*a,*a,*a,*a,*a,*a,*a,*a,*a], &c [*b,*b,*b,*b,*b,*b,*b,*b,*b], &d [*c,*c,*c,*c,*c,*c,*c,*c,*c], &e [*d,*d,*d,*d,*d,*d,*d,*d,*d], &f [*e,*e,*e,*e,*e,*e,*e,*e,*e], &g [*f,*f,*f,*f,*f,*f,*f,*f,*f], &h [*g,*g,*g,*g,*g,*g,*g,*g,*g], [*h,*h,*h,*h,*h,*h,*h,*h,*h]]"
"$PY" -c 'import sys; open(sys.argv[1], "w").write("[" * 10000 + "\n")' "$TMP/deep-flow-list.yaml"
note "10000 nested ["
expect_fail 2 "deep-flow-list\.yaml:[0-9]+:[0-9]+: .*(deep|nest)" -- validate "$TMP/deep-flow-list.yaml"
"$PY" -c 'import sys; open(sys.argv[1], "w").write("name: " + "{a: " * 10000 + "\n")' "$TMP/deep-flow-map.yaml"
note "10000 nested {"
expect_fail 2 "deep-flow-map\.yaml:[0-9]+:[0-9]+: .*(deep|nest)" -- validate "$TMP/deep-flow-map.yaml"
"$PY" -c 'import sys; open(sys.argv[1], "w").write("".join(" " * i + "k:\n" for i in range(3000)))' "$TMP/deep-block.yaml"
note "3000 nested block mappings"
expect_fail 2 "deep-block\.yaml:[0-9]+:[0-9]+: .*(deep|nest)" -- validate "$TMP/deep-block.yaml"
"$PY" -c 'import sys; open(sys.argv[1], "w").write("".join("  " * i + "- \n" for i in range(3000)))' "$TMP/deep-block-list.yaml"
note "3000 nested block lists"
expect_fail 2 "deep-block-list\.yaml:[0-9]+:[0-9]+: .*(deep|nest)" -- validate "$TMP/deep-block-list.yaml"
mem_limit_kb=""

# ---------------------------------------------------------------------------------------------------------
# Schema errors: FILE:LINE:COL: KEY: message (bad/*.yaml are copies of tiny.yaml with one defect, same lines)
# ---------------------------------------------------------------------------------------------------------
expect_fail 2 "missing_target_loss\.yaml:[0-9]+:[0-9]+: target\.loss: missing" -- validate "$BAD/missing_target_loss.yaml"
expect_fail 2 "duplicate_name\.yaml:4:1: name: duplicated key" -- validate "$BAD/duplicate_name.yaml"
expect_fail 2 "unknown_key_targte\.yaml:7:[0-9]+: targte: unknown key \(known keys here: .*target" -- validate "$BAD/unknown_key_targte.yaml"
expect_fail 2 "unknown_key_probabilty\.yaml:9:[0-9]+: target\.probabilty: unknown key \(known keys here: .*probability" -- validate "$BAD/unknown_key_probabilty.yaml"
expect_fail 2 "probability_1_5\.yaml:9:16: target\.probability: must be in \(0, 1\), got 1\.5" -- validate "$BAD/probability_1_5.yaml"
expect_fail 2 "probability_0\.yaml:9:16: target\.probability: must be in \(0, 1\)" -- validate "$BAD/probability_0.yaml"
expect_fail 2 "probability_negative\.yaml:9:16: target\.probability: must be in \(0, 1\), got -0\.1" -- validate "$BAD/probability_negative.yaml"
expect_fail 2 "loss_nan\.yaml:8:9: target\.loss: .*finite.*\.nan" -- validate "$BAD/loss_nan.yaml"
expect_fail 2 "loss_inf\.yaml:8:9: target\.loss: .*finite.*\.inf" -- validate "$BAD/loss_inf.yaml"
expect_fail 2 "loss_string\.yaml:8:9: target\.loss: .*number.*'low'" -- validate "$BAD/loss_string.yaml"
expect_fail 2 "samples_zero\.yaml:17:[0-9]+: data_sources\.cam1\.samples: .*got 0" -- validate "$BAD/samples_zero.yaml"
expect_fail 2 "samples_negative\.yaml:18:[0-9]+: data_sources\.cam2\.samples: .*got -5" -- validate "$BAD/samples_negative.yaml"
expect_fail 2 "flops_zero\.yaml:24:25: model\.versions\.full\.flops_per_sample: must be > 0" -- validate "$BAD/flops_zero.yaml"
expect_fail 2 "param_bytes_negative\.yaml:30:20: model\.versions\.p50\.param_bytes: .*got -1" -- validate "$BAD/param_bytes_negative.yaml"
expect_fail 2 "max_epochs_zero\.yaml:11:15: target\.max_epochs: .*got 0" -- validate "$BAD/max_epochs_zero.yaml"
expect_fail 2 "switch_epochs_not_increasing\.yaml:33:[0-9]+: model\.switch_epochs\.1: .*increasing" -- validate "$BAD/switch_epochs_not_increasing.yaml"
expect_fail 2 "switch_unknown_version\.yaml:47:[0-9]+: model\.learning\.switches\.0\.to: no version named 'p75'" -- validate "$BAD/switch_unknown_version.yaml"

# Follow-on messages: one defect should give one message, and no message about a value that was never written.
note "missing target.loss: no follow-on 'got 0' message without a line"
expect_fail 2 "target\.loss: missing" --not "got 0" -- validate "$BAD/missing_target_loss.yaml"
note ".nan loss: no follow-on 'got 0' message"
expect_fail 2 "target\.loss: .*\.nan" --not "got 0" -- validate "$BAD/loss_nan.yaml"
note "misspelled target: every message has a line and column"
expect_fail 2 "targte: unknown key" --not "^error: [^:]*\.yaml: " -- validate "$BAD/unknown_key_targte.yaml"
note "misspelled target: two messages (target missing, targte unknown), no follow-ons"
expect_fail 2 "targte: unknown key" --count 2 -- validate "$BAD/unknown_key_targte.yaml"
note "misspelled probability: two messages (probability missing, probabilty unknown)"
expect_fail 2 "probabilty: unknown key" --count 2 -- validate "$BAD/unknown_key_probabilty.yaml"
note "--set .nan: one message"
expect_fail 2 "^error: --set target\.loss: " --count 1 -- validate "$TINY" --set target.loss=.nan
# The other bad/*.yaml files hold exactly one mistake each: one message each.
for f in "$BAD"/*.yaml; do
  case $(basename "$f") in unknown_key_targte.yaml | unknown_key_probabilty.yaml | alias_bomb.yaml | fuzz_learning_lookup.yaml) continue ;; esac
  note "one message per mistake: bad/$(basename "$f")"
  expect_fail 2 "$(basename "$f" | sed 's/\./\\./g')(:[0-9]+)*: " --count 1 -- validate "$f"
done

# ---------------------------------------------------------------------------------------------------------
# Scenario against platform
# ---------------------------------------------------------------------------------------------------------
expect_fail 2 "zone_unknown\.yaml:15:[0-9]+: clusters\.second\.zone: zone 'nowhere' is not in the platform \(zones: .*tiny2" -- validate "$BAD/zone_unknown.yaml"
expect_fail 2 "host_unknown\.yaml:18:[0-9]+: data_sources\.cam2\.host: .*'no-such-host'" -- validate "$BAD/host_unknown.yaml"
expect_fail 2 "controller_unknown\.yaml:6:[0-9]+: controller: .*'no-such-controller'" -- validate "$BAD/controller_unknown.yaml"
expect_fail 2 "platform_missing\.yaml:5:[0-9]+: platform: .*no-such-platform\.xml" -- validate "$BAD/platform_missing.yaml"
note "--platform with other zone names"
expect_fail 2 "tiny\.yaml:14:[0-9]+: clusters\.main\.zone: zone 'tiny' is not in the platform \(zones: .*solo" -- validate "$TINY" --platform "$PLATFORMS/one-host.xml"
note "--platform file missing"
expect_fail 2 "no-such-platform\.xml(:[0-9]+)*: " -- validate "$TINY" --platform "$TMP/no-such-platform.xml"
note "--platform a directory"
expect_fail 2 "$(basename "$TMP")(: |/)" -- validate "$TINY" --platform "$TMP"
note "plan with a missing --platform"
expect_fail 2 "no-such-platform\.xml(:[0-9]+)*: " -- plan "$TINY" --platform "$TMP/no-such-platform.xml"

# Every bad platform fixture: exit 2 (never a crash), the message names the file (and its line, except for an
# empty file).
for f in "$BAD_PLATFORMS"/*.xml; do
  b=$(basename "$f")
  re=$(printf '%s' "$b" | sed 's/\./\\./g')
  case $b in
    empty.xml) re="$re: " ;;
    wattage_*.xml | cluster_wattage.xml) re="$re:[0-9]+(:[0-9]+)?: .*wattage" ;;
    *) re="$re:[0-9]+(:[0-9]+)?: " ;;
  esac
  note "bad platform $b"
  expect_fail 2 "$re" -- validate "$TINY" --platform "$f"
done
note "bad platform through plan"
expect_fail 2 "wattage_format\.xml:[0-9]+: .*wattage_per_state" -- plan "$TINY" --platform "$BAD_PLATFORMS/wattage_format.xml"
# A malformed wattage_per_state in a copy of tiny.xml (the scenario's real platform).
sed 's/value="10:10:30, 8:8:18"/value="10:10:30; 8:8:18"/' "$PLATFORMS/tiny.xml" >"$TMP/tiny-bad-wattage.xml"
note "tiny.xml with a malformed wattage_per_state"
expect_fail 2 "tiny-bad-wattage\.xml:[0-9]+: .*wattage_per_state" -- validate "$TINY" --platform "$TMP/tiny-bad-wattage.xml"

# ---------------------------------------------------------------------------------------------------------
# Orchestrators
# ---------------------------------------------------------------------------------------------------------
note "unknown orchestrator"
expect_fail 2 "--orchestrator.*'nope'.*full-only.*pruned-only" -- plan "$TINY" --orchestrator nope

# ---------------------------------------------------------------------------------------------------------
# --set
# ---------------------------------------------------------------------------------------------------------
expect_fail 2 "^error: --set nope\.x: .*'nope'" -- validate "$TINY" --set nope.x=1
expect_fail 2 "^error: --set target\.probability: must be in \(0, 1\), got 2" -- validate "$TINY" --set target.probability=2
expect_fail 2 "^error: --set target\.probability: " -- plan "$TINY" --set target.probability=2
expect_fail 2 "^error: --set data_sources\.9\.samples: .*'9'.*2 items" -- validate "$TINY" --set data_sources.9.samples=1
expect_fail 2 "^error: --set data_sources\.cam1\.samples: .*got 0" -- validate "$TINY" --set data_sources.cam1.samples=0
expect_fail 2 "^error: --set data_sources\.(0|cam1)\.samples: .*got 0" -- validate "$TINY" --set data_sources.0.samples=0
expect_fail 2 "^error: --set data_sources\.nocam\.samples: .*'nocam'" -- validate "$TINY" --set data_sources.nocam.samples=5
expect_fail 2 "^error: --set target\.probabilty: unknown key \(known keys here: .*probability" -- validate "$TINY" --set target.probabilty=0.5
expect_fail 2 "^error: --set target\.loss: .*\.nan" -- validate "$TINY" --set target.loss=.nan
expect_fail 2 "^error: --set target: " -- validate "$TINY" --set target=3
expect_fail 2 "^error: --set name\.x: " -- validate "$TINY" --set name.x=3
expect_fail 2 "^error: --set target\.loss: " -- validate "$TINY" --set "target.loss=[1"
expect_fail 2 "^error: --set target\.\.loss: .*empty" -- validate "$TINY" --set target..loss=1
note "--set without ="
expect_fail 2 "^error: --set target\.probability: .*KEY=VALUE" -- validate "$TINY" --set target.probability
note "--set with an empty key"
expect_fail 2 "^error: --set.*KEY=VALUE" -- validate "$TINY" --set =3
note "--set a zone the platform lacks: blame --set, not a line of the file"
expect_fail 2 "^error: --set clusters\.main\.zone: .*'nowhere'" -- validate "$TINY" --set clusters.main.zone=nowhere
note "--set a host the platform lacks: blame --set, not a line of the file"
expect_fail 2 "^error: --set data_sources\.cam1\.host: .*'nohost'" -- validate "$TINY" --set data_sources.cam1.host=nohost
note "--set a controller the platform lacks: blame --set, not a line of the file"
expect_fail 2 "^error: --set controller: .*'nohost'" -- validate "$TINY" --set controller=nohost

# ---------------------------------------------------------------------------------------------------------
# --cfg (passed to SimGrid): bad settings are bad input that names --cfg
# ---------------------------------------------------------------------------------------------------------
note "--cfg without a colon"
expect_fail 2 "^error: --cfg.*nonsense" -- validate "$TINY" --cfg nonsense
note "--cfg unknown SimGrid option"
expect_fail 2 "^error: --cfg.*foo" -- validate "$TINY" --cfg foo:bar
note "--cfg bad network model"
expect_fail 2 "^error: --cfg.*(network/model|Bogus)" -- validate "$TINY" --cfg network/model:Bogus

# Measured profiles (kind: traces): the scenario validates; every bad profile is a clear error naming the
# profile file, its line and column; scenario keys checked against the profile.
TRACES=$SCEN/tiny-traces.yaml
note "traces scenario validates"
expect_ok "tiny-traces.yaml: valid" -- validate "$TRACES"
for f in "$SOURCE_DIR"/tests/data/profiles/bad-*.csv; do
  b=$(basename "$f")
  note "bad profile $b"
  if [ "$b" = "bad-empty.csv" ]; then
    expect_fail 2 "$b: " -- validate "$TRACES" --set "model.learning.profile=../profiles/$b"
  else
    expect_fail 2 "$b(:[0-9]+)+: " -- validate "$TRACES" --set "model.learning.profile=../profiles/$b"
  fi
done
note "traces: knowledge_seeds must leave evaluation seeds"
expect_fail 2 "--set model.learning.knowledge_seeds: must be in \\[1, 4\\]" -- validate "$TRACES" --set model.learning.knowledge_seeds=5
note "traces: missing profile file"
expect_fail 2 "model.learning.profile: profile file .*does not exist" -- validate "$TRACES" --set model.learning.profile=nope.csv
note "traces: 3 planner seeds cannot support p* = 0.5: insufficient data, exit 3"
expect_fail 3 "insufficient data: the knowledge rests on 3 independent training runs.*needs at least 5" -- run "$TRACES" --orchestrator full-only --replications 50 --out "$TMP/traces-insufficient"
note "traces: at p* = 0.3 they can; the planner predicts from its seeds and run judges on the others"
expect_ok "P\\(L <= 0.6\\)" -- run "$TRACES" --orchestrator full-only --replications 50 --set target.probability=0.3 --out "$TMP/traces-run"
note "traces: depl (the default) plans on a profile without every switch run"
expect_ok "" -- plan "$TRACES" --set target.probability=0.3

# ---------------------------------------------------------------------------------------------------------
# Safe inputs: names never leave the output folder, a scenario carries no SimGrid setting that writes files,
# sizes that would exhaust memory are refused (exit 2, FILE:LINE:COL: KEY: message, the limit in the message).
# ---------------------------------------------------------------------------------------------------------
NAME_RULE="is not a valid name"
expect_fail 2 "name_dotdot\.yaml:3:7: name: '\.\./\.\./escaped' $NAME_RULE: it starts with '\.'" --count 1 -- validate "$BAD/name_dotdot.yaml"
expect_fail 2 "name_absolute\.yaml:3:7: name: '/tmp/deplsim-abs' $NAME_RULE: it starts with '/'" --count 1 -- validate "$BAD/name_absolute.yaml"
expect_fail 2 "name_empty\.yaml:3:7: name: '' $NAME_RULE: it is empty" --count 1 -- validate "$BAD/name_empty.yaml"
expect_fail 2 "name_leading_dot\.yaml:3:7: name: '\.hidden' $NAME_RULE" --count 1 -- validate "$BAD/name_leading_dot.yaml"
note "a control character (and a NUL) in the name: escaped in the message"
expect_fail 2 "name_control\.yaml:3:7: name: 'tiny[\\]x01[\\]x00x' holds a control character [(][\\]x01[)]" --count 1 -- validate "$BAD/name_control.yaml"
expect_fail 2 "cluster_name_slash\.yaml:15:[0-9]+: clusters\.1\.name: 'sec/ond' $NAME_RULE: it holds '/'" --count 1 -- validate "$BAD/cluster_name_slash.yaml"
expect_fail 2 "source_name_dash\.yaml:17:[0-9]+: data_sources\.0\.name: '-cam1' $NAME_RULE" --count 1 -- validate "$BAD/source_name_dash.yaml"
expect_fail 2 "version_name_space\.yaml:28:[0-9]+: model\.versions\.1\.name: 'p 50' $NAME_RULE: it holds ' '" --count 1 -- validate "$BAD/version_name_space.yaml"
note "a name over 100 characters (it would name a folder past NAME_MAX with the orchestrator and seed)"
expect_fail 2 "^error: --set name: '.*' $NAME_RULE: it has 101 characters, more than 100" -- validate "$TINY" --set "name=$(printf 'a%.0s' $(seq 101))"
note "a name of exactly 100 characters is fine"
expect_ok "valid" -- validate "$TINY" --set "name=$(printf 'a%.0s' $(seq 100))"
note "--set name=../../escape with the default output folder: exit 2, nothing written anywhere"
mkdir -p "$TMP/cwd-run" && cd "$TMP/cwd-run" || exit 1
expect_fail 2 "^error: --set name: '\.\./\.\./escape' $NAME_RULE" -- run "$TINY" --orchestrator full-only --replications 3 --set name=../../escape
custom_result "$( [[ -z $(ls -A "$TMP/cwd-run") && ! -e $TMP/escape-full-only-s1 && ! -e $TMP/../escape-full-only-s1 ]]; echo $?)" "something was written"
note "--set name=/absolute with compare's default output folder: exit 2, nothing written"
expect_fail 2 "^error: --set name: '/tmp/deplsim-escape-abs' $NAME_RULE" -- compare "$TINY" --orchestrators full-only --replications 3 --set name=/tmp/deplsim-escape-abs
custom_result "$( [[ -z $(ls -A "$TMP/cwd-run") && ! -e /tmp/deplsim-escape-abs-s1 ]]; echo $?)" "something was written"
cd "$TMP" || exit 1
note "a scenario's simgrid.cfg cannot choose a trace file (tracing/filename)"
expect_fail 2 "simgrid_cfg_tracing\.yaml:52:[0-9]+: simgrid\.cfg\.1: 'tracing/filename' cannot be set by a scenario.*--cfg" --count 1 -- validate "$BAD/simgrid_cfg_tracing.yaml"
note "nor can --set simgrid.cfg=[...] (what a sweep's grid becomes): nothing traced, nothing written"
mkdir -p "$TMP/cwd-trace" && cd "$TMP/cwd-trace" || exit 1
expect_fail 2 "^error: --set simgrid\.cfg: simgrid\.cfg\.0: 'tracing' cannot be set by a scenario" -- run "$TINY" --orchestrator full-only --replications 3 --out "$TMP/cwd-trace/out" --set "simgrid.cfg=[tracing:yes, tracing/filename:$TMP/smuggled.trace]"
custom_result "$( [[ -z $(ls -A "$TMP/cwd-trace") && ! -e $TMP/smuggled.trace ]]; echo $?)" "a trace or an output was written"
cd "$TMP" || exit 1
note "model settings stay allowed in a scenario"
expect_ok "valid" -- validate "$TINY" --set "simgrid.cfg=[network/TCP-gamma:4194304]"
note "a scenario has no key for plug-ins or external commands"
expect_fail 2 "^error: --set plugin: unknown key" -- validate "$TINY" --set plugin=/tmp/evil.so
expect_fail 2 "^error: --set external_cmd: unknown key" -- validate "$TINY" --set "external_cmd=touch $TMP/pwned"
custom_result "$( [[ ! -e $TMP/pwned ]]; echo $?)" "the command ran"
note "sizes: max_epochs x levels (knowledge memory)"
expect_fail 2 "levels_times_epochs\.yaml:46:[0-9]+: model\.learning\.levels: 16 knowledge chains .* x 100000 epochs x 10000 levels = 1[.]6e[+]10 knowledge cells: at most 2e[+]07" --count 1 -- validate "$BAD/levels_times_epochs.yaml"
note "sizes: max_epochs x knowledge_trajectories (knowledge work)"
expect_fail 2 "trajectories_times_epochs\.yaml:45:[0-9]+: model\.learning\.knowledge_trajectories: .*simulated epochs to build the knowledge: at most 1e[+]09" --count 1 -- validate "$BAD/trajectories_times_epochs.yaml"
note "sizes: an mtbf below a second"
expect_fail 2 "mtbf_tiny\.yaml:14:[0-9]+: clusters\.main\.mtbf_s: must be 0 \(no failures\) or at least 1 s" --count 1 -- validate "$BAD/mtbf_tiny.yaml"
note "sizes: more than 1000 data buckets"
expect_fail 2 "^error: --set model\.learning\.data_buckets: 1001 buckets: at most 1000" -- validate "$TINY" --set "model.learning.data_buckets=[$(seq -s, 1 1001 | sed 's/[0-9][0-9]*/0.5/g')]"
note "numbers: hexadecimal, 1e400 and .inf through --set"
expect_fail 2 "^error: --set target\.max_epochs: expected an integer, got '0x10'" -- validate "$TINY" --set target.max_epochs=0x10
expect_fail 2 "^error: --set target\.loss: expected a finite number, got '1e400'" -- validate "$TINY" --set target.loss=1e400
expect_fail 2 "^error: --set data_sources\.cam1\.samples: expected an integer, got '\.inf'" -- validate "$TINY" --set data_sources.cam1.samples=.inf
note "a platform whose clusters together make more than 250,000 hosts"
expect_fail 2 "clusters_too_many_hosts\.xml:8: cluster\[id=b\]\.radical: .*more than 250000 hosts in all" -- validate "$TINY" --platform "$BAD_PLATFORMS/clusters_too_many_hosts.xml"

# ---------------------------------------------------------------------------------------------------------
# Hostile values (issue 22): every value is shown as written and refused when out of range, never clamped first;
# every accepted size is processed in time and memory proportional to it, or refused at once with its limit.
# ---------------------------------------------------------------------------------------------------------
for case in "target.max_epochs=1e9|1e9|1, 100000" "target.max_epochs=-5|-5|1, 100000" "target.max_epochs=100001|100001|1, 100000" \
            "model.batch_size=1e12|1e12|1, 100000000" "model.max_switches=-3|-3|0, 100" "training.rounds_per_epoch=1e10|1e10|1, 100000" \
            "model.learning.levels=99999999999|99999999999|2, 10000" "model.learning.certification_candidates=-2147483649|-2147483649|1, 20"; do
  IFS='|' read -r setting shown range <<<"$case"
  note "an integer out of range is shown as written: $setting"
  expect_fail 2 "^error: --set ${setting%%=*}: must be an integer in \\[$range\\], got $shown\$" --count 1 -- validate "$TINY" --set "$setting"
done
for case in "data_sources.cam1.samples=1e15|1e15" "target.probability=1.50|1.50" "model.versions.full.pruning=1.0|1.0" \
            "data_sources.cam1.sample_bytes=-0.0|-0.0"; do
  IFS='|' read -r setting shown <<<"$case"
  note "a number out of range is shown as written: $setting"
  expect_fail 2 "^error: --set ${setting%%=*}: must be .*, got $shown\$" --count 1 -- validate "$TINY" --set "$setting"
done
note "p* a hair below 1: the runs it needs are counted without overflow"
expect_fail 3 "it takes at least 3[0-9]{16} " -- plan "$TINY" --orchestrator full-only --set target.probability=0.9999999999999999
note "control characters in any string of a scenario (a description keeps its newlines)"
expect_fail 2 "^error: --set description: 'x[\\]x1b\[2J' holds a control character" -- validate "$TINY" --set "description=x$(printf '\x1b')[2J"
expect_fail 2 "^error: --set data_sources.cam1.host: 'src1[\\]x07' holds a control character" -- validate "$TINY" --set "data_sources.cam1.host=src1$(printf '\x07')"
expect_fail 2 "^error: --set controller: 'con[\\]x09troller' holds a control character" -- validate "$TINY" --set "controller=con$(printf '\t')troller"
expect_ok "valid" -- validate "$TINY" --set 'description="two\nlines\tand a tab"'
note "max_epochs at its limit: the knowledge it would need is refused at once, with the numbers"
expect_fail 2 "model\.learning\.levels: 16 knowledge chains \(4 data buckets x \(2 versions \+ 2 switch points\)\) x 100000 epochs x 100 levels" -- \
  validate "$TINY" --set target.max_epochs=100000
# many_sources N: $TMP/many.yaml, the tiny scenario with N identical data sources on one host.
many_sources() {
  /usr/bin/python3 - "$TINY" "$TMP/many.yaml" "$1" <<'PYEOF'
import sys
s = open(sys.argv[1]).read().replace("platform: ../../../platforms/tiny.xml", "platform: " + sys.argv[1].rsplit("/tests/", 1)[0] + "/platforms/tiny.xml")
a, b = s.index("data_sources:"), s.index("model:")
n = int(sys.argv[3])
open(sys.argv[2], "w").write(s[:a] + "data_sources:\n" + "".join(f"  - {{name: s{i}, host: src1, samples: 10, sample_bytes: 784}}\n" for i in range(n)) + s[b:])
PYEOF
}
note "data sources: more than 100,000 refused before any is read"
many_sources 100001
expect_fail 2 "many\.yaml:[0-9]+:[0-9]+: data_sources: 100001 entries: at most 100000" --count 1 -- validate "$TMP/many.yaml"
note "20,000 identical data sources: every planner plans (linear in the sources: shared flows, indexed names, one data set per bucket)"
many_sources 20000
for orch in depl expected-loss+margin; do
  expect_ok '"status": "ok"' -- plan "$TMP/many.yaml" --orchestrator $orch
done

echo "$passed passed, $failed failed"
[[ $failed == 0 ]]
