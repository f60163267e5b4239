#!/usr/bin/env bash
# Hostile external orchestrators and hostile run states (issue 22). A hostile orchestrator (a Python script
# written here) sends JSON nested 100000 deep, out-of-range numbers, terminal escape codes, or never answers; it
# starts a grandchild that leaves its process group and session (setsid) and its parent, and ignores SIGTERM.
# deplsim must exit 2 with a clear message (never a signal death), print no raw control character, and leave no
# process of the orchestrator's tree behind; SIGINT while it waits for the orchestrator (plan, run, an adaptive
# run's epoch_end) exits 130 at once, the tree stopped. A crafted run-state.json (deep JSON, out-of-range values,
# a wrong type) read by --resume is refused or planned again, never a crash. Synchronised on files written by the
# orchestrator (no sleeps to wait for it); waits for processes to vanish are bounded by minutes.
source "$(dirname "$0")/testlib.sh" hostile_external
TINY="$SOURCE_DIR/tests/data/scenarios/tiny.yaml"
H="$TMP/hostile.py"
cat >"$H" <<'PYEOF'
import json, os, signal, sys, time
mode, state = sys.argv[1], sys.argv[2]

def write(name, text):  # atomically: the test polls for the file
    with open(os.path.join(state, name + ".tmp"), "w") as f:
        f.write(text)
    os.rename(os.path.join(state, name + ".tmp"), os.path.join(state, name))

def send(m):
    sys.stdout.write(m if isinstance(m, str) else json.dumps(m))
    sys.stdout.write("\n")
    sys.stdout.flush()

def escape():
    # A grandchild in a session of its own whose parent exits at once: only a subreaper still finds it.
    pid = os.fork()
    if pid == 0:
        os.setsid()
        if os.fork() == 0:
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            write("grandchild.pid", str(os.getpid()))
            while True:
                time.sleep(1000)
        os._exit(0)
    os.waitpid(pid, 0)
    while not os.path.exists(os.path.join(state, "grandchild.pid")):
        time.sleep(0.01)

def hang():
    write("ready", "1")
    while True:
        time.sleep(1000)

write("orchestrator.pid", str(os.getpid()))
escape()
DEEP = "[" * 100000 + "]" * 100000
SEG = {"version": "full", "cluster": "main", "nodes": 1, "pstate": 0, "epochs": 3}
def plan(**kw):
    p = {"type": "plan", "status": "ok", "plan": {"data_sources": ["cam1", "cam2"], "segments": [SEG]}}
    p.update(kw)
    return p
def predicted(**kw):
    return plan(plan={"data_sources": ["cam1", "cam2"], "segments": [SEG], "predicted": kw})
REPLIES = {
    "deep": DEEP,
    "deep-object": "{\"a\":" * 100000 + "1" + "}" * 100000,
    "deep-error": '{"type":"error","message":' + DEEP + "}",
    "deep-explanation": '{"type":"plan","status":"ok","explanation":' + DEEP + "}",
    "p-negative": predicted(p_target_met=-5),
    "energy-negative": predicted(energy_j=-1e308),
    "time-negative": predicted(time_s=-1),
    "epochs-overflow": plan(plan={"data_sources": ["cam1", "cam2"], "segments": [dict(SEG, epochs=2147483647)] * 2}),
    "escapes": plan(explanation="calm\x1b[2J\x1b]0;owned\x07\x9b31m\u202eend", reason="x\x1b[31m"),
    "error-escapes": {"type": "error", "message": "bad\x1b[2J\x9b"},
}
for line in sys.stdin:
    m = json.loads(line)
    t = m["type"]
    if t == "hello":
        if mode == "deep-hello":
            send('{"type":"hello","name":' + DEEP + "}")
        else:
            send({"type": "hello", "protocol": "deplsim-orchestrator/1", "name": "hostile", "adaptive": mode == "hang-epoch"})
    elif t == "plan_request":
        if mode == "hang-plan":
            hang()
        send(REPLIES.get(mode, plan()))
    elif t in ("replication_start", "replication_end"):
        send({"type": "ack"})
    elif t == "epoch_end":
        if mode == "hang-epoch":
            hang()
        send({"type": "continue"})
    elif t == "bye":
        sys.exit(0)
