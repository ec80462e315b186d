/**
 * The runs the page compares with the current fit (issue 9, "runs to compare"):
 * which fits of the run list are toggled on, at most MAX_COMPARED of them, and
 * the whole trace the kernel sent for each (`run_trace`, the reply to
 * `compare`). Without DOM, so the tests drive it directly; the fnorm and
 * landscape panels draw what `shown()` gives.
 */

import { decodeSteps } from "./decode.js";
import { FitStore } from "./store.js";

/** More overlays than this would hide the current fit under them. */
export const MAX_COMPARED = 3;

/**
 * How compared run number `slot` (0..MAX_COMPARED-1) is drawn: a dash pattern
 * of its own, so the runs differ without relying on colour.
 * @type {readonly {color: string, dash: number[]}[]}
 */
export const COMPARE_STYLES = Object.freeze([
  { color: "#7b4fd1", dash: [6, 4] },
  { color: "#b06a00", dash: [2, 3] },
  { color: "#00838f", dash: [9, 3, 2, 3] },
]);

/**
 * @typedef {object} ComparedRun
 * @property {number} fitId
 * @property {FitStore} store
 * @property {{color: string, dash: number[]}} style
 * @property {string} label  names the run, for legends
 */

export class Comparison {
  constructor() {
    /** @type {number[]} fit ids toggled on, oldest first */
    this.ids = [];
    /** @type {Map<number, FitStore>} the traces received for those ids */
    this.stores = new Map();
  }

  /**
   * @param {number} fitId
   * @returns {boolean}
   */
  has(fitId) {
    return this.ids.includes(fitId);
  }

  /**
   * Turn comparing run `fitId` on or off. `request`: ask the kernel for its
   * trace now; `dropped`: the oldest run, turned off to stay within MAX_COMPARED.
   * @param {number} fitId
   * @param {boolean} on
   * @returns {{request: boolean, dropped: number | null}}
   */
  toggle(fitId, on) {
    if (!on || this.has(fitId)) {
      if (!on) this.forget(fitId);
      return { request: false, dropped: null };
    }
    this.ids.push(fitId);
    const dropped = this.ids.length > MAX_COMPARED ? /** @type {number} */ (this.ids[0]) : null;
    if (dropped !== null) this.forget(dropped);
    return { request: true, dropped };
  }

  /**
   * Keep only the runs still in the run list (the kernel drops the traces of the others).
   * @param {number[]} listed
   * @returns {boolean} whether anything was dropped
   */
  retain(listed) {
    const gone = this.ids.filter((id) => !listed.includes(id));
    for (const id of gone) this.forget(id);
    return gone.length > 0;
  }

  /** @param {number} fitId */
  forget(fitId) {
    this.ids = this.ids.filter((id) => id !== fitId);
    this.stores.delete(fitId);
  }

  /**
   * Take a `run_trace` message. Returns an error to show, or null; a trace of
   * a run no longer toggled on is ignored (the reply came after an un-toggle).
   * @param {Record<string, any>} m
   * @param {ArrayLike<unknown> | undefined} buffers
   * @returns {string | null}
   */
  receive(m, buffers) {
    const fitId = m.fit_id;
    if (!Number.isSafeInteger(fitId) || !this.has(fitId)) return null;
    if (!Number.isSafeInteger(m.n) || m.n < 0) return `run_trace: n=${JSON.stringify(m.n)} must be a non-negative integer`;
    let batch;
    try {
      batch = decodeSteps({ type: "steps", fit_id: fitId, start: 0, count: m.count, columns: m.columns, curves: [] }, buffers, m.n);
    } catch (err) {
      this.forget(fitId);
      return `compared fit ${fitId}: ${/** @type {Error} */ (err).message}`;
    }
    const store = new FitStore(fitId, m.n);
    store.append(0, batch);
    store.ended = true;
    this.stores.set(fitId, store);
    return null;
  }

  /**
   * The compared runs whose traces have come, in toggle order, each with its style.
   * @returns {ComparedRun[]}
   */
  shown() {
    /** @type {ComparedRun[]} */
    const runs = [];
    this.ids.forEach((fitId, slot) => {
      const store = this.stores.get(fitId);
      const style = /** @type {{color: string, dash: number[]}} */ (COMPARE_STYLES[slot]);
      if (store) runs.push({ fitId, store, style, label: `fit ${fitId} (compared)` });
    });
    return runs;
  }
}

/**
 * The ‖f‖ line of a compared run, padded with nulls to `length` steps (a chart's
 * series all have one length).
 * @param {ArrayLike<number | null>} values
 * @param {number} length
 * @returns {(number | null)[]}
 */
export function padTo(values, length) {
  return Array.from({ length }, (_, k) => (k < values.length ? (values[k] ?? null) : null));
}

/**
 * The accepted path of a run in parameters i and j: the start, then the point
 * after each accepted step (a rejected step leaves x where it was).
 * @param {FitStore} store
 * @param {number} i
 * @param {number} j
 * @returns {[number, number][]}
 */
export function acceptedPath(store, i, j) {
  const accepted = store.column("accepted");
  /** @type {[number, number][]} */
  const points = [];
  for (let k = 0; k < store.length; k++) {
    if (k > 0 && !accepted[k]) continue;
    points.push([store.component("x", k, i), store.component("x", k, j)]);
  }
  return points;
}
