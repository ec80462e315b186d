import { test } from "node:test";
import assert from "node:assert/strict";
import { asBytes, decodeArray, decodeSteps } from "../src/decode.js";
import { encode, stepsMessage } from "./batches.js";

test("float64 from a misaligned DataView decodes to the written values", () => {
  const view = encode("float64", [1.5, -2.25e-300, NaN, Infinity], 3);
  assert.equal(view.byteOffset, 3);
  const out = decodeArray({ name: "v", dtype: "float64", shape: [4] }, view);
  assert.ok(out.data instanceof Float64Array);
  assert.deepEqual(Array.from(out.data), [1.5, -2.25e-300, NaN, Infinity]);
});

test("int32 and uint8 decode with their signs and widths", () => {
  const ints = decodeArray({ name: "i", dtype: "int32", shape: [3] }, encode("int32", [-1, 0, 2147483647]));
  assert.deepEqual(Array.from(ints.data), [-1, 0, 2147483647]);
  const bytes = decodeArray({ name: "b", dtype: "uint8", shape: [2] }, encode("uint8", [0, 255]).buffer);
  assert.deepEqual(Array.from(bytes.data), [0, 255]);
});

test("a hand-built little-endian buffer is read little-endian", () => {
  // 1.0 as IEEE 754 is 0x3FF0000000000000; little-endian puts 0xF0 0x3F last.
  const raw = new Uint8Array([0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 2, 0, 0, 0]);
  const one = decodeArray({ name: "f", dtype: "float64", shape: [1] }, new DataView(raw.buffer, 0, 8));
  const two = decodeArray({ name: "i", dtype: "int32", shape: [1] }, new DataView(raw.buffer, 8, 4));
  assert.equal(one.data[0], 1);
  assert.equal(two.data[0], 2);
});

test("the decoded array is a copy, not a view of the message", () => {
  const view = encode("float64", [7]);
  const out = decodeArray({ name: "v", dtype: "float64", shape: [1] }, view);
  view.setFloat64(0, 8, true);
  assert.equal(out.data[0], 7);
});

test("a buffer of the wrong length is rejected with the sizes", () => {
  assert.throws(
    () => decodeArray({ name: "fnorm", dtype: "float64", shape: [3] }, encode("float64", [1, 2])),
    /array "fnorm": float64 of shape \[3\] needs 24 bytes but its buffer has 16/,
  );
});

test("unknown dtypes and non-buffers are rejected", () => {
  assert.throws(() => decodeArray({ name: "v", dtype: "float32", shape: [1] }, new ArrayBuffer(4)), /unsupported dtype/);
  assert.throws(() => asBytes([1, 2]), /expected a binary buffer/);
});

test("a whole steps batch decodes columns and curves in order", () => {
  const { msg, buffers } = stepsMessage({ fitId: 1, start: 0, count: 3, n: 2, curves: { accepted: [1, 2], trial: [3, 4] } });
  const batch = decodeSteps(msg, buffers, 2);
  assert.equal(batch.count, 3);
  assert.deepEqual(Array.from(batch.columns.get("x").data).slice(0, 2), [2, 3]);
  assert.deepEqual(Array.from(batch.columns.get("accepted").data), [1, 1, 0]);
  assert.deepEqual(Array.from(batch.curves.get("trial").data), [3, 4]);
});

test("a batch missing a column or with a wrong shape is rejected", () => {
  const { msg, buffers } = stepsMessage({ fitId: 1, start: 0, count: 2, n: 2 });
  const k = msg.columns.findIndex((c) => c.name === "gnorm");
  const without = { ...msg, columns: msg.columns.filter((_, i) => i !== k) };
  assert.throws(() => decodeSteps(without, buffers.filter((_, i) => i !== k), 2), /column "gnorm" is missing/);
  assert.throws(() => decodeSteps(msg, buffers, 3), /column "x" has shape \[2, 2\], expected \[2, 3\]/);
  assert.throws(() => decodeSteps(msg, buffers.slice(1), 2), /need 15 buffers but 14 arrived/);
});

test("an empty batch is accepted whatever the shape of its empty vectors", () => {
  const { msg, buffers } = stepsMessage({ fitId: 1, start: 0, count: 0, n: 3 });
  const flat = { ...msg, columns: msg.columns.map((c) => ({ ...c, shape: [0] })) };
  assert.equal(decodeSteps(flat, buffers, 3).count, 0);
});
