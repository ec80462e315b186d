/**
 * A parameter slider's geometry: the range input moves over 0..SLIDER_STEPS, and
 * a position maps to a value on a linear or a log scale over [lo, hi]. Pure, so
 * the mapping is tested under node.
 */

/** Positions of a slider: a drag or an arrow key moves x0 by 1/SLIDER_STEPS of its range. */
export const SLIDER_STEPS = 1000;

/**
 * @param {number} position  0..SLIDER_STEPS
 * @param {number} lo
 * @param {number} hi
 * @param {boolean} log  (needs lo > 0)
 */
export function fromPosition(position, lo, hi, log) {
  const t = Math.min(Math.max(position / SLIDER_STEPS, 0), 1);
  if (position <= 0) return lo;
  if (position >= SLIDER_STEPS) return hi;
  if (log && lo > 0) return 10 ** (Math.log10(lo) + t * (Math.log10(hi) - Math.log10(lo)));
  // lo/2 and hi/2: the width of [-1e308, 1e308] overflows, half of it does not.
  return 2 * (lo / 2 + t * (hi / 2 - lo / 2));
}

/**
 * The nearest position of a value (clamped to the range).
 * @param {number} value
 * @param {number} lo
 * @param {number} hi
 * @param {boolean} log
 */
export function toPosition(value, lo, hi, log) {
  if (!Number.isFinite(value) || !(hi > lo)) return 0;
  const t = log && lo > 0 && value > 0
    ? (Math.log10(value) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))
    : (value / 2 - lo / 2) / (hi / 2 - lo / 2);
  return Math.round(Math.min(Math.max(t, 0), 1) * SLIDER_STEPS);
}

/**
 * A number typed by the user, or null when the text is not a finite number.
 * @param {string} text
 * @returns {number | null}
 */
export function parseNumber(text) {
  const trimmed = text.trim().replace(/−/g, "-");
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(trimmed)) return null;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : null;
}
