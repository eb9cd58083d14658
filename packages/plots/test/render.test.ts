import { describe, expect, it } from "vitest"
import type { TopLevelSpec } from "../src/index.ts"
import { isoflopPlotSpec, PlotRenderError, renderPng, renderSvg } from "../src/index.ts"
import { isoflopFixture } from "./isoflopFixture.ts"

const pngSignature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]

/** Width and height from the IHDR chunk, which always directly follows the signature. */
const pngSize = (png: Uint8Array) => {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength)
  return { width: view.getUint32(16), height: view.getUint32(20) }
}

const svgSize = (svg: string) => {
  const match = /<svg[^>]*\swidth="(\d+(?:\.\d+)?)"[^>]*\sheight="(\d+(?:\.\d+)?)"/.exec(svg)
  return { width: Number(match?.[1]), height: Number(match?.[2]) }
}

const spec = isoflopPlotSpec(isoflopFixture([
  { budget: 1e11, optimum: 2e5, base: 3.4 },
  { budget: 1e12, optimum: 8e5, base: 2.9, unbracketed: true }
]))

describe("renderPng", () => {
  it("rasterises at the requested scale from a spec or from SVG", async () => {
    const svg = await renderSvg(spec)
    const { width, height } = svgSize(svg)
    // The plot is 640x420 inside its axes; titles and legend make the image larger.
    expect(width).toBeGreaterThan(640)
    expect(height).toBeGreaterThan(420)

    const fromSvg = await renderPng(svg, { scale: 1.5 })
    expect([...fromSvg.subarray(0, 8)]).toEqual(pngSignature)
    expect(pngSize(fromSvg)).toEqual({ width: Math.ceil(width * 1.5), height: Math.ceil(height * 1.5) })

    const fromSpec = await renderPng(spec)
    expect(pngSize(fromSpec)).toEqual({ width: width * 2, height: height * 2 })
  })

  it("refuses a scale that is not a positive number", async () => {
    await expect(renderPng("<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'/>", { scale: 0 }))
      .rejects.toBeInstanceOf(PlotRenderError)
  })
})

describe("renderSvg", () => {
  it("fails loudly, naming the problem, when Vega-Lite has to drop part of the spec", async () => {
    // A bar has no shape: Vega-Lite would draw it and only warn that the channel was dropped.
    const broken: TopLevelSpec = {
      data: { values: [{ a: 1, b: "x" }] },
      mark: "bar",
      encoding: { x: { field: "a", type: "quantitative" }, shape: { field: "b", type: "nominal" } }
    }
    const failure = await renderSvg(broken).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(PlotRenderError)
    expect((failure as PlotRenderError)._tag).toBe("PlotRenderError")
    expect((failure as PlotRenderError).message).toMatch(/shape/)
  })

  it("leaves the caller's spec and data rows untouched", async () => {
    const before = structuredClone(spec)
    await renderSvg(spec)
    expect(spec).toStrictEqual(before)
  })

  it("fails loudly when Vega cannot draw the data", async () => {
    const empty: TopLevelSpec = {
      data: { values: [] },
      mark: "point",
      encoding: { x: { field: "a", type: "quantitative", scale: { type: "log" } } }
    }
    await expect(renderSvg(empty)).rejects.toBeInstanceOf(PlotRenderError)
  })
})
