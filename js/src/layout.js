/**
 * Panel geometry from the widget's width: two columns when there is room for two
 * readable plots side by side, one otherwise; plot heights follow the width
 * within bounds so a plot is neither a sliver nor taller than a screen.
 */

/** Below this a plot's axis labels crowd its data. */
export const MIN_PLOT_WIDTH = 340;
const GAP = 12;
const MIN_HEIGHT = 170;
const MAX_HEIGHT = 320;
const ASPECT = 0.58;

/**
 * @param {number} width  of the widget's root element, CSS pixels
 * @returns {1 | 2}
 */
export function columnsFor(width) {
  return width >= 2 * MIN_PLOT_WIDTH + GAP ? 2 : 1;
}

/**
 * Size of one chart's drawing area inside a panel of the given width.
 * @param {number} panelWidth  CSS pixels
 * @returns {{width: number, height: number}}
 */
export function plotSize(panelWidth) {
  const width = Math.max(160, Math.floor(panelWidth));
  const height = Math.round(Math.min(MAX_HEIGHT, Math.max(MIN_HEIGHT, width * ASPECT)));
  return { width, height };
}

/**
 * How many ticks fit along an axis of this length without labels touching.
 * @param {number} pixels
 * @param {number} spacing  minimum pixels between ticks
 */
export function tickBudget(pixels, spacing) {
  return Math.max(2, Math.floor(pixels / spacing));
}

/**
 * Marker size for n points across a plot, so 1 point is easy to see and 2,000
 * points do not merge into a smear.
 * @param {number} count
 * @param {number} width  of the plot, CSS pixels
 */
export function markerSize(count, width) {
  const perPoint = width / Math.max(1, count);
  return Math.max(3, Math.min(8, Math.round(perPoint * 0.8)));
}

/** Below this width the cockpit stacks the controls above the plot. */
export const NARROW_WIDTH = 640;
const MIN_CONTROLS = 350;
const MAX_CONTROLS = 420;
const COCKPIT_GAP = 12;

/**
 * The cockpit's split: controls beside the data-and-model panel when there is
 * room for both (sliders stay at least ~200 px wide: the controls column is at
 * least MIN_CONTROLS), one column otherwise.
 * @param {number} width  of the widget's root element, CSS pixels
 * @returns {{narrow: boolean, controlsWidth: number, plotWidth: number}}
 */
export function cockpitLayout(width) {
  if (width < NARROW_WIDTH) return { narrow: true, controlsWidth: width, plotWidth: width };
  const controlsWidth = Math.round(Math.min(MAX_CONTROLS, Math.max(MIN_CONTROLS, width * 0.42)));
  return { narrow: false, controlsWidth, plotWidth: width - controlsWidth - COCKPIT_GAP };
}

/**
 * Data markers that leave the model visible: full size and opaque for a few
 * points, smaller and more transparent as points crowd each pixel column, so
 * hundreds of points read as a cloud the model line shows through.
 * @param {number} count  data points drawn
 * @param {number} width  of the plot, CSS pixels
 * @returns {{size: number, alpha: number}}
 */
export function dataMarkerStyle(count, width) {
  const perPixel = count / Math.max(1, width);
  const alpha = Math.min(1, Math.max(0.15, 0.5 / Math.sqrt(Math.max(perPixel, 1e-9))));
  return { size: Math.max(2, Math.min(6, markerSize(count, width))), alpha: Math.round(alpha * 100) / 100 };
}
