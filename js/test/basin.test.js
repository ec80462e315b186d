import { test } from "node:test";
import assert from "node:assert/strict";
import { labelColor, readBasin, shade } from "../src/panels/basin.js";

// Two starts along i, two along j: row-major with one row per xj.
const trait = {
  i: 0,
  j: 2,
  xi: [0, 1],
  xj: [10, 20],
  label: [0, 1, -1, 0],
  ier: [1, 2, 5, 1],
  nfev: [10, 12, 800, 9],
  fnorm: [0.5, 0.9, null, 0.5],
  x: [[1, 2, 3], [4, 5, 6], [null, 1, 2], [1, 2, 3]],
  solutions: [[1, 2, 3], [4, 5, 6]],
  method: "batch",
  level: 1,
  final: false,
  fit_id: 4,
};

test("no map: empty, or the kernel's message", () => {
  assert.equal(readBasin({}), null);
  assert.equal(readBasin({ i: 0, j: 1, message: "no basin map: ValueError: x", fit_id: 1 }), null);
});

test("a map keeps its cells, with JSON's null as NaN", () => {
  const map = readBasin(trait);
  assert.deepEqual(Array.from(map.label), [0, 1, -1, 0]);
  assert.deepEqual(Array.from(map.nfev), [10, 12, 800, 9]);
  assert.ok(Number.isNaN(map.fnorm[2]));
  assert.equal(map.x[2][0], null);
  assert.equal(map.solutions, 2);
  assert.deepEqual(Array.from(map.ei), [-0.5, 0.5, 1.5]);
  assert.equal(map.level, 1);
  assert.equal(map.final, false);
});

test("inconsistent maps are rejected with the sizes", () => {
  assert.throws(() => readBasin({ ...trait, nfev: [1] }), /nfev has 1 cells, expected 2\*2 = 4/);
  assert.throws(() => readBasin({ ...trait, label: "0" }), /label must be a list/);
  assert.throws(() => readBasin({ ...trait, j: 1.5 }), /integers/);
});

test("the best solution, the others and failures get different colours", () => {
  const colours = [-1, 0, 1, 2, 3, 4, 5, 6, 7].map(labelColor);
  assert.equal(new Set(colours).size, 9);
  assert.equal(labelColor(8), labelColor(7), "past the distinct colours, one shared (dotted) colour");
});

test("fewer evaluations shade paler, more darker, the hue kept", () => {
  const lum = (/** @type {string} */ rgb) => rgb.match(/\d+/g).map(Number).reduce((a, b) => a + b);
  const [few, mid, many] = [0, 0.5, 1].map((t) => shade("#0072b2", t));
  assert.ok(lum(few) > lum(mid) && lum(mid) > lum(many), `${few} ${mid} ${many}`);
  assert.equal(shade("#000000", 1), "rgb(0,0,0)");
});
