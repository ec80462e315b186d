"""Fixed parameters, limits, the error table, Copy code and the slider of a
nanosecond parameter, driven from the page in a real JupyterLab.

Every wait is on a data-* attribute the page mirrors or on the kernel's own
state (see _fitpage.py), never a fixed sleep."""

from __future__ import annotations

import json

import nbformat
import pytest
from _fitpage import (
    KERNEL_READY_JS,
    KERNEL_STATE,
    ROOT,
    control,
    run_in_kernel,
    set_box,
    wait_attr,
    wait_fit_done,
    write_notebook,
)

pytestmark = pytest.mark.browser


def open_notebook(lab, page, name: str) -> list[str]:
    errors = []
    page.on("pageerror", lambda exc: errors.append(f"{exc}\n{exc.stack}"))
    page.goto(lab.notebook_url(name))
    page.wait_for_function(KERNEL_READY_JS, timeout=60_000)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    return errors


def kernel_state(page) -> dict:
    return json.loads(run_in_kernel(page, KERNEL_STATE))


def wait_next_fit(page, fit_id: int) -> dict:
    """Wait until a fit after `fit_id` ended in the page and in the kernel."""
    wait_attr(page, f"Number(d.fitId) > {fit_id} && d.outcome === 'success'")
    return kernel_state(page)


def test_fix_limits_errors_and_copy_code_from_the_page(lab, page, artifacts, tmp_path):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=lab.url)
    write_notebook(lab.root / "options.ipynb", tmp_path / "report.json")
    errors = open_notebook(lab, page, "options.ipynb")
    wait_fit_done(page)
    first = kernel_state(page)

    # The table shows the kernel's errors and says how they are scaled.
    page.wait_for_function(
        f"() => document.querySelector('{ROOT} .lmscope-fit-stats')"
        ".textContent.includes('scaled by χ²/dof')"
    )
    errs = json.loads(run_in_kernel(page, "print(json.dumps(w.summary['stderr']))"))
    shown = page.locator(f"{ROOT} .lmscope-param-table td.lmscope-stderr").all_text_contents()
    assert [float(s.replace("± ", "")) for s in shown] == pytest.approx(errs, rel=2e-3)

    # The scaling switch in the table: errors from sigma as given, the kernel's own.
    control(page, "errors from absolute sigma").check()
    page.wait_for_function(
        f"() => document.querySelector('{ROOT} .lmscope-fit-stats')"
        ".textContent.includes('absolute σ')"
    )
    absolute = json.loads(
        run_in_kernel(page, "print(json.dumps([w.absolute_sigma, w.summary['stderr']]))")
    )
    assert absolute[0] is True and absolute[1] != errs
    shown = page.locator(f"{ROOT} .lmscope-param-table td.lmscope-stderr").all_text_contents()
    assert [float(s.replace("± ", "")) for s in shown] == pytest.approx(absolute[1], rel=2e-3)
    control(page, "errors from absolute sigma").uncheck()
    page.wait_for_function(
        f"() => document.querySelector('{ROOT} .lmscope-fit-stats')"
        ".textContent.includes('scaled by χ²/dof')"
    )

    # Fix toggled in the page: k is held at its slider value, the others refit.
    control(page, "fix k").check()
    fixed = wait_next_fit(page, first["fit_id"])
    assert fixed["x"][1] == fixed["x0"][1] == first["x0"][1]
    assert fixed["x"][0] != first["x"][0]
    assert run_in_kernel(page, "print(w.fixed)").strip() == "[False, True, False]"
    row_k = page.locator(f"{ROOT} .lmscope-param-table tbody tr").nth(1)
    assert "fixed" in row_k.text_content()

    # A limit typed in the page holds the parameter inside it.
    set_box(page, "lower limit of c", "0.1")
    limited = wait_next_fit(page, fixed["fit_id"])
    assert fixed["x"][2] < 0.1 <= limited["x"][2]
    assert run_in_kernel(page, "print(w.bounds[2])").strip() == "[0.1, None]"
    assert control(page, "lower limit of c").input_value() == "0.1"
    assert control(page, "upper limit of c").input_value() == ""

    # Copy code puts the script on the clipboard; run in the kernel, it repeats
    # w.result bit for bit.
    page.locator(f"{ROOT} button.lmscope-copy-code").click()
    page.wait_for_function(
        f"() => document.querySelector('{ROOT} .lmscope-copied').textContent === 'copied'"
    )
    script = page.evaluate("() => navigator.clipboard.readText()")
    assert "bounds=(lb[free], ub[free])" in script
    assert "reduced_model, xdata, ydata, p0=p0[free]" in script  # the notebook's own names
    run_in_kernel(page, f"SCRIPT = {script!r}")
    same = run_in_kernel(
        page,
        "ns = {'decay': decay, 'xdata': xdata, 'ydata': ydata, 'sigma': np.full(40, 0.05)}\n"
        "exec(SCRIPT, ns)\n"
        "print('SAME', np.array_equal(ns['popt'], w.result[0]),"
        " np.array_equal(ns['infodict']['fvec'], w.result[2]['fvec']), SCRIPT == w.code)",
    )
    assert same.split("SAME")[-1].split()[:3] == ["True", "True", "True"]

    # Where the clipboard is not available, the script shows in a box to copy.
    page.evaluate("() => Object.defineProperty(navigator, 'clipboard', {value: undefined})")
    page.locator(f"{ROOT} button.lmscope-copy-code").click()
    box = page.locator(f"{ROOT} textarea[aria-label='the fit as a script']")
    box.wait_for(state="visible")
    assert box.input_value() == script
    page.locator(ROOT).first.screenshot(path=str(artifacts / "fit-options.png"))

    # The run list: restoring the first fit puts its start back, and it runs again.
    page.locator(f"{ROOT} .lmscope-runs > summary").click()
    page.locator(f"{ROOT} [aria-label='restore fit {first['fit_id']}']").click()
    again = wait_next_fit(page, limited["fit_id"])
    assert again["x0"] == first["x0"] and again["x"] == first["x"]
    assert run_in_kernel(page, "print(w.fixed, w.bounds[2])").strip() == (
        "[False, False, False] [None, None]"
    )
    assert not control(page, "fix k").is_checked()
    assert not errors, errors


