// The dashboard page: everything arrives from the server's JSON endpoints and its event stream
// (/api/events); this script only keeps that state and draws it. Text from the store is only ever
// set as textContent, never parsed as HTML.
"use strict";

const palette = JSON.parse(document.body.dataset.palette);
const sequentialScheme = JSON.parse(document.body.dataset.sequential);

const state = {
  experiments: [],
  experiment: new URLSearchParams(location.search).get("experiment"),
  runs: new Map(),
  metrics: new Map(),
  // Runs the user unticked; every other run of the experiment is drawn.
  hidden: new Set(),
  requested: new Set(),
  fit: null,
  // Experiments ticked under Overlay.
  overlaid: new Set(),
  // The overlay's baseline, when the user picked one; else the first ticked.
  baseline: null
};

const element = (id) => document.getElementById(id);

const si = (value) => {
  if (value === null || value === undefined) return "";
  const units = [[1e12, "T"], [1e9, "B"], [1e6, "M"], [1e3, "k"]];
  for (const [size, unit] of units) if (Math.abs(value) >= size) return `${+(value / size).toPrecision(3)}${unit}`;
  return String(+value.toPrecision(3));
};
const exponent = (value) => value.toExponential(2).replace("e+", "e");

const runsOfExperiment = () =>
  [...state.runs.values()]
    .filter((run) => run.experiment === state.experiment)
    .sort((a, b) => a.budget - b.budget || a.params - b.params || (a.id < b.id ? -1 : 1));

const runLabel = (run) => `N=${si(run.params)} D=${si(run.tokens)} C=${exponent(run.flops)}`;

// Finished runs' lines come from the store once; running ones arrive over the event stream.
const requestMetrics = (run) => {
  if (run.status === "running" || run.status === "planned" || state.requested.has(run.id)) return;
  state.requested.add(run.id);
  fetch(`/api/metrics?run=${encodeURIComponent(run.id)}`)
    .then((response) => response.ok ? response.json() : Promise.reject(new Error(`HTTP ${response.status}`)))
    .then((body) => {
      if (!state.metrics.has(run.id) || state.metrics.get(run.id).length < body.lines.length) state.metrics.set(run.id, body.lines);
      scheduleDraw();
    })
    .catch(() => state.requested.delete(run.id));
};

const requestFit = () => {
  const experiment = state.experiment;
  if (experiment === null) return;
  fetch(`/api/fit?experiment=${encodeURIComponent(experiment)}`)
    .then((response) => response.json())
    .then((body) => {
      if (experiment !== state.experiment) return;
      state.fit = body.fit;
      drawFit();
    });
};

// A hyperparameter grid's or a data mixture's own plots and the memorization rate: the server fits
// them from the store (seconds when runs changed, cached otherwise), so they are asked for when the
// experiment changes and when one of its runs ends, at most once per burst of events.
let sweepRequest = 0;
let sweepPending = false;
// The experiment whose panels were last asked for.
let sweepFor = null;
const requestSweep = () => {
  const experiment = state.experiment;
  if (experiment === null) return;
  sweepFor = experiment;
  const request = ++sweepRequest;
  fetch(`/api/sweep?experiment=${encodeURIComponent(experiment)}`)
    .then((response) => response.json())
    .then((body) => {
      if (request === sweepRequest && experiment === state.experiment) drawSweep(body);
    });
};
const scheduleSweep = () => {
  if (sweepPending) return;
  sweepPending = true;
  setTimeout(() => {
    sweepPending = false;
    requestSweep();
  }, 500);
};

