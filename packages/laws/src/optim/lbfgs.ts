import { LawInputError } from "../lawInputError.ts"
import type { LinePoint } from "./lineSearch.ts"
import { strongWolfeLineSearch } from "./lineSearch.ts"

/** Writes ∇f(x) into `gradient` and returns f(x). */
export type Objective = (x: Float64Array, gradient: Float64Array) => number

export interface LbfgsOptions {
  readonly maxIterations?: number
  /** Stop when max_i |∂f/∂x_i| ≤ this. */
  readonly gradientTolerance?: number
  /** Correction pairs kept for the inverse-Hessian approximation. */
  readonly memory?: number
  /** Stop when (f_prev − f)/max(|f_prev|, |f|, 1) ≤ this (scipy's L-BFGS-B `ftol`). */
  readonly valueTolerance?: number
}

export interface LbfgsResult {
  readonly x: Float64Array
  readonly value: number
  readonly iterations: number
  /** Objective evaluations, line searches included. */
  readonly evaluations: number
  readonly converged: boolean
  readonly reason: string
}

// Defaults as scipy's L-BFGS-B (m = 10, pgtol = 1e-5, ftol = factr·eps = 1e7·2.2e-16), so fits
// stop where the reference implementation stops.
const defaults = { maxIterations: 15000, gradientTolerance: 1e-5, memory: 10, valueTolerance: 2.220446049250313e-9 }

const dot = (u: Float64Array, v: Float64Array, offset: number, n: number): number => {
  let sum = 0
  for (let i = 0; i < n; i++) sum += (u[offset + i] as number) * (v[i] as number)
  return sum
}

const maxAbs = (v: Float64Array): number => {
  let largest = 0
  for (const entry of v) largest = Math.max(largest, Math.abs(entry))
  return largest
}

/** The last `memory` pairs s = x_{k+1} − x_k, y = g_{k+1} − g_k, stored row-wise in a ring. */
class CorrectionPairs {
  readonly s: Float64Array
  readonly y: Float64Array
  readonly rho: Float64Array
  readonly alpha: Float64Array
  count = 0
  newest = -1

  constructor(
    readonly n: number,
    readonly memory: number
  ) {
    this.s = new Float64Array(memory * n)
    this.y = new Float64Array(memory * n)
    this.rho = new Float64Array(memory)
    this.alpha = new Float64Array(memory)
  }

  /** Stores a pair unless yᵀs ≤ 0, which would break positive definiteness of the approximation. */
  push(step: Float64Array, gradientChange: Float64Array): void {
    let ys = 0
    for (let i = 0; i < this.n; i++) ys += (step[i] as number) * (gradientChange[i] as number)
    if (!(ys > 0)) return
    this.newest = (this.newest + 1) % this.memory
    this.s.set(step, this.newest * this.n)
    this.y.set(gradientChange, this.newest * this.n)
    this.rho[this.newest] = 1 / ys
    this.count = Math.min(this.count + 1, this.memory)
  }

  clear(): void {
    this.count = 0
    this.newest = -1
  }

  /** direction = −H·gradient by the two-loop recursion (Nocedal & Wright, Algorithm 7.4). */
  direction(gradient: Float64Array, direction: Float64Array): void {
    const { n, memory, s, y, rho, alpha } = this
    for (let i = 0; i < n; i++) direction[i] = -(gradient[i] as number)
    for (let k = 0; k < this.count; k++) {
      const slot = (this.newest - k + memory) % memory
      const a = (rho[slot] as number) * dot(s, direction, slot * n, n)
      alpha[slot] = a
      for (let i = 0; i < n; i++) direction[i] = (direction[i] as number) - a * (y[slot * n + i] as number)
    }
    if (this.count > 0) {
      // H0 = γI with γ = sᵀy / yᵀy from the newest pair: the usual scaling that makes a unit step likely acceptable.
      let yy = 0
      for (let i = 0; i < n; i++) yy += (y[this.newest * n + i] as number) ** 2
      const gamma = 1 / ((rho[this.newest] as number) * yy)
      for (let i = 0; i < n; i++) direction[i] = (direction[i] as number) * gamma
    }
    for (let k = this.count - 1; k >= 0; k--) {
      const slot = (this.newest - k + memory) % memory
      const b = (rho[slot] as number) * dot(y, direction, slot * n, n)
      const a = alpha[slot] as number
      for (let i = 0; i < n; i++) direction[i] = (direction[i] as number) + (a - b) * (s[slot * n + i] as number)
    }
  }
}

