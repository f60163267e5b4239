#!/usr/bin/env bash
# Hostile platform files (issue 22), through every command that loads one (validate, plan, run, sweep): a <config>
# that would make SimGrid write or read files (tracing/filename, path, ...), profile files outside the platform's
# folder or that never end (/dev/zero), names with control characters, entity declarations, a tag with 100,000
# attributes, power-state speeds that increase, and training hosts without watts under the energy objective. Each
# is exit 2 naming the file and line, and nothing is written outside --out.
source "$(dirname "$0")/testlib.sh" hostile-platform
TINY_XML="$SOURCE_DIR/platforms/tiny.xml"
# A scenario on a given platform: tiny.yaml with its platform replaced (OBJECTIVE: energy unless given).
scenario() {  # scenario PLATFORM OUT.yaml [OBJECTIVE]
  sed -e "s#^platform: .*#platform: $1#" -e "s#^objective: .*#objective: ${3:-energy}#" \
      "$SOURCE_DIR/tests/data/scenarios/tiny.yaml" >"$2"
}
# tiny.xml with TEXT inserted after <platform ...> (line 9 of tiny.xml, so the inserted lines start at line 10).
hostile() {  # hostile OUT.xml TEXT
  awk -v text="$2" '{ print } /^<platform version=/ { print text }' "$TINY_XML" >"$1"
}

# 1. <config> settings that write or read files: refused with exit 2 naming the line, the victim file untouched.
printf 'precious\n' >"$TMP/victim.txt"
hostile "$TMP/tracing.xml" "  <config id=\"general\">
    <prop id=\"tracing\" value=\"yes\"/>
    <prop id=\"tracing/filename\" value=\"$TMP/victim.txt\"/>
  </config>"
scenario "$TMP/tracing.xml" "$TMP/tracing.yaml"
check "validate: <config> tracing/filename is exit 2" expect_rc 2 validate "$TMP/tracing.yaml"
check "  (names the file, line and setting)" err_has "tracing.xml:12: config[id=general].prop[tracing/filename]: setting 'tracing/filename' cannot be set by a platform file"
check "  (and tracing itself, line 11)" err_has "tracing.xml:11: config[id=general].prop[tracing]"
check "  (the victim file is untouched)" grep -qx precious "$TMP/victim.txt"
check "validate --platform: exit 2" expect_rc 2 validate "$SOURCE_DIR/tests/data/scenarios/tiny.yaml" --platform "$TMP/tracing.xml"
check "plan: exit 2" expect_rc 2 plan "$TMP/tracing.yaml" --orchestrator full-only
check "run: exit 2, nothing written" expect_rc 2 run "$TMP/tracing.yaml" --orchestrator full-only --out "$TMP/run1"
check "  (no run folder)" test ! -e "$TMP/run1/summary.json"
check "  (the victim file is untouched)" grep -qx precious "$TMP/victim.txt"
printf 'name: hostile\nscenarios: [../scenarios/tiny.yaml]\nplatforms: [%s]\norchestrators: [full-only]\nreplications: 20\nseeds: [1]\n' \
  "$TMP/tracing.xml" >"$TMP/sweep.yaml"
sed -i "s#\.\./scenarios/tiny.yaml#$SOURCE_DIR/tests/data/scenarios/tiny.yaml#" "$TMP/sweep.yaml"
check "sweep with the platform: exit 2" expect_rc 2 sweep "$TMP/sweep.yaml" --out "$TMP/sweep1"
check "  (names the setting)" err_has "tracing/filename"
check "  (the victim file is untouched)" grep -qx precious "$TMP/victim.txt"
hostile "$TMP/path.xml" '  <config><prop id="path" value="/etc"/><prop id="contexts/factory" value="thread"/></config>'
check "<config> path and contexts/factory: exit 2" expect_rc 2 validate "$SOURCE_DIR/tests/data/scenarios/tiny.yaml" --platform "$TMP/path.xml"
check "  (each named)" bash -c "grep -qF \"setting 'path' cannot\" '$TMP/rc.err' && grep -qF \"setting 'contexts/factory' cannot\" '$TMP/rc.err'"
hostile "$TMP/model.xml" '  <config><prop id="network/model" value="CM02"/></config>'
check "<config> network/model (a model setting): accepted" expect_rc 0 validate "$SOURCE_DIR/tests/data/scenarios/tiny.yaml" --platform "$TMP/model.xml"

# 2. Files SimGrid would read: only regular files in the platform's folder.
for spec in 'file="/dev/zero"|an absolute path' 'file="../../etc/passwd"|leads out' 'file="nowhere.txt"|no such file'; do
  hostile "$TMP/trace.xml" "  <zone id=\"traces\" routing=\"None\"><trace id=\"t\" periodicity=\"1\" ${spec%%|*}/></zone>"
  check "<trace ${spec%%|*}>: exit 2" expect_rc 2 validate "$SOURCE_DIR/tests/data/scenarios/tiny.yaml" --platform "$TMP/trace.xml"
  check "  (${spec##*|}, at line 10)" err_has "trace.xml:10: trace[id=t].file: file"
