/**
 * Shapes shared by the modules. They mirror the synced traits of the Python
 * `FitWidget` and the custom messages of protocol v2 (one schema per kind, as in
 * src/lmscope/widget/protocol.py), so that a change on the kernel side has exactly
 * one place to be mirrored here; `npm run typecheck` holds the code to them.
 */

/** @typedef {"curve" | "residual"} Form */

/** @typedef {"running" | "paused"} LiveState */
/** @typedef {"success" | "failure" | "stopped" | "error"} EndState */
/** What the root element's data-outcome shows. @typedef {"idle" | LiveState | EndState} FitState */

/**
 * How a fit ended (outcomes.py, `Outcome.as_message`).
 * @typedef {object} Outcome
 * @property {EndState} state
 * @property {number} fit_id
 * @property {number | null} ier  null after an error
 * @property {string} mesg  leastsq's message, or the exception's "Type: text"
 * @property {string} summary  what happened, in plain words
 * @property {string} advice  what to try
 */

/**
 * @typedef {object} Data
 * @property {number[]} x
 * @property {number[]} y
 * @property {number[] | null} sigma  one standard deviation per point; null draws no error bars
 * @property {Band | null} [band]  data too many to draw point by point (x, y empty then)
 */

/**
 * Dense data as a band (decimate.py, `data_band`): per bin of x its centre,
 * the lowest, highest and mean y; null in lo/hi/mean where a bin is empty.
 * @typedef {object} Band
 * @property {number[]} x
 * @property {(number | null)[]} lo
 * @property {(number | null)[]} hi
 * @property {(number | null)[]} mean
 * @property {number[]} count  points per bin
 * @property {number} points  points in all
 */

/**
 * Cost 0.5*||f||^2 on a grid over parameters `i` and `j`; `log10_cost` is
 * row-major with one row per value of `xj`.
 * @typedef {object} Landscape
 * @property {number} i
 * @property {number} j
 * @property {number[]} xi
 * @property {number[]} xj
 * @property {number[]} log10_cost
 * @property {boolean} [log_i]  xi is log-spaced: draw that axis in log10
 * @property {boolean} [log_j]
 * @property {[number, number][]} [held]  the slice: [index, value] of every other parameter
 * @property {number} fit_id
 * @property {string} [message]  instead of a grid: why there is none ("func too slow ...")
 */

/**
 * Where each start of a grid over parameters `i` and `j` ends (the basin map);
 * every per-cell list is row-major with one row per value of `xj`. `label` is
 * the solution a start reached (0 the best, -1 no convergence), `x` its final
 * point; `level` counts the refinements so far, `final` marks the finest.
 * @typedef {object} Basin
 * @property {number} i
 * @property {number} j
 * @property {number[]} xi
 * @property {number[]} xj
 * @property {number[]} label
 * @property {number[]} ier
 * @property {number[]} nfev
 * @property {(number | null)[]} fnorm
 * @property {(number | null)[][]} x
 * @property {number[][]} solutions
 * @property {string} method  how the level was fitted: "batch", "rows" or "single fits"
 * @property {number} level
 * @property {boolean} final
 * @property {number} fit_id
 * @property {string} [message]  instead of a map: why there is none
 */

