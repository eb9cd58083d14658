import { describe, expect, it } from "vitest"
import { computeOptimal, lawByName } from "@scalelab/laws"
import {
  axisTitles,
  compileToVega,
  forecastJson,
  forecastTable,
  formatSi,
  frontierComputeDomain,
  frontierMarkNames,
  frontierPlotSpec,
  type FrontierPlotInput,
  logSpaced,
  lossCurvesMarkNames,
  lossCurvesPlotSpec,
  type LossCurvesPlotInput,
  powerLawAt,
  renderSvg,
  type TopLevelSpec
} from "../src/index.ts"

type Row = Record<string, unknown>
interface LayerView { readonly name?: string; readonly data?: { readonly values?: ReadonlyArray<Row> }; readonly encoding?: Row; readonly params?: ReadonlyArray<Row> }

/** Every layer of every panel of a concatenated, layered spec. */
const layersOf = (spec: TopLevelSpec): Array<LayerView> =>
  ((spec as { hconcat?: ReadonlyArray<{ layer?: ReadonlyArray<LayerView> }> }).hconcat ?? []).flatMap((panel) => panel.layer ?? [])
const layerNamed = (spec: TopLevelSpec, name: string): LayerView => {
  const layer = layersOf(spec).find((candidate) => candidate.name === name)
  if (layer === undefined) throw new Error(`no layer ${name}`)
  return layer
}
const rowsOf = (spec: TopLevelSpec, name: string): ReadonlyArray<Row> => layerNamed(spec, name).data?.values ?? []

const chinchilla = lawByName("chinchilla")
const forecastComputes = [1e22]
const computeDomain = frontierComputeDomain([1e18, 1e20], forecastComputes)
const frontierInput: FrontierPlotInput = {
  title: "Frontier test",
  minima: [
    { budget: 1e18, params: 1e8, tokens: 1.7e9, bracketed: true },
    { budget: 1e19, params: 3e8, tokens: 5.5e9, bracketed: true },
    { budget: 1e20, params: 1e9, tokens: 1.7e10, bracketed: false }
  ],
  paramsLaw: { k: 0.1, exponent: 0.5 },
  tokensLaw: { k: 1.7, exponent: 0.5 },
  fittedComputeRange: [1e18, 1e19],
  forecastComputes,
  intervals: logSpaced([1e18, 1e22], 5).map((compute) => ({
    compute,
    params: [0.08 * compute ** 0.5, 0.12 * compute ** 0.5],
    tokens: [1.4 * compute ** 0.5, 2 * compute ** 0.5]
  })),
  published: [{
    label: "Chinchilla",
    allocations: logSpaced(computeDomain, 8).map((compute) => ({ compute, ...computeOptimal(chinchilla, compute) }))
  }]
}

