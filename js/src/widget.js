/**
 * lmscope's FitPlot front end (anywidget `_esm`, protocol v1; see js/README.md).
 * This module only wires the DOM and the model together: protocol state lives in
 * session.js, drawing in panels/. Each `render` builds an independent view, so
 * several views of one model each keep and replay their own copy of the trace.
 */

import { columnsFor, plotSize } from "./layout.js";
import { createScheduler } from "./frame.js";
import { Session } from "./session.js";
import { defaultTheme, readTheme } from "./theme.js";
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

  let size = plotSize(cellWidth(root.clientWidth || el.clientWidth || FALLBACK_WIDTH));
  const status = createStatusPanel(view);
  const panels = {
    curve: createCurvePanel(view, size),
    fnorm: createFnormPanel(view, size),
    trust: createTrustPanel(view, size),
    ratio: createRatioPanel(view, size),
    params: createParamsPanel(view, size),
    landscape: createLandscapePanel(view, size),
  };
  const grid = document.createElement("div");
  grid.className = "lmscope-grid";
  grid.append(...Object.values(panels).map((p) => p.el));
  root.append(status.el, grid);

  // Which panels each trait feeds; a batch of trial steps feeds all of them.
  /** @type {Record<string, string[]>} */
  const traitPanels = {
    form: ["curve"],
    data: ["curve"],
    model_x: ["curve"],
    param_names: ["params", "landscape"],
    landscape: ["landscape"],
    status: ["status"],
  };
  const everything = [...Object.keys(panels), "status"];

  const scheduler = createScheduler(
    (cb) => requestAnimationFrame(cb),
    (id) => cancelAnimationFrame(id),
    (names) => {
      readTheme(view.theme, root);
      for (const name of names) (name === "status" ? status : panels[/** @type {keyof typeof panels} */ (name)]).update();
    },
  );

  function mirrorState() {
    const { store } = view.session;
    const st = model.get("status") ?? {};
    const data = root.dataset;
    data.state = String(st.state ?? "idle");
    data.fitId = store ? String(store.fitId) : "";
    data.steps = String(store?.length ?? 0);
    data.iteration = String(store?.last("iteration") ?? "");
    data.fnorm = String(store?.last("fnorm") ?? "");
    data.nfev = String(store?.last("nfev") ?? "");
    data.replays = String(view.session.replays);
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
  const traitListeners = Object.entries(traitPanels).map(([trait, names]) => [
    `change:${trait}`,
    () => {
      if (trait === "status") mirrorState();
      scheduler.schedule(...names);
    },
  ]);
  for (const [event, listener] of traitListeners) model.on(event, listener);

  function layout() {
    const width = root.clientWidth;
    if (!width) return;
    const columns = columnsFor(width);
    root.style.setProperty("--lmscope-columns", String(columns));
    const next = plotSize(cellWidth(width, columns));
    if (next.width === size.width && next.height === size.height) return;
    size = next;
    for (const panel of Object.values(panels)) panel.resize(size);
  }
  const resizeObserver = new ResizeObserver(layout);
  resizeObserver.observe(root);
  layout();

  // A reloaded page (or a second view) has no trace yet: the kernel sends it all.
  if (view.session.requestReplay()) model.send({ type: "replay" });
  mirrorState();
  scheduler.schedule(...everything);

  return () => {
    model.off("msg:custom", onMessage);
    for (const [event, listener] of traitListeners) model.off(event, listener);
    resizeObserver.disconnect();
    scheduler.cancel();
    for (const panel of Object.values(panels)) panel.destroy();
    root.remove();
  };
}

/**
 * Width of one panel's plot for a root of the given width.
 * @param {number} width
 * @param {number} [columns]
 */
function cellWidth(width, columns = columnsFor(width)) {
  return (width - GRID_GAP * (columns - 1)) / columns - PANEL_CHROME;
}

export default { render };
