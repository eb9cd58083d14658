// What annealing probes measured, budget by budget: the losses of the checkpoints, the control
// anneals and the candidates' anneals on every domain and the target, and each candidate's change
// against the control paired by seed (the same checkpoint, the same data order but for the candidate).
import { type MeanInterval, meanInterval } from "@scalelab/laws"
import type { AnnealingProbes } from "@scalelab/planner"
import type { AnnealingChangeMark, AnnealingLossMark, AnnealingPlotInput } from "@scalelab/plots"
import { type AnnealingExperiment, annealingCorpora, annealingTarget, type RunResult, type RunSpec } from "@scalelab/spec"
import { mixtureRunMark } from "./mixtureFit.ts"

/** The level of the intervals of the changes, as every interval scalelab reports. */
export const ANNEALING_LEVEL = 0.8

/** The name of the target among the columns (the domains, then it). */
export const TARGET_COLUMN = "target"

/** One candidate at one budget: its mean losses and its change against the control per column. */
export interface CandidateSummary {
  readonly name: string
  readonly losses: ReadonlyArray<number>
  readonly change: ReadonlyArray<MeanInterval>
}

export interface AnnealingBudgetSummary {
  readonly budget: number
  readonly params: number
  readonly checkpointTokens: number
  readonly annealTokens: number
  /** Seeds whose checkpoint and control anneal both completed. */
  readonly seeds: number
  readonly plannedSeeds: number
  /** Mean losses per column (domains, then the target); empty when no seed completed. */
  readonly checkpoint: ReadonlyArray<number>
  readonly control: ReadonlyArray<number>
  /** What the control anneal itself gained over the checkpoint (control − checkpoint), per column. */
  readonly controlGain: ReadonlyArray<MeanInterval>
  readonly candidates: ReadonlyArray<CandidateSummary>
}

export interface AnnealingSummary {
  readonly domains: ReadonlyArray<string>
  readonly columns: ReadonlyArray<string>
  readonly target: ReadonlyArray<number>
  readonly budgets: ReadonlyArray<AnnealingBudgetSummary>
  readonly plot: AnnealingPlotInput
}

const meanColumns = (rows: ReadonlyArray<ReadonlyArray<number>>, width: number): ReadonlyArray<number> =>
  rows.length === 0 ? [] : Array.from({ length: width }, (_, column) => rows.reduce((sum, row) => sum + (row[column] ?? 0), 0) / rows.length)

/** Per column, the interval of `after − before` over the seeds where both are known. */
const pairedChange = (
  after: ReadonlyArray<ReadonlyArray<number> | undefined>,
  before: ReadonlyArray<ReadonlyArray<number> | undefined>,
  width: number
): ReadonlyArray<MeanInterval> =>
  Array.from({ length: width }, (_, column) => {
    const differences = after.flatMap((row, seed) => {
      const base = before[seed]
      return row === undefined || base === undefined ? [] : [(row[column] as number) - (base[column] as number)]
    })
    return differences.length === 0 ? { mean: Number.NaN, n: 0 } : meanInterval(differences, ANNEALING_LEVEL)
  })

/**
 * Summarises the probes from the results found (`results`, by run id; a run missing from it has
 * not completed). Seeds are paired: a candidate's change is measured against the control anneal of
 * its own checkpoint.
 */