done
mkfifo "$TMP/fifo"
sed 's#<host id="tiny-n0" speed="2Gf,1Gf"#<host id="tiny-n0" speed="2Gf,1Gf" availability_file="fifo"#' "$TINY_XML" >"$TMP/fifo.xml"
check "availability_file naming a FIFO: exit 2" expect_rc 2 validate "$SOURCE_DIR/tests/data/scenarios/tiny.yaml" --platform "$TMP/fifo.xml"
check "  (not a regular file)" err_has "host[id=tiny-n0].availability_file: file 'fifo' refused: not a regular file"

# 3. Names with control characters (a newline would split trace.csv rows).
sed 's#<host id="tiny-n2"#<host id="tiny-n2\&\#10;evil"#' "$TINY_XML" >"$TMP/newline.xml"
scenario "$TMP/newline.xml" "$TMP/newline.yaml"
check "a host name with a newline: run is exit 2" expect_rc 2 run "$TMP/newline.yaml" --orchestrator full-only --out "$TMP/run2"
check "  (names the line and the character, on one line)" err_has "newline.xml:24: host[id=tiny-n2\\nevil].id: control character U+000A in 'tiny-n2\\nevil'"
check "  (no trace.csv)" test ! -e "$TMP/run2/trace.csv"
sed 's#<zone id="tiny" #<zone id="ti\&\#9;ny" #' "$TINY_XML" >"$TMP/tab.xml"
check "a zone name with a tab: exit 2" expect_rc 2 validate "$SOURCE_DIR/tests/data/scenarios/tiny.yaml" --platform "$TMP/tab.xml"
check "  (U+0009)" err_has "control character U+0009"

# 4. Sizes: entity declarations, and a tag with 100,000 attributes (1 MB), refused before they cost anything.
"$PY" -c "
import sys
lines = open(sys.argv[1]).read().split('\n')[2:]
head = '<?xml version=\"1.0\"?>\n<!DOCTYPE platform SYSTEM \"https://simgrid.org/simgrid.dtd\" [\n<!ENTITY e \"' + 'x' * 100000 + '\">\n]>\n'
body = '\n'.join(lines).replace('<prop id=\"wattage_off\" value=\"1\"/>', '<prop id=\"note\" value=\"' + '&e;' * 2000 + '\"/>', 1)
open(sys.argv[2], 'w').write(head + body)" "$TINY_XML" "$TMP/entity.xml"
check "an entity declaration (2,000 references to 100 kB): exit 2" expect_rc 2 validate "$SOURCE_DIR/tests/data/scenarios/tiny.yaml" --platform "$TMP/entity.xml"
check "  (names the declaration)" err_has "entity.xml:3: DOCTYPE: entity declaration <!ENTITY e ...> refused"
"$PY" -c "
import sys
attrs = ' '.join('a%d=\"1\"' % i for i in range(100000))
text = open(sys.argv[1]).read().replace('<router id=\"tiny-sw\"/>', '<router id=\"tiny-sw\" ' + attrs + '/>', 1)
open(sys.argv[2], 'w').write(text)" "$TINY_XML" "$TMP/attrs.xml"
check "100,000 attributes on one element: exit 2" expect_rc 2 validate "$SOURCE_DIR/tests/data/scenarios/tiny.yaml" --platform "$TMP/attrs.xml"
check "  (the limit, at the line)" err_has "attrs.xml:29: xml: an element with more than 64 attributes"

printf 'clusters:\n  - {prefix: e, count: 5, hosts: 50001, speed: 1Gf, wattage_per_state: "1:1:2"}\n' >"$TMP/huge.yaml"
check "platform generate: 250,005 hosts is exit 2 at once" expect_rc 2 platform generate "$TMP/huge.yaml" --out "$TMP/huge.xml"
check "  (the limit)" err_has "250005 hosts: more than 250,000"
check "  (nothing written)" test ! -e "$TMP/huge.xml"

# 5. Power states and watts (docs/platforms.md, section 4).
sed 's#<host id="tiny-n2" speed="1Gf,0.5Gf"#<host id="tiny-n2" speed="0.5Gf,1Gf"#' "$TINY_XML" >"$TMP/pstates.xml"
check "power-state speeds that increase: exit 2" expect_rc 2 validate "$SOURCE_DIR/tests/data/scenarios/tiny.yaml" --platform "$TMP/pstates.xml"
check "  (names the host)" err_has "pstates.xml:24: host[id=tiny-n2].speed: power-state speeds must strictly decrease"
grep -v 'wattage_per_state' "$TINY_XML" | sed 's#<prop id="wattage_off" value="1"/>##' >"$TMP/nowatts.xml"
scenario "$TMP/nowatts.xml" "$TMP/nowatts-energy.yaml" energy
scenario "$TMP/nowatts.xml" "$TMP/nowatts-time.yaml" time
check "no wattage_per_state under the energy objective: exit 2" expect_rc 2 validate "$TMP/nowatts-energy.yaml"
check "  (names the cluster and the host)" err_has "clusters.main.zone: host 'tiny-n0' (and 2 other hosts) of zone 'tiny' has no 'wattage_per_state' property"
check "  (and the second cluster)" err_has "clusters.second.zone: host"
check "the same platform under the time objective: accepted" expect_rc 0 validate "$TMP/nowatts-time.yaml"
finish