NANO = """\
import json

import numpy as np
from lmscope.widget import FitWidget


def decay(t, a, tau):
    with np.errstate(divide="ignore", invalid="ignore"):
        return a * np.exp(-t / tau)


t = np.linspace(0.0, 5e-9, 60)
y = decay(t, 3.0, 1.2e-9)
w = FitWidget.curve(decay, t, y, p0=[2.0, 1e-9])
w"""


def test_a_nanosecond_parameter_gets_a_usable_slider(lab, page, artifacts):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(NANO)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nbformat.write(nb, lab.root / "nano.ipynb")
    errors = open_notebook(lab, page, "nano.ipynb")
    wait_fit_done(page)
    first = kernel_state(page)
    assert first["x"][1] == pytest.approx(1.2e-9, rel=1e-6)
    # The smallest keyboard step of tau's slider moves it by a small fraction.
    slider = control(page, "slider tau")
    slider.focus()
    slider.press("ArrowRight")
    wait_attr(page, f"Number(d.fitId) > {first['fit_id']} && d.outcome === 'success'")
    x0 = kernel_state(page)["x0"]
    assert 0 < abs(x0[1] - 1e-9) / 1e-9 <= 0.01
    # The boxes show the whole numbers, readable at this magnitude.
    assert control(page, "value of tau").input_value() == f"{x0[1]:.6g}".replace("e-0", "e-")
    assert control(page, "maximum of tau").input_value() == "2e-9"
    page.locator(ROOT).first.screenshot(path=str(artifacts / "nano.png"))
    assert not errors, errors


def test_compare_draws_an_earlier_runs_path_and_norms(lab, page, artifacts, tmp_path):
    write_notebook(lab.root / "compare.ipynb", tmp_path / "report.json")
    errors = open_notebook(lab, page, "compare.ipynb")
    wait_fit_done(page)
    first = kernel_state(page)
    run_in_kernel(page, "w.x0 = [1.5, 1.5, 0.1]")
    wait_next_fit(page, first["fit_id"])
    steps = int(run_in_kernel(page, "print(len(w.history[0]['trace']))"))

    page.locator(f"{ROOT} .lmscope-runs > summary").click()
    control(page, f"compare run {first['fit_id']}").check()
    fnorm = f"{ROOT} [data-panel='fnorm']"
    landscape = f"{ROOT} [data-panel='landscape']"
    page.wait_for_function(
        f"() => document.querySelector(\"{fnorm}\").dataset.compared === '{first['fit_id']}'"
        f" && document.querySelector(\"{landscape}\").dataset.compared === '{first['fit_id']}'"
    )
    assert page.locator(fnorm).get_attribute("data-compared-steps") == str(steps)
    legend = page.locator(f"{fnorm} .u-series:not([hidden]) .u-label").all_text_contents()
    assert f"fit {first['fit_id']} (compared) ‖f(x)‖ (dashed)" in legend
    assert (
        f"fit {first['fit_id']} (compared)"
        in page.locator(f"{landscape} .lmscope-compare-legend").text_content()
    )
    page.locator(ROOT).first.screenshot(path=str(artifacts / "compare.png"))
    page.locator(landscape).screenshot(path=str(artifacts / "compare-landscape.png"))

    # Un-toggled, the run is no longer drawn.
    control(page, f"compare run {first['fit_id']}").uncheck()
    page.wait_for_function(
        f"() => document.querySelector(\"{fnorm}\").dataset.compared === ''"
        f" && document.querySelector(\"{landscape}\").dataset.compared === ''"
    )
    assert not errors, errors
