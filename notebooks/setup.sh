#!/usr/bin/env bash
# Installs what the notebooks need on Debian/Ubuntu, after scripts/setup.sh: Jupyter from the
# system packages, the tslab TypeScript kernel from npm, and this folder's kernelspec
# (jupyter/kernels/scalelab-ts: tslab with tsx loaded, for the workspace's TypeScript) in the
# user's Jupyter kernels, so that `jupyter notebook notebooks/` offers it.
# Safe to run again: each step is skipped when already done.
set -Eeuo pipefail
# Under set -e a failing command would end the script without a word: say where it stopped.
trap 'rc=$?; echo "notebooks setup: FAILED (exit $rc, line $LINENO: $BASH_COMMAND)" >&2; exit $rc' ERR
cd "$(dirname "$0")"

TSLAB_VERSION=1.0.22
APT_PACKAGES=(jupyter-notebook jupyter-nbconvert python3-ipykernel)
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "notebooks: installing system packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ "$(tslab --version 2>/dev/null || true)" != "tslab $TSLAB_VERSION" ]; then
  echo "notebooks: installing tslab $TSLAB_VERSION"
  # tslab's zeromq ships prebuilt binaries; its install script (which npm skips) would only build
  # them again from source.
  $SUDO npm install -g "tslab@$TSLAB_VERSION" >/dev/null
fi

# Jupyter from the system packages runs on the system Python, not on whichever python3 comes
# first on PATH.
/usr/bin/python3 -m jupyter_client.kernelspecapp install --user --name scalelab-ts jupyter/kernels/scalelab-ts
