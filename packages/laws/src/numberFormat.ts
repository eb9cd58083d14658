// How scalelab writes numbers, for every package: spec messages, planner reasons, terminal tables,
// reports and plot labels. Each caller's style is a named variant of `significant`, which differ
// only in digits and in the magnitudes written out in full.

/**
 * The magnitudes `significant` writes as plain decimals, low ≤ |x| < high; others get exponent
 * notation. `judge` says which value the range is judged on: the value rounded to its digits (the
 * default: 99,999.7 at 3 digits rounds to 100,000 and, with high = 1e5, reads 1e5) or the value as
 * given (it reads 100000).
 */
export interface PlainRange {
  readonly low: number
  readonly high: number
  readonly judge?: "rounded" | "given"
}

/**
 * `value` in exponent notation to `digits` significant digits, without "+": 1e11, 3.2e11, 1e-3, and
 * 0 for zero. With `trailingZeros: "keep"` every digit is written, so a column of them lines up:
 * 1.00e11, 3.20e11, 0.00e0.
 */
export const scientific = (value: number, digits: number, options: { readonly trailingZeros?: "drop" | "keep" } = {}): string => {
  const keepZeros = options.trailingZeros === "keep"
  if (!Number.isFinite(value) || (value === 0 && !keepZeros)) return String(value)
  // Mantissa and exponent apart: Number() drops the mantissa's trailing zeros (1.00 → 1) and the
  // exponent's "+", where rounding the whole value would overflow near the largest double.
  const [mantissa = "", exponent = ""] = value.toExponential(digits - 1).split("e")
  return `${keepZeros ? mantissa : Number(mantissa)}e${Number(exponent)}`
}

/** `value` to `digits` significant digits: a plain decimal within `plain` (0.49, 8, 1234), exponent notation outside it (3.2e5). */
export const significant = (value: number, digits: number, plain: PlainRange): string => {
  if (!Number.isFinite(value)) return String(value)
  const rounded = Number(value.toPrecision(digits))
  const magnitude = Math.abs(plain.judge === "given" ? value : rounded)
  if (magnitude === 0 || (magnitude >= plain.low && magnitude < plain.high)) return String(rounded)
  return scientific(value, digits)
}

/**
 * A number as a person would write it in a spec, for messages that quote one: six significant
 * digits (enough to recognise a value, short enough to read), exponent notation from 1e6 and below 1e-4.
 */
export const messageNumber = (value: number): string => significant(value, 6, { low: 1e-4, high: 1e6 })

/**
 * A number as a planner's reason sentence shows it: two significant digits by default (enough to
 * tell sizes and budgets apart at a glance), exponent notation from 1e4 and below 0.01: 1e11, 3.2e5, 0.49, 8.
 */
export const reasonNumber = (value: number, digits = 2): string => significant(value, digits, { low: 0.01, high: 1e4 })

/**
 * Compact notation for the quantities of tables and reports, which span orders of magnitude: three
 * significant digits by default, exponent notation from 1e5 and below 1e-3 judged on the value as
 * given (1.2e11, 3.16e5, 0.0123, 99999.7 → 100000).
 */
export const sci = (value: number, digits = 3): string => significant(value, digits, { low: 1e-3, high: 1e5, judge: "given" })
