import { describe, expect, it } from "vitest"
import {
  axisTitles,
  compareFrontierPlotSpec,
  compareLossPlotSpec,
  compareMarkerLabels,
  compareMarkNames,
  type ComparedExperiment,
  compileToVega,
  experimentColors,
  experimentPalette,
  type LawSample,
  logSpaced,
  type MultiplierComparison,
  multiplierPlotSpec,
  overlayIsoflopPlotSpec,
  renderPng,
  renderSvg,
  type TopLevelSpec
} from "../src/index.ts"
import { countPaths, markGroup, pathAttribute } from "./isoflopFixture.ts"

type Row = Record<string, unknown>
interface LayerView {
  readonly name?: string
  readonly data?: { readonly values?: ReadonlyArray<Row> }
  readonly encoding?: Record<string, Row>
  readonly mark?: Row
}

/** Every layer of a layered spec or of each panel of a concatenated one. */
const layersOf = (spec: TopLevelSpec): Array<LayerView> => {
  const top = spec as { layer?: ReadonlyArray<LayerView>; hconcat?: ReadonlyArray<{ layer?: ReadonlyArray<LayerView> }> }
  return [...(top.layer ?? []), ...(top.hconcat ?? []).flatMap((panel) => panel.layer ?? [])]
}
const layerNamed = (spec: TopLevelSpec, name: string): LayerView => {
  const layer = layersOf(spec).find((candidate) => candidate.name === name)
  if (layer === undefined) throw new Error(`no layer ${name} in ${layersOf(spec).map((l) => l.name).join(", ")}`)
  return layer
}
const rowsOf = (spec: TopLevelSpec, name: string): ReadonlyArray<Row> => layerNamed(spec, name).data?.values ?? []
const colorScaleOf = (layer: LayerView) => (layer.encoding?.["color"]?.["scale"] ?? {}) as { domain?: Array<string>; range?: Array<string> }

const budgets = [1e17, 1e18, 1e19]
/** N* = 0.1·C^0.5 times `shift`, with an interval of ±10% over the sweep and ±30% at 1e21. */
const law = (shift: number, exponent = 0.5): ReadonlyArray<LawSample> =>
  logSpaced([1e17, 1e21], 9).map((compute) => {
    const value = shift * 0.1 * compute ** exponent
    const width = compute <= 1e19 ? 0.1 : 0.3
    return { compute, value, interval: [value * (1 - width), value * (1 + width)] }
  })
const experiment = (name: string, baseline: boolean, shift: number, lossOffset: number): ComparedExperiment => ({
  name,
  baseline,
  runs: budgets.flatMap((budget) =>
    [0.5, 1, 2].map((factor, index) => {
      const params = factor * shift * 0.1 * budget ** 0.5
      return { id: `${name}-${budget}-${index}`, params, tokens: budget / (6 * params), flops: budget, budget, loss: 3 + lossOffset - 0.1 * Math.log10(budget / 1e17) + 0.05 * Math.abs(Math.log2(factor)) }
    })
  ),
  minima: budgets.map((budget, index) => ({
    compute: budget,
    params: shift * 0.1 * budget ** 0.5,
    tokens: budget / (0.6 * shift * budget ** 0.5),
    loss: 3 + lossOffset - 0.1 * Math.log10(budget / 1e17),
    bracketed: index < 2
  })),
  frontier: { params: law(shift), tokens: law(1 / shift) },
  loss: logSpaced([1e17, 1e21], 9).map((compute) => ({ compute, value: 3 + lossOffset - 0.1 * Math.log10(compute / 1e17), interval: [2.9 + lossOffset - 0.1 * Math.log10(compute / 1e17), 3.1 + lossOffset - 0.1 * Math.log10(compute / 1e17)] })),
  isoflopCurves: budgets.map((budget) => ({
    budget,
    points: logSpaced([0.4 * shift * 0.1 * budget ** 0.5, 2.5 * shift * 0.1 * budget ** 0.5], 8).map((params) => ({ params, loss: 3 + lossOffset + 0.2 * Math.log10(params / (shift * 0.1 * budget ** 0.5)) ** 2 }))
  }))
})
// The baseline first, as a comparison lists its experiments.
const experiments = [experiment("dense", true, 1, 0), experiment("moe", false, 0.5, -0.1), experiment("wide", false, 2, 0.05)]
const input = { title: "Compare test", experiments }

