// Each budget's loss minimum as a marker in its experiment's colour, hollow where not bracketed.
import { scientific } from "@scalelab/laws"
import { type DataLayer, fillEncoding, kindsDrawn, markerShape, type Row, type SharedEncoding, type TooltipDef } from "./encoding.ts"
import {
  type ComparedExperiment,
  compareMarkerLabels,
  compareMarkNames,
  type ComparedMinimum,
  experimentField,
  experimentLabel
} from "./experiments.ts"

const minimumMarker = (minimum: ComparedMinimum) =>
  minimum.bracketed === false ? compareMarkerLabels.unbracketedMinimum : compareMarkerLabels.minimum

/** Every experiment's minima as rows at their budget's compute and `value`, with `facts` for the tooltip. */
export const minimumRows = <Facts extends Row>(
  experiments: ReadonlyArray<ComparedExperiment>,
  value: (minimum: ComparedMinimum) => number,
  facts: (minimum: ComparedMinimum) => Facts
) =>
  experiments.flatMap((e) =>
    e.minima.map((m) => ({
      [experimentField]: experimentLabel(e),
      marker: minimumMarker(m),
      budget_label: scientific(m.compute, 2),
      compute: m.compute,
      value: value(m),
      ...facts(m)
    }))
  )

/** The minima as points in their experiment's colour, hollow where not bracketed. */
export const minimumLayer = (
  rows: ReadonlyArray<Row>,
  encoding: SharedEncoding,
  suffix: string,
  tooltip: Array<TooltipDef>
): DataLayer => {
  const kinds = kindsDrawn(rows, [
    { label: compareMarkerLabels.minimum, shape: "circle", hollow: false },
    { label: compareMarkerLabels.unbracketedMinimum, shape: "circle", hollow: true }
  ])
  return {
    name: `${compareMarkNames.minima}${suffix}`,
    data: { values: [...rows] },
    mark: { type: "point", size: 70, strokeWidth: 1.8, opacity: 1, filled: false },
    encoding: {
      x: encoding.x,
      y: encoding.y,
      shape: markerShape(kinds),
      stroke: encoding.color(true),
      fill: fillEncoding(encoding.color, `datum.marker === '${compareMarkerLabels.unbracketedMinimum}'`),
      tooltip
    }
  }
}
