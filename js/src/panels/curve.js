/**
 * Panel 1: what is being fitted. Curve form: the data (with error bars when
 * sigma is given) and the model at the current accepted point (solid) and at the
 * latest trial point (dashed). Residual form: the residual vector f at the
 * accepted point (bars) and at the trial point (hollow markers).
 */

import { Panel } from "../panel.js";
import { axis, chartOptions, createChart, line, linearScale, markers, uPlot } from "../plot.js";
import { linearRange } from "../scales.js";
import { extent, finiteOrNull, joinSorted } from "../series.js";
import { COLORS } from "../theme.js";

/**
 * @param {import("../view.js").View} view
 * @param {{width: number, height: number}} size
 * @returns {import("../view.js").PanelView}
 */
export function createCurvePanel(view, size) {
  const panel = new Panel("curve", "");
  const { theme } = view;
  /** @type {import("../plot.js").Chart | null} */
  let chart = null;
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

  const yScale = { range: () => linearRange(...yExtent) };

  function buildCurve() {
    return chartOptions({
      panel,
      size: currentSize,
      series: [
        { label: "x" },
        markers(theme, { label: "data", color: COLORS.data }),
        line({ label: "model at x", color: COLORS.line }),
        line({ label: "model at x_trial", color: COLORS.trial, dash: [6, 4] }),
      ],
      scales: { x: { time: false, ...linearScale() }, y: yScale },
      axes: [axis(theme, { label: "x", kind: "linear", side: 2 }), axis(theme, { label: "y", kind: "linear" })],
      hooks: { draw: [drawErrorBars] },
    });
  }

  function buildResidual() {
    return chartOptions({
      panel,
      size: currentSize,
      series: [
        { label: "residual index" },
        { ...line({ label: "f(x)", color: COLORS.line }), fill: `${COLORS.line}66`, paths: /** @type {NonNullable<typeof uPlot.paths.bars>} */ (uPlot.paths.bars)({ size: [0.7, 24] }) },
        markers(theme, { label: "f(x_trial)", color: COLORS.trial, hollow: true }),
      ],
      scales: { x: { time: false, range: (_u, min, max) => [(min ?? 0) - 0.5, (max ?? 0) + 0.5] }, y: yScale },
      axes: [axis(theme, { label: "residual index", kind: "step", side: 2 }), axis(theme, { label: "f", kind: "linear" })],
    });
  }

  /** @param {import("../plot.js").Chart} u */
  function drawErrorBars(u) {
    if (!sigma) return;
    const { ctx } = u;
    const ratio = uPlot.pxRatio;
    const [xs, ys] = /** @type {[number[], (number | null)[]]} */ ([u.data[0], u.data[1]]);
    ctx.save();
    ctx.strokeStyle = theme.muted;
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

  return {
    el: panel.el,
    update() {
      const wanted = view.model.get("form") === "residual" ? "residual" : "curve";
      if (wanted !== form || !chart) {
        form = wanted;
        panel.title.textContent = form === "curve" ? "Data and model" : "Residuals f";
        chart?.destroy();
        chart = createChart(panel.body, form === "curve" ? buildCurve() : buildResidual(), form === "curve" ? [[], [], [], []] : [[], [], []]);
      }
      const curves = view.session.store?.curves;
      const accepted = curves?.get("accepted") ?? [];
      const trial = curves?.get("trial") ?? [];
      if (form === "curve") {
        const data = view.model.get("data") ?? { x: [], y: [], sigma: null };
        const modelX = view.model.get("model_x") ?? [];
        const joined = joinSorted([
          { x: data.x ?? [], y: data.y ?? [] },
          { x: modelX, y: accepted },
          { x: modelX, y: trial },
        ]);
        sigma = Array.isArray(data.sigma) ? data.sigma : null;
        dataRow = joined.source[0];
        const bars = sigma ? errorBarEnds(data.y ?? [], sigma) : [];
        yExtent = extent(...joined.columns, bars);
        chart.setData([joined.x, ...joined.columns]);
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
      chart?.setSize(size);
    },
    destroy() {
      chart?.destroy();
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
