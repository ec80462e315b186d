import { test } from "node:test";
import assert from "node:assert/strict";
import { Comparison, MAX_COMPARED, acceptedPath, padTo } from "../src/compare.js";
import { Session } from "../src/session.js";
import { record, stepsMessage } from "./batches.js";

/** A `run_trace` reply as the kernel builds it: a whole trace, columns as in `steps`. */
function runTrace(fitId, count, n = 2) {
  const { msg, buffers } = stepsMessage({ fitId, start: 0, count, n });
  return { msg: { type: "run_trace", fit_id: fitId, n, count, columns: msg.columns }, buffers };
}

test("a compared run's trace arrives whole and draws its accepted path and its norms", () => {
  const s = new Session();
  assert.deepEqual(s.compared.toggle(4, true), { request: true, dropped: null });
  const { msg, buffers } = runTrace(4, 7);
  assert.deepEqual(s.receive(msg, buffers), { changed: true, replay: false });
  const [run] = s.compared.shown();
  assert.equal(run.fitId, 4);
  assert.match(run.label, /fit 4/);
  assert.equal(run.store.length, 7);
  // The oracle: the records the kernel encoded (batches.js's `record`).
  const expected = Array.from({ length: 7 }, (_, k) => record(k, 2));
  assert.deepEqual(Array.from(run.store.column("fnorm")), expected.map((r) => r.fnorm));
  const path = expected.filter((r, k) => k === 0 || r.accepted).map((r) => [r.x[0], r.x[1]]);
  assert.deepEqual(acceptedPath(run.store, 0, 1), path);
  assert.deepEqual(acceptedPath(run.store, 1, 0), path.map(([a, b]) => [b, a]));
});

test("at most MAX_COMPARED runs: a new one turns off the oldest, and un-toggling drops the trace", () => {
  const c = new Comparison();
  for (let id = 1; id <= MAX_COMPARED; id++) assert.deepEqual(c.toggle(id, true), { request: true, dropped: null });
  assert.deepEqual(c.toggle(9, true), { request: true, dropped: 1 });
  assert.deepEqual(c.ids, [2, 3, 9]);
  assert.deepEqual(c.toggle(9, true), { request: false, dropped: null }); // already on: no second request
  const { msg, buffers } = runTrace(3, 3);
  c.receive(msg, buffers);
  assert.deepEqual(c.shown().map((run) => run.fitId), [3]);
  c.toggle(3, false);
  assert.deepEqual(c.shown(), []);
  // A reply that comes after its run was un-toggled (or never asked for) is ignored.
  assert.equal(c.receive(msg, buffers), null);
  assert.deepEqual(c.shown(), []);
  assert.equal(c.retain([9]), true);
  assert.deepEqual(c.ids, [9]);
});

test("a run_trace that does not decode is an error and leaves nothing drawn", () => {
  const s = new Session();
  s.compared.toggle(2, true);
  const { msg, buffers } = runTrace(2, 4);
  s.receive(msg, buffers.slice(1));
  assert.match(s.error, /compared fit 2/);
  assert.deepEqual(s.compared.shown(), []);
  s.compared.toggle(5, true);
  s.receive({ ...runTrace(5, 2).msg, n: -1 }, runTrace(5, 2).buffers);
  assert.match(s.error, /n=-1/);
});

test("padTo lengthens a series with nulls", () => {
  assert.deepEqual(padTo([1, 2], 4), [1, 2, null, null]);
  assert.deepEqual(padTo(new Float64Array([3]), 1), [3]);
});
