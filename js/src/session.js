/**
 * The page side of protocol v2 as a state machine without DOM: it receives the
 * kernel's custom messages, keeps the current fit's store and its state (running,
 * paused, then the outcome of `end`), and says when the page must ask for a replay. Keeping it pure lets the tests drive every
 * out-of-order case the network and reloads can produce.
 */

import { Comparison } from "./compare.js";
import { decodeSteps } from "./decode.js";
import { FitStore } from "./store.js";

/**
 * @typedef {object} Outcome
 * @property {boolean} changed  something visible changed: redraw
 * @property {boolean} replay   send `{type: "replay"}` to the kernel now
 */

const NOTHING = Object.freeze({ changed: false, replay: false });
/** @type {readonly string[]} */
const ENDED = Object.freeze(["success", "failure", "stopped", "error"]);

/**
 * @param {unknown} state
 * @returns {state is "running" | "paused"}
 */
function isLiveState(state) {
  return state === "running" || state === "paused";
}

export class Session {
  constructor() {
    /** @type {number | null} newest fit id seen; messages of older fits are ignored */
    this.fitId = null;
    /** @type {FitStore | null} records of fit `fitId`, null while out of sync */
    this.store = null;
    /** a replay was requested and its `begin` has not come yet; stops a request per batch */
    this.awaitingReplay = false;
    /** a batch of the current fit could not be decoded: a replay would resend the same bytes */
    this.broken = false;
    /** @type {string | null} the last problem to show in the status line */
    this.error = null;
    /** replay requests made, exposed for tests */
    this.replays = 0;
    /** @type {import("./types.js").FitState} what the page shows on its root, data-outcome */
    this.state = "idle";
    /** @type {import("./types.js").Outcome | null} how the current fit ended */
    this.outcome = null;
    /** earlier runs drawn over this fit (compare.js); a new fit keeps them */
    this.compared = new Comparison();
  }

  /**
   * Ask for a replay unless one is outstanding. Returns whether to send it.
   * @returns {boolean}
   */
  requestReplay() {
    if (this.awaitingReplay) return false;
    this.awaitingReplay = true;
    this.replays += 1;
    return true;
  }

  /**
   * @param {unknown} msg  a custom message from the kernel
   * @param {ArrayLike<unknown>} [buffers]
   * @returns {Outcome}
   */
  receive(msg, buffers) {
    if (msg === null || typeof msg !== "object") return NOTHING;
    const m = /** @type {Record<string, any>} */ (msg);
    switch (m.type) {
      case "begin":
        return this.begin(m);
      case "steps":
        return this.steps(/** @type {import("./types.js").StepsMessage} */ (m), buffers);
      case "state":
        if (m.fit_id !== this.fitId || this.outcome || !isLiveState(m.state)) return NOTHING;
        this.state = m.state;
        return { changed: true, replay: false };
      case "end":
        return this.end(m);
      case "error":
        this.error = String(m.error);
        return { changed: true, replay: false };
      case "run_trace": {
        const error = this.compared.receive(m, buffers);
        if (error) return this.fail(error);
        return { changed: true, replay: false };
      }
      default:
        // Unknown types come from a newer kernel; ignoring them keeps the page usable.
        return NOTHING;
    }
  }

  /** @param {Record<string, any>} m */
  begin(m) {
    const fitId = m.fit_id;
    if (!Number.isSafeInteger(fitId)) return this.fail(`begin: fit_id ${JSON.stringify(fitId)} is not an integer`);
    if (this.fitId !== null && fitId < this.fitId) return NOTHING;
    if (!Number.isSafeInteger(m.n) || m.n < 0) return this.fail(`begin: n=${JSON.stringify(m.n)} must be a non-negative integer`);
    this.fitId = fitId;
    this.store = new FitStore(fitId, m.n);
    this.awaitingReplay = false;
    this.broken = false;
    this.error = null;
    this.outcome = null;
    this.state = isLiveState(m.state) ? m.state : "running";
    return { changed: true, replay: false };
  }

  /** @param {Record<string, any>} m */
  end(m) {
    if (m.fit_id !== this.fitId || !this.store) return NOTHING;
    const o = m.outcome;
    if (o === null || typeof o !== "object" || !ENDED.includes(o.state)) return this.fail(`end: fit ${m.fit_id} has no outcome`);
    this.store.ended = true;
    this.outcome = {
      state: o.state,
      fit_id: Number(o.fit_id),
      ier: Number.isSafeInteger(o.ier) ? o.ier : null,
      mesg: String(o.mesg ?? ""),
      summary: String(o.summary ?? ""),
      advice: String(o.advice ?? ""),
    };
    this.state = o.state;
    return { changed: true, replay: false };
  }

  /**
   * @param {import("./types.js").StepsMessage} m
   * @param {ArrayLike<unknown> | undefined} buffers
   * @returns {Outcome}
   */
  steps(m, buffers) {
    const fitId = m.fit_id;
    if (!Number.isSafeInteger(fitId)) return this.fail(`steps: fit_id ${JSON.stringify(fitId)} is not an integer`);
    if (this.fitId !== null && fitId < this.fitId) return NOTHING;
    if (fitId === this.fitId && this.broken) return NOTHING;
    if (fitId !== this.fitId || !this.store || m.start !== this.store.length) return this.lostSync(fitId);
    let batch;
    try {
      batch = decodeSteps(m, buffers, this.store.n);
    } catch (err) {
      this.broken = true;
      return this.fail(`fit ${fitId}: ${/** @type {Error} */ (err).message}`);
    }
    this.store.append(m.start, batch);
    return { changed: true, replay: false };
  }

  /**
   * A batch that does not continue the records held: drop them and ask for the full trace.
   * @param {number} fitId
   * @returns {Outcome}
   */
  lostSync(fitId) {
    const hadData = this.store !== null;
    this.fitId = this.fitId === null ? fitId : Math.max(this.fitId, fitId);
    this.store = null;
    // `broken` can only have been about an older fit: steps of a broken fit never get here.
    this.broken = false;
    return { changed: hadData, replay: this.requestReplay() };
  }

  /**
   * @param {string} error
   * @returns {Outcome}
   */
  fail(error) {
    this.error = error;
    return { changed: true, replay: false };
  }
}
