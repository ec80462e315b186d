/**
 * Panel 6: the cost landscape over two parameters (the `landscape` trait, a grid
 * of log10 cost with the other parameters held at the fit's starting values,
 * which the line under the map names) with the fit's path over it: accepted
 * points joined by a line, rejected trial points as hollow markers. The kernel
 * grows the grid to contain the last fit's path; an axis whose grid is
 * log-spaced (a log slider) is drawn in log10, so the path keeps its shape.
 * Clicking sends `pick` (new starting values for the two parameters); the
 * selects send `landscape_params`. The `show` select switches to the basin
 * map of the same two parameters (basin.js draws its cells and says what a
 * cell's start did; a click there fits from the cell's exact start).
 */

import { ownKeys } from "../controls.js";
import { Panel } from "../panel.js";
import { colorFor, cssGradient, finiteExtent } from "../colormap.js";
import { formatNumber } from "../format.js";
import { createBasinView } from "./basin.js";
import { acceptedPath } from "../compare.js";
import { costAt, fromAxis, readLandscape, toAxis } from "../grid.js";
import { axis, chartOptions, createChart, uPlot } from "../plot.js";
import { triedPoint } from "../series.js";
import { COLORS } from "../theme.js";

// Hover finds the trial point nearest the cursor within this many CSS pixels.
const HOVER_RADIUS = 10;

/**
 * @param {import("../view.js").View} view
 * @param {{width: number, height: number}} size
 * @returns {import("../view.js").PanelView}
 */
