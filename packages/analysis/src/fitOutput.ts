import { type Interval, lawFormFormula, type ResampleCounts } from "@scalelab/laws"
import { sci, table } from "@scalelab/sweep"
import type { DownstreamResult, EnvelopeResult, IsoflopResult, LawResult, ParametricResult } from "./resultsFit.ts"
import type { LoadedResults } from "./resultsInput.ts"
import type { LoadedCurves } from "./trainingCurves.ts"

/** A method's fit, with what its output needs to say where the data came from. */
export type MethodOutcome =
  | { readonly method: "isoflop"; readonly result: IsoflopResult }
  | { readonly method: "parametric"; readonly result: ParametricResult }
  | { readonly method: "envelope"; readonly result: EnvelopeResult; readonly loss: LoadedCurves["loss"] }
  | { readonly method: "law"; readonly result: LawResult; readonly file: string }
  | { readonly method: "downstream"; readonly results: ReadonlyArray<DownstreamResult> }

export const budgetNote: Readonly<Record<LoadedResults["budgets"], string>> = {
  column: "budgets from the table's budget column",
  plan: "budgets from the spec's plan",
  flops: "no budget column: runs grouped into budgets by their FLOPs rounded to 3 significant digits"
}

const bootstrapSummary = (bootstrap: ResampleCounts & { readonly level: number; readonly first_failure?: string | null }) => ({
  level: bootstrap.level,
  resamples_requested: bootstrap.resamples_requested,
  resamples_used: bootstrap.resamples_used,
  failed_resamples: bootstrap.failed_resamples,
  trustworthy: bootstrap.trustworthy,
  warning: bootstrap.warning,
  ...(bootstrap.first_failure === undefined ? {} : { first_failure: bootstrap.first_failure })
})

const isoflopJson = ({ fit, diagnostics, bootstrap }: IsoflopResult, budgets: LoadedResults["budgets"]) => ({
  ...fit,
  budgets_from: budgets,
  diagnostics,
  ...(bootstrap === undefined ? {} : {
    ci: {
      params_opt: { k: bootstrap.params_opt_k, a: bootstrap.params_opt_a },
      tokens_opt: { k: bootstrap.tokens_opt_k, b: bootstrap.tokens_opt_b }
    },
    bootstrap: bootstrapSummary(bootstrap)
  })
})

const formScoresJson = (result: ParametricResult) =>
  result.form_scores.map(({ form, score, note, backtests }) => ({
    form,
    score,
    ...(note === undefined ? {} : { note }),
    backtests: backtests.map(({ held_out, fitted_budgets, rms_log_error, mean_log_error }) => ({ held_out, fitted_budgets, rms_log_error, mean_log_error }))
  }))

const parametricJson = (result: ParametricResult) => {
  const { law, diagnostics, bootstrap, calibration } = result
  return {
    form: law.form,
    form_requested: result.form.requested,
    form_reason: result.form.reason,
    ...law.parameters,
    objective: law.objective,
    n_points: law.n_points,
    starts: law.starts,
    converged_starts: law.converged_starts,
    diagnostics,
    form_scores: formScoresJson(result),
    calibration: calibration.calibrated
      ? { calibrated: true, level: calibration.level, per_decade: calibration.per_decade, errors_used: calibration.errors_used, reference_compute: calibration.reference_compute }
      : calibration,
    ...(bootstrap === undefined ? {} : {
      ci: bootstrap.ci,
      bootstrap: bootstrapSummary(bootstrap)
    })
  }
}

const envelopeJson = ({ fit, bootstrap, forecasts }: EnvelopeResult, loss: LoadedCurves["loss"]) => ({
  params_opt: fit.params_opt,
  tokens_opt: fit.tokens_opt,
  r2s: fit.r2s,
  n_used: fit.n_used,
  loss_from: loss,
  points: fit.points,
  forecasts,
  ...(bootstrap === undefined ? {} : {
    ci: {
      params_opt: { k: bootstrap.params_opt_k, a: bootstrap.params_opt_a },
      tokens_opt: { k: bootstrap.tokens_opt_k, b: bootstrap.tokens_opt_b },
      forecasts: bootstrap.forecasts
    },
    bootstrap: bootstrapSummary(bootstrap)
  })
})

const lawJson = ({ fit, bootstrap }: LawResult, file: string) => ({
  law_file: file,
  ...fit,
  ...(bootstrap === undefined ? {} : { ci: bootstrap.parameters, bootstrap: bootstrapSummary(bootstrap) })
})

const downstreamJson = (results: ReadonlyArray<DownstreamResult>) =>
  Object.fromEntries(results.map(({ task, fit, bootstrap, forecasts }) => [
    task,
    {
      nll: fit.nll,
      accuracy: fit.accuracy,
      forecasts,
      ...(bootstrap === undefined ? {} : {
        ci: { nll: bootstrap.nll, accuracy: bootstrap.accuracy, forecasts: bootstrap.forecasts },
        bootstrap: bootstrapSummary(bootstrap)
      })
    }
  ]))

