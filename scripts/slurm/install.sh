#!/usr/bin/env bash
# Installs Slurm (Debian's slurm-wlm) and MUNGE, its authentication service, for a single-node
# cluster on this machine: what the Slurm executor's tests run on (start it with start.sh).
# Safe to run again: each step is skipped when already done.
set -Eeuo pipefail
# Under set -e a failing command would end the script without a word: say where it stopped.
trap 'rc=$?; echo "slurm install: FAILED (exit $rc, line $LINENO: $BASH_COMMAND)" >&2; exit $rc' ERR

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

if ! command -v sbatch >/dev/null || ! command -v slurmctld >/dev/null || [ ! -x /usr/sbin/munged ]; then
  echo "slurm install: installing slurm-wlm and munge" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq slurm-wlm munge >/dev/null
fi

# Every host of a cluster shares one MUNGE key; a single node only needs one to exist. munged
# refuses a key that anyone but its owner, the munge user, can read.
key=/etc/munge/munge.key
if ! $SUDO test -s "$key"; then
  echo "slurm install: creating $key" >&2
  $SUDO install -d -o munge -g munge -m 0700 /etc/munge
  $SUDO dd if=/dev/urandom of="$key" bs=1024 count=1 status=none
fi
$SUDO chown munge:munge "$key"
$SUDO chmod 0400 "$key"
echo "slurm install: done ($(slurmd -V))" >&2
