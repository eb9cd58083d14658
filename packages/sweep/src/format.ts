// Numbers are written by the one formatter in @scalelab/laws, and a run's FLOPs counted by its 6·N·D
// rule; both are re-exported here for the shells (the CLI imports no laws: the library stands
// between), beside the durations and tables of terminal text.
export { sci, sixNDFlops } from "@scalelab/laws"

export const seconds = (s: number): string =>
  s < 60 ? `${s.toFixed(1)} s` : s < 3600 ? `${Math.floor(s / 60)} min ${Math.round(s % 60)} s` : `${(s / 3600).toFixed(1)} h`

/** A plain text table: columns padded to their widest cell, numbers right-aligned. */
export const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)))
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => /^[-+0-9.e%]+$/.test(r[i] ?? "")))
  const line = (cells: ReadonlyArray<string>) =>
    cells.map((c, i) => (numeric[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join("  ").trimEnd()
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n")
}
