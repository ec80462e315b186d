/**
 * The widget's controls, drawn as real form elements: per parameter a slider, an
 * editable readout, min and max boxes and a log toggle; the buttons; and the
 * leastsq settings. Each control writes one synced trait and redraws from the
 * traits, which stay the one source of truth: the kernel checks every value and
 * may refuse one (then it restores the trait, and the control follows).
 * Accessible names carry the parameter ("slider k", "minimum of k", "fix k",
 * "lower limit of k"); nothing from the kernel or the user is ever inserted as HTML.
 *
 * The slider's min and max are the range of the *start* (where a drag can put
 * x0); the limits are bounds the fit itself stays within (leastsq's bounds=).
 * An empty limit box is no limit.
 */

import { MAX_COMPARED } from "./compare.js";
import { formatNumber } from "./format.js";
import { fromPosition, parseNumber, toPosition, SLIDER_STEPS } from "./slider.js";

/** @typedef {import("./types.js").Model} Model */
/** @typedef {import("./types.js").Traits} Traits */

/**
 * @param {string} tag
 * @param {Record<string, string>} [attrs]
 * @param {string} [text]
 */
function element(tag, attrs = {}, text) {
  const el = document.createElement(tag);
  if (tag === "input" || tag === "button") ownKeys(el);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, value);
  if (text !== undefined) el.textContent = text;
  return el;
}

/**
 * Keys pressed in this control are its own (arrows move a slider), not the host's
 * shortcuts: Lumino (JupyterLab, Notebook 7) matches its shortcut selectors from
 * the focused element itself, so the attribute must sit on the control.
 * @template {HTMLElement} T
 * @param {T} el
 * @returns {T}
 */
export function ownKeys(el) {
  el.setAttribute("data-lm-suppress-shortcuts", "true");
  return el;
}

/**
 * Write one trait and send it.
 * @template {keyof Traits} K
 * @param {Model} model
 * @param {K} name
 * @param {Traits[K]} value
 */
function write(model, name, value) {
  model.set(name, value);
  model.save_changes();
}

/**
 * A number box whose text is parsed on change; a bad entry is put back.
 * @param {string} label  accessible name
 * @param {string} cls
 * @param {(value: number) => void} onValue
 */
function numberBox(label, cls, onValue) {
  const input = /** @type {HTMLInputElement} */ (element("input", { type: "text", inputmode: "decimal", "aria-label": label, class: cls, spellcheck: "false" }));
  input.addEventListener("change", () => {
    const value = parseNumber(input.value);
    if (value === null) input.dispatchEvent(new Event("lmscope-revert"));
    else onValue(value);
  });
  return input;
}

/**
 * @param {Model} model
 * @param {(msg: import("./types.js").PageMessage) => void} send
 * @param {import("./compare.js").Comparison} compared  which runs the list shows as compared
 * @param {(fitId: number, on: boolean) => void} onCompare  a run's compare toggle changed
 */
