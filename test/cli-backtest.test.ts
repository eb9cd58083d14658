// `scalelab backtest` through the real command, on a sweep whose "trainer" reports the loss of a
// known law (so each run takes milliseconds): the laws are fitted on the two lower budgets, the run
// at the forecast optimum of the top budget is trained and stored with its reason, backtest.json
// agrees with the forecast of the lower budgets and with the truth, a second backtest trains
// nothing, and bad input exits 2 with a message naming the problem.
import { existsSync, readFileSync } from "node:fs"
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type CliOutcome, runCli } from "./support/cli.ts"

// Follows the worker contract (docs/execution.md): reads run.json, appends metrics.jsonl, writes
// result.json last by rename. Its loss is Chinchilla's law L(N, D) = E + A/N^α + B/D^β with ±0.2%
// noise fixed by the run id; the cloze scores fall out of the loss (NLL linear in it, accuracy a
// sigmoid of the NLL), so the two-stage downstream law can be fitted.
const trainer = `
import { appendFileSync, readFileSync, renameSync, writeFileSync } from "node:fs"
import { join } from "node:path"
const dir = process.argv[2]
const run = JSON.parse(readFileSync(join(dir, "run.json"), "utf8"))
let hash = 2166136261
for (const c of run.id) hash = Math.imul(hash ^ c.charCodeAt(0), 16777619) >>> 0
const noise = ((hash % 2001) / 1000 - 1) * 0.002
const loss = (1.69 + 406.4 / run.params ** 0.34 + 410.7 / run.tokens ** 0.28) * (1 + noise)
const cloze_nll = 0.5 + 0.1 * (loss - 1.69)
const cloze_accuracy = 0.25 + 0.6 / (1 + Math.exp(4 * (cloze_nll - 1.5)))
const line = (o) => appendFileSync(join(dir, "metrics.jsonl"), JSON.stringify(o) + "\\n")
line({ step: 1, tokens: run.tokens, flops: run.flops, loss })
line({ step: 1, tokens: run.tokens, flops: run.flops, val_loss: loss, cloze_accuracy, cloze_nll })
writeFileSync(join(dir, "result.tmp"), JSON.stringify({ id: run.id, status: "completed", val_loss: loss, train_loss: loss,
  params: run.params, tokens: run.tokens, flops: run.flops, steps: 1, backend: "stand-in", wall_s: 0.01, tokens_per_s: 1e6,
  cloze_accuracy, cloze_nll }))
renameSync(join(dir, "result.tmp"), join(dir, "result.json"))
`

const specText = (name: string, budgets: string) => `
name: ${name}
data: { corpus: moby-dick, tokenizer: bytes }
model: { context: 64, aspect: 16, head_dim: 8, kv_heads: 2 }
flops: 6N
sweep: { budgets: ${budgets}, sizes_per_budget: 7, span: 16, centre: deepseek-llm }
training: { batch_tokens: D / 20 }
execution: { executor: command, concurrency: 2, command: { run: '"${process.execPath}" trainer.mjs {run_dir}' } }
`

const top = 1e13

