import type { IsoflopPoint, PublishedLaw } from "@scalelab/laws"
import { computeOptimal, fitIsoflopCurves, fitPowerLaw, type IsoflopMinimumEstimator, lawByName, meanBySize, reasonNumber } from "@scalelab/laws"
import type { Experiment } from "@scalelab/spec"
import type { Centre, CorpusFacts, Plan, PlannedRun, PlannedSizes, PlanNote } from "./isoflopPlan.ts"
import { planBudget, planSizes, publishedCentre, shapeKey, sizeStep } from "./isoflopPlan.ts"

/** What one finished budget says about N* at its compute. */
type BudgetEvidence =
  /** The parabola's minimum lies inside the swept sizes: N* at `budget` is `params`. */
  | { readonly kind: "optimum"; readonly budget: number; readonly params: number }
  /**
   * The best size was the smallest or the largest swept: N* lies beyond `edge` on that side, by
   * an unknown amount.
   */
  | { readonly kind: "bound"; readonly budget: number; readonly side: "smaller" | "larger"; readonly edge: number }

/** The runs of each budget, budgets ascending. Budgets are compared exactly: they are the numbers the plan wrote into the run specs. */
const runsByBudget = (finished: ReadonlyArray<IsoflopPoint>): ReadonlyArray<ReadonlyArray<IsoflopPoint>> => {
  const groups = new Map<number, IsoflopPoint[]>()
  for (const point of finished) groups.set(point.budget, [...(groups.get(point.budget) ?? []), point])
  return [...groups.entries()].sort(([a], [b]) => a - b).map(([, runs]) => runs)
}

/** Each distinct size with its mean loss over seeds, sizes ascending. */
const meanLossBySize = (runs: ReadonlyArray<IsoflopPoint>): ReadonlyArray<{ params: number; loss: number }> => {
  const means = meanBySize(runs.map((run) => run.params), runs.map((run) => run.loss))
  return means.x.map((params, i) => ({ params, loss: means.y[i] ?? Number.NaN }))
}

/**
 * A bracketed minimum of the budget's curve, read with the spec's `fit.isoflop_minimum` (laws'
 * fitIsoflopCurves, as the final fit reads it), is an optimum. Otherwise the best size decides: at an edge it bounds N* on that side; in
 * the interior of an unbracketed (flat or noisy) curve it places nothing, so the budget is left out.
 */
const budgetEvidence = (runs: ReadonlyArray<IsoflopPoint>, minimum: IsoflopMinimumEstimator): BudgetEvidence | undefined => {
  const budget = runs[0]?.budget ?? Number.NaN
  // A parabola needs three sizes; fewer (shapes merged, runs lost) can still show an edge.
  const curve = meanLossBySize(runs).length >= 3 ? fitIsoflopCurves(runs, { minimum })[0] : undefined
  if (curve !== undefined && curve.bracketed && curve.params_opt !== null) {
    return { kind: "optimum", budget, params: curve.params_opt }
  }
  const edge = bestAtEdge(runs)
  return edge === undefined ? undefined : { kind: "bound", budget, ...edge }
}

/** The side and size where a budget's best size (lowest mean loss) is its smallest or largest; undefined when inside. */
const bestAtEdge = (runs: ReadonlyArray<IsoflopPoint>): { readonly side: "smaller" | "larger"; readonly edge: number } | undefined => {
  const sizes = meanLossBySize(runs)
  const smallest = sizes[0]
  const largest = sizes.at(-1)
  if (smallest === undefined || largest === undefined || sizes.length < 2) return undefined
  const best = sizes.reduce((a, b) => (b.loss < a.loss ? b : a))
  if (best === smallest) return { side: "smaller", edge: smallest.params }
  if (best === largest) return { side: "larger", edge: largest.params }
  return undefined
}

/**
 * The exponent a of the law's N*(C) ∝ C^a. Every published law here is a pure power law in C
 * (parametric ones too: N* = G·(C/6)^(β/(α+β))), so its log-slope over any decade is a.
 */
const publishedExponent = (law: PublishedLaw, budget: number): number =>
  Math.log10(computeOptimal(law, budget * 10).params / computeOptimal(law, budget).params)

// N*(C) = k·C^a with a outside [0, 1] would have N* (a < 0) or D* = C/(6·N*) (a > 1) shrink as
// compute grows: noise in two or three close budgets, not a law; carried to the next budget it
// would throw the centre far off. Within [0, 1] every centre is a positive, finite anchor times a
// bounded power of a budget ratio, so it stays positive and finite.
const clampExponent = (exponent: number): number => Math.min(1, Math.max(0, exponent))

/** N* at the budget being planned, before any bound, and the exponent that carries it across budgets. */
interface Estimate {
  readonly params: number
  readonly exponent: number
  /** Says where `exponent` comes from, e.g. "chinchilla's exponent". */
  readonly exponentName: string
  readonly source: string
  /** Completes "N*(C)=… from …". */
  readonly basis: string
}

const budgetList = (budgets: ReadonlyArray<number>): string => budgets.map((budget) => reasonNumber(budget, 3)).join(", ")

