import { existsSync, readFileSync } from "node:fs"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { ReportFiles } from "../src/index.ts"
import { isoflopPlotSpec, writeHtmlReport } from "../src/index.ts"
import { isoflopFixture } from "./isoflopFixture.ts"

const spec = isoflopPlotSpec(isoflopFixture([
  { budget: 1e11, optimum: 2e5, base: 3.4 },
  { budget: 1e12, optimum: 8e5, base: 2.9 }
]))

describe("writeHtmlReport", () => {
  let outDir = ""
  let report: ReportFiles
  let html = ""

  beforeAll(async () => {
    outDir = await mkdtemp(join(tmpdir(), "plots-report-"))
    report = await writeHtmlReport(join(outDir, "report"), {
      title: "Sweep <alpha> & co",
      sections: [
        { title: "IsoFLOP curves", spec, caption: "Minima </script> marked" },
        { title: "IsoFLOP curves", spec }
      ]
    })
    html = readFileSync(report.indexPath, "utf8")
  })
  afterAll(() => rm(outDir, { recursive: true, force: true }))

  it("loads only scripts copied next to the page, so it opens offline", () => {
    const sources = [...html.matchAll(/<script[^>]*\ssrc="([^"]*)"/g)].map((match) => match[1] ?? "")
    expect(sources).toEqual(["vendor/vega.min.js", "vendor/vega-lite.min.js", "vendor/vega-embed.min.js"])
    for (const source of sources) {
      expect(source).not.toMatch(/^(https?:)?\/\//)
      expect(readFileSync(join(outDir, "report", source), "utf8").length).toBeGreaterThan(10_000)
    }
  })

  it("writes an SVG and a PNG per plot, with distinct names for equal titles", () => {
    expect(report.plots.map((plot) => plot.name)).toEqual(["isoflop-curves", "isoflop-curves-2"])
    for (const plot of report.plots) {
      expect(readFileSync(plot.svgPath, "utf8")).toMatch(/^<svg/)
      expect(existsSync(plot.pngPath)).toBe(true)
      expect(html).toContain(`href="${plot.name}.png"`)
    }
  })

  it("inlines the specs intact and escapes text into the page", () => {
    const specsJson = /<script type="application\/json" id="plot-specs">(.*?)<\/script>/s.exec(html)?.[1]
    expect(specsJson).toBeDefined()
    const specs = JSON.parse(specsJson ?? "[]") as Array<unknown>
    expect(specs).toEqual([spec, spec])
    expect(html).toContain("<title>Sweep &lt;alpha&gt; &amp; co</title>")
    expect(html).toContain("Minima &lt;/script&gt; marked")
    // The only "</script" occurrences close the five script tags; none comes from the data.
    expect(html.match(/<\/script/g)?.length).toBe(5)
  })
})

describe("writeHtmlReport with a table section", () => {
  let outDir = ""
  afterAll(() => rm(outDir, { recursive: true, force: true }))

  it("draws the table between the plots, writes its data as JSON and keeps the plots numbered among plots", async () => {
    outDir = await mkdtemp(join(tmpdir(), "plots-report-table-"))
    const table = { columns: [{ title: "Budget" }, { title: "N*", numeric: true }], rows: [["1e22", "<3e10>"]] }
    const report = await writeHtmlReport(outDir, {
      title: "Tables",
      sections: [{ title: "Curves", spec }, { title: "Forecast", name: "forecast", table, data: { forecasts: [1] } }, { title: "More", spec }]
    })
    const html = readFileSync(report.indexPath, "utf8")
    expect(report.dataPaths).toEqual([join(outDir, "forecast.json")])
    expect(JSON.parse(readFileSync(join(outDir, "forecast.json"), "utf8"))).toEqual({ forecasts: [1] })
    expect(html).toContain('<td class="num">&lt;3e10&gt;</td>')
    expect(html).toContain('href="forecast.json"')
    expect(html.indexOf('id="plot-0"')).toBeLessThan(html.indexOf("<table>"))
    expect(html.indexOf("<table>")).toBeLessThan(html.indexOf('id="plot-1"'))
    expect(report.plots.map((plot) => plot.name)).toEqual(["curves", "more"])
  })
})
