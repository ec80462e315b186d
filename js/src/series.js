/**
 * Turning the column store into the arrays the charts draw. uPlot draws null as
 * a gap, so every value that cannot be shown (NaN on record 0, zero or negative
 * on a log axis) becomes null here rather than a wrong point.
 */

/** @typedef {(number | null)[]} Series */

/**
 * @param {ArrayLike<number>} values
 * @returns {Series}
 */
export function finiteOrNull(values) {
  return Array.from(values, (v) => (Number.isFinite(v) ? v : null));
}

/**
 * For log axes, which draw log10 of the data: gaps where there is no logarithm.
 * @param {ArrayLike<number>} values
 * @returns {Series}
 */
export function log10OrNull(values) {
  return Array.from(values, (v) => (Number.isFinite(v) && v > 0 ? Math.log10(v) : null));
}

/**
 * A record tried a point when its step has a length: record 0 (the start) and a
 * record that closes a fit at a Jacobian evaluation have pnorm NaN.
 * @param {ArrayLike<number>} pnorm
 * @param {number} k
 */
export function triedPoint(pnorm, k) {
  return Number.isFinite(pnorm[k]);
}

/**
 * One series for accepted trial steps and one for rejected ones, so the two can
 * be marked differently; records that tried no point are in neither.
 * @param {Series} values
 * @param {ArrayLike<number>} accepted  0 or 1 per record
 * @param {ArrayLike<number>} pnorm     the step length per record
 * @returns {{accepted: Series, rejected: Series}}
 */
export function splitAccepted(values, accepted, pnorm) {
  return {
    accepted: values.map((v, k) => (accepted[k] && triedPoint(pnorm, k) ? v : null)),
    rejected: values.map((v, k) => (!accepted[k] && triedPoint(pnorm, k) ? v : null)),
  };
}

/**
 * Values inside [lo, hi] as they are; finite or infinite values outside it pinned
 * to the nearer bound in a second series, so that they stay visible and can be
 * marked as clamped; NaN in neither.
 * @param {ArrayLike<number>} values
 * @param {number} lo
 * @param {number} hi
 * @returns {{inside: Series, clamped: Series}}
 */
export function clampToRange(values, lo, hi) {
  const inside = [];
  const clamped = [];
  for (let k = 0; k < values.length; k++) {
    const v = values[k];
    const isIn = v >= lo && v <= hi;
    inside.push(isIn ? v : null);
    clamped.push(Number.isNaN(v) || isIn ? null : v < lo ? lo : hi);
  }
  return { inside, clamped };
}

/**
 * Parameter paths on one shared axis: component c of record k becomes
 * (x[k,c] - x[last,c]) / max over k of |x[k,c] - x[last,c]|, so every path
 * ends at 0 and spans at most [-1, 1] whatever the parameter's scale.
 * @param {ArrayLike<number>} x  row-major [length, n]
 * @param {number} length
 * @param {number} n
 * @returns {Series[]}  one series per component
 */
export function normalisedPaths(x, length, n) {
  const paths = [];
  for (let c = 0; c < n; c++) {
    const final = x[(length - 1) * n + c];
    let scale = 0;
    for (let k = 0; k < length; k++) {
      const d = Math.abs(x[k * n + c] - final);
      if (d > scale && Number.isFinite(d)) scale = d;
    }
    const path = [];
    for (let k = 0; k < length; k++) {
      const v = scale > 0 ? (x[k * n + c] - final) / scale : 0;
      path.push(Number.isFinite(v) ? v : null);
    }
    paths.push(path);
  }
  return paths;
}

/**
 * @typedef {object} Joined
 * @property {number[]} x          sorted
 * @property {Series[]} columns    one per input set, null where the set has no point
 * @property {number[][]} source   per set and row: index in the set's input, or -1
 */

