import { test } from "node:test";
import assert from "node:assert/strict";
import { MIN_PLOT_WIDTH, columnsFor, markerSize, plotSize, tickBudget } from "../src/layout.js";

test("two columns only when two plots of readable width fit", () => {
  assert.equal(columnsFor(500), 1);
  assert.equal(columnsFor(2 * MIN_PLOT_WIDTH - 1), 1);
  assert.equal(columnsFor(1200), 2);
});

test("plot heights follow the width within bounds", () => {
  assert.deepEqual(plotSize(400), { width: 400, height: 232 });
  assert.equal(plotSize(100).height, 170);
  assert.equal(plotSize(3000).height, 320);
});

test("tick budget and marker size stay within usable limits", () => {
  assert.equal(tickBudget(10, 50), 2);
  assert.equal(tickBudget(500, 50), 10);
  assert.equal(markerSize(1, 400), 8);
  assert.equal(markerSize(2000, 400), 3);
});

test("the cockpit keeps controls beside the plot until it is narrow", async () => {
  const { cockpitLayout, NARROW_WIDTH } = await import("../src/layout.js");
  const wide = cockpitLayout(900);
  assert.equal(wide.narrow, false);
  assert.ok(wide.controlsWidth >= 350 && wide.plotWidth >= 480, JSON.stringify(wide));
  assert.equal(wide.controlsWidth + wide.plotWidth + 12, 900);
  const narrow = cockpitLayout(NARROW_WIDTH - 1);
  assert.equal(narrow.narrow, true);
  assert.equal(narrow.controlsWidth, NARROW_WIDTH - 1);
});
