/**
 * The colour map of the cost landscape. Lightness rises monotonically from low
 * to high cost, so the valley reads as the darkest region in either theme and in
 * greyscale; the hue turns from indigo through teal to yellow to separate levels.
 */

/** @typedef {[number, number, number]} RGB */

/** Colour stops at equal spacing in [0, 1]; each is lighter than the one before. */
export const STOPS = /** @type {ReadonlyArray<RGB>} */ (
  Object.freeze([
    [26, 16, 64],
    [58, 58, 150],
    [38, 120, 150],
    [50, 170, 120],
    [160, 210, 70],
    [250, 235, 100],
  ])
);

/** Cells whose cost is NaN or infinite (the model failed there). */
export const MISSING = /** @type {RGB} */ ([128, 128, 128]);

/**
 * @param {number} t  position in [0, 1]; clamped
 * @returns {RGB}
 */
export function colorAt(t) {
  const u = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (STOPS.length - 1);
  const k = Math.min(Math.floor(u), STOPS.length - 2);
  const f = u - k;
  const a = STOPS[k];
  const b = STOPS[k + 1];
  return /** @type {RGB} */ ([0, 1, 2].map((c) => Math.round(a[c] + (b[c] - a[c]) * f)));
}

/**
 * The finite extent of a grid of values; [0, 1] when there is none.
 * @param {ArrayLike<number>} values
 * @returns {[number, number]}
 */
export function finiteExtent(values) {
  let lo = Infinity;
  let hi = -Infinity;
  for (let k = 0; k < values.length; k++) {
    const v = values[k];
    if (Number.isFinite(v)) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return lo <= hi ? [lo, hi] : [0, 1];
}

/**
 * Colour of `value` on a map from lo (first stop) to hi (last stop).
 * @param {number} value
 * @param {number} lo
 * @param {number} hi
 * @returns {RGB}
 */
export function colorFor(value, lo, hi) {
  if (!Number.isFinite(value)) return MISSING;
  return colorAt(hi > lo ? (value - lo) / (hi - lo) : 0.5);
}

/**
 * The map as a CSS gradient, for the colour bar beside the heatmap.
 * @returns {string}
 */
export function cssGradient() {
  const parts = STOPS.map((c, k) => `rgb(${c.join(",")}) ${((100 * k) / (STOPS.length - 1)).toFixed(1)}%`);
  return `linear-gradient(to right, ${parts.join(", ")})`;
}
