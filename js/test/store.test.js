import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeSteps } from "../src/decode.js";
import { FitStore } from "../src/store.js";
import { record, stepsMessage } from "./batches.js";

function batch(start, count, n, curves) {
  const { msg, buffers } = stepsMessage({ fitId: 1, start, count, n, curves });
  return decodeSteps(msg, buffers, n);
}

test("appending batches keeps records in order across growth", () => {
  const n = 3;
  const store = new FitStore(1, n, 10);
  let start = 0;
  // Odd batch sizes force several doublings past the initial capacity.
  for (const count of [1, 7, 63, 130, 2]) {
    assert.equal(store.append(start, batch(start, count, n)), true);
    start += count;
  }
  assert.equal(store.length, 203);
  const fnorm = store.column("fnorm");
  const x = store.column("x");
  assert.equal(fnorm.length, 203);
  assert.equal(x.length, 203 * n);
  for (const k of [0, 1, 8, 70, 71, 200, 202]) {
    const r = record(k, n);
    assert.equal(fnorm[k], r.fnorm);
    assert.equal(store.component("x", k, 2), r.x[2]);
    assert.equal(store.column("iteration")[k], r.iteration);
  }
  assert.equal(store.last("nfev"), 203);
});

test("a batch whose start is not the number of records held is refused", () => {
  const store = new FitStore(1, 2, 4);
  assert.equal(store.append(0, batch(0, 5, 2)), true);
  assert.equal(store.append(6, batch(6, 2, 2)), false);
  assert.equal(store.append(4, batch(4, 2, 2)), false);
  assert.equal(store.length, 5);
  assert.equal(store.append(5, batch(5, 2, 2)), true);
  assert.equal(store.length, 7);
});

test("the latest curves are kept; a batch without curves keeps them", () => {
  const store = new FitStore(1, 1, 2);
  store.append(0, batch(0, 1, 1, { accepted: [1, 2], trial: [3, 4] }));
  store.append(1, batch(1, 1, 1));
  assert.deepEqual(Array.from(store.curves.get("trial")), [3, 4]);
  store.append(2, batch(2, 1, 1, { accepted: [5, 6], trial: [7, 8] }));
  assert.deepEqual(Array.from(store.curves.get("accepted")), [5, 6]);
});

test("an empty store reports no last value", () => {
  assert.equal(new FitStore(1, 1, 1).last("fnorm"), undefined);
});