/** The `fit --json` entry of one fitted method (docs/fitting.md, "JSON": one object keyed by method). */
export const outcomeJson = (outcome: MethodOutcome, results: LoadedResults): unknown => {
  switch (outcome.method) {
    case "isoflop":
      return isoflopJson(outcome.result, results.budgets)
    case "parametric":
      return parametricJson(outcome.result)
    case "envelope":
      return envelopeJson(outcome.result, outcome.loss)
    case "law":
      return lawJson(outcome.result, outcome.file)
    case "downstream":
      return downstreamJson(outcome.results)
  }
}

/**
 * The line that says what the intervals rest on: "80% intervals from U of R resamples", and, when
 * too many resamples failed, the warning that they are not to be read as fine.
 */
const resampleLine = (bootstrap: ResampleCounts & { readonly level: number }, indent = ""): string =>
  `${indent}${Math.round(bootstrap.level * 100)}% intervals from ${bootstrap.resamples_used} of ${bootstrap.resamples_requested} resamples` +
  (bootstrap.trustworthy ? "" : `\n${indent}WARNING: ${bootstrap.warning}`)

const range = (interval: Interval | undefined, digits = 3): string =>
  interval === undefined ? "" : `[${sci(interval[0], digits)}, ${sci(interval[1], digits)}]`

const isoflopText = ({ fit, diagnostics, bootstrap }: IsoflopResult, results: LoadedResults): string => {
  const used = new Set(fit.used_budgets)
  const curves = table(
    ["budget", "runs", "N*", "D*", "loss*", "R²", "used"],
    fit.budgets.map((curve, i) => [
      sci(curve.budget),
      String(curve.n_points),
      curve.params_opt === null ? "-" : sci(curve.params_opt),
      curve.tokens_opt === null ? "-" : sci(curve.tokens_opt),
      curve.loss_opt === null ? "-" : curve.loss_opt.toFixed(4),
      (diagnostics.budgets[i]?.r2 ?? Number.NaN).toFixed(3),
      used.has(curve.budget) ? "yes" : "no"
    ])
  )
  const worstMiss = diagnostics.leave_one_budget_out.reduce<(typeof diagnostics.leave_one_budget_out)[number] | undefined>(
    (worst, entry) => (worst === undefined || Math.abs(entry.log10_error) > Math.abs(worst.log10_error) ? entry : worst),
    undefined
  )
  return [
    `isoflop: ${results.points.length} runs in ${fit.budgets.length} budgets (${budgetNote[results.budgets]})`,
    `minimum of each budget: ${fit.minimum}`,
    curves,
    ...fit.excluded_budgets.map((entry) => `  budget ${sci(entry.budget)} left out: ${entry.reason}`),
    `N*(C) = ${sci(fit.params_opt.k)} · C^${fit.params_opt.a.toFixed(4)}   R² ${fit.r2s.params.toFixed(3)}` +
      (bootstrap === undefined ? "" : `   a in ${range(bootstrap.params_opt_a, 4)} (${bootstrap.level * 100}%)`),
    `D*(C) = ${sci(fit.tokens_opt.k)} · C^${fit.tokens_opt.b.toFixed(4)}   R² ${fit.r2s.tokens.toFixed(3)}` +
      (bootstrap === undefined ? "" : `   b in ${range(bootstrap.tokens_opt_b, 4)} (${bootstrap.level * 100}%)`),
    ...(bootstrap === undefined ? [] : [resampleLine(bootstrap)]),
    `diagnostics: ${diagnostics.points_used} runs used, ${diagnostics.points_dropped} dropped, ` +
      `${diagnostics.unbracketed_budgets.length} budgets unbracketed` +
      (worstMiss === undefined
        ? "; leave-one-budget-out needs 3 used budgets"
        : `; leave-one-budget-out: worst N* miss ${(worstMiss.relative_error * 100).toFixed(1)}% at budget ${sci(worstMiss.budget)}`),
    diagnostics.seed_spread === null
      ? "seed spread: no replicate runs (one seed per size)"
      : `seed spread: SD of loss ${sci(diagnostics.seed_spread.sd)} between seeds of one size, ` +
        `over ${diagnostics.seed_spread.groups} sizes with replicates (${diagnostics.seed_spread.df} degrees of freedom)`
  ].join("\n")
}

