"""The landscape panel's basin map in a real JupyterLab: the page switches to
it, it draws level by level, hover says what the start under the cursor did,
a click fits from that cell's start (the kernel's fit is the cell's), and a
slider moved while the map is computed starts its fit at once."""

from __future__ import annotations

import json
import re

import nbformat
import pytest
from _fitpage import (
    KERNEL_READY_JS,
    ROOT,
    attr,
    control,
    fit_id_now,
    run_in_kernel,
    wait_attr,
    wait_fit_done,
    wait_panels_drawn,
)

pytestmark = pytest.mark.browser

PANEL = f"{ROOT} .lmscope-panel[data-panel='landscape']"
LEGEND = f"{PANEL} .lmscope-basin-legend"

NOTEBOOK = """\
import json, time
import numpy as np
from lmscope.widget import FitWidget

SLEEP = {"seconds": 0.0}  # raised by the test: a map that takes seconds per level


def decay(x, a, k, c):
    time.sleep(SLEEP["seconds"])
    return a * np.exp(-k * x) + c


rng = np.random.default_rng(1)
xdata = np.linspace(0.0, 4.0, 40)
ydata = decay(xdata, 2.5, 1.3, 0.5) + 0.05 * rng.standard_normal(40)
w = FitWidget.curve(decay, xdata, ydata, p0=[1.0, 0.5, 0.2], sigma=np.full(40, 0.05))
w"""

# The kernel's map and fit, as JSON.
KERNEL_BASIN = """\
w.wait(30)
b = w.basin
x, cov, info, mesg, ier = w.result
print(json.dumps({"xi": b.get("xi"), "xj": b.get("xj"), "x": b.get("x"), "ier": b.get("ier"),
                  "nfev": b.get("nfev"), "label": b.get("label"), "final": b.get("final"),
                  "x0": w.x0.tolist(), "fit": {"x": x.tolist(), "ier": int(ier),
                  "nfev": int(info["nfev"])}, "view": w.landscape_view}))"""


def legend(page, name: str) -> str | None:
    return page.locator(LEGEND).first.get_attribute(f"data-{name}")


def wait_legend(page, condition: str, timeout: float = 60_000) -> None:
    page.wait_for_function(
        f'() => {{ const el = document.querySelector("{LEGEND}");'
        f" if (!el) return false; const d = el.dataset; return {condition}; }}",
        timeout=timeout,
    )


def test_basin_map_hover_click_and_sliders(lab, page, artifacts):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(NOTEBOOK)]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, lab.root / "basin.ipynb")
    errors = []
    page.on("pageerror", lambda exc: errors.append(f"{exc}\n{exc.stack}"))
    page.goto(lab.notebook_url("basin.ipynb"))
    page.wait_for_function(KERNEL_READY_JS, timeout=60_000)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    wait_fit_done(page)
    wait_panels_drawn(page)

    # A model that takes 10 ms a call: each level of the map takes seconds
    # (one call per round of the batch, hundreds of rounds), a fit a fraction.
    run_in_kernel(page, "w.wait(30, landscape=True)")  # the landscape, computed quickly
    run_in_kernel(page, 'SLEEP["seconds"] = 0.01')
    page.locator(f"{PANEL} select[aria-label='what the map shows']").select_option("basin")
    wait_legend(page, "d.level === '0' && Number(d.drawn) > 0")
    assert run_in_kernel(page, "print(w.landscape_view)").strip() == "basin"
    assert page.locator(f"{PANEL} .lmscope-colorbar").first.is_hidden()
    assert page.locator(LEGEND).first.is_visible()
    assert legend(page, "final") == "false"
    assert "refining" in page.locator(LEGEND).first.text_content()

    # The sliders stay responsive while the map refines: a key on slider k
    # starts a fit that streams in and ends before the map is done.
    before = fit_id_now(page)
    slider = control(page, "slider k")
    slider.focus()
    slider.press("ArrowRight")
    wait_attr(page, f"Number(d.fitId) > {before} && d.outcome === 'success'", timeout=20_000)
    assert legend(page, "final") == "false", "the map finished before the fit: not a test"
    page.locator(PANEL).first.screenshot(path=str(artifacts / "basin-refining.png"))

    # The finest level, drawn.
    run_in_kernel(page, 'SLEEP["seconds"] = 0.0')
    wait_legend(page, "d.final === 'true' && d.cells === '1024'", timeout=120_000)
    kernel = json.loads(run_in_kernel(page, KERNEL_BASIN))
    assert kernel["final"] and len(kernel["xi"]) == 32

    # Hover: the readout names the cell's start, where it ends, ier and nfev.
    over = page.locator(f"{PANEL} .u-over").first
    box = over.bounding_box()
    spot = (box["width"] * 0.3, box["height"] * 0.6)
    over.hover(position={"x": spot[0], "y": spot[1]})
    readout = page.locator(f"{PANEL} .lmscope-readout").first
    page.wait_for_function(
        f'() => document.querySelector("{PANEL} .lmscope-readout").textContent'
        ".startsWith('start ')"
    )
    text = readout.text_content()
    said = re.match(r"start a = (\S+), k = (\S+) → ", text)
    assert said, text
    nx = len(kernel["xi"])
    cells = [
        c
        for c in range(len(kernel["label"]))
        if f"{kernel['xi'][c % nx]:.5g}" == said[1] and f"{kernel['xj'][c // nx]:.5g}" == said[2]
    ]
    assert len(cells) == 1, (said.groups(), text)
    cell = cells[0]
    assert f"ier = {kernel['ier'][cell]}, {kernel['nfev'][cell]} evaluations" in text
    page.locator(PANEL).first.screenshot(path=str(artifacts / "basin-hover.png"))

    # Click: the next fit starts at that cell's start and ends where the cell says.
    before = fit_id_now(page)
    over.click(position={"x": spot[0], "y": spot[1]})
    wait_attr(page, f"Number(d.fitId) > {before} && d.outcome !== 'running'", timeout=20_000)
    after = json.loads(run_in_kernel(page, KERNEL_BASIN))
    assert after["x0"][:2] == [kernel["xi"][cell % nx], kernel["xj"][cell // nx]]
    assert after["fit"] == {
        "x": kernel["x"][cell],
        "ier": kernel["ier"][cell],
        "nfev": kernel["nfev"][cell],
    }
    assert attr(page, "ier") == str(kernel["ier"][cell])
    assert after["final"] and after["label"] == kernel["label"]  # a click keeps the map
    page.locator(PANEL).first.screenshot(path=str(artifacts / "basin-final.png"))
    assert not errors, errors
