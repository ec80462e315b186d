"""FitWidget in a real JupyterLab, in Debian's chromium, driven by Playwright.

Every wait is on a data-* attribute the page mirrors (see _fitpage.py), never a
fixed sleep; the offline fixture (conftest.py) fails the test if anything left
the loopback.  The screenshots of the whole widget in the README are written
by these tests (tests/browser/screenshot-*.png).
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from _fitpage import (
    KERNEL_READY_JS,
    KERNEL_STATE,
    REPORT,
    ROOT,
    attr,
    run_in_kernel,
    run_scenario,
    wait_attr,
    wait_fit_done,
    wait_panels_drawn,
    write_notebook,
)

pytestmark = pytest.mark.browser
HERE = Path(__file__).resolve().parent


def open_and_run(lab, page, name: str) -> list[str]:
    errors = []
    page.on("pageerror", lambda exc: errors.append(f"{exc}\n{exc.stack}"))
    page.goto(lab.notebook_url(name))
    page.wait_for_function(KERNEL_READY_JS, timeout=60_000)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    return errors


def test_fit_widget_in_jupyterlab(lab, page, artifacts, tmp_path):
    report = tmp_path / "report.json"
    write_notebook(lab.root / "fit.ipynb", report)
    errors = open_and_run(lab, page, "fit.ipynb")
    wait_fit_done(page)
    wait_panels_drawn(page)
    first = json.loads(run_in_kernel(page, KERNEL_STATE))
    # Drawing the sliders did not nudge x0 (and so start another fit).
    assert first["fit_id"] == 1 and first["x0"] == [1.0, 0.5, 0.2]
    # The controls are the widget's own, real form elements named by parameter.
    for name in ("a", "k", "c"):
        for label in (
            f"slider {name}",
            f"value of {name}",
            f"minimum of {name}",
            f"maximum of {name}",
            f"log scale of {name}",
        ):
            assert page.locator(f"{ROOT} [aria-label='{label}']").count() == 1, label
    assert page.locator(f"{ROOT} .widget-slider, {ROOT} .jupyter-widgets").count() == 0

    run_scenario(page, report, shots=artifacts)
    # The kernel's own objects agree with what the page shows.
    state = json.loads(run_in_kernel(page, KERNEL_STATE))
    assert state["state"] == "error" and attr(page, "outcome") == "error"
    run_in_kernel(page, "w.x0 = [1.0, 0.5, 0.2]")
    wait_attr(page, "d.outcome === 'success'")
    state = json.loads(run_in_kernel(page, KERNEL_STATE))
    wait_attr(page, f"d.fitId === '{state['fit_id']}' && d.steps === '{state['steps']}'")
    assert float(attr(page, "fnorm")) == state["fnorm"] and int(attr(page, "ier")) == state["ier"]

    # A theme switch redraws the plots at once (canvas colours follow the theme).
    curve = page.locator(f"{ROOT} .lmscope-panel[data-panel='curve']").first
    drawn = int(curve.get_attribute("data-drawn"))
    page.evaluate(
        "() => window.jupyterapp.commands.execute('apputils:change-theme',"
        " {theme: 'JupyterLab Dark'})"
    )
    page.wait_for_function(
        f"() => Number(document.querySelector(\"{ROOT} .lmscope-panel[data-panel='curve']\")"
        f".dataset.drawn) > {drawn} && document.body.dataset.jpThemeLight === 'false'",
        timeout=10_000,
    )
    # JupyterLab shows a splash screen during a theme change and removes it 200 ms
    # later; a second change before that makes it remove the splash twice.
    no_splash = "() => !document.getElementById('jupyterlab-splash')"
    page.wait_for_function(no_splash)
    page.evaluate(
        "() => window.jupyterapp.commands.execute('apputils:change-theme',"
        " {theme: 'JupyterLab Light'})"
    )
    page.wait_for_function("() => document.body.dataset.jpThemeLight === 'true'")
    page.wait_for_function(no_splash)

    # The teaching panels as tabs: one at a time, the one picked.
    page.locator(f"{ROOT} select[aria-label='teaching panels as']").select_option("tabs")
    wait_attr(page, "d.panels === 'tabs'")
    visible = f"{ROOT} .lmscope-grid > .lmscope-panel:visible"
    assert page.locator(visible).count() == 1
    page.locator(f"{ROOT} button[data-tab='ratio']").click()
    page.wait_for_function(
        f"() => document.querySelector(\"{ROOT} .lmscope-panel[data-panel='ratio']\")"
        ".offsetParent !== null"
    )
    assert run_in_kernel(page, "print(w.panels)").strip() == "tabs"

    # A reloaded page redraws the live widget from its traits and a replay.
    page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
    page.wait_for_function("() => !document.querySelector('.jp-mod-dirty')", timeout=10_000)
    page.reload()
    page.wait_for_function(KERNEL_READY_JS, timeout=60_000)
    wait_attr(
        page,
        f"d.fitId === '{state['fit_id']}' && d.steps === '{state['steps']}'"
        " && d.outcome === 'success' && d.panels === 'tabs'",
    )
    assert float(attr(page, "fnorm")) == state["fnorm"]
    assert int(attr(page, "replays")) >= 1
    assert not errors, errors
    page.screenshot(path=str(artifacts / "jupyterlab.png"))


FOUR = (
    """\