const parametricText = (result: ParametricResult): string => {
  const { law, diagnostics, bootstrap, calibration } = result
  const constants = Object.entries(law.parameters).map(([name, value]) => [name, sci(value, 4), range(bootstrap?.ci[name], 4)])
  const scores = table(
    ["form", "held-out RMS ln", "mean ln error", "backtests"],
    result.form_scores.map(({ form, score, note, backtests }) => [
      form === law.form ? `${form} *` : form,
      score === undefined ? "-" : sci(score, 3),
      backtests.length === 0 ? "-" : sci(backtests.flatMap((b) => b.errors).reduce((sum, e, _, all) => sum + e.log_error / all.length, 0), 3),
      note ?? backtests.map((b) => `leave-${b.held_out}-out ${sci(b.rms_log_error, 3)}`).join(", ")
    ])
  )
  return [
    `parametric: L(N, D) = ${lawFormFormula(law.form)} (${result.form.reason}) over ${law.n_points} runs; ` +
      `Huber objective ${sci(law.objective, 4)}, ${law.converged_starts} of ${law.starts} starts converged`,
    bootstrap === undefined
      ? table(["constant", "value"], constants.map((row) => row.slice(0, 2)))
      : `${table(["constant", "value", `${bootstrap.level * 100}% interval`], constants)}\n${resampleLine(bootstrap)}`,
    `diagnostics: R² of ln(loss) ${diagnostics.r2_log.toFixed(4)}, RMS of ln residuals ${sci(diagnostics.rms_log_residual)}`,
    "law forms by leave-largest-out (fit all budgets but the largest, or two largest; forecast the held-out runs):",
    scores,
    calibration.calibrated
      ? `extrapolation: calibrated; forecast loss intervals widen by ×e^(${sci(calibration.per_decade, 3)}·d) at d decades past ` +
        `${sci(calibration.reference_compute)} FLOPs (the ${calibration.level * 100}% quantile of ${calibration.errors_used} held-out misses per decade)`
      : `extrapolation: uncalibrated (${calibration.reason}); intervals reflect noise only`
  ].join("\n")
}

const envelopeText = ({ fit, bootstrap, forecasts }: EnvelopeResult, loss: LoadedCurves["loss"]): string =>
  [
    `envelope: lowest loss over ${fit.points.length} FLOP values (losses: ${loss}), ${fit.n_used} bracketed points in the laws`,
    `N*(C) = ${sci(fit.params_opt.k)} · C^${fit.params_opt.a.toFixed(4)}   R² ${fit.r2s.params.toFixed(3)}` +
      (bootstrap === undefined ? "" : `   a in ${range(bootstrap.params_opt_a, 4)} (${bootstrap.level * 100}%)`),
    `D*(C) = ${sci(fit.tokens_opt.k)} · C^${fit.tokens_opt.b.toFixed(4)}   R² ${fit.r2s.tokens.toFixed(3)}` +
      (bootstrap === undefined ? "" : `   b in ${range(bootstrap.tokens_opt_b, 4)} (${bootstrap.level * 100}%)`),
    ...forecasts.map((forecast) => `  at C = ${sci(forecast.compute)}: N* ${sci(forecast.params)}, D* ${sci(forecast.tokens)}`),
    ...(bootstrap === undefined ? [] : [resampleLine(bootstrap)])
  ].join("\n")

const lawText = ({ fit, bootstrap }: LawResult, file: string): string => {
  const rows = Object.entries(fit.parameters).map(([name, value]) => [name, sci(value, 4), range(bootstrap?.parameters[name], 4)])
  return [
    `law (${file}) over ${fit.n_points} runs: objective ${sci(fit.objective, 4)}, ${fit.converged_starts} of ${fit.starts} starts converged`,
    bootstrap === undefined
      ? table(["parameter", "value"], rows.map((row) => row.slice(0, 2)))
      : `${table(["parameter", "value", `${bootstrap.level * 100}% interval`], rows)}\n${resampleLine(bootstrap)}`
  ].join("\n")
}

const downstreamText = (results: ReadonlyArray<DownstreamResult>): string =>
  results.map(({ task, fit, bootstrap, forecasts }) =>
    [
      `downstream ${task}: nll(C) = ${sci(fit.nll.E, 4)} + ${sci(fit.nll.A, 4)}·C^-${fit.nll.alpha.toFixed(4)} over ${fit.nll.n_points} runs`,
      `  accuracy = ${sci(fit.accuracy.chance, 3)} + ${sci(fit.accuracy.span, 3)} / (1 + exp(${sci(fit.accuracy.steepness, 3)}·(nll − ${sci(fit.accuracy.midpoint, 4)})))`,
      ...forecasts.map((forecast, i) => {
        const interval = bootstrap?.forecasts[i]
        return `  at C = ${sci(forecast.compute)}: nll ${forecast.nll.toFixed(4)}${interval === undefined ? "" : ` ${range(interval.nll, 4)}`}, ` +
          `accuracy ${forecast.accuracy.toFixed(4)}${interval === undefined ? "" : ` ${range(interval.accuracy, 4)}`}`
      }),
      ...(bootstrap === undefined ? [] : [resampleLine(bootstrap, "  ")])
    ].join("\n")
  ).join("\n")

/** The table output of one fitted method. */
export const outcomeText = (outcome: MethodOutcome, results: LoadedResults): string => {
  switch (outcome.method) {
    case "isoflop":
      return isoflopText(outcome.result, results)
    case "parametric":
      return parametricText(outcome.result)
    case "envelope":
      return envelopeText(outcome.result, outcome.loss)
    case "law":
      return lawText(outcome.result, outcome.file)
    case "downstream":
      return downstreamText(outcome.results)
  }
}
