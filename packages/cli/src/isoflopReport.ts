import * as fs from "node:fs/promises"
import * as path from "node:path"
import { Data, Effect } from "effect"
import type { ComputeForecast, IsoflopBudgetFit, IsoflopFit, IsoflopPoint } from "@scalelab/laws"
import { isoflopPlotSpec, writeHtmlReport } from "@scalelab/plots"
import { sci } from "./format.ts"

export class ReportWriteError extends Data.TaggedError("ReportWriteError")<{ readonly message: string }> {}

export interface IsoflopReport {
  readonly indexPath: string
  readonly fitPath: string
  /** What fit.json holds. */
  readonly fitJson: unknown
  readonly plotPaths: ReadonlyArray<string>
}

/**
 * What the report shows: the per-budget curves always (they are how a user sees why a fit failed),
 * and the power laws with their forecasts when enough minima were bracketed to fit them.
 */
export type IsoflopOutcome =
  | { readonly _tag: "Fitted"; readonly fit: IsoflopFit; readonly forecasts: ReadonlyArray<ComputeForecast> }
  | { readonly _tag: "CurvesOnly"; readonly budgets: ReadonlyArray<IsoflopBudgetFit>; readonly reason: string }

const budgetsOf = (outcome: IsoflopOutcome) => (outcome._tag === "Fitted" ? outcome.fit.budgets : outcome.budgets)

const captionOf = (outcome: IsoflopOutcome): string =>
  outcome._tag === "Fitted"
    ? `N*(C) = ${sci(outcome.fit.params_opt.k)}·C^${outcome.fit.params_opt.a.toFixed(3)}, ` +
      `D*(C) = ${sci(outcome.fit.tokens_opt.k)}·C^${outcome.fit.tokens_opt.b.toFixed(3)}, ` +
      `fitted over ${outcome.fit.used_budgets.length} budgets.`
    : `No power law: ${outcome.reason}`

/**
 * The report of an IsoFLOP sweep: the plot as HTML (opens offline from disk), SVG and PNG, and the
 * fit as JSON in the shape `fit --json` prints (DESIGN.md: one object keyed by method).
 */
export const writeIsoflopReport = (
  outDir: string,
  experiment: string,
  points: ReadonlyArray<IsoflopPoint & { readonly id: string }>,
  outcome: IsoflopOutcome
) =>
  Effect.tryPromise({
    try: async (): Promise<IsoflopReport> => {
      await fs.mkdir(outDir, { recursive: true })
      const fitPath = path.join(outDir, "fit.json")
      const fitJson = outcome._tag === "Fitted"
        ? { isoflop: outcome.fit, forecast: outcome.forecasts }
        : { isoflop: { budgets: outcome.budgets, error: outcome.reason } }
      await fs.writeFile(fitPath, `${JSON.stringify(fitJson, null, 2)}\n`)
      const spec = isoflopPlotSpec({
        title: `IsoFLOP curves — ${experiment}`,
        points,
        budgets: budgetsOf(outcome).flatMap((b) =>
          b.params_opt === null || b.loss_opt === null
            ? []
            : [{
              budget: b.budget,
              parabola_params: b.parabola_params,
              params_range: b.params_range,
              params_opt: b.params_opt,
              loss_opt: b.loss_opt,
              bracketed: b.bracketed
            }]
        )
      })
      const files = await writeHtmlReport(outDir, {
        title: `scalelab report — ${experiment}`,
        sections: [{ title: "IsoFLOP curves", name: "isoflop", spec, caption: captionOf(outcome) }]
      })
      return { indexPath: files.indexPath, fitPath, fitJson, plotPaths: files.plots.flatMap((p) => [p.svgPath, p.pngPath]) }
    },
    catch: (cause) =>
      new ReportWriteError({ message: `could not write the report to ${outDir} (${String(cause)}); check that the folder is writable` })
  })
