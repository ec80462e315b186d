/**
 * The status: the fit's state as a word, an icon and a colour (never colour
 * alone), what happened and what to try in plain words (from the kernel's `end`
 * outcome), the numbers the page counted from the stream (steps, nfev, ‖f‖), the
 * last error, and the parameter table: x0, x at the last accepted point, and
 * the last fit's ± standard error with fixed and limited marks, the scaling the
 * errors use (absolute sigma, or scaled by χ²/dof as curve_fit), χ², dof,
 * χ²/dof, and the correlation matrix on demand (the kernel's `summary`).
 * Everything is set as text, never as HTML.
 */

import { Panel } from "../panel.js";
import { formatNumber } from "../format.js";

/** @type {Record<import("../types.js").FitState, [string, string]>} word and icon */
export const STATE_LOOK = Object.freeze({
  idle: ["not fitted yet", "○"],
  running: ["running", "↻"],
  paused: ["paused (Step)", "‖"],
  success: ["converged", "✔"],
  failure: ["did not converge", "⚠"],
  stopped: ["stopped", "■"],
  error: ["error", "✖"],
});

/**
 * @param {string} tag
 * @param {string} cls
 * @param {string} [text]
 */
function el(tag, cls, text) {
  const e = document.createElement(tag);
  e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

/**
 * @param {import("../view.js").View} view
 * @returns {import("../view.js").PanelView & {table: HTMLElement}}  the table goes beside the sliders
 */
export function createStatusPanel(view) {
  const panel = new Panel("status", "Status");
  panel.el.classList.add("lmscope-status");
  panel.el.setAttribute("role", "status");
  panel.el.setAttribute("aria-live", "polite");
  const head = el("div", "lmscope-status-line");
  const icon = el("span", "lmscope-status-icon");
  icon.setAttribute("aria-hidden", "true");
  const word = el("strong", "lmscope-status-word");
  const numbers = el("span", "lmscope-status-numbers");
  head.append(icon, word, numbers);
  const summary = el("div", "lmscope-status-summary");
  const advice = el("div", "lmscope-status-advice");
  const mesg = el("div", "lmscope-status-mesg");
  const error = el("div", "lmscope-error");
  const table = el("table", "lmscope-param-table");
  const caption = el("caption", "lmscope-small", "parameters");
  const thead = el("thead", "");
  const headRow = el("tr", "");
  for (const text of ["", "x0", "x", "± error", ""]) headRow.append(el("th", "", text));
  thead.append(headRow);
  const tbody = /** @type {HTMLTableSectionElement} */ (el("tbody", ""));
  const tfoot = /** @type {HTMLTableSectionElement} */ (el("tfoot", ""));
  const fitRow = tfoot.insertRow();
  const fitCell = el("td", "lmscope-small lmscope-fit-stats");
  fitCell.setAttribute("colspan", "5");
  fitRow.append(fitCell);
  table.append(caption, thead, tbody, tfoot);
  const correlations = /** @type {HTMLDetailsElement} */ (el("details", "lmscope-correlations"));
  correlations.append(el("summary", "lmscope-small", "correlations"));
  const corrTable = el("table", "lmscope-corr-table");
  correlations.append(corrTable);
  panel.body.append(head, summary, advice, mesg, error);

  /** @param {(number | null)[][] | null} matrix @param {string[]} names */
  function drawCorrelations(matrix, names) {
    corrTable.replaceChildren();
    correlations.hidden = !matrix;
    if (!matrix) return;
    const head = el("tr", "");
    head.append(el("th", ""), ...names.map((name) => el("th", "", name)));
    corrTable.append(head);
    matrix.forEach((row, r) => {
      const tr = el("tr", "");
      tr.append(el("th", "", names[r] ?? ""), ...row.map((v) => el("td", "", v === null ? "—" : v.toFixed(3))));
      corrTable.append(tr);
    });
  }
  let drawnCorrelations = "";

  // How the errors are scaled is the user's call: sigma in the units of ydata
  // (absolute), or only its relative sizes (scaled by χ²/dof, curve_fit's default).
  const scalingLabel = el("label", "lmscope-small lmscope-absolute-sigma");
  scalingLabel.title = "errors from cov_x as is (sigma in the units of ydata); unchecked: scaled by χ²/dof";
  const scalingBox = /** @type {HTMLInputElement} */ (el("input", ""));
  scalingBox.type = "checkbox";
  scalingBox.setAttribute("aria-label", "errors from absolute sigma");
  scalingBox.setAttribute("data-lm-suppress-shortcuts", "true");
  scalingBox.addEventListener("change", () => {
    view.model.set("absolute_sigma", scalingBox.checked);
    view.model.save_changes();
  });
  scalingLabel.append(scalingBox, document.createTextNode(" absolute σ"));

  const tableBox = el("div", "lmscope-param-table-box");
  tableBox.append(table, scalingLabel, correlations);

  return {
    el: panel.el,
    table: tableBox,
    update() {
      const session = view.session;
      const store = session.store;
      const state = session.state;
      const outcome = session.outcome;
      const [text, glyph] = STATE_LOOK[state];
      panel.el.dataset.state = state;
      icon.textContent = glyph;
      const fitNo = session.fitId === null ? "" : `fit ${session.fitId}: `;
      word.textContent = `${fitNo}${text}${outcome?.ier !== null && outcome?.ier !== undefined ? ` (ier ${outcome.ier})` : ""}`;
      const parts = [`steps ${store?.length ?? 0}`];
      const nfev = store?.last("nfev");
      if (nfev !== undefined) parts.push(`nfev ${nfev}`);
      const fnorm = store?.last("fnorm");
      if (fnorm !== undefined) parts.push(`‖f‖ ${formatNumber(fnorm, 6)}`);
      numbers.textContent = parts.join(" · ");
      summary.textContent = outcome?.summary ?? (state === "paused" ? "Paused after a trial step: Step runs one more, Run runs to the end." : "");
      advice.textContent = outcome?.advice ? `What to try: ${outcome.advice}` : "";
      mesg.textContent = outcome?.mesg ?? "";
      error.textContent = session.error ?? "";
      for (const part of [summary, advice, mesg, error]) part.hidden = !part.textContent;

      const names = view.model.get("param_names") ?? [];
      const x0 = view.model.get("values") ?? [];
      const n = names.length;
      while (tbody.rows.length > n) tbody.deleteRow(-1);
      while (tbody.rows.length < n) {
        const row = tbody.insertRow();
        row.append(el("th", ""), el("td", ""), el("td", ""), el("td", "lmscope-stderr"), el("td", "lmscope-small"));
      }
      // The errors belong to the fit that ended; a fit in flight has none yet.
      const fit = /** @type {Partial<import("../types.js").Summary>} */ (view.model.get("summary") ?? {});
      const live = state === "running" || state === "paused";
      // Errors of a fit that did not converge (or was stopped) say nothing: none shown.
      const ended = state === "success" && Array.isArray(fit.stderr) && fit.stderr.length === n;
      const fixedNow = view.model.get("fixed") ?? [];
      const limitsNow = view.model.get("bounds") ?? [];
      for (let c = 0; c < n; c++) {
        const cells = tbody.rows[c].cells;
        cells[0].textContent = names[c];
        cells[1].textContent = formatNumber(x0[c], 6);
        const x = store && store.length && store.n === n ? store.component("x", store.length - 1, c) : undefined;
        cells[2].textContent = x === undefined ? "—" : formatNumber(x, 6);
        const err = ended ? /** @type {(number | null)[]} */ (fit.stderr)[c] : undefined;
        // A fixed parameter was not fitted: it has no error, not a zero one.
        const heldFixed = ended && fit.fixed?.[c];
        cells[3].textContent = err === undefined || heldFixed ? "—" : err === null ? "± ∞" : `± ${formatNumber(err, 3)}`;
        const marks = [];
        if (fixedNow[c]) marks.push("fixed");
        const [lo, hi] = limitsNow[c] ?? [null, null];
        if (lo !== null || hi !== null) {
          // The transformation reaches a limit only to rounding: within 1e-8 counts.
          const near = (/** @type {number | null} */ lim) => lim !== null && x !== undefined && Math.abs(x - lim) <= 1e-8 * Math.max(Math.abs(lim), Math.abs(x), Number.MIN_VALUE);
          const atLimit = near(lo) || near(hi);
          marks.push(atLimit ? "at limit" : "limited");
        }
        cells[4].textContent = marks.join(", ");
      }
      scalingBox.checked = Boolean(view.model.get("absolute_sigma"));
      if (ended && fit.scaling) {
        const scaling = fit.scaling === "absolute" ? "errors: absolute σ (cov_x as is)" : "errors: scaled by χ²/dof (as curve_fit)";
        fitCell.textContent = `χ² ${formatNumber(fit.chi2 ?? null, 5)} · dof ${fit.dof} · χ²/dof ${formatNumber(fit.chi2_dof ?? null, 4)} · ${scaling}`;
        const key = JSON.stringify([fit.correlation, names]);
        if (key !== drawnCorrelations) {
          drawnCorrelations = key;
          drawCorrelations(fit.correlation ?? null, names);
        }
      } else {
        fitCell.textContent = live ? "errors after the fit ends" : state === "idle" ? "" : "no errors: the fit did not converge";
        if (drawnCorrelations !== "") {
          drawnCorrelations = "";
          drawCorrelations(null, names);
        }
      }
      panel.drew();
    },
    resize() {},
    destroy() {},
  };
}
