/**
 * Axis ranges and tick positions, for linear and log10 axes, that stay finite and
 * few over the whole double range (1e-300..1e300 and beyond). uPlot's own tick
 * steps stop at 1e-16..1e16, which is not enough for residual norms.
 */

const DECADE_MANTISSAS = [1, 2, 5];

/**
 * 10**e exactly as the literal reads (Math.pow may be one ulp off, which shows in labels).
 * @param {number} e
 */
export function pow10(e) {
  return Number(`1e${e}`);
}

/**
 * A value back from a log axis's exponent space; whole exponents exactly.
 * @param {number} e  log10 of the value
 */
export function fromExponent(e) {
  return Number.isInteger(e) ? pow10(e) : 10 ** e;
}

/**
 * The range of a log axis, in exponent space (log10 of the values): the data's
 * extent widened to whole decades, at least one decade wide.
 *
 * Log axes are drawn as linear axes over log10 of the data, because uPlot finds
 * no tick spacing for values beyond about 1e17 and then drops the axis; in
 * exponent space 1e-300..1e300 is just -300..300.
 * @param {number | null | undefined} min  log10 of the smallest positive value shown
 * @param {number | null | undefined} max  log10 of the largest
 * @returns {[number, number]}
 */
export function decadeRange(min, max) {
  const ok = (/** @type {number | null | undefined} */ v) => typeof v === "number" && Number.isFinite(v);
  if (!ok(min) && !ok(max)) return [-1, 1];
  const lo = ok(min) ? /** @type {number} */ (min) : /** @type {number} */ (max);
  const hi = ok(max) ? /** @type {number} */ (max) : lo;
  let a = Math.floor(Math.min(lo, hi) + 1e-9);
  let b = Math.ceil(Math.max(lo, hi) - 1e-9);
  if (a === b) {
    a -= 1;
    b += 1;
  }
  // 10**-324 is 0 and 10**309 is infinite: stay where decades are still doubles.
  return [Math.max(a, -323), Math.min(b, 308)];
}

/**
 * Ticks for a log axis, in exponent space, between exponents lo and hi: whole
 * decades, every k-th decade when there are too many, and 2 and 5 within a
 * decade when the range holds fewer than two decades.
 * @param {number} lo
 * @param {number} hi
 * @param {number} maxCount  at most this many ticks (>= 2)
 * @returns {number[]}
 */
export function logTicks(lo, hi, maxCount) {
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi >= lo)) return [];
  const first = Math.ceil(lo - 1e-9);
  const last = Math.floor(hi + 1e-9);
  const decades = last - first + 1;
  if (decades >= 2) {
    const every = Math.max(1, Math.ceil(decades / Math.max(2, maxCount)));
    const ticks = [];
    for (let e = Math.ceil(first / every) * every; e <= last; e += every) ticks.push(e);
    return ticks;
  }
  /** @type {number[]} */
  const ticks = [];
  for (let e = first - 1; e <= last; e++) {
    for (const mantissa of DECADE_MANTISSAS) {
      const t = e + Math.log10(mantissa);
      if (t >= lo - 1e-9 && t <= hi + 1e-9) ticks.push(t);
    }
  }
  if (ticks.length >= 2 && ticks.length <= maxCount) return ticks;
  return linearTicks(fromExponent(lo), fromExponent(hi), maxCount)
    .filter((v) => v > 0)
    .map(Math.log10);
}

/**
 * A linear axis range: the data's extent with a little air, never empty.
 * @param {number | null | undefined} min
 * @param {number | null | undefined} max
 * @returns {[number, number]}
 */
export function linearRange(min, max) {
  const ok = (/** @type {number | null | undefined} */ v) => typeof v === "number" && Number.isFinite(v);
  if (!ok(min) && !ok(max)) return [0, 1];
  let lo = ok(min) ? /** @type {number} */ (min) : /** @type {number} */ (max);
  let hi = ok(max) ? /** @type {number} */ (max) : lo;
  if (lo > hi) [lo, hi] = [hi, lo];
  // Halves keep the span finite for data near +-1.8e308.
  const halfSpan = hi / 2 - lo / 2;
  const pad = halfSpan > 0 ? halfSpan * 0.1 : Math.abs(lo) * 0.05 || 0.5;
  return [clampFinite(lo - pad), clampFinite(hi + pad)];
}

/** @param {number} v */
function clampFinite(v) {
  return Math.min(Number.MAX_VALUE, Math.max(-Number.MAX_VALUE, v));
}

/**
 * "Nice" ticks (1, 2 or 5 times a power of ten apart) between lo and hi.
 * @param {number} lo
 * @param {number} hi
 * @param {number} maxCount  at most this many ticks (>= 2)
 * @param {number} [minStep]  e.g. 1 for an axis of integer step numbers
 * @returns {number[]}
 */
export function linearTicks(lo, hi, maxCount, minStep = 0) {
  if (!(Number.isFinite(lo) && Number.isFinite(hi)) || hi < lo) return [];
  const halfSpan = hi / 2 - lo / 2;
  if (halfSpan === 0) return [lo];
  const rough = halfSpan / (Math.max(1, maxCount - 1) / 2);
  const step = Math.max(niceStep(Number.isFinite(rough) ? rough : Number.MAX_VALUE), minStep);
  // Rounding k*step to the digits the step resolves removes float noise (0.30000000000000004).
  const magnitude = Math.max(Math.abs(lo), Math.abs(hi));
  const digits = Math.min(17, Math.max(1, Math.floor(Math.log10(magnitude)) - Math.floor(Math.log10(step)) + 2));
  /** @type {number[]} */
  const ticks = [];
  // k*step rather than a running sum, so rounding errors do not accumulate.
  // The slack admits a last tick that k*step overshoots by rounding (7*0.1 > 0.7).
  const slack = step * 1e-9;
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + slack && ticks.length <= maxCount; k++) {
    ticks.push(Number((k * step).toPrecision(digits)) || 0);
  }
  // A step below the resolution of the doubles around lo would give duplicates.
  return ticks.filter((t, k) => k === 0 || t !== ticks[k - 1]);
}

/**
 * The smallest of 1, 2, 5 times a power of ten that is >= rough.
 * @param {number} rough  > 0
 */
function niceStep(rough) {
  const e = Math.floor(Math.log10(rough));
  for (const mantissa of [1, 2, 5, 10]) {
    const step = mantissa * pow10(e);
    if (step >= rough * (1 - 1e-12)) return step;
  }
  return 10 * pow10(e);
}
