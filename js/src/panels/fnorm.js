/**
 * Panel 2: ||f|| per trial step on a log axis. The line is the accepted point's
 * norm; markers are the trial points' norms, filled green where the step was
 * accepted and hollow red where it was rejected, so the rhythm of the trust
 * region shows at a glance. The axis holds the accepted ‖f‖ whole and trial
 * norms up to HEADROOM decades above it: a wild rejected trial (‖f‖ = 1e21,
 * or an overflow) is pinned to the top edge with a marker of its own instead
 * of flattening the path; hovering shows its true value. Compared runs of the
 * run list (compare.js) are dashed lines of their accepted ‖f‖, each with a
 * legend row naming the run.
 */

import { MAX_COMPARED, COMPARE_STYLES, padTo } from "../compare.js";
import { Panel } from "../panel.js";
import { axis, chartOptions, createChart, line, logLegend, logScale, markers, showLegendRow, stepScale } from "../plot.js";
import { markerSize } from "../layout.js";
import { GLOSSARY } from "../glossary.js";
import { clampToRange, log10OrNaN, log10OrNull, robustWindow, splitAccepted } from "../series.js";
import { COLORS } from "../theme.js";
import { stepLegend, stepNumbers, trueValue } from "../view.js";

// Decades above the highest accepted ‖f‖ that trial norms are drawn where they are.
const HEADROOM = 2;
// The series index of the first compared run's line (after step, line and three marker series).
const FIRST_COMPARED = 5;

/**
 * @param {import("../view.js").View} view
 * @param {{width: number, height: number}} size
 * @returns {import("../view.js").PanelView}
 */
export function createFnormPanel(view, size) {
  const panel = new Panel("fnorm", "‖f‖ per trial step", GLOSSARY.fnorm);
  const trialAt = trueValue(view, (store, k) => store.column("fnorm_trial")[k]);
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
      markers(theme, { label: "‖f(x_trial)‖ beyond the axis", color: COLORS.clamped, hollow: true, value: trialAt }),
      ...COMPARE_STYLES.map(({ color, dash }, slot) => line({ label: `compared run ${slot + 1}`, color, dash, value: logLegend })),
    ],
    scales: { x: stepScale(), y: logScale() },
    axes: [axis(theme, { label: "trial step", kind: "step" }), axis(theme, { label: "‖f‖", kind: "log" })],
  });
  const chart = createChart(panel.body, options, [[], [], [], [], [], ...COMPARE_STYLES.map(() => [])]);

  return {
    el: panel.el,
    update() {
      const store = view.session.store;
      const length = store?.length ?? 0;
      const line = store ? log10OrNull(store.column("fnorm")) : [];
      const trial = store ? log10OrNaN(store.column("fnorm_trial")) : [];
      const window = robustWindow(trial.map((v) => (Number.isFinite(v) ? v : null)), line, HEADROOM) ?? [-Infinity, Infinity];
      const { inside, clamped } = clampToRange(trial, ...window);
      const split = splitAccepted(inside, store ? store.column("accepted") : [], store ? store.column("pnorm") : []);
      const size = markerSize(length, chart.width);
      for (const s of chart.series.slice(2)) if (s.points) s.points.size = size;
      const pinned = clamped.filter((v) => v !== null).length;
      panel.setNote(pinned ? `${pinned} trial${pinned === 1 ? "" : "s"} beyond the axis, pinned to its edge` : "");
      const compared = view.session.compared.shown();
      const steps = Math.max(length, ...compared.map((run) => run.store.length));
      const comparedLines = Array.from({ length: MAX_COMPARED }, (_, slot) => {
        const run = compared[slot];
        return run ? padTo(log10OrNull(run.store.column("fnorm")), steps) : padTo([], steps);
      });
      const own = [line, split.accepted, split.rejected, clamped].map((values) => padTo(values, steps));
      chart.setData([stepNumbers(steps), ...own, ...comparedLines]);
      showLegendRow(chart, 4, pinned > 0);
      compared.forEach((run, slot) => nameLegendRow(chart, FIRST_COMPARED + slot, `${run.label} ‖f(x)‖ (dashed)`));
      for (let slot = 0; slot < MAX_COMPARED; slot++) showLegendRow(chart, FIRST_COMPARED + slot, slot < compared.length);
      // For tests and readers of the DOM: which runs are drawn, and their lengths.
      panel.el.dataset.compared = compared.map((run) => run.fitId).join(",");
      panel.el.dataset.comparedSteps = compared.map((run) => run.store.length).join(",");
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
 * Put `text` on a series' legend row (the compared run it now draws).
 * @param {import("../plot.js").Chart} chart
 * @param {number} index
 * @param {string} text
 */
function nameLegendRow(chart, index, text) {
  const label = chart.root.querySelectorAll(".u-series")[index]?.querySelector(".u-label");
  if (label && label.textContent !== text) label.textContent = text;
}
