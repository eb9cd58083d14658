/** A number as a person would write it in a spec: exponent notation for very large or small magnitudes. */
export const formatNumber = (value: number): string => {
  if (!Number.isFinite(value)) return String(value)
  // Six significant digits: enough to recognise a value, short enough to read in a message.
  const rounded = Number(value.toPrecision(6))
  const magnitude = Math.abs(rounded)
  if (magnitude === 0 || (magnitude >= 1e-4 && magnitude < 1e6)) return String(rounded)
  return rounded.toExponential().replace("e+", "e")
}

/** Why a number came out infinite: it overflowed what a double holds. */
export const BEYOND_LARGEST_NUMBER = `beyond the largest finite number, about ${Number.MAX_VALUE.toPrecision(2).replace("e+", "e")}`
