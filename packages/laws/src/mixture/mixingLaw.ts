// Data-mixing laws (Ye et al. 2024, "Data Mixing Laws", arXiv:2403.16952, eq. 1 per domain): the
// validation loss of domain i after training on the mixture r (weights on the simplex) is
//   L_i(r) = c_i + k_i · exp(Σ_j t_ij · r_j).
// On the simplex Σ_j r_j = 1, so adding a constant to every t_ij and dividing k_i by its
// exponential changes nothing: only the differences t_ij − t_iK are identified. The fit therefore
// takes t_iK = 0 (the last domain as reference) and reports t_ij relative to it.
import { LawInputError } from "../lawInputError.ts"
import { minimizeLbfgs } from "../optim/lbfgs.ts"
import { solveLinearSystem } from "../optim/linearSystem.ts"

/** One run: its mixture weights (one per domain, summing to 1) and its loss on each domain. */
export interface MixturePoint {
  readonly weights: ReadonlyArray<number>
  readonly losses: ReadonlyArray<number>
}

/** One domain's law L(r) = c + k·exp(Σ_j t_j r_j), with t of the last domain 0. */
export interface DomainMixingLaw {
  readonly c: number
  readonly k: number
  readonly t: ReadonlyArray<number>
  /** Root-mean-square residual of the fit, in the loss's unit. */
  readonly rmse: number
}

export interface MixingLawFit {
  readonly domains: ReadonlyArray<DomainMixingLaw>
}

/** A domain's predicted loss at mixture `weights`. */
export const domainLoss = (law: DomainMixingLaw, weights: ReadonlyArray<number>): number =>
  law.c + law.k * Math.exp(law.t.reduce((sum, t, j) => sum + t * (weights[j] ?? 0), 0))

/** Every domain's predicted loss at mixture `weights`. */
export const predictDomainLosses = (fit: MixingLawFit, weights: ReadonlyArray<number>): ReadonlyArray<number> =>
  fit.domains.map((law) => domainLoss(law, weights))

/** The target: the domains' predicted losses weighted by `target` (summing to 1). */
export const targetLoss = (fit: MixingLawFit, target: ReadonlyArray<number>, weights: ReadonlyArray<number>): number =>
  predictDomainLosses(fit, weights).reduce((sum, loss, i) => sum + (target[i] ?? 0) * loss, 0)

const requirePoints = (points: ReadonlyArray<MixturePoint>, domains: number): void => {
  for (const [index, point] of points.entries()) {
    if (point.weights.length !== domains || point.losses.length !== domains) {
      throw new LawInputError(`mixture point ${index + 1} has ${point.weights.length} weights and ${point.losses.length} losses; expected ${domains} of each`)
    }
    if (![...point.weights, ...point.losses].every(Number.isFinite)) {
      throw new LawInputError(`mixture point ${index + 1} has a weight or a loss that is not a finite number`)
    }
  }
  // c, k and the K − 1 free exponents: one point more than parameters leaves a residual to judge the fit by.
  const distinct = new Set(points.map((point) => point.weights.join(","))).size
  if (distinct < domains + 2) {
    throw new LawInputError(`a data-mixing law over ${domains} domains needs runs at ${domains + 2} or more distinct mixtures, got ${distinct}: add weight vectors`)
  }
}

/**
 * Least squares of log(y − c) on the free weights, for a fixed floor c below every loss: the
 * exponent and log k, as the start of the nonlinear fit. Undefined when c is not below every y.
 */
const linearisedStart = (rows: ReadonlyArray<ReadonlyArray<number>>, y: ReadonlyArray<number>, c: number): Array<number> | undefined => {
  if (!y.every((value) => value > c)) return undefined
  const width = rows[0]?.length ?? 0
  const normal = Array.from({ length: width }, () => new Array<number>(width).fill(0))
  const rhs = new Array<number>(width).fill(0)
  rows.forEach((row, n) => {
    const target = Math.log((y[n] ?? 0) - c)
    for (let a = 0; a < width; a++) {
      rhs[a] = (rhs[a] ?? 0) + (row[a] ?? 0) * target
      for (let b = 0; b < width; b++) (normal[a] as Array<number>)[b] = ((normal[a] as Array<number>)[b] ?? 0) + (row[a] ?? 0) * (row[b] ?? 0)
    }
  })
  // A small ridge keeps the normal equations solvable when a weight never varies.
  normal.forEach((row, a) => (row[a] = (row[a] ?? 0) + 1e-9))
  try {
    return solveLinearSystem(normal, rhs)
  } catch {
    return undefined
  }
}

/**
 * One domain's law by nonlinear least squares (L-BFGS over c, log k and the K − 1 free exponents),
 * started from the linearised fit at several floors c below the lowest loss; the best fit is kept.
 */
