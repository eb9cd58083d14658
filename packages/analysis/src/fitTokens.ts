// Which tokens the fits take as a run's D (`fit.tokens`). Under `effective`, a run that repeats its
// corpus counts the tokens those repeats are worth (Muennighoff et al. 2023), not the tokens it read.
import { effectiveTokens } from "@scalelab/laws"
import type { Plan } from "@scalelab/planner"
import type { Experiment } from "@scalelab/spec"

/** What the fitted tokens are, in words for a report or a summary. */
export const fitTokensNote = (experiment: Experiment): string | undefined =>
  experiment.fit.tokens === "effective"
    ? "Fitted on effective tokens D' = U + U·R*·(1 − e^(−R/R*)) (Muennighoff et al. 2023; U the corpus's unique " +
      "training tokens, R the epochs beyond the first, R* = 15.39): repeated epochs count for less than fresh data."
    : undefined

/**
 * The points with each run's tokens as the fits take them. Under `fit.tokens: effective` a run's
 * D becomes D' from its tokens and its corpus's unique training tokens U (known from the plan, as
 * the run's tokens over its epochs); a run with no such facts keeps its tokens.
 */
export const withFitTokens = <P extends { readonly id: string; readonly tokens: number }>(
  experiment: Experiment,
  plan: Plan,
  points: ReadonlyArray<P>
): ReadonlyArray<P> => {
  if (experiment.fit.tokens === "total") return points
  const uniqueTokens = new Map(plan.runs.flatMap(({ run, epochs }) => (epochs === undefined ? [] : [[run.id, run.tokens / epochs] as const])))
  return points.map((point) => {
    const unique = uniqueTokens.get(point.id)
    return unique === undefined ? point : { ...point, tokens: effectiveTokens(point.tokens, unique) }
  })
}
