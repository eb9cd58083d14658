// The fitted laws of several experiments as layers: each one's band, solid over its sweep and
// dashed beyond, and the rule where the sweeps end.
import { positiveExtent } from "../theme.ts"
import { compareMarkNames, type ComparedExperiment, type ComparePlotInput, experimentField, type LawSample } from "./experiments.ts"
import type { DataLayer, PositionDef, SharedEncoding, TooltipDef } from "./encoding.ts"
import { levelPercent, wrapSubtitle } from "./subtitle.ts"
import { experimentTooltip } from "./tooltips.ts"

/** The sweep's compute range: from the smallest to the largest budget run, or minimum read. */
export const sweptRange = (experiment: ComparedExperiment): readonly [number, number] | undefined => {
  const budgets = [...experiment.runs.map((run) => run.budget), ...experiment.minima.map((minimum) => minimum.compute)]
  return budgets.length === 0 ? undefined : positiveExtent(budgets)
}

/**
 * A law's samples split where the sweep ends: solid inside the swept range, dashed outside it.
 * Each dashed piece starts at the solid line's last sample so the line is unbroken, and carries
 * its own `piece` so Vega does not join the piece below the sweep to the one above it.
 */
const lawRows = (label: string, samples: ReadonlyArray<LawSample>, swept: readonly [number, number] | undefined) => {
  const sorted = [...samples].filter((s) => s.compute > 0 && Number.isFinite(s.value)).sort((a, b) => a.compute - b.compute)
  const row = (sample: LawSample, piece: string) => ({ [experimentField]: label, piece: `${label}/${piece}`, compute: sample.compute, value: sample.value })
  if (swept === undefined) return { fitted: [], extrapolated: sorted.map((s) => row(s, "all")) }
  // A little slack so that a sample computed at the largest budget counts as inside.
  const inside = (s: LawSample) => s.compute >= swept[0] * (1 - 1e-9) && s.compute <= swept[1] * (1 + 1e-9)
  const fitted = sorted.filter(inside)
  const below = sorted.filter((s) => s.compute < swept[0] * (1 - 1e-9))
  const above = sorted.filter((s) => s.compute > swept[1] * (1 + 1e-9))
  const first = fitted[0]
  const last = fitted.at(-1)
  return {
    fitted: fitted.map((s) => row(s, "fitted")),
    extrapolated: [
      ...(below.length > 0 ? [...below, ...(first === undefined ? [] : [first])].map((s) => row(s, "below")) : []),
      ...(above.length > 0 ? [...(last === undefined ? [] : [last]), ...above].map((s) => row(s, "above")) : [])
    ]
  }
}

const bandRows = (label: string, samples: ReadonlyArray<LawSample>) => {
  const banded = samples.filter((s) => s.interval !== undefined && s.compute > 0)
  // One interval is a point, not a band.
  return banded.length < 2
    ? []
    : banded.map((s) => ({ [experimentField]: label, compute: s.compute, low: s.interval?.[0], high: s.interval?.[1] }))
}

/** Whether some law has a band to shade. */
export const anyBanded = (laws: ReadonlyArray<DrawnLaw>): boolean => laws.some((law) => bandRows(law.label, law.samples).length > 0)

export type DrawnLaw = { readonly label: string; readonly samples: ReadonlyArray<LawSample>; readonly swept: readonly [number, number] | undefined }

/** The layers of one fitted law per experiment: its band, the solid line over the sweep and the dashed extrapolation. */
export const lawLayers = (
  laws: ReadonlyArray<DrawnLaw>,
  encoding: SharedEncoding,
  suffix: string
): Array<DataLayer> => {
  const split = laws.map((law) => lawRows(law.label, law.samples, law.swept))
  const tooltip: Array<TooltipDef> = [
    experimentTooltip(),
    { field: "compute", type: "quantitative", title: "C (FLOPs)", format: ".3~e" },
    { field: "value", type: "quantitative", title: "Fitted", format: ".4~g" }
  ]
  return [
    {
      name: `${compareMarkNames.band}${suffix}`,
      data: { values: laws.flatMap((law) => bandRows(law.label, law.samples)) },
      mark: { type: "area", opacity: 0.16, clip: true },
      encoding: { x: encoding.x, y: { ...encoding.y, field: "low" }, y2: { field: "high" }, color: encoding.color(true) }
    },
    {
      name: `${compareMarkNames.fitted}${suffix}`,
      data: { values: split.flatMap((rows) => rows.fitted) },
      mark: { type: "line", strokeWidth: 2.5, clip: true },
      encoding: { x: encoding.x, y: encoding.y, color: encoding.color(true), detail: { field: "piece" }, tooltip }
    },
    {
      name: `${compareMarkNames.extrapolated}${suffix}`,
      data: { values: split.flatMap((rows) => rows.extrapolated) },
      mark: { type: "line", strokeWidth: 2, strokeDash: [6, 4], clip: true },
      encoding: { x: encoding.x, y: encoding.y, color: encoding.color(true), detail: { field: "piece" }, tooltip }
    }
  ]
}

/**
 * Where every experiment's sweep has ended: a faint vertical rule and the word "forecast" beside
 * it, so the eye tells measured from extrapolated without reading the line styles. Nothing when
 * no law reaches past it.
 */
export const boundaryLayers = (laws: ReadonlyArray<DrawnLaw>, lawEnd: number, x: PositionDef, suffix: string): Array<DataLayer> => {
  const sweptEnds = laws.flatMap((law) => law.swept === undefined ? [] : [law.swept[1]])
  const boundary = sweptEnds.length === 0 ? undefined : Math.max(...sweptEnds)
  return boundary === undefined || !(lawEnd > boundary * 1.01)
    ? []
    : ([
      {
        name: `${compareMarkNames.boundary}${suffix}`,
        data: { values: [{ compute: boundary }] },
        mark: { type: "rule", color: "#888888", strokeDash: [2, 3], strokeWidth: 1.2 },
        encoding: { x }
      },
      {
        name: `${compareMarkNames.boundaryLabel}${suffix}`,
        data: { values: [{ compute: boundary, text: "forecast →" }] },
        mark: { type: "text", align: "left", baseline: "top", dx: 5, y: 6, color: "#666666", fontSize: 11 },
        encoding: { x, text: { field: "text" } }
      }
    ])
}

/** The lines under a title that say how the laws are drawn (nothing of them where no experiment has one), then the caller's note. */
export const lawNotes = (input: ComparePlotInput, laws: ReadonlyArray<DrawnLaw>): Array<string> => {
  const drawn = laws.some((law) => law.samples.length > 0)
  const extrapolated = laws.some((law) => lawRows(law.label, law.samples, law.swept).extrapolated.length > 0)
  return [
    ...(drawn ? [`Solid: over the budgets swept${extrapolated ? "; dashed: extrapolated" : ""}`] : []),
    ...(anyBanded(laws) ? [`Shaded: ${levelPercent(input.intervalLevel)}% bootstrap interval`] : []),
    ...(input.note === undefined ? [] : wrapSubtitle(input.note))
  ]
}