export const summarizeAnnealing = (
  experiment: AnnealingExperiment,
  probes: ReadonlyArray<AnnealingProbes>,
  results: ReadonlyMap<string, RunResult>
): AnnealingSummary => {
  const domains = Object.keys(annealingCorpora(experiment.sweep))
  const candidates = domains.slice(1)
  const target = annealingTarget(experiment.sweep)
  const columns = [...domains, TARGET_COLUMN]
  const lossesOf = (run: RunSpec) => {
    // A completed run's losses on the columns: each domain's, then the target's (as a mixture run's).
    const result = results.get(run.id)
    const mark = result === undefined ? undefined : mixtureRunMark(run, result, domains, target)
    return mark === undefined ? undefined : [...mark.losses, mark.target]
  }
  const changes: Array<AnnealingChangeMark> = []
  const lossMarks: Array<AnnealingLossMark> = []
  const budgets = [...new Set(probes.map((probe) => probe.budget))].sort((a, b) => a - b).map((budget): AnnealingBudgetSummary => {
    const sets = probes.filter((probe) => probe.budget === budget)
    const checkpoints = sets.map((set) => lossesOf(set.checkpoint))
    const controls = sets.map((set) => lossesOf(set.control))
    const mark = (role: string, run: RunSpec, seed: number, losses: ReadonlyArray<number> | undefined) => {
      if (losses !== undefined) losses.forEach((loss, column) => lossMarks.push({ budget, role, column: columns[column] as string, loss, seed, id: run.id }))
    }
    sets.forEach((set, index) => {
      mark("checkpoint", set.checkpoint, set.seed, checkpoints[index])
      mark("control", set.control, set.seed, controls[index])
    })
    const candidateSummaries = candidates.map((name): CandidateSummary => {
      const anneals = sets.map((set) => set.candidates.find((candidate) => candidate.name === name)?.run)
      const losses = anneals.map((run) => run === undefined ? undefined : lossesOf(run))
      anneals.forEach((run, index) => {
        if (run !== undefined) mark(name, run, sets[index]?.seed ?? index, losses[index])
      })
      const change = pairedChange(losses, controls, columns.length)
      change.forEach((interval, column) => {
        if (interval.n > 0) {
          changes.push({ budget, candidate: name, column: columns[column] as string, mean: interval.mean, seeds: interval.n, ...(interval.interval === undefined ? {} : { interval: interval.interval }) })
        }
      })
      return { name, losses: meanColumns(losses.filter((row) => row !== undefined), columns.length), change }
    })
    const first = sets[0]
    return {
      budget,
      params: first?.checkpoint.params ?? 0,
      checkpointTokens: first?.checkpoint.tokens ?? 0,
      annealTokens: first?.control.tokens ?? 0,
      seeds: sets.filter((_, index) => checkpoints[index] !== undefined && controls[index] !== undefined).length,
      plannedSeeds: sets.length,
      checkpoint: meanColumns(checkpoints.filter((row) => row !== undefined), columns.length),
      control: meanColumns(controls.filter((row) => row !== undefined), columns.length),
      controlGain: pairedChange(controls, checkpoints, columns.length),
      candidates: candidateSummaries
    }
  })
  return { domains, columns, target, budgets, plot: { columns, candidates, changes, losses: lossMarks } }
}

const signed = (value: number) => `${value >= 0 ? "+" : "−"}${Math.abs(value).toFixed(4)}`

/** A change and its interval as a table cell: `−0.0455 [−0.0611, −0.0300]`. */
export const changeCell = (change: MeanInterval): string =>
  change.n === 0
    ? "—"
    : change.interval === undefined
    ? signed(change.mean)
    : `${signed(change.mean)} [${signed(change.interval[0])}, ${signed(change.interval[1])}]`

/** What a change on the target says, in words: lower, higher, or not told from no change by its interval. */
export const changeVerdict = (name: string, change: MeanInterval): string => {
  if (change.n === 0) return `${name}: not measured`
  if (change.interval === undefined) return `${name}: ${signed(change.mean)} from one seed, no interval (add seeds)`
  const [low, high] = change.interval
  return high < 0
    ? `${name} lowers it by ${Math.abs(change.mean).toFixed(4)} [${Math.abs(high).toFixed(4)}, ${Math.abs(low).toFixed(4)}]`
    : low > 0
    ? `${name} raises it by ${change.mean.toFixed(4)} [${low.toFixed(4)}, ${high.toFixed(4)}]`
    : `${name} does not change it beyond the seeds' noise (${changeCell(change)})`
}
