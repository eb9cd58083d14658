/**
 * Compact scientific notation for compute budgets: 1e11, 3.2e11, never 100000000000.
 * Two significant digits are enough to tell the budgets of a sweep apart.
 */
export const formatScientific = (value: number): string => {
  if (!Number.isFinite(value)) return String(value)
  if (value === 0) return "0"
  const [mantissa = "", exponent = "0"] = value.toExponential(1).split("e")
  const trimmedMantissa = mantissa.replace(/\.0$/, "")
  return `${trimmedMantissa}e${Number(exponent)}`
}

/**
 * A Vega expression that formats `valueExpression` with SI prefixes, saying B (billion)
 * where d3 says G (giga): model and data sizes are quoted in billions, not gigas.
 */
export const siFormatExpression = (valueExpression: string, d3Format = "~s"): string =>
  `replace(format(${valueExpression}, '${d3Format}'), 'G', 'B')`
