import { LawInputError } from "../lawInputError.ts"

/**
 * A parameter θ as a smooth function of an unconstrained u, so an unconstrained optimiser can
 * respect bounds: θ = low + (high − low)·σ(u) between finite bounds, low + eᵘ above a lower bound,
 * high − eᵘ below an upper bound, θ = u without bounds.
 */
export interface BoundedParameter {
  readonly toValue: (u: number) => number
  /** dθ/du, for the chain rule. */
  readonly slope: (u: number) => number
  /** The u of a value strictly inside the bounds. */
  readonly toUnconstrained: (value: number) => number
}

const logistic = (u: number): number => 1 / (1 + Math.exp(-u))

const unbounded: BoundedParameter = { toValue: (u) => u, slope: () => 1, toUnconstrained: (value) => value }

/** Throws unless `value` lies strictly inside `bounds`; `where` names it for the user. */
export const requireInside = (value: number, bounds: readonly [number, number], where: string): void => {
  if (!(value > bounds[0] && value < bounds[1])) {
    throw new LawInputError(`${where} is ${value}, outside the bounds (${bounds[0]}, ${bounds[1]}): pick a value strictly inside them`)
  }
}

/** The transform for `bounds` ([−∞, ∞] or absent: none); `where` names the parameter for messages. */
export const boundedParameter = (bounds: readonly [number, number] | undefined, where: string): BoundedParameter => {
  if (bounds === undefined) return unbounded
  const [low, high] = bounds
  if (Number.isNaN(low) || Number.isNaN(high) || !(low < high)) {
    throw new LawInputError(`bounds of ${where} are [${low}, ${high}]: give [low, high] with low < high (±Infinity for none)`)
  }
  const lowFinite = Number.isFinite(low)
  const highFinite = Number.isFinite(high)
  if (lowFinite && highFinite) {
    const width = high - low
    return {
      toValue: (u) => low + width * logistic(u),
      slope: (u) => {
        const s = logistic(u)
        return width * s * (1 - s)
      },
      toUnconstrained: (value) => {
        const fraction = (value - low) / width
        return Math.log(fraction / (1 - fraction))
      }
    }
  }
  if (lowFinite) return { toValue: (u) => low + Math.exp(u), slope: Math.exp, toUnconstrained: (value) => Math.log(value - low) }
  if (highFinite) {
    return { toValue: (u) => high - Math.exp(u), slope: (u) => -Math.exp(u), toUnconstrained: (value) => Math.log(high - value) }
  }
  return unbounded
}