export function createControls(model, send, compared, onCompare) {
  const el = element("div", { class: "lmscope-controls-panel" });
  const params = element("div", { class: "lmscope-params-controls", role: "group", "aria-label": "parameters" });
  const buttons = element("div", { class: "lmscope-buttons", role: "toolbar", "aria-label": "fit" });
  const settings = element("details", { class: "lmscope-settings" });
  settings.append(element("summary", {}, "settings"));
  el.append(buttons, params, settings);
  const limitsHint = element("div", { class: "lmscope-small lmscope-hint" }, "start … to: the slider's range for the start; limits: bounds the fit stays within (empty: none)");

  /** @type {Record<import("./types.js").CommandName, HTMLButtonElement>} */
  const button = /** @type {any} */ ({});
  for (const [name, label, icon] of /** @type {const} */ ([["fit", "Fit", "▶"], ["stop", "Stop", "■"], ["step", "Step", "⇥"], ["reset", "Reset", "↺"]])) {
    const b = /** @type {HTMLButtonElement} */ (element("button", { type: "button", class: `lmscope-button lmscope-command-${name}`, "data-command": name }));
    b.append(element("span", { "aria-hidden": "true", class: "lmscope-icon" }, icon), document.createTextNode(` ${label}`));
    b.addEventListener("click", () => send({ type: "command", name }));
    button[name] = b;
    buttons.append(b);
  }
  // Copy code: to_code()'s script of the last fit (the `code` trait). Where the
  // clipboard is not available (no permission, an insecure origin), the script
  // shows in a read-only box, selected, to copy by hand.
  const copy = /** @type {HTMLButtonElement} */ (element("button", { type: "button", class: "lmscope-button lmscope-copy-code", title: "copy a script that repeats the last fit" }, "Copy code"));
  const codeBox = /** @type {HTMLTextAreaElement} */ (element("textarea", { class: "lmscope-code-box", readonly: "", "aria-label": "the fit as a script", rows: "8", spellcheck: "false" }));
  codeBox.hidden = true;
  const copied = element("span", { class: "lmscope-small lmscope-copied", role: "status" });
  copy.addEventListener("click", async () => {
    const code = model.get("code") ?? "";
    try {
      if (!navigator.clipboard) throw new Error("no clipboard");
      await navigator.clipboard.writeText(code);
      codeBox.hidden = true;
      copied.textContent = "copied";
    } catch {
      codeBox.value = code;
      codeBox.hidden = false;
      codeBox.focus();
      codeBox.select();
      copied.textContent = "the clipboard is not available here: copy the script below";
    }
  });
  copy.disabled = true;
  const autoLabel = element("label", { class: "lmscope-auto" });
  const auto = /** @type {HTMLInputElement} */ (element("input", { type: "checkbox", "aria-label": "auto-fit when a control changes" }));
  auto.addEventListener("change", () => write(model, "auto_fit", auto.checked));
  autoLabel.append(auto, document.createTextNode(" auto-fit"));
  buttons.append(autoLabel);
  const codeArea = element("div", { class: "lmscope-code" });
  codeArea.append(copy, copied, codeBox);

  // The run list (the kernel's `runs`, newest first): Restore puts a run's start
  // back (x0, fixed parameters, limits, settings), and auto-fit runs it again.
  const runs = /** @type {HTMLDetailsElement} */ (element("details", { class: "lmscope-runs" }));
  const runsTitle = element("summary", {}, "runs");
  const runList = element("ol", { class: "lmscope-run-list", "aria-label": "runs" });
  runs.append(runsTitle, runList);
  codeArea.append(runs);
  let drawnRuns = "";

  function drawRuns() {
    const list = model.get("runs") ?? [];
    const key = JSON.stringify([list, compared.ids]);
    if (key === drawnRuns) return;
    drawnRuns = key;
    runsTitle.textContent = `runs (${list.length})`;
    runList.replaceChildren(
      ...list.map((run) => {
        const item = element("li", { class: "lmscope-run", "data-fit-id": String(run.fit_id), "data-state": run.state });
        const what = `fit ${run.fit_id}: ${run.state}${run.ier === null ? "" : ` (ier ${run.ier})`} · ‖f‖ ${formatNumber(run.fnorm, 4)} · nfev ${run.nfev} · from ${run.x0.map((v, k) => (run.fixed[k] ? `${formatNumber(v, 4)} fixed` : formatNumber(v, 4))).join(", ")}`;
        const restore = element("button", { type: "button", class: "lmscope-button lmscope-restore", "aria-label": `restore fit ${run.fit_id}` }, "restore");
        restore.addEventListener("click", () => send({ type: "restore", fit_id: run.fit_id }));
        const compareLabel = element("label", { class: "lmscope-compare", title: `draw this run's path on the landscape and its ‖f‖ on the ‖f‖ panel (at most ${MAX_COMPARED})` });
        const compare = /** @type {HTMLInputElement} */ (element("input", { type: "checkbox", "aria-label": `compare run ${run.fit_id}` }));
        compare.checked = compared.has(run.fit_id);
        compare.addEventListener("change", () => onCompare(run.fit_id, compare.checked));
        compareLabel.append(compare, document.createTextNode(" compare"));
        item.append(restore, compareLabel, element("span", { class: "lmscope-small" }, ` ${what}`));
        return item;
      }),
    );
  }

  /** @type {{row: HTMLElement, slider: HTMLInputElement, readout: HTMLInputElement, min: HTMLInputElement, max: HTMLInputElement, log: HTMLInputElement, fix: HTMLInputElement, lower: HTMLInputElement, upper: HTMLInputElement, name: HTMLElement}[]} */
  let rows = [];

  function buildRows() {
    const names = model.get("param_names") ?? [];
    params.replaceChildren();
    rows = names.map((name, k) => {
      const row = element("div", { class: "lmscope-param", "data-param": name });
      const label = element("span", { class: "lmscope-param-name", title: name }, name);
      const slider = /** @type {HTMLInputElement} */ (element("input", { type: "range", min: "0", max: String(SLIDER_STEPS), step: "1", "aria-label": `slider ${name}`, class: "lmscope-slider" }));
      const readout = numberBox(`value of ${name}`, "lmscope-readout-box", (v) => setValue(k, v));
      const min = numberBox(`minimum of ${name}`, "lmscope-range-box", (v) => setRange(k, 0, v));
      const max = numberBox(`maximum of ${name}`, "lmscope-range-box", (v) => setRange(k, 1, v));
      const logLabel = element("label", { class: "lmscope-log" });
      const log = /** @type {HTMLInputElement} */ (element("input", { type: "checkbox", "aria-label": `log scale of ${name}` }));
      logLabel.append(log, document.createTextNode(" log"));
      const fixLabel = element("label", { class: "lmscope-fix", title: "hold this parameter at its slider value; the fit runs on the others" });
      const fix = /** @type {HTMLInputElement} */ (element("input", { type: "checkbox", "aria-label": `fix ${name}` }));
      fixLabel.append(fix, document.createTextNode(" fix"));
      fix.addEventListener("change", () => {
        const fixed = [...(model.get("fixed") ?? [])];
        fixed[k] = fix.checked;
        write(model, "fixed", fixed);
      });
      const lower = limitBox(`lower limit of ${name}`, k, 0);
      const upper = limitBox(`upper limit of ${name}`, k, 1);
      for (const box of [readout, min, max]) box.addEventListener("lmscope-revert", () => update());
      slider.addEventListener("input", () => {
        const [lo, hi] = model.get("ranges")[k];
        setValue(k, fromPosition(Number(slider.value), lo, hi, model.get("logs")[k]));
      });
      log.addEventListener("change", () => {
        const logs = [...model.get("logs")];
        logs[k] = log.checked;
        write(model, "logs", logs);
      });
      const line1 = element("div", { class: "lmscope-param-line" });
      line1.append(label, slider, readout);
      const line2 = element("div", { class: "lmscope-param-line lmscope-param-range", title: "the start's slider range (not a limit on the fit)" });
      line2.append(element("span", { class: "lmscope-small" }, "start"), min, element("span", { class: "lmscope-small" }, "to"), max, logLabel);
      const line3 = element("div", { class: "lmscope-param-line lmscope-param-limits", title: "bounds the fit stays within; empty: none" });
      line3.append(element("span", { class: "lmscope-small" }, "limits"), lower, element("span", { class: "lmscope-small" }, "to"), upper, fixLabel);
      row.append(line1, line2, line3);
      params.append(row);
      return { row, slider, readout, min, max, log, fix, lower, upper, name: label };
    });
  }

  /**
   * @param {number} k
   * @param {number} value
   */
  function setValue(k, value) {
    const values = [...model.get("values")];
    const [lo, hi] = model.get("ranges")[k];
    values[k] = Math.min(Math.max(value, Math.min(lo, value)), Math.max(hi, value));
    if (value < lo || value > hi) {
      const ranges = model.get("ranges").map((r) => /** @type {[number, number]} */ ([...r]));
      ranges[k] = [Math.min(lo, value), Math.max(hi, value)];
      model.set("ranges", ranges);
    }
    model.set("values", values);
    model.save_changes();
    update();
  }

  /**
   * A limit box: a number, or empty for no limit; a bad entry is put back.
   * @param {string} label
   * @param {number} k
   * @param {0 | 1} end
   */
  function limitBox(label, k, end) {
    const input = /** @type {HTMLInputElement} */ (element("input", { type: "text", inputmode: "decimal", "aria-label": label, class: "lmscope-range-box lmscope-limit-box", spellcheck: "false", placeholder: "none" }));
    input.addEventListener("change", () => {
      const text = input.value.trim();
      const value = text === "" ? null : parseNumber(text);
      if (text !== "" && value === null) return update();
      const bounds = (model.get("bounds") ?? []).map((b) => /** @type {[number | null, number | null]} */ ([...b]));
      bounds[k][end] = value;
      const [lo, hi] = bounds[k];
      if (lo !== null && hi !== null && !(lo < hi)) return update();
      write(model, "bounds", bounds);
    });
    return input;
  }

  /**
   * @param {number} k
   * @param {0 | 1} end
   * @param {number} value
   */
  function setRange(k, end, value) {
    const ranges = model.get("ranges").map((r) => /** @type {[number, number]} */ ([...r]));
    ranges[k][end] = value;
    if (!(ranges[k][0] < ranges[k][1])) {
      update();
      return;
    }
    write(model, "ranges", ranges);
  }

  // -- settings -------------------------------------------------------------------
  const grid = element("div", { class: "lmscope-settings-grid" });
  settings.append(grid);
  /** @type {[keyof Traits, string, string][]} */
  const numeric = [
    ["ftol", "ftol", "relative reduction of ‖f‖² (0: test off)"],
    ["xtol", "xtol", "relative change of x (0: test off)"],
    ["gtol", "gtol", "cosine of f and J's columns (0: test off)"],
    ["epsfcn", "epsfcn", "finite-difference step (empty: default)"],
    ["factor", "factor", "initial step bound"],
    ["maxfev", "maxfev", "function evaluations at most (0: default)"],
    ["delay", "slow motion", "seconds of pause per trial step"],
  ];
  /** @type {Map<string, HTMLInputElement>} */
  const settingBoxes = new Map();
  for (const [trait, label, title] of numeric) {
    const id = element("label", { class: "lmscope-setting", title });
    const box = /** @type {HTMLInputElement} */ (element("input", { type: "text", inputmode: "decimal", "aria-label": label, class: "lmscope-setting-box", "data-setting": trait, spellcheck: "false" }));
    box.addEventListener("change", () => {
      const text = box.value.trim();
      if (trait === "epsfcn" && text === "") return write(model, "epsfcn", null);
      const value = parseNumber(text);
      if (value === null) return update();
      write(model, /** @type {any} */ (trait), /** @type {any} */ (trait === "maxfev" ? Math.round(value) : value));
    });
    id.append(element("span", {}, label), box);
    grid.append(id);
    settingBoxes.set(trait, box);
  }
  const dfunLabel = element("label", { class: "lmscope-setting lmscope-dfun" });
  const dfun = /** @type {HTMLInputElement} */ (element("input", { type: "checkbox", "aria-label": "analytic Jacobian (Dfun)" }));
  dfun.addEventListener("change", () => write(model, "use_dfun", dfun.checked));
  const dfunText = element("span", {}, " analytic Jacobian (Dfun)");
  dfunLabel.append(dfun, dfunText);
  grid.append(dfunLabel);

  function update() {
    const names = model.get("param_names") ?? [];
    if (names.length !== rows.length || names.some((n, k) => rows[k].name.textContent !== n)) buildRows();
    const values = model.get("values") ?? [];
    const ranges = model.get("ranges") ?? [];
    const logs = model.get("logs") ?? [];
    const fixed = model.get("fixed") ?? [];
    const bounds = model.get("bounds") ?? [];
    rows.forEach((r, k) => {
      const [lo, hi] = ranges[k] ?? [0, 1];
      const active = document.activeElement;
      r.slider.value = String(toPosition(values[k], lo, hi, Boolean(logs[k])));
      r.slider.setAttribute("aria-valuetext", formatNumber(values[k], 6));
      if (active !== r.readout) r.readout.value = formatNumber(values[k], 6);
      if (active !== r.min) r.min.value = formatNumber(lo, 6);
      if (active !== r.max) r.max.value = formatNumber(hi, 6);
      // The whole number on hover, whatever the box's width.
      r.readout.title = String(values[k]);
      r.min.title = String(lo);
      r.max.title = String(hi);
      r.log.checked = Boolean(logs[k]);
      r.log.disabled = !(lo > 0) && !logs[k];
      const isFixed = Boolean(fixed[k]);
      r.fix.checked = isFixed;
      r.row.dataset.fixed = String(isFixed);
      const [lower, upper] = bounds[k] ?? [null, null];
      if (active !== r.lower) r.lower.value = lower === null ? "" : formatNumber(lower, 6);
      if (active !== r.upper) r.upper.value = upper === null ? "" : formatNumber(upper, 6);
    });
    for (const [trait, box] of settingBoxes) {
      if (document.activeElement === box) continue;
      const value = /** @type {number | null} */ (model.get(/** @type {any} */ (trait)));
      box.value = value === null ? "" : String(value);
    }
    const has = Boolean(model.get("has_dfun"));
    dfun.disabled = !has;
    dfun.checked = has && Boolean(model.get("use_dfun"));
    dfunText.textContent = has ? " analytic Jacobian (Dfun)" : " finite differences (no Dfun)";
    auto.checked = Boolean(model.get("auto_fit"));
    copy.disabled = !model.get("code");
    drawRuns();
    if (!codeBox.hidden) codeBox.value = model.get("code") ?? "";
  }

  /**
   * Enable the buttons that make sense in this state.
   * @param {import("./types.js").FitState} state
   */
  function setState(state) {
    const live = state === "running" || state === "paused";
    button.stop.disabled = !live;
    button.fit.textContent = "";
    button.fit.append(element("span", { "aria-hidden": "true", class: "lmscope-icon" }, "▶"), document.createTextNode(state === "paused" ? " Run" : " Fit"));
  }

  params.after(limitsHint);
  settings.before(codeArea);
  buildRows();
  update();
  setState("idle");
  return { el, update, setState };
}
