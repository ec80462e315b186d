import { test } from "node:test";
import assert from "node:assert/strict";
import { decadeRange, fromExponent, linearRange, linearTicks, logTicks, pow10 } from "../src/scales.js";
import { formatTicks } from "../src/format.js";

test("log ticks over 1e-300..1e300 are few, finite, decades and readable", () => {
  const ticks = logTicks(-300, 300, 8);
  assert.ok(ticks.length >= 2 && ticks.length <= 8, `got ${ticks.length} ticks`);
  assert.ok(ticks.every(Number.isInteger));
  const labels = formatTicks(ticks.map(fromExponent));
  for (const label of labels) assert.match(label, /^1(e-?\d+|0*)?$/);
  assert.ok(labels.some((l) => l.startsWith("1e-")) && labels.some((l) => /^1e\d/.test(l)), labels.join(" "));
});

test("log ticks of every decade when the range is small enough", () => {
  assert.deepEqual(logTicks(-3, 1, 10), [-3, -2, -1, 0, 1]);
  assert.deepEqual(formatTicks(logTicks(-3, 1, 10).map(fromExponent)), ["0.001", "0.01", "0.1", "1", "10"]);
});

test("log ticks inside less than two decades use 2 and 5", () => {
  const ticks = logTicks(Math.log10(1.5), Math.log10(60), 10);
  assert.deepEqual(formatTicks(ticks.map(fromExponent)), ["2", "5", "10", "20", "50"]);
});

test("log ticks reach the subnormal and largest doubles", () => {
  const ticks = logTicks(-323, 308, 6);
  assert.ok(ticks.length >= 2 && ticks.length <= 6);
  assert.ok(ticks.map(fromExponent).every((t) => Number.isFinite(t) && t > 0));
});

test("log ranges snap to whole decades and survive empty or single values", () => {
  assert.deepEqual(decadeRange(Math.log10(0.03), Math.log10(470)), [-2, 3]);
  assert.deepEqual(decadeRange(0, 0), [-1, 1]);
  assert.deepEqual(decadeRange(null, null), [-1, 1]);
  assert.deepEqual(decadeRange(-323.3, 308.2), [-323, 308]);
});

test("pow10 matches the literal exactly", () => {
  for (const e of [-300, -17, -1, 0, 22, 300]) assert.equal(pow10(e), Number(`1e${e}`));
});

test("linear ticks are nice, inside the range and at most the budget", () => {
  assert.deepEqual(linearTicks(-1, 2, 7), [-1, -0.5, 0, 0.5, 1, 1.5, 2]);
  const ticks = linearTicks(0.1, 0.7, 4);
  assert.ok(ticks.length <= 4 && ticks[0] >= 0.1 && ticks.at(-1) <= 0.7);
  assert.deepEqual(linearTicks(0, 3.5, 20, 1), [0, 1, 2, 3]);
});

test("linear ticks for tiny and huge values stay finite and distinct", () => {
  const tiny = linearTicks(1e-300, 5e-300, 5);
  assert.ok(tiny.length >= 2);
  assert.ok(tiny.every(Number.isFinite));
  const huge = linearTicks(-1.5e308, 1.5e308, 5);
  assert.ok(huge.length >= 2 && huge.every(Number.isFinite));
  assert.equal(new Set(formatTicks(huge)).size, huge.length);
  // Ticks far from zero with a tiny spacing keep their spacing.
  const offset = linearTicks(1e6, 1e6 + 4e-6, 5);
  assert.ok(offset.length >= 3, `got ${offset}`);
  assert.equal(new Set(formatTicks(offset)).size, offset.length);
  assert.deepEqual(linearTicks(0.1, 0.7, 7), [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]);
  // A span below double resolution yields no duplicate ticks.
  const flat = linearTicks(1, 1 + 2e-16, 5);
  assert.equal(new Set(flat).size, flat.length);
});

test("linear ranges pad the data and are never empty", () => {
  assert.deepEqual(linearRange(0, 10), [-0.5, 10.5]);
  const [a, b] = linearRange(3, 3);
  assert.ok(a < 3 && b > 3);
  assert.deepEqual(linearRange(null, undefined), [0, 1]);
  const [lo, hi] = linearRange(-1.7e308, 1.7e308);
  assert.ok(Number.isFinite(lo) && Number.isFinite(hi) && lo < hi);
});
