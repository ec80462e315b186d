/**
 * Coalescing of redraws: batches can arrive faster than the screen refreshes
 * (and trait changes come in bursts), so requests collect the names of what
 * changed and one animation frame redraws each of them once.
 */

/**
 * @param {(callback: () => void) => number} requestFrame  e.g. window.requestAnimationFrame
 * @param {(id: number) => void} cancelFrame
 * @param {(names: Set<string>) => void} draw  called once per frame with what changed
 */
export function createScheduler(requestFrame, cancelFrame, draw) {
  /** @type {Set<string>} */
  let pending = new Set();
  /** @type {number | null} */
  let frame = null;
  return {
    /** @param {...string} names */
    schedule(...names) {
      for (const name of names) pending.add(name);
      if (frame === null) {
        frame = requestFrame(() => {
          frame = null;
          const names = pending;
          pending = new Set();
          draw(names);
        });
      }
    },
    cancel() {
      if (frame !== null) cancelFrame(frame);
      frame = null;
      pending = new Set();
    },
  };
}
