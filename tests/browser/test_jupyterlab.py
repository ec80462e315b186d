"""FitWidget in a real JupyterLab, in Debian's chromium, driven by Playwright.

Every wait is on a data-* attribute the page mirrors (see _fitpage.py), never a
fixed sleep; the offline fixture (conftest.py) fails the test if anything left
the loopback.
"""

from __future__ import annotations

import json

import pytest
from _fitpage import (
    KERNEL_STATE,
    attr,
    run_in_kernel,
    wait_attr,
    wait_fit_done,
    wait_panels_drawn,
    write_notebook,
)

pytestmark = pytest.mark.browser


def test_fit_widget_in_jupyterlab(lab, page, artifacts):
    write_notebook(lab.root / "fit.ipynb")
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(lab.notebook_url("fit.ipynb"))
    # Attached and idle (the toolbar's indicator shows before a kernel is attached).
    page.wait_for_function(
        "() => [...document.querySelectorAll('.jp-StatusBar-Widget, .jp-StatusBar-TextItem')]"
        ".some((el) => /\\| Idle\\s*$/.test(el.textContent))",
        timeout=60_000,
    )
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")

    # 1. The first fit runs to its end and every panel draws.
    wait_fit_done(page)
    wait_panels_drawn(page)
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
    assert state["x0"][0] > first["x0"][0]  # the slider moved x0[0] up
    assert state["x"] == state["x_last"]  # stopped at the last accepted point
    wait_attr(page, f"d.steps === '{state['steps']}'", timeout=10_000)
    assert attr(page, "fit-id") == str(next_id)
    assert float(attr(page, "fnorm")) == state["fnorm"]
    assert int(attr(page, "nfev")) == state["nfev"]
    assert not errors, errors

    page.screenshot(path=str(artifacts / "jupyterlab.png"))
    widget.screenshot(path=str(artifacts / "widget.png"))
