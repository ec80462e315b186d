import { test } from "node:test";
import assert from "node:assert/strict";
import { formatNumber, formatTicks } from "../src/format.js";

test("tiny and huge values stay readable in exponent notation", () => {
  assert.equal(formatNumber(1.234e-12), "1.234e-12");
  assert.equal(formatNumber(-1.234e-12), "-1.234e-12");
  assert.equal(formatNumber(1e-300), "1e-300");
  assert.equal(formatNumber(1.5e300), "1.5e300");
  assert.equal(formatNumber(5e-324), "4.941e-324");
  assert.equal(formatNumber(Number.MAX_VALUE, 3), "1.8e308");
});

test("ordinary values use plain notation without trailing zeros", () => {
  assert.equal(formatNumber(0.25), "0.25");
  assert.equal(formatNumber(3.14159265, 6), "3.14159");
  assert.equal(formatNumber(123456), "123500");
  assert.equal(formatNumber(0.001234), "0.001234");
  assert.equal(formatNumber(0), "0");
});

test("rounding into the next decade switches notation consistently", () => {
  assert.equal(formatNumber(999999.7, 4), "1e6");
  assert.equal(formatNumber(0.00099999, 3), "0.001");
});

test("missing and non-finite values have their own words", () => {
  assert.equal(formatNumber(NaN), "NaN");
  assert.equal(formatNumber(Infinity), "∞");
  assert.equal(formatNumber(-Infinity), "−∞");
  assert.equal(formatNumber(null), "—");
});

test("tick labels use as few digits as keep them true", () => {
  assert.deepEqual(formatTicks([0, 0.25, 0.5, 0.75, 1]), ["0", "0.25", "0.5", "0.75", "1"]);
  assert.deepEqual(formatTicks([1.0001, 1.0002, 1.0003]), ["1.0001", "1.0002", "1.0003"]);
  assert.deepEqual(formatTicks([1e-12, 2e-12, 3e-12]), ["1e-12", "2e-12", "3e-12"]);
  assert.deepEqual(formatTicks([1e-300, 1e-150, 1, 1e150, 1e300]), ["1e-300", "1e-150", "1", "1e150", "1e300"]);
  assert.deepEqual(formatTicks([1000, 1500, 2000]), ["1000", "1500", "2000"]);
});

test("a box's text says the whole number from 1e-12 to 1e12 in at most 12 characters", () => {
  // The readout and the range boxes are 7em wide: "-1.23457e-12" is the longest text.
  assert.equal(formatNumber(2e6, 6), "2e6");
  assert.equal(formatNumber(1e4, 6), "10000");
  assert.equal(formatNumber(1e8, 6), "1e8");
  for (let k = -12; k <= 12; k++) {
    for (const value of [10 ** k, 1.23456789 * 10 ** k, -9.87654321 * 10 ** k]) {
      const text = formatNumber(value, 6);
      assert.ok(text.length <= 12, `${value}: ${text}`);
      assert.ok(Math.abs(Number(text) - value) <= 5e-6 * Math.abs(value), `${value}: ${text}`);
    }
  }
});
