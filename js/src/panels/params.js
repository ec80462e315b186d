/**
 * Panel 5: the path of every parameter over the trial steps. Parameters live on
 * unrelated scales (an amplitude of 1e4 next to a rate of 1e-3), so each path is
 * normalised to (x - x_current) / max|x - x_current| and all share one axis that
 * ends at 0; hovering shows the true values.
 */

import { Panel } from "../panel.js";
import { axis, chartOptions, createChart, line, stepScale } from "../plot.js";
import { normalisedPaths } from "../series.js";
import { COLORS } from "../theme.js";
import { stepLegend, stepNumbers, trueValue } from "../view.js";

/**
 * @param {import("../view.js").View} view
 * @param {{width: number, height: number}} size
 * @returns {import("../view.js").PanelView}
 */
export function createParamsPanel(view, size) {
  const panel = new Panel("params", "Parameter paths");
  panel.setNote("(x − x_now) / max|x − x_now|");
  /** @type {import("../plot.js").Chart | null} */
  let chart = null;
  // The chart has one series per parameter: rebuilt when n or the names change.
  let shape = "";
  let currentSize = size;

  /** @param {string[]} names */
  function build(names) {
    const series = names.map((name, c) =>
      line({
        label: name,
        color: COLORS.palette[c % COLORS.palette.length],
        value: trueValue(view, (store, k) => store.component("x", k, c)),
      }),
    );
    const options = chartOptions({
      panel,
      size: currentSize,
      syncKey: view.syncKey,
      series: [{ label: "step", value: stepLegend(view) }, ...series],
      scales: { x: stepScale(), y: { auto: false, range: () => [-1.08, 1.08] } },
      axes: [axis(view.theme, { label: "trial step", kind: "step" }), axis(view.theme, { label: "normalised x", kind: "linear" })],
    });
    chart?.destroy();
    chart = createChart(panel.body, options, [[], ...names.map(() => [])]);
  }

  return {
    el: panel.el,
    update() {
      const store = view.session.store;
      const n = store?.n ?? view.model.get("param_names").length;
      const given = view.model.get("param_names");
      const names = Array.from({ length: n }, (_, c) => given[c] ?? `x[${c}]`);
      if (names.join("\u0000") !== shape || !chart) {
        shape = names.join("\u0000");
        build(names);
      }
      const length = store?.length ?? 0;
      const paths = store && length ? normalisedPaths(store.column("x"), length, n) : names.map(() => []);
      /** @type {import("../plot.js").Chart} */ (chart).setData([stepNumbers(length), ...paths]);
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
