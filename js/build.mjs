// Bundles src/widget.js (with uPlot) into one ES module without imports, plus one
// stylesheet, into the Python package: anywidget's `_esm` and `_css` load them
// from there, so nothing is fetched from a CDN at run time.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
// LMSCOPE_BUNDLE_DIR lets the test suite build elsewhere and compare with the committed bundle.
const outdir = process.env.LMSCOPE_BUNDLE_DIR ?? here("../src/lmscope/static");
// uPlot's MIT licence asks that its copyright notice travel with copies; minifying drops
// its header comment, so the notice goes back in as a banner.
const banner = "/*! lmscope FitWidget, built from js/ (do not edit). Bundles uPlot, Copyright (c) Leon Sorokin, MIT License, https://github.com/leeoniya/uPlot */";

await build({
  entryPoints: { widget: here("src/widget.js") },
  bundle: true,
  format: "esm",
  minify: true,
  target: "es2020",
  banner: { js: banner },
  outdir,
  logLevel: "info",
});
await build({
  entryPoints: { widget: here("src/widget.css") },
  bundle: true,
  minify: true,
  banner: { css: banner },
  outdir,
  logLevel: "info",
});
