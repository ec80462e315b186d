"""The notebook, kernel probes and page waits shared by the browser tests.

The page mirrors its state in data-* attributes on `.lmscope-fit` (data-outcome,
data-fit-id, data-steps, data-nfev, data-fnorm, data-ier, ...) and each panel counts its draws in
`data-drawn`: every wait is on one of those, never a fixed sleep. Needs the
app object in the page (`expose_app_in_browser`, set by the server fixtures).
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat

# After every fit the kernel writes what it holds to REPORT_PATH (an observer of
# w.result and w.error, on the fit's thread): front ends where the test cannot
# run code in the kernel (Voila, marimo) still let it compare kernel and page.
REPORT = """\
REPORT_PATH = __REPORT_PATH__


def report(change=None):
    outcome = w.outcome
    trace = w.trace
    state = {"state": outcome.state, "fit_id": outcome.fit_id, "ier": outcome.ier,
             "steps": len(trace), "nfev": int(trace.nfev[-1]) if len(trace) else 0,
             "fnorm": float(trace.fnorm[-1]) if len(trace) else None,
             "x0": w.x0.tolist()}
    with open(REPORT_PATH + ".tmp", "w") as f:
        json.dump(state, f)
    import os
    os.replace(REPORT_PATH + ".tmp", REPORT_PATH)


w.observe(report, names=["result", "error"])"""

SETUP = (
    """\
import json, time
import numpy as np
from lmscope.widget import FitWidget

SLEEP = {"seconds": 0.0}    # raised by the test to make the fit slow enough to stop


def decay(x, a, k, c):
    time.sleep(SLEEP["seconds"])
    if c > 5:
        raise ValueError("the model raises for c > 5, on purpose")
    return a * np.exp(-k * x) + c


rng = np.random.default_rng(1)
xdata = np.linspace(0.0, 4.0, 40)
ydata = decay(xdata, 2.5, 1.3, 0.5) + 0.05 * rng.standard_normal(40)
w = FitWidget.curve(decay, xdata, ydata, p0=[1.0, 0.5, 0.2], sigma=np.full(40, 0.05))
"""
    + REPORT
    + """
