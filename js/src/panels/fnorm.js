/**
 * Panel 2: ||f|| per trial step on a log axis. The line is the accepted point's
 * norm; markers are the trial points' norms, filled green where the step was
 * accepted and hollow red where it was rejected, so the rhythm of the trust
 * region shows at a glance.
 */

import { Panel } from "../panel.js";
import { axis, chartOptions, createChart, line, logLegend, logScale, markers, stepScale } from "../plot.js";
import { markerSize } from "../layout.js";
import { log10OrNull, splitAccepted } from "../series.js";
import { COLORS } from "../theme.js";
import { stepLegend, stepNumbers } from "../view.js";

/**
 * @param {import("../view.js").View} view
 * @param {{width: number, height: number}} size
 * @returns {import("../view.js").PanelView}
 */
export function createFnormPanel(view, size) {
  const panel = new Panel("fnorm", "‖f‖ per trial step");
  const { theme } = view;
  const options = chartOptions({
    panel,
    size,
    syncKey: view.syncKey,
    series: [
      { label: "step", value: stepLegend(view) },
      line({ label: "‖f(x)‖", color: COLORS.line, value: logLegend }),
      markers(theme, { label: "‖f(x_trial)‖ accepted", color: COLORS.accepted, value: logLegend }),
      markers(theme, { label: "‖f(x_trial)‖ rejected", color: COLORS.rejected, hollow: true, value: logLegend }),
    ],
    scales: { x: stepScale(), y: logScale() },
    axes: [axis(theme, { label: "trial step", kind: "step" }), axis(theme, { label: "‖f‖", kind: "log" })],
  });
  const chart = createChart(panel.body, options, [[], [], [], []]);

  return {
    el: panel.el,
    update() {
      const store = view.session.store;
      const length = store?.length ?? 0;
      const trial = store ? log10OrNull(store.column("fnorm_trial")) : [];
      const split = splitAccepted(trial, store ? store.column("accepted") : [], store ? store.column("pnorm") : []);
      const size = markerSize(length, chart.width);
      for (const s of chart.series.slice(2)) if (s.points) s.points.size = size;
      chart.setData([stepNumbers(length), store ? log10OrNull(store.column("fnorm")) : [], split.accepted, split.rejected]);
    },
    resize(size) {
      chart.setSize(size);
    },
    destroy() {
      chart.destroy();
    },
  };
}
