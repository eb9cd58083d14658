// Each budget's loss minimum as a marker in its experiment's colour, hollow where not bracketed.
import { compareMarkerLabels, compareMarkNames, type ComparedMinimum } from "./experiments.ts"
import { type DataLayer, fillEncoding, kindsDrawn, markerShape, type Row, type SharedEncoding, type TooltipDef } from "./encoding.ts"

export const minimumMarker = (minimum: ComparedMinimum) =>
  minimum.bracketed === false ? compareMarkerLabels.unbracketedMinimum : compareMarkerLabels.minimum

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
