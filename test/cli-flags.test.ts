// Numeric flags out of range, a single-value flag given twice and a busy dashboard port: each is
// the user's to fix, so exit 2 with a message naming the flag and what it takes; --help gives the
// ranges and the defaults.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises"
import { createServer, type Server } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { databasePath } from "../packages/runner/src/index.ts"
import { CliBatch } from "./support/cli.ts"

let dir: string
let busy: Server
let busyPort: number
let batch: CliBatch

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "scalelab-flags-"))
  await writeFile(join(dir, "runs.csv"), "params,flops,loss\n1e8,1e18,3\n2e8,1e18,2.9\n")
  // A store the dashboard would serve: an empty database file is enough to reach the listen.
  await mkdir(join(dir, "store"))
  await writeFile(databasePath(join(dir, "store")), "")
  busy = createServer()
  await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve))
  busyPort = (busy.address() as { port: number }).port
  batch = await CliBatch.run({
    negativeBootstrap: ["fit", "runs.csv", "--bootstrap", "-1"],
    hugeBootstrap: ["fit", "runs.csv", "--method", "isoflop", "--bootstrap", "1000000000"],
    negativeSeed: ["fit", "runs.csv", "--seed", "-5"],
    reportBootstrap: ["report", "runs.csv", "--bootstrap", "100001"],
    zeroConcurrency: ["run", "missing.yaml", "--concurrency", "0"],
    negativeCompute: ["forecast", "--law", "chinchilla", "--compute", "-1e21"],
    port: ["ui", "--store", "store", "--port", "70000"],
    computeTwice: ["forecast", "--law", "chinchilla", "--compute", "1e21", "--compute", "1e22"],
    busyPort: ["ui", "--store", "store", "--port", String(busyPort)],
    fitHelp: ["fit", "--help"],
    forecastHelp: ["forecast", "--help"]
  }, dir)
}, 180_000)

afterAll(async () => {
  busy.close()
  await rm(dir, { recursive: true, force: true })
})

const rejected = (name: string) => {
  const outcome = batch.outcome(name)
  expect(outcome.code, `${name}: ${outcome.stderr}`).toBe(2)
  return outcome.stderr
}

describe("numeric flags", () => {
  it("reject a value out of range with exit 2, naming the flag and the range", () => {
    expect(rejected("negativeBootstrap")).toContain('Invalid value for flag --bootstrap: "-1". Expected: an integer from 0 to 100,000')
    expect(rejected("hugeBootstrap")).toContain('--bootstrap: "1000000000". Expected: an integer from 0 to 100,000')
    expect(rejected("reportBootstrap")).toContain("--bootstrap")
    expect(rejected("negativeSeed")).toContain('--seed: "-5". Expected: an integer from 0 to 2^53 − 1')
    expect(rejected("zeroConcurrency")).toContain('--concurrency: "0". Expected: an integer from 1 to 4,096')
    expect(rejected("negativeCompute")).toContain('--compute: "-1e+21". Expected: a number from 1 to 1e+40')
    expect(rejected("port")).toContain('--port: "70000". Expected: an integer from 0 to 65,535')
  })

  it("say their range and default in --help", () => {
    const fit = batch.outcome("fitHelp").stdout
    expect(fit).toMatch(/--bootstrap integer +bootstrap resamples .*; an integer from 0 to 100,000 \(default: 0\)/)
    expect(fit).toMatch(/--seed integer .*\(default: 0\)/)
    expect(fit).toMatch(/--method choice .*\(default: all\)/)
    expect(fit).toMatch(/--json .*\(default: off\)/)
    const forecast = batch.outcome("forecastHelp").stdout
    expect(forecast).toMatch(/--method choice .*\(default: isoflop\)/)
    expect(forecast).toMatch(/--bootstrap integer .*\(default: 0\)/)
    expect(forecast).toMatch(/--compute number .*a number from 1 to 1e\+40/)
  })
})

describe("a single-value flag given twice", () => {
  it("says which flag and that it takes one value", () => {
    const stderr = rejected("computeTwice")
    expect(stderr).toContain("--compute was given 2 times, but it takes one value: give it once")
    expect(stderr).not.toContain("occurrences")
  })
})

describe("scalelab ui on a busy port", () => {
  it("says the port is in use and offers another or --port 0", () => {
    const stderr = rejected("busyPort")
    expect(stderr).toContain(`--port ${busyPort}: the port is in use`)
    expect(stderr).toContain(`--port ${busyPort + 1}`)
    expect(stderr).toContain("--port 0")
  })
})
