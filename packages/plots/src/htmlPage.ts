import type { TopLevelSpec } from "vega-lite"

/** A table of text cells, drawn as HTML next to the plots (a forecast table, say). */
export interface HtmlTable {
  readonly columns: ReadonlyArray<{ readonly title: string; readonly numeric?: boolean }>
  readonly rows: ReadonlyArray<ReadonlyArray<string>>
}

interface SectionText {
  readonly title: string
  readonly caption?: string
  /** Paragraphs under the caption, one each (a verdict, how an interval was made). */
  readonly notes?: ReadonlyArray<string>
}

export interface HtmlPlotSection extends SectionText {
  readonly spec: TopLevelSpec
  /** Stem of the section's `.svg` and `.png` files, linked under the plot. */
  readonly fileStem: string
}

export interface HtmlTableSection extends SectionText {
  readonly table: HtmlTable
  /** A machine-readable copy of the table, linked under it. */
  readonly dataFile?: string
}

export type HtmlPageSection = HtmlPlotSection | HtmlTableSection

export interface HtmlPageInput {
  readonly title: string
  readonly sections: ReadonlyArray<HtmlPageSection>
  /** Lines said under the page's title, before any section: its findings in brief. */
  readonly summary?: ReadonlyArray<string>
  /** Script paths relative to the page, in load order. */
  readonly scriptPaths: ReadonlyArray<string>
}

const escapeHtml = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;")

// Inside <script> only "</script" (and "<!--") can end the block early; escaping every "<"
// keeps the JSON valid and the page intact whatever text the specs hold.
const jsonForScriptTag = (value: unknown): string => JSON.stringify(value).replace(/</g, "\\u003c")

const captionHtml = (section: SectionText): string =>
  (section.caption === undefined ? "" : `    <p class="caption">${escapeHtml(section.caption)}</p>\n`) +
  (section.notes ?? []).map((note) => `    <p class="note">${escapeHtml(note)}</p>\n`).join("")

const summaryHtml = (summary: ReadonlyArray<string> | undefined): string =>
  summary === undefined || summary.length === 0
    ? ""
    : `  <ul class="summary">\n${summary.map((line) => `    <li>${escapeHtml(line)}</li>`).join("\n")}\n  </ul>\n`

const plotSectionHtml = (section: HtmlPlotSection, plotIndex: number): string => {
  const svg = escapeHtml(encodeURI(`${section.fileStem}.svg`))
  const png = escapeHtml(encodeURI(`${section.fileStem}.png`))
  return `  <section>
    <h2>${escapeHtml(section.title)}</h2>
    <div class="plot" id="plot-${plotIndex}"></div>
${captionHtml(section)}    <p class="files"><a href="${svg}">SVG</a> · <a href="${png}">PNG</a></p>
  </section>`
}

const tableSectionHtml = (section: HtmlTableSection): string => {
  const cell = (tag: "th" | "td", text: string, numeric: boolean | undefined) =>
    `<${tag}${numeric === true ? ' class="num"' : ""}>${escapeHtml(text)}</${tag}>`
  const header = section.table.columns.map((column) => cell("th", column.title, column.numeric)).join("")
  const body = section.table.rows
    .map((row) => `        <tr>${row.map((text, index) => cell("td", text, section.table.columns[index]?.numeric)).join("")}</tr>`)
    .join("\n")
  const data = section.dataFile === undefined
    ? ""
    : `    <p class="files"><a href="${escapeHtml(encodeURI(section.dataFile))}">JSON</a></p>\n`
  return `  <section>
    <h2>${escapeHtml(section.title)}</h2>
    <table>
      <thead><tr>${header}</tr></thead>
      <tbody>
${body}
      </tbody>
    </table>
${captionHtml(section)}${data}  </section>`
}

const isPlotSection = (section: HtmlPageSection): section is HtmlPlotSection => "spec" in section

/** Each section's HTML; plots are numbered among plots, as their specs are listed in the page. */
const sectionsHtml = (sections: ReadonlyArray<HtmlPageSection>): Array<string> => {
  let plotIndex = 0
  return sections.map((section) => (isPlotSection(section) ? plotSectionHtml(section, plotIndex++) : tableSectionHtml(section)))
}

/**
 * A self-contained report page: the specs are inlined and the Vega scripts are loaded from
 * relative paths, so the page works opened straight from disk with no network.
 */
export const htmlPage = (input: HtmlPageInput): string => `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${escapeHtml(input.title)}</title>
${input.scriptPaths.map((path) => `  <script src="${escapeHtml(encodeURI(path))}"></script>`).join("\n")}
  <style>
    body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 2rem auto; max-width: 980px; color: #222; padding: 0 1rem; }
    h1 { font-weight: 600; }
    h2 { font-weight: 500; margin-top: 2.5rem; }
    .caption { color: #444; max-width: 70ch; }
    .note { color: #444; max-width: 70ch; margin: 0.4rem 0; }
    .summary { font-size: 1.05rem; line-height: 1.5; }
    .files { font-size: 0.9rem; }
    .plot-error { color: #a00; white-space: pre-wrap; }
    table { border-collapse: collapse; font-size: 0.95rem; }
    th, td { padding: 0.3rem 0.8rem; border-bottom: 1px solid #ddd; text-align: left; }
    th { font-weight: 600; border-bottom: 2px solid #999; }
    .num { text-align: right; font-variant-numeric: tabular-nums; }
  </style>
</head>
<body>
  <h1>${escapeHtml(input.title)}</h1>
${summaryHtml(input.summary)}${sectionsHtml(input.sections).join("\n")}
  <script type="application/json" id="plot-specs">${jsonForScriptTag(input.sections.filter(isPlotSection).map((section) => section.spec))}</script>
  <script>
    const specs = JSON.parse(document.getElementById("plot-specs").textContent);
    specs.forEach((spec, index) => {
      const target = document.getElementById("plot-" + index);
      vegaEmbed(target, spec, {
        renderer: "svg",
        actions: { export: true, source: false, compiled: false, editor: false }
      }).catch((error) => {
        target.className = "plot-error";
        target.textContent = "This plot could not be drawn: " + error.message;
      });
    });
  </script>
</body>
</html>
`