describe("frontierPlotSpec", () => {
  const spec = frontierPlotSpec(frontierInput)

  it("compiles without warnings, N* and D* panels on log-log axes", () => {
    expect(() => compileToVega(spec)).not.toThrow()
    const fitted = layerNamed(spec, `${frontierMarkNames.fitted}_params`).encoding as { x: Row; y: Row }
    expect((fitted.x.scale as Row).type).toBe("log")
    expect((fitted.y.scale as Row).type).toBe("log")
    expect(fitted.x.title).toBe(axisTitles.compute)
    expect((layerNamed(spec, `${frontierMarkNames.fitted}_tokens`).encoding as { y: Row }).y.title).toBe(axisTitles.optimalTokens)
  })

  it("draws the fitted law through k·C^a, solid over the fitted budgets and dashed out to the forecast", () => {
    for (const quantity of ["params", "tokens"] as const) {
      const law = quantity === "params" ? frontierInput.paramsLaw : frontierInput.tokensLaw
      const fitted = rowsOf(spec, `${frontierMarkNames.fitted}_${quantity}`)
      const extrapolated = rowsOf(spec, `${frontierMarkNames.extrapolated}_${quantity}`)
      for (const row of [...fitted, ...extrapolated]) {
        expect(row.value as number).toBeCloseTo(powerLawAt(law, row.compute as number), 6)
      }
      expect(fitted[0]?.compute).toBeCloseTo(1e18, -10)
      expect(fitted.at(-1)?.compute as number).toBeCloseTo(1e19, -5)
      expect(extrapolated.at(-1)?.compute as number).toBeCloseTo(1e22, 0)
    }
    expect((layerNamed(spec, `${frontierMarkNames.extrapolated}_params`) as { mark?: Row }).mark?.strokeDash).toBeDefined()
  })

  it("marks minima (hollow where not bracketed) and forecasts, and bands the bootstrap interval", () => {
    const minima = rowsOf(spec, `${frontierMarkNames.minima}_params`)
    expect(minima.map((row) => row.params)).toEqual([1e8, 3e8, 1e9])
    expect(minima.filter((row) => String(row.marker).startsWith("minimum not bracketed"))).toHaveLength(1)
    expect(rowsOf(spec, `${frontierMarkNames.forecasts}_tokens`)[0]?.tokens).toBeCloseTo(powerLawAt(frontierInput.tokensLaw, 1e22))
    const band = rowsOf(spec, `${frontierMarkNames.band}_params`)
    expect(band).toHaveLength(5)
    expect(band.every((row) => (row.low as number) < (row.high as number))).toBe(true)
  })

  it("overlays published laws at their computeOptimal allocations, in the legend next to the fit", () => {
    const published = rowsOf(spec, `${frontierMarkNames.published}_tokens`)
    expect(published).toHaveLength(8)
    for (const row of published) expect(row.value).toBe(computeOptimal(chinchilla, row.compute as number).tokens)
    const color = (layerNamed(spec, `${frontierMarkNames.fitted}_params`).encoding as { color: { scale: { domain: Array<string> } } }).color
    expect(color.scale.domain).toEqual(["this fit", "Chinchilla"])
  })

  it("renders with its title and axis titles", async () => {
    const svg = await renderSvg(spec)
    for (const text of ["Frontier test", axisTitles.compute, axisTitles.optimalParams, axisTitles.optimalTokens, "Chinchilla"]) {
      expect(svg).toContain(`>${text}<`)
    }
  })

  it("leaves out the band, and says nothing of it, without intervals", async () => {
    const bare = frontierPlotSpec({ ...frontierInput, intervals: [], published: [] })
    expect(layersOf(bare).map((layer) => layer.name)).not.toContain(`${frontierMarkNames.band}_params`)
    expect(await renderSvg(bare)).not.toContain("bootstrap")
  })
})

const curve = (id: string, params: number, final: number): LossCurvesPlotInput["runs"][number] => ({
  id,
  params,
  budget: 1e12,
  points: [
    { step: 0, tokens: 0, flops: 0, loss: 5.5 },
    ...[1, 2, 3, 4].map((step) => ({ step: step * 10, tokens: step * 1000, flops: 6 * params * step * 1000, loss: final + 1 / step })),
    { step: 40, tokens: 4000, flops: 6 * params * 4000, val_loss: final + 0.3 }
  ]
})
const curves: LossCurvesPlotInput = { title: "Curves test", runs: [curve("small", 2e4, 3), curve("large", 8e4, 2.5)] }