interface Comparison {
  readonly quantity: string
  readonly predicted: number
  readonly interval: readonly [number, number] | null
  readonly actual: number
  readonly error: number
  readonly error_unit: "relative" | "points"
  readonly inside: boolean | null
}
interface HeldOut {
  readonly budget: number
  readonly forecast: { readonly params: number; readonly tokens: number; readonly loss: number; readonly intervals: { readonly loss: readonly [number, number] } | null }
  readonly truth_runs: ReadonlyArray<{ readonly id: string; readonly loss: number; readonly trained: boolean; readonly params: number; readonly flops: number }>
  readonly measured_optimum: { readonly params: number; readonly loss: number } | null
  readonly comparisons: ReadonlyArray<Comparison>
}
interface Backtest {
  readonly cutoff: number
  readonly fit_budgets: ReadonlyArray<number>
  readonly held_out_budgets: ReadonlyArray<number>
  readonly fit_runs: ReadonlyArray<string>
  readonly held_out: ReadonlyArray<HeldOut>
  readonly coverage: { readonly compared: number; readonly inside: number; readonly fraction: number | null }
  readonly targets_met: { readonly loss_within_2_percent: boolean | null; readonly truth_inside_interval: boolean | null }
  readonly laws: { readonly loss_law: string }
}
/** backtest.json and --json: a backtest per cutoff, coverage at each level over all of them, the files. */
interface Rolling {
  readonly mode: "rolling" | "single"
  readonly cutoffs: ReadonlyArray<number>
  readonly backtests: ReadonlyArray<Backtest>
  readonly coverage_by_level: ReadonlyArray<{ readonly level: number; readonly compared: number; readonly inside: number }>
  readonly runs_trained: number
  readonly runs_read: number
  readonly files: { readonly json: string; readonly plots: ReadonlyArray<string> }
}
interface StoredRun {
  readonly id: string
  readonly budget: number
  readonly plan_reason: string | null
  readonly status: string
  readonly result: { readonly loss: number } | null
}

let dir: string
let first: CliOutcome
let firstRolling: Rolling
let firstJson: Backtest
let storedAfterFirst: ReadonlyArray<StoredRun>
let lowerForecast: { readonly params: number; readonly tokens: number; readonly loss: number; readonly isoflop_loss_diagnostic: number }
let lowerParametric: { readonly loss: number }
let second: CliOutcome
let secondRolling: Rolling
let secondJson: Backtest
let text: CliOutcome
let badInput: Record<string, CliOutcome>

const ok = (outcome: CliOutcome): CliOutcome => {
  expect(outcome.code, `${outcome.stdout}\n${outcome.stderr}`).toBe(0)
  return outcome
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "scalelab-backtest-"))
  await writeFile(join(dir, "trainer.mjs"), trainer)
  // The same experiment twice: `lower.yaml` sweeps the budgets the laws are fitted on, `sweep.yaml`
  // adds the top one. Run ids do not depend on the budget list, so both share one store.
  await writeFile(join(dir, "lower.yaml"), specText("known-law", "[1e11, 1e12]"))
  await writeFile(join(dir, "sweep.yaml"), specText("known-law", `[1e11, 1e12, ${top}]`))
  await writeFile(join(dir, "untrained.yaml"), specText("never-run", `[1e11, 1e12, ${top}]`))
  ok(await runCli(["run", "lower.yaml", "--quiet"], dir))
  // Before the top budget's own sweep exists: the forecast optimum is certainly a new run.
  first = ok(await runCli(["backtest", "sweep.yaml", "--cutoff", String(top), "--bootstrap", "100", "--json"], dir))
  firstRolling = JSON.parse(first.stdout) as Rolling
  firstJson = firstRolling.backtests[0]!
  storedAfterFirst = JSON.parse(ok(await runCli(["runs", "sweep.yaml", "--json"], dir)).stdout) as ReadonlyArray<StoredRun>
  lowerForecast = JSON.parse(ok(await runCli(["forecast", "--compute", String(top), "--from", "lower.yaml", "--method", "isoflop", "--json"], dir)).stdout)
  lowerParametric = JSON.parse(ok(await runCli(["forecast", "--compute", String(top), "--from", "lower.yaml", "--method", "parametric", "--json"], dir)).stdout)
  // Now the top budget's sweep, so that the second backtest also measures that budget's own minimum.
  ok(await runCli(["run", "sweep.yaml", "--quiet"], dir))
  second = ok(await runCli(["backtest", "sweep.yaml", "--cutoff", "1e13", "--bootstrap", "100", "--loss-law", "isoflop", "--json"], dir))
  secondRolling = JSON.parse(second.stdout) as Rolling
  secondJson = secondRolling.backtests[0]!
  const outcomes = await Promise.all([
    runCli(["backtest", "sweep.yaml", "--bootstrap", "50", "--out", "text-out"], dir),
    runCli(["backtest", "sweep.yaml", "--cutoff", "1e10"], dir),
    runCli(["backtest", "sweep.yaml", "--cutoff", "1e14"], dir),
    runCli(["backtest", "untrained.yaml"], dir)
  ])
  text = outcomes[0]!
  badInput = { belowAll: outcomes[1]!, aboveAll: outcomes[2]!, notRun: outcomes[3]! }
}, 600_000)

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

