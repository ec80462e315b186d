/**
 * The growing column store of one fit's trace: one typed array per trial-step
 * field, grown by doubling so that appending a batch costs amortised O(batch),
 * however long the fit runs.
 */

import { TRIAL_STEP_FIELDS } from "./fields.js";

/** @typedef {import("./decode.js").TypedArray} TypedArray */
/** @typedef {import("./decode.js").DecodedBatch} DecodedBatch */

const ARRAY_TYPES = { float64: Float64Array, int32: Int32Array, uint8: Uint8Array };
const INITIAL_CAPACITY = 64;

export class FitStore {
  /**
   * @param {number} fitId
   * @param {number} n  parameters
   */
  constructor(fitId, n) {
    this.fitId = fitId;
    this.n = n;
    /** records held */
    this.length = 0;
    /** set by the `end` message */
    this.ended = false;
    /** @type {Map<string, Float64Array>} latest curve of each name; a batch without curves keeps them */
    this.curves = new Map();
    /** @type {Map<string, {width: number, data: TypedArray}>} */
    this.columns = new Map();
    for (const field of TRIAL_STEP_FIELDS) {
      const width = field.vector ? n : 1;
      this.columns.set(field.name, { width, data: new ARRAY_TYPES[field.dtype](INITIAL_CAPACITY * width) });
    }
  }

  /**
   * Append a decoded batch whose first record has index `start`.
   * Returns false (and changes nothing) when `start` is not the number of records
   * held: a batch was lost or duplicated and the caller must resynchronise.
   * @param {number} start
   * @param {DecodedBatch} batch
   * @returns {boolean}
   */
  append(start, batch) {
    if (start !== this.length) return false;
    const total = this.length + batch.count;
    for (const [name, column] of this.columns) {
      const incoming = /** @type {import("./decode.js").DecodedArray} */ (batch.columns.get(name));
      if (column.data.length < total * column.width) column.data = grow(column.data, total * column.width);
      column.data.set(incoming.data, this.length * column.width);
    }
    for (const [name, curve] of batch.curves) this.curves.set(name, /** @type {Float64Array} */ (curve.data));
    this.length = total;
    return true;
  }

  /**
   * The records held of one column, row-major for vector fields (a view, not a copy).
   * @param {string} name
   * @returns {TypedArray}
   */
  column(name) {
    const column = this.columns.get(name);
    if (!column) throw new Error(`no trial-step field "${name}"`);
    return column.data.subarray(0, this.length * column.width);
  }

  /**
   * Component `c` of vector field `name` at record `k`.
   * @param {string} name
   * @param {number} k
   * @param {number} c
   */
  component(name, k, c) {
    return this.column(name)[k * this.n + c];
  }

  /**
   * Value of a scalar field at the last record, or undefined when empty.
   * @param {string} name
   * @returns {number | undefined}
   */
  last(name) {
    return this.length > 0 ? this.column(name)[this.length - 1] : undefined;
  }
}

/**
 * @param {TypedArray} data
 * @param {number} needed
 * @returns {TypedArray}
 */
function grow(data, needed) {
  let capacity = Math.max(data.length, 1);
  while (capacity < needed) capacity *= 2;
  const bigger = new /** @type {any} */ (data.constructor)(capacity);
  bigger.set(data);
  return bigger;
}
