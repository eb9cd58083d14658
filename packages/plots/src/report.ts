import { copyFile, mkdir, writeFile } from "node:fs/promises"
import { join } from "node:path"
import type { TopLevelSpec } from "vega-lite"
import { type HtmlPageSection, htmlPage, type HtmlTable } from "./htmlPage.ts"
import { renderPng, renderSvg } from "./render.ts"
import { vendorScripts } from "./vendorScripts.ts"

export interface PlotFiles {
  readonly name: string
  readonly svgPath: string
  readonly pngPath: string
}

export interface PlotFileOptions {
  /** PNG pixels per SVG unit (default 2). */
  readonly pngScale?: number
}

/** Writes `<name>.svg` and `<name>.png` for one plot into `outDir` (created if missing). */
export const writePlotFiles = async (
  outDir: string,
  name: string,
  spec: TopLevelSpec,
  options: PlotFileOptions = {}
): Promise<PlotFiles> => {
  await mkdir(outDir, { recursive: true })
  const svg = await renderSvg(spec)
  const png = await renderPng(svg, { scale: options.pngScale ?? 2 })
  const svgPath = join(outDir, `${name}.svg`)
  const pngPath = join(outDir, `${name}.png`)
  await writeFile(svgPath, svg)
  await writeFile(pngPath, png)
  return { name, svgPath, pngPath }
}

export interface ReportPlotSection {
  readonly title: string
  readonly spec: TopLevelSpec
  readonly caption?: string
  /** Paragraphs under the caption. */
  readonly notes?: ReadonlyArray<string>
  /** Stem of the plot's files; derived from the title when absent. */
  readonly name?: string
}

export interface ReportTableSection {
  readonly title: string
  readonly table: HtmlTable
  readonly caption?: string
  /** Paragraphs under the caption. */
  readonly notes?: ReadonlyArray<string>
  /** Stem of the table's JSON file; derived from the title when absent. */
  readonly name?: string
  /** Written as `<name>.json` and linked under the table, for programs to read what the reader sees. */
  readonly data?: unknown
}

export type ReportSection = ReportPlotSection | ReportTableSection

const isPlotSection = (section: ReportSection): section is ReportPlotSection => "spec" in section

export interface ReportInput {
  readonly title: string
  /** Lines under the title, before any section: the report's findings in brief. */
  readonly summary?: ReadonlyArray<string>
  readonly sections: ReadonlyArray<ReportSection>
}

export interface ReportFiles {
  readonly indexPath: string
  readonly plots: ReadonlyArray<PlotFiles>
  /** The JSON files of table sections that carry data. */
  readonly dataPaths: ReadonlyArray<string>
}

const slug = (title: string): string =>
  title.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "") || "plot"

/** File stems for the sections, made unique by numbering repeats ("loss", "loss-2"). */
const uniqueFileStems = (sections: ReadonlyArray<ReportSection>): Array<string> => {
  const taken = new Set<string>()
  return sections.map((section) => {
    const base = section.name ?? slug(section.title)
    let stem = base
    for (let copy = 2; taken.has(stem); copy++) stem = `${base}-${copy}`
    taken.add(stem)
    return stem
  })
}

/**
 * Writes a report folder that opens offline: `index.html` drawing every plot interactively and
 * every table, `vendor/` holding the Vega scripts it loads, an SVG and a PNG per plot for papers
 * and slides, and a JSON file per table that carries data. Each plot is rendered here first, so a
 * broken spec fails now, not in the reader's browser.
 */
export const writeHtmlReport = async (
  outDir: string,
  input: ReportInput,
  options: PlotFileOptions = {}
): Promise<ReportFiles> => {
  const stems = uniqueFileStems(input.sections)
  const plots: Array<PlotFiles> = []
  const dataPaths: Array<string> = []
  const pageSections: Array<HtmlPageSection> = []
  for (const [index, section] of input.sections.entries()) {
    const stem = stems[index] ?? slug(section.title)
    const caption = {
      ...(section.caption === undefined ? {} : { caption: section.caption }),
      ...(section.notes === undefined ? {} : { notes: section.notes })
    }
    if (isPlotSection(section)) {
      plots.push(await writePlotFiles(outDir, stem, section.spec, options))
      pageSections.push({ title: section.title, spec: section.spec, fileStem: stem, ...caption })
    } else if (section.data === undefined) {
      pageSections.push({ title: section.title, table: section.table, ...caption })
    } else {
      const dataFile = `${stem}.json`
      await mkdir(outDir, { recursive: true })
      await writeFile(join(outDir, dataFile), `${JSON.stringify(section.data, null, 2)}\n`)
      dataPaths.push(join(outDir, dataFile))
      pageSections.push({ title: section.title, table: section.table, dataFile, ...caption })
    }
  }

  const vendorDir = join(outDir, "vendor")
  await mkdir(vendorDir, { recursive: true })
  const scripts = vendorScripts()
  await Promise.all(scripts.map((script) => copyFile(script.sourcePath, join(vendorDir, script.fileName))))

  const indexPath = join(outDir, "index.html")
  await writeFile(
    indexPath,
    htmlPage({ title: input.title, ...(input.summary === undefined ? {} : { summary: input.summary }), scriptPaths: scripts.map((script) => `vendor/${script.fileName}`), sections: pageSections })
  )
  return { indexPath, plots, dataPaths }
}
