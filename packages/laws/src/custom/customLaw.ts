import type { BoundedParameter } from "../optim/boundedParameter.ts"
import { boundedParameter, requireInside } from "../optim/boundedParameter.ts"
import type { CompiledLaw, SlotFunction } from "./lawExpression.ts"
import { compileLaw } from "./lawExpression.ts"
import { LawInputError } from "../lawInputError.ts"
import type { Objective } from "../optim/lbfgs.ts"
import { minimizeLbfgs } from "../optim/lbfgs.ts"
import { huber } from "../fit/parametricObjective.ts"
import type { Random } from "../random.ts"
import { mulberry32 } from "../random.ts"
import { requireInteger, requirePositive } from "../validate.ts"

/** Where the multi-start draws a parameter's first value: uniformly in [low, high], or one value. */
export type StartRange = readonly [number, number] | number

export interface CustomLawParameter {
  readonly start: StartRange
  /** Open bounds the fit respects by reparameterisation; ±Infinity for a one-sided bound. */
  readonly bounds?: readonly [number, number]
}

/** A law written by the user: `expression` in `variables` (columns of the rows) and fitted `parameters`. */
export interface CustomLaw {
  readonly expression: string
  readonly variables: ReadonlyArray<string>
  readonly parameters: Readonly<Record<string, CustomLawParameter>>
}

export interface CustomLawOptions {
  /** Multi-start count (default 16). */
  readonly starts?: number
  readonly seed?: number
  /** Huber δ on log residuals (default 1e-3, as Chinchilla). */
  readonly delta?: number
  /** Fit Huber(ln law − ln loss) (default) or, when false, the plain sum of squares (law − loss)². */
  readonly logSpace?: boolean
}

export interface CustomLawFit {
  readonly parameters: Readonly<Record<string, number>>
  readonly objective: number
  readonly n_points: number
  readonly starts: number
  readonly converged_starts: number
  /** Per row: ln law − ln loss in log space, law − loss otherwise. */
  readonly residuals: ReadonlyArray<number>
}

/** A row of results: the law's variables and the observed `loss`. */
export type LawRow = Readonly<Record<string, number>>

const defaultStarts = 16
const defaultDelta = 1e-3

/** Slot arrays per row (variables first, parameters after) and the observed losses. */
interface Observations {
  readonly slots: ReadonlyArray<Float64Array>
  readonly loss: Float64Array
}

/** One slot array per row, the law's variables filled in from the row's columns. */
const readVariables = (law: CompiledLaw, rows: ReadonlyArray<LawRow>): Float64Array[] => {
  if (rows.length === 0) throw new LawInputError(`law needs rows of data with columns ${law.variables.join(", ")}, got none`)
  const width = law.variables.length + law.parameters.length
  return rows.map((row, index) => {
    const slot = new Float64Array(width)
    law.variables.forEach((name, i) => {
      const value = row[name]
      if (value === undefined || !Number.isFinite(value)) {
        throw new LawInputError(`row ${index}: variable ${name} is ${value}; every row needs a finite ${name}: fix or drop the row`)
      }
      slot[i] = value
    })
    return slot
  })
}

const readLosses = (rows: ReadonlyArray<LawRow>, logSpace: boolean): Float64Array =>
  Float64Array.from(rows, (row, index) => {
    const value = row["loss"]
    if (value === undefined || !Number.isFinite(value) || (logSpace && value <= 0)) {
      const need = logSpace ? "a finite loss above 0 (the fit is in log space)" : "a finite loss"
      throw new LawInputError(`row ${index}: loss is ${value}; every row needs ${need}: fix or drop the row`)
    }
    return value
  })

/** Huber'(r): the residual clipped to ±δ. */
const huberSlope = (delta: number, residual: number): number => Math.max(-delta, Math.min(delta, residual))

/** The fit's objective in unconstrained coordinates u, with the chain rule through each bound transform. */
const lawObjective = (
  law: CompiledLaw,
  transforms: ReadonlyArray<BoundedParameter>,
  observations: Observations,
  delta: number,
  logSpace: boolean
): Objective => {
  const offset = law.variables.length
  const count = transforms.length
  const values = new Float64Array(count)
  const valueGradient = new Float64Array(count)
  return (u, gradient) => {
    for (let p = 0; p < count; p++) values[p] = (transforms[p] as BoundedParameter).toValue(u[p] as number)
    valueGradient.fill(0)
    let total = 0
    for (let row = 0; row < observations.slots.length; row++) {
      const slot = observations.slots[row] as Float64Array
      slot.set(values, offset)
      const predicted = law.value(slot)
      const observed = observations.loss[row] as number
      let weight: number
      if (logSpace) {
        // A law that is not positive has no logarithm: infinite, so the line search backs off.
        if (!(predicted > 0)) return Number.POSITIVE_INFINITY
        const residual = Math.log(predicted) - Math.log(observed)
        total += huber(delta, residual)
        weight = huberSlope(delta, residual) / predicted
      } else {
        const residual = predicted - observed
        total += residual * residual
        weight = 2 * residual
      }
      for (let p = 0; p < count; p++) {
        valueGradient[p] = (valueGradient[p] as number) + weight * (law.gradient[p] as SlotFunction)(slot)
      }
    }
    for (let p = 0; p < count; p++) {
      gradient[p] = (valueGradient[p] as number) * (transforms[p] as BoundedParameter).slope(u[p] as number)
    }
    return total
  }
}

