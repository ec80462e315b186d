/**
 * Number formatting for values that span the whole double range: residual norms
 * go down to 1e-300 and trust radii up to 1e300, so fixed decimals are useless.
 * Plain notation is kept where people read it easily, exponent notation elsewhere.
 */

// Outside [PLAIN_MIN, PLAIN_MAX) plain notation needs too many zeros to read.
const PLAIN_MIN = 1e-3;
const PLAIN_MAX = 1e6;

/**
 * @param {number | null | undefined} value
 * @param {number} [digits]  significant digits (1..17)
 * @returns {string}
 */
export function formatNumber(value, digits = 4) {
  if (value === null || value === undefined) return "—";
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "∞";
  if (value === -Infinity) return "−∞";
  if (value === 0) return "0";
  // Rounding can carry into the next decade (999999.7 -> 1e6): decide on the rounded value.
  const rounded = Number(value.toPrecision(digits));
  if (Math.abs(rounded) >= PLAIN_MIN && Math.abs(rounded) < PLAIN_MAX) return String(rounded);
  const [mantissa, exponent] = value.toExponential(digits - 1).split("e");
  return `${trimZeros(mantissa)}e${exponent.replace("+", "")}`;
}

/** @param {string} mantissa */
function trimZeros(mantissa) {
  return mantissa.includes(".") ? mantissa.replace(/\.?0+$/, "") : mantissa;
}

/**
 * Tick labels with the fewest significant digits that still say where each tick
 * is: 1.0001 and 1.0002 must not both read "1", and 0.25 must not read "0.3".
 * @param {number[]} ticks  finite values in increasing order
 * @returns {string[]}
 */
export function formatTicks(ticks) {
  // A label is exact enough when its error is invisible next to the tick spacing.
  let spacing = Infinity;
  for (let k = 1; k < ticks.length; k++) spacing = Math.min(spacing, Math.abs(ticks[k] - ticks[k - 1]));
  if (!(spacing > 0 && Number.isFinite(spacing))) spacing = Math.abs(ticks[0] ?? 1) || 1;
  const tolerance = spacing * 1e-6;
  for (let digits = 1; digits < 17; digits++) {
    const labels = ticks.map((t) => formatNumber(t, digits));
    if (labels.every((label, k) => Math.abs(Number(label) - ticks[k]) <= tolerance)) return labels;
  }
  return ticks.map((t) => formatNumber(t, 17));
}
