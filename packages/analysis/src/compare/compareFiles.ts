// The files of `scalelab compare --out DIR`: compare.json (the comparison as `--json` prints it) and
// the comparison report, index.html with its plots as SVG and PNG, opening offline from disk.
import * as path from "node:path"
import { Effect } from "effect"
import { type HtmlTable, type ReportSection, writeHtmlReport } from "@scalelab/plots"
import { writeFileAtomically } from "@scalelab/spec/atomic-file"
import { ReportWriteError } from "../reportWriter.ts"
import type { CompareResult, ExperimentComparison } from "./compareTypes.ts"
import { compareJson } from "./compareJson.ts"
import { comparisonPlots } from "./comparisonPlots.ts"
import {
  bootstrapLines,
  budgetsTable,
  headlineText,
  lawsTable,
  multiplierTable,
  percent,
  sideBySideText,
  type TextTable,
  trendText,
  unreachedText
} from "./compareText.ts"

export interface WrittenComparison {
  readonly indexPath: string
  readonly jsonPath: string
  /** SVG and PNG of each plot. */
  readonly plotPaths: ReadonlyArray<string>
}

// Columns of numbers, aligned right; the others are text.
const htmlTable = ({ columns, rows }: TextTable, numeric: ReadonlySet<number>): HtmlTable => ({
  columns: columns.map((title, index) => ({ title, numeric: numeric.has(index) })),
  rows
})

const sentence = (line: string) => `${line.charAt(0).toUpperCase()}${line.slice(1)}${line.endsWith(".") ? "" : "."}`

/** A candidate's multipliers, with the headline, the trend in words and how the intervals were made. */
const comparisonSection = (comparison: ExperimentComparison, level: number): ReportSection => {
  const { baseline, candidate } = comparison
  const unreached = unreachedText(comparison)
  return {
    title: `${candidate} against ${baseline}`,
    table: htmlTable(multiplierTable(comparison, level), new Set([0, 1, 2])),
    caption: `The compute multiplier: the compute ${baseline} needs for ${candidate}'s compute-optimal loss, per FLOP ${candidate} spends. ` +
      `Above 1× ${candidate} is ahead.`,
    notes: [headlineText(comparison), trendText(comparison, level), ...bootstrapLines(comparison), ...(unreached === undefined ? [] : [unreached])]
      .map(sentence)
  }
}

/** The report's sections in page order: the multipliers, their plot, the fits side by side and their plots. */
const reportSections = (result: CompareResult): Array<ReportSection> => {
  const plots = comparisonPlots(result)
  const notes = result.experiments.flatMap((experiment) => experiment.notes.map((note) => `${experiment.name}: ${note}.`))
  return [
    ...result.comparisons.map((comparison) => comparisonSection(comparison, result.level)),
    {
      title: "Compute multiplier",
      name: "multiplier",
      spec: plots.multiplier,
      caption: `Each candidate's multiplier over ${result.baseline} against compute, with its ${percent(result.level)} interval ` +
        "from a joint bootstrap of both fits. A band is cut a decade beyond the multipliers drawn: one that runs to the top of the plot " +
        "reaches further, or is unbounded (some resamples never reach the candidate's loss). An infinite multiplier has no point, " +
        "and its line ends there. The tables above give every interval in full."
    },
    {
      title: "Side by side",
      table: htmlTable(lawsTable(result.experiments), new Set([1, 5])),
      caption: `${sentence(sideBySideText(result))}`,
      notes
    },
    { title: "At each budget", table: htmlTable(budgetsTable(result), new Set()) },
    {
      title: "Compute-optimal frontiers",
      name: "frontier",
      spec: plots.frontier,
      caption: "N*(C) and D*(C) of each experiment's IsoFLOP fit: solid over the budgets it swept, dashed beyond, shaded between its bootstrap intervals."
    },
    {
      title: "Loss against compute",
      name: "loss",
      spec: plots.loss,
      caption: "Each experiment's runs and budget minima, and its compute-optimal loss L*(C) from its loss law. The lower line needs less compute for a loss."
    },
    {
      title: "IsoFLOP curves, overlaid",
      name: "isoflop",
      spec: plots.isoflop,
      caption: "Each experiment's runs against model size, one marker shape per budget, with its fitted IsoFLOP curves and their minima."
    }
  ]
}

/** The candidates and baseline, for the report's title. */
const reportTitle = (result: CompareResult): string =>
  `scalelab comparison — ${result.comparisons.map((comparison) => comparison.candidate).join(", ")} against ${result.baseline}`

/**
 * Writes compare.json and the comparison report into `outDir` (created if missing) and returns
 * their paths. Every plot is built before anything is written, and compare.json last: its presence
 * means a whole report.
 */
export const writeComparison = (outDir: string, result: CompareResult) =>
  Effect.tryPromise({
    try: async (): Promise<WrittenComparison> => {
      const sections = reportSections(result)
      const summary = result.comparisons.map((comparison) => `${comparison.candidate} against ${comparison.baseline}: ${headlineText(comparison)}`)
      const files = await writeHtmlReport(outDir, { title: reportTitle(result), summary, sections })
      const jsonPath = path.join(outDir, "compare.json")
      writeFileAtomically(jsonPath, `${JSON.stringify(compareJson(result), null, 2)}\n`)
      return { indexPath: files.indexPath, jsonPath, plotPaths: files.plots.flatMap((plot) => [plot.svgPath, plot.pngPath]) }
    },
    catch: (cause) => new ReportWriteError({ message: `could not write the comparison to ${outDir} (${String(cause)}); check that the folder is writable` })
  })

/** Where the comparison's files are, in the words `scalelab run` and `report` end with. */
export const comparisonWhereToLook = (written: WrittenComparison): ReadonlyArray<string> => {
  const relative = (file: string) => path.relative(process.cwd(), file) || "."
  const pngs = written.plotPaths.filter((file) => file.endsWith(".png")).map((file) => path.basename(file))
  return [
    "Where to look:",
    `  report     ${relative(written.indexPath)}   (open in a browser; works offline)`,
    ...(pngs.length > 0 ? [`  plots      ${relative(path.dirname(written.indexPath))}/{${pngs.join(",")}}  (an SVG beside each)`] : []),
    `  data       ${relative(written.jsonPath)}   (as --json prints it)`
  ]
}
