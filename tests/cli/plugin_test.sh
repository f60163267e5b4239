#!/usr/bin/env bash
# End-to-end tests of shared-library plug-ins (deplsim/plugin.hpp, `--plugin LIB.so`): the SDK installs as a CMake
# package, the example plug-in (orchestrators/examples/greedy_plugin) builds out of tree against it and plans,
# runs and compares; every bad plug-in exits 2 with its message. Run by ctest with DEPLSIM, SOURCE_DIR and
# BUILD_DIR (the build tree to install from) set.
source "$(dirname "$0")/testlib.sh" plugin
BUILD_DIR=${BUILD_DIR:?set BUILD_DIR to the build tree}
CXX=${CXX:-c++}
TINY="$SOURCE_DIR/tests/data/scenarios/tiny.yaml"
PREFIX="$TMP/prefix"
GREEDY="$TMP/b/libgreedy.so"


expect() {  # expect RC REGEX deplsim-args...: the exit code, and REGEX (extended, "" for none) in stdout+stderr
  local want=$1 pattern=$2
  shift 2
  timeout 120 "$DEPLSIM" "$@" >"$TMP/out" 2>&1
  local rc=$?
  [ "$rc" = "$want" ] || { echo "exit $rc, expected $want: deplsim $*"; cat "$TMP/out"; return 1; }
  [ -z "$pattern" ] || grep -Eq -- "$pattern" "$TMP/out" || { echo "no /$pattern/ in the output:"; cat "$TMP/out"; return 1; }
}

no_crash_words() {  # a bad plug-in is an input error, never a crash or an internal error
  ! grep -Eiq 'internal error|terminate called|segmentation|core dumped|abort' "$TMP/out" || { cat "$TMP/out"; return 1; }
}

build_plugin() {  # build_plugin NAME SOURCE: a one-file plug-in against the installed SDK
  "$CXX" -std=c++20 -shared -fPIC -I"$PREFIX/include" -o "$TMP/$1" -x c++ - <<<"$2"
}

# --- The SDK installs, and the example builds out of tree against it ------------------------------------------
check "cmake --install puts the SDK in a prefix" cmake --install "$BUILD_DIR" --prefix "$PREFIX"
check "the installed SDK: headers, package config, version file, the executable" bash -c "
  test -f '$PREFIX/include/deplsim/plugin.hpp' && test -f '$PREFIX/include/deplsim/orchestrator.hpp' &&
  test -f '$PREFIX/lib/cmake/deplsim/deplsimConfig.cmake' && test -f '$PREFIX/lib/cmake/deplsim/deplsimConfigVersion.cmake' &&
  test -f '$PREFIX/lib/cmake/deplsim/deplsimTargets.cmake' && test -x '$PREFIX/bin/deplsim'"
check "the example configures with find_package(deplsim)" \
  cmake -S "$SOURCE_DIR/orchestrators/examples/greedy_plugin" -B "$TMP/b" -DCMAKE_PREFIX_PATH="$PREFIX" -DCMAKE_CXX_COMPILER="$CXX"