const drawSweep = (view) => {
  const section = element("sweep");
  const panels = view.panels ?? [];
  section.hidden = view.kind === null && panels.length === 0;
  element("sweep-title").textContent = view.title ?? "Memorization";
  const problem = element("sweep-problem");
  problem.hidden = !view.problem && !view.error;
  problem.textContent = view.error ?? (view.problem ? `Not fitted: ${view.problem}.` : "");
  const summary = element("sweep-summary");
  summary.hidden = !(view.summary?.length > 0);
  summary.textContent = (view.summary ?? []).join("\n");
  element("sweep-panels").replaceChildren(...panels.map((panel) => {
    const figure = document.createElement("figure");
    figure.className = "sweep-panel";
    const heading = document.createElement("h3");
    heading.textContent = panel.title;
    const plot = document.createElement("div");
    plot.className = "plot";
    plot.dataset.plot = panel.name;
    const caption = document.createElement("figcaption");
    caption.className = "hint";
    caption.textContent = panel.caption;
    figure.append(heading, plot, caption);
    vegaEmbed(plot, panel.spec, { renderer: "svg", actions: false }).catch((error) => showError(plot, error));
    return figure;
  }));
};

// The overlay and the multiplier panel ask for the ticked experiments in the store's order, the
// baseline named apart, so each experiment keeps its colour whichever was ticked first and
// whichever is the baseline, and has the same colour in the overlay's plots and the multiplier's.
// The plots arrive by name and each is drawn in its own panel, in the order the server lists them.
let overlayRequest = 0;
const overlayNames = () => state.experiments.filter((name) => state.overlaid.has(name));
const baselineOf = (names) => names.includes(state.baseline) ? state.baseline : names[0];
const experimentsQuery = (names) => names.map((name) => `experiment=${encodeURIComponent(name)}`).join("&");

const requestOverlay = () => {
  const names = overlayNames();
  const request = ++overlayRequest;
  element("overlay-hint").hidden = names.length >= 2;
  requestComparison(names);
  if (names.length < 2) {
    drawOverlay(null);
    return;
  }
  fetch(`/api/overlay?${experimentsQuery(names)}`)
    .then((response) => response.json())
    .then((body) => {
      if (request === overlayRequest) drawOverlay(body);
    });
};

// The multiplier panel: the server fits the comparison (seconds the first time, cached after), so
// the page says it is fitting only when the experiments or the baseline changed.
let comparisonRequest = 0;
let comparisonDrawn = "";
const requestComparison = (names) => {
  const request = ++comparisonRequest;
  const baseline = baselineOf(names);
  element("comparison").hidden = names.length < 2;
  drawBaselinePicker(names, baseline);
  if (names.length < 2) {
    comparisonDrawn = "";
    element("multiplier").replaceChildren();
    return;
  }
  const query = `${experimentsQuery(names)}&baseline=${encodeURIComponent(baseline)}`;
  if (query !== comparisonDrawn) {
    element("comparison-status").textContent = `Fitting ${names.filter((name) => name !== baseline).join(", ")} against ${baseline}…`;
    element("comparison-headlines").replaceChildren();
    element("multiplier").replaceChildren();
  }
  fetch(`/api/compare?${query}`)
    .then((response) => response.json())
    .then((body) => {
      if (request !== comparisonRequest) return;
      comparisonDrawn = query;
      drawComparison(body);
    });
};

// Its options are the ticked experiments, in the store's order.
const drawBaselinePicker = (names, baseline) => {
  const select = element("baseline");
  select.replaceChildren(...names.map((name) => Object.assign(document.createElement("option"), { value: name, textContent: name })));
  if (baseline !== undefined) select.value = baseline;
};

// `body` is the server's answer: the multiplier's plot and headlines, a note saying why there is
// no comparison, or an error.
const drawComparison = (body) => {
  const status = element("comparison-status");
  const headlines = element("comparison-headlines");
  const plot = element("multiplier");
  if (body.error !== undefined || body.note !== undefined) {
    status.textContent = body.error ?? `No comparison: ${body.note}`;
    headlines.replaceChildren();
    plot.replaceChildren();
    return;
  }
  status.textContent = `80% intervals from a joint bootstrap of ${body.resamples} resamples of each fit; scalelab compare --bootstrap K gives more.`;
  headlines.replaceChildren(...body.comparisons.map((comparison) => {
    const item = document.createElement("li");
    const headline = document.createElement("strong");
    headline.textContent = `${comparison.candidate} against ${comparison.baseline}: ${comparison.headline}`;
    item.append(headline, document.createElement("br"), comparison.trend);
    return item;
  }));
  vegaEmbed(plot, body.plots.multiplier, { renderer: "svg", actions: false }).catch((error) => showError(plot, error));
};