PYEOF

# state DIR: a fresh folder for one orchestrator's pid files.
fresh() { rm -rf "$1"; mkdir -p "$1"; }
cmd() { echo "$PY $H $1 $2"; }
# tree_gone DIR: the orchestrator and its escaped grandchild are gone (waits up to $HOSTILE_WAIT_S, 3 minutes
# by default, for them to vanish).
tree_gone() {
  local p pids="" i
  for p in orchestrator grandchild; do
    [ -s "$1/$p.pid" ] || { echo "no $p.pid (the orchestrator did not start?)"; return 1; }
    pids="$pids $(cat "$1/$p.pid")"
  done
  for i in $(seq $((${HOSTILE_WAIT_S:-180} * 10))); do
    local alive=""
    for p in $pids; do kill -0 "$p" 2>/dev/null && alive="$alive $p"; done
    [ -z "$alive" ] && return 0
    sleep 0.1
  done
  echo "still running:$alive"; ps -o pid,ppid,pgid,sid,stat,args -p "${alive// /,}" 2>/dev/null
  for p in $alive; do kill -KILL "$p" 2>/dev/null; done  # leave nothing behind, even on failure
  return 1
}
no_raw_controls() {  # no ESC, BEL, CSI (C1) or RLO byte in deplsim's output
  if LC_ALL=C grep -q "$(printf '[\033\007]')" "$TMP/rc.out" "$TMP/rc.err" ||
     LC_ALL=C grep -q "$(printf '\302\233\|\342\200\256')" "$TMP/rc.out" "$TMP/rc.err"; then
    echo "raw control characters in the output:"; cat -v "$TMP/rc.err"; return 1
  fi
}
not_internal() { ! grep -q "internal error" "$TMP/rc.err" || { cat "$TMP/rc.err"; return 1; }; }

# ---- deep JSON: exit 2 naming the limit, no signal death, the orchestrator's whole tree stopped
for mode in deep deep-object deep-error deep-explanation deep-hello; do
  S="$TMP/s-$mode"
  fresh "$S"
  check "plan, $mode: exit 2" expect_rc 2 plan "$TINY" --orchestrator external --external-cmd "$(cmd "$mode" "$S")"
  check "  names the limit" err_has "nested deeper than 64 levels"
  check "  the orchestrator's tree is gone" tree_gone "$S"
done
S="$TMP/s-run-deep"
fresh "$S"
check "run, deep: exit 2" expect_rc 2 run "$TINY" --orchestrator external --external-cmd "$(cmd deep "$S")" --replications 5 --out "$TMP/run-deep"
check "  names the limit" err_has "nested deeper than 64 levels"
check "  the orchestrator's tree is gone" tree_gone "$S"

# ---- out-of-range numbers: exit 2 naming the field, what was expected and the value
while IFS='|' read -r mode text; do
  S="$TMP/s-$mode"
  fresh "$S"
  check "plan, $mode: exit 2" expect_rc 2 plan "$TINY" --orchestrator external --external-cmd "$(cmd "$mode" "$S")"
  check "  says: $text" err_has "$text"
  check "  the orchestrator's tree is gone" tree_gone "$S"
done <<'EOF'
p-negative|plan.predicted.p_target_met: expected a probability, in [0, 1], got -5
energy-negative|plan.predicted.energy_j: expected an energy in joules, >= 0, got -1e+308
time-negative|plan.predicted.time_s: expected a time in seconds, >= 0, got -1
epochs-overflow|plan.segments[0].epochs: more than 100000 epochs in all
EOF

