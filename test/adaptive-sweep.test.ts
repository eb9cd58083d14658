// An adaptive sweep end to end, with the external Python trainer so that it takes seconds: budgets
// are trained in ascending order, each planned only once the one below it has finished and centred
// on what it found; every run says why it was chosen; running it again recognises every run.
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type CliOutcome, runCli } from "./support/cli.ts"

const trainer = fileURLToPath(new URL("../experiments/external-trainer/train.py", import.meta.url))
const spec = `
name: adaptive-external
data: { corpus: moby-dick }
model: { context: 64, aspect: 16, head_dim: 8, kv_heads: 2 }
flops: 6N
sweep: { budgets: [1e9, 4e9, 1.6e10], sizes_per_budget: 3, span: 8, centre: chinchilla, adaptive: true }
training: { batch_tokens: D / 20 }
execution: { executor: command, concurrency: 2, command: { run: "python3 ${trainer} {run_dir}" } }
`

interface EventLine {
  readonly event: string
  readonly id?: string
  readonly budget?: number
  readonly reason?: string
  readonly runs?: ReadonlyArray<{ readonly id: string }>
  readonly trained?: number
  readonly skipped?: number
  readonly failed?: ReadonlyArray<string>
}

const eventsOf = (outcome: CliOutcome): ReadonlyArray<EventLine> =>
  outcome.stdout.split("\n").filter((line) => line.startsWith("{")).map((line) => JSON.parse(line) as EventLine)

let dir: string
let first: ReadonlyArray<EventLine>
let again: ReadonlyArray<EventLine>
let stored: ReadonlyArray<{ readonly id: string; readonly budget: number; readonly status: string; readonly plan_reason: string | null }>

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "scalelab-adaptive-"))
  await writeFile(join(dir, "adaptive.yaml"), spec)
  first = eventsOf(await runCli(["run", "adaptive.yaml", "--json"], dir))
  stored = JSON.parse((await runCli(["runs", "adaptive.yaml", "--json"], dir)).stdout)
  again = eventsOf(await runCli(["run", "adaptive.yaml", "--json"], dir))
}, 300_000)

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** Each budget's BudgetPlanned events: the first plans its window, later ones add sizes past an edge. */
const plannedBudgets = (events: ReadonlyArray<EventLine>) => {
  const planned = events.filter((event) => event.event === "BudgetPlanned")
  const budgets = [...new Set(planned.map((event) => event.budget))]
  return budgets.map((budget) => {
    const forBudget = planned.filter((event) => event.budget === budget)
    return { budget, first: forBudget[0]!, last: forBudget.at(-1)! }
  })
}

describe("an adaptive sweep", () => {
  it("plans each budget, in ascending order, only after every run of the one below it has finished", () => {
    const budgets = plannedBudgets(first)
    expect(budgets.map(({ budget }) => budget)).toEqual([1e9, 4e9, 1.6e10])
    // A budget's events come together: once the next budget is planned, the one below gets no more runs.
    const order = first.filter((event) => event.event === "BudgetPlanned").map((event) => event.budget!)
    expect(order).toEqual([...order].sort((a, b) => a - b))
    for (const [index, { first: plannedEvent }] of budgets.entries()) {
      if (index === 0) continue
      const plannedAt = first.indexOf(plannedEvent)
      for (const { id } of budgets[index - 1]!.last.runs!) {
        const finishedAt = first.findIndex((event) => event.event === "RunFinished" && event.id === id)
        expect(finishedAt).toBeGreaterThanOrEqual(0)
        expect(finishedAt).toBeLessThan(plannedAt)
      }
    }
    expect(first.at(-1)).toMatchObject({ event: "SweepEnded", trained: stored.length, skipped: 0, failed: [] })
  })

  it("centres the first budget on the published law and later ones on what the earlier budgets found", () => {
    const reasons = plannedBudgets(first).map(({ first: event }) => event.reason ?? "")
    expect(reasons[0]).toContain("from the published law chinchilla")
    expect(reasons[1]).toContain("budget 1e9")
    for (const reason of reasons.slice(1)) expect(reason).not.toContain("from the published law")
  })

  it("records why each run was chosen: its place in the budget's window, or an extension past its edge", () => {
    // Three sizes per budget, plus any sizes added past the edge of a budget whose best size was at one.
    expect(stored.length).toBeGreaterThanOrEqual(9)
    for (const run of stored) {
      expect(run.status).toBe("completed")
      expect(run.plan_reason).toMatch(/^(size \d of 3|extension [12]) at C=/)
    }
  })

  it("plans the same runs again from the same results, so a second run trains nothing", () => {
    // The finished budgets settle the plan up to the last one, whose runs are already complete.
    const lastBudget = (events: ReadonlyArray<EventLine>) =>
      events.filter((event) => event.event === "BudgetPlanned").at(-1)?.runs?.map((run) => run.id)
    expect(lastBudget(again)).toEqual(lastBudget(first))
    expect(again.filter((event) => event.event === "RunStarted")).toEqual([])
    expect(again.at(-1)).toMatchObject({ event: "SweepEnded", trained: 0, failed: [] })
  })
})
