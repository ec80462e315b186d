/**
 * Geometry of the cost landscape: validating the `landscape` trait, the cell
 * edges around its grid values (the grid may be uneven, e.g. log-spaced), and
 * looking up the cell under a point for hover and click.
 */

/**
 * @typedef {object} Grid
 * @property {number} i
 * @property {number} j
 * @property {Float64Array} xi   cell centres along parameter i (nx), in axis space:
 *                               log10 of the values on a log axis (logI)
 * @property {Float64Array} xj   cell centres along parameter j (ny), likewise (logJ)
 * @property {boolean} logI      the grid is log-spaced along i: that axis is drawn in log10
 * @property {boolean} logJ
 * @property {[number, number][]} held  the slice: [index, value] of every other parameter
 * @property {Float64Array} ei   cell edges along i (nx + 1), increasing
 * @property {Float64Array} ej   cell edges along j (ny + 1), increasing
 * @property {Float64Array} cost log10 cost, row-major with one row per xj
 * @property {number} fitId
 */

/**
 * Check a `landscape` trait value; returns null for `{}` and for a landscape
 * the kernel did not compute (`{i, j, message, fit_id}`), and throws on a value
 * that is present but inconsistent, with the sizes in the message.
 * @param {unknown} value
 * @returns {Grid | null}
 */
export function readLandscape(value) {
  if (value === null || typeof value !== "object" || Object.keys(value).length === 0) return null;
  const l = /** @type {Record<string, any>} */ (value);
  // The kernel computed no landscape (func too slow): the panel shows `message`.
  if (typeof l.message === "string") return null;
  if (!Number.isSafeInteger(l.i) || !Number.isSafeInteger(l.j)) throw new Error("landscape: i and j must be integers");
  if (!Array.isArray(l.xi) || !Array.isArray(l.xj) || !Array.isArray(l.log10_cost)) {
    throw new Error("landscape: xi, xj and log10_cost must be lists");
  }
  const nx = l.xi.length;
  const ny = l.xj.length;
  if (nx === 0 || ny === 0) throw new Error("landscape: xi and xj must not be empty");
  if (l.log10_cost.length !== nx * ny) {
    throw new Error(`landscape: log10_cost has ${l.log10_cost.length} values, expected ny*nx = ${ny}*${nx} = ${nx * ny}`);
  }
  const logI = l.log_i === true;
  const logJ = l.log_j === true;
  const xi = Float64Array.from(l.xi, (v) => toAxis(toNumber(v), logI));
  const xj = Float64Array.from(l.xj, (v) => toAxis(toNumber(v), logJ));
  if (!isIncreasing(xi) || !isIncreasing(xj)) throw new Error("landscape: xi and xj must be finite and increasing (and positive on a log axis)");
  const held = Array.isArray(l.held)
    ? l.held.filter((/** @type {unknown} */ h) => Array.isArray(h) && h.length === 2 && Number.isSafeInteger(h[0]) && typeof h[1] === "number")
    : [];
  return {
    i: l.i,
    j: l.j,
    xi,
    xj,
    logI,
    logJ,
    held,
    ei: cellEdges(xi),
    ej: cellEdges(xj),
    cost: Float64Array.from(l.log10_cost, toNumber),
    fitId: Number.isSafeInteger(l.fit_id) ? l.fit_id : -1,
  };
}

/**
 * A parameter's value in the axis space of its landscape axis: log10 on a log axis
 * (NaN for a value <= 0, which a log axis cannot show).
 * @param {number} v
 * @param {boolean} log
 */
export function toAxis(v, log) {
  return log ? (v > 0 ? Math.log10(v) : NaN) : v;
}

/**
 * Back from axis space to the parameter's value.
 * @param {number} a
 * @param {boolean} log
 */
export function fromAxis(a, log) {
  return log ? 10 ** a : a;
}

/**
 * JSON carries NaN and infinities as null (or strings): both mean "no value here".
 * @param {unknown} v
 */
function toNumber(v) {
  return typeof v === "number" ? v : NaN;
}

/** @param {Float64Array} a */
function isIncreasing(a) {
  for (let k = 0; k < a.length; k++) {
    if (!Number.isFinite(a[k]) || (k > 0 && a[k] <= a[k - 1])) return false;
  }
  return true;
}

/**
 * Edges halfway between neighbouring centres, and half a spacing beyond the ends.
 * @param {Float64Array} centres  increasing
 * @returns {Float64Array}
 */
export function cellEdges(centres) {
  const n = centres.length;
  const edges = new Float64Array(n + 1);
  if (n === 1) {
    const half = Math.abs(centres[0]) * 0.05 || 0.5;
    edges[0] = centres[0] - half;
    edges[1] = centres[0] + half;
    return edges;
  }
  for (let k = 1; k < n; k++) edges[k] = centres[k - 1] + (centres[k] - centres[k - 1]) / 2;
  edges[0] = centres[0] - (centres[1] - centres[0]) / 2;
  edges[n] = centres[n - 1] + (centres[n - 1] - centres[n - 2]) / 2;
  return edges;
}

/**
 * Index of the cell containing v, or -1 outside the grid.
 * @param {Float64Array} edges
 * @param {number} v
 */
export function findCell(edges, v) {
  if (!(v >= edges[0] && v <= edges[edges.length - 1])) return -1;
  let lo = 0;
  let hi = edges.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (v < edges[mid]) hi = mid;
    else lo = mid;
  }
  return lo;
}

/**
 * log10 cost of the cell under (vi, vj), or NaN outside the grid.
 * @param {Grid} grid
 * @param {number} vi
 * @param {number} vj
 */
export function costAt(grid, vi, vj) {
  const c = findCell(grid.ei, vi);
  const r = findCell(grid.ej, vj);
  return c < 0 || r < 0 ? NaN : grid.cost[r * grid.xi.length + c];
}
