import { test } from "node:test";
import assert from "node:assert/strict";
import { build } from "esbuild";
import { fileURLToPath } from "node:url";

// The widget is loaded as anywidget's `_esm` with no network and no module
// resolution: the bundle must be one self-contained ES module.
test("the bundle imports nothing and exports default { render }", async () => {
  const result = await build({
    entryPoints: [fileURLToPath(new URL("../src/widget.js", import.meta.url))],
    bundle: true,
    format: "esm",
    minify: true,
    write: false,
  });
  const code = result.outputFiles[0].text;
  assert.doesNotMatch(code, /\bimport\s*[\s{*"'(]|\bimport\(/, "the bundle still imports a module");
  assert.doesNotMatch(code, /https?:\/\//, "the bundle refers to a URL");
  const url = `data:text/javascript;base64,${Buffer.from(code).toString("base64")}`;
  const widget = (await import(url)).default;
  assert.equal(typeof widget.render, "function");
});
