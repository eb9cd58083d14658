import { createHash } from "node:crypto"

/** JSON with object keys sorted at every level, so equal values always serialise to equal text. */
export const canonicalJson = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v
  )

/**
 * A run's id is a hash of everything that determines its outcome, so changing one field of the spec
 * changes only the ids of the runs it affects, and a finished run is recognised again on the next
 * `scalelab run` however the spec file was reformatted. 16 hex digits keep folder names short;
 * collisions among a sweep's few hundred runs are out of reach (2^-64 per pair).
 */
export const contentId = (value: unknown): string =>
  createHash("sha256").update(canonicalJson(value)).digest("hex").slice(0, 16)
