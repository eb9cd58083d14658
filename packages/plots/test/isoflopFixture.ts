import type { IsoflopBudgetFit, IsoflopPlotInput, IsoflopRunPoint } from "../src/index.ts"

/**
 * Runs lying exactly on loss = base + 0.25·(log10 N − log10 N*)², five sizes per budget
 * spaced 0.2 decades apart. `unbracketed` budgets are swept entirely below their optimum.
 */
export const isoflopFixture = (
  budgets: ReadonlyArray<{ budget: number; optimum: number; base: number; unbracketed?: boolean }>
): IsoflopPlotInput => {
  const points: Array<IsoflopRunPoint> = []
  const fits: Array<IsoflopBudgetFit> = []
  for (const { budget, optimum, base, unbracketed = false } of budgets) {
    const centre = Math.log10(optimum)
    const parabola = { c0: base + 0.25 * centre * centre, c1: -0.5 * centre, c2: 0.25 }
    const offsets = unbracketed ? [-1.2, -1.0, -0.8, -0.6, -0.4] : [-0.4, -0.2, 0, 0.2, 0.4]
    const sizes = offsets.map((offset) => 10 ** (centre + offset))
    sizes.forEach((params, index) => {
      const x = Math.log10(params)
      points.push({
        id: `run-${budget}-${index}`,
        params,
        tokens: budget / (6 * params),
        budget,
        loss: parabola.c0 + parabola.c1 * x + parabola.c2 * x * x
      })
    })
    fits.push({
      budget,
      parabola_params: parabola,
      params_range: [sizes[0] ?? optimum, sizes[sizes.length - 1] ?? optimum],
      params_opt: optimum,
      loss_opt: base,
      bracketed: !unbracketed
    })
  }
  return { title: "Test sweep", points, budgets: fits }
}

/** The contents of the SVG group holding the marks of the Vega mark named `markName`. */
export const markGroup = (svg: string, markName: string): string | undefined =>
  new RegExp(`<g class="mark-[a-z]+ role-mark ${markName}_marks"[^>]*>(.*?)</g>`, "s").exec(svg)?.[1]

export const countPaths = (svgFragment: string | undefined): number =>
  svgFragment === undefined ? 0 : (svgFragment.match(/<path\b/g) ?? []).length

/** Attribute values of each <path> in a fragment. */
export const pathAttribute = (svgFragment: string | undefined, attribute: string): Array<string | undefined> =>
  [...(svgFragment ?? "").matchAll(/<path\b[^>]*>/g)].map((match) =>
    new RegExp(`\\s${attribute}="([^"]*)"`).exec(match[0])?.[1])