const drawStart = (start: StartRange, random: Random): number =>
  typeof start === "number" ? start : start[0] + (start[1] - start[0]) * random()

const checkStart = (name: string, parameter: CustomLawParameter): void => {
  const bounds = parameter.bounds ?? [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY]
  const { start } = parameter
  if (typeof start === "number") {
    requireInside(start, bounds, `the start of ${name}`)
    return
  }
  const [low, high] = start
  if (!Number.isFinite(low) || !Number.isFinite(high) || low > high) {
    throw new LawInputError(`the start range of ${name} is [${low}, ${high}]: give finite [low, high] with low ≤ high`)
  }
  // The draw may land on `low` itself, which a bound at `low` excludes; the midpoint must be inside.
  if (low < bounds[0] || high > bounds[1] || !((low + high) / 2 > bounds[0] && (low + high) / 2 < bounds[1])) {
    throw new LawInputError(`the start range of ${name} [${low}, ${high}] leaves its bounds (${bounds[0]}, ${bounds[1]}): narrow it`)
  }
}

const residualsAt = (law: CompiledLaw, values: Float64Array, observations: Observations, logSpace: boolean): number[] =>
  observations.slots.map((slot, row) => {
    slot.set(values, law.variables.length)
    const predicted = law.value(slot)
    const observed = observations.loss[row] as number
    return logSpace ? Math.log(predicted) - Math.log(observed) : predicted - observed
  })

/**
 * Fits a user's law to rows of results: minimises Σ Huber_δ(ln law − ln loss) (Chinchilla's
 * approach-3 objective, for any form) or Σ (law − loss)², by L-BFGS from `starts` seeded draws in
 * the parameters' start ranges, keeping the best. Gradients are symbolic, so each start costs only
 * evaluations of compiled closures.
 */
export const fitCustomLaw = (law: CustomLaw, rows: ReadonlyArray<LawRow>, options: CustomLawOptions = {}): CustomLawFit => {
  const starts = options.starts ?? defaultStarts
  const delta = options.delta ?? defaultDelta
  const logSpace = options.logSpace ?? true
  requireInteger(starts, 1, "starts")
  requirePositive(delta, "delta")
  const names = Object.keys(law.parameters)
  const compiled = compileLaw(law.expression, law.variables, names)
  const specs = names.map((name) => {
    const spec = law.parameters[name] as CustomLawParameter
    checkStart(name, spec)
    return spec
  })
  const transforms = specs.map((spec, p) => boundedParameter(spec.bounds, `parameter ${names[p]}`))
  const observations = { slots: readVariables(compiled, rows), loss: readLosses(rows, logSpace) }
  const objective = lawObjective(compiled, transforms, observations, delta, logSpace)
  const random = mulberry32(options.seed ?? 0)

  let best: { readonly u: Float64Array; readonly value: number } | undefined
  let convergedStarts = 0
  for (let s = 0; s < starts; s++) {
    const u0 = specs.map((spec, p) => (transforms[p] as BoundedParameter).toUnconstrained(drawStart(spec.start, random)))
    const result = minimizeLbfgs(objective, u0)
    if (result.converged) convergedStarts++
    if (Number.isFinite(result.value) && (best === undefined || result.value < best.value)) best = { u: result.x, value: result.value }
  }
  if (best === undefined) {
    throw new LawInputError(
      `law \`${law.expression}\`: no start gave a finite objective (the law is not finite${logSpace ? " and positive" : ""} on the rows): change the start ranges or bounds`
    )
  }
  const { u, value } = best
  const values = Float64Array.from(transforms, (transform, p) => transform.toValue(u[p] as number))
  return {
    parameters: Object.fromEntries(names.map((name, p) => [name, values[p] as number])),
    objective: value,
    n_points: rows.length,
    starts,
    converged_starts: convergedStarts,
    residuals: residualsAt(compiled, values, observations, logSpace)
  }
}

/** The law's prediction per row at fitted (or any) parameter values. */
export const predictCustomLaw = (law: CustomLaw, parameters: Readonly<Record<string, number>>, rows: ReadonlyArray<LawRow>): number[] => {
  const names = Object.keys(law.parameters)
  const compiled = compileLaw(law.expression, law.variables, names)
  const values = Float64Array.from(names, (name) => {
    const value = parameters[name]
    if (value === undefined) throw new LawInputError(`no value for parameter ${name} of law \`${law.expression}\``)
    return value
  })
  return readVariables(compiled, rows).map((slot) => {
    slot.set(values, compiled.variables.length)
    return compiled.value(slot)
  })
}
