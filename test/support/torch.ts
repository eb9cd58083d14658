// Whether the PyTorch trainer (experiments/pytorch-trainer) can run here. CI installs PyTorch and sets
// SCALELAB_REQUIRE_TORCH=1, so that a missing one fails the tests that need it instead of skipping them.
import { existsSync } from "node:fs"
import { spawnSync } from "node:child_process"

/** Debian's Python, which python3-torch installs into. */
export const torchPython = "/usr/bin/python3"

export const hasTorch = existsSync(torchPython) && spawnSync(torchPython, ["-c", "import torch"]).status === 0

if (!hasTorch && process.env["SCALELAB_REQUIRE_TORCH"] === "1") {
  throw new Error(
    `${torchPython} cannot import torch, and SCALELAB_REQUIRE_TORCH=1 requires the PyTorch trainer's tests: ` +
      "install it with apt-get install -y python3-torch libopenblas0-pthread"
  )
}