describe("lossCurvesPlotSpec", () => {
  const spec = lossCurvesPlotSpec(curves)

  it("compiles, one training and one validation layer per panel, against tokens and FLOPs", () => {
    expect(() => compileToVega(spec)).not.toThrow()
    expect(layersOf(spec).map((layer) => layer.name)).toEqual([
      `${lossCurvesMarkNames.training}_tokens`,
      `${lossCurvesMarkNames.validation}_tokens`,
      `${lossCurvesMarkNames.training}_flops`,
      `${lossCurvesMarkNames.validation}_flops`
    ])
  })

  it("leaves out lines logged before the first token, keeps every other", () => {
    expect(rowsOf(spec, `${lossCurvesMarkNames.training}_tokens`)).toHaveLength(8)
    expect(rowsOf(spec, `${lossCurvesMarkNames.validation}_flops`).map((row) => row.loss)).toEqual([3.3, 2.8])
  })

  it("colours by size, in size order, with a legend-bound selection that both panels follow", () => {
    const training = layerNamed(spec, `${lossCurvesMarkNames.training}_tokens`)
    const color = (training.encoding as { color: { scale: { domain: Array<string> } } }).color
    expect(color.scale.domain).toEqual([formatSi(2e4, 2), formatSi(8e4, 2)])
    expect(training.params?.[0]).toMatchObject({ name: lossCurvesMarkNames.selection, bind: "legend" })
    for (const layer of layersOf(spec)) {
      expect((layer.encoding as { opacity: { condition: Row } }).opacity.condition.param).toBe(lossCurvesMarkNames.selection)
    }
  })

  it("has tooltips naming the run, its size, tokens, step and loss", () => {
    const tooltip = (layerNamed(spec, `${lossCurvesMarkNames.validation}_tokens`).encoding as { tooltip: Array<Row> }).tooltip
    expect(tooltip.map((entry) => entry.field)).toEqual(["run", "params_text", "tokens_text", "step", "kind", "loss"])
  })

  it("renders with its titles", async () => {
    const svg = await renderSvg(spec)
    for (const text of ["Curves test", "Tokens seen D", "Compute spent C (FLOPs)", "training loss", "validation loss", "20k"]) {
      expect(svg).toContain(`>${text}<`)
    }
  })
})

describe("forecastTable", () => {
  const input = {
    method: "isoflop",
    rows: [
      { compute: 1e22, params: 3.2e10, tokens: 5.2e10, loss: 2.1, intervals: { params: [3e10, 3.4e10], tokens: [5e10, 5.5e10], loss: [2.05, 2.15] } },
      { compute: 1e23, params: 1e11, tokens: 1.7e11, loss: 1.9 }
    ]
  } as const

  it("writes one row per budget, with interval columns since some row has intervals", () => {
    const table = forecastTable(input)
    expect(table.columns.map((column) => column.title)).toEqual([
      "Compute C (FLOPs)", "N* (parameters)", "N* 80% interval", "D* (tokens)", "D* 80% interval", "Tokens per parameter",
      "Loss (nats/token)", "Loss 80% interval"
    ])
    expect(table.rows[0]).toEqual(["1.00e22", "3.20e10", "3.00e10 – 3.40e10", "5.20e10", "5.00e10 – 5.50e10", "1.6", "2.100", "2.050 – 2.150"])
    expect(table.rows[1]?.[2]).toBe("—")
  })

  it("adds an accuracy column per task and drops the loss column when no row predicts loss", () => {
    const table = forecastTable({
      method: "downstream",
      rows: [{ compute: 1e22, params: 1e10, tokens: 1.7e11, loss: null, accuracy: [{ task: "cloze", accuracy: 0.61, interval: [0.58, 0.64] }] }]
    })
    expect(table.columns.map((column) => column.title)).toEqual(["Compute C (FLOPs)", "N* (parameters)", "D* (tokens)", "Tokens per parameter", "Accuracy (cloze)"])
    expect(table.rows[0]?.at(-1)).toBe("0.610 (0.580 – 0.640)")
  })

  it("gives the same forecasts as numbers in forecast.json", () => {
    const json = forecastJson(input)
    expect(json.interval_level).toBe(0.8)
    expect(json.forecasts[0]).toEqual({
      compute: 1e22, params: 3.2e10, tokens: 5.2e10, loss: 2.1, params_interval: [3e10, 3.4e10], tokens_interval: [5e10, 5.5e10], loss_interval: [2.05, 2.15]
    })
    expect(json.forecasts[1]).toEqual({ compute: 1e23, params: 1e11, tokens: 1.7e11, loss: 1.9 })
  })

  it("formats sizes with SI suffixes", () => {
    expect(formatSi(43_100)).toBe("43.1k")
    expect(formatSi(999_960)).toBe("1M")
    expect(formatSi(1.25e9, 2)).toBe("1.3B")
  })
})
