#!/usr/bin/env bash
# Installs everything scalelab needs on a fresh Debian/Ubuntu machine with Node 20:
# the system packages (fonts for rendered plots; on Debian 12 a Vulkan driver for the WebGPU
# backend), pnpm at the pinned version, and the workspace.
# Safe to run again: each step is skipped when already done.
#
# Every failure names the step it happened in (the ERR trap below): under `set -e` a failing
# command inside `$(...)` would otherwise end the script with no word at all.
#
# For the tests (test/setup-script.test.ts): SCALELAB_SETUP_STEPS=system skips pnpm and the
# workspace; the commands it runs (dpkg-query, apt-get, npm, pnpm) are looked up on PATH, so a
# test can put shims in front of them.
set -Eeuo pipefail
cd "$(dirname "$0")/.."

step="starting"
trap 'rc=$?; echo "setup: FAILED at step \"$step\" (exit $rc, line $LINENO: $BASH_COMMAND)" >&2; exit $rc' ERR

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

# The installed version of a Debian package, or nothing when it is not installed. dpkg-query exits
# 1 for a package it does not know; that is an answer here, not a failure.
installed_version() {
  local status
  status=$(dpkg-query -W -f='${Status} ${Version}' "$1" 2>/dev/null) || return 0
  case "$status" in
    "install ok installed "*) printf '%s\n' "${status#install ok installed }" ;;
  esac
}

apt_update_done=""
apt_install() {
  if [ -z "$apt_update_done" ]; then
    $SUDO apt-get update -qq
    apt_update_done=1
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

step="checking system packages"
# python3: the example external trainer (experiments/external-trainer) that the tests run.
# python3-pytest: the Python worker library's tests (python/tests), which test/python-worker.test.ts runs.
# chromium: the browser tests (test/browser) drive it headless through playwright-core.
APT_PACKAGES=(fonts-dejavu-core python3 python3-pytest chromium)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  [ -n "$(installed_version "$pkg")" ] || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  step="installing system packages: ${missing[*]}"
  echo "setup: $step"
  apt_install "${missing[@]}"
fi

# The WebGPU backend (Dawn) finds no adapter with Debian 12's Mesa 22; the Mesa 25 of
# bookworm-backports gives it a software one (llvmpipe), on which the tests check WebGPU training.
# Elsewhere this is left to the machine: a GPU's own Vulkan driver, or a recent Mesa.
step="checking Mesa's Vulkan driver"
os_release=${SCALELAB_OS_RELEASE:-/etc/os-release}
if grep -qs '^VERSION_CODENAME=bookworm$' "$os_release" && grep -qs '^ID=debian$' "$os_release"; then
  mesa=$(installed_version mesa-vulkan-drivers)
  if [ -z "$mesa" ] || dpkg --compare-versions "$mesa" lt 25; then
    apt_sources=${SCALELAB_APT_SOURCES:-/etc/apt}
    if ! grep -rqs --include='*.list' --include='*.sources' bookworm-backports "$apt_sources/sources.list" "$apt_sources/sources.list.d/"; then
      step="adding the bookworm-backports apt suite"
      echo "setup: $step"
      # The same mirror the machine's sources already use for bookworm.
      mirror=$( { awk '/^URIs:/ { uri = $2 } /^Suites:/ && / bookworm( |$)/ { print uri; exit }' "$apt_sources"/sources.list.d/*.sources 2>/dev/null || true
        awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' "$apt_sources/sources.list" 2>/dev/null || true; } | head -n 1)
      if [ -z "$mirror" ]; then
        echo "setup: FAILED at step \"$step\": no apt source for bookworm found in $apt_sources to add bookworm-backports from; install mesa-vulkan-drivers >= 25 yourself for the WebGPU tests" >&2
        exit 1
      fi
      printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$mirror" \
        | $SUDO tee "$apt_sources/sources.list.d/bookworm-backports.sources" >/dev/null
      apt_update_done=""
    fi
    step="installing Mesa's Vulkan drivers from bookworm-backports"
    echo "setup: $step (a software WebGPU adapter)"
    apt_install -t bookworm-backports mesa-vulkan-drivers
  fi
fi

if [ "${SCALELAB_SETUP_STEPS:-all}" = system ]; then
  echo "setup: system packages done"
  exit 0
fi

step="checking pnpm"
PNPM_VERSION=$(node -p 'require("./package.json").packageManager.split("@")[1]')
if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  step="installing pnpm $PNPM_VERSION"
  echo "setup: $step"
  npm install -g "pnpm@$PNPM_VERSION" >/dev/null
fi

# better-sqlite3 compiles from source against Node's own headers (no prebuilt binary download);
# pnpm reads nodedir only from the environment.
step="installing the workspace (pnpm install)"
echo "setup: $step"
npm_config_nodedir="${npm_config_nodedir:-/usr}" pnpm install --frozen-lockfile
echo "setup: done"
