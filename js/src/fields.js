/**
 * The trial-step record (design.md, "one trial step"): every `steps` batch carries
 * each of these columns. `vector` columns have shape [count, n], the others [count].
 * The decoder checks batches against this table and the store keeps exactly these.
 */

/** @type {ReadonlyArray<{name: string, dtype: import("./types.js").DType, vector: boolean}>} */
export const TRIAL_STEP_FIELDS = Object.freeze([
  { name: "iteration", dtype: "int32", vector: false },
  { name: "nfev", dtype: "int32", vector: false },
  { name: "njev", dtype: "int32", vector: false },
  { name: "x", dtype: "float64", vector: true },
  { name: "x_trial", dtype: "float64", vector: true },
  { name: "fnorm", dtype: "float64", vector: false },
  { name: "fnorm_trial", dtype: "float64", vector: false },
  { name: "pnorm", dtype: "float64", vector: false },
  { name: "delta", dtype: "float64", vector: false },
  { name: "par", dtype: "float64", vector: false },
  { name: "ratio", dtype: "float64", vector: false },
  { name: "actred", dtype: "float64", vector: false },
  { name: "prered", dtype: "float64", vector: false },
  { name: "gnorm", dtype: "float64", vector: false },
  { name: "accepted", dtype: "uint8", vector: false },
]);
