/**
 * Panel 3: the trust-region radius Delta and the Levenberg-Marquardt parameter
 * lambda per trial step, each on its own log axis (they have different units).
 * lambda is 0 whenever the Gauss-Newton step fits inside the trust region; a log
 * axis cannot show 0, so those steps are counted in the panel's note instead.
 */

import { Panel } from "../panel.js";
import { axis, chartOptions, createChart, line, logLegend, logScale, stepScale } from "../plot.js";
import { log10OrNull } from "../series.js";
import { COLORS } from "../theme.js";
import { stepLegend, stepNumbers } from "../view.js";

/**
 * @param {import("../view.js").View} view
 * @param {{width: number, height: number}} size
 * @returns {import("../view.js").PanelView}
 */
export function createTrustPanel(view, size) {
  const panel = new Panel("trust", "Δ and λ per trial step");
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
    ],
    scales: { x: stepScale(), delta: logScale(), par: logScale() },
    axes: [
      axis(theme, { label: "trial step", kind: "step" }),
      axis(theme, { label: "Δ", kind: "log", scale: "delta", side: 3 }),
      axis(theme, { label: "λ", kind: "log", scale: "par", side: 1, grid: false }),
    ],
  });
  const chart = createChart(panel.body, options, [[], [], []]);

  return {
    el: panel.el,
    update() {
      const store = view.session.store;
      const length = store?.length ?? 0;
      const par = store ? store.column("par") : [];
      let zeros = 0;
      for (let k = 0; k < par.length; k++) if (par[k] === 0) zeros++;
      panel.setNote(zeros ? `λ = 0 (Gauss–Newton step) at ${zeros} step${zeros === 1 ? "" : "s"}, not drawn` : "");
      chart.setData([stepNumbers(length), store ? log10OrNull(store.column("delta")) : [], log10OrNull(par)]);
    },
    resize(size) {
      chart.setSize(size);
    },
    destroy() {
      chart.destroy();
    },
  };
}
