// Builds `steps` messages the way the kernel does (little-endian buffers, one per
// column then one per curve), so tests exercise the real decoding path.
import { TRIAL_STEP_FIELDS } from "../src/fields.js";

const WRITERS = {
  float64: { size: 8, set: (v, o, x) => v.setFloat64(o, x, true) },
  int32: { size: 4, set: (v, o, x) => v.setInt32(o, x, true) },
  uint8: { size: 1, set: (v, o, x) => v.setUint8(o, x) },
};

/** Encode numbers as a little-endian DataView over a buffer with `pad` leading bytes. */
export function encode(dtype, values, pad = 0) {
  const w = WRITERS[dtype];
  const view = new DataView(new ArrayBuffer(pad + values.length * w.size), pad);
  values.forEach((x, k) => w.set(view, k * w.size, x));
  return view;
}

/** Field values of record k of a synthetic fit with n parameters. */
export function record(k, n) {
  return {
    iteration: Math.floor(k / 2),
    nfev: 1 + k,
    njev: Math.floor(k / 2),
    x: Array.from({ length: n }, (_, c) => 1 + c + 1 / (k + 1)),
    x_trial: Array.from({ length: n }, (_, c) => 1 + c + 1 / (k + 2)),
    fnorm: 10 / (k + 1),
    fnorm_trial: 9 / (k + 1),
    pnorm: k === 0 ? NaN : 0.5 ** k,
    delta: 100 * 0.9 ** k,
    par: k === 0 ? NaN : k % 3 === 0 ? 0 : 1e-3 * k,
    ratio: k === 0 ? NaN : k % 2 ? 0.9 : -3,
    actred: 0.1,
    prered: 0.2,
    gnorm: 1e-12 * (k + 1),
    accepted: k === 0 || k % 2 ? 1 : 0,
  };
}

/**
 * @param {object} o
 * @param {number} o.fitId
 * @param {number} o.start
 * @param {number} o.count
 * @param {number} o.n
 * @param {Record<string, number[]>} [o.curves]
 * @param {number} [o.pad]  misalign every buffer by this many bytes
 */
export function stepsMessage({ fitId, start, count, n, curves = {}, pad = 0 }) {
  const records = Array.from({ length: count }, (_, k) => record(start + k, n));
  return encodeRecords({ fitId, start, records, n, curves, pad });
}

/** A `steps` message carrying the given records (objects with every trial-step field). */
export function encodeRecords({ fitId, start, records, n, curves = {}, pad = 0 }) {
  const count = records.length;
  const columns = [];
  const buffers = [];
  for (const field of TRIAL_STEP_FIELDS) {
    columns.push({ name: field.name, dtype: field.dtype, shape: field.vector ? [count, n] : [count] });
    buffers.push(encode(field.dtype, records.flatMap((r) => r[field.name]), pad));
  }
  const curveSpecs = [];
  for (const [name, values] of Object.entries(curves)) {
    curveSpecs.push({ name, dtype: "float64", shape: [values.length] });
    buffers.push(encode("float64", values, pad));
  }
  return { msg: { type: "steps", fit_id: fitId, start, count, columns, curves: curveSpecs }, buffers };
}
