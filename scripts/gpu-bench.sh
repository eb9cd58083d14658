#!/usr/bin/env bash
# The training benchmark on an NVIDIA machine's GPU backends: `webgpu` (Dawn on the GPU's Vulkan
# driver) and `cuda` (@tensorflow/tfjs-node-gpu), with `wasm` in the same run as the CPU baseline.
# For every backend that cannot start it prints exactly why, and goes on with the others.
#
#   bash scripts/gpu-bench.sh [arguments for pnpm bench:train, e.g. --sizes 256,512 --steps 5]
#
# Environment:
#   GPU_BENCH_BACKENDS  backends to measure, in order (default: "cuda webgpu wasm")
#   LIBTENSORFLOW_DIR   an unpacked libtensorflow 2.9.1 GPU build for Linux (its include/ and lib/):
#                       tfjs-node-gpu's addon is built against it when the package was installed
#                       without one (its own download host was unreachable)
# Run scripts/setup.sh first.
set -uo pipefail
cd "$(dirname "$0")/.."

BACKENDS=${GPU_BENCH_BACKENDS:-cuda webgpu wasm}
NODE_GPU=@tensorflow/tfjs-node-gpu

section() { printf '\n== %s\n' "$*"; }

section "GPU and drivers"
if command -v nvidia-smi >/dev/null; then
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
else
  echo "nvidia-smi not found: no NVIDIA driver on this machine"
fi
# WebGPU reaches the GPU through its Vulkan driver, whose manifest the Vulkan loader reads from here.
icds=$(ls /usr/share/vulkan/icd.d/ /etc/vulkan/icd.d/ 2>/dev/null | grep -i '\.json$' | sort -u | tr '\n' ' ')
echo "Vulkan drivers: ${icds:-none}"
case "$icds" in
  *nvidia*) ;;
  *) echo "no NVIDIA Vulkan driver (nvidia_icd.json): WebGPU cannot use the GPU. In a container, run it with" \
       "NVIDIA_DRIVER_CAPABILITIES=all (or include 'graphics')." ;;
esac

# tfjs-node-gpu's install script downloads libtensorflow and the addon; where it could not, try again
# here (from LIBTENSORFLOW_DIR when given), so that `cuda` gets its chance.
addon_present() {
  node -e '
    const { existsSync, readdirSync } = require("node:fs")
    const { dirname, join } = require("node:path")
    const lib = join(dirname(require.resolve(process.argv[1] + "/package.json", { paths: ["packages/train"] })), "lib")
    process.exit(existsSync(lib) && readdirSync(lib).some((d) => existsSync(join(lib, d, "tfjs_binding.node"))) ? 0 : 1)
  ' "$NODE_GPU"
}
if [[ " $BACKENDS " == *" cuda "* ]] && ! addon_present; then
  section "building $NODE_GPU's native addon"
  package_dir=$(node -p "require('node:path').dirname(require.resolve('$NODE_GPU/package.json', { paths: ['packages/train'] }))")
  if [ -n "${LIBTENSORFLOW_DIR:-}" ]; then
    if [ ! -e "$LIBTENSORFLOW_DIR/lib/libtensorflow.so.2.9.1" ]; then
      echo "LIBTENSORFLOW_DIR=$LIBTENSORFLOW_DIR has no lib/libtensorflow.so.2.9.1 (tfjs-node-gpu 4.22 needs libtensorflow 2.9.1)"
    else
      mkdir -p "$package_dir/deps" && cp -a "$LIBTENSORFLOW_DIR/." "$package_dir/deps/"
      # Without "download" the script keeps deps/ and builds the addon (from source if no prebuilt one).
      (cd "$package_dir" && npm_config_nodedir="${npm_config_nodedir:-/usr}" node scripts/install.js gpu 2>&1 | tail -n 5)
    fi
  else
    pnpm rebuild -r "$NODE_GPU" 2>&1 | grep -E "Error|error|Failed|Done" | tail -n 5
  fi
  addon_present && echo "addon built" || echo "still no addon: cuda will report why below"
fi

section "which backends start (each candidate tried, its time, and why it was not used)"
runnable=()
for backend in $BACKENDS; do
  report=$(node --import tsx packages/train/src/backend/backendCheck.ts "$backend" 2>/dev/null)
  status=$?
  echo "$report"
  if [ $status -ne 0 ]; then
    continue
  elif [ "$backend" = webgpu ] && grep -Eqi 'llvmpipe|lavapipe|swiftshader|software' <<<"${report%%$'\n'*}"; then
    echo "webgpu runs on a software adapter, not the GPU: not benchmarked (see the Vulkan drivers above)"
  else
    runnable+=("$backend")
  fi
done

for backend in "${runnable[@]}"; do
  section "pnpm bench:train --backend $backend $*"
  pnpm bench:train --backend "$backend" "$@" || echo "the benchmark failed on $backend (exit $?)"
done
[ ${#runnable[@]} -gt 0 ] || echo "no backend to benchmark"
