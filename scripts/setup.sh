#!/usr/bin/env bash
# Installs everything scalelab needs on a fresh Debian/Ubuntu machine with Node 20:
# the system packages (fonts for rendered plots; on Debian 12 a Vulkan driver for the WebGPU
# backend), pnpm at the pinned version, and the workspace.
# Safe to run again: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=$(node -p 'require("./package.json").packageManager.split("@")[1]')
# python3: the example external trainer (experiments/external-trainer) that the tests run.
# chromium: the browser tests (test/browser) drive it headless through playwright-core.
APT_PACKAGES=(fonts-dejavu-core python3 chromium)
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

installed_version() {
  dpkg-query -W -f='${Status} ${Version}' "$1" 2>/dev/null | sed -n 's/^install ok installed //p'
}

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  [ -n "$(installed_version "$pkg")" ] || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing system packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The WebGPU backend (Dawn) finds no adapter with Debian 12's Mesa 22; the Mesa 25 of
# bookworm-backports gives it a software one (llvmpipe), on which the tests check WebGPU training.
# Elsewhere this is left to the machine: a GPU's own Vulkan driver, or a recent Mesa.
if grep -qs '^VERSION_CODENAME=bookworm$' /etc/os-release && grep -qs '^ID=debian$' /etc/os-release; then
  mesa=$(installed_version mesa-vulkan-drivers)
  if [ -z "$mesa" ] || dpkg --compare-versions "$mesa" lt 25; then
    if ! grep -rqs --include='*.list' --include='*.sources' bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d/; then
      echo "setup: adding the bookworm-backports apt suite"
      # The same mirror the machine's sources already use for bookworm.
      mirror=$( { awk '/^URIs:/ { uri = $2 } /^Suites:/ && / bookworm( |$)/ { print uri; exit }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true
        awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true; } | head -n 1)
      if [ -z "$mirror" ]; then
        echo "setup: no apt source for bookworm found to add bookworm-backports from; install mesa-vulkan-drivers >= 25 yourself for the WebGPU tests" >&2
        exit 1
      fi
      printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$mirror" \
        | $SUDO tee /etc/apt/sources.list.d/bookworm-backports.sources >/dev/null
    fi
    echo "setup: installing Mesa's Vulkan drivers from bookworm-backports (a software WebGPU adapter)"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers >/dev/null
  fi
fi

if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  echo "setup: installing pnpm $PNPM_VERSION"
  npm install -g "pnpm@$PNPM_VERSION" >/dev/null
fi

# better-sqlite3 compiles from source against Node's own headers (no prebuilt binary download);
# pnpm reads nodedir only from the environment.
echo "setup: installing the workspace"
npm_config_nodedir="${npm_config_nodedir:-/usr}" pnpm install --frozen-lockfile
