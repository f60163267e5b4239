#!/usr/bin/env bash
# Start a private single-node Slurm cluster (munged + slurmctld + slurmd) whose
# config, state, sockets, pid files and logs all live under STATE_DIR.
#
# Usage: tests/slurm/slurm_up.sh STATE_DIR
#   eval "$(tests/slurm/slurm_up.sh "$STATE_DIR" | tail -n 1)"   # sets SLURM_CONF
#
# The last stdout line is always `export SLURM_CONF=STATE_DIR/slurm.conf`.
# Everything else the script says goes to stderr.
#
# Environment knobs (all optional):
#   SLURM_UP_MAX_ARRAY_SIZE  MaxArraySize (default 64; indices must be < it)
#   SLURM_UP_MIN_JOB_AGE     MinJobAge in seconds (default 300)
#   SLURM_UP_CTLD_PORT       SlurmctldPort (default 6817)
#   SLURM_UP_SLURMD_PORT     SlurmdPort (default 6818)
#   SLURM_UP_TIMEOUT         seconds to wait for the node to be idle (default 60)
#   SLURM_UP_NO_INSTALL=1    never call apt-get
set -euo pipefail

if [[ $# -ne 1 ]]; then
    echo "usage: $0 STATE_DIR" >&2
    exit 2
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

SUDO=""
if [[ $(id -u) -ne 0 ]]; then
    SUDO="sudo"
fi

log() { echo "slurm_up: $*" >&2; }

max_array=${SLURM_UP_MAX_ARRAY_SIZE:-64}
min_job_age=${SLURM_UP_MIN_JOB_AGE:-300}
ctld_port=${SLURM_UP_CTLD_PORT:-6817}
slurmd_port=${SLURM_UP_SLURMD_PORT:-6818}
timeout=${SLURM_UP_TIMEOUT:-60}
sched_params=${SLURM_UP_SCHED_PARAMS-batch_sched_delay=0}

# --- 1. packages ------------------------------------------------------------
need_pkgs=()
for p in slurmctld slurmd slurm-client munge; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        need_pkgs+=("$p")
    fi
done
if [[ ${#need_pkgs[@]} -gt 0 ]]; then
    if [[ ${SLURM_UP_NO_INSTALL:-0} == 1 ]]; then
        log "missing packages: ${need_pkgs[*]} (SLURM_UP_NO_INSTALL=1)"
        exit 1
    fi
    log "installing ${need_pkgs[*]}"
    # policy-rc.d / no systemd: the packages' own service starts fail or are
    # skipped, which is fine: we start our own daemons below.
    apt=(env DEBIAN_FRONTEND=noninteractive apt-get)
    [[ -z $SUDO ]] || apt=(sudo "${apt[@]}")
    "${apt[@]}" install -y --no-install-recommends "${need_pkgs[@]}" >&2 ||
        { "${apt[@]}" update >&2 &&
          "${apt[@]}" install -y --no-install-recommends "${need_pkgs[@]}" >&2; }
fi

# --- 2. state dir; stop a previous cluster from the same dir -----------------
$SUDO mkdir -p "$1"
state=$(cd "$1" && pwd -P)
if [[ -e $state/slurm.conf || -e $state/munge/munged.pid ]]; then
    log "stopping previous cluster in $state"
    "$here/slurm_down.sh" "$state" >&2 || true
fi

# munged insists that every directory above its socket is executable by all.
$SUDO chmod a+x "$state"
$SUDO mkdir -p "$state/munge" "$state/ctld" "$state/slurmd" "$state/log" "$state/run"
$SUDO chmod 0755 "$state/munge"
$SUDO chmod 0700 "$state/ctld" "$state/slurmd"
$SUDO chmod 0755 "$state/log" "$state/run"

# Refuse early if the ports are held by some other Slurm.
port_busy() {
    # /proc/net/tcp{,6}: local address column, state 0A = LISTEN
    local hex
    hex=$(printf '%04X' "$1")
    cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
        awk -v p=":$hex" '$4 == "0A" && substr($2, length($2) - 4) == p { f = 1 } END { exit !f }'
}
for p in "$ctld_port" "$slurmd_port"; do
    if port_busy "$p"; then
        log "TCP port $p is already in use (another slurmctld/slurmd?);" \
            "set SLURM_UP_CTLD_PORT / SLURM_UP_SLURMD_PORT or stop it"
        exit 1
    fi
done

# --- 3. munged (private key, socket, pid, log) -------------------------------
msock=$state/munge/munge.socket
mkey=$state/munge/munge.key
if [[ ! -s $mkey ]]; then
    # Our own key: never touches /etc/munge (older munge has only
    # create-munge-key, which writes /etc/munge/munge.key; use dd then).
    if command -v mungekey >/dev/null; then
        $SUDO mungekey --create --keyfile="$mkey" >&2
    else
        $SUDO dd if=/dev/urandom of="$mkey" bs=1 count=1024 status=none
    fi
    $SUDO chmod 0400 "$mkey"
fi
# From here on, a failed start stops whatever it already started.
on_exit() {
    local rc=$?
    if [[ $rc -ne 0 ]]; then
        log "start failed (rc=$rc); stopping what was started"
        "$here/slurm_down.sh" "$state" >&2 || true
    fi
}
trap on_exit EXIT

log "starting munged (socket $msock)"
$SUDO munged --socket="$msock" --key-file="$mkey" \
    --pid-file="$state/munge/munged.pid" --log-file="$state/munge/munged.log" \
    --seed-file="$state/munge/munged.seed" ||
    { cat "$state/munge/munged.log" >&2 2>/dev/null || true; exit 1; }
$SUDO touch "$state/munge/started_by_slurm_up"
if ! munge -S "$msock" -n </dev/null | unmunge -S "$msock" >/dev/null; then
    log "munge self-test failed"
    cat "$state/munge/munged.log" >&2 || true
    exit 1
fi

# --- 4. slurm.conf -------------------------------------------------------------
host=$(hostname -s)
# slurmd -C prints the real topology, e.g.
#   NodeName=vm CPUs=2 Boards=1 SocketsPerBoard=1 CoresPerSocket=2 ThreadsPerCore=1 RealMemory=24105
hw=$(slurmd -C 2>/dev/null | head -n 1 || true)
cpus=$(sed -n 's/.* CPUs=\([0-9]*\).*/\1/p' <<<"$hw")
[[ -n $cpus ]] || cpus=$(nproc)
topo=$(grep -o 'Boards=[0-9]* SocketsPerBoard=[0-9]* CoresPerSocket=[0-9]* ThreadsPerCore=[0-9]*' <<<"$hw" || true)
mem_mb=$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo)
real_mem=$(( mem_mb > 2048 ? mem_mb - 1024 : mem_mb * 9 / 10 ))

conf=$state/slurm.conf
$SUDO tee "$conf" >/dev/null <<EOF
# Written by tests/slurm/slurm_up.sh -- private single-node test cluster.
ClusterName=deplsim
SlurmctldHost=localhost
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$msock
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$state/log/jobcomp.log
SchedulerType=sched/backfill
SchedulerParameters=$sched_params
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MaxArraySize=$max_array
MinJobAge=$min_job_age
MailProg=/bin/true
PlugStackConfig=$state/plugstack.conf
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/slurmd
SlurmctldPidFile=$state/run/slurmctld.pid
SlurmdPidFile=$state/run/slurmd.pid
SlurmctldLogFile=$state/log/slurmctld.log
SlurmdLogFile=$state/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus $topo RealMemory=$real_mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
$SUDO chmod 0644 "$conf"
# An empty SPANK stack, so that /etc/slurm/plugstack.conf(.d) is never read.
$SUDO tee "$state/plugstack.conf" >/dev/null </dev/null
$SUDO chmod 0644 "$state/plugstack.conf"

# --- 5. daemons ------------------------------------------------------------------
dump_logs() {
    for f in "$state/log/slurmctld.log" "$state/log/slurmd.log" "$state/munge/munged.log"; do
        echo "===== $f =====" >&2
        $SUDO tail -n 60 "$f" >&2 2>/dev/null || true
    done
}

log "starting slurmctld"
# -c: start from a clean state (no jobs from an earlier run; job ids restart).
$SUDO slurmctld -c -f "$conf" || { dump_logs; exit 1; }
log "starting slurmd (node $host, $cpus CPUs, RealMemory=$real_mem)"
$SUDO slurmd -c -f "$conf" -N "$host" || { dump_logs; exit 1; }

export SLURM_CONF=$conf
deadline=$(( SECONDS + timeout ))
state_now=""
while :; do
    state_now=$(sinfo -h -N -n "$host" -o '%t' 2>/dev/null || true)
    if [[ $state_now == idle ]]; then
        break
    fi
    if (( SECONDS >= deadline )); then
        log "node not idle after ${timeout}s (state: '${state_now}')"
        sinfo -N -l >&2 || true
        dump_logs
        exit 1
    fi
    sleep 0.5
done
log "cluster up: node $host idle"
echo "export SLURM_CONF=$conf"
