import { test } from "node:test";
import assert from "node:assert/strict";
import { fromPosition, parseNumber, SLIDER_STEPS, toPosition } from "../src/slider.js";

test("linear positions map to the range and back", () => {
  assert.equal(fromPosition(0, -2, 2, false), -2);
  assert.equal(fromPosition(SLIDER_STEPS, -2, 2, false), 2);
  assert.equal(fromPosition(SLIDER_STEPS / 2, -2, 2, false), 0);
  for (const p of [1, 137, 500, 999]) assert.equal(toPosition(fromPosition(p, -3, 7, false), -3, 7, false), p);
  // The full float range does not overflow.
  assert.ok(Number.isFinite(fromPosition(250, -1.7e308, 1.7e308, false)));
  assert.equal(toPosition(0, -1.7e308, 1.7e308, false), SLIDER_STEPS / 2);
});

test("log positions are equally spaced in decades", () => {
  assert.ok(Math.abs(fromPosition(500, 1e-4, 1, true) - 1e-2) < 1e-15);
  assert.equal(toPosition(1e-2, 1e-4, 1, true), 500);
  // Out of range values sit at the ends.
  assert.equal(toPosition(1e-9, 1e-4, 1, true), 0);
  assert.equal(toPosition(5, 1e-4, 1, true), SLIDER_STEPS);
});

test("typed numbers are parsed strictly", () => {
  assert.equal(parseNumber(" 1.5e-3 "), 1.5e-3);
  assert.equal(parseNumber("−2"), -2);
  assert.equal(parseNumber(".5"), 0.5);
  for (const bad of ["", "abc", "1,5", "Infinity", "NaN", "1e999", "0x10", "1 2"]) assert.equal(parseNumber(bad), null, bad);
});