let overlayPending = false;
const scheduleOverlay = () => {
  if (overlayPending) return;
  overlayPending = true;
  setTimeout(() => {
    overlayPending = false;
    requestOverlay();
  }, 300);
};

// `body` is the server's answer (plots and notes, or an error), or null when nothing is overlaid.
const drawOverlay = (body) => {
  const notes = body === null ? [] : body.error !== undefined ? [body.error] : body.notes;
  const list = element("overlay-notes");
  list.hidden = notes.length === 0;
  list.replaceChildren(...notes.map((note) => Object.assign(document.createElement("li"), { textContent: note })));
  const plots = body === null || body.plots === undefined ? [] : Object.entries(body.plots).filter(([, spec]) => spec !== null);
  element("overlay-plots").replaceChildren(...plots.map(([name, spec]) => {
    const plot = document.createElement("div");
    plot.className = "plot";
    plot.dataset.plot = name;
    vegaEmbed(plot, spec, { renderer: "svg", actions: false }).catch((error) => showError(plot, error));
    return plot;
  }));
};

const drawOverlayPicker = () => {
  for (const name of [...state.overlaid]) if (!state.experiments.includes(name)) state.overlaid.delete(name);
  const boxes = state.experiments.map((name) => {
    const label = document.createElement("label");
    const tick = document.createElement("input");
    tick.type = "checkbox";
    tick.value = name;
    tick.checked = state.overlaid.has(name);
    tick.addEventListener("change", () => {
      if (tick.checked) state.overlaid.add(name); else state.overlaid.delete(name);
      requestOverlay();
    });
    label.append(tick, ` ${name}`);
    return label;
  });
  element("overlay-picker").replaceChildren(element("overlay-picker").querySelector("legend"), ...boxes);
};

// Another baseline leaves the overlay's plots as they are: only the comparison changes.
element("baseline").addEventListener("change", (event) => {
  state.baseline = event.target.value;
  requestComparison(overlayNames());
});

const drawExperiments = () => {
  const select = element("experiment");
  select.replaceChildren(...state.experiments.map((name) => {
    const option = document.createElement("option");
    option.value = name;
    option.textContent = name;
    return option;
  }));
  if (state.experiment === null || !state.experiments.includes(state.experiment)) {
    state.experiment = state.experiments[0] ?? null;
    requestFit();
  }
  if (state.experiment !== null) select.value = state.experiment;
  if (state.experiment !== sweepFor) requestSweep();
};

const cell = (text, className) => {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  return td;
};

// A finished run shows its final validation loss; a running one its latest training loss and step.
const lossCell = (run) => {
  if (run.loss !== null) return cell(run.loss.toFixed(4));
  const latest = (state.metrics.get(run.id) ?? []).findLast((line) => line.loss !== undefined);
  if (run.status !== "running" || latest === undefined) return cell("");
  return cell(`${latest.loss.toFixed(4)} at step ${latest.step}`, "live");
};

// A mixture of experts' N is its active parameters: its total gets a column beside it.
const drawRuns = () => {
  const runs = runsOfExperiment();
  const mixture = runs.some((run) => run.paramsTotal !== run.params);
  element("params-total").hidden = !mixture;
  const rows = runs.map((run) => {
    const row = document.createElement("tr");
    row.dataset.run = run.id;
    const tick = document.createElement("input");
    tick.type = "checkbox";
    tick.checked = !state.hidden.has(run.id);
    tick.setAttribute("aria-label", `draw run ${run.id}`);
    tick.addEventListener("change", () => {
      if (tick.checked) state.hidden.delete(run.id); else state.hidden.add(run.id);
      drawCurves();
    });
    const tickCell = document.createElement("td");
    tickCell.append(tick);
    row.append(
      tickCell,
      cell(run.id, "text id"),
      cell(run.status, `text status-${run.status}`),
      cell(si(run.params)),
      ...(mixture ? [cell(si(run.paramsTotal))] : []),
      cell(si(run.tokens)),
      cell(exponent(run.flops)),
      lossCell(run),
      cell(run.backend ?? "", "text"),
      cell(String(run.attempts))
    );
    if (run.error) row.title = run.error;
    return row;
  });
  element("runs").tBodies[0].replaceChildren(...rows);
};

