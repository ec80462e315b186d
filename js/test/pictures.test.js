import { test } from "node:test";
import assert from "node:assert/strict";
import { drawnSeries, equalAspectRanges } from "../src/drawing.js";
import { explainTrial } from "../src/explain.js";
import { readLandscape } from "../src/grid.js";
import { dataMarkerStyle } from "../src/layout.js";
import { clampToRange, log10OrNaN, robustWindow } from "../src/series.js";

test("a rejected trial at 1e21 does not set the ‖f‖ axis: it is pinned to the edge", () => {
  const line = [2, 1, 0, -1]; // log10 of the accepted norms
  const trial = [NaN, 1, 21, -1]; // step 2 tried a point with ‖f‖ = 1e21
  const window = robustWindow(trial.map((v) => (Number.isFinite(v) ? v : null)), line, 2);
  assert.deepEqual(window, [-1, 2 + 2]);
  const { inside, clamped } = clampToRange(trial, ...window);
  assert.deepEqual(inside, [null, 1, null, -1]);
  assert.deepEqual(clamped, [null, null, 4, null]);
});

test("an overflowing trial stays the furthest outlier; what has no logarithm drops out", () => {
  assert.deepEqual(log10OrNaN([100, Infinity, 0, -1, NaN]), [2, Infinity, NaN, NaN, NaN]);
  const { clamped } = clampToRange(log10OrNaN([100, Infinity]), 0, 3);
  assert.deepEqual(clamped, [null, 3]);
});

test("without values to keep, the window is the quartiles and some decades around them", () => {
  const values = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 30, -40];
  const [lo, hi] = /** @type {[number, number]} */ (robustWindow(values, null, 4));
  assert.ok(lo < 0 && lo > -40 && hi > 0.7 && hi < 30, `${lo}, ${hi}`);
  assert.equal(robustWindow([null, NaN], null, 4), null);
  // Nothing far out: the window is the data's own extent.
  assert.deepEqual(robustWindow([1, 2, 3], null, 4), [1, 3]);
});

test("data markers fade and shrink as points crowd the plot, so the model shows through", () => {
  const few = dataMarkerStyle(40, 600);
  const many = dataMarkerStyle(500, 500);
  const crowd = dataMarkerStyle(2000, 500);
  assert.equal(few.alpha, 1);
  assert.ok(many.alpha < 1 && crowd.alpha < many.alpha && crowd.alpha >= 0.15);
  assert.ok(crowd.size <= many.size && many.size <= few.size);
});

test("the page says why the last trial was rejected and what Δ and λ do next", () => {
  const up = explainTrial({ step: 4, ratio: -3.2, actred: -0.5, pnorm: 0.1, par: 2, accepted: false });
  assert.match(up, /step 4/);
  assert.match(up, /rejected: ‖f‖ went up/);
  assert.match(up, /Δ shrinks and λ grows/);
  const poor = explainTrial({ step: 5, ratio: 5e-5, actred: 1e-9, pnorm: 0.1, par: 2, accepted: false });
  assert.match(poor, /fell far less than the linear model predicted/);
  const good = explainTrial({ step: 6, ratio: 0.9, actred: 0.5, pnorm: 0.1, par: 2, accepted: true });
  assert.match(good, /accepted/);
  assert.match(good, /Δ grows and λ halves/);
  const middling = explainTrial({ step: 7, ratio: 0.5, actred: 0.5, pnorm: 0.1, par: 2, accepted: true });
  assert.match(middling, /Δ and λ stay/);
  // λ = 0 (a Gauss–Newton step) grows Δ whatever ρ is above 0.25 (lmder.f).
  assert.match(explainTrial({ step: 8, ratio: 0.5, actred: 0.5, pnorm: 0.1, par: 0, accepted: true }), /Δ grows/);
  assert.match(explainTrial({ step: 0, ratio: NaN, actred: NaN, pnorm: NaN, par: NaN, accepted: true }), /starting point/);
});

test("drawn series are read back from their curve names, a name with slashes included", () => {
  const curves = new Map([
    ["accepted", [1, 2]],
    ["draw/markers/points/x", [0, 1]],
    ["draw/markers/points/y", [1, 0]],
    ["draw/line/a/b/x", [0, 1, 2]],
    ["draw/line/a/b/y", [0, 1, 4]],
    ["draw/line/lonely/x", [0]],
    ["draw/dots/odd/x", [0]],
    ["draw/dots/odd/y", [0]],
  ]);
  const series = drawnSeries(curves);
  assert.deepEqual(
    series.map((s) => [s.name, s.style, s.x.length]),
    [
      ["points", "markers", 2],
      ["a/b", "line", 3],
    ],
  );
});

test("a drawing keeps equal units per pixel on both axes, so a circle stays round", () => {
  const t = Array.from({ length: 100 }, (_, k) => (2 * Math.PI * k) / 99);
  const circle = { name: "c", style: /** @type {"line"} */ ("line"), x: t.map((a) => 1 + 2 * Math.cos(a)), y: t.map((a) => -1 + 2 * Math.sin(a)) };
  const { x, y } = equalAspectRanges([circle], 400, 200);
  assert.ok(Math.abs((x[1] - x[0]) / 400 - (y[1] - y[0]) / 200) < 1e-12);
  assert.ok(x[0] < -1 && x[1] > 3 && y[0] < -3 && y[1] > 1);
});

test("a log-spaced landscape axis is read in log10, and the slice comes with it", () => {
  const grid = readLandscape({ i: 0, j: 1, xi: [1, 2], xj: [0.01, 0.1, 1], log10_cost: [0, 1, 2, 3, 4, 5], log_j: true, held: [[2, 0.5]], fit_id: 3 });
  assert.ok(grid);
  assert.deepEqual(Array.from(grid.xi), [1, 2]);
  assert.deepEqual(Array.from(grid.xj), [-2, -1, 0]);
  assert.equal(grid.logJ, true);
  assert.equal(grid.logI, false);
  assert.deepEqual(grid.held, [[2, 0.5]]);
  assert.throws(() => readLandscape({ i: 0, j: 1, xi: [1, 2], xj: [0, 1], log10_cost: [0, 1, 2, 3], log_j: true }), /positive on a log axis/);
});
