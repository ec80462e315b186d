/**
 * uPlot option builders shared by the chart panels: axes whose ticks and labels
 * come from scales.js and format.js (uPlot's own stop at 1e-16..1e16), colours
 * read from the live theme, and a draw hook that counts draws for tests.
 */

import uPlot from "uplot";
import { formatNumber, formatTicks } from "./format.js";
import { tickBudget } from "./layout.js";
import { decadeRange, fromExponent, linearRange, linearTicks, logTicks } from "./scales.js";

/** @typedef {import("./theme.js").Theme} Theme */
/** @typedef {InstanceType<typeof uPlot>} Chart */
/** @typedef {import("./panel.js").Panel} Panel */

const FONT_SIZE = 11;
// Minimum pixels between ticks: labels are about one line high on y, a word wide on x.
const Y_TICK_SPACING = 30;
const X_TICK_SPACING = 70;

/** @param {Theme} theme */
const font = (theme) => `${FONT_SIZE}px ${theme.font}`;

/**
 * @param {Theme} theme
 * @param {object} o
 * @param {string} o.label
 * @param {string} [o.scale]
 * @param {"log" | "linear" | "step"} o.kind
 * @param {0 | 1 | 2 | 3} [o.side]  uPlot sides: 1 right, 2 bottom, 3 left
 * @param {boolean} [o.grid]
 * @returns {uPlot.Axis}
 */
export function axis(theme, { label, scale, kind, side, grid = true }) {
  const vertical = side === 1 || side === 3 || (side === undefined && kind !== "step");
  return defined({
    scale,
    side,
    label,
    font: font(theme),
    labelFont: font(theme),
    labelSize: 18,
    stroke: () => theme.fg,
    grid: { show: grid, stroke: () => theme.grid, width: 1 },
    ticks: { stroke: () => theme.grid, width: 1, size: 4 },
    splits: (u, _axisIdx, min, max) => {
      const budget = tickBudget(vertical ? u.height : u.width, vertical ? Y_TICK_SPACING : X_TICK_SPACING);
      if (kind === "log") return logTicks(min, max, budget);
      return linearTicks(min, max, budget, kind === "step" ? 1 : 0);
    },
    values: (_u, splits) => formatTicks(kind === "log" ? splits.map(fromExponent) : splits),
    // Wide enough for the longest label, e.g. "-1.25e-300".
    size: (_u, values) => (vertical ? Math.max(36, 12 + 7 * Math.max(0, ...(values ?? []).map((v) => String(v).length))) : 32),
  });
}

/**
 * The object without its undefined entries: uPlot copies keys over its defaults
 * even when undefined, so an option left out must be absent, not undefined.
 * @template {object} T
 * @param {T} options
 * @returns {T}
 */
function defined(options) {
  return /** @type {T} */ (Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)));
}

/**
 * A log axis's scale. Its data are log10 of the values (see decadeRange for why),
 * so it is linear to uPlot; axis() with kind "log" labels it with the values.
 * @returns {uPlot.Scale}
 */
export function logScale() {
  return { range: (_u, min, max) => decadeRange(min, max) };
}

/**
 * Legend text of a series on a log scale: the value, not its exponent.
 * @param {unknown} _u
 * @param {number | null} v
 */
export function logLegend(_u, v) {
  return v === null ? "—" : formatNumber(fromExponent(v), 6);
}

/** @returns {uPlot.Scale} */
export function linearScale() {
  return { range: (_u, min, max) => linearRange(min, max) };
}

/** The trial-step axis: half a step of air so the first and last markers are whole. */
/** @returns {uPlot.Scale} */
export function stepScale() {
  return { time: false, range: (_u, min, max) => (min === null || max === null ? [-0.5, 0.5] : [min - 0.5, max + 0.5]) };
}

/**
 * A series drawn as markers only.
 * @param {Theme} theme
 * @param {object} o
 * @param {string} o.label
 * @param {string} o.color
 * @param {boolean} [o.hollow]
 * @param {string} [o.scale]
 * @param {uPlot.Series.Value} [o.value]
 * @returns {uPlot.Series}
 */
export function markers(theme, { label, color, hollow = false, scale, value }) {
  return defined({
    label,
    scale,
    stroke: color,
    fill: hollow ? undefined : color,
    paths: () => null,
    value: value ?? ((_u, v) => formatNumber(v, 6)),
    points: { show: true, size: 6, width: 1.5, stroke: color, fill: hollow ? () => theme.bg : color },
  });
}

/**
 * A series drawn as a line.
 * @param {object} o
 * @param {string} o.label
 * @param {string} o.color
 * @param {string} [o.scale]
 * @param {number[]} [o.dash]
 * @param {uPlot.Series.Value} [o.value]
 * @returns {uPlot.Series}
 */
export function line({ label, color, scale, dash, value }) {
  return defined({
    label,
    scale,
    stroke: color,
    width: 1.5,
    dash,
    spanGaps: true,
    value: value ?? ((_u, v) => formatNumber(v, 6)),
    points: { show: false },
  });
}

/**
 * Options common to every chart; `extra` adds series, scales, axes and hooks.
 * @param {object} o
 * @param {Panel} o.panel
 * @param {{width: number, height: number}} o.size
 * @param {uPlot.Series[]} o.series  the first is the x series
 * @param {Record<string, uPlot.Scale>} o.scales
 * @param {uPlot.Axis[]} o.axes
 * @param {uPlot.Hooks.Arrays} [o.hooks]
 * @param {string} [o.syncKey]  charts with the same key share the hover cursor
 * @returns {uPlot.Options}
 */
export function chartOptions({ panel, size, series, scales, axes, hooks = {}, syncKey }) {
  return {
    ...size,
    series,
    scales,
    axes,
    legend: { live: true },
    cursor: defined({
      sync: syncKey ? { key: syncKey } : undefined,
      // A drag-zoom would fight the live updates; hovering is what the plots are for.
      drag: { x: false, y: false },
    }),
    hooks: {
      ...hooks,
      draw: [...(hooks.draw ?? []), () => panel.drew()],
    },
  };
}

/**
 * Create a chart in `host`, replacing any previous one.
 * @param {HTMLElement} host
 * @param {uPlot.Options} options
 * @param {uPlot.AlignedData} data
 */
export function createChart(host, options, data) {
  host.replaceChildren();
  return new uPlot(options, data, host);
}

export { uPlot };

/**
 * Show or hide one series' row in a chart's legend, so the legend names only
 * what is drawn (a "beyond the axis" series with nothing beyond it is noise).
 * @param {Chart} chart
 * @param {number} index  of the series
 * @param {boolean} show
 */
export function showLegendRow(chart, index, show) {
  const row = /** @type {HTMLElement | undefined} */ (chart.root.querySelectorAll(".u-series")[index]);
  if (row && row.hidden === show) row.hidden = !show;
}