check "the example builds" cmake --build "$TMP/b"
check "the example is a shared library" test -f "$GREEDY"
check "it exports the one entry point and nothing else of its own" bash -c "
  nm -D --defined-only '$GREEDY' | awk '{print \$3}' | grep -v '^_' | grep -vx '' > '$TMP/syms'; cat '$TMP/syms';
  [ \"\$(cat '$TMP/syms')\" = deplsim_plugin_entry ]"
mkdir -p "$TMP/pkg"
cat >"$TMP/pkg/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.25)
project(wants_other_sdk LANGUAGES CXX)
find_package(deplsim 0.99 REQUIRED)
EOF
refuses_other_minor() {  # configuring must fail, and for the version
  ! cmake -S "$TMP/pkg" -B "$TMP/pkg/b" -DCMAKE_PREFIX_PATH="$PREFIX" >"$TMP/pkg.out" 2>&1 || { cat "$TMP/pkg.out"; return 1; }
  tr -s ' \n' ' ' <"$TMP/pkg.out" | grep -q 'compatible with requested version "0.99"' || { cat "$TMP/pkg.out"; return 1; }
}
check "find_package(deplsim 0.99) is refused (0.x: the same minor only)" refuses_other_minor

# --- The SDK offers planning, never the ground truth --------------------------------------------------------------
# A plug-in built against the installed SDK alone: what every orchestrator may use compiles; the ground truth, the
# learning-curve parameters and the evaluation stream cannot be named (the compile must fail, for that name).
compiles_against_sdk() {  # compiles_against_sdk SOURCE: 0 when it compiles with the installed headers only
  "$CXX" -std=c++20 -fsyntax-only -I"$PREFIX/include" -x c++ - <<<"$1" >"$TMP/sdk.out" 2>&1
}
refused_by_sdk() {  # refused_by_sdk WHAT SOURCE: the compile fails, and names WHAT
  ! compiles_against_sdk "$2" || { echo "compiled: $2"; return 1; }
  grep -q -- "$1" "$TMP/sdk.out" || { cat "$TMP/sdk.out"; return 1; }
}
check "an SDK-only plug-in may use the problem, the knowledge and the cost model" compiles_against_sdk '
#include <deplsim/orchestrator.hpp>
double f(const deplsim::Problem& pb) {
  const deplsim::KnowledgeChain& c = pb.knowledge.single(0, pb.knowledge.bucket_of(pb.samples(pb.all_sources())));
  return c.level_mean.size() + pb.knowledge.predict(1, deplsim::Schedule{{{0, 1}}}).p_target_met +
         pb.cost.resource_choices().size() + static_cast<int>(pb.knowledge.kind());
}'
check "it cannot name the ground truth (GroundTruth)" refused_by_sdk GroundTruth '
#include <deplsim/orchestrator.hpp>
const deplsim::GroundTruth* truth = nullptr;'
check "  nor the parametric learning curves (ParametricLearning)" refused_by_sdk ParametricLearning '
#include <deplsim/orchestrator.hpp>
const deplsim::ParametricLearning* curves = nullptr;'
check "  nor the evaluation stream (Purpose::evaluation)" refused_by_sdk Purpose '
#include <deplsim/orchestrator.hpp>
auto stream = deplsim::Purpose::evaluation;'
check "  nor the learning-curve parameters of a version (ModelVersion::learning)" refused_by_sdk learning '
#include <deplsim/orchestrator.hpp>
double floor_of(const deplsim::Problem& pb) { return pb.scenario.model.versions[0].learning.floor; }'
check "  nor the measured profile behind the knowledge (model.learning)" refused_by_sdk learning '
#include <deplsim/orchestrator.hpp>
std::string profile_of(const deplsim::Problem& pb) { return pb.scenario.model.learning.profile; }'
check "  and the installed headers hold no simulator header" bash -c "
  ! grep -rlE 'GroundTruth|ParametricLearning|Purpose::evaluation|learning\.hpp|rng\.hpp' '$PREFIX/include/deplsim'"

# --- The example plug-in in use -------------------------------------------------------------------------------
check "without --plugin, greedy is unknown (exit 2, the known names listed)" \
  expect 2 "unknown orchestrator 'greedy' \(known: full-only" plan "$TINY" --orchestrator greedy
check "list --plugin names greedy and marks it as a plug-in" \
  expect 0 "^greedy +.*\(plug-in libgreedy\.so\)" list --plugin "$GREEDY"
check "list --plugin still lists the built-ins" expect 0 "^full-only " list --plugin "$GREEDY"
check "the installed deplsim loads it too" bash -c "'$PREFIX/bin/deplsim' list --plugin '$GREEDY' | grep -q '^greedy '"
check "a path without a folder is taken as given (relative to the working directory)" \
  bash -c "cd '$TMP/b' && '$DEPLSIM' list --plugin libgreedy.so | grep -q '^greedy '"
check "plan --plugin --orchestrator greedy exits 0" \
  bash -c "timeout 120 '$DEPLSIM' plan '$TINY' --plugin '$GREEDY' --orchestrator greedy >'$TMP/plan.json' 2>'$TMP/plan.err'"
check "the plan is JSON: greedy, ok, a real plan with a prediction" "$PY" - "$TMP/plan.json" <<'PYEOF'
import json, sys
p = json.load(open(sys.argv[1]))
assert p["orchestrator"] == "greedy" and p["status"] == "ok", p
assert p["data_sources"] == ["cam1", "cam2"], p
assert len(p["segments"]) == 1, p
s = p["segments"][0]
assert s["version"] in ("full", "p50") and s["cluster"] in ("main", "second") and s["epochs"] >= 1 and s["nodes"] >= 1, s
pr = p["predicted"]
assert pr["p_target_met"] >= 0.8 and pr["energy_j"] > 0 and pr["time_s"] > 0, pr
PYEOF
check "the plan's explanation comes from the plug-in" grep -q "greedy (example plug-in)" "$TMP/plan.err"
check "greedy is no dearer than full-only (it considers the full version too)" bash -c "
  timeout 120 '$DEPLSIM' plan '$TINY' --orchestrator full-only >'$TMP/full.json' 2>/dev/null &&
  '$PY' -c 'import json,sys; g=json.load(open(sys.argv[1])); f=json.load(open(sys.argv[2]));
assert g[\"predicted\"][\"energy_j\"] <= f[\"predicted\"][\"energy_j\"] * (1 + 1e-12), (g, f)' '$TMP/plan.json' '$TMP/full.json'"
check "run --plugin --orchestrator greedy --replications 20 exits 0" \
  expect 0 "tiny with greedy" run "$TINY" --plugin "$GREEDY" --orchestrator greedy --replications 20 --out "$TMP/run"
check "the run's summary names greedy and its plan" "$PY" - "$TMP/run/summary.json" "$TMP/plan.json" <<'PYEOF'
import json, sys
s = json.load(open(sys.argv[1]))
p = json.load(open(sys.argv[2]))
assert s["orchestrator"] == "greedy" and s["status"] == "ok" and s["replications"] == 20, s
assert s["plan"]["segments"] == p["segments"], (s["plan"], p)
PYEOF
check "compare --plugin runs greedy beside a built-in" \
  expect 0 "" compare "$TINY" --plugin "$GREEDY" --orchestrators full-only,greedy --replications 20 --out "$TMP/cmp"
check "the comparison has greedy's run" test -f "$TMP/cmp/greedy/summary.json"

# --- Bad plug-ins: exit 2, a message naming the file and the cause, never a crash ------------------------------
check "a missing file" expect 2 "$TMP/none\.so: plug-in not found" list --plugin "$TMP/none.so"
check "  ... is not a crash" no_crash_words
check "a directory" expect 2 "$TMP/b: is a directory" list --plugin "$TMP/b"
printf 'this is not a shared library\n' >"$TMP/bad.so"
check "a text file named bad.so" expect 2 "bad\.so: cannot load the plug-in as a shared library: .*bad\.so: (invalid ELF header|file too short)" \
  list --plugin "$TMP/bad.so"
check "  ... is not a crash" no_crash_words
: >"$TMP/empty.so"
check "an empty file named empty.so" expect 2 "empty\.so: cannot load the plug-in as a shared library" list --plugin "$TMP/empty.so"
check "a bad plug-in fails plan too, before any planning" \
  expect 2 "bad\.so: cannot load" plan "$TINY" --plugin "$TMP/bad.so" --orchestrator full-only
check "a bad plug-in fails run too, writing nothing" \
  expect 2 "bad\.so: cannot load" run "$TINY" --plugin "$TMP/bad.so" --replications 5 --out "$TMP/badrun"
check "  ... and the run wrote nothing" test ! -e "$TMP/badrun"

check "build: a library without the entry point" \
  build_plugin noentry.so 'extern "C" int some_function() { return 42; }'
check "a library without the entry point" \
  expect 2 "noentry\.so: not a deplsim plug-in: it exports no 'deplsim_plugin_entry' entry point" list --plugin "$TMP/noentry.so"

check "build: a library with an undefined symbol" \
  build_plugin undefined.so 'int not_anywhere(); extern "C" int f() { return not_anywhere(); }'
check "a library whose symbols do not resolve" \
  expect 2 "undefined\.so: cannot load the plug-in as a shared library: .*undefined symbol" list --plugin "$TMP/undefined.so"

# A plug-in built against another SDK: its registration must never be called (here it would crash: nullptr).
read -r MAJ MIN < <(sed -nE 's/.*kSdkVersionMajor = ([0-9]+);.*/\1/p; s/.*kSdkVersionMinor = ([0-9]+);.*/\1/p' \
  "$PREFIX/include/deplsim/orchestrator.hpp" | tr '\n' ' ')
check "the SDK version is read from the installed header" test -n "$MAJ" -a -n "$MIN"
check "build: a plug-in built against SDK $MAJ.$((MIN + 1))" build_plugin future.so '
#include <deplsim/plugin.hpp>
extern "C" const DeplsimPluginInfo* deplsim_plugin_entry() {
  static const DeplsimPluginInfo info{deplsim::kPluginInfoLayout, deplsim::kSdkVersionMajor,
                                      deplsim::kSdkVersionMinor + 1, "future", nullptr};
  return &info;
}'
check "an SDK version mismatch names both versions" \
  expect 2 "future\.so: plug-in built against SDK $MAJ\.$((MIN + 1)), but this deplsim's SDK is $MAJ\.$MIN" list --plugin "$TMP/future.so"
check "  ... is not a crash (the registration was never called)" no_crash_words
check "build: a plug-in built against SDK $((MAJ + 1)).0" build_plugin major.so '
#include <deplsim/plugin.hpp>
extern "C" const DeplsimPluginInfo* deplsim_plugin_entry() {
  static const DeplsimPluginInfo info{deplsim::kPluginInfoLayout, deplsim::kSdkVersionMajor + 1, 0, "major", nullptr};
  return &info;
}'
check "a major version mismatch" \
  expect 2 "major\.so: plug-in built against SDK $((MAJ + 1))\.0, but this deplsim's SDK is $MAJ\.$MIN" list --plugin "$TMP/major.so"

check "build: a plug-in whose registration throws" build_plugin throws.so '
#include <deplsim/plugin.hpp>
#include <stdexcept>
void reg(deplsim::PluginHost&) { throw std::runtime_error("no licence for this host"); }
DEPLSIM_PLUGIN("throws", reg)'
check "a registration that throws" \
  expect 2 "throws\.so: plug-in 'throws' failed to register its orchestrators: no licence for this host" list --plugin "$TMP/throws.so"
check "  ... is not a crash" no_crash_words

check "build: a plug-in registering a built-in's name" build_plugin clash.so '
#include <deplsim/plugin.hpp>
struct Fake final : deplsim::Orchestrator {
  std::string name() const override { return "full-only"; }
  deplsim::Plan plan(const deplsim::Problem&) override { return {}; }
};
void reg(deplsim::PluginHost& host) { host.add("full-only", "an impostor", [] { return std::make_unique<Fake>(); }); }
DEPLSIM_PLUGIN("clash", reg)'
check "a name clashing with a built-in" \
  expect 2 "clash\.so: orchestrator 'full-only' clashes with the built-in orchestrator of that name" list --plugin "$TMP/clash.so"
check "  ... and the built-in is not replaced when planning either" \
  expect 2 "clashes with the built-in" plan "$TINY" --plugin "$TMP/clash.so" --orchestrator full-only

cp "$GREEDY" "$TMP/libgreedy2.so"
check "two plug-ins registering the same name" \
  expect 2 "libgreedy2\.so: orchestrator 'greedy' clashes with one registered by an earlier --plugin" \
  list --plugin "$GREEDY" --plugin "$TMP/libgreedy2.so"
check "the same plug-in given twice" \
  expect 2 "orchestrator 'greedy' clashes with one registered by an earlier --plugin" list --plugin "$GREEDY" --plugin "$GREEDY"

check "build: a plug-in with a name that is not valid" build_plugin badname.so '
#include <deplsim/plugin.hpp>
struct Fake final : deplsim::Orchestrator {
  std::string name() const override { return "a,b"; }
  deplsim::Plan plan(const deplsim::Problem&) override { return {}; }
};
void reg(deplsim::PluginHost& host) { host.add("a,b", "bad name", [] { return std::make_unique<Fake>(); }); }
DEPLSIM_PLUGIN("badname", reg)'
check "a name that is not valid" \
  expect 2 "badname\.so: orchestrator name 'a,b' is not valid" list --plugin "$TMP/badname.so"

check "build: a plug-in registering a name that would leave compare's folder" build_plugin escape.so '
#include <deplsim/plugin.hpp>
struct Fake final : deplsim::Orchestrator {
  std::string name() const override { return "../escape"; }
  deplsim::Plan plan(const deplsim::Problem&) override { return {}; }
};
void reg(deplsim::PluginHost& host) {
  host.add("../escape", "path", [] { return std::make_unique<Fake>(); });
  host.add(std::string(101, 0x61), "long", [] { return std::make_unique<Fake>(); });
}
DEPLSIM_PLUGIN("escape", reg)'
check "a registered name with ../ or over 100 characters: exit 2, both named, nothing registered" \
  expect 2 "escape\.so: orchestrator name '\.\./escape' is not valid: it starts with '\.'" list --plugin "$TMP/escape.so"
check "  (the long one too)" grep -q "escape\.so: orchestrator name 'a*\.\.\.' is not valid: it has 101 characters, more than 100" "$TMP/out"
check "  (compare wrote nothing)" bash -c "! '$DEPLSIM' compare '$TINY' --plugin '$TMP/escape.so' --orchestrators full-only --out '$TMP/cmp-escape' 2>/dev/null && test ! -e '$TMP/cmp-escape' -a ! -e '$TMP/escape'"
check "a sweep cannot bring a plug-in: its orchestrator is unknown without --plugin" bash -c "
  printf 'scenarios: [$TINY]\norchestrators: [greedy]\n' >'$TMP/sw-greedy.yaml' &&
  timeout 60 '$DEPLSIM' sweep '$TMP/sw-greedy.yaml' --out '$TMP/sw-greedy' >'$TMP/out' 2>&1; test \$? = 2 &&
  grep -q \"sw-greedy.yaml: orchestrators: unknown orchestrator 'greedy'\" '$TMP/out' && test ! -e '$TMP/sw-greedy'"

check "build: a plug-in registering nothing" build_plugin nothing.so '
#include <deplsim/plugin.hpp>
void reg(deplsim::PluginHost&) {}
DEPLSIM_PLUGIN("nothing", reg)'
check "a plug-in that registers nothing" expect 2 "nothing\.so: plug-in 'nothing' registered no orchestrator" list --plugin "$TMP/nothing.so"

finish
