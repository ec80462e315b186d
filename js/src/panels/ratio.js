/**
 * Panel 4: the gain ratio rho per trial step against the thresholds that decide
 * acceptance (1e-4) and the trust-region update (0.25, 0.75). rho is unbounded,
 * so the axis shows a fixed window and points outside it are pinned to its edge
 * with a marker of their own; hovering shows the true value.
 */

import { Panel } from "../panel.js";
import { axis, chartOptions, createChart, markers, showLegendRow, stepScale, uPlot } from "../plot.js";
import { markerSize } from "../layout.js";
import { explainTrial } from "../explain.js";
import { GLOSSARY } from "../glossary.js";
import { clampToRange, splitAccepted } from "../series.js";
import { ACCEPT, GROW_ABOVE, RATIO_SHOWN, SHRINK_BELOW } from "../thresholds.js";
import { COLORS } from "../theme.js";
import { stepLegend, stepNumbers, trueValue } from "../view.js";

const LINES = [
  { value: ACCEPT, text: "ρ = 1e-4: accept" },
  { value: SHRINK_BELOW, text: "0.25: Δ shrinks below" },
  { value: GROW_ABOVE, text: "0.75: Δ grows above" },
];

/**
 * @param {import("../view.js").View} view
 * @param {{width: number, height: number}} size
 * @returns {import("../view.js").PanelView}
 */
export function createRatioPanel(view, size) {
  const panel = new Panel("ratio", "Gain ratio ρ per trial step", GLOSSARY.rho);
  // Why the last trial was accepted or rejected, and what Δ and λ do next.
  const why = document.createElement("div");
  why.className = "lmscope-readout lmscope-why";
  panel.el.append(why);
  const { theme } = view;
  const ratioAt = trueValue(view, (store, k) => store.column("ratio")[k]);
  const pad = (RATIO_SHOWN.hi - RATIO_SHOWN.lo) * 0.04;
  const options = chartOptions({
    panel,
    size,
    syncKey: view.syncKey,
    series: [
      { label: "step", value: stepLegend(view) },
      markers(theme, { label: "ρ accepted", color: COLORS.accepted, value: ratioAt }),
      markers(theme, { label: "ρ rejected", color: COLORS.rejected, hollow: true, value: ratioAt }),
      markers(theme, { label: `ρ outside [${RATIO_SHOWN.lo}, ${RATIO_SHOWN.hi}]`, color: COLORS.clamped, hollow: true, value: ratioAt }),
    ],
    scales: { x: stepScale(), y: { auto: false, range: () => [RATIO_SHOWN.lo - pad, RATIO_SHOWN.hi + pad] } },
    axes: [axis(theme, { label: "trial step", kind: "step" }), axis(theme, { label: "ρ", kind: "linear" })],
    hooks: { draw: [(u) => drawThresholds(u, theme)] },
  });
  const chart = createChart(panel.body, options, [[], [], [], []]);

  return {
    el: panel.el,
    update() {
      const store = view.session.store;
      const length = store?.length ?? 0;
      const { inside, clamped } = clampToRange(store ? store.column("ratio") : [], RATIO_SHOWN.lo, RATIO_SHOWN.hi);
      const split = splitAccepted(inside, store ? store.column("accepted") : [], store ? store.column("pnorm") : []);
      const size = markerSize(length, chart.width);
      for (const s of chart.series.slice(1)) if (s.points) s.points.size = size;
      const outside = clamped.filter((v) => v !== null).length;
      panel.setNote(outside ? `${outside} outside the window, pinned to its edge` : "");
      chart.setData([stepNumbers(length), split.accepted, split.rejected, clamped]);
      showLegendRow(chart, 3, outside > 0);
      const last = length - 1;
      why.textContent =
        store && last >= 0
          ? explainTrial({
              step: last,
              ratio: store.column("ratio")[last],
              actred: store.column("actred")[last],
              pnorm: store.column("pnorm")[last],
              par: store.column("par")[last],
              accepted: Boolean(store.column("accepted")[last]),
            })
          : "";
    },
    resize(size) {
      chart.setSize(size);
    },
    destroy() {
      chart.destroy();
    },
  };
}

/**
 * Dashed horizontal lines at the thresholds, labelled at the right end.
 * @param {import("../plot.js").Chart} u
 * @param {import("../theme.js").Theme} theme
 */
function drawThresholds(u, theme) {
  const { ctx } = u;
  const { left, width } = u.bbox;
  const ratio = uPlot.pxRatio;
  ctx.save();
  ctx.strokeStyle = theme.muted;
  ctx.fillStyle = theme.muted;
  ctx.lineWidth = ratio;
  ctx.setLineDash([4 * ratio, 4 * ratio]);
  ctx.font = `${10 * ratio}px ${theme.font}`;
  ctx.textAlign = "right";
  ctx.textBaseline = "bottom";
  for (const { value, text } of LINES) {
    const y = u.valToPos(value, "y", true);
    ctx.beginPath();
    ctx.moveTo(left, y);
    ctx.lineTo(left + width, y);
    ctx.stroke();
    ctx.fillText(text, left + width - 4 * ratio, y - 2 * ratio);
  }
  ctx.restore();
}
