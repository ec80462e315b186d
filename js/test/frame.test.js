import { test } from "node:test";
import assert from "node:assert/strict";
import { createScheduler } from "../src/frame.js";

function fakeFrames() {
  const callbacks = new Map();
  let next = 1;
  return {
    request: (cb) => (callbacks.set(next, cb), next++),
    cancel: (id) => callbacks.delete(id),
    run() {
      const due = [...callbacks.values()];
      callbacks.clear();
      due.forEach((cb) => cb());
    },
    get pending() {
      return callbacks.size;
    },
  };
}

test("many requests in one frame give one draw with every name", () => {
  const frames = fakeFrames();
  const draws = [];
  const s = createScheduler(frames.request, frames.cancel, (names) => draws.push([...names].sort()));
  s.schedule("fnorm");
  s.schedule("fnorm", "ratio");
  s.schedule("status");
  assert.equal(frames.pending, 1);
  frames.run();
  assert.deepEqual(draws, [["fnorm", "ratio", "status"]]);
  s.schedule("params");
  frames.run();
  assert.deepEqual(draws[1], ["params"]);
});

test("cancel drops the pending frame", () => {
  const frames = fakeFrames();
  let drawn = 0;
  const s = createScheduler(frames.request, frames.cancel, () => drawn++);
  s.schedule("a");
  s.cancel();
  frames.run();
  assert.equal(drawn, 0);
});