export const fitDomainMixingLaw = (weights: ReadonlyArray<ReadonlyArray<number>>, losses: ReadonlyArray<number>): DomainMixingLaw => {
  const domains = weights[0]?.length ?? 0
  // Design rows: 1 (for log k), then the weights of every domain but the last.
  const rows = weights.map((w) => [1, ...w.slice(0, domains - 1)])
  const lowest = Math.min(...losses)
  const spread = Math.max(Math.max(...losses) - lowest, 1e-3)
  const objective = (x: Float64Array, gradient: Float64Array): number => {
    gradient.fill(0)
    let sum = 0
    rows.forEach((row, n) => {
      let exponent = 0
      for (let a = 0; a < row.length; a++) exponent += (x[a + 1] ?? 0) * (row[a] ?? 0)
      const term = Math.exp(exponent)
      const residual = (x[0] ?? 0) + term - (losses[n] ?? 0)
      sum += residual * residual
      gradient[0] = (gradient[0] ?? 0) + 2 * residual
      for (let a = 0; a < row.length; a++) gradient[a + 1] = (gradient[a + 1] ?? 0) + 2 * residual * term * (row[a] ?? 0)
    })
    return sum
  }
  let best: { readonly x: Float64Array; readonly value: number } | undefined
  for (const below of [0.05, 0.25, 1, 3, 10]) {
    const c = lowest - below * spread
    const start = linearisedStart(rows, losses, c)
    if (start === undefined || !start.every(Number.isFinite)) continue
    const result = minimizeLbfgs(objective, [c, ...start], { gradientTolerance: 1e-12, valueTolerance: 1e-15 })
    if (Number.isFinite(result.value) && (best === undefined || result.value < best.value)) best = result
  }
  if (best === undefined) throw new LawInputError("the data-mixing law could not be fitted: no start gave a finite fit")
  const x = best.x
  return {
    c: x[0] ?? Number.NaN,
    k: Math.exp(x[1] ?? Number.NaN),
    t: [...Array.from(x.subarray(2)), 0],
    rmse: Math.sqrt(best.value / losses.length)
  }
}

/** Ye et al.'s law fitted to every domain's losses over the same runs. */
export const fitMixingLaw = (points: ReadonlyArray<MixturePoint>): MixingLawFit => {
  const domains = points[0]?.weights.length ?? 0
  if (domains < 2) throw new LawInputError(`a data-mixing law needs at least 2 domains, got ${domains}`)
  requirePoints(points, domains)
  const weights = points.map((point) => point.weights)
  return { domains: Array.from({ length: domains }, (_, i) => fitDomainMixingLaw(weights, points.map((point) => point.losses[i] ?? Number.NaN))) }
}

/** Every vector of `parts` non-negative multiples of 1/grid summing to 1, the first weight descending. */
export const simplexLattice = (parts: number, grid: number): ReadonlyArray<ReadonlyArray<number>> => {
  const compositions = (remaining: number, slots: number): ReadonlyArray<ReadonlyArray<number>> =>
    slots === 1
      ? [[remaining]]
      : Array.from({ length: remaining + 1 }, (_, taken) => remaining - taken)
        .flatMap((first) => compositions(remaining - first, slots - 1).map((rest) => [first, ...rest]))
  return compositions(grid, parts).map((counts) => counts.map((count) => count / grid))
}

/** The mixture a fitted law predicts best for a target, and what it predicts there. */
export interface MixtureOptimum {
  readonly weights: ReadonlyArray<number>
  /** The target's predicted value: Σ_i target_i · L_i(weights). */
  readonly target: number
  readonly losses: ReadonlyArray<number>
}

// Lattice points per domain count: fine enough that the local refinement starts in the right basin.
const searchGrid = (domains: number): number => (domains <= 2 ? 400 : domains === 3 ? 60 : 24)

const softmax = (z: ArrayLike<number>): Array<number> => {
  const values = Array.from(z)
  const top = Math.max(...values)
  const exps = values.map((value) => Math.exp(value - top))
  const total = exps.reduce((a, b) => a + b, 0)
  return exps.map((value) => value / total)
}

/**
 * The mixture minimising Σ_i target_i · L_i(r) over the simplex: the best point of a simplex
 * lattice, refined by L-BFGS over softmax coordinates (which keep the weights on the simplex).
 */
export const optimalMixture = (fit: MixingLawFit, target: ReadonlyArray<number>): MixtureOptimum => {
  const domains = fit.domains.length
  if (target.length !== domains) throw new LawInputError(`the target needs one weight per domain (${domains}), got ${target.length}`)
  const value = (weights: ReadonlyArray<number>) => targetLoss(fit, target, weights)
  let start = simplexLattice(domains, searchGrid(domains))[0] as ReadonlyArray<number>
  for (const weights of simplexLattice(domains, searchGrid(domains))) if (value(weights) < value(start)) start = weights
  const objective = (z: Float64Array, gradient: Float64Array): number => {
    const r = softmax(z)
    const losses = predictDomainLosses(fit, r)
    // ∂T/∂r_j = Σ_i target_i · (L_i − c_i) · t_ij; then through the softmax: ∂r_j/∂z_m = r_j(δ_jm − r_m).
    const partial = Array.from({ length: domains }, (_, j) =>
      fit.domains.reduce((sum, law, i) => sum + (target[i] ?? 0) * ((losses[i] ?? 0) - law.c) * (law.t[j] ?? 0), 0))
    const mean = partial.reduce((sum, p, j) => sum + p * (r[j] ?? 0), 0)
    for (let m = 0; m < domains; m++) gradient[m] = (r[m] ?? 0) * ((partial[m] ?? 0) - mean)
    return losses.reduce((sum, loss, i) => sum + (target[i] ?? 0) * loss, 0)
  }
  const refined = softmax(minimizeLbfgs(objective, start.map((w) => Math.log(w + 1e-9)), { gradientTolerance: 1e-12 }).x)
  const weights = value(refined) <= value(start) ? refined : [...start]
  return { weights, target: value(weights), losses: predictDomainLosses(fit, weights) }
}
