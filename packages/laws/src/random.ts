/** A source of uniform numbers in [0, 1). */
export type Random = () => number

/**
 * mulberry32: a 32-bit seeded generator, small and fast, statistically good enough for noise in
 * tests and for bootstrap resampling, and reproducible across platforms (integer arithmetic only).
 */
export const mulberry32 = (seed: number): Random => {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A standard normal draw by the Box–Muller transform; 1 − u keeps the logarithm finite. */
export const standardNormal = (random: Random): number =>
  Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())
