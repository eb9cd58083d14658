import { spawn } from "node:child_process"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { cliEntry } from "./support/cli.ts"

const repoRoot = fileURLToPath(new URL("..", import.meta.url))

describe("a reader that closes scalelab's stdout early (`scalelab plan SPEC | head`)", () => {
  it("ends the command normally, without an EPIPE stack trace", async () => {
    const child = spawn(process.execPath, [cliEntry, "plan", path.join(repoRoot, "experiments/quickstart.yaml")], {
      cwd: repoRoot,
      env: { ...process.env, npm_lifecycle_event: "", NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"]
    })
    // The reader goes away before the first line: every write the command makes meets a closed pipe.
    child.stdout.destroy()
    let stderr = ""
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve))
    expect(stderr).not.toMatch(/EPIPE|Unhandled 'error' event/)
    expect(code).toBe(0)
  }, 60_000)
})
