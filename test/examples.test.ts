// The example experiments in experiments/: every spec validates, and the ones that run in seconds
// run end to end through the real command. The Chinchilla example names Epoch AI's data as a
// dataset, fetched on first use; here it comes from the mirror SCALELAB_DATA_MIRROR names, and
// without one that test is skipped, unless SCALELAB_REQUIRE_DATA=1 makes its absence a failure.
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { cp, mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { runCli } from "./support/cli.ts"
import { dataMirror, runDataTests, skippedDataNote } from "./support/datasets.ts"

const root = fileURLToPath(new URL("..", import.meta.url))
const experiments = join(root, "experiments")
const examples = readdirSync(experiments).filter((name) => name.endsWith(".yaml")).sort()

let scratch: string

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "scalelab-examples-"))
})

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true })
})

describe("experiments/*.yaml", () => {
  it("holds the examples", () => {
    expect(examples).toEqual(expect.arrayContaining(["chinchilla.yaml", "compare-dense.yaml", "compare-mha.yaml", "compare-moe.yaml", "compare-tied.yaml", "downstream.yaml", "external.yaml", "repeated-data.yaml", "slurm.yaml"]))
  })

  it("every example validates (the Chinchilla one only where its data is)", async () => {
    const checked = examples.filter((name) => runDataTests || name !== "chinchilla.yaml")
    // The Chinchilla data is fetched into a cache of the test's own.
    const outcome = await runCli(["validate", ...checked.map((name) => join("experiments", name))], root, { XDG_CACHE_HOME: scratch })
    expect(outcome.stderr).toBe("")
    expect(outcome.code).toBe(0)
    for (const name of checked) expect(outcome.stdout).toContain(`experiments/${name}: valid`)
  })

  it("every example says at its top what it shows, the command, and how long it takes", () => {
    for (const name of examples) {
      const text = readFileSync(join(experiments, name), "utf8")
      const header = text.slice(0, text.indexOf("\nname:"))
      expect(header, name).toMatch(/pnpm scalelab (run|report) experiments\//)
      expect(header, name).toMatch(/Takes about/)
    }
  })
})

describe("experiments/chinchilla.yaml", () => {
  it.skipIf(!runDataTests)(
    "fits Epoch AI's Chinchilla data end to end: α ≈ 0.35 and β ≈ 0.37 as Besiroglu et al. 2024 replicate",
    async () => {
      expect(dataMirror, "SCALELAB_DATA_MIRROR names no folder; see docs/datasets.md").toBeDefined()
      const store = join(scratch, "chinchilla-store")
      // A fresh cache: `run` fetches the dataset on first use.
      const outcome = await runCli(["run", "experiments/chinchilla.yaml", "--store", store], root, { XDG_CACHE_HOME: join(scratch, "fresh-cache") })
      expect(outcome.stderr).toBe("")
      expect(outcome.code).toBe(0)
      expect(outcome.stdout).toContain("240 runs trained elsewhere")
      const report = join(store, "reports", "chinchilla")
      expect(existsSync(join(report, "index.html"))).toBe(true)
      const fit = JSON.parse(readFileSync(join(report, "fit.json"), "utf8")) as {
        readonly parametric: { readonly E: number; readonly alpha: number; readonly beta: number }
      }
      // The notebook (notebooks/chinchilla-analysis.ipynb) and scipy's fit get E 1.817, α 0.347, β 0.367.
      expect(fit.parametric.alpha).toBeCloseTo(0.347, 2)
      expect(fit.parametric.beta).toBeCloseTo(0.367, 2)
      expect(fit.parametric.E).toBeCloseTo(1.817, 1)
    },
    180_000
  )
  if (!runDataTests) {
    it.skip(`is skipped: ${skippedDataNote}`, () => {})
  }
})

describe("experiments/external.yaml", () => {
  it("trains with the external Python trainer and fits a power law (exit 0)", async () => {
    const store = join(scratch, "external-store")
    const outcome = await runCli(["run", "experiments/external.yaml", "--store", store, "--quiet"], root)
    expect(outcome.stderr).toBe("")
    expect(outcome.code).toBe(0)
    expect(outcome.stdout).toMatch(/N\*\(C\) = /)
    expect(existsSync(join(store, "reports", "external", "index.html"))).toBe(true)
  }, 240_000)
})

describe("a table sweep's problems", () => {
  const tableSpec = (file: string, extra = "") =>
    `name: elsewhere\nsweep:\n  kind: table\n  file: ${file}\n  map: { params: "Model Size", flops: "Training FLOP" }\n${extra}`

  it("a missing data file: exit 2, naming the spec file, line, column and field", async () => {
    await writeFile(join(scratch, "missing.yaml"), tableSpec("no-such-results.csv"))
    for (const command of ["validate", "plan", "run"]) {
      const outcome = await runCli([command, "missing.yaml"], scratch)
      expect(outcome.code, command).toBe(2)
      expect(outcome.stderr, command).toMatch(/^missing\.yaml:4:9: sweep\.file: `no-such-results\.csv` is not found \(looked for .*no-such-results\.csv\)/)
    }
  })

  it("a column the map names that the table lacks: exit 2, naming the spec's field and the table", async () => {
    await writeFile(join(scratch, "results.csv"), "params,tokens,loss\n1e6,2e7,3.1\n")
    await writeFile(join(scratch, "unmapped.yaml"), tableSpec("results.csv"))
    const outcome = await runCli(["run", "unmapped.yaml"], scratch)
    expect(outcome.code).toBe(2)
    expect(outcome.stderr).toMatch(/^unmapped\.yaml: sweep\.file: .*results\.csv/)
    expect(outcome.stderr).toContain("Model Size")
  })

  it("a file that is not a results table, and effective tokens without a corpus, at their lines", async () => {
    await writeFile(join(scratch, "wrong.yaml"), tableSpec("results.txt"))
    await writeFile(join(scratch, "effective.yaml"), tableSpec("results.csv", "fit: { tokens: effective }\n"))
    const outcome = await runCli(["validate", "wrong.yaml", "effective.yaml"], scratch)
    expect(outcome.code).toBe(2)
    expect(outcome.stderr).toContain("wrong.yaml:4:9: expected a results table: a path ending .csv, .jsonl, .ndjson, got `results.txt`")
    expect(outcome.stderr).toMatch(/effective\.yaml:6:\d+: expected `total` with `sweep\.kind: table`/)
  })

  it("commands that track trained runs refuse a table spec at its sweep.kind", async () => {
    await cp(join(scratch, "unmapped.yaml"), join(scratch, "tracked.yaml"))
    const outcome = await runCli(["runs", "tracked.yaml"], scratch)
    expect(outcome.code).toBe(2)
    expect(outcome.stderr).toMatch(/^tracked\.yaml:3:9: sweep\.kind: `table` names results trained elsewhere/)
  })
})
