#!/usr/bin/env bash
# Stops the single-node Slurm cluster that start.sh started (same $SCALELAB_SLURM_DIR), by the pid
# files its daemons wrote. Jobs still running are killed with the node daemon. Safe to run again.
set -euo pipefail
dir="${SCALELAB_SLURM_DIR:-${TMPDIR:-/tmp}/scalelab-slurm}"

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

# Sends SIGTERM to program $1 named by pid file $2, then waits (bounded) for it to exit.
stop() {
  local pid
  pid=$($SUDO cat "$2" 2>/dev/null) || return 0
  if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$1" ]; then
    echo "slurm stop: stopping $1 ($pid)" >&2
    $SUDO kill -TERM "$pid"
    for _ in $(seq 50); do
      [ -d "/proc/$pid" ] || break
      sleep 0.2
    done
    if [ -d "/proc/$pid" ]; then
      echo "slurm stop: $1 ignored SIGTERM for 10 s; killing it" >&2
      $SUDO kill -KILL "$pid"
    fi
  fi
  $SUDO rm -f "$2"
}

stop slurmd "$dir/slurmd.pid"
stop slurmctld "$dir/slurmctld.pid"
stop munged "$dir/munge/munged.pid"