export function createLandscapePanel(view, size) {
  const panel = new Panel("landscape", "Cost landscape");
  const { theme } = view;

  const controls = document.createElement("div");
  controls.className = "lmscope-controls";
  const selectI = ownKeys(document.createElement("select"));
  const selectJ = ownKeys(document.createElement("select"));
  selectI.setAttribute("aria-label", "parameter on the horizontal axis");
  selectJ.setAttribute("aria-label", "parameter on the vertical axis");
  controls.append(labelled("horizontal", selectI), labelled("vertical", selectJ));
  // -- basin hook (1/5): the view select and the basin legend -----------------
  const selectView = ownKeys(document.createElement("select"));
  selectView.setAttribute("aria-label", "what the map shows");
  selectView.append(new Option("cost", "cost"), new Option("basin map", "basin"));
  controls.append(labelled("show", selectView));
  const basin = createBasinView(names, () => view.model.get("values") ?? []);
  const showingBasin = () => view.model.get("landscape_view") === "basin";
  /** @type {import("../grid.js").Grid | null} the grid made from a basin map, without a landscape */
  let borrowed = null;
  /** @type {unknown} the basin map `borrowed` was made from */
  let borrowedFrom = null;
  selectView.addEventListener("change", onView);
  function onView() {
    view.model.set("landscape_view", selectView.value === "basin" ? "basin" : "cost");
    view.model.save_changes();
  }
  // -- end basin hook (1/5) ----------------------------------------------------
  const readout = document.createElement("div");
  readout.className = "lmscope-readout";
  readout.textContent = "click to start the next fit there";
  const colorbar = document.createElement("div");
  colorbar.className = "lmscope-colorbar";
  const ramp = document.createElement("span");
  ramp.className = "lmscope-ramp";
  ramp.style.background = cssGradient();
  const rampLo = document.createElement("span");
  const rampHi = document.createElement("span");
  colorbar.append("log10 cost ", rampLo, ramp, rampHi);
  // Which slice of the cost this is: the parameters not on the axes, and where they are held.
  const slice = document.createElement("div");
  slice.className = "lmscope-slice";
  panel.el.insertBefore(controls, panel.body);
  // Which earlier runs are drawn over the map (compare.js): dashed, each named here.
  const compareLegend = document.createElement("div");
  compareLegend.className = "lmscope-compare-legend";
  panel.el.append(colorbar, slice, basin.legend, compareLegend, readout);

  /** @type {import("../plot.js").Chart | null} */
  let chart = null;
  /** @type {import("../grid.js").Grid | null} */
  let grid = null;
  /** @type {string[]} the colour of each cell, computed once per landscape */
  let cellColors = [];
  /** the trait value the chart was built for */
  let builtFor = /** @type {unknown} */ (undefined);
  /** @type {{i: number, j: number} | null} parameters asked for and not yet delivered */
  let pending = null;
  let namesShown = "";
  let currentSize = size;

  function names() {
    return view.model.get("param_names") ?? [];
  }

  function onSelect(/** @type {Event} */ event) {
    let i = Number(selectI.value);
    let j = Number(selectJ.value);
    if (i === j) {
      // Choosing the other axis's parameter swaps the two instead of showing a diagonal.
      const shown = pending ?? (grid ? { i: grid.i, j: grid.j } : { i: 0, j: 1 });
      if (event.target === selectI) j = shown.i;
      else i = shown.j;
    }
    pending = { i, j };
    view.send({ type: "landscape_params", i, j });
    update();
  }
  selectI.addEventListener("change", onSelect);
  selectJ.addEventListener("change", onSelect);

  function fillSelects() {
    const key = names().join("\u0000");
    if (key === namesShown) return;
    namesShown = key;
    for (const select of [selectI, selectJ]) {
      select.replaceChildren(...names().map((name, k) => new Option(name, String(k))));
    }
  }

  function build() {
    if (!grid) return;
    const g = grid;
    const [lo, hi] = finiteExtent(g.cost);
    cellColors = Array.from(g.cost, (v) => `rgb(${colorFor(v, lo, hi).join(",")})`);
    rampLo.textContent = formatNumber(lo, 3);
    rampHi.textContent = formatNumber(hi, 3);
    const nameOf = (/** @type {number} */ k) => names()[k] ?? `x[${k}]`;
    const options = chartOptions({
      panel,
      size: currentSize,
      series: [{ label: nameOf(g.i) }, { label: nameOf(g.j), paths: () => null, points: { show: false } }],
      scales: {
        x: { time: false, auto: false, range: () => [g.ei[0], g.ei[g.ei.length - 1]] },
        y: { auto: false, range: () => [g.ej[0], g.ej[g.ej.length - 1]] },
      },
      axes: [
        axis(theme, { label: nameOf(g.i), kind: g.logI ? "log" : "linear", side: 2, grid: false }),
        axis(theme, { label: nameOf(g.j), kind: g.logJ ? "log" : "linear", grid: false }),
      ],
      hooks: { drawClear: [drawCells], draw: [drawCompared, drawPath], setCursor: [showHover] },
    });
    options.legend = { show: false };
    options.cursor = { ...options.cursor, points: { show: false } };
    chart?.destroy();
    chart = createChart(panel.body, options, [[g.xi[0], g.xi[g.xi.length - 1]], [null, null]]);
    chart.over.addEventListener("click", pick);
  }

  /** @param {import("../plot.js").Chart} u */
  function drawCells(u) {
    if (!grid) return;
    // -- basin hook (2/5): the basin map's cells instead of the cost's --------
    const map = basin.map;
    const { logI, logJ } = grid;
    if (showingBasin() && map && map.i === grid.i && map.j === grid.j) {
      return basin.draw(u, (v) => toAxis(v, logI), (v) => toAxis(v, logJ));
    }
    // -- end basin hook (2/5) ---------------------------------------------------
    const { ctx } = u;
    const { ei, ej, xi } = grid;
    const nx = xi.length;
    ctx.save();
    for (let r = 0; r < ej.length - 1; r++) {
      const y0 = u.valToPos(ej[r], "y", true);
      const y1 = u.valToPos(ej[r + 1], "y", true);
      for (let c = 0; c < nx; c++) {
        const x0 = u.valToPos(ei[c], "x", true);
        const x1 = u.valToPos(ei[c + 1], "x", true);
        ctx.fillStyle = cellColors[r * nx + c];
        // Round outwards so neighbouring cells leave no hairline gaps.
        ctx.fillRect(Math.floor(x0), Math.floor(y1), Math.ceil(x1) - Math.floor(x0), Math.ceil(y0) - Math.floor(y1));
      }
    }
    ctx.restore();
  }

  /**
   * Pixel positions of the path in the landscape's two parameters, or null
   * when the fit held does not have them.
   * @param {import("../plot.js").Chart} u
   */
  function pathPixels(u) {
    const store = view.session.store;
    if (!grid || !store || grid.i >= store.n || grid.j >= store.n) return null;
    const { i, j } = grid;
    const { logI, logJ } = grid;
    const at = (/** @type {string} */ name, /** @type {number} */ k) => [
      u.valToPos(toAxis(store.component(name, k, i), logI), "x", true),
      u.valToPos(toAxis(store.component(name, k, j), logJ), "y", true),
    ];
    const accepted = store.column("accepted");
    const pnorm = store.column("pnorm");
    return { store, at, accepted, pnorm };
  }

  /**
   * The accepted paths of the compared runs, dashed in their own styles, under
   * the current fit's path; each ends in a hollow square at its last point.
   * @param {import("../plot.js").Chart} u
   */
  function drawCompared(u) {
    const runs = grid ? view.session.compared.shown().filter((run) => grid && grid.i < run.store.n && grid.j < run.store.n) : [];
    panel.el.dataset.compared = runs.map((run) => run.fitId).join(",");
    if (!grid || runs.length === 0) return;
    const { i, j, logI, logJ } = grid;
    const { ctx } = u;
    const ratio = uPlot.pxRatio;
    ctx.save();
    ctx.beginPath();
    ctx.rect(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height);
    ctx.clip();
    ctx.lineJoin = "round";
    for (const run of runs) {
      const points = acceptedPath(run.store, i, j).map(([vi, vj]) => [u.valToPos(toAxis(vi, logI), "x", true), u.valToPos(toAxis(vj, logJ), "y", true)]);
      ctx.beginPath();
      points.forEach(([x, y], k) => (k === 0 ? ctx.moveTo(x, y) : ctx.lineTo(x, y)));
      ctx.setLineDash([]);
      ctx.strokeStyle = "rgba(255, 255, 255, 0.8)";
      ctx.lineWidth = 3.5 * ratio;
      ctx.stroke();
      ctx.setLineDash(run.style.dash.map((d) => d * ratio));
      ctx.strokeStyle = run.style.color;
      ctx.lineWidth = 2 * ratio;
      ctx.stroke();
      const [lx, ly] = /** @type {number[]} */ (points[points.length - 1]);
      const half = 4 * ratio;
      ctx.setLineDash([]);
      ctx.strokeRect(lx - half, ly - half, 2 * half, 2 * half);
    }
    ctx.restore();
  }

  /** @param {import("../plot.js").Chart} u */
  function drawPath(u) {
    const path = pathPixels(u);
    if (!path || path.store.length === 0) {
      delete panel.el.dataset.finalInside;
      return;
    }
    const { store, at, accepted, pnorm } = path;
    // For tests and readers of the DOM: is the fit's current point on the map?
    const [fx, fy] = at("x", store.length - 1);
    const { left, top, width, height } = u.bbox;
    panel.el.dataset.finalInside = String(fx >= left && fx <= left + width && fy >= top && fy <= top + height);
    panel.el.dataset.pathFit = String(store.fitId);
    panel.el.dataset.pathSteps = String(store.length);
    const { ctx } = u;
    const ratio = uPlot.pxRatio;
    const radius = (store.length > 200 ? 2.5 : 3.5) * ratio;
    ctx.save();
    ctx.beginPath();
    ctx.rect(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height);
    ctx.clip();
    // The accepted path: a light line on a dark casing reads on every colour of the map.
    ctx.beginPath();
    for (let k = 0; k < store.length; k++) {
      if (k > 0 && !accepted[k]) continue;
      const [x, y] = at("x", k);
      if (k === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    }
    ctx.lineJoin = "round";
    ctx.strokeStyle = "rgba(0, 0, 0, 0.7)";
    ctx.lineWidth = 3.5 * ratio;
    ctx.stroke();
    ctx.strokeStyle = "#ffffff";
    ctx.lineWidth = 1.5 * ratio;
    ctx.stroke();
    ctx.lineWidth = 1.5 * ratio;
    for (let k = 1; k < store.length; k++) {
      if (!triedPoint(pnorm, k)) continue;
      const [x, y] = at("x_trial", k);
      ctx.beginPath();
      ctx.arc(x, y, radius, 0, 2 * Math.PI);
      if (accepted[k]) {
        ctx.fillStyle = COLORS.accepted;
        ctx.fill();
      } else {
        ctx.strokeStyle = COLORS.rejected;
        ctx.stroke();
      }
    }
    // Start and current point, larger, so the direction of travel is clear.
    for (const [k, color] of [[0, "#ffffff"], [store.length - 1, COLORS.trial]]) {
      const [x, y] = at("x", /** @type {number} */ (k));
      ctx.beginPath();
      ctx.arc(x, y, radius * 1.8, 0, 2 * Math.PI);
      ctx.strokeStyle = /** @type {string} */ (color);
      ctx.lineWidth = 2 * ratio;
      ctx.stroke();
    }
    ctx.restore();
  }

  /** @param {import("../plot.js").Chart} u */
  function showHover(u) {
    const { left, top } = u.cursor;
    if (!grid || left === undefined || top === undefined || left < 0 || top < 0) return;
    const ai = u.posToVal(left, "x");
    const aj = u.posToVal(top, "y");
    const vi = fromAxis(ai, grid.logI);
    const vj = fromAxis(aj, grid.logJ);
    const nameOf = (/** @type {number} */ k) => names()[k] ?? `x[${k}]`;
    let text = `${nameOf(grid.i)} = ${formatNumber(vi, 5)}, ${nameOf(grid.j)} = ${formatNumber(vj, 5)}, log10 cost = ${formatNumber(costAt(grid, ai, aj), 4)}`;
    // -- basin hook (3/5): where the start under the cursor ends ---------------
    if (showingBasin()) text = basin.describe(vi, vj) ?? text;
    // -- end basin hook (3/5) ---------------------------------------------------
    const near = nearestTrial(u, left, top);
    if (near !== null) {
      const store = /** @type {import("../store.js").FitStore} */ (view.session.store);
      const verdict = near === 0 ? "start" : store.column("accepted")[near] ? "accepted" : "rejected";
      text += ` · step ${near} (${verdict}): ${nameOf(grid.i)} = ${formatNumber(store.component("x_trial", near, grid.i), 6)}, ${nameOf(grid.j)} = ${formatNumber(store.component("x_trial", near, grid.j), 6)}, ‖f‖ = ${formatNumber(store.column("fnorm_trial")[near], 6)}`;
    }
    readout.textContent = text;
  }

  /**
   * @param {import("../plot.js").Chart} u
   * @param {number} left  CSS pixels in the plot area
   * @param {number} top
   * @returns {number | null}
   */
  function nearestTrial(u, left, top) {
    const path = pathPixels(u);
    if (!path) return null;
    const ratio = uPlot.pxRatio;
    let best = null;
    let bestDistance = HOVER_RADIUS;
    for (let k = 0; k < path.store.length; k++) {
      const [x, y] = path.at("x_trial", k);
      const d = Math.hypot((x - u.bbox.left) / ratio - left, (y - u.bbox.top) / ratio - top);
      if (d <= bestDistance) {
        bestDistance = d;
        best = k;
      }
    }
    return best;
  }

  function pick() {
    const u = chart;
    if (!u || !grid) return;
    const { left, top } = u.cursor;
    if (left === undefined || top === undefined || left < 0 || top < 0) return;
    const xi = fromAxis(u.posToVal(left, "x"), grid.logI);
    const xj = fromAxis(u.posToVal(top, "y"), grid.logJ);
    // -- basin hook (4/5): a cell's click fits from its exact start ------------
    const cell = showingBasin() ? basin.cellAt(xi, xj) : -1;
    if (cell >= 0) {
      view.send({ type: "pick", ...basin.startOf(cell) });
      if (!view.model.get("auto_fit")) view.send({ type: "command", name: "fit" });
      return;
    }
    // -- end basin hook (4/5) ---------------------------------------------------
    if (Number.isFinite(xi) && Number.isFinite(xj)) view.send({ type: "pick", i: grid.i, j: grid.j, xi, xj });
  }

  function update() {
    fillSelects();
    const trait = view.model.get("landscape");
    const n = names().length;
    if (trait !== builtFor) {
      builtFor = trait;
      try {
        grid = readLandscape(trait);
      } catch (err) {
        grid = null;
        panel.showPlaceholder(/** @type {Error} */ (err).message);
        return;
      }
      const shownFor = grid ?? /** @type {{i?: unknown, j?: unknown}} */ (trait ?? {});
      if (pending && shownFor.i === pending.i && shownFor.j === pending.j) pending = null;
      if (grid) build();
    }
    const shown = pending ?? (grid ? { i: grid.i, j: grid.j } : { i: 0, j: Math.min(1, n - 1) });
    selectI.value = String(shown.i);
    selectJ.value = String(shown.j);
    controls.hidden = n < 2;
    colorbar.hidden = !grid;
    // -- basin hook (5/5): the map's trait, legend and progress ----------------
    basin.setTrait(view.model.get("basin"));
    const map = basin.map;
    if (showingBasin() && map && (!grid || grid === borrowed) && (grid !== borrowed || borrowedFrom !== map)) {
      borrowedFrom = map; // no landscape to draw over: the chart's axes come from the map
      borrowed = grid = basin.asGrid();
      build();
    } else if (!showingBasin() && grid !== null && grid === borrowed) {
      grid = null;
    }
    selectView.value = showingBasin() ? "basin" : "cost";
    panel.title.textContent = showingBasin() ? "Basin map" : "Cost landscape";
    basin.legend.hidden = !showingBasin() || !grid;
    if (showingBasin()) colorbar.hidden = true;
    const basinNote = showingBasin() ? basin.problem || (basin.map?.final ? "" : "computing the basin map…") : "";
    // -- end basin hook (5/5) ---------------------------------------------------
    if (n < 2) return panel.showPlaceholder("needs ≥ 2 parameters");
    if (!grid && !view.model.get("landscape_on")) return panel.showPlaceholder("off (landscape=False): pick two parameters above to draw it");
    if (!grid) return panel.showPlaceholder(typeof trait?.message === "string" ? trait.message : "computing…");
    panel.showPlaceholder(null);
    slice.textContent = describeSlice(grid, names());
    showCompareLegend();
    const fitId = view.session.store?.fitId;
    panel.setNote(
      pending ? "computing the new landscape…" : showingBasin() ? basinNote : fitId !== undefined && grid.fitId !== fitId ? `landscape of fit ${grid.fitId}` : "",
    );
    chart?.redraw(false, false);
  }

  function showCompareLegend() {
    const runs = view.session.compared.shown();
    const key = runs.map((run) => run.fitId).join(",");
    if (compareLegend.dataset.runs === key) return;
    compareLegend.dataset.runs = key;
    compareLegend.replaceChildren(
      ...runs.map((run) => {
        const item = document.createElement("span");
        item.className = "lmscope-compare-item";
        const swatch = document.createElement("span");
        swatch.className = "lmscope-compare-swatch";
        swatch.style.borderTopColor = run.style.color;
        swatch.style.borderTopStyle = run.style.dash[0] > 4 ? "dashed" : "dotted";
        item.append(swatch, `${run.label}: accepted path, ending at the square`);
        return item;
      }),
    );
    compareLegend.hidden = runs.length === 0;
  }

  return {
    el: panel.el,
    update,
    resize(size) {
      currentSize = size;
      chart?.setSize(size);
    },
    destroy() {
      selectI.removeEventListener("change", onSelect);
      selectJ.removeEventListener("change", onSelect);
      selectView.removeEventListener("change", onView);
      chart?.over.removeEventListener("click", pick);
      chart?.destroy();
    },
  };
}

/**
 * Which slice of the cost the map is, in words: the parameters on the axes
 * (and which are logarithmic), and where every other one is held.
 * @param {import("../grid.js").Grid} grid
 * @param {string[]} names
 */
export function describeSlice(grid, names) {
  const nameOf = (/** @type {number} */ k) => names[k] ?? `x[${k}]`;
  const logs = [grid.logI ? nameOf(grid.i) : "", grid.logJ ? nameOf(grid.j) : ""].filter(Boolean);
  const held = grid.held.map(([k, v]) => `${nameOf(k)} = ${formatNumber(v, 6)}`);
  const onAxes = `cost over ${nameOf(grid.i)} and ${nameOf(grid.j)}${logs.length ? ` (log axis: ${logs.join(", ")})` : ""}`;
  return held.length ? `Slice: ${onAxes}, with ${held.join(", ")} held at the start.` : `Cost over ${nameOf(grid.i)} and ${nameOf(grid.j)}${logs.length ? ` (log axis: ${logs.join(", ")})` : ""}.`;
}

/**
 * @param {string} text
 * @param {HTMLElement} control
 */
function labelled(text, control) {
  const label = document.createElement("label");
  label.append(`${text} `, control);
  return label;
}
