/** Loss as a quadratic in x = log10(params): loss = c0 + c1·x + c2·x². */
export interface LogParabola {
  readonly c0: number
  readonly c1: number
  readonly c2: number
}

export const evaluateLogParabola = (parabola: LogParabola, params: number): number => {
  const x = Math.log10(params)
  return parabola.c0 + parabola.c1 * x + parabola.c2 * x * x
}

export interface CurvePoint {
  readonly params: number
  readonly loss: number
}

/**
 * Widens [low, high] on each side by `fraction` of its width in log space: a fitted curve
 * drawn a little past the outermost runs shows its trend there without claiming much.
 */
export const widenLogRange = (range: readonly [number, number], fraction: number): [number, number] => {
  const low = Math.min(range[0], range[1])
  const high = Math.max(range[0], range[1])
  const factor = (high / low) ** fraction
  return [low / factor, high * factor]
}

/** Samples the parabola evenly in log10(params) from one end of `paramsRange` to the other. */
export const sampleLogParabola = (
  parabola: LogParabola,
  paramsRange: readonly [number, number],
  samples = 64
): Array<CurvePoint> => {
  const count = Math.max(2, samples)
  const start = Math.log10(paramsRange[0])
  const step = (Math.log10(paramsRange[1]) - start) / (count - 1)
  return Array.from({ length: count }, (_, index) => {
    const params = 10 ** (start + index * step)
    return { params, loss: evaluateLogParabola(parabola, params) }
  })
}
