// The Python worker library's own tests (python/tests, pytest), run here so that `pnpm test` and CI run them.
import { execFileSync, spawnSync } from "node:child_process"
import { existsSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"

const root = join(import.meta.dirname, "..")
const python = "/usr/bin/python3"
const hasPython = existsSync(python)

describe.skipIf(!hasPython)("the Python worker library (python/tests, with Debian's python3 and python3-pytest)", () => {
  it("passes its pytest suite", () => {
    execFileSync(python, ["-c", "import pytest"], { stdio: "ignore" }) // a clear failure when pytest is missing: scripts/setup.sh installs it
    const outcome = spawnSync(python, ["-m", "pytest", "python/tests", "-q", "-p", "no:cacheprovider"], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" }
    })
    expect(outcome.status, `${outcome.stdout}\n${outcome.stderr}`).toBe(0)
  }, 120_000)
})