/**
 * Put several (x, y) sets on one sorted x array, as uPlot's aligned data needs.
 * Points of different sets at the same x share a row; repeated x within a set
 * (repeated measurements) get a row each. Points with non-finite x are dropped.
 * @param {{x: ArrayLike<number>, y: ArrayLike<number>}[]} sets
 * @returns {Joined}
 */
export function joinSorted(sets) {
  /** @type {{x: number, set: number, index: number}[]} */
  const entries = [];
  sets.forEach((s, set) => {
    const count = Math.min(s.x.length, s.y.length);
    for (let index = 0; index < count; index++) {
      if (Number.isFinite(s.x[index])) entries.push({ x: s.x[index], set, index });
    }
  });
  entries.sort((a, b) => a.x - b.x || a.set - b.set || a.index - b.index);
  /** @type {number[]} */
  const x = [];
  const columns = sets.map(() => /** @type {Series} */ ([]));
  const source = sets.map(() => /** @type {number[]} */ ([]));
  for (const e of entries) {
    const row = x.length - 1;
    if (row < 0 || x[row] !== e.x || source[e.set][row] !== -1) {
      x.push(e.x);
      columns.forEach((col) => col.push(null));
      source.forEach((src) => src.push(-1));
    }
    const r = x.length - 1;
    const y = sets[e.set].y[e.index];
    columns[e.set][r] = Number.isFinite(y) ? y : null;
    source[e.set][r] = e.index;
  }
  return { x, columns, source };
}

/**
 * Smallest and largest finite values over several arrays; nulls are skipped.
 * @param {...ArrayLike<number | null>} arrays
 * @returns {[number | null, number | null]}
 */
export function extent(...arrays) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const a of arrays) {
    for (let k = 0; k < a.length; k++) {
      const v = a[k];
      if (v !== null && Number.isFinite(v)) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
  }
  return lo <= hi ? [lo, hi] : [null, null];
}

/**
 * The window of a log axis (in exponent space) that outliers cannot flatten:
 * it contains `keep` whole (the values that must be read, e.g. the accepted
 * ‖f‖), or, without `keep`, the middle half of `values` (quartiles); and the
 * other values up to `headroom` decades beyond that. What lies further out is
 * for clampToRange to pin to the edge. Null and non-finite values are skipped.
 * @param {ArrayLike<number | null>} values  log10 of the values
 * @param {ArrayLike<number | null> | null} keep
 * @param {number} headroom  decades
 * @returns {[number, number] | null}  null when there is nothing finite
 */
export function robustWindow(values, keep, headroom) {
  const all = extent(values, keep ?? []);
  if (all[0] === null || all[1] === null) return null;
  let core = keep ? extent(keep) : quartiles(values);
  if (core[0] === null || core[1] === null) core = all;
  const lo = Math.max(all[0], /** @type {number} */ (core[0]) - headroom);
  const hi = Math.min(all[1], /** @type {number} */ (core[1]) + headroom);
  return [lo, hi];
}

/**
 * First and third quartile of the finite values (nearest rank).
 * @param {ArrayLike<number | null>} values
 * @returns {[number | null, number | null]}
 */
function quartiles(values) {
  const sorted = Array.from(values).filter((v) => v !== null && Number.isFinite(v));
  if (sorted.length === 0) return [null, null];
  sorted.sort((a, b) => /** @type {number} */ (a) - /** @type {number} */ (b));
  const at = (/** @type {number} */ q) => /** @type {number} */ (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);
  return [at(0.25), at(0.75)];
}

/**
 * log10 of each value for a log axis that pins outliers: +Infinity stays
 * +Infinity (an overflowing trial is the furthest outlier of all), and what has
 * no logarithm (NaN, 0, negative) becomes NaN, which clampToRange leaves out.
 * @param {ArrayLike<number>} values
 * @returns {number[]}
 */
export function log10OrNaN(values) {
  return Array.from(values, (v) => (v > 0 ? Math.log10(v) : NaN));
}
