/**
 * The basin-map view of the landscape panel (the `basin` trait): every cell is
 * one start of a grid over the panel's two parameters, the other parameters at
 * the sliders' values, coloured by the solution its fit reached: the best one
 * in one colour, the next six in distinct colours (any further ones share a
 * dotted colour), starts that did not converge
 * grey and hatched (so a failure never reads by colour alone), with thin lines
 * where neighbouring cells reach different solutions. Paler cells took fewer
 * evaluations, darker ones more (log nfev over the map's range). The landscape panel owns the chart; this module draws the cells,
 * says what the cell under the cursor did, and gives the exact start of a
 * clicked cell. It writes text only (textContent), never HTML.
 */

import { formatNumber } from "../format.js";
import { cellEdges, findCell } from "../grid.js";
import { uPlot } from "../plot.js";

/** The best solution (label 0), then the others: Okabe and Ito's colour-blind-safe set. */
const BEST = "#0072b2";
const OTHERS = ["#e69f00", "#009e73", "#cc79a7", "#d55e00", "#56b4e9", "#f0e442"];
const FAILED = "#9a9a9a";
// Solutions past the distinct colours share this one, marked with a dot, so a
// reused colour never suggests two solutions are one (hover tells them apart).
const REST = "#d8cbb5";
// The fewest evaluations on the map mix this much white into a cell's colour,
// the most darken it by DARKEST.
const PALEST = 0.45;
const DARKEST = 0.35;
// A cell this many CSS pixels wide or more shows its label as a digit too.
const LABEL_MIN_PX = 16;
const RGB_OF_HEX = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/;

/**
 * @typedef {object} BasinMap
 * @property {number} i
 * @property {number} j
 * @property {Float64Array} xi   starting values of parameter i (nx)
 * @property {Float64Array} xj   starting values of parameter j (ny)
 * @property {Float64Array} ei   cell edges along i
 * @property {Float64Array} ej   cell edges along j
 * @property {Int32Array} label  per cell, row-major with one row per xj; -1: no convergence
 * @property {Int32Array} ier
 * @property {Int32Array} nfev
 * @property {Float64Array} fnorm
 * @property {(number | null)[][]} x  each start's final point
 * @property {number} solutions  how many distinct solutions
 * @property {number} level
 * @property {boolean} final
 * @property {string} method
 */

/**
 * Check a `basin` trait value; null for `{}` or a map the kernel could not
 * compute (`message`), throws on an inconsistent one.
 * @param {unknown} value
 * @returns {BasinMap | null}
 */
export function readBasin(value) {
  if (value === null || typeof value !== "object" || Object.keys(value).length === 0) return null;
  const b = /** @type {Record<string, any>} */ (value);
  if (typeof b.message === "string") return null;
  if (!Number.isSafeInteger(b.i) || !Number.isSafeInteger(b.j)) throw new Error("basin: i and j must be integers");
  for (const name of ["xi", "xj", "label", "ier", "nfev", "fnorm", "x", "solutions"]) {
    if (!Array.isArray(b[name])) throw new Error(`basin: ${name} must be a list`);
  }
  const nx = b.xi.length;
  const ny = b.xj.length;
  if (nx === 0 || ny === 0) throw new Error("basin: xi and xj must not be empty");
  for (const name of ["label", "ier", "nfev", "fnorm", "x"]) {
    if (b[name].length !== nx * ny) throw new Error(`basin: ${name} has ${b[name].length} cells, expected ${ny}*${nx} = ${nx * ny}`);
  }
  const xi = Float64Array.from(b.xi, toNumber);
  const xj = Float64Array.from(b.xj, toNumber);
  return {
    i: b.i,
    j: b.j,
    xi,
    xj,
    ei: cellEdges(xi),
    ej: cellEdges(xj),
    label: Int32Array.from(b.label, toInteger),
    ier: Int32Array.from(b.ier, toInteger),
    nfev: Int32Array.from(b.nfev, toInteger),
    fnorm: Float64Array.from(b.fnorm, toNumber),
    x: b.x.map((/** @type {unknown} */ row) => (Array.isArray(row) ? row.map((v) => (typeof v === "number" ? v : null)) : [])),
    solutions: b.solutions.length,
    level: Number.isSafeInteger(b.level) ? b.level : 0,
    final: b.final === true,
    method: typeof b.method === "string" ? b.method : "",
  };
}

