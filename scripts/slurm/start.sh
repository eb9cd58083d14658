#!/usr/bin/env bash
# Starts a single-node Slurm cluster on this machine (no systemd needed): MUNGE, the controller and
# the node daemon, all keeping their state, logs and pid files in one folder, $SCALELAB_SLURM_DIR
# (default: scalelab-slurm in the system temp folder). Install Slurm first with install.sh.
# Prints the line that points Slurm's commands at this cluster; use it as
#   eval "$(scripts/slurm/start.sh)"
# Safe to run again: daemons already running with the same configuration are left alone.
set -Eeuo pipefail
# Under set -e a failing command would end the script without a word: say where it stopped.
trap 'rc=$?; echo "slurm start: FAILED (exit $rc, line $LINENO: $BASH_COMMAND)" >&2; exit $rc' ERR
here=$(cd "$(dirname "$0")" && pwd)
dir="${SCALELAB_SLURM_DIR:-${TMPDIR:-/tmp}/scalelab-slurm}"
wait_seconds="${SCALELAB_SLURM_WAIT_SECONDS:-30}"
conf="$dir/slurm.conf"
munge_dir="$dir/munge"
socket="$munge_dir/munge.socket.2"

say() { echo "slurm start: $*" >&2; }
die() { say "$*"; exit 1; }

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
as_munge() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u munge -- "$@"; else sudo -u munge -- "$@"; fi
}

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || [ ! -x /usr/sbin/munged ]; then
  die "Slurm or MUNGE is not installed: run $here/install.sh first"
fi

# Whether the process in pid file $2 is alive and is program $1 (pid files outlive reboots).
running() {
  local pid
  pid=$($SUDO cat "$2" 2>/dev/null) || return 1
  [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$1" ]
}

host=$(hostname -s)
# The node's CPUs, sockets and memory as slurmd detects them; a node configured with more than it
# has is drained.
node=$(slurmd -C | head -n 1)
case "$node" in NodeName=*) ;; *) die "\`slurmd -C\` printed \"$node\", not a node line" ;; esac
node_name=${node%% *}
node_name=${node_name#NodeName=}

$SUDO install -d -m 0755 "$dir" "$dir/state" "$dir/spool"
# munged refuses a socket folder that others cannot enter ("Socket is inaccessible").
$SUDO install -d -o munge -g munge -m 0755 "$munge_dir"

new_conf=$(cat <<CONF
# Written by scripts/slurm/start.sh: a single-node cluster on $host.
ClusterName=scalelab
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
ReturnToService=2
MpiDefault=none
# Without an accounting database, \`sacct -c\` reads finished jobs from this file.
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/jobcomp.txt
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=debug Nodes=$node_name Default=YES MaxTime=INFINITE State=UP
CONF
)

if [ "$($SUDO cat "$conf" 2>/dev/null || true)" != "$new_conf" ]; then
  if running slurmctld "$dir/slurmctld.pid" || running slurmd "$dir/slurmd.pid"; then
    say "the configuration changed: restarting the daemons"
    SCALELAB_SLURM_DIR="$dir" bash "$here/stop.sh"
  fi
  echo "$new_conf" | $SUDO tee "$conf" >/dev/null
fi

if ! running munged "$munge_dir/munged.pid"; then
  say "starting munged"
  as_munge /usr/sbin/munged --socket="$socket" --pid-file="$munge_dir/munged.pid" \
    --log-file="$munge_dir/munged.log" --seed-file="$munge_dir/munged.seed" --key-file=/etc/munge/munge.key ||
    die "munged did not start; see $munge_dir/munged.log"
fi
if ! running slurmctld "$dir/slurmctld.pid"; then
  say "starting slurmctld"
  # -i: start even when the state saved by an earlier run cannot all be read.
  $SUDO slurmctld -i -f "$conf" || die "slurmctld did not start; see $dir/slurmctld.log"
fi
if ! running slurmd "$dir/slurmd.pid"; then
  say "starting slurmd"
  $SUDO slurmd -f "$conf" || die "slurmd did not start; see $dir/slurmd.log"
fi

state=""
deadline=$((SECONDS + wait_seconds))
while [ "$SECONDS" -lt "$deadline" ]; do
  # sinfo retries a controller that does not answer for a while; the wait stays bounded.
  state=$(SLURM_CONF="$conf" timeout 5 sinfo -h -N -o %T 2>/dev/null | head -n 1 || true)
  case "$state" in idle | mixed | allocated) break ;; esac
  sleep 1
done
case "$state" in
  idle | mixed | allocated) ;;
  *)
    say "the node is not up after ${wait_seconds} s (sinfo says \"${state:-nothing}\"). Last log lines:"
    $SUDO tail -n 5 "$dir/slurmctld.log" "$dir/slurmd.log" "$munge_dir/munged.log" >&2 || true
    die "fix what the logs say, run $here/stop.sh, then this script again"
    ;;
esac
say "node $host is $state"
echo "export SLURM_CONF=$(printf '%q' "$conf")"
