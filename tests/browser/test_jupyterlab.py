"""FitWidget in a real JupyterLab, in Debian's chromium, driven by Playwright.

The page mirrors its state in data-* attributes on `.lmscope-fit` (data-state,
data-fit-id, data-steps, data-fnorm, ...) and each panel counts its draws in
`data-drawn`: every wait below is on one of those, never a fixed sleep.
"""
from __future__ import annotations

import json

import nbformat
import pytest

pytestmark = pytest.mark.browser

SETUP = '''\
import json, time
import numpy as np
from lmscope.widget import FitWidget

SLEEP = {"seconds": 0.0}    # raised by the test to make the fit slow enough to stop


def decay(x, a, k, c):
    time.sleep(SLEEP["seconds"])
    return a * np.exp(-k * x) + c


rng = np.random.default_rng(1)
xdata = np.linspace(0.0, 4.0, 40)
ydata = decay(xdata, 2.5, 1.3, 0.5) + 0.05 * rng.standard_normal(40)
w = FitWidget.curve(decay, xdata, ydata, p0=[1.0, 0.5, 0.2], sigma=np.full(40, 0.05))
w'''

# What the kernel holds, as JSON on stdout.
KERNEL_STATE = '''\
w.wait(30)
print(json.dumps({"steps": len(w.trace), "fnorm": float(w.trace.fnorm[-1]),
                  "nfev": int(w.trace.nfev[-1]), "ier": w.result[4],
                  "x": w.result[0].tolist(), "x_last": w.trace.x[-1].tolist(),
                  "state": w.plot.status["state"], "fit_id": w.plot.status["fit_id"],
                  "x0": w.x0.tolist()}))'''

# Runs code in the notebook's kernel and returns its stdout (or raises with its error).
EXECUTE_JS = '''async (code) => {
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  const future = kernel.requestExecute({ code, store_history: false });
  let out = "", err = "";
  future.onIOPub = (msg) => {
    if (msg.header.msg_type === "stream") out += msg.content.text;
    if (msg.header.msg_type === "error") err += msg.content.ename + ": " + msg.content.evalue;
  };
  await future.done;
  return { out, err };
}'''

PANELS = ("curve", "fnorm", "trust", "ratio", "params", "landscape")
ROOT = ".lmscope-fit"


def run_in_kernel(page, code: str) -> str:
    result = page.evaluate(EXECUTE_JS, code)
    assert not result["err"], result["err"]
    return result["out"]


def attr(page, name: str) -> str:
    return page.locator(ROOT).first.get_attribute(f"data-{name}")


def wait_attr(page, js_condition: str, timeout: float = 30_000) -> None:
    """Wait until `js_condition` holds for the root's dataset `d`."""
    page.wait_for_function(
        f"() => {{ const el = document.querySelector('{ROOT}'); if (!el) return false;"
        f" const d = el.dataset; return {js_condition}; }}", timeout=timeout)


def write_notebook(path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(SETUP)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, path)


def test_fit_widget_in_jupyterlab(lab, page, artifacts):
    write_notebook(lab.root / "fit.ipynb")
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(lab.notebook_url("fit.ipynb"))
    # Attached and idle (the toolbar's indicator shows before a kernel is attached).
    page.wait_for_function(
        "() => [...document.querySelectorAll('.jp-StatusBar-Widget, .jp-StatusBar-TextItem')]"
        ".some((el) => /\\| Idle\\s*$/.test(el.textContent))", timeout=60_000)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")

    # 1. The first fit runs to its end and every panel draws.
    wait_attr(page, "d.state === 'done' && Number(d.steps) > 1")
    for name in PANELS:
        page.wait_for_function(
            f"() => Number(document.querySelector("
            f"'{ROOT} .lmscope-panel[data-panel=\"{name}\"]')?.dataset.drawn) > 0",
            timeout=30_000)
    first = json.loads(run_in_kernel(page, KERNEL_STATE))
    # Drawing the sliders did not nudge x0 (and so start another fit).
    assert first["fit_id"] == 1 and first["x0"] == [1.0, 0.5, 0.2]
    wait_attr(page, f"d.fitId === '{first['fit_id']}' && d.steps === '{first['steps']}'")
    assert float(attr(page, "fnorm")) == first["fnorm"]
    page.screenshot(path=str(artifacts / "jupyterlab-done.png"))

    # 2. Move the real slider of parameter a (keyboard on its handle): with
    #    auto-fit a new fit starts from there and streams in while it runs.
    run_in_kernel(page, 'SLEEP["seconds"] = 0.08')
    widget = page.locator(".lmscope-fit-widget").first
    handle = widget.locator(".widget-hslider .noUi-handle").first
    handle.focus()
    handle.press("ArrowRight")
    next_id = first["fit_id"] + 1
    wait_attr(page, f"d.fitId === '{next_id}' && d.state === 'running'")
    wait_attr(page, "d.state === 'running' && Number(d.steps) >= 2")
    seen_running = int(attr(page, "steps"))
    wait_attr(page, f"d.state === 'running' && Number(d.steps) > {seen_running}")

    # 3. Stop the slow fit from its button: the page shows it stopped.
    widget.locator("button", has_text="Stop").click()
    wait_attr(page, "d.state === 'stopped'", timeout=10_000)

    # 4. The kernel's result and trace are what the page shows.
    state = json.loads(run_in_kernel(page, KERNEL_STATE))
    assert state["state"] == "stopped" and state["ier"] == -2
    assert state["fit_id"] == next_id
    assert state["x0"][0] > first["x0"][0]          # the slider moved x0[0] up
    assert state["x"] == state["x_last"]            # stopped at the last accepted point
    wait_attr(page, f"d.steps === '{state['steps']}'", timeout=10_000)
    assert attr(page, "fit-id") == str(next_id)
    assert float(attr(page, "fnorm")) == state["fnorm"]
    assert int(attr(page, "nfev")) == state["nfev"]
    assert not errors, errors

    page.screenshot(path=str(artifacts / "jupyterlab.png"))
    widget.screenshot(path=str(artifacts / "widget.png"))