/** @param {unknown} v */
function toNumber(v) {
  return typeof v === "number" ? v : NaN;
}

/** @param {unknown} v */
function toInteger(v) {
  return typeof v === "number" && Number.isSafeInteger(v) ? v : -1;
}

/**
 * The colour of a solution's cells.
 * @param {number} label  -1 for no convergence
 */
export function labelColor(label) {
  if (label < 0) return FAILED;
  if (label > OTHERS.length) return REST;
  return label === 0 ? BEST : OTHERS[label - 1];
}

/**
 * `hex` shaded by how many evaluations a start took, `t` in [0, 1] (0 the
 * fewest on the map): paler for few, darker for many.
 * @param {string} hex
 * @param {number} t
 */
export function shade(hex, t) {
  const m = RGB_OF_HEX.exec(hex);
  if (!m) return hex;
  const pale = PALEST * (1 - t);
  const keep = 1 - DARKEST * t;
  return `rgb(${[m[1], m[2], m[3]].map((h) => Math.round((parseInt(h, 16) * (1 - pale) + 255 * pale) * keep)).join(",")})`;
}

/**
 * The basin view: its legend element, and what the landscape panel calls.
 * @param {() => string[]} names  parameter names
 * @param {() => number[]} values  the sliders' values (the next fit's start)
 */
