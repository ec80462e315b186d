import { test } from "node:test";
import assert from "node:assert/strict";
import { Session } from "../src/session.js";
import { stepsMessage } from "./batches.js";

const begin = (fitId, n = 2, state = "running") => ({ type: "begin", fit_id: fitId, n, state });
const outcome = (fitId, state, ier) => ({ state, fit_id: fitId, ier, mesg: "m", summary: "s", advice: "a" });
const steps = (fitId, start, count, n = 2) => stepsMessage({ fitId, start, count, n });

function feed(session, { msg, buffers }) {
  return session.receive(msg, buffers);
}

test("begin, steps and end build the trace of the current fit", () => {
  const s = new Session();
  assert.deepEqual(s.receive(begin(1)), { changed: true, replay: false });
  assert.deepEqual(feed(s, steps(1, 0, 3)), { changed: true, replay: false });
  assert.deepEqual(feed(s, steps(1, 3, 2)), { changed: true, replay: false });
  assert.equal(s.store.length, 5);
  assert.equal(s.store.ended, false);
  assert.equal(s.state, "running");
  s.receive({ type: "end", fit_id: 1, outcome: outcome(1, "failure", 5) });
  assert.equal(s.store.ended, true);
  assert.equal(s.state, "failure");
  assert.equal(s.outcome.ier, 5);
});

test("the state follows begin, state and end, and a new fit clears the outcome", () => {
  const s = new Session();
  assert.equal(s.state, "idle");
  s.receive(begin(1, 2, "paused"));
  assert.equal(s.state, "paused");
  s.receive({ type: "state", fit_id: 1, state: "running" });
  assert.equal(s.state, "running");
  // Another fit's state, or a state that is not live, changes nothing.
  s.receive({ type: "state", fit_id: 0, state: "paused" });
  s.receive({ type: "state", fit_id: 1, state: "success" });
  assert.equal(s.state, "running");
  s.receive({ type: "end", fit_id: 1, outcome: outcome(1, "stopped", -2) });
  assert.equal(s.state, "stopped");
  // After the end, a late state message does not make the fit look alive.
  s.receive({ type: "state", fit_id: 1, state: "running" });
  assert.equal(s.state, "stopped");
  s.receive(begin(2));
  assert.equal(s.state, "running");
  assert.equal(s.outcome, null);
  // An end without an outcome is an error, not a success.
  s.receive({ type: "end", fit_id: 2, outcome: { state: "done" } });
  assert.equal(s.state, "running");
  assert.match(s.error, /no outcome/);
});

test("a start mismatch drops the data and asks for one replay only", () => {
  const s = new Session();
  s.receive(begin(1));
  feed(s, steps(1, 0, 3));
  assert.deepEqual(feed(s, steps(1, 4, 2)), { changed: true, replay: true });
  assert.equal(s.store, null);
  // Later live batches must not trigger a storm of replays.
  assert.deepEqual(feed(s, steps(1, 6, 2)), { changed: false, replay: false });
  assert.equal(s.replays, 1);
  // The replay's begin and full trace restore the fit.
  s.receive(begin(1));
  feed(s, steps(1, 0, 8));
  assert.equal(s.store.length, 8);
  assert.deepEqual(feed(s, steps(1, 8, 1)), { changed: true, replay: false });
});

test("messages of older fits are ignored", () => {
  const s = new Session();
  s.receive(begin(2));
  feed(s, steps(2, 0, 2));
  assert.deepEqual(s.receive(begin(1)), { changed: false, replay: false });
  assert.deepEqual(feed(s, steps(1, 2, 1)), { changed: false, replay: false });
  assert.deepEqual(s.receive({ type: "end", fit_id: 1 }), { changed: false, replay: false });
  assert.equal(s.store.fitId, 2);
  assert.equal(s.store.length, 2);
  assert.equal(s.store.ended, false);
});

test("steps of a newer fit whose begin was missed ask for a replay", () => {
  const s = new Session();
  s.receive(begin(1));
  feed(s, steps(1, 0, 2));
  assert.deepEqual(feed(s, steps(3, 0, 2)), { changed: true, replay: true });
  // The fit that was replaced is now older than the newest one seen.
  assert.deepEqual(feed(s, steps(1, 2, 1)), { changed: false, replay: false });
  s.receive(begin(3));
  assert.equal(feed(s, steps(3, 0, 1)).changed, true);
});

test("a new begin of a newer fit clears the previous fit", () => {
  const s = new Session();
  s.receive(begin(1));
  feed(s, steps(1, 0, 4));
  s.receive(begin(2, 3));
  assert.equal(s.store.length, 0);
  assert.equal(s.store.n, 3);
  assert.equal(feed(s, steps(2, 0, 1, 3)).changed, true);
});

test("the replay sent on render is not repeated by steps arriving before its begin", () => {
  const s = new Session();
  assert.equal(s.requestReplay(), true);
  assert.deepEqual(feed(s, steps(4, 10, 2)), { changed: false, replay: false });
  s.receive(begin(4));
  assert.equal(s.awaitingReplay, false);
  assert.equal(s.requestReplay(), true);
});

test("an undecodable batch is reported once and not replayed in a loop", () => {
  const s = new Session();
  s.receive(begin(1));
  const bad = steps(1, 0, 2);
  bad.buffers[0] = new ArrayBuffer(3);
  assert.deepEqual(feed(s, bad), { changed: true, replay: false });
  assert.match(s.error, /fit 1: array "iteration": int32 of shape \[2\] needs 8 bytes but its buffer has 3/);
  assert.deepEqual(feed(s, steps(1, 2, 1)), { changed: false, replay: false });
  // A new fit starts clean.
  s.receive(begin(2));
  assert.equal(s.error, null);
  assert.equal(feed(s, steps(2, 0, 1)).changed, true);
});

test("kernel errors are kept for the status line; unknown messages are ignored", () => {
  const s = new Session();
  assert.deepEqual(s.receive({ type: "error", error: "pick: i out of range" }), { changed: true, replay: false });
  assert.equal(s.error, "pick: i out of range");
  assert.deepEqual(s.receive({ type: "future-thing" }), { changed: false, replay: false });
  assert.deepEqual(s.receive(null), { changed: false, replay: false });
});

test("a begin with a non-integer fit id is an error, not a new fit", () => {
  const s = new Session();
  s.receive({ type: "begin", fit_id: "1", n: 1, state: "running" });
  assert.equal(s.store, null);
  assert.match(s.error, /fit_id "1" is not an integer/);
});