/**
 * The synced traits of `FitWidget`. The kernel owns the first group; the page
 * writes the controls (the kernel checks every value and may refuse it).
 * @typedef {object} Traits
 * @property {Form} form
 * @property {string[]} param_names
 * @property {Data} data
 * @property {number[]} model_x
 * @property {Landscape | Record<string, never>} landscape
 * @property {boolean} landscape_on
 * @property {Basin | Record<string, never>} basin
 * @property {boolean} has_dfun
 * @property {number[]} values  x0, one per parameter
 * @property {[number, number][]} ranges  each slider's [min, max]
 * @property {boolean[]} logs  which sliders are logarithmic
 * @property {number} ftol
 * @property {number} xtol
 * @property {number} gtol
 * @property {number | null} epsfcn  null: leastsq's default
 * @property {number} factor
 * @property {number} maxfev  0: leastsq's default
 * @property {boolean} use_dfun
 * @property {number} delay  slow motion, seconds per trial step
 * @property {boolean} auto_fit
 * @property {[number, number]} landscape_params
 * @property {"grid" | "tabs"} panels
 * @property {boolean[]} fixed  held at their slider value; the fit runs on the others
 * @property {[number | null, number | null][]} bounds  each parameter's limits; null: none
 * @property {boolean} absolute_sigma  errors from cov_x as is, else scaled by chi2/dof
 * @property {Summary | Record<string, never>} summary  the last fit's table (kernel)
 * @property {string} code  the last fit as a script, to_code() (kernel)
 * @property {Run[]} runs  the newest fits of w.history, newest first (kernel)
 * @property {"cost" | "basin"} landscape_view  what the landscape panel shows
 */

/**
 * One fit of the run list (`FitWidget._run_entry`).
 * @typedef {object} Run
 * @property {number} fit_id
 * @property {EndState} state
 * @property {number | null} ier
 * @property {number | null} fnorm
 * @property {number} nfev
 * @property {(number | null)[]} x0
 * @property {boolean[]} fixed
 */

/**
 * The parameter table of the last fit (errors.py, `summary`); null where a
 * number is not finite or cannot be estimated.
 * @typedef {object} Summary
 * @property {(number | null)[]} x
 * @property {(number | null)[]} stderr
 * @property {"absolute" | "scaled"} scaling
 * @property {number | null} chi2
 * @property {number} dof
 * @property {number | null} chi2_dof
 * @property {(number | null)[][] | null} correlation
 * @property {boolean[]} fixed
 * @property {boolean[]} limited
 */

/**
 * The part of anywidget's model (API 0.11) that the widget uses.
 * @typedef {object} Model
 * @property {<K extends keyof Traits>(name: K) => Traits[K]} get
 * @property {<K extends keyof Traits>(name: K, value: Traits[K]) => void} set
 * @property {() => void} save_changes
 * @property {(event: string, callback: (...args: any[]) => void) => void} on
 * @property {(event: string, callback: (...args: any[]) => void) => void} off
 * @property {(content: PageMessage, callbacks?: unknown, buffers?: ArrayBuffer[]) => void} send
 */

/** @typedef {"float64" | "int32" | "uint8"} DType */

/**
 * How one binary buffer of a `steps` message is laid out (little-endian, row-major).
 * @typedef {object} ArraySpec
 * @property {string} name
 * @property {DType} dtype
 * @property {number[]} shape
 */

/**
 * @typedef {{type: "begin", fit_id: number, n: number, state: LiveState}} BeginMessage
 * @typedef {{type: "steps", fit_id: number, start: number, count: number,
 *            columns: ArraySpec[], curves: ArraySpec[]}} StepsMessage
 * @typedef {{type: "state", fit_id: number, state: LiveState}} StateMessage
 * @typedef {{type: "end", fit_id: number, outcome: Outcome}} EndMessage
 * @typedef {{type: "error", error: string}} ErrorMessage
 * @typedef {{type: "run_trace", fit_id: number, n: number, count: number,
 *            columns: ArraySpec[]}} RunTraceMessage
 * @typedef {BeginMessage | StepsMessage | StateMessage | EndMessage | ErrorMessage | RunTraceMessage} KernelMessage
 */

/** @typedef {"fit" | "stop" | "step" | "reset"} CommandName */

/**
 * @typedef {{type: "replay"}
 *   | {type: "pick", i: number, j: number, xi: number, xj: number}
 *   | {type: "landscape_params", i: number, j: number}
 *   | {type: "command", name: CommandName}
 *   | {type: "restore", fit_id: number}
 *   | {type: "compare", fit_id: number}} PageMessage
 */

/** What a binary buffer may arrive as: anywidget hands over DataViews, other hosts ArrayBuffers. */
/** @typedef {ArrayBuffer | ArrayBufferView} Buffer */

export {};