// Up to as many runs as the palette has colours, each run of the experiment gets its own colour,
// kept while others are unticked; beyond that runs are coloured by compute budget on the
// sequential scheme, as in the IsoFLOP plot.
const curvesSpec = (rows, colours) => ({
  $schema: "https://vega.github.io/schema/vega-lite/v6.json",
  width: 640,
  height: 360,
  data: { name: "curves", values: rows },
  config: { font: "DejaVu Sans, Helvetica, Arial, sans-serif", axis: { labelFontSize: 12, titleFontSize: 13, titleFontWeight: "normal", gridColor: "#e6e6e6" }, legend: { labelFontSize: 12, titleFontSize: 12, titleFontWeight: "normal", labelLimit: 260 } },
  encoding: {
    x: { field: "tokens", type: "quantitative", scale: { type: "log" }, title: "Tokens seen D", axis: { format: "~s" } },
    y: { field: "loss", type: "quantitative", scale: { zero: false }, title: "Loss (nats/token)" },
    color: colours.byRun
      ? { field: "label", type: "nominal", title: "run", scale: { domain: colours.labels, range: palette }, legend: { values: colours.drawn } }
      : { field: "budget", type: "ordinal", title: "compute budget", scale: { scheme: sequentialScheme }, legend: { format: ".1e" } },
    detail: { field: "run" },
    tooltip: [{ field: "label", title: "run" }, { field: "kind" }, { field: "step" }, { field: "tokens", format: "~s" }, { field: "loss", format: ".4f" }]
  },
  layer: [
    { transform: [{ filter: "datum.kind === 'training'" }], mark: { type: "line", strokeWidth: 1.5, clip: true }, name: "training_loss" },
    { transform: [{ filter: "datum.kind === 'validation'" }], mark: { type: "point", filled: true, size: 40, clip: true }, name: "validation_loss" }
  ]
});

const curveRows = (runs) =>
  runs.flatMap((run) => (state.metrics.get(run.id) ?? []).flatMap((line) => {
    const base = { run: run.id, label: runLabel(run), budget: run.budget, step: line.step, tokens: Math.max(line.tokens, 1) };
    return [
      ...(line.loss === undefined ? [] : [{ ...base, kind: "training", loss: line.loss }]),
      ...(line.val_loss === undefined ? [] : [{ ...base, kind: "validation", loss: line.val_loss }])
    ];
  }));

let curvesView = null;
let curvesKey = "";

const drawCurves = () => {
  const target = element("curves");
  const allRuns = runsOfExperiment();
  const runs = allRuns.filter((run) => !state.hidden.has(run.id));
  const rows = curveRows(runs);
  if (rows.length === 0) {
    curvesView?.finalize();
    curvesView = null;
    curvesKey = "";
    target.className = "plot empty";
    target.textContent = "No metric lines yet for the ticked runs.";
    return;
  }
  const colours = {
    byRun: allRuns.length <= palette.length,
    labels: allRuns.map(runLabel),
    drawn: [...new Set(rows.map((row) => row.label))]
  };
  const key = JSON.stringify(colours);
  // New lines for the same runs go into the drawn view, so tooltips and zoom survive updates.
  if (curvesView !== null && key === curvesKey) {
    curvesView.change("curves", vega.changeset().remove(() => true).insert(rows)).run();
    return;
  }
  curvesKey = key;
  target.className = "plot";
  vegaEmbed(target, curvesSpec(rows, colours), { renderer: "svg", actions: false })
    .then((result) => {
      curvesView?.finalize();
      curvesView = result.view;
    })
    .catch((error) => showError(target, error));
};