describe("experimentColors", () => {
  it("gives each experiment the next palette colour in the order given", () => {
    expect([...experimentColors(experiments)]).toEqual([
      ["dense (baseline)", experimentPalette[0]],
      ["moe", experimentPalette[1]],
      ["wide", experimentPalette[2]]
    ])
  })

  it("keeps every experiment's colour where another is the baseline, as the dashboard picks one", () => {
    const moeBaseline = [experiment("dense", false, 1, 0), experiment("moe", true, 0.5, -0.1), experiment("wide", false, 2, 0.05)]
    expect([...experimentColors(moeBaseline)]).toEqual([
      ["dense", experimentPalette[0]],
      ["moe (baseline)", experimentPalette[1]],
      ["wide", experimentPalette[2]]
    ])
  })

  it("leaves out the palette's yellow, which vanishes on white", () => {
    expect(experimentPalette).not.toContain("#F0E442")
    expect(new Set(experimentPalette).size).toBe(experimentPalette.length)
  })
})

describe("compareFrontierPlotSpec", () => {
  const spec = compareFrontierPlotSpec(input)

  it("compiles and renders without warnings, N* and D* panels with both axes log", async () => {
    expect(() => compileToVega(spec)).not.toThrow()
    const fitted = layerNamed(spec, `${compareMarkNames.fitted}_params`).encoding ?? {}
    expect(fitted["x"]?.["scale"]).toMatchObject({ type: "log" })
    expect(fitted["y"]?.["scale"]).toMatchObject({ type: "log" })
    expect(fitted["y"]?.["title"]).toBe(axisTitles.optimalParams)
    expect(layerNamed(spec, `${compareMarkNames.fitted}_tokens`).encoding?.["y"]?.["title"]).toBe(axisTitles.optimalTokens)
    const svg = await renderSvg(spec)
    for (const text of ["Compare test", "dense (baseline)", "moe", "wide", axisTitles.compute, "forecast →"]) expect(svg).toContain(`>${text}<`)
  })

  it("colours every layer from one scale: the baseline first, then the others as given", () => {
    for (const name of [compareMarkNames.band, compareMarkNames.fitted, compareMarkNames.extrapolated]) {
      const scale = colorScaleOf(layerNamed(spec, `${name}_params`))
      expect(scale.domain).toEqual(["dense (baseline)", "moe", "wide"])
      expect(scale.range).toEqual(experimentPalette.slice(0, 3))
    }
  })

  it("draws each law solid over its sweep and dashed beyond, joined at the largest budget, with its band", () => {
    const fitted = rowsOf(spec, `${compareMarkNames.fitted}_params`)
    const extrapolated = rowsOf(spec, `${compareMarkNames.extrapolated}_params`)
    for (const name of ["dense (baseline)", "moe", "wide"]) {
      const solid = fitted.filter((row) => row["experiment"] === name).map((row) => row["compute"] as number)
      const dashed = extrapolated.filter((row) => row["experiment"] === name).map((row) => row["compute"] as number)
      expect(Math.min(...solid)).toBeCloseTo(1e17, -12)
      expect(Math.max(...solid) / 1e19).toBeCloseTo(1, 9)
      expect(dashed[0]).toBe(Math.max(...solid))
      expect(Math.max(...dashed) / 1e21).toBeCloseTo(1, 9)
    }
    expect(layerNamed(spec, `${compareMarkNames.extrapolated}_params`).mark?.["strokeDash"]).toBeDefined()
    expect(rowsOf(spec, `${compareMarkNames.band}_tokens`)).toHaveLength(27)
    expect(rowsOf(spec, `${compareMarkNames.boundary}_params`)).toEqual([{ compute: 1e19 }])
  })

  it("marks every measured minimum in its experiment's colour, hollow where not bracketed", async () => {
    const minima = rowsOf(spec, `${compareMarkNames.minima}_params`)
    expect(minima).toHaveLength(9)
    expect(minima.filter((row) => row["marker"] === compareMarkerLabels.unbracketedMinimum)).toHaveLength(3)
    const svg = await renderSvg(spec)
    const marks = markGroup(svg, `${compareMarkNames.minima}_params`)
    expect(countPaths(marks)).toBe(9)
    const fills = pathAttribute(marks, "fill")
    expect(fills.filter((fill) => fill === "white")).toHaveLength(3)
    expect(new Set(pathAttribute(marks, "stroke"))).toEqual(new Set(experimentPalette.slice(0, 3)))
  })

  it("says nothing of a band when no experiment has intervals", async () => {
    const bare = compareFrontierPlotSpec({
      experiments: experiments.map((e) => ({
        ...e,
        frontier: { params: law(1).map(({ compute, value }) => ({ compute, value })), tokens: law(1).map(({ compute, value }) => ({ compute, value })) }
      })),
      note: "No bands: the stored fits keep no bootstrap."
    })
    expect(layersOf(bare).map((layer) => layer.name)).not.toContain(`${compareMarkNames.band}_params`)
    const svg = await renderSvg(bare)
    expect(svg).not.toContain("Shaded")
    expect(svg).toContain("No bands: the stored fits keep no bootstrap.")
  })
})

