/**
 * Colours for canvas drawing. Canvases cannot use CSS variables, so the
 * JupyterLab theme's variables are read from the widget's element on every
 * frame: a theme switch then shows at the next redraw without a listener.
 */

/** Series colours, chosen to read on both light and dark backgrounds. */
export const COLORS = Object.freeze({
  line: "#3b7dd8",
  trial: "#e08a1e",
  accepted: "#2e9e4f",
  rejected: "#d64545",
  clamped: "#a05cc4",
  data: "#808080",
  palette: ["#3b7dd8", "#e08a1e", "#2e9e4f", "#d64545", "#a05cc4", "#8c6d3f", "#d46fb0", "#1fa7b0", "#7f7f7f", "#b5b52a"],
});

/**
 * @typedef {object} Theme
 * @property {string} fg     text and axes
 * @property {string} muted  secondary text, threshold lines
 * @property {string} grid
 * @property {string} bg     plot background (the inside of hollow markers)
 * @property {string} font   CSS font family
 */

/**
 * Refresh `theme` in place from the CSS variables in effect at `el`.
 * @param {Theme} theme
 * @param {Element} el
 */
export function readTheme(theme, el) {
  const style = getComputedStyle(el);
  const css = (/** @type {string} */ name, /** @type {string} */ fallback) => style.getPropertyValue(name).trim() || fallback;
  theme.fg = css("--jp-ui-font-color1", "rgba(0, 0, 0, 0.87)");
  theme.muted = css("--jp-ui-font-color2", "rgba(0, 0, 0, 0.54)");
  theme.grid = css("--jp-border-color2", "rgba(128, 128, 128, 0.25)");
  theme.bg = css("--jp-layout-color0", "#ffffff");
  theme.font = css("--jp-ui-font-family", "system-ui, -apple-system, sans-serif");
  return theme;
}

/** @returns {Theme} */
export function defaultTheme() {
  return { fg: "#222", muted: "#777", grid: "rgba(128, 128, 128, 0.25)", bg: "#fff", font: "system-ui, sans-serif" };
}