const heldOut = (result: Backtest): HeldOut => {
  expect(result.held_out).toHaveLength(1)
  return result.held_out[0]!
}

describe("scalelab backtest", () => {
  it("fits the budgets below the cutoff and holds out the top one", () => {
    expect(firstJson.cutoff).toBe(top)
    expect(firstJson.fit_budgets).toEqual([1e11, 1e12])
    expect(firstJson.held_out_budgets).toEqual([top])
    const lowerIds = storedAfterFirst.filter((run) => run.budget < top && run.plan_reason?.startsWith("size")).map((run) => run.id)
    expect([...firstJson.fit_runs].sort()).toEqual(lowerIds.sort())
  })

  it("forecasts what fitting the lower budgets alone forecasts: N*, D* by IsoFLOP, the loss by the chosen law", () => {
    const { forecast } = heldOut(firstJson)
    expect(forecast.params / lowerForecast.params).toBeCloseTo(1, 9)
    expect(forecast.tokens / lowerForecast.tokens).toBeCloseTo(1, 9)
    expect(firstJson.laws.loss_law).toBe("parametric")
    expect(forecast.loss / lowerParametric.loss).toBeCloseTo(1, 6)
    expect(forecast.intervals).not.toBeNull()
    expect(secondJson.laws.loss_law).toBe("isoflop")
    // `forecast` keeps the IsoFLOP L*(C) as a labelled diagnostic; its loss is the parametric law's.
    expect(heldOut(secondJson).forecast.loss / lowerForecast.isoflop_loss_diagnostic).toBeCloseTo(1, 9)
  })

  it("forecasts the loss of the trained optimum within 2% when the runs follow a parametric law", () => {
    // The stand-in trainer reports Chinchilla's L(N, D) with ±0.2% noise: the parametric fit of the
    // two lower budgets should carry it a decade up.
    const loss = heldOut(firstJson).comparisons.find((c) => c.quantity === "loss")!
    expect(Math.abs(loss.error)).toBeLessThan(0.02)
    expect(firstJson.targets_met.loss_within_2_percent).toBe(true)
  })

  it("trains the run at the forecast optimum and stores it with its reason", () => {
    const { truth_runs: truth, forecast } = heldOut(firstJson)
    expect(truth).toHaveLength(1)
    expect(truth[0]!.trained).toBe(true)
    expect(firstRolling.runs_trained).toBe(1)
    const stored = storedAfterFirst.find((run) => run.id === truth[0]!.id)
    expect(stored?.status).toBe("completed")
    expect(stored?.budget).toBe(top)
    expect(stored?.plan_reason).toMatch(/^backtest forecast optimum at C=1e13: N\*=/)
    // The planner's shape for N*: within a shape step of it, and trained on the budget's FLOPs.
    expect(Math.abs(Math.log(truth[0]!.params / forecast.params))).toBeLessThan(Math.log(1.5))
    expect(truth[0]!.flops / top).toBeCloseTo(1, 2)
    expect(stored?.result?.loss).toBe(truth[0]!.loss)
  })

  it("computes each error and inside flag from the numbers it reports", () => {
    for (const result of [firstJson, secondJson]) {
      const comparisons = result.held_out.flatMap((h) => h.comparisons)
      for (const c of comparisons) {
        const expected = c.error_unit === "points" ? (c.predicted - c.actual) * 100 : c.predicted / c.actual - 1
        expect(c.error).toBeCloseTo(expected, 12)
        if (c.interval === null) expect(c.inside).toBeNull()
        else expect(c.inside).toBe(c.actual >= c.interval[0] && c.actual <= c.interval[1])
      }
      const loss = comparisons.find((c) => c.quantity === "loss")!
      expect(loss.actual).toBe(result.held_out[0]!.truth_runs[0]!.loss)
      expect(loss.predicted).toBe(result.held_out[0]!.forecast.loss)
      expect(result.targets_met.loss_within_2_percent).toBe(Math.abs(loss.error) <= 0.02)
      const withInterval = comparisons.filter((c) => c.inside !== null)
      expect(result.coverage.compared).toBe(withInterval.length)
      expect(result.coverage.inside).toBe(withInterval.filter((c) => c.inside).length)
      expect(result.targets_met.truth_inside_interval).toBe(withInterval.every((c) => c.inside))
    }
    // The runs carry cloze scores, so accuracy is forecast and compared.
    expect(firstJson.held_out[0]!.comparisons.map((c) => c.quantity)).toContain("cloze_accuracy")
  })

  it("writes backtest.json and the plots as SVG and PNG", () => {
    expect(firstRolling.mode).toBe("single")
    expect(JSON.parse(readFileSync(firstRolling.files.json, "utf8")).backtests[0].held_out_budgets).toEqual([top])
    expect(firstRolling.files.json).toBe(join(dir, ".scalelab", "reports", "known-law", "backtest", "backtest.json"))
    for (const stem of ["backtest-loss", "backtest-accuracy", "backtest-calibration"]) {
      expect(readFileSync(join(dir, ".scalelab", "reports", "known-law", "backtest", `${stem}.svg`), "utf8")).toMatch(/^<svg/)
      expect(readFileSync(join(dir, ".scalelab", "reports", "known-law", "backtest", `${stem}.png`)).subarray(1, 4).toString()).toBe("PNG")
    }
  })

  it("retrains nothing the second time, and measures the held-out budget's own minimum once its sweep ran", () => {
    expect(secondRolling.runs_trained).toBe(0)
    expect(secondRolling.runs_read).toBe(1)
    expect(heldOut(secondJson).truth_runs[0]!.id).toBe(heldOut(firstJson).truth_runs[0]!.id)
    expect(heldOut(firstJson).measured_optimum).toBeNull()
    const measured = heldOut(secondJson)
    expect(measured.measured_optimum).not.toBeNull()
    expect(measured.comparisons.map((c) => c.quantity)).toEqual(["loss", "cloze_accuracy", "params_opt", "tokens_opt", "loss_opt"])
    expect(existsSync(join(dir, ".scalelab", "reports", "known-law", "backtest", "backtest-params.png"))).toBe(true)
  })

  it("rolls over every cutoff without --cutoff: here the one that leaves two budgets, with coverage at each level", () => {
    ok(text)
    expect(text.stdout).toContain("Rolling backtest of known-law: 1 cutoff(s), 1e13")
    expect(text.stdout).toContain("Backtest of known-law: laws fitted on budgets 1e11, 1e12 (below cutoff 1e13)")
    expect(text.stdout).toMatch(/truths inside, at nominal +50% +80% +90% +95%/)
  })

  it("prints a table that ends with where the files are", () => {
    ok(text)
    expect(text.stdout).toMatch(/loss of run at N\*/)
    expect(text.stdout).toContain("targets: loss within 2%:")
    expect(text.stdout).toContain("0 truth run(s) trained, 1 read from the store")
    expect(text.stdout.trimEnd().split("\n").at(-1)).toMatch(/text-out\/backtest-calibration\.png$/)
  })

  it("exits 2 with a message naming the problem on bad input", () => {
    expect(badInput.belowAll!.code).toBe(2)
    expect(badInput.belowAll!.stderr).toContain("--cutoff 1e10 leaves 0 budgets below it")
    expect(badInput.belowAll!.stderr).toContain("raise --cutoff to at least 1e13")
    expect(badInput.aboveAll!.code).toBe(2)
    expect(badInput.aboveAll!.stderr).toContain("--cutoff 1e14 is above every budget of the sweep (1e11, 1e12, 1e13)")
    expect(badInput.notRun!.code).toBe(2)
    expect(badInput.notRun!.stderr).toContain("have not finished")
    expect(badInput.notRun!.stderr).toContain("run `scalelab run untrained.yaml` first")
  })
})
