// Seeded randomness. Everything a run draws (initial weights, batch windows) comes from here, so
// a RunSpec's seed alone reproduces the run on any backend.

/** The seeded uniform generator shared with the laws package (mulberry32), so one seed means one stream everywhere. */
export { mulberry32 as uniformSource } from "@scalelab/laws"

/** Box–Muller transform of a uniform source into normal(mean, std) samples. */
export function normalSamples(count: number, std: number, uniform: () => number): Float32Array {
  const out = new Float32Array(count)
  for (let i = 0; i < count; i += 2) {
    const radius = Math.sqrt(-2 * Math.log(1 - uniform())) * std
    const angle = 2 * Math.PI * uniform()
    out[i] = radius * Math.cos(angle)
    if (i + 1 < count) out[i + 1] = radius * Math.sin(angle)
  }
  return out
}

/** FNV-1a: a stable 32-bit hash of a string, independent of platform and run. */
export function hashString(text: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return hash >>> 0
}