const showError = (target, error) => {
  target.className = "plot-error";
  target.textContent = `This plot could not be drawn: ${error.message}`;
};

const drawFit = () => {
  const fit = state.fit;
  const summary = element("fit-summary");
  const target = element("fit");
  const forecast = element("forecast");
  if (fit === null) {
    summary.textContent = "No fit recorded yet: `scalelab run` fits the sweep when its runs finish.";
    target.replaceChildren();
    forecast.hidden = true;
    return;
  }
  summary.textContent = fit.laws === null
    ? `No power law: ${fit.problem ?? "too few budgets bracket their minimum"}. Fitted ${fit.created_at}.`
    : `N*(C) = ${exponent(fit.laws.params_opt.k)}·C^${fit.laws.params_opt.a.toFixed(3)}, ` +
      `D*(C) = ${exponent(fit.laws.tokens_opt.k)}·C^${fit.laws.tokens_opt.b.toFixed(3)}. Fitted ${fit.created_at}.`;
  vegaEmbed(target, fit.spec, { renderer: "svg", actions: false }).catch((error) => showError(target, error));
  forecast.hidden = fit.forecasts.length === 0;
  forecast.tBodies[0].replaceChildren(...fit.forecasts.map((row) => {
    const tr = document.createElement("tr");
    tr.append(cell(exponent(row.compute)), cell(si(row.params)), cell(si(row.tokens)), cell(row.loss === null ? "—" : row.loss.toFixed(3)));
    return tr;
  }));
  const note = element("forecast-note");
  note.hidden = fit.loss_problem === null;
  note.textContent = fit.loss_problem ?? "";
};

// Events come in bursts (one per run on connecting): draw once per burst.
let drawPending = false;
const scheduleDraw = () => {
  if (drawPending) return;
  drawPending = true;
  setTimeout(() => {
    drawPending = false;
    drawRuns();
    drawCurves();
  }, 100);
};

const handleEvent = (event) => {
  switch (event.type) {
    case "experiments":
      state.experiments = event.experiments;
      drawExperiments();
      drawOverlayPicker();
      break;
    case "run":
      state.runs.set(event.run.id, event.run);
      requestMetrics(event.run);
      // A finished run of an overlaid experiment joins its IsoFLOP and loss plots.
      if (event.run.status === "completed" && event.run.experiment === state.experiment) scheduleSweep();
      if (event.run.status === "completed" && state.overlaid.has(event.run.experiment)) scheduleOverlay();
      break;
    case "metrics":
      state.metrics.set(event.run, event.reset ? event.lines : [...(state.metrics.get(event.run) ?? []), ...event.lines]);
      break;
    case "fit":
      if (event.experiment === state.experiment) {
        requestFit();
        scheduleSweep();
      }
      if (state.overlaid.has(event.experiment)) scheduleOverlay();
      break;
    case "problem":
      element("connection").textContent = `store problem: ${event.message}`;
      return;
  }
  scheduleDraw();
};

element("experiment").addEventListener("change", (event) => {
  state.experiment = event.target.value;
  state.fit = null;
  requestFit();
  requestSweep();
  scheduleDraw();
});

element("select-all").addEventListener("change", (event) => {
  for (const run of runsOfExperiment()) {
    if (event.target.checked) state.hidden.delete(run.id); else state.hidden.add(run.id);
  }
  scheduleDraw();
});

const connect = () => {
  const source = new EventSource("/api/events");
  const connection = element("connection");
  source.onopen = () => {
    connection.textContent = "live";
    connection.className = "connection live";
  };
  source.onerror = () => {
    connection.textContent = "disconnected; retrying…";
    connection.className = "connection";
  };
  source.onmessage = (message) => handleEvent(JSON.parse(message.data));
};

connect();
