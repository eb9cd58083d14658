import { Resvg } from "@resvg/resvg-js"
import * as vega from "vega"
import type { TopLevelSpec } from "vega-lite"
import { compile } from "vega-lite"
import { PlotRenderError } from "./plotRenderError.ts"

const specHint = "The Vega-Lite spec is malformed: fix the plot builder that produced it (each problem names the field or channel at fault)."

const messageOf = (cause: unknown): string => cause instanceof Error ? cause.message : String(cause)

/** A Vega logger that keeps warnings and errors instead of printing them. */
const collectingLogger = (problems: Array<string>) =>
  vega.logger(vega.Warn, undefined, (_method, level, args) => {
    problems.push(`${level}: ${args.map(messageOf).join(" ")}`)
  })

/**
 * Compiles a Vega-Lite spec to Vega. Any warning counts as a failure: Vega-Lite warns rather
 * than throws when it drops a channel, ignores a field or falls back to a default, and a plot
 * silently missing its data is worse than no plot.
 */
export const compileToVega = (spec: TopLevelSpec): vega.Spec => {
  const problems: Array<string> = []
  let compiled: vega.Spec
  try {
    compiled = compile(spec, { logger: collectingLogger(problems) }).spec
  } catch (cause) {
    throw new PlotRenderError("Compiling the Vega-Lite spec", [...problems, messageOf(cause)], specHint)
  }
  if (problems.length > 0) throw new PlotRenderError("Compiling the Vega-Lite spec", problems, specHint)
  return compiled
}

/** Renders a Vega-Lite spec to standalone SVG markup, without a browser. */
export const renderSvg = async (spec: TopLevelSpec): Promise<string> => {
  const problems: Array<string> = []
  // Vega tags every inlined data row with an id: rendering a copy leaves the caller's rows as they were.
  const view = new vega.View(vega.parse(compileToVega(structuredClone(spec))), {
    renderer: "none",
    logger: collectingLogger(problems)
  })
  try {
    const svg = await view.toSVG()
    if (problems.length > 0) throw new PlotRenderError("Rendering the Vega view", problems, specHint)
    return svg
  } catch (cause) {
    if (cause instanceof PlotRenderError) throw cause
    throw new PlotRenderError("Rendering the Vega view", [...problems, messageOf(cause)], specHint)
  } finally {
    view.finalize()
  }
}

export interface PngOptions {
  /** Pixels per SVG unit: 2 gives a sharp image on high-density screens and in print. */
  readonly scale?: number
}

/**
 * Rasterises a plot to PNG. Takes either a Vega-Lite spec or SVG markup already rendered
 * (pass the SVG when it was rendered for another file anyway: layout is then done once).
 */
export const renderPng = async (plot: TopLevelSpec | string, options: PngOptions = {}): Promise<Uint8Array> => {
  const svg = typeof plot === "string" ? plot : await renderSvg(plot)
  const scale = options.scale ?? 2
  if (!(scale > 0) || !Number.isFinite(scale)) {
    throw new PlotRenderError("Rasterising the SVG", [`scale ${scale} is not a positive number`], "Pass a scale such as 1 or 2.")
  }
  try {
    const resvg = new Resvg(svg, {
      fitTo: { mode: "zoom", value: scale },
      // Vega asks for "sans-serif" families; DejaVu Sans is the one every Debian-like system ships.
      font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans", sansSerifFamily: "DejaVu Sans" }
    })
    return new Uint8Array(resvg.render().asPng())
  } catch (cause) {
    throw new PlotRenderError("Rasterising the SVG", [messageOf(cause)], "The SVG markup could not be parsed: render it with renderSvg first.")
  }
}
