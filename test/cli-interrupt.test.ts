// A long bootstrap stops at Ctrl-C or SIGTERM: exit 130 at once, nothing printed or written. The
// bootstraps below (100,000 resamples) would run for minutes; each is signalled once it is busy.
import { execFileSync } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { computeOptimal, lawByName, parametricLoss, type ParametricLaw } from "../packages/laws/src/index.ts"
import { type CliOutcome, startCli } from "./support/cli.ts"

const chinchilla = lawByName("chinchilla") as ParametricLaw

/** Nine sizes around the optimum at each of four budgets, on the Chinchilla law with a little ripple. */
const runsCsv = (): string => {
  const rows = [1e17, 1e18, 1e19, 1e20].flatMap((budget) => {
    const centre = computeOptimal(chinchilla, budget).params
    return Array.from({ length: 9 }, (_, i) => {
      const params = centre * 4 ** ((i - 4) / 4)
      const loss = parametricLoss(chinchilla, params, budget / (6 * params)) * (1 + 0.002 * Math.sin(7 * i + budget))
      return `${params},${budget},${loss}`
    })
  })
  return `params,flops,loss\n${rows.join("\n")}\n`
}

// utime + stime, fields 14 and 15 of /proc/<pid>/stat, in clock ticks (100 a second on Linux).
const cpuSeconds = (pid: number): number => {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  return (Number(fields[11]) + Number(fields[12])) / 100
}

/**
 * Starts `args` on a results table fed through a named pipe: once the CLI has read it, its runtime
 * (and so its signal handling) is up. After `busySeconds` more of CPU (the fit to 36 rows takes
 * milliseconds, so it is then in its bootstrap) it sends `signal` and returns the outcome with the
 * seconds from the signal to the exit.
 */
const interrupt = async (args: ReadonlyArray<string>, signal: NodeJS.Signals, busySeconds = 2) => {
  const input = join(dir, `runs-${signal}.csv`)
  execFileSync("mkfifo", [input])
  const cli = startCli([...args.slice(0, 1), input, ...args.slice(1)], dir)
  let exited = false
  void cli.done.then(() => (exited = true))
  // Opening the pipe for writing waits for the CLI to open it for reading.
  await writeFile(input, runsCsv())
  const pid = cli.child.pid!
  const start = cpuSeconds(pid)
  while (!exited && cpuSeconds(pid) - start < busySeconds) await sleep(100)
  if (exited) throw new Error(`scalelab exited before it was signalled:\n${(await cli.done).stderr}`)
  const sentAt = performance.now()
  cli.child.kill(signal)
  // One that ignores the signal is killed after a while, so the test fails rather than waits for it.
  const killer = setTimeout(() => cli.child.kill("SIGKILL"), 20_000)
  const outcome: CliOutcome = await cli.done
  clearTimeout(killer)
  return { ...outcome, secondsToExit: (performance.now() - sentAt) / 1000 }
}

let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "scalelab-interrupt-"))
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe("a long bootstrap", () => {
  it("stops at Ctrl-C with exit 130, printing nothing", async () => {
    const outcome = await interrupt(["fit", "--method", "isoflop", "--bootstrap", "100000"], "SIGINT")
    expect(outcome.code).toBe(130)
    expect(outcome.secondsToExit).toBeLessThan(10)
    expect(outcome.stdout).toBe("")
    expect(outcome.stderr).toBe("")
  }, 180_000)

  it("stops at SIGTERM with exit 130, writing no report", async () => {
    const outcome = await interrupt(["report", "--out", "report", "--bootstrap", "100000"], "SIGTERM")
    expect(outcome.code).toBe(130)
    expect(outcome.secondsToExit).toBeLessThan(10)
    expect(outcome.stdout).toBe("")
    expect(existsSync(join(dir, "report"))).toBe(false)
  }, 180_000)
})