/**
 * Unconstrained minimisation by limited-memory BFGS (Nocedal & Wright, Numerical Optimization,
 * 2nd ed., §7.2) with a strong Wolfe line search. Bounds are the caller's business: reparameterise
 * (log, logistic) so every x is admissible.
 */
export const minimizeLbfgs = (objective: Objective, x0: ArrayLike<number>, options: LbfgsOptions = {}): LbfgsResult => {
  const maxIterations = options.maxIterations ?? defaults.maxIterations
  const gradientTolerance = options.gradientTolerance ?? defaults.gradientTolerance
  const memory = options.memory ?? defaults.memory
  const valueTolerance = options.valueTolerance ?? defaults.valueTolerance
  if (!Number.isInteger(memory) || memory < 1) {
    throw new LawInputError(`L-BFGS memory must be an integer of at least 1, got ${memory}`)
  }
  const n = x0.length
  let x = Float64Array.from(x0)
  let gradient = new Float64Array(n)
  let xTrial = new Float64Array(n)
  let gradientTrial = new Float64Array(n)
  const direction = new Float64Array(n)
  const step = new Float64Array(n)
  const gradientChange = new Float64Array(n)
  const pairs = new CorrectionPairs(n, memory)

  let evaluations = 1
  let value = objective(x, gradient)
  let iterations = 0
  const finish = (converged: boolean, reason: string): LbfgsResult => ({ x, value, iterations, evaluations, converged, reason })

  if (!Number.isFinite(value) || !Array.from(gradient).every(Number.isFinite)) {
    return finish(false, `the objective or its gradient is not finite at the starting point (value ${value})`)
  }
  const phi = (t: number, out: LinePoint): void => {
    for (let i = 0; i < n; i++) xTrial[i] = (x[i] as number) + t * (direction[i] as number)
    out.value = objective(xTrial, gradientTrial)
    let slope = 0
    for (let i = 0; i < n; i++) slope += (gradientTrial[i] as number) * (direction[i] as number)
    out.slope = slope
  }

  while (true) {
    const gradientNorm = maxAbs(gradient)
    if (gradientNorm <= gradientTolerance) {
      return finish(true, `gradient converged: max |∂f/∂x| = ${gradientNorm.toExponential(2)} ≤ ${gradientTolerance}`)
    }
    if (iterations >= maxIterations) {
      return finish(false, `reached the iteration limit (${maxIterations}) with max |∂f/∂x| = ${gradientNorm.toExponential(2)}`)
    }
    pairs.direction(gradient, direction)
    let slope0 = dot(gradient, direction, 0, n)
    if (!(slope0 < 0)) {
      // Rounding can leave the quasi-Newton direction uphill; steepest descent always is downhill.
      pairs.clear()
      pairs.direction(gradient, direction)
      slope0 = dot(gradient, direction, 0, n)
    }
    // Without curvature information the first step is scaled to unit length, as in L-BFGS-B.
    let directionNorm = 0
    for (const entry of direction) directionNorm += entry * entry
    const initialStep = pairs.count === 0 ? Math.min(1, 1 / Math.sqrt(directionNorm)) : 1
    const search = strongWolfeLineSearch(phi, value, slope0, initialStep)
    evaluations += search.evaluations
    if (!search.found) {
      if (pairs.count > 0) {
        // A poor curvature model is the usual cause: retry once from steepest descent.
        pairs.clear()
        continue
      }
      return finish(
        false,
        `line search failed: ${search.failure}; max |∂f/∂x| = ${gradientNorm.toExponential(2)} (if that is small, the value is at the limit of floating-point precision: loosen gradientTolerance)`
      )
    }
    for (let i = 0; i < n; i++) {
      step[i] = search.step * (direction[i] as number)
      gradientChange[i] = (gradientTrial[i] as number) - (gradient[i] as number)
    }
    // The accepted step was the line search's last evaluation, so the trial buffers hold it.
    ;[x, xTrial] = [xTrial, x]
    ;[gradient, gradientTrial] = [gradientTrial, gradient]
    const previousValue = value
    value = search.value
    iterations++
    pairs.push(step, gradientChange)
    const reduction = (previousValue - value) / Math.max(Math.abs(previousValue), Math.abs(value), 1)
    if (reduction <= valueTolerance) {
      return finish(true, `value converged: relative reduction ${reduction.toExponential(2)} ≤ ${valueTolerance}`)
    }
  }
}
