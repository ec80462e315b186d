/**
 * Panel 3: the trust-region radius Delta and the Levenberg-Marquardt parameter
 * lambda per trial step, each on its own log axis (they have different units).
 * lambda is 0 whenever the Gauss-Newton step fits inside the trust region; a log
 * axis cannot show 0, so those steps are counted in the panel's note instead.
 * Each axis holds the middle half of its values and HEADROOM decades around
 * it; a value further out is pinned to the edge with a marker of its own.
 */

import { Panel } from "../panel.js";
import { axis, chartOptions, createChart, line, logLegend, logScale, markers, showLegendRow, stepScale } from "../plot.js";
import { GLOSSARY } from "../glossary.js";
import { clampToRange, log10OrNaN, robustWindow } from "../series.js";
import { COLORS } from "../theme.js";
import { stepLegend, stepNumbers, trueValue } from "../view.js";

// Decades beyond the quartiles of Δ (of λ) drawn where they are.
const HEADROOM = 6;

/**
 * One log axis's values: inside the robust window as they are, the rest pinned.
 * @param {ArrayLike<number>} values
 */
function pinOutliers(values) {
  const logs = log10OrNaN(values);
  const window = robustWindow(logs.map((v) => (Number.isFinite(v) ? v : null)), null, HEADROOM) ?? [-Infinity, Infinity];
  return clampToRange(logs, ...window);
}

/**
 * @param {import("../view.js").View} view
 * @param {{width: number, height: number}} size
 * @returns {import("../view.js").PanelView}
 */
export function createTrustPanel(view, size) {
  const panel = new Panel("trust", "Δ and λ per trial step", `${GLOSSARY.delta}\n${GLOSSARY.lambda}`);
  const deltaAt = trueValue(view, (store, k) => store.column("delta")[k]);
  const parAt = trueValue(view, (store, k) => store.column("par")[k]);
  const { theme } = view;
  // Markers appear by themselves when the steps are few enough to tell apart.
  const withPoints = (/** @type {import("uplot").Series} */ s) => ({ ...s, points: { size: 4 }, spanGaps: false });
  const options = chartOptions({
    panel,
    size,
    syncKey: view.syncKey,
    series: [
      { label: "step", value: stepLegend(view) },
      withPoints(line({ label: "Δ (trust radius)", color: COLORS.line, scale: "delta", value: logLegend })),
      withPoints(line({ label: "λ (LM parameter)", color: COLORS.trial, scale: "par", value: logLegend })),
      markers(theme, { label: "Δ beyond the axis", color: COLORS.clamped, hollow: true, scale: "delta", value: deltaAt }),
      markers(theme, { label: "λ beyond the axis", color: COLORS.clamped, hollow: true, scale: "par", value: parAt }),
    ],
    scales: { x: stepScale(), delta: logScale(), par: logScale() },
    axes: [
      axis(theme, { label: "trial step", kind: "step" }),
      axis(theme, { label: "Δ", kind: "log", scale: "delta", side: 3 }),
      axis(theme, { label: "λ", kind: "log", scale: "par", side: 1, grid: false }),
    ],
  });
  const chart = createChart(panel.body, options, [[], [], [], [], []]);

  return {
    el: panel.el,
    update() {
      const store = view.session.store;
      const length = store?.length ?? 0;
      const par = store ? store.column("par") : [];
      let zeros = 0;
      for (let k = 0; k < par.length; k++) if (par[k] === 0) zeros++;
      const delta = pinOutliers(store ? store.column("delta") : []);
      const lambda = pinOutliers(par);
      const pinned = [...delta.clamped, ...lambda.clamped].filter((v) => v !== null).length;
      const notes = [];
      if (zeros) notes.push(`λ = 0 (Gauss–Newton step) at ${zeros} step${zeros === 1 ? "" : "s"}, not drawn`);
      if (pinned) notes.push(`${pinned} beyond the axes, pinned to their edges`);
      panel.setNote(notes.join("; "));
      chart.setData([stepNumbers(length), delta.inside, lambda.inside, delta.clamped, lambda.clamped]);
      showLegendRow(chart, 3, delta.clamped.some((v) => v !== null));
      showLegendRow(chart, 4, lambda.clamped.some((v) => v !== null));
    },
    resize(size) {
      chart.setSize(size);
    },
    destroy() {
      chart.destroy();
    },
  };
}
