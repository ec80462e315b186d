"""The notebook, kernel probes and page waits shared by the browser tests.

The page mirrors its state in data-* attributes on `.lmscope-fit` (data-state,
data-fit-id, data-steps, data-fnorm, ...) and each panel counts its draws in
`data-drawn`: every wait is on one of those, never a fixed sleep. Needs the
app object in the page (`expose_app_in_browser`, set by the server fixtures).
"""

from __future__ import annotations

import nbformat

SETUP = """\
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
w"""

# What the kernel holds, as JSON on stdout.
KERNEL_STATE = """\
w.wait(30)
print(json.dumps({"steps": len(w.trace), "fnorm": float(w.trace.fnorm[-1]),
                  "nfev": int(w.trace.nfev[-1]), "ier": w.result[4],
                  "x": w.result[0].tolist(), "x_last": w.trace.x[-1].tolist(),
                  "state": w.plot.status["state"], "fit_id": w.plot.status["fit_id"],
                  "x0": w.x0.tolist()}))"""

# Runs code in the notebook's kernel and returns its stdout (or raises with its error).
EXECUTE_JS = """async (code) => {
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  const future = kernel.requestExecute({ code, store_history: false });
  let out = "", err = "";
  future.onIOPub = (msg) => {
    if (msg.header.msg_type === "stream") out += msg.content.text;
    if (msg.header.msg_type === "error") err += msg.content.ename + ": " + msg.content.evalue;
  };
  await future.done;
  return { out, err };
}"""

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
        f" const d = el.dataset; return {js_condition}; }}",
        timeout=timeout,
    )


def write_notebook(path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(SETUP)]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)


# The notebook's kernel is attached, connected and idle: running cells before
# that opens a "Select Kernel" dialog (the toolbar's idle indicator shows early).
KERNEL_READY_JS = """() => {
  const kernel = window.jupyterapp?.shell.currentWidget?.sessionContext?.session?.kernel;
  return !!kernel && kernel.connectionStatus === "connected" && kernel.status === "idle";
}"""


def wait_panels_drawn(page, timeout: float = 30_000) -> None:
    """Every panel of the widget (status included) drew at least once."""
    page.wait_for_function(
        f"""() => {{
          const panels = [...document.querySelectorAll('{ROOT} .lmscope-panel[data-drawn]')];
          const names = new Set(panels.map((p) => p.dataset.panel));
          return {list(PANELS)!r}.every((name) => names.has(name))
            && panels.every((p) => Number(p.dataset.drawn) > 0);
        }}""",
        timeout=timeout,
    )


def wait_fit_done(page, timeout: float = 30_000) -> None:
    """Wait for the fit to end; an engine error fails at once with the widget's
    error text instead of after the whole timeout."""
    wait_attr(page, "d.state === 'done' || d.state === 'error'", timeout=timeout)
    state = attr(page, "state")
    if state != "done":
        error = page.locator(f"{ROOT} .lmscope-error").first.text_content()
        raise AssertionError(f"the fit ended in state {state!r}: {error}")
    wait_attr(page, "d.state === 'done' && Number(d.steps) > 1", timeout=timeout)
