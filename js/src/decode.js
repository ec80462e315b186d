/**
 * Decoding of the binary buffers of a `steps` message into typed arrays.
 *
 * Everything here is checked rather than trusted: a buffer whose length does not
 * match its dtype and shape, a missing trial-step column or a wrong dtype throws
 * an Error whose message names the column and the sizes, so the status line can
 * say what went wrong instead of plotting garbage.
 */

import { TRIAL_STEP_FIELDS } from "./fields.js";

/** @typedef {Float64Array | Int32Array | Uint8Array} TypedArray */

/**
 * @typedef {object} DecodedArray
 * @property {string} name
 * @property {import("./types.js").DType} dtype
 * @property {number[]} shape
 * @property {TypedArray} data  a private copy, row-major
 */

/**
 * @typedef {object} DecodedBatch
 * @property {number} count
 * @property {Map<string, DecodedArray>} columns
 * @property {Map<string, DecodedArray>} curves
 */

const DTYPES = {
  float64: { size: 8, Array: Float64Array, get: (/** @type {DataView} */ v, /** @type {number} */ o) => v.getFloat64(o, true) },
  int32: { size: 4, Array: Int32Array, get: (/** @type {DataView} */ v, /** @type {number} */ o) => v.getInt32(o, true) },
  uint8: { size: 1, Array: Uint8Array, get: (/** @type {DataView} */ v, /** @type {number} */ o) => v.getUint8(o) },
};

// The wire format is little-endian; on such a host (every browser in practice)
// a byte copy is the whole conversion.
const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * A byte view of whatever the host handed over (DataView, typed array or ArrayBuffer).
 * @param {unknown} buffer
 * @returns {Uint8Array}
 */
export function asBytes(buffer) {
  if (buffer instanceof ArrayBuffer) return new Uint8Array(buffer);
  if (ArrayBuffer.isView(buffer)) return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  throw new TypeError(`expected a binary buffer (DataView or ArrayBuffer), got ${describe(buffer)}`);
}

/** @param {unknown} value */
function describe(value) {
  if (value === null) return "null";
  if (typeof value === "object") return value.constructor?.name ?? "object";
  return typeof value;
}

/**
 * @param {unknown} shape
 * @returns {shape is number[]}
 */
function isShape(shape) {
  return Array.isArray(shape) && shape.every((d) => Number.isSafeInteger(d) && d >= 0);
}

/**
 * Decode one buffer described by `spec` into a fresh typed array.
 * Copying (instead of viewing) makes alignment irrelevant (a Float64Array view
 * needs an offset that is a multiple of 8, which a message buffer need not have)
 * and leaves no reference into the message.
 * @param {import("./types.js").ArraySpec} spec
 * @param {unknown} buffer
 * @returns {DecodedArray}
 */
export function decodeArray(spec, buffer) {
  const name = typeof spec?.name === "string" ? spec.name : "?";
  const dtype = DTYPES[/** @type {keyof typeof DTYPES} */ (spec?.dtype)];
  if (!dtype) throw new Error(`array "${name}": unsupported dtype ${JSON.stringify(spec?.dtype)} (expected float64, int32 or uint8)`);
  if (!isShape(spec.shape)) throw new Error(`array "${name}": shape ${JSON.stringify(spec.shape)} is not a list of non-negative integers`);
  const length = spec.shape.reduce((a, b) => a * b, 1);
  const bytes = asBytes(buffer);
  if (bytes.byteLength !== length * dtype.size) {
    throw new Error(
      `array "${name}": ${spec.dtype} of shape [${spec.shape.join(", ")}] needs ${length * dtype.size} bytes but its buffer has ${bytes.byteLength}`,
    );
  }
  const data = new dtype.Array(length);
  if (HOST_IS_LITTLE_ENDIAN) {
    new Uint8Array(data.buffer).set(bytes);
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let k = 0; k < length; k++) data[k] = dtype.get(view, k * dtype.size);
  }
  return { name, dtype: spec.dtype, shape: spec.shape, data };
}

/**
 * Decode a `steps` message: one buffer per column, then one per curve.
 * @param {import("./types.js").StepsMessage} msg
 * @param {ArrayLike<unknown> | undefined} buffers
 * @param {number} n  number of parameters of the fit (from its `begin`)
 * @returns {DecodedBatch}
 */
export function decodeSteps(msg, buffers, n) {
  const count = msg.count;
  if (!Number.isSafeInteger(count) || count < 0) throw new Error(`steps: count ${JSON.stringify(count)} is not a non-negative integer`);
  const columnSpecs = msg.columns;
  const curveSpecs = msg.curves ?? [];
  if (!Array.isArray(columnSpecs) || !Array.isArray(curveSpecs)) throw new Error("steps: columns and curves must be lists");
  const bufferCount = buffers?.length ?? 0;
  if (bufferCount !== columnSpecs.length + curveSpecs.length) {
    throw new Error(
      `steps: ${columnSpecs.length} columns and ${curveSpecs.length} curves need ${columnSpecs.length + curveSpecs.length} buffers but ${bufferCount} arrived`,
    );
  }
  /** @type {Map<string, DecodedArray>} */
  const columns = new Map();
  columnSpecs.forEach((spec, k) => columns.set(spec.name, decodeArray(spec, buffers?.[k])));
  /** @type {Map<string, DecodedArray>} */
  const curves = new Map();
  curveSpecs.forEach((spec, k) => curves.set(spec.name, decodeArray(spec, buffers?.[columnSpecs.length + k])));

  for (const field of TRIAL_STEP_FIELDS) {
    const column = columns.get(field.name);
    if (!column) throw new Error(`steps: column "${field.name}" is missing`);
    if (column.dtype !== field.dtype) throw new Error(`steps: column "${field.name}" is ${column.dtype}, expected ${field.dtype}`);
    const expected = field.vector ? [count, n] : [count];
    // An empty batch carries no values, and an empty array's shape is often just [0].
    const empty = count === 0 && column.data.length === 0;
    if (!empty && (column.shape.length !== expected.length || column.shape.some((d, k) => d !== expected[k]))) {
      throw new Error(`steps: column "${field.name}" has shape [${column.shape.join(", ")}], expected [${expected.join(", ")}]`);
    }
  }
  for (const curve of curves.values()) {
    if (curve.dtype !== "float64" || curve.shape.length !== 1) {
      throw new Error(`steps: curve "${curve.name}" must be a 1-D float64 array, got ${curve.dtype} [${curve.shape.join(", ")}]`);
    }
  }
  return { count, columns, curves };
}
