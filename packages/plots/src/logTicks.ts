/**
 * Tick values for a log axis over [low, high]: 1-2-5 per decade when the domain spans few
 * decades, decades only when it spans many. Vega's own log ticks label every integer
 * multiple (1..9) and then drop labels that collide, which leaves ragged gaps.
 */
export const logAxisTicks = (low: number, high: number): Array<number> => {
  if (!(low > 0) || !(high >= low)) return []
  const firstDecade = Math.floor(Math.log10(low))
  const lastDecade = Math.ceil(Math.log10(high))
  const decadesSpanned = Math.log10(high / low)
  const multipliers = decadesSpanned <= 1.5 ? [1, 2, 5] : decadesSpanned <= 3 ? [1, 3] : [1]
  const ticks: Array<number> = []
  for (let decade = firstDecade; decade <= lastDecade; decade++) {
    for (const multiplier of multipliers) {
      // Built from the exponent text so that 3e-5 is exactly 3e-5, not 2.9999999999999997e-5.
      const tick = Number(`${multiplier}e${decade}`)
      if (tick >= low && tick <= high) ticks.push(tick)
    }
  }
  return ticks
}
