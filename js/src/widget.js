/**
 * lmscope's FitWidget front end (anywidget `_esm`, protocol v2; see js/README.md).
 * This module only wires the DOM and the model together: protocol state lives in
 * session.js, the controls in controls.js, drawing in panels/. Each `render` builds
 * an independent view, so several views of one model each keep and replay their
 * own copy of the trace.
 *
 * Layout (a cockpit): the controls beside the status and the data-and-model
 * panel, so both are in sight while a slider moves; the teaching panels below, in
 * a grid or as tabs. A narrow widget stacks everything in one column.
 */

import { cockpitLayout, columnsFor, plotSize } from "./layout.js";
import { createScheduler } from "./frame.js";
import { Session } from "./session.js";
import { defaultTheme, readTheme } from "./theme.js";
import { createControls, ownKeys } from "./controls.js";
import { createCurvePanel } from "./panels/curve.js";
import { createFnormPanel } from "./panels/fnorm.js";
import { createTrustPanel } from "./panels/trust.js";
import { createRatioPanel } from "./panels/ratio.js";
import { createParamsPanel } from "./panels/params.js";
import { createLandscapePanel } from "./panels/landscape.js";
import { createStatusPanel } from "./panels/status.js";

/** @typedef {import("./types.js").Model} Model */

// Space the panel's padding and border take from the grid cell, in CSS pixels.
const PANEL_CHROME = 26;
const GRID_GAP = 12;
const FALLBACK_WIDTH = 900;
const TEACHING = /** @type {const} */ ([["fnorm", "‖f‖"], ["trust", "Δ and λ"], ["ratio", "ρ"], ["params", "paths"], ["landscape", "landscape"]]);

let views = 0;

/**
 * @param {{model: Model, el: HTMLElement}} context
 * @returns {() => void} cleanup
 */
