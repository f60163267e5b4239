#!/usr/bin/env bash
# Stop the private Slurm cluster started by slurm_up.sh STATE_DIR: cancel its
# jobs, stop slurmd and slurmctld (and the munged that slurm_up.sh started).
# Only processes tied to STATE_DIR are signalled; no files are removed.
#
# Usage: tests/slurm/slurm_down.sh STATE_DIR
set -euo pipefail

if [[ $# -ne 1 ]]; then
    echo "usage: $0 STATE_DIR" >&2
    exit 2
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then
    SUDO="sudo"
fi

log() { echo "slurm_down: $*" >&2; }

if [[ ! -d $1 ]]; then
    log "no such directory: $1 (nothing to stop)"
    exit 0
fi
state=$(cd "$1" && pwd -P)
conf=$state/slurm.conf
msock=$state/munge/munge.socket

# PIDs of munged/slurmctld/slurmd whose command line has the argument $1 (a
# path unique to this STATE_DIR).
pids_with_arg() {
    local d pid comm
    for d in /proc/[0-9]*; do
        pid=${d#/proc/}
        comm=""
        read -r comm 2>/dev/null <"$d/comm" || continue
        case $comm in munged | slurmctld | slurmd) ;; *) continue ;; esac
        if tr '\0' '\n' 2>/dev/null <"$d/cmdline" | grep -qxF -e "$1" -e "--socket=$1"; then
            echo "$pid"
        fi
    done
}

# slurmstepd processes with a file open under this cluster's SlurmdSpoolDir.
stepd_pids() {
    local d pid comm
    for d in /proc/[0-9]*; do
        pid=${d#/proc/}
        comm=""
        read -r comm 2>/dev/null <"$d/comm" || continue
        [[ $comm == slurmstepd ]] || continue
        if $SUDO find "$d/fd" -maxdepth 1 -type l -lname "$state/slurmd/*" 2>/dev/null | grep -q .; then
            echo "$pid"
        fi
    done
}

# Signal the given PIDs with TERM, wait up to $1 seconds, then KILL.
stop_pids() {
    local wait_s=$1 what=$2
    shift 2
    [[ $# -gt 0 ]] || return 0
    log "stopping $what (pid $*)"
    $SUDO kill -TERM "$@" 2>/dev/null || true
    local deadline=$(( SECONDS + wait_s )) alive p
    while :; do
        alive=()
        for p in "$@"; do
            if [[ -d /proc/$p ]] && ! grep -q '^State:.*Z' "/proc/$p/status" 2>/dev/null; then
                alive+=("$p")
            fi
        done
        [[ ${#alive[@]} -eq 0 ]] && return 0
        if (( SECONDS >= deadline )); then
            log "$what did not exit in ${wait_s}s; sending KILL to ${alive[*]}"
            $SUDO kill -KILL "${alive[@]}" 2>/dev/null || true
            sleep 0.5
            return 0
        fi
        sleep 0.2
    done
}

if [[ -f $conf ]]; then
    # Cancel whatever is still queued or running, so no slurmstepd lingers.
    ctld=$(pids_with_arg "$conf")
    if [[ -n $ctld ]]; then
        jobs=$(SLURM_CONF=$conf timeout 10 squeue -h -o '%A' 2>/dev/null || true)
        if [[ -n $jobs ]]; then
            log "cancelling jobs: ${jobs//$'\n'/ }"
            # shellcheck disable=SC2086
            SLURM_CONF=$conf timeout 10 scancel $jobs 2>/dev/null || true
            for _ in $(seq 1 50); do
                [[ -z $(stepd_pids) ]] && break
                sleep 0.2
            done
        fi
    fi
    # slurmd first (it talks to slurmctld while shutting down), then slurmctld.
    mapfile -t p < <(for q in $(pids_with_arg "$conf"); do
        read -r c 2>/dev/null <"/proc/$q/comm" && [[ $c == slurmd ]] && echo "$q"; done)
    stop_pids 20 slurmd "${p[@]}"
    mapfile -t p < <(stepd_pids)
    stop_pids 5 slurmstepd "${p[@]}"
    mapfile -t p < <(pids_with_arg "$conf")
    stop_pids 20 slurmctld "${p[@]}"
fi

if [[ -e $state/munge/started_by_slurm_up ]]; then
    mapfile -t p < <(pids_with_arg "$msock")
    stop_pids 10 munged "${p[@]}"
    $SUDO rm -f "$state/munge/started_by_slurm_up"
fi
log "stopped cluster in $state"
