import { test } from "node:test";
import assert from "node:assert/strict";
import { cellEdges, costAt, findCell, readLandscape } from "../src/grid.js";

const trait = { i: 0, j: 1, xi: [0, 1, 2], xj: [10, 20], log10_cost: [0, 1, 2, 3, 4, null], fit_id: 3 };

test("an empty landscape reads as none", () => {
  assert.equal(readLandscape({}), null);
});

test("a landscape the kernel did not compute reads as none", () => {
  assert.equal(readLandscape({ i: 0, j: 1, message: "func too slow for a landscape", fit_id: 2 }), null);
});

test("a landscape is read row-major with one row per xj", () => {
  const grid = readLandscape(trait);
  assert.equal(grid.fitId, 3);
  assert.equal(costAt(grid, 2, 10), 2);
  assert.equal(costAt(grid, 0.2, 19), 3);
  assert.ok(Number.isNaN(costAt(grid, 2, 20)), "null (JSON NaN) stays missing");
  assert.ok(Number.isNaN(costAt(grid, 9, 10)), "outside the grid");
});

test("inconsistent landscapes are rejected with the sizes", () => {
  assert.throws(() => readLandscape({ ...trait, log10_cost: [1, 2] }), /log10_cost has 2 values, expected ny\*nx = 2\*3 = 6/);
  assert.throws(() => readLandscape({ ...trait, xi: [0, 2, 1] }), /increasing/);
  assert.throws(() => readLandscape({ ...trait, i: "0" }), /integers/);
});

test("cell edges lie halfway between uneven centres", () => {
  assert.deepEqual(Array.from(cellEdges(Float64Array.from([1, 10, 100]))), [-3.5, 5.5, 55, 145]);
  const single = cellEdges(Float64Array.from([2]));
  assert.ok(single[0] < 2 && single[1] > 2);
});

test("findCell finds the containing cell and -1 outside", () => {
  const edges = Float64Array.from([0, 1, 3, 6]);
  assert.equal(findCell(edges, 0), 0);
  assert.equal(findCell(edges, 2.9), 1);
  assert.equal(findCell(edges, 6), 2);
  assert.equal(findCell(edges, -0.1), -1);
  assert.equal(findCell(edges, NaN), -1);
});
