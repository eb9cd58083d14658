/**
 * A number as a reason sentence shows it: two significant digits by default (enough to tell
 * sizes and budgets apart at a glance), exponent notation without "+" beyond 1e4 and below 0.01,
 * e.g. 1e11, 3.2e5, 0.49, 8.
 */
export const reasonNumber = (value: number, digits = 2): string => {
  const rounded = Number(value.toPrecision(digits))
  const magnitude = Math.abs(rounded)
  if (magnitude === 0 || (magnitude >= 0.01 && magnitude < 1e4)) return String(rounded)
  return rounded.toExponential().replace("e+", "e")
}
