/**
 * The residual form's own picture (the Python `draw=` hook, widget/drawing.py):
 * its series arrive as curves named `draw/<style>/<name>/x` and `.../y`; this
 * module reads them back into named series, and fits them on equal axes.
 */

const PREFIX = "draw/";

/**
 * @typedef {object} DrawnSeries
 * @property {string} name
 * @property {"line" | "markers"} style
 * @property {ArrayLike<number>} x
 * @property {ArrayLike<number>} y
 */

/**
 * The drawn series among the curves, in the order the kernel sent them; a
 * series missing its x or y, or with another style, is left out.
 * @param {Map<string, ArrayLike<number>>} curves
 * @returns {DrawnSeries[]}
 */
export function drawnSeries(curves) {
  /** @type {Map<string, {style: string, name: string, x?: ArrayLike<number>, y?: ArrayLike<number>}>} */
  const found = new Map();
  for (const [key, values] of curves) {
    if (!key.startsWith(PREFIX)) continue;
    const rest = key.slice(PREFIX.length);
    const first = rest.indexOf("/");
    const last = rest.lastIndexOf("/");
    if (first < 0 || last <= first) continue;
    const style = rest.slice(0, first);
    const name = rest.slice(first + 1, last);
    const which = rest.slice(last + 1);
    const id = `${style}/${name}`;
    const entry = found.get(id) ?? { style, name };
    if (which === "x") entry.x = values;
    else if (which === "y") entry.y = values;
    found.set(id, entry);
  }
  /** @type {DrawnSeries[]} */
  const series = [];
  for (const { style, name, x, y } of found.values()) {
    if ((style === "line" || style === "markers") && x && y && x.length === y.length) series.push({ name, style, x, y });
  }
  return series;
}

/**
 * Axis ranges showing every finite point with the same data units per pixel
 * on both axes (a circle stays round), centred, with a little air.
 * @param {DrawnSeries[]} series
 * @param {number} pxWidth  of the plotting area
 * @param {number} pxHeight
 * @returns {{x: [number, number], y: [number, number]}}
 */
export function equalAspectRanges(series, pxWidth, pxHeight) {
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (const s of series) {
    for (let k = 0; k < s.x.length; k++) {
      const x = s.x[k];
      const y = s.y[k];
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  if (!(x0 <= x1)) return { x: [-1, 1], y: [-1, 1] };
  const w = Math.max(1, pxWidth);
  const h = Math.max(1, pxHeight);
  const span = Math.max(x1 - x0, y1 - y0, Math.abs(x0) * 1e-9, Math.abs(y0) * 1e-9, 1e-300);
  const perPixel = (1.1 * Math.max((x1 - x0) / w, (y1 - y0) / h)) || span / Math.min(w, h);
  const cx = x0 / 2 + x1 / 2;
  const cy = y0 / 2 + y1 / 2;
  return { x: [cx - (perPixel * w) / 2, cx + (perPixel * w) / 2], y: [cy - (perPixel * h) / 2, cy + (perPixel * h) / 2] };
}
