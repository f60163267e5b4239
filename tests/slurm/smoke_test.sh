#!/usr/bin/env bash
# Self-check of slurm_up.sh / slurm_down.sh against a real Slurm: starts the
# cluster, checks the behaviours the slurm sweep backend relies on (see
# README.md), stops it and checks that no daemon is left.
#
# Usage: tests/slurm/smoke_test.sh [STATE_DIR]   (default: a fresh mktemp -d)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
own_state=0
if [[ $# -ge 1 ]]; then
    state=$1
else
    state=$(mktemp -d /tmp/deplsim-slurm.XXXXXX)
    own_state=1
fi
work=$(mktemp -d /tmp/deplsim-slurm-work.XXXXXX)
chmod a+rx "$work"
fail=0
check() { # check DESCRIPTION COMMAND...
    local what=$1
    shift
    if "$@"; then echo "ok   - $what"; else echo "FAIL - $what"; fail=1; fi
}
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
wait_gone() { # wait until squeue no longer lists job $1
    while [[ -n $(squeue -h -j "$1" 2>/dev/null) ]]; do sleep 0.1; done
}
# shellcheck disable=SC2317  # called from the EXIT trap
cleanup() {
    "$here/slurm_down.sh" "$state" >/dev/null 2>&1 || true
    rm -rf "$work"
    if [[ $own_state == 1 ]]; then rm -rf "$state"; fi
}
trap cleanup EXIT

t=$(now)
eval "$("$here/slurm_up.sh" "$state" | tail -n 1)"
echo "up: $(elapsed "$t") s (SLURM_CONF=$SLURM_CONF)"

check "MaxArraySize visible in scontrol show config" \
    grep -q 'MaxArraySize *= *64' <(scontrol show config)

# 10-task array, 2 at a time, each writes its index.
t=$(now)
# shellcheck disable=SC2016  # expanded by the job's shell
jid=$(sbatch --parsable --array=0-9%2 -o /dev/null -D "$work" \
    --wrap='echo $SLURM_ARRAY_TASK_ID > x.$SLURM_ARRAY_TASK_ID')
check "sbatch --parsable prints a bare job id ($jid)" grep -qxE '[0-9]+' <<<"$jid"
wait_gone "$jid"
echo "array 0-9%2 of echo: $(elapsed "$t") s"
check "all 10 tasks ran" test "$(cat "$work"/x.* | sort -n | tr '\n' ' ')" = "0 1 2 3 4 5 6 7 8 9 "

t=$(now)
jid=$(sbatch --parsable --array=0-9 -o /dev/null -D "$work" --wrap='sleep 1')
wait_gone "$jid"
echo "array 0-9 of sleep 1: $(elapsed "$t") s"

# Arrays beyond MaxArraySize (indices must be < 64) are refused.
err=$(sbatch --parsable --array=0-64 -o /dev/null --wrap=true 2>&1) && rc=0 || rc=$?
echo "sbatch --array=0-64 -> rc=$rc: $err"
check "array index 64 refused" test "$rc" -ne 0
check "refusal text" grep -q 'Invalid job array specification' <<<"$err"
err=$(sbatch --parsable --array=100-101 -o /dev/null --wrap=true 2>&1) && rc=0 || rc=$?
check "small array with large indices refused too" test "$rc" -ne 0

# Failures, seen without accounting.
cat >"$work/task.sh" <<'EOF'
#!/bin/bash
case $SLURM_ARRAY_TASK_ID in
  1) exit 1 ;;
  2) kill -9 $$ ;;
esac
EOF
jid=$(sbatch --parsable --array=0-2 -o /dev/null -D "$work" "$work/task.sh")
wait_gone "$jid"
check "squeue -h -j empty after completion" test -z "$(squeue -h -j "$jid")"
recs=$(scontrol -o show job "$jid" |
    sed -E 's/.*ArrayTaskId=([^ ]*).*JobState=([^ ]*).*ExitCode=([^ ]*).*/\1 \2 \3/' | sort -n)
echo "scontrol show job $jid ->"
while read -r l; do echo "    $l"; done <<<"$recs"
check "task 0 COMPLETED 0:0" grep -qx '0 COMPLETED 0:0' <<<"$recs"
check "task 1 FAILED 1:0" grep -qx '1 FAILED 1:0' <<<"$recs"
check "task 2 FAILED 0:9" grep -qx '2 FAILED 0:9' <<<"$recs"
check "jobcomp log has 3 records" \
    test "$(grep -c "ArrayJobId=$jid " "$state/log/jobcomp.log")" -eq 3

t=$(now)
"$here/slurm_down.sh" "$state" 2>/dev/null
echo "down: $(elapsed "$t") s"
left=$(ps -eo stat=,comm=,args= | awk -v s="$state" '
    $1 !~ /^Z/ && $2 ~ /^(munged|slurmctld|slurmd)$/ && index($0, s)')
check "no daemons left" test -z "$left"
[[ -z $left ]] || echo "$left"

exit $fail