w"""
)

# What the kernel holds, as JSON on stdout.
KERNEL_STATE = """\
w.wait(30)
last = len(w.trace) - 1
print(json.dumps({"steps": len(w.trace),
                  "fnorm": float(w.trace.fnorm[last]) if last >= 0 else None,
                  "nfev": int(w.trace.nfev[last]) if last >= 0 else 0,
                  "ier": None if w.result is None else w.result[4],
                  "x": None if w.result is None else w.result[0].tolist(),
                  "x_last": w.trace.x[last].tolist() if last >= 0 else None,
                  "state": w.state, "fit_id": w.outcome.fit_id,
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
# The widget's root element, in the page or inside a shadow root (marimo draws
# each anywidget in one); Playwright's locators look inside by themselves.
FIND_ROOT = f"""(() => {{
  const find = (node) => {{
    const el = node.querySelector('{ROOT}');
    if (el) return el;
    for (const host of node.querySelectorAll('*')) {{
      const inner = host.shadowRoot && find(host.shadowRoot);
      if (inner) return inner;
    }}
    return null;
  }};
  return find(document);
}})()"""


def run_in_kernel(page, code: str) -> str:
    result = page.evaluate(EXECUTE_JS, code)
    assert not result["err"], result["err"]
    return result["out"]


def attr(page, name: str) -> str:
    return page.locator(ROOT).first.get_attribute(f"data-{name}")


def wait_attr(page, js_condition: str, timeout: float = 30_000) -> None:
    """Wait until `js_condition` holds for the root's dataset `d`."""
    try:
        page.wait_for_function(
            f"() => {{ const el = {FIND_ROOT}; if (!el) return false;"
            f" const d = el.dataset; return {js_condition}; }}",
            timeout=timeout,
        )
    except Exception as exc:
        shown = page.evaluate(
            f"() => {{ const el = {FIND_ROOT};"
            f" return el ? {{...el.dataset, status: el.querySelector('.lmscope-status')"
            f"?.textContent}} : null; }}"
        )
        raise AssertionError(f"waited for {js_condition}; the page shows {shown}") from exc


def setup_code(report_path) -> str:
    """The widget's cell, reporting to `report_path`."""
    return SETUP.replace("__REPORT_PATH__", repr(str(report_path)))


def write_notebook(path, report_path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(setup_code(report_path))]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)


def read_report(page, path: Path, fit_id: int, timeout: float = 10.0) -> dict:
    """The kernel's report of fit `fit_id` (waits for it to be written)."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        try:
            report = json.loads(Path(path).read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            report = None
        if report is not None and report["fit_id"] == fit_id:
            return report
        if time.monotonic() > deadline:
            raise AssertionError(f"the kernel reported {report}, not fit {fit_id}")
        page.wait_for_timeout(20)  # polling a file the kernel writes, not a page condition


def control(page, label: str):
    """A control of the widget by its accessible name ("slider a", "maxfev", ...)."""
    return page.locator(f"{ROOT} [aria-label='{label}']").first


def set_box(page, label: str, text: str) -> None:
    """Type into a box and press Enter (the settings open first, as a user would)."""
    box = control(page, label)
    if not box.is_visible():
        page.locator(f"{ROOT} .lmscope-settings > summary").first.click()
    box.fill(text)
    box.press("Enter")
    box.blur()


def press(page, command: str) -> None:
    page.locator(f"{ROOT} button[data-command='{command}']").first.click()


def assert_page_matches_kernel(page, report: dict) -> None:
    wait_attr(
        page,
        f"d.fitId === '{report['fit_id']}' && d.steps === '{report['steps']}'"
        f" && d.outcome === '{report['state']}'",
        timeout=10_000,
    )
    if report["steps"]:
        assert int(attr(page, "nfev")) == report["nfev"]
        assert float(attr(page, "fnorm")) == report["fnorm"]
    else:  # failed at x0: no record, no numbers
        assert attr(page, "nfev") == attr(page, "fnorm") == ""
    assert attr(page, "ier") == ("" if report["ier"] is None else str(report["ier"]))


def fit_id_now(page) -> int:
    return int(attr(page, "fit-id") or 0)


def wait_streaming(page, after: int) -> None:
    """A fit newer than fit `after` runs, and its records keep coming in."""
    wait_attr(page, f"Number(d.fitId) > {after} && d.outcome === 'running' && Number(d.steps) >= 2")
    seen = int(attr(page, "steps"))
    wait_attr(page, f"d.outcome === 'running' && Number(d.steps) > {seen}")


def drag_slider(page, label: str, pixels: float) -> None:
    """Move a slider with the mouse: press on its thumb and drag."""
    slider = control(page, label)
    slider.scroll_into_view_if_needed()
    box = slider.bounding_box()
    value = float(slider.input_value())
    x = box["x"] + box["width"] * value / 1000
    y = box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + pixels / 2, y, steps=3)
    page.mouse.move(x + pixels, y, steps=3)
    page.mouse.up()


def run_scenario(page, report_path: Path, shots: Path | None = None) -> None:
    """What every front end must do, from the page alone, checked against the
    kernel's report: the first fit; a slider moved by the mouse and one by the
    keyboard each start a fit that streams in; Stop gives `stopped` and ier -2;
    Step pauses (`paused`) and Fit runs on; maxfev ends in `failure`; a model
    that raises shows `error`.  With `shots`, the widget is photographed in
    each outcome (shots/outcome-NAME.png)."""

    def shoot(name: str) -> None:
        if shots is not None:
            page.locator(ROOT).first.screenshot(path=str(shots / f"outcome-{name}.png"))

    wait_fit_done(page)
    wait_panels_drawn(page)
    assert_page_matches_kernel(page, read_report(page, report_path, 1))
    shoot("success")

    set_box(page, "slow motion", "0.15")  # seconds per trial step: time to press Stop
    drag_slider(page, "slider a", 40)
    wait_streaming(page, 1)
    press(page, "stop")
    wait_attr(page, "d.outcome === 'stopped'", timeout=10_000)
    stopped = read_report(page, report_path, fit_id_now(page))
    assert stopped["ier"] == -2 and stopped["state"] == "stopped"
    assert stopped["x0"][0] > 1.0  # the drag moved a up
    assert_page_matches_kernel(page, stopped)
    shoot("stopped")

    slider = control(page, "slider k")
    slider.focus()
    slider.press("ArrowRight")
    wait_streaming(page, stopped["fit_id"])
    press(page, "stop")
    wait_attr(page, "d.outcome === 'stopped'", timeout=10_000)
    by_keyboard = read_report(page, report_path, fit_id_now(page))
    assert by_keyboard["x0"][1] > 0.5 and by_keyboard["ier"] == -2
    assert_page_matches_kernel(page, by_keyboard)

    press(page, "step")  # a fit paused at its starting point
    wait_attr(
        page,
        f"Number(d.fitId) > {by_keyboard['fit_id']} && d.outcome === 'paused' && d.steps === '1'",
    )
    press(page, "step")  # one more trial step, paused again
    wait_attr(page, "d.outcome === 'paused' && d.steps === '2'")
    shoot("paused")
    press(page, "fit")  # runs the paused fit on to its end
    wait_attr(page, "d.outcome === 'success'", timeout=30_000)
    stepped = read_report(page, report_path, fit_id_now(page))
    assert stepped["fit_id"] == by_keyboard["fit_id"] + 1 and stepped["state"] == "success"
    assert_page_matches_kernel(page, stepped)

    set_box(page, "slow motion", "0")
    set_box(page, "maxfev", "3")  # auto-fit: the change refits
    wait_attr(page, "d.outcome === 'failure'", timeout=20_000)
    failure = read_report(page, report_path, fit_id_now(page))
    assert failure["ier"] == 5 and failure["state"] == "failure"
    assert_page_matches_kernel(page, failure)
    assert "maxfev" in page.locator(f"{ROOT} .lmscope-status").first.text_content()
    shoot("failure")

    set_box(page, "maxfev", "0")
    wait_attr(page, "d.outcome === 'success'", timeout=20_000)
    set_box(page, "value of c", "6")  # the model raises there
    wait_attr(page, "d.outcome === 'error'", timeout=20_000)
    error = read_report(page, report_path, fit_id_now(page))
    assert error["state"] == "error" and error["ier"] is None
    assert_page_matches_kernel(page, error)
    status = page.locator(f"{ROOT} .lmscope-status").first.text_content()
    assert "ValueError" in status and "c > 5" in status
    assert page.locator(f"{ROOT} .lmscope-banner").first.is_visible()
    shoot("error")


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
          const root = {FIND_ROOT};
          if (!root) return false;
          const panels = [...root.querySelectorAll('.lmscope-panel[data-drawn]')];
          const names = new Set(panels.map((p) => p.dataset.panel));
          return {list(PANELS)!r}.every((name) => names.has(name))
            && panels.every((p) => Number(p.dataset.drawn) > 0);
        }}""",
        timeout=timeout,
    )


ENDED = "['success', 'failure', 'stopped', 'error'].includes(d.outcome)"


def wait_fit_done(page, timeout: float = 30_000) -> None:
    """Wait for the fit to end in success; any other outcome fails at once with
    the widget's status text instead of after the whole timeout."""
    wait_attr(page, ENDED, timeout=timeout)
    outcome = attr(page, "outcome")
    if outcome != "success":
        status = page.locator(f"{ROOT} .lmscope-status").first.text_content()
        raise AssertionError(f"the fit ended in {outcome!r}: {status}")
    wait_attr(page, "d.outcome === 'success' && Number(d.steps) > 1", timeout=timeout)
