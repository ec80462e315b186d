// A stand-in for the kernel side of FitWidget in the browser harness: an
// anywidget-like model (get/set/on/off/send) whose "kernel" answers the page's
// messages the way protocol v1 says, streaming the fake fit in batches.
import { encodeRecords, record } from "./batches.js";
import { NAMES, SIGMA, T, Y, landscape, model, runFit } from "./fake-fit.js";

export class FakeModel {
  constructor(traits) {
    this.traits = { ...traits };
    this.listeners = new Map();
    /** every message the page sent, for assertions */
    this.sent = [];
    this.onPageMessage = () => {};
  }
  get(name) {
    return this.traits[name];
  }
  set(name, value) {
    this.traits[name] = value;
    this.emit(`change:${name}`);
  }
  save_changes() {
    this.onSave?.();
  }
  on(event, cb) {
    if (!this.listeners.has(event)) this.listeners.set(event, new Set());
    this.listeners.get(event).add(cb);
  }
  off(event, cb) {
    this.listeners.get(event)?.delete(cb);
  }
  emit(event, ...args) {
    for (const cb of [...(this.listeners.get(event) ?? [])]) cb(...args);
  }
  send(content) {
    this.sent.push(content);
    // Asynchronous, as a real comm round trip is.
    setTimeout(() => this.onPageMessage(content), 0);
  }
  custom(msg, buffers) {
    this.emit("msg:custom", msg, buffers);
  }
  listenerCount() {
    let total = 0;
    for (const set of this.listeners.values()) total += set.size;
    return total;
  }
}

const MODEL_X = Array.from({ length: 200 }, (_, k) => (k * 4) / 199);

/**
 * @param {object} o
 * @param {"curve" | "residual"} o.form
 * @param {number} o.batch      records per steps message
 * @param {number} o.interval   ms between messages (0: all at once)
 * @param {number} o.synthetic  if > 0, stream this many synthetic records instead of the fit (long traces)
 * @param {number[]} o.x0
 */
export function createKernel({ form = "curve", batch = 5, interval = 30, synthetic = 0, x0: start0 = [1, 0.5, 0] } = {}) {
  const m = new FakeModel({
    form,
    param_names: NAMES,
    data: form === "curve" ? { x: T, y: Y, sigma: SIGMA } : { x: [], y: [], sigma: null },
    model_x: form === "curve" ? MODEL_X : [],
    landscape: {},
    landscape_on: true,
    has_dfun: false,
    values: [...start0],
    ranges: start0.map((v) => [v - Math.max(Math.abs(v), 1), v + Math.max(Math.abs(v), 1)]),
    logs: start0.map(() => false),
    ftol: 1.49012e-8,
    xtol: 1.49012e-8,
    gtol: 0,
    epsfcn: null,
    factor: 100,
    maxfev: 0,
    use_dfun: false,
    delay: 0,
    auto_fit: true,
    landscape_params: [0, 1],
    panels: "grid",
  });
  let fitId = 0;
  const x0 = [...start0];
  let records = [];
  let sentCount = 0;
  let timer = null;
  let lm = { i: 0, j: 1 };

  const curvesAt = (k) => {
    const r = records[k];
    if (form === "curve") return { accepted: MODEL_X.map((t) => model(r.x, t)), trial: MODEL_X.map((t) => model(r.x_trial, t)) };
    const f = (p) => T.map((t, q) => (model(p, t) - Y[q]) / SIGMA[q]);
    return { accepted: f(r.x), trial: f(r.x_trial) };
  };

  const sendSteps = (start, count) => {
    const slice = records.slice(start, start + count);
    const { msg, buffers } = encodeRecords({ fitId, start, records: slice, n: NAMES.length, curves: curvesAt(start + count - 1) });
    m.custom(msg, buffers);
  };

  const outcome = () => ({ state: "success", fit_id: fitId, ier: 1, mesg: "Both actual and predicted relative reductions in the sum of squares are at most ftol=1.49012e-08", summary: "Converged: the sum of squares stopped decreasing (ftol test).", advice: "Check the residuals and the uncertainties." });
  const finish = () => m.custom({ type: "end", fit_id: fitId, outcome: outcome() });

  const stream = () => {
    if (sentCount >= records.length) return finish();
    const count = Math.min(batch, records.length - sentCount);
    sendSteps(sentCount, count);
    sentCount += count;
    timer = setTimeout(stream, interval);
  };

  const start = () => {
    clearTimeout(timer);
    fitId += 1;
    records = synthetic > 0 ? Array.from({ length: synthetic }, (_, k) => record(k, NAMES.length)) : runFit(x0);
    sentCount = 0;
    m.custom({ type: "begin", fit_id: fitId, n: NAMES.length, state: "running" });
    m.set("landscape", {});
    setTimeout(() => m.set("landscape", landscape(x0, lm.i, lm.j, fitId)), 150);
    if (interval === 0) {
      sentCount = records.length;
      sendSteps(0, records.length);
      finish();
    } else stream();
  };

  m.onPageMessage = (msg) => {
    if (msg.type === "replay") {
      if (fitId === 0) return;
      m.custom({ type: "begin", fit_id: fitId, n: NAMES.length, state: "running" });
      if (sentCount > 0) sendSteps(0, sentCount);
      if (sentCount >= records.length) finish();
    } else if (msg.type === "pick") {
      x0[msg.i] = msg.xi;
      x0[msg.j] = msg.xj;
      m.set("values", [...x0]);
      start();
    } else if (msg.type === "command") {
      if (msg.name === "fit" || msg.name === "reset") start();
      else if (msg.name === "stop") {
        clearTimeout(timer);
        m.custom({ type: "end", fit_id: fitId, outcome: { ...outcome(), state: "stopped", ier: -2, summary: "Stopped on request." } });
      }
    } else if (msg.type === "landscape_params") {
      lm = { i: msg.i, j: msg.j };
      m.set("landscape", {});
      setTimeout(() => m.set("landscape", landscape(x0, lm.i, lm.j, fitId)), 150);
    } else {
      m.custom({ type: "error", error: `unknown message type ${JSON.stringify(msg.type)}` });
    }
  };

  /** Send a batch that skips records, as a lost message would. */
  const skip = () => {
    if (sentCount < records.length) sendSteps(sentCount + 1, 1);
  };
  // A slider moved (the page wrote `values`): refit from there, as auto-fit does.
  m.onSave = () => {
    const values = m.get("values");
    if (values.some((v, k) => v !== x0[k])) {
      values.forEach((v, k) => (x0[k] = v));
      start();
    }
  };
  return { model: m, start, skip, records: () => records };
}
