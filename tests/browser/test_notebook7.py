"""FitWidget in a real Jupyter Notebook 7, in Debian's chromium, driven by Playwright.

Runs the notebook from the real menu (Run → Run All Cells); every wait is on a
data-* attribute the page mirrors (see _fitpage.py), never a fixed sleep; the
offline fixture (conftest.py) fails the test if anything left the loopback.
"""

from __future__ import annotations

import json

import pytest
from _fitpage import (
    KERNEL_READY_JS,
    KERNEL_STATE,
    attr,
    run_in_kernel,
    run_scenario,
    wait_attr,
    wait_fit_done,
    wait_panels_drawn,
    write_notebook,
)

pytestmark = pytest.mark.browser


def is_known_notebook_error(exc) -> bool:
    """Notebook 7.6.5 throws this at startup from its own bundle, on any page
    (also /tree, with no notebook open, with or without the quiet flags): its
    shortcuts plugin reads `plugins[id].schema` of a settings plugin it never
    loaded. Not the widget's; anything else still fails the test."""
    stack = exc.stack or ""
    return (
        exc.message == "Cannot read properties of undefined (reading 'schema')"
        and "/static/notebook/notebook_core." in stack
        and "lmscope" not in stack
        and "anywidget" not in stack
    )


def test_fit_widget_in_notebook7(notebook, page, artifacts, tmp_path):
    report = tmp_path / "report.json"
    write_notebook(notebook.root / "fit.ipynb", report)
    errors = []
    page.on(
        "pageerror",
        lambda exc: None if is_known_notebook_error(exc) else errors.append(f"{exc}\n{exc.stack}"),
    )
    page.goto(notebook.notebook_url("fit.ipynb"))
    page.wait_for_function(KERNEL_READY_JS, timeout=60_000)
    assert page.evaluate("() => window.jupyterapp.name") == "Jupyter Notebook"

    # Run → Run All Cells ("Run All Cells" exactly: not "Restart Kernel and Run All Cells…").
    page.locator(".lm-MenuBar-itemLabel:text-is('Run')").click()
    page.locator(".lm-Menu-itemLabel:text-is('Run All Cells')").click()

    wait_fit_done(page)
    wait_panels_drawn(page)

    state = json.loads(run_in_kernel(page, KERNEL_STATE))
    assert state["state"] == "success" and state["fit_id"] == 1
    # The last update may still be on its way after the kernel answered: wait for it.
    wait_attr(
        page, f"d.fitId === '{state['fit_id']}' && d.steps === '{state['steps']}'", timeout=10_000
    )
    assert int(attr(page, "steps")) == state["steps"]
    assert float(attr(page, "fnorm")) == state["fnorm"]
    # The same controls, outcomes and stream as in JupyterLab.
    run_scenario(page, report)
    assert not errors, errors

    page.screenshot(path=str(artifacts / "notebook7.png"))