export function createBasinView(names, values) {
  const legend = document.createElement("div");
  legend.className = "lmscope-basin-legend";
  /** @type {BasinMap | null} */
  let map = null;
  /** @type {string[]} */
  let fills = [];
  let builtFor = /** @type {unknown} */ (undefined);
  let problem = "";

  const nameOf = (/** @type {number} */ k) => names()[k] ?? `x[${k}]`;

  /**
   * Take the trait's value (cheap when it did not change).
   * @param {unknown} trait
   */
  function setTrait(trait) {
    if (trait === builtFor) return;
    builtFor = trait;
    problem = typeof (/** @type {any} */ (trait)?.message) === "string" ? /** @type {any} */ (trait).message : "";
    try {
      map = readBasin(trait);
    } catch (err) {
      map = null;
      problem = /** @type {Error} */ (err).message;
    }
    fills = [];
    if (map) {
      const logs = Array.from(map.nfev, (v) => Math.log(Math.max(1, v)));
      const lo = Math.min(...logs);
      const hi = Math.max(...logs);
      fills = logs.map((v, k) => shade(labelColor(/** @type {BasinMap} */ (map).label[k]), hi > lo ? (v - lo) / (hi - lo) : 0));
    }
    fillLegend();
    // Mirrored for tests and tools: which level is shown, and whether it is the last.
    legend.dataset.level = map ? String(map.level) : "";
    legend.dataset.final = map ? String(map.final) : "";
    legend.dataset.cells = map ? String(map.label.length) : "";
  }

  function fillLegend() {
    legend.replaceChildren();
    if (!map) return;
    const failed = map.label.filter((v) => v < 0).length;
    const entries = [];
    for (let s = 0; s < Math.min(map.solutions, OTHERS.length + 1); s++) entries.push([labelColor(s), s === 0 ? "0: best" : `${s}`, ""]);
    const rest = map.solutions - (OTHERS.length + 1);
    if (rest > 0) entries.push([REST, `${OTHERS.length + 1}+: ${rest} more solutions`, "lmscope-basin-dotted"]);
    if (failed) entries.push([FAILED, `no convergence (${failed})`, "lmscope-basin-hatched"]);
    for (const [color, text, pattern] of entries) {
      const item = document.createElement("span");
      item.className = "lmscope-basin-key";
      const swatch = document.createElement("span");
      swatch.className = pattern ? `lmscope-basin-swatch ${pattern}` : "lmscope-basin-swatch";
      swatch.style.backgroundColor = /** @type {string} */ (color);
      item.append(swatch);
      item.append(/** @type {string} */ (text));
      legend.append(item);
    }
    const nfev = Array.from(map.nfev);
    const size = `${map.xi.length}×${map.xj.length}`;
    legend.append(`· paler: fewer evaluations, darker: more (nfev ${Math.min(...nfev)}–${Math.max(...nfev)}) · ${size}${map.final ? "" : ", refining…"}`);
  }

  /**
   * Draw the cells (a drawClear hook of the landscape's chart).  The chart's
   * axes may be in log10 (a log slider's parameter): axisI and axisJ map a
   * parameter's value to its axis.
   * @param {import("../plot.js").Chart} u
   * @param {(v: number) => number} [axisI]
   * @param {(v: number) => number} [axisJ]
   */
  function draw(u, axisI = (v) => v, axisJ = (v) => v) {
    if (!map) return;
    legend.dataset.drawn = String(Number(legend.dataset.drawn ?? 0) + 1);
    const { ctx } = u;
    const { ei, ej, xi, label } = map;
    const nx = xi.length;
    const ratio = uPlot.pxRatio;
    ctx.save();
    ctx.beginPath();
    ctx.rect(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height);
    ctx.clip();
    /** @type {[number, number, number, number][]} */
    const boxes = [];
    for (let r = 0; r < ej.length - 1; r++) {
      const y0 = Math.ceil(u.valToPos(axisJ(ej[r]), "y", true));
      const y1 = Math.floor(u.valToPos(axisJ(ej[r + 1]), "y", true));
      for (let c = 0; c < nx; c++) {
        const x0 = Math.floor(u.valToPos(axisI(ei[c]), "x", true));
        const x1 = Math.ceil(u.valToPos(axisI(ei[c + 1]), "x", true));
        boxes.push([x0, y1, x1 - x0, y0 - y1]);
        ctx.fillStyle = fills[r * nx + c];
        ctx.fillRect(x0, y1, x1 - x0, y0 - y1);
      }
    }
    // Failures: diagonal hatching over the grey, a mark that does not need colour.
    ctx.strokeStyle = "rgba(0, 0, 0, 0.75)";
    ctx.lineWidth = 1 * ratio;
    const step = 5 * ratio;
    ctx.beginPath();
    for (let k = 0; k < label.length; k++) {
      if (label[k] >= 0) continue;
      const [x, y, w, h] = boxes[k];
      for (let d = step / 2; d < w + h; d += step) {
        ctx.moveTo(x + Math.max(0, d - h), y + Math.min(d, h));
        ctx.lineTo(x + Math.min(d, w), y + Math.max(0, d - w));
      }
    }
    ctx.stroke();
    // Solutions past the distinct colours: a dot in the cell.
    ctx.fillStyle = "rgba(0, 0, 0, 0.7)";
    for (let k = 0; k < label.length; k++) {
      if (label[k] <= OTHERS.length) continue;
      const [x, y, w, h] = boxes[k];
      ctx.beginPath();
      ctx.arc(x + w / 2, y + h / 2, Math.max(1, Math.min(w, h) / 6), 0, 2 * Math.PI);
      ctx.fill();
    }
    // Borders between cells that reach different solutions.
    ctx.strokeStyle = "rgba(255, 255, 255, 0.9)";
    ctx.lineWidth = 1.5 * ratio;
    ctx.beginPath();
    const rows = ej.length - 1;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < nx; c++) {
        const k = r * nx + c;
        const [x, y, w, h] = boxes[k];
        if (c + 1 < nx && label[k + 1] !== label[k]) {
          ctx.moveTo(x + w, y);
          ctx.lineTo(x + w, y + h);
        }
        if (r + 1 < rows && label[k + nx] !== label[k]) {
          ctx.moveTo(x, y);
          ctx.lineTo(x + w, y);
        }
      }
    }
    ctx.stroke();
    // The sliders' start (the next fit's), a cross that reads on every colour;
    // the landscape draws the current fit's path and its start over it.
    const start = values();
    if (start.length > Math.max(map.i, map.j)) {
      const x = u.valToPos(axisI(start[map.i]), "x", true);
      const y = u.valToPos(axisJ(start[map.j]), "y", true);
      const arm = 6 * ratio;
      ctx.beginPath();
      ctx.moveTo(x - arm, y);
      ctx.lineTo(x + arm, y);
      ctx.moveTo(x, y - arm);
      ctx.lineTo(x, y + arm);
      ctx.strokeStyle = "rgba(0, 0, 0, 0.8)";
      ctx.lineWidth = 3.5 * ratio;
      ctx.stroke();
      ctx.strokeStyle = "#ffffff";
      ctx.lineWidth = 1.5 * ratio;
      ctx.stroke();
    }
    if (boxes.length && boxes[0][2] >= LABEL_MIN_PX * ratio && Math.abs(boxes[0][3]) >= LABEL_MIN_PX * ratio) {
      ctx.fillStyle = "#ffffff";
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.font = `${10 * ratio}px sans-serif`;
      for (let k = 0; k < label.length; k++) {
        const [x, y, w, h] = boxes[k];
        ctx.fillText(label[k] < 0 ? "×" : String(label[k]), x + w / 2, y + h / 2);
      }
    }
    ctx.restore();
  }

  /**
   * The cell containing (vi, vj), or -1.
   * @param {number} vi
   * @param {number} vj
   */
  function cellAt(vi, vj) {
    if (!map) return -1;
    const c = findCell(map.ei, vi);
    const r = findCell(map.ej, vj);
    return c < 0 || r < 0 ? -1 : r * map.xi.length + c;
  }

  /**
   * What the start under (vi, vj) did, or null outside the map.
   * @param {number} vi
   * @param {number} vj
   */
  function describe(vi, vj) {
    const k = cellAt(vi, vj);
    if (!map || k < 0) return null;
    const start = startOf(k);
    const label = map.label[k];
    const end = map.x[k].map((v, p) => `${nameOf(p)} = ${v === null ? "—" : formatNumber(v, 5)}`).join(", ");
    const reached = label < 0 ? "no convergence" : label === 0 ? "solution 0 (best)" : `solution ${label}`;
    return (
      `start ${nameOf(map.i)} = ${formatNumber(start.xi, 5)}, ${nameOf(map.j)} = ${formatNumber(start.xj, 5)} → ${reached}: ` +
      `${end}; ‖f‖ = ${formatNumber(map.fnorm[k], 5)}, ier = ${map.ier[k]}, ${map.nfev[k]} evaluations`
    );
  }

  /**
   * The exact start of cell k (the grid values), for a click to fit from.
   * @param {number} k
   */
  function startOf(k) {
    const m = /** @type {BasinMap} */ (map);
    const nx = m.xi.length;
    return { i: m.i, j: m.j, xi: m.xi[k % nx], xj: m.xj[Math.floor(k / nx)] };
  }

  /**
   * A cost-less landscape grid over the map's cells, for the chart's axes when
   * the kernel has no landscape (off, or func too slow for one).
   * @returns {import("../grid.js").Grid}
   */
  function asGrid() {
    const m = /** @type {BasinMap} */ (map);
    const { i, j, xi, xj, ei, ej } = m;
    // Linear axes in the parameters' values: draw() maps cells through the
    // grid's (here identity) axes, so the cells and the axes agree.
    const cost = new Float64Array(m.label.length).fill(NaN);
    return { i, j, xi, xj, ei, ej, cost, fitId: -1, logI: false, logJ: false, held: [] };
  }

  return {
    legend,
    setTrait,
    asGrid,
    draw,
    cellAt,
    describe,
    startOf,
    /** the map drawn, or null */
    get map() {
      return map;
    },
    /** why there is no map ("" while computing) */
    get problem() {
      return problem;
    },
  };
}