describe("compareLossPlotSpec", () => {
  const spec = compareLossPlotSpec(input)

  it("layers the faint runs, the laws with their bands and the minima, on a log compute axis", () => {
    expect(() => compileToVega(spec)).not.toThrow()
    expect(layersOf(spec).map((layer) => layer.name)).toEqual([
      compareMarkNames.boundary,
      compareMarkNames.boundaryLabel,
      compareMarkNames.runs,
      compareMarkNames.band,
      compareMarkNames.fitted,
      compareMarkNames.extrapolated,
      compareMarkNames.minima
    ])
    expect(rowsOf(spec, compareMarkNames.runs)).toHaveLength(27)
    expect(layerNamed(spec, compareMarkNames.runs).mark?.["opacity"]).toBeLessThan(0.5)
    expect(layerNamed(spec, compareMarkNames.runs).encoding?.["x"]?.["scale"]).toMatchObject({ type: "log" })
    expect(layerNamed(spec, compareMarkNames.fitted).encoding?.["y"]?.["title"]).toBe(axisTitles.loss)
    expect(colorScaleOf(layerNamed(spec, compareMarkNames.runs)).domain).toEqual(["dense (baseline)", "moe", "wide"])
  })

  it("draws each experiment's law through its samples and its minima at their losses", () => {
    const dense = experiments[0]
    const lawRows = [...rowsOf(spec, compareMarkNames.fitted), ...rowsOf(spec, compareMarkNames.extrapolated)]
      .filter((row) => row["experiment"] === "dense (baseline)")
    for (const row of lawRows) {
      expect(row["value"]).toBe(dense?.loss?.find((sample) => sample.compute === row["compute"])?.value)
    }
    expect(rowsOf(spec, compareMarkNames.minima).filter((row) => row["experiment"] === "moe").map((row) => row["value"]))
      .toEqual(experiments[1]?.minima.map((m) => m.loss))
  })

  it("says nothing of solid or dashed lines when no experiment has a loss law", async () => {
    const runsOnly = compareLossPlotSpec({ experiments: experiments.map(({ loss: _loss, ...rest }) => rest) })
    expect(layersOf(runsOnly).map((layer) => layer.name)).not.toContain(compareMarkNames.fitted)
    const svg = await renderSvg(runsOnly)
    expect(svg).not.toContain("Solid")
    expect(svg).not.toContain("Shaded")
  })

  it("renders to a PNG", async () => {
    const png = await renderPng(spec, { scale: 1 })
    expect([...png.subarray(1, 4)]).toEqual([0x50, 0x4e, 0x47])
  })
})

const multiplierComparison = (candidate: string, at: (compute: number) => number, width: number): MultiplierComparison => ({
  candidate,
  baseline: "dense",
  samples: logSpaced([1e17, 1e21], 9).map((compute) => ({ compute, value: at(compute), interval: [at(compute) * (1 - width), at(compute) * (1 + width)] })),
  budgets: [...budgets, 1e20, 1e21].map((compute) => ({ compute, multiplier: at(compute), interval: [at(compute) * (1 - width), at(compute) * (1 + width)], swept: compute <= 1e19 }))
})