# ---- control characters: escaped wherever they are printed
S="$TMP/s-escapes"
fresh "$S"
check "plan with escape codes in its explanation: exit 0" expect_rc 0 plan "$TINY" --orchestrator external --external-cmd "$(cmd escapes "$S")"
check "  shown escaped" err_has 'calm\x1b[2J\x1b]0;owned\x07\u{009B}31m\u{202E}end'
check "  no raw control character reaches the terminal" no_raw_controls
check "  the tree is gone after bye (the daemon it left too)" tree_gone "$S"
S="$TMP/s-run-escapes"
fresh "$S"
check "run with escape codes in its explanation: exit 0" expect_rc 0 run "$TINY" --orchestrator external --external-cmd "$(cmd escapes "$S")" --replications 5 --out "$TMP/run-esc"
check "  no raw control character in its output" no_raw_controls
check "  nor in summary.json" bash -c "! LC_ALL=C grep -q \"\$(printf '[\\033\\007]')\" '$TMP/run-esc/summary.json'"
check "  the tree is gone" tree_gone "$S"
S="$TMP/s-error-escapes"
fresh "$S"
check "an error message with escape codes: exit 2" expect_rc 2 plan "$TINY" --orchestrator external --external-cmd "$(cmd error-escapes "$S")"
check "  shown escaped" err_has 'reported an error in reply to plan_request: bad\x1b[2J\u{009B}'
check "  no raw control character" no_raw_controls
check "  the orchestrator's tree is gone" tree_gone "$S"

# ---- SIGINT while waiting for the orchestrator: exit 130 at once, nothing left behind. deplsim runs with SIGINT at
# its default (a background job of a script ignores it), as it would in a terminal.
interrupted() {  # interrupted [--group] STATE ARGS...: starts deplsim, waits for STATE/ready, sends SIGINT (to its
  # process group with --group, as a terminal's Ctrl-C does: a compare and its running unit), expects exit 130
  local group="" state pid rc i
  [ "$1" = --group ] && { group=-; shift; }
  state=$1
  shift
  "$PY" -c 'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.setpgid(0, 0); os.execv(sys.argv[1], sys.argv[1:])' \
    "$DEPLSIM" "$@" >"$TMP/rc.out" 2>"$TMP/rc.err" &
  pid=$!
  for i in $(seq 3000); do [ -e "$state/ready" ] && break; kill -0 $pid 2>/dev/null || break; sleep 0.1; done
  [ -e "$state/ready" ] || { echo "the orchestrator never got ready"; cat "$TMP/rc.err"; kill -KILL $pid; return 1; }
  kill -INT -- "$group$pid"
  wait $pid
  rc=$?
  [ $rc = 130 ] || { echo "exit $rc, expected 130"; cat "$TMP/rc.err"; return 1; }
}
S="$TMP/s-int-plan"
fresh "$S"
check "SIGINT during plan: exit 130" interrupted "$S" plan "$TINY" --orchestrator external --external-cmd "$(cmd hang-plan "$S")"
check "  says so" err_has "interrupted (signal 2)"
check "  the orchestrator's tree is gone" tree_gone "$S"
S="$TMP/s-int-run"
fresh "$S"
check "SIGINT during run's planning: exit 130 (not the protocol timeout's exit 2)" interrupted "$S" run "$TINY" --orchestrator external \
  --external-cmd "$(cmd hang-plan "$S")" --replications 5 --out "$TMP/int-run"
check "  the orchestrator's tree is gone" tree_gone "$S"
S="$TMP/s-int-epoch"
fresh "$S"
check "SIGINT while an adaptive orchestrator holds an epoch_end: exit 130" interrupted "$S" run "$TINY" --orchestrator external \
  --external-cmd "$(cmd hang-epoch "$S")" --replications 5 --out "$TMP/int-epoch"
check "  the orchestrator's tree is gone" tree_gone "$S"

for how in alone --group; do
  S="$TMP/s-int-compare$how"
  fresh "$S"
  check "SIGINT to compare ($how) while its external unit plans: exit 130" interrupted ${how/alone/} "$S" compare "$TINY" \
    --orchestrators external,full-only --external-cmd "$(cmd hang-plan "$S")" --replications 5 --out "$TMP/int-compare$how"
  check "  the orchestrator's tree is gone" tree_gone "$S"
  check "  no comparison written" test ! -e "$TMP/int-compare$how"
done