function render({ model, el }) {
  const root = document.createElement("div");
  root.className = "lmscope-fit";
  el.append(root);

  /** @type {import("./view.js").View} */
  const view = {
    model,
    session: new Session(),
    theme: readTheme(defaultTheme(), root),
    syncKey: `lmscope-${++views}`,
    send: (msg) => model.send(msg),
  };

  const width0 = root.clientWidth || el.clientWidth || FALLBACK_WIDTH;
  let geometry = cockpitLayout(width0);
  let size = plotSize(cellWidth(width0));
  const status = createStatusPanel(view);
  const controls = createControls(model, view.send, view.session.compared, (fitId, on) => {
    if (view.session.compared.toggle(fitId, on).request) model.send({ type: "compare", fit_id: fitId });
    controls.update();
    scheduler.schedule("fnorm", "landscape");
  });
  const curve = createCurvePanel(view, plotSize(geometry.plotWidth - PANEL_CHROME));
  const banner = document.createElement("div");
  banner.className = "lmscope-banner";
  banner.hidden = true;
  curve.el.prepend(banner);
  const teaching = {
    fnorm: createFnormPanel(view, size),
    trust: createTrustPanel(view, size),
    ratio: createRatioPanel(view, size),
    params: createParamsPanel(view, size),
    landscape: createLandscapePanel(view, size),
  };
  /** @type {Record<string, import("./view.js").PanelView>} */
  const panels = { curve, ...teaching };

  // Left: buttons, sliders, the parameter table, settings; right: the status
  // above the data-and-model panel.
  const cockpit = document.createElement("div");
  cockpit.className = "lmscope-cockpit";
  const side = document.createElement("div");
  side.className = "lmscope-side";
  side.append(status.el, curve.el);
  controls.el.insertBefore(status.table, controls.el.querySelector(".lmscope-code"));
  cockpit.append(controls.el, side);

  // The teaching panels: a grid, or tabs (one panel at a time), as the user picks.
  const bar = document.createElement("div");
  bar.className = "lmscope-teaching-bar";
  bar.setAttribute("role", "tablist");
  bar.setAttribute("aria-label", "teaching panels");
  const modeLabel = document.createElement("label");
  modeLabel.className = "lmscope-mode";
  const mode = ownKeys(document.createElement("select"));
  mode.setAttribute("aria-label", "teaching panels as");
  for (const value of ["grid", "tabs"]) {
    const option = document.createElement("option");
    option.value = value;
    option.textContent = value;
    mode.append(option);
  }
  mode.addEventListener("change", () => {
    model.set("panels", mode.value === "tabs" ? "tabs" : "grid");
    model.save_changes();
  });
  modeLabel.append("panels ", mode);
  /** @type {string} */
  let activeTab = "fnorm";
  /** @type {Map<string, HTMLButtonElement>} */
  const tabs = new Map();
  for (const [name, label] of TEACHING) {
    const tab = ownKeys(document.createElement("button"));
    tab.type = "button";
    tab.className = "lmscope-tab";
    tab.setAttribute("role", "tab");
    tab.dataset.tab = name;
    tab.textContent = label;
    tab.addEventListener("click", () => {
      activeTab = name;
      arrange();
      scheduler.schedule(name);
    });
    tabs.set(name, tab);
    bar.append(tab);
  }
  bar.append(modeLabel);
  const grid = document.createElement("div");
  grid.className = "lmscope-grid";
  grid.append(...Object.values(teaching).map((p) => p.el));
  root.append(cockpit, bar, grid);

  function arrange() {
    const tabbed = model.get("panels") === "tabs";
    mode.value = tabbed ? "tabs" : "grid";
    root.dataset.panels = tabbed ? "tabs" : "grid";
    for (const [name, panel] of Object.entries(teaching)) {
      const shown = !tabbed || name === activeTab;
      panel.el.hidden = !shown;
      const tab = /** @type {HTMLButtonElement} */ (tabs.get(name));
      tab.hidden = !tabbed;
      tab.setAttribute("aria-selected", String(tabbed && name === activeTab));
    }
    layout();
  }

  const everything = [...Object.keys(panels), "status"];
  /** @type {Record<string, string[]>} which panels each trait feeds */
  const traitPanels = {
    form: ["curve"],
    data: ["curve"],
    model_x: ["curve"],
    param_names: ["params", "landscape", "status"],
    values: ["status", "landscape"],
    summary: ["status"],
    fixed: ["status"],
    bounds: ["status"],
    absolute_sigma: ["status"],
    landscape: ["landscape"],
    landscape_params: ["landscape"],
    landscape_on: ["landscape"],
    basin: ["landscape"],
    landscape_view: ["landscape"],
  };

  const scheduler = createScheduler(
    (cb) => requestAnimationFrame(cb),
    (id) => cancelAnimationFrame(id),
    (names) => {
      readTheme(view.theme, root);
      for (const name of names) (name === "status" ? status : panels[name]).update();
    },
  );

  function mirrorState() {
    const { store, state, outcome } = view.session;
    const data = root.dataset;
    data.outcome = state;
    data.fitId = store ? String(store.fitId) : "";
    data.steps = String(store?.length ?? 0);
    data.iteration = String(store?.last("iteration") ?? "");
    data.fnorm = String(store?.last("fnorm") ?? "");
    data.nfev = String(store?.last("nfev") ?? "");
    data.ier = outcome?.ier === null || outcome?.ier === undefined ? "" : String(outcome.ier);
    data.replays = String(view.session.replays);
    controls.setState(state);
    const failed = state === "error" || state === "failure";
    banner.hidden = !failed;
    banner.textContent = failed ? `fit ${outcome?.fit_id ?? ""} ${state === "error" ? "failed with an error" : "did not converge"}: the plots show where it got to` : "";
  }

  /**
   * @param {unknown} msg
   * @param {ArrayLike<unknown>} [buffers]
   */
  function onMessage(msg, buffers) {
    const outcome = view.session.receive(msg, buffers);
    if (outcome.replay) model.send({ type: "replay" });
    if (outcome.changed || outcome.replay) mirrorState();
    if (outcome.changed) scheduler.schedule(...everything);
  }
  model.on("msg:custom", onMessage);

  /** @type {[string, () => void][]} */
  const traitListeners = Object.entries(traitPanels).map(([trait, names]) => [`change:${trait}`, () => scheduler.schedule(...names)]);
  for (const trait of ["values", "ranges", "logs", "ftol", "xtol", "gtol", "epsfcn", "factor", "maxfev", "use_dfun", "delay", "auto_fit", "param_names", "has_dfun", "fixed", "bounds", "code", "runs"]) {
    traitListeners.push([`change:${trait}`, () => controls.update()]);
  }
  traitListeners.push(["change:panels", () => arrange()]);
  // A run that leaves the run list is no longer compared (the kernel drops its trace).
  traitListeners.push([
    "change:runs",
    () => {
      if (view.session.compared.retain((model.get("runs") ?? []).map((run) => run.fit_id))) scheduler.schedule("fnorm", "landscape");
    },
  ]);
  for (const [event, listener] of traitListeners) model.on(event, listener);

  function layout() {
    const width = root.clientWidth;
    if (!width) return;
    geometry = cockpitLayout(width);
    root.dataset.narrow = String(geometry.narrow);
    root.style.setProperty("--lmscope-controls-width", `${geometry.controlsWidth}px`);
    const tabbed = model.get("panels") === "tabs";
    const columns = tabbed ? 1 : columnsFor(width);
    root.style.setProperty("--lmscope-columns", String(columns));
    curve.resize(plotSize(geometry.plotWidth - PANEL_CHROME));
    const next = plotSize(cellWidth(width, columns));
    if (next.width === size.width && next.height === size.height) return;
    size = next;
    for (const panel of Object.values(teaching)) panel.resize(size);
  }
  const resizeObserver = new ResizeObserver(layout);
  resizeObserver.observe(root);

  // A theme switch (JupyterLab sets attributes on <body>; the OS may switch too)
  // redraws at once: canvases cannot follow CSS variables by themselves.
  const redrawAll = () => scheduler.schedule(...everything);
  const themeObserver = new MutationObserver(redrawAll);
  themeObserver.observe(document.body, { attributes: true, attributeFilter: ["class", "data-jp-theme-name", "data-jp-theme-light", "data-theme"] });
  const dark = typeof matchMedia === "function" ? matchMedia("(prefers-color-scheme: dark)") : null;
  dark?.addEventListener?.("change", redrawAll);

  arrange();
  // A reloaded page (or a second view) has no trace yet: the kernel sends it all.
  if (view.session.requestReplay()) model.send({ type: "replay" });
  mirrorState();
  scheduler.schedule(...everything);

  return () => {
    model.off("msg:custom", onMessage);
    for (const [event, listener] of traitListeners) model.off(event, listener);
    resizeObserver.disconnect();
    themeObserver.disconnect();
    dark?.removeEventListener?.("change", redrawAll);
    scheduler.cancel();
    for (const panel of Object.values(panels)) panel.destroy();
    root.remove();
  };
}

/**
 * Width of one teaching panel's plot for a root of the given width.
 * @param {number} width
 * @param {number} [columns]
 */
function cellWidth(width, columns = columnsFor(width)) {
  return (width - GRID_GAP * (columns - 1)) / columns - PANEL_CHROME;
}

export default { render };
