import { formatNumber } from "./format.js";

/**
 * What a panel gets from the view that owns it. One view exists per `render`
 * call, so several views of one model never share mutable state.
 */

/**
 * @typedef {object} View
 * @property {import("./types.js").Model} model
 * @property {import("./session.js").Session} session
 * @property {import("./theme.js").Theme} theme
 * @property {string} syncKey  shared by this view's trial-step charts, for a common hover cursor
 * @property {(msg: import("./types.js").PageMessage) => void} send
 */

/**
 * The interface every panel module implements.
 * @typedef {object} PanelView
 * @property {HTMLElement} el
 * @property {() => void} update            redraw from the view's current state
 * @property {(size: {width: number, height: number}) => void} resize
 * @property {() => void} destroy
 */


/**
 * Legend text of the trial-step axis: which step, and where in the fit it is.
 * @param {View} view
 * @returns {(u: unknown, v: number, si: number, idx: number | null) => string}
 */
export function stepLegend(view) {
  return (_u, _v, _si, idx) => {
    const store = view.session.store;
    if (idx === null || !store || idx >= store.length) return "—";
    const iteration = store.column("iteration")[idx];
    const nfev = store.column("nfev")[idx];
    const accepted = store.column("accepted")[idx] ? "accepted" : "rejected";
    return `${idx} (iteration ${iteration}, nfev ${nfev}, ${idx === 0 ? "start" : accepted})`;
  };
}

/**
 * Legend formatter that shows a stored column's true value at the hovered step,
 * for series whose drawn values were transformed (clamped, normalised); steps
 * this series does not draw (drawn value null) show a dash.
 * @param {View} view
 * @param {(store: import("./store.js").FitStore, idx: number) => number} read
 * @returns {(u: unknown, v: number | null, si: number, idx: number | null) => string}
 */
export function trueValue(view, read) {
  return (_u, v, _si, idx) => {
    const store = view.session.store;
    return v === null || idx === null || !store || idx >= store.length ? "—" : formatNumber(read(store, idx), 6);
  };
}

/**
 * 0..length-1, the x values of trial-step charts.
 * @param {number} length
 */
export function stepNumbers(length) {
  return Array.from({ length }, (_, k) => k);
}
