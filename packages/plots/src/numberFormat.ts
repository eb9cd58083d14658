/**
 * A Vega expression that formats `valueExpression` with SI prefixes, saying B (billion)
 * where d3 says G (giga): model and data sizes are quoted in billions, not gigas.
 */
export const siFormatExpression = (valueExpression: string, d3Format = "~s"): string =>
  `replace(format(${valueExpression}, '${d3Format}'), 'G', 'B')`

const siSuffixes = [
  { factor: 1e12, suffix: "T" },
  { factor: 1e9, suffix: "B" },
  { factor: 1e6, suffix: "M" },
  { factor: 1e3, suffix: "k" }
] as const

/**
 * A size with an SI suffix and at most `digits` significant digits, as siFormatExpression writes
 * it in Vega (43.1k, 2.9M, 1.2B): for labels computed before the spec, such as a legend's domain.
 */
export const formatSi = (value: number, digits = 3): string => {
  if (!Number.isFinite(value)) return String(value)
  // Rounded first, so that 999,960 reads 1M, not 1000k.
  const rounded = Number(value.toPrecision(digits))
  const unit = siSuffixes.find(({ factor }) => Math.abs(rounded) >= factor)
  const scaled = unit === undefined ? rounded : rounded / unit.factor
  // Number() drops the trailing zeros toPrecision keeps (43.0 → 43).
  return `${Number(scaled.toPrecision(digits))}${unit?.suffix ?? ""}`
}