import numpy as np
from lmscope.widget import FitWidget


def peak(x, height, centre, width, base):
    return height * np.exp(-0.5 * ((x - centre) / width) ** 2) + base


rng = np.random.default_rng(3)
xdata = np.linspace(0.0, 10.0, 120)
ydata = peak(xdata, 3.0, 4.0, 1.2, 0.5) + 0.1 * rng.standard_normal(xdata.size)
w = FitWidget.curve(peak, xdata, ydata, p0=[2.0, 5.0, 1.0, 0.0])
"""
    + REPORT
    + """
w"""
)

INSIDE_VIEWPORT_JS = """(root) => {
  const r = document.querySelector(root);
  const rect = (el) => el.getBoundingClientRect();
  const inside = (b) => b.top >= 0 && b.left >= 0 && b.bottom <= innerHeight
    && b.right <= innerWidth && b.width > 0 && b.height > 0;
  const sliders = [...r.querySelectorAll("input[type=range]")].map(rect);
  const plot = rect(r.querySelector(".lmscope-panel[data-panel='curve'] canvas"));
  return { sliders: sliders.map((b) => [inside(b), Math.round(b.width)]), plot: inside(plot),
           narrow: r.dataset.narrow };
}"""


def four_parameter_notebook(lab, tmp_path, name):
    nb = nbformat.v4.new_notebook()
    code = FOUR.replace("__REPORT_PATH__", repr(str(tmp_path / "report.json")))
    nb.cells = [nbformat.v4.new_code_cell(code)]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, lab.root / name)


def test_cockpit_every_slider_and_the_plot_in_sight(lab, page, artifacts, tmp_path):
    """At 1280 x 800 with the file browser open and the widget scrolled to the
    top of the notebook area, every slider of a 4-parameter fit and the
    data-and-model plot are inside the viewport at once; narrower, the widget
    goes to one column with sliders of at least 200 px."""
    page.set_viewport_size({"width": 1280, "height": 800})
    four_parameter_notebook(lab, tmp_path, "four.ipynb")
    errors = open_and_run(lab, page, "four.ipynb")
    wait_fit_done(page)
    wait_panels_drawn(page)
    page.evaluate("() => window.jupyterapp.shell.activateById('filebrowser')")
    page.wait_for_function(
        "() => { const fb = document.getElementById('filebrowser');"
        " return fb && fb.getBoundingClientRect().width > 150; }"
    )

    def look(width: int, height: int, shot: Path) -> dict:
        page.set_viewport_size({"width": width, "height": height})
        page.evaluate(f"() => document.querySelector('{ROOT}').scrollIntoView({{block: 'start'}})")
        page.wait_for_function(  # the layout has followed the new width
            f"() => {{ const r = document.querySelector('{ROOT}');"
            f" return r.dataset.narrow === String(r.clientWidth < 640); }}"
        )
        page.wait_for_timeout(100)  # one animation frame for the charts' resize
        page.screenshot(path=str(shot))
        return page.evaluate(INSIDE_VIEWPORT_JS, ROOT)

    wide = look(1280, 800, artifacts / "cockpit-1280x800.png")
    assert len(wide["sliders"]) == 4 and wide["narrow"] == "false", wide
    assert all(inside for inside, _ in wide["sliders"]) and wide["plot"], wide
    assert all(width >= 200 for _, width in wide["sliders"]), wide

    narrow = look(900, 800, artifacts / "cockpit-900.png")
    assert narrow["narrow"] == "true", narrow
    assert all(width >= 200 for _, width in narrow["sliders"]), narrow

    # The README's pictures: the whole widget, at the cockpit's width and narrow
    # (a viewport tall enough that nothing of it is scrolled away).
    for width, name in ((1280, "screenshot-jupyterlab.png"), (900, "screenshot-narrow.png")):
        look(width, 2600, artifacts / f"tall-{width}.png")
        page.locator(ROOT).first.screenshot(path=str(HERE / name))
    assert not errors, errors
