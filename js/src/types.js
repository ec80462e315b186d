/**
 * Shapes shared by the modules. They mirror the synced traits and the custom
 * messages of the Python `FitPlot` widget (protocol v1), so that a change on the
 * kernel side has exactly one place to be mirrored here.
 */

/** @typedef {"curve" | "residual"} Form */

/** @typedef {"idle" | "running" | "stopped" | "done" | "error"} State */

/**
 * @typedef {object} Data
 * @property {number[]} x
 * @property {number[]} y
 * @property {number[] | null} sigma  one standard deviation per point; null draws no error bars
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
 * @property {number} fit_id
 */

/**
 * @typedef {object} Status
 * @property {State} state
 * @property {number} fit_id
 * @property {number | null} ier
 * @property {string} mesg
 * @property {number} nfev
 * @property {number | null} fnorm
 * @property {number} n_steps
 * @property {string | null} error
 */

/**
 * The synced traits of `FitPlot`; `landscape` is `{}` until computed.
 * @typedef {object} Traits
 * @property {Form} form
 * @property {string[]} param_names
 * @property {Data} data
 * @property {number[]} model_x
 * @property {Landscape | Record<string, never>} landscape
 * @property {Status} status
 */

/**
 * The part of anywidget's model (API 0.11) that the widget uses.
 * @typedef {object} Model
 * @property {<K extends keyof Traits>(name: K) => Traits[K]} get
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
 * @typedef {{type: "begin", fit_id: number, n: number, m: number}} BeginMessage
 * @typedef {{type: "steps", fit_id: number, start: number, count: number,
 *            columns: ArraySpec[], curves: ArraySpec[]}} StepsMessage
 * @typedef {{type: "end", fit_id: number}} EndMessage
 * @typedef {{type: "error", error: string}} ErrorMessage
 * @typedef {BeginMessage | StepsMessage | EndMessage | ErrorMessage} KernelMessage
 */

/**
 * @typedef {{type: "replay"}
 *   | {type: "pick", i: number, j: number, xi: number, xj: number}
 *   | {type: "landscape_params", i: number, j: number}} PageMessage
 */

/** What a binary buffer may arrive as: anywidget hands over DataViews, other hosts ArrayBuffers. */
/** @typedef {ArrayBuffer | ArrayBufferView} Buffer */

export {};