describe("multiplierPlotSpec", () => {
  const twoX = multiplierPlotSpec({ experiments, comparisons: [multiplierComparison("moe", () => 2, 0.15)] })

  it("compiles and renders, with a 1× reference line and the y axis in ×", async () => {
    expect(() => compileToVega(twoX)).not.toThrow()
    expect(rowsOf(twoX, compareMarkNames.unity)).toEqual([{ value: 1 }])
    const y = layerNamed(twoX, compareMarkNames.fitted).encoding?.["y"] ?? {}
    expect(y["axis"]).toMatchObject({ labelExpr: "format(datum.value, '~g') + '×'" })
    expect(layerNamed(twoX, compareMarkNames.fitted).encoding?.["x"]?.["scale"]).toMatchObject({ type: "log" })
    const svg = await renderSvg(twoX)
    for (const text of ["Compute multiplier over dense", "1×", "2×", "moe", compareMarkerLabels.sweptBudget, compareMarkerLabels.forecastBudget]) {
      expect(svg).toContain(`>${text}<`)
    }
    expect(svg).toContain("The rule at 1×: no gain")
  })

  it("keeps a narrow range (1.7× to 2.3×, and the 1× line) on a linear axis", () => {
    expect(layerNamed(twoX, compareMarkNames.fitted).encoding?.["y"]?.["scale"]).not.toHaveProperty("type")
  })

  it("turns the axis logarithmic when the values span more than 3×", () => {
    const growing = multiplierPlotSpec({ experiments, comparisons: [multiplierComparison("moe", (compute) => (compute / 1e17) ** 0.25, 0.15)] })
    expect(layerNamed(growing, compareMarkNames.fitted).encoding?.["y"]?.["scale"]).toMatchObject({ type: "log" })
    expect(() => compileToVega(growing)).not.toThrow()
  })

  it("marks swept budgets filled and extrapolated ones hollow, each in its candidate's colour from the shared palette", async () => {
    const both = multiplierPlotSpec({
      experiments,
      comparisons: [multiplierComparison("moe", () => 2, 0.15), multiplierComparison("wide", () => 0.7, 0.15)]
    })
    const rows = rowsOf(both, compareMarkNames.budgets)
    expect(rows.filter((row) => row["marker"] === compareMarkerLabels.sweptBudget)).toHaveLength(6)
    expect(rows.filter((row) => row["marker"] === compareMarkerLabels.forecastBudget)).toHaveLength(4)
    // The baseline has no line here, and is not in the legend, but the candidates keep the colours they have elsewhere.
    expect(colorScaleOf(layerNamed(both, compareMarkNames.fitted))).toEqual({ domain: ["moe", "wide"], range: [experimentPalette[1], experimentPalette[2]] })
    const svg = await renderSvg(both)
    const marks = markGroup(svg, compareMarkNames.budgets)
    expect(countPaths(marks)).toBe(10)
    expect(pathAttribute(marks, "fill").filter((fill) => fill === "white")).toHaveLength(4)
  })
})

describe("overlayIsoflopPlotSpec", () => {
  const spec = overlayIsoflopPlotSpec({ experiments: experiments.slice(0, 2) })

  it("compiles and renders the runs, curves and minima of each experiment, coloured by experiment and shaped by budget", async () => {
    expect(() => compileToVega(spec)).not.toThrow()
    expect(rowsOf(spec, compareMarkNames.runs)).toHaveLength(18)
    expect(rowsOf(spec, compareMarkNames.curves)).toHaveLength(48)
    expect(rowsOf(spec, compareMarkNames.minima)).toHaveLength(6)
    const runs = layerNamed(spec, compareMarkNames.runs).encoding ?? {}
    expect(colorScaleOf(layerNamed(spec, compareMarkNames.runs)).domain).toEqual(["dense (baseline)", "moe"])
    expect(runs["shape"]?.["scale"]).toMatchObject({ domain: ["1e17", "1e18", "1e19"], range: ["circle", "square", "triangle-up"] })
    expect(runs["x"]?.["title"]).toBe(axisTitles.params)
    const svg = await renderSvg(spec)
    expect(countPaths(markGroup(svg, compareMarkNames.runs))).toBe(18)
    // One line mark per curve: each experiment's three budgets.
    expect(svg.match(new RegExp(`role-mark ${compareMarkNames.curves}_marks`, "g"))).toHaveLength(6)
    for (const text of ["dense (baseline)", "moe", "1e17", "1e19"]) expect(svg).toContain(`>${text}<`)
  })

  it("draws an experiment with runs alone, without curves or minima", () => {
    const runsOnly = overlayIsoflopPlotSpec({
      experiments: experiments.slice(0, 2).map((e) => ({ name: e.name, baseline: false, runs: e.runs, minima: [] }))
    })
    expect(layersOf(runsOnly).map((layer) => layer.name)).toEqual([compareMarkNames.runs])
    expect(() => compileToVega(runsOnly)).not.toThrow()
  })
})