# ---- crafted run-state.json for --resume: never a crash; damaged is planned again, a foreign format refused
RUN=(run "$TINY" --orchestrator full-only --replications 20)
check "a reference run" expect_rc 0 "${RUN[@]}" --out "$TMP/rs-ref"
crafted() {  # crafted NAME PYTHON: an interrupted run whose run-state.json PYTHON edits (s is the state)
  local d="$TMP/rs-$1"
  DEPLSIM_TEST_KILL_AT=run:planned "$DEPLSIM" "${RUN[@]}" --out "$d" >/dev/null 2>&1
  [ -s "$d.partial/run-state.json" ] || { echo "no run-state.json"; return 1; }
  "$PY" - "$d.partial/run-state.json" <<PYEOF2
import json, sys
f = sys.argv[1]
s = json.load(open(f))
DEEP = "[" * 100000 + "]" * 100000
$2
text = json.dumps(s)
open(f, "w").write(text.replace('"@DEEP@"', DEEP))
PYEOF2
}
while IFS='|' read -r name edit text; do
  check "run-state.json, $name: an interrupted run" crafted "$name" "$edit"
  check "  --resume plans again (exit 0)" expect_rc 0 "${RUN[@]}" --out "$TMP/rs-$name" --resume
  check "  says why: $text" err_has "$text"
  check "  the same results as an uninterrupted run" cmp "$TMP/rs-ref/summary.json" "$TMP/rs-$name/summary.json"
done <<'EOF'
deep explanation|s["plan"]["explanation"] = "@DEEP@"|nested deeper than 64 levels: planning again
deep fingerprint|s["fingerprint"]["seed"] = "@DEEP@"|nested deeper than 64 levels: planning again
deep everywhere|s = "@DEEP@"|nested deeper than 64 levels: planning again
p_target_met -5|s["plan"]["plan"]["predicted"]["p_target_met"] = -5|plan.predicted.p_target_met: expected a probability, in [0, 1], got -5
energy -1e308|s["plan"]["plan"]["predicted"]["energy_j"] = -1e308|plan.predicted.energy_j: expected an energy in joules, >= 0
nodes 1e300|s["solver"] = {"status": "x", "objective": 1, "bound": None, "gap": 0, "nodes": 1e300, "milps": 1}|solver.nodes: expected an integer
claim successes > runs|s["claim"] = {"method": "m", "confidence": 0.95, "p_target_met": 0.9, "test_level": 0.9, "test_bound": 0.9, "runs": 5, "successes": 9, "tested": 1, "selection_estimate": 0.9}|claim.successes: expected an integer in [0, 5], got 9
negative planner time|s["planner_wall_s"] = -1|planner_wall_s: expected a number in [0, inf], got -1
EOF
check "run-state.json with a format of the wrong type: exit 2, not an internal error" crafted format-type 's["format"] = 5'
check "  exit 2" expect_rc 2 "${RUN[@]}" --out "$TMP/rs-format-type" --resume
check "  names the key" err_has "run-state.json: format: not a run state this deplsim writes"
check "  not an internal error" not_internal

# ---- deplsim killed outright (SIGKILL, at the kill point after planning) while the orchestrator runs: no handler
# runs, but the guardian sees its pipe close and kills the orchestrator's process group. (The grandchild that left
# the group and the session with setsid is beyond it: stopped here by hand.)
S="$TMP/s-sigkill"
fresh "$S"
gone() {  # gone PID: vanishes within $HOSTILE_WAIT_S (3 minutes by default)
  local i
  for i in $(seq $((${HOSTILE_WAIT_S:-180} * 10))); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  echo "still running: $1"; ps -o pid,ppid,pgid,sid,stat,args -p "$1"; kill -KILL "$1"; return 1
}
killed_run() { DEPLSIM_TEST_KILL_AT=run:planned expect_rc 137 run "$TINY" --orchestrator external --external-cmd "$(cmd ok "$S")" \
  --replications 5 --out "$TMP/run-killed"; }
check "SIGKILL after planning with an external orchestrator: killed (exit 137)" killed_run
check "  the orchestrator (in its process group) is gone" gone "$(cat "$S/orchestrator.pid")"
[ -s "$S/grandchild.pid" ] && kill -KILL "$(cat "$S/grandchild.pid")" 2>/dev/null

finish
