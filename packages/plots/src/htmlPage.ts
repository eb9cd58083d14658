import type { TopLevelSpec } from "vega-lite"

export interface HtmlPageSection {
  readonly title: string
  readonly spec: TopLevelSpec
  readonly caption?: string
  /** Stem of the section's `.svg` and `.png` files, linked under the plot. */
  readonly fileStem: string
}

export interface HtmlPageInput {
  readonly title: string
  readonly sections: ReadonlyArray<HtmlPageSection>
  /** Script paths relative to the page, in load order. */
  readonly scriptPaths: ReadonlyArray<string>
}

const escapeHtml = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;")

// Inside <script> only "</script" (and "<!--") can end the block early; escaping every "<"
// keeps the JSON valid and the page intact whatever text the specs hold.
const jsonForScriptTag = (value: unknown): string => JSON.stringify(value).replace(/</g, "\\u003c")

const sectionHtml = (section: HtmlPageSection, index: number): string => {
  const svg = escapeHtml(encodeURI(`${section.fileStem}.svg`))
  const png = escapeHtml(encodeURI(`${section.fileStem}.png`))
  return `  <section>
    <h2>${escapeHtml(section.title)}</h2>
    <div class="plot" id="plot-${index}"></div>
${section.caption === undefined ? "" : `    <p class="caption">${escapeHtml(section.caption)}</p>\n`}    <p class="files"><a href="${svg}">SVG</a> · <a href="${png}">PNG</a></p>
  </section>`
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
    .files { font-size: 0.9rem; }
    .plot-error { color: #a00; white-space: pre-wrap; }
  </style>
</head>
<body>
  <h1>${escapeHtml(input.title)}</h1>
${input.sections.map(sectionHtml).join("\n")}
  <script type="application/json" id="plot-specs">${jsonForScriptTag(input.sections.map((section) => section.spec))}</script>
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
