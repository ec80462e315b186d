/**
 * Panel 1: what is being fitted. Curve form: the data (with error bars when
 * sigma is given) and the model at the current accepted point (solid) and at the
 * latest trial point (dashed). Data points shrink and fade as they crowd the
 * plot, so the model shows through them; data too many to send point by point
 * arrive as a band (the min–max envelope of each bin of x, shaded, and the mean
 * as a line), which reads as one data set. Under the data, the residuals f at
 * the accepted point against x (the curve form's `residual` and `residual_x`
 * curves, decimated together when long). Residual form: the residual vector f
 * at the accepted point (bars) and at the trial point (hollow markers), and,
 * when the problem has a `draw` hook, its picture of the fit above them (named
 * series on equal axes, e.g. the fitted circle and the points it fits).
 */

import { drawnSeries, equalAspectRanges } from "../drawing.js";
import { dataMarkerStyle } from "../layout.js";
import { Panel } from "../panel.js";
import { axis, chartOptions, createChart, line, linearScale, markers, showLegendRow, uPlot } from "../plot.js";
import { linearRange } from "../scales.js";
import { extent, finiteOrNull, joinSorted } from "../series.js";
import { COLORS } from "../theme.js";

// Series of the curve form's chart, in drawing order: the band under the points, the model on top.
const BAND_HI = 1;
const BAND_LO = 2;
const BAND_MEAN = 3;
const DATA = 4;
// Share of the panel's height the drawing takes when the residual form has one.
const DRAWING_SHARE = 0.58;
// ... and the residuals under the data in the curve form.
const RESIDUAL_SHARE = 0.32;
// Plot area inside a chart of a given size: the axes take about this much.
const AXES_WIDTH = 60;
const AXES_HEIGHT = 50;

/**
 * @param {number} alpha
 * @param {string} hex  "#rrggbb"
 */
function withAlpha(hex, alpha) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

/**
 * @param {import("../view.js").View} view
 * @param {{width: number, height: number}} size
 * @returns {import("../view.js").PanelView}
 */
