import { copyFile, mkdir, writeFile } from "node:fs/promises"
import { join } from "node:path"
import type { TopLevelSpec } from "vega-lite"
import { htmlPage } from "./htmlPage.ts"
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

export interface ReportSection {
  readonly title: string
  readonly spec: TopLevelSpec
  readonly caption?: string
  /** Stem of the plot's files; derived from the title when absent. */
  readonly name?: string
}

export interface ReportInput {
  readonly title: string
  readonly sections: ReadonlyArray<ReportSection>
}

export interface ReportFiles {
  readonly indexPath: string
  readonly plots: ReadonlyArray<PlotFiles>
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
 * Writes a report folder that opens offline: `index.html` drawing every plot interactively,
 * `vendor/` holding the Vega scripts it loads, and an SVG and a PNG per plot for papers and
 * slides. Each plot is rendered here first, so a broken spec fails now, not in the reader's browser.
 */
export const writeHtmlReport = async (
  outDir: string,
  input: ReportInput,
  options: PlotFileOptions = {}
): Promise<ReportFiles> => {
  const stems = uniqueFileStems(input.sections)
  const plots: Array<PlotFiles> = []
  for (const [index, section] of input.sections.entries()) {
    plots.push(await writePlotFiles(outDir, stems[index] ?? slug(section.title), section.spec, options))
  }

  const vendorDir = join(outDir, "vendor")
  await mkdir(vendorDir, { recursive: true })
  const scripts = vendorScripts()
  await Promise.all(scripts.map((script) => copyFile(script.sourcePath, join(vendorDir, script.fileName))))

  const indexPath = join(outDir, "index.html")
  await writeFile(
    indexPath,
    htmlPage({
      title: input.title,
      scriptPaths: scripts.map((script) => `vendor/${script.fileName}`),
      sections: input.sections.map((section, index) => ({
        title: section.title,
        spec: section.spec,
        fileStem: plots[index]?.name ?? slug(section.title),
        ...(section.caption === undefined ? {} : { caption: section.caption })
      }))
    })
  )
  return { indexPath, plots }
}
