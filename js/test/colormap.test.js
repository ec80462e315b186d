import { test } from "node:test";
import assert from "node:assert/strict";
import { MISSING, STOPS, colorAt, colorFor, cssGradient, finiteExtent } from "../src/colormap.js";

const luminance = ([r, g, b]) => 0.2126 * r + 0.7152 * g + 0.0722 * b;

test("lightness rises strictly from low to high cost", () => {
  let previous = -1;
  for (let k = 0; k <= 100; k++) {
    const l = luminance(colorAt(k / 100));
    assert.ok(l > previous, `colour at ${k / 100} is not lighter than the one before`);
    previous = l;
  }
});

test("the ends of the map are the first and last stops; outside is clamped", () => {
  assert.deepEqual(colorAt(0), STOPS[0]);
  assert.deepEqual(colorAt(1), STOPS.at(-1));
  assert.deepEqual(colorAt(-3), STOPS[0]);
  assert.deepEqual(colorAt(7), STOPS.at(-1));
});

test("values map between their extent; missing values get the missing colour", () => {
  assert.deepEqual(colorFor(-2, -2, 4), STOPS[0]);
  assert.deepEqual(colorFor(4, -2, 4), STOPS.at(-1));
  assert.deepEqual(colorFor(NaN, -2, 4), MISSING);
  assert.deepEqual(colorFor(Infinity, -2, 4), MISSING);
  // A flat landscape has no extent to divide by.
  assert.ok(colorFor(1, 1, 1).every(Number.isFinite));
});

test("the extent skips non-finite cells", () => {
  assert.deepEqual(finiteExtent([NaN, 3, -1, Infinity, 2]), [-1, 3]);
  assert.deepEqual(finiteExtent([NaN]), [0, 1]);
});

test("the CSS gradient names every stop", () => {
  assert.equal(cssGradient().match(/rgb\(/g).length, STOPS.length);
});