/**
 * The estimate from the optima found so far, the strongest evidence first:
 * - two or more: N*(C) = k·C^a fitted across them (Chinchilla approach 2's own law, so the
 *   sweep follows what this setup measures, exponent included);
 * - one: the published exponent carried through that optimum. One point fixes the scale, which
 *   is what published laws get most wrong for a new setup (tokenizer, data, parameter count),
 *   while their exponents mostly agree; a slope needs two budgets;
 * - none: the published law itself.
 */
const optimumEstimate = (
  experiment: Experiment,
  budget: number,
  optima: ReadonlyArray<{ readonly budget: number; readonly params: number }>
): Estimate => {
  const law = lawByName(experiment.sweep.centre)
  const lawExponent = publishedExponent(law, budget)
  const lawExponentName = `${law.name}'s exponent`
  const latest = optima.at(-1)
  if (optima.length >= 2 && latest !== undefined) {
    const budgets = optima.map((optimum) => optimum.budget)
    const fit = fitPowerLaw(budgets, optima.map((optimum) => optimum.params))
    const exponent = clampExponent(fit.exponent)
    // Anchored at the largest fitted budget, the nearest to the next ones: where a clamped
    // exponent departs least from the fit. Unclamped, this is k·budget^a exactly.
    const params = fit.k * latest.budget ** fit.exponent * (budget / latest.budget) ** exponent
    const clamped = exponent === fit.exponent ? "" : `, exponent clamped to ${exponent}`
    return {
      params,
      exponent,
      exponentName: "the fitted exponent",
      source: "fit of earlier budgets",
      basis: `the fit of budgets ${budgetList(budgets)} (N* = ${reasonNumber(fit.k)}·C^${reasonNumber(fit.exponent)}${clamped})`
    }
  }
  if (latest !== undefined) {
    return {
      params: latest.params * (budget / latest.budget) ** lawExponent,
      exponent: lawExponent,
      exponentName: lawExponentName,
      source: "earlier budget's optimum",
      basis: `budget ${reasonNumber(latest.budget, 3)}'s fitted optimum ${reasonNumber(latest.params)} ` +
        `scaled by C^${reasonNumber(lawExponent)} (${lawExponentName})`
    }
  }
  const published = publishedCentre(experiment, budget)
  return {
    params: published.params,
    exponent: lawExponent,
    exponentName: lawExponentName,
    source: published.source,
    basis: `the published law ${law.name}`
  }
}

/**
 * Where the next budget is centred on an adaptive sweep: N*(C) at `budget` from the results of
 * earlier budgets (`finished`: completed runs only; a budget's runs all, or it reads as
 * short of sizes). The rules, in order:
 * 1. Each finished budget gives an optimum (its parabola's minimum is bracketed), a bound (its
 *    best size is its smallest or largest: N* lies beyond it), or nothing.
 * 2. The optima give an estimate: a fitted power law from two or more, the published exponent
 *    through one, the published law (`sweep.centre`) from none (see optimumEstimate).
 * 3. When the largest budget that says anything gives a bound, and the estimate carried back to
 *    that budget does not lie at least sqrt(span) beyond its edge, the centre moves there: the
 *    edge ×sqrt(span) (÷ on the small side), carried to `budget` with the estimate's exponent.
 *    At that centre the window's near end sits on the old edge, so the sizes continue where the
 *    last budget's stopped instead of re-sweeping sizes it showed to be worse. Only the latest
 *    budget's bound counts: a larger budget's optimum or bound supersedes a smaller one's, and
 *    an old bound projected with an uncertain exponent would fight newer evidence.
 * Pure; throws the laws package's LawInputError when a budget of three or more sizes has a result
 * that is not positive and finite (its parabola fit checks them).
 */
export const adaptiveCentre = (experiment: Experiment, budget: number, finished: ReadonlyArray<IsoflopPoint>): Centre => {
  const evidence = runsByBudget(finished).flatMap((runs) => budgetEvidence(runs, experiment.fit.isoflop_minimum) ?? [])
  const optima = evidence.flatMap((item) => (item.kind === "optimum" ? [item] : []))
  const estimate = optimumEstimate(experiment, budget, optima)
  const latest = evidence.at(-1)
  if (latest?.kind === "bound") {
    const halfSpan = Math.sqrt(experiment.sweep.span)
    const beyondEdge = latest.side === "larger" ? latest.edge * halfSpan : latest.edge / halfSpan
    const estimateThere = estimate.params * (latest.budget / budget) ** estimate.exponent
    const farEnough = latest.side === "larger" ? estimateThere >= beyondEdge : estimateThere <= beyondEdge
    if (!farEnough) {
      const params = beyondEdge * (budget / latest.budget) ** estimate.exponent
      const operator = latest.side === "larger" ? "×" : "÷"
      return {
        params,
        source: "beyond an unbracketed budget",
        reason: `N*(C)=${reasonNumber(params)} beyond budget ${reasonNumber(latest.budget, 3)}, whose minimum was not ` +
          `bracketed (its best size ${reasonNumber(latest.edge)} was its ${latest.side === "larger" ? "largest" : "smallest"}; ` +
          `${estimate.basis} put N* there at ${reasonNumber(estimateThere)}): ${reasonNumber(latest.edge)}` +
          `${operator}sqrt(${reasonNumber(experiment.sweep.span, 3)}) scaled by C^${reasonNumber(estimate.exponent)} (${estimate.exponentName})`
      }
    }
  }
  return { params: estimate.params, source: estimate.source, reason: `N*(C)=${reasonNumber(estimate.params)} from ${estimate.basis}` }
}

