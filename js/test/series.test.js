import { test } from "node:test";
import assert from "node:assert/strict";
import { clampToRange, extent, finiteOrNull, joinSorted, log10OrNull, normalisedPaths, splitAccepted } from "../src/series.js";

test("values a log axis cannot show become gaps", () => {
  assert.deepEqual(log10OrNull([NaN, 0, -1, 100, Infinity, 1e-300, 5e-324]), [null, null, null, 2, null, -300, Math.log10(5e-324)]);
  assert.deepEqual(finiteOrNull([NaN, -1, Infinity]), [null, -1, null]);
});

test("accepted and rejected trial steps go to separate series", () => {
  const { accepted, rejected } = splitAccepted([5, 4, null, 2], [1, 0, 0, 1], [0.1, 0.2, 0.3, 0.4]);
  assert.deepEqual(accepted, [5, null, null, 2]);
  assert.deepEqual(rejected, [null, 4, null, null]);
});

test("records that tried no point (start, fit closed at a Jacobian) are in neither series", () => {
  const { accepted, rejected } = splitAccepted([9, 5, 4, 4], [1, 1, 0, 0], [NaN, 0.5, 0.2, NaN]);
  assert.deepEqual(accepted, [null, 5, null, null]);
  assert.deepEqual(rejected, [null, null, 4, null]);
});

test("out-of-range ratios are pinned to the bounds in their own series", () => {
  const { inside, clamped } = clampToRange([0.5, -30, 1e9, NaN, Infinity, -1, 2], -1, 2);
  assert.deepEqual(inside, [0.5, null, null, null, null, -1, 2]);
  assert.deepEqual(clamped, [null, -1, 2, null, 2, null, null]);
});

test("parameter paths end at 0 and span at most [-1, 1] whatever their scale", () => {
  // Two parameters, three records: one moves by 1e-9, the other by 1e6; the third never moves.
  const x = [1e-9, 5e6, 3, 0.5e-9, 2e6, 3, 0, 1e6, 3];
  const [a, b, c] = normalisedPaths(x, 3, 3);
  assert.deepEqual(a, [1, 0.5, 0]);
  assert.deepEqual(b, [1, 0.25, 0]);
  assert.deepEqual(c, [0, 0, 0]);
});

test("sets join on a sorted x; equal x share a row, repeats in a set do not", () => {
  const joined = joinSorted([
    { x: [2, 0, 2], y: [20, 0, 21] },
    { x: [0, 1, 2], y: [5, 6, 7] },
  ]);
  assert.deepEqual(joined.x, [0, 1, 2, 2]);
  assert.deepEqual(joined.columns[0], [0, null, 20, 21]);
  assert.deepEqual(joined.columns[1], [5, 6, null, 7]);
  assert.deepEqual(joined.source[0], [1, -1, 0, 2]);
});

test("the extent skips nulls and non-finite values", () => {
  assert.deepEqual(extent([null, 3, NaN], [-2, Infinity]), [-2, 3]);
  assert.deepEqual(extent([null]), [null, null]);
});
