import { categoricalPalette, sequentialScheme } from "@scalelab/plots"

/**
 * Script paths of the page, in load order (deferred: they run in this order once the body is
 * parsed); each is one entry of the asset allow-list.
 */
export const pageScripts = ["/vendor/vega.min.js", "/vendor/vega-lite.min.js", "/vendor/vega-embed.min.js", "/dashboard.js"] as const

const escapeAttribute = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;")

/**
 * The dashboard's one page. It holds no data: dashboard.js fills it from the JSON endpoints and
 * the event stream. The colours come from the plots' theme, so curves match the report. The
 * empty icon spares the browser a request for /favicon.ico, which would be a 404.
 */
export const dashboardPage = (): string => `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>scalelab dashboard</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="/dashboard.css">
${pageScripts.map((path) => `  <script src="${path}" defer></script>`).join("\n")}
</head>
<body data-palette="${escapeAttribute(JSON.stringify(categoricalPalette))}" data-sequential="${escapeAttribute(JSON.stringify(sequentialScheme))}">
  <header>
    <h1>scalelab dashboard</h1>
    <p id="connection" class="connection" role="status">connecting…</p>
  </header>
  <main>
    <section class="pickers">
      <div>
        <label for="experiment">Experiment</label>
        <select id="experiment"></select>
      </div>
      <fieldset id="overlay-picker">
        <legend>Overlay</legend>
      </fieldset>
    </section>
    <section>
      <h2>Runs</h2>
      <table id="runs">
        <thead>
          <tr>
            <th scope="col"><input type="checkbox" id="select-all" aria-label="select every run" checked></th>
            <th scope="col">run</th><th scope="col">status</th><th scope="col">N (params)</th>
            <th scope="col" id="params-total" title="every parameter, all experts counted; N counts those a token uses" hidden>N total</th><th scope="col">D (tokens)</th>
            <th scope="col">FLOPs</th><th scope="col">loss</th><th scope="col">backend</th><th scope="col">attempts</th>
          </tr>
        </thead>
        <tbody></tbody>
      </table>
    </section>
    <section>
      <h2>Loss curves</h2>
      <p class="hint">The runs ticked above, updated as they train.</p>
      <div id="curves" class="plot"></div>
    </section>
    <section>
      <h2>Fit and forecast</h2>
      <p id="fit-summary"></p>
      <div id="fit" class="plot"></div>
      <table id="forecast" hidden>
        <thead><tr><th scope="col">compute C (FLOPs)</th><th scope="col">N*</th><th scope="col">D*</th><th scope="col">loss (parametric law)</th></tr></thead>
        <tbody></tbody>
      </table>
      <p id="forecast-note" class="hint" hidden></p>
    </section>
    <section id="sweep" hidden>
      <h2 id="sweep-title">Sweep</h2>
      <p id="sweep-problem" class="hint" hidden></p>
      <pre id="sweep-summary" hidden></pre>
      <div id="sweep-panels"></div>
    </section>
    <section>
      <h2>Experiments overlaid</h2>
      <p id="overlay-hint" class="hint">Tick two or more experiments under Overlay to draw their runs and fits together.</p>
      <ul id="overlay-notes" class="hint" hidden></ul>
      <div id="overlay-plots"></div>
      <div id="comparison" hidden>
        <h3>Compute multiplier</h3>
        <p class="hint">How much compute the baseline needs to reach each other experiment's compute-optimal loss, per FLOP that experiment spends, fitted as <code>scalelab compare</code> fits it.</p>
        <p><label for="baseline">Baseline</label> <select id="baseline"></select></p>
        <p id="comparison-status" class="hint" role="status"></p>
        <ul id="comparison-headlines"></ul>
        <div id="multiplier" class="plot" data-plot="multiplier"></div>
      </div>
    </section>
  </main>
</body>
</html>
`