export function createCurvePanel(view, size) {
  const panel = new Panel("curve", "");
  const { theme } = view;
  const drawingHost = document.createElement("div");
  drawingHost.className = "lmscope-drawing";
  const drawingLegend = document.createElement("div");
  drawingLegend.className = "lmscope-drawing-legend";
  const mainHost = document.createElement("div");
  const residualHost = document.createElement("div");
  residualHost.className = "lmscope-residuals";
  panel.body.append(drawingHost, drawingLegend, mainHost, residualHost);
  /** @type {import("../plot.js").Chart | null} the curve form's residuals under the data */
  let residualChart = null;
  /** @type {[number | null, number | null]} */
  let residualExtent = [null, null];
  /** @type {import("../plot.js").Chart | null} */
  let chart = null;
  /** @type {import("../plot.js").Chart | null} */
  let drawingChart = null;
  /** @type {import("../drawing.js").DrawnSeries[]} */
  let drawn = [];
  let drawnKey = "";
  /** @type {{x: [number, number], y: [number, number]}} */
  let drawnRanges = { x: [-1, 1], y: [-1, 1] };
  /** @type {import("../types.js").Form | null} */
  let form = null;
  let currentSize = size;
  /** @type {[number | null, number | null]} y extent of everything drawn, error bars included */
  let yExtent = [null, null];
  // Error bars need each row's sigma: the row -> data point map of the last join.
  /** @type {number[]} */
  let dataRow = [];
  /** @type {number[] | null} */
  let sigma = null;
  let dataAlpha = 1;

  const yScale = { range: () => linearRange(...yExtent) };

  function mainSize() {
    if (form === "curve" && residualChart) return { width: currentSize.width, height: Math.max(150, Math.round(currentSize.height * (1 - RESIDUAL_SHARE))) };
    if (form !== "residual" || drawn.length === 0) return currentSize;
    return { width: currentSize.width, height: Math.max(120, Math.round(currentSize.height * (1 - DRAWING_SHARE))) };
  }

  function residualSize() {
    return { width: currentSize.width, height: Math.max(110, Math.round(currentSize.height * RESIDUAL_SHARE)) };
  }

  function buildResidualsUnderData() {
    const options = chartOptions({
      panel,
      size: residualSize(),
      series: [{ label: "x" }, markers(theme, { label: "f at x (model − y, over σ when given)", color: COLORS.line })],
      scales: {
        // The data chart's x range, so a residual sits under its data point.
        x: { time: false, auto: false, range: () => [chart?.scales.x.min ?? 0, chart?.scales.x.max ?? 1] },
        y: { range: () => linearRange(...residualExtent) },
      },
      axes: [axis(theme, { label: "x", kind: "linear", side: 2 }), axis(theme, { label: "f", kind: "linear" })],
      hooks: { draw: [drawZero] },
    });
    options.legend = { show: false };
    return createChart(residualHost, options, [[], []]);
  }

  /** @param {import("../plot.js").Chart} u */
  function drawZero(u) {
    const { ctx } = u;
    const y = u.valToPos(0, "y", true);
    ctx.save();
    ctx.strokeStyle = theme.muted;
    ctx.lineWidth = uPlot.pxRatio;
    ctx.beginPath();
    ctx.moveTo(u.bbox.left, y);
    ctx.lineTo(u.bbox.left + u.bbox.width, y);
    ctx.stroke();
    ctx.restore();
  }

  /** The curve form's residuals under the data, when the kernel sends them. */
  function updateResiduals() {
    const curves = view.session.store?.curves;
    const f = curves?.get("residual");
    const fx = curves?.get("residual_x");
    const show = form === "curve" && f !== undefined && fx !== undefined && f.length === fx.length && f.length > 0;
    residualHost.hidden = !show;
    if (!show) {
      if (residualChart) {
        residualChart.destroy();
        residualChart = null;
        chart?.setSize(mainSize());
      }
      return;
    }
    if (!residualChart) {
      residualChart = buildResidualsUnderData();
      chart?.setSize(mainSize());
    }
    const joined = joinSorted([{ x: /** @type {ArrayLike<number>} */ (fx), y: /** @type {ArrayLike<number>} */ (f) }]);
    const column = joined.columns[0];
    const lim = extent(column);
    const far = Math.max(Math.abs(lim[0] ?? 0), Math.abs(lim[1] ?? 0));
    residualExtent = far > 0 ? [-far, far] : [null, null];
    const style = dataMarkerStyle(column.length, residualChart.width);
    const points = residualChart.series[1].points;
    if (points) points.size = style.size;
    panel.el.dataset.residuals = String(column.length);
    residualChart.setData([joined.x, column]);
  }

  function drawingSize() {
    return { width: currentSize.width, height: Math.max(160, Math.round(currentSize.height * DRAWING_SHARE)) };
  }

  function buildCurve() {
    const dataColor = () => withAlpha(COLORS.data, dataAlpha);
    const bandEdge = (/** @type {string} */ label) => ({ ...line({ label, color: withAlpha(COLORS.data, 0.6) }), width: 1, spanGaps: false });
    const options = chartOptions({
      panel,
      size: mainSize(),
      series: [
        { label: "x" },
        bandEdge("data max per bin"),
        bandEdge("data min per bin"),
        { ...line({ label: "data mean per bin", color: "#555555" }), spanGaps: false },
        { ...markers(theme, { label: "data", color: COLORS.data }), stroke: dataColor, fill: dataColor, points: { show: true, size: 6, width: 1, stroke: dataColor, fill: dataColor } },
        line({ label: "model at x", color: COLORS.line }),
        line({ label: "model at x_trial", color: COLORS.trial, dash: [6, 4] }),
      ],
      scales: { x: { time: false, ...linearScale() }, y: yScale },
      axes: [axis(theme, { label: "x", kind: "linear", side: 2 }), axis(theme, { label: "y", kind: "linear" })],
      hooks: { draw: [drawErrorBars] },
    });
    options.bands = [{ series: [BAND_HI, BAND_LO], fill: withAlpha(COLORS.data, 0.3) }];
    return options;
  }

  function buildResidual() {
    return chartOptions({
      panel,
      size: mainSize(),
      series: [
        { label: "residual index" },
        { ...line({ label: "f(x)", color: COLORS.line }), fill: `${COLORS.line}66`, paths: /** @type {NonNullable<typeof uPlot.paths.bars>} */ (uPlot.paths.bars)({ size: [0.7, 24] }) },
        markers(theme, { label: "f(x_trial)", color: COLORS.trial, hollow: true }),
      ],
      scales: { x: { time: false, range: (_u, min, max) => [(min ?? 0) - 0.5, (max ?? 0) + 0.5] }, y: yScale },
      axes: [axis(theme, { label: "residual index", kind: "step", side: 2 }), axis(theme, { label: "f", kind: "linear" })],
    });
  }

  function buildDrawing() {
    const s = drawingSize();
    drawnRanges = equalAspectRanges(drawn, s.width - AXES_WIDTH, s.height - AXES_HEIGHT);
    const options = chartOptions({
      panel,
      size: s,
      series: [{ label: "x" }, { label: "y", paths: () => null, points: { show: false } }],
      scales: {
        x: { time: false, auto: false, range: () => drawnRanges.x },
        y: { auto: false, range: () => drawnRanges.y },
      },
      axes: [axis(theme, { label: "x", kind: "linear", side: 2 }), axis(theme, { label: "y", kind: "linear" })],
      hooks: { draw: [paintDrawing] },
    });
    options.legend = { show: false };
    drawingChart?.destroy();
    drawingChart = createChart(drawingHost, options, [[drawnRanges.x[0], drawnRanges.x[1]], [null, null]]);
    drawingLegend.replaceChildren(
      ...drawn.map((series, k) => {
        const item = document.createElement("span");
        const swatch = document.createElement("span");
        swatch.textContent = series.style === "markers" ? "● " : "— ";
        swatch.style.color = COLORS.palette[k % COLORS.palette.length];
        item.append(swatch, series.name); // the name is the user's text: never HTML
        return item;
      }),
    );
  }

  /** @param {import("../plot.js").Chart} u */
  function paintDrawing(u) {
    const { ctx } = u;
    const ratio = uPlot.pxRatio;
    ctx.save();
    ctx.beginPath();
    ctx.rect(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height);
    ctx.clip();
    drawn.forEach((series, k) => {
      const color = COLORS.palette[k % COLORS.palette.length];
      ctx.strokeStyle = color;
      ctx.fillStyle = color;
      ctx.lineWidth = 1.5 * ratio;
      if (series.style === "line") {
        ctx.beginPath();
        let open = false;
        for (let p = 0; p < series.x.length; p++) {
          const x = series.x[p];
          const y = series.y[p];
          if (!Number.isFinite(x) || !Number.isFinite(y)) {
            open = false; // a gap in the series: lift the pen
            continue;
          }
          const px = u.valToPos(x, "x", true);
          const py = u.valToPos(y, "y", true);
          if (open) ctx.lineTo(px, py);
          else ctx.moveTo(px, py);
          open = true;
        }
        ctx.stroke();
      } else {
        for (let p = 0; p < series.x.length; p++) {
          if (!Number.isFinite(series.x[p]) || !Number.isFinite(series.y[p])) continue;
          ctx.beginPath();
          ctx.arc(u.valToPos(series.x[p], "x", true), u.valToPos(series.y[p], "y", true), 2.5 * ratio, 0, 2 * Math.PI);
          ctx.fill();
        }
      }
    });
    ctx.restore();
  }

  /** @param {import("../plot.js").Chart} u */
  function drawErrorBars(u) {
    if (!sigma) return;
    const { ctx } = u;
    const ratio = uPlot.pxRatio;
    const [xs, ys] = /** @type {[number[], (number | null)[]]} */ ([u.data[0], u.data[DATA]]);
    ctx.save();
    ctx.strokeStyle = theme.muted;
    ctx.globalAlpha = dataAlpha;
    ctx.lineWidth = ratio;
    ctx.beginPath();
    for (let r = 0; r < xs.length; r++) {
      const y = ys[r];
      const s = dataRow[r] >= 0 ? sigma[dataRow[r]] : NaN;
      if (y === null || !Number.isFinite(s)) continue;
      const px = u.valToPos(xs[r], "x", true);
      ctx.moveTo(px, u.valToPos(y - s, "y", true));
      ctx.lineTo(px, u.valToPos(y + s, "y", true));
    }
    ctx.stroke();
    ctx.restore();
  }

  /** The drawing of the residual form: rebuilt when its series change. */
  function updateDrawing() {
    const curves = view.session.store?.curves ?? new Map();
    const next = form === "residual" ? drawnSeries(curves) : [];
    const key = next.map((s) => `${s.style}/${s.name}/${s.x.length}`).join("\u0000");
    const shapeChanged = (next.length === 0) !== (drawn.length === 0);
    const changed = next.length !== drawn.length || next.some((s, k) => s.x !== drawn[k].x || s.y !== drawn[k].y);
    drawn = next;
    if (form === "residual") panel.title.textContent = drawn.length ? "The fit drawn, and its residuals f" : "Residuals f";
    drawingHost.hidden = drawingLegend.hidden = drawn.length === 0;
    panel.el.dataset.drawnSeries = String(drawn.length);
    if (shapeChanged) chart?.setSize(mainSize());
    if (drawn.length === 0) {
      drawingChart?.destroy();
      drawingChart = null;
      drawnKey = "";
      return;
    }
    if (key !== drawnKey || !drawingChart) {
      drawnKey = key;
      buildDrawing();
    } else if (changed) {
      const s = drawingSize();
      drawnRanges = equalAspectRanges(drawn, s.width - AXES_WIDTH, s.height - AXES_HEIGHT);
      drawingChart.redraw(true, false);
    }
  }

  return {
    el: panel.el,
    update() {
      const wanted = view.model.get("form") === "residual" ? "residual" : "curve";
      if (wanted !== form || !chart) {
        form = wanted;
        panel.title.textContent = form === "curve" ? "Data and model" : "Residuals f";
        chart?.destroy();
        residualChart?.destroy();
        residualChart = null;
        residualHost.hidden = true;
        chart = createChart(mainHost, form === "curve" ? buildCurve() : buildResidual(), form === "curve" ? [[], [], [], [], [], [], []] : [[], [], []]);
      }
      updateDrawing();
      const curves = view.session.store?.curves;
      const accepted = curves?.get("accepted") ?? [];
      const trial = curves?.get("trial") ?? [];
      if (form === "curve") {
        const data = view.model.get("data") ?? { x: [], y: [], sigma: null };
        const band = data.band ?? null;
        const modelX = view.model.get("model_x") ?? [];
        const noBand = { x: [], y: [] };
        const asNumbers = (/** @type {(number | null)[]} */ v) => v.map((e) => (e === null ? NaN : e));
        const joined = joinSorted([
          band ? { x: band.x, y: asNumbers(band.hi) } : noBand,
          band ? { x: band.x, y: asNumbers(band.lo) } : noBand,
          band ? { x: band.x, y: asNumbers(band.mean) } : noBand,
          { x: data.x ?? [], y: data.y ?? [] },
          { x: modelX, y: accepted },
          { x: modelX, y: trial },
        ]);
        // A band row that only another set has is an alignment artefact (undefined:
        // uPlot draws across it); an empty bin (null) stays a gap.
        for (const set of [BAND_HI - 1, BAND_LO - 1, BAND_MEAN - 1]) {
          const column = /** @type {(number | null | undefined)[]} */ (joined.columns[set]);
          joined.source[set].forEach((row, r) => {
            if (row < 0) column[r] = undefined;
          });
        }
        sigma = Array.isArray(data.sigma) ? data.sigma : null;
        dataRow = joined.source[DATA - 1];
        const style = dataMarkerStyle((data.x ?? []).length, chart.width);
        dataAlpha = style.alpha;
        const points = chart.series[DATA].points;
        if (points) points.size = style.size;
        panel.el.dataset.dataAlpha = String(style.alpha);
        panel.el.dataset.bandBins = String(band ? band.x.length : 0);
        // The legend names only what is drawn: the band's three series, or the points.
        for (const k of [BAND_HI, BAND_LO, BAND_MEAN]) showLegendRow(chart, k, Boolean(band));
        showLegendRow(chart, DATA, !band);
        panel.setNote(band ? `${band.points.toLocaleString("en-US")} points, drawn as a band: min–max and mean per bin of x` : "");
        const bars = sigma ? errorBarEnds(data.y ?? [], sigma) : [];
        yExtent = extent(...joined.columns, bars);
        chart.setData([joined.x, ...joined.columns]);
        updateResiduals();
      } else {
        const m = Math.max(accepted.length, trial.length);
        const f = finiteOrNull(accepted);
        const ft = finiteOrNull(trial);
        yExtent = extent(f, ft, [0]);
        // A long residual vector comes decimated, with the indices it kept.
        const index = curves?.get("index");
        const x = index && index.length === m ? Array.from(index) : Array.from({ length: m }, (_, k) => k);
        chart.setData([x, f, ft]);
      }
    },
    resize(size) {
      currentSize = size;
      chart?.setSize(mainSize());
      residualChart?.setSize(residualSize());
      if (drawingChart) {
        drawingChart.setSize(drawingSize());
        const s = drawingSize();
        drawnRanges = equalAspectRanges(drawn, s.width - AXES_WIDTH, s.height - AXES_HEIGHT);
        drawingChart.redraw(true, false);
      }
    },
    destroy() {
      chart?.destroy();
      drawingChart?.destroy();
      residualChart?.destroy();
    },
  };
}

/**
 * y - sigma and y + sigma of every point, so the y axis makes room for the bars.
 * @param {number[]} y
 * @param {number[]} sigma
 */
function errorBarEnds(y, sigma) {
  return y.flatMap((v, k) => [v - sigma[k], v + sigma[k]]);
}