// Rounds of sizes added past the edge of a budget whose best size was its smallest or largest,
// before the sweep moves on: enough to walk two window-widths, no more, so that a noisy curve
// whose best size keeps landing on an edge cannot hold a budget forever.
const extensionRounds = 2
// Sizes per extension round: the next two steps of the budget's own log spacing past its edge.
const extensionSizes = 2

/** Whether a round has results: settledPlan adds a round's results only once every one of its runs has ended. */
const roundHasResults = (round: ReadonlyArray<PlannedRun>, results: ReadonlyArray<IsoflopPoint>): boolean =>
  round.some(({ run }) => results.some((point) => point.params === run.params))

/**
 * One budget's runs: its window around `centre` and, while its best size is at an edge of the
 * sizes trained so far, up to `extensionRounds` rounds of sizes past that edge, so that its minimum
 * is bracketed at its own budget rather than only guessed at the next. `settled` once the last
 * round has results and nothing more is to be added.
 */
const planBudgetRounds = (
  experiment: Experiment,
  budget: number,
  centre: Centre,
  results: ReadonlyArray<IsoflopPoint>,
  corpus?: CorpusFacts
): PlannedSizes & { readonly settled: boolean } => {
  const window = planBudget(experiment, budget, centre, corpus)
  let runs = window.runs
  let notes = window.notes
  let round = runs
  for (let extension = 1; ; extension++) {
    if (!roundHasResults(round, results)) return { runs, notes, settled: false }
    // The best size trained, not the parabola: a vertex fitted just inside the last size of a
    // curve still falling there is an extrapolation, and only sizes past that edge can show it.
    // Judged on the rounds so far only, so that each round is planned from what came before it.
    const evidence = bestAtEdge(results.filter((point) => runs.some(({ run }) => run.params === point.params)))
    if (extension > extensionRounds || evidence === undefined) return { runs, notes, settled: true }
    const step = sizeStep(experiment) ** (evidence.side === "larger" ? 1 : -1)
    const targets = Array.from({ length: extensionSizes }, (_, index) => evidence.edge * step ** (index + 1))
    const extended = planSizes(
      experiment,
      budget,
      centre,
      targets.map((target, index) => ({
        target,
        label: `extension ${extension}, size ${index + 1} of ${targets.length}`,
        reason: `extension ${extension} at C=${reasonNumber(budget, 3)}: the best size so far, ` +
          `${reasonNumber(evidence.edge)}, was the ${evidence.side === "larger" ? "largest" : "smallest"} trained, ` +
          `so ×${reasonNumber(target / evidence.edge)} past it in the budget's log spacing`
      })),
      corpus,
      new Set(runs.map(({ run }) => shapeKey(run.shape)))
    )
    round = extended.runs
    notes = [...notes, ...extended.notes]
    // No new shape past the edge (the smallest model there is, say): the edge stays the edge.
    if (round.length === 0) return { runs, notes, settled: true }
    runs = [...runs, ...round]
  }
}

/**
 * An adaptive IsoFLOP sweep as far as it can be planned now: budgets ascending, each centred by
 * adaptiveCentre on the finished results of the budgets below it, and extended past an edge on
 * its own results (planBudgetRounds), up to and including the first round without results. So a
 * round's runs, and their ids, depend only on the results before it: the same results always give
 * the same plan, and a killed sweep resumes onto the runs it had started. A round counts as
 * finished once `finished` holds any of its results, so pass a round's results only when all its
 * runs are done (settledPlan does); to resume, start from no results and add each round's as the
 * store shows its planned runs finished.
 * Rounds after the first unfinished one are left out rather than planned provisionally: every
 * run in the plan is one that can be trained now under an id that will not change, so nothing
 * (the run loop, the store, `scalelab plan`) can mistake a provisional id for a real one. Plan
 * again after each round finishes.
 */
export const planAdaptive = (
  experiment: Experiment,
  finished: ReadonlyArray<IsoflopPoint>,
  corpus?: CorpusFacts
): Plan => {
  const runs: PlannedRun[] = []
  const notes: Array<PlanNote> = []
  // Ascending whatever the spec's order, since each budget is planned on the ones below it.
  for (const budget of [...experiment.sweep.budgets].sort((a, b) => a - b)) {
    const below = finished.filter((point) => point.budget < budget)
    const own = finished.filter((point) => point.budget === budget)
    const planned = planBudgetRounds(experiment, budget, adaptiveCentre(experiment, budget, below), own, corpus)
    runs.push(...planned.runs)
    notes.push(...planned.notes)
    if (!planned.settled) break
  }
  return { experiment: experiment.name, runs, notes }
}
