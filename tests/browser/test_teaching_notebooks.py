"""The teaching notebooks that show the widget, opened and run in JupyterLab:
every cell runs, and every widget they display draws its panels, with its
fit's final point on its cost landscape. Notebook 1 also shows 200,000 points
(drawn as one band, read back from the canvas) and a circle fit drawing its
circle; notebook 2 leaves a widget paused for a student to step, and a Step
pressed in the page says why that trial was rejected.

This is the notebooks' other test: tests/test_notebooks.py executes them
headless (nbclient), where no page draws anything.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
from _fitpage import KERNEL_READY_JS, PANELS, ROOT

pytestmark = pytest.mark.browser

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
# Each notebook, and how its widgets end up after Run All.
WIDGET_NOTEBOOKS = {
    "01-quick-start.ipynb": "success",
    "02-how-lm-moves.ipynb": "paused",
    "05-tuning-initial-guesses.ipynb": "success",
}

# Per column of the curve panel's canvas, the runs of band-grey pixels at least
# MIN_RUN tall (gaps up to MAX_GAP, where the model line crosses, stay in one run).
BAND_RUNS_JS = """(canvas) => {
  const { width, height } = canvas;
  const pixels = canvas.getContext("2d").getImageData(0, 0, width, height).data;
  const grey = (x, y) => {
    const k = 4 * (y * width + x);
    const [r, g, b, a] = [pixels[k], pixels[k + 1], pixels[k + 2], pixels[k + 3]];
    return a > 0 && Math.abs(r - g) < 14 && Math.abs(g - b) < 14 && r >= 60 && r <= 232;
  };
  const MIN_RUN = 6, MAX_GAP = 4;
  const runs = [];
  for (let x = Math.floor(width * 0.25); x < Math.floor(width * 0.85); x++) {
    let count = 0, length = 0, gap = MAX_GAP + 1;
    for (let y = 0; y < height; y++) {
      if (grey(x, y)) {
        if (gap > MAX_GAP) length = 0;
        length += gap <= MAX_GAP ? gap + 1 : 1;
        gap = 0;
        if (length === MIN_RUN) count++;
      } else gap++;
    }
    runs.push(count);
  }
  return runs;
}"""

# Pixels of a colour (within a tolerance) on a canvas.
COLOUR_PIXELS_JS = """(canvas, rgb) => {
  const { width, height } = canvas;
  const pixels = canvas.getContext("2d").getImageData(0, 0, width, height).data;
  let n = 0;
  for (let k = 0; k < pixels.length; k += 4) {
    const d = Math.abs(pixels[k] - rgb[0]) + Math.abs(pixels[k + 1] - rgb[1])
      + Math.abs(pixels[k + 2] - rgb[2]);
    if (d < 60) n++;
  }
  return n;
}"""


def open_and_run_all(lab, page, name: str) -> list[str]:
    shutil.copy(NOTEBOOKS / name, lab.root / name)
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    code_cells = sum(cell.cell_type == "code" for cell in nb.cells)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(lab.notebook_url(name))
    page.wait_for_function(KERNEL_READY_JS, timeout=60_000)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    # Every code cell ran: an error would stop the queue, leaving later cells
    # without an execution count.
    page.wait_for_function(
        """(expected) => {
          const prompts = [...document.querySelectorAll(
            '.jp-NotebookPanel .jp-CodeCell .jp-InputArea-prompt')]
            .map((p) => p.textContent.trim());
          return prompts.length === expected && prompts.every((p) => /^\\[\\d+\\]:$/.test(p));
        }""",
        arg=code_cells,
        timeout=120_000,
    )
    # JupyterLab renders a raised exception as stderr text with its traceback.
    tracebacks = page.locator(
        ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']",
        has_text="Traceback",
    )
    assert tracebacks.count() == 0, tracebacks.first.text_content()
    return errors


@pytest.mark.parametrize("name", WIDGET_NOTEBOOKS)
def test_teaching_notebook_runs_in_jupyterlab_with_live_widgets(name, lab, page, artifacts):
    errors = open_and_run_all(lab, page, name)
    # Every widget on the page reached its state and drew all its panels; where a
    # landscape is drawn, the fit's last point is on it (the map grew to contain it).
    widgets = page.locator(ROOT)
    assert widgets.count() >= 1
    page.wait_for_function(
        f"""([panels, outcome]) => [...document.querySelectorAll('{ROOT}')].every((root) => {{
          const drawn = [...root.querySelectorAll('.lmscope-panel[data-drawn]')]
            .filter((p) => Number(p.dataset.drawn) > 0).map((p) => p.dataset.panel);
          const land = root.querySelector('.lmscope-panel[data-panel=landscape]');
          const d = land.dataset;
          const onMap = d.placeholder !== undefined || (d.finalInside === 'true'
            && d.pathFit === root.dataset.fitId && d.pathSteps === root.dataset.steps);
          return root.dataset.outcome === outcome && onMap
            && panels.every((p) => drawn.includes(p));
        }})""",
        arg=[list(PANELS), WIDGET_NOTEBOOKS[name]],
        timeout=60_000,
    )
    assert not errors, errors
    # Each drawn landscape says which slice it is.
    for k in range(widgets.count()):
        land = widgets.nth(k).locator(".lmscope-panel[data-panel=landscape]")
        if land.get_attribute("data-placeholder") is None:
            assert "cost over" in land.locator(".lmscope-slice").text_content().lower()
    widgets.last.screenshot(path=str(artifacts / f"{Path(name).stem}.png"))
    if name.startswith("01"):
        check_dense_band_and_circle(page, artifacts)
    if name.startswith("02"):
        check_a_student_steps(page, artifacts)


def check_dense_band_and_circle(page, artifacts) -> None:
    dense = page.locator(f"{ROOT}:has(.lmscope-panel[data-panel=curve][data-band-bins='400'])")
    assert dense.count() == 1
    curve = dense.locator(".lmscope-panel[data-panel=curve]")
    assert "200,000 points, drawn as a band" in curve.locator(".lmscope-note").text_content()
    curve.scroll_into_view_if_needed()
    dense.screenshot(path=str(artifacts / "dense-band.png"))
    runs = curve.locator("canvas").first.evaluate(BAND_RUNS_JS)
    # One band: in (almost) every column one tall grey run, never two rows.
    assert sum(r == 1 for r in runs) >= 0.9 * len(runs), runs
    assert max(runs) <= 1 or sum(r > 1 for r in runs) <= 0.02 * len(runs), runs

    circle = page.locator(f"{ROOT}:has(.lmscope-panel[data-panel=curve][data-drawn-series='2'])")
    assert circle.count() == 1
    drawing = circle.locator(".lmscope-drawing canvas").first
    drawing.scroll_into_view_if_needed()
    circle.screenshot(path=str(artifacts / "circle-drawing.png"))
    legend = circle.locator(".lmscope-drawing-legend").text_content()
    assert "points" in legend and "fitted circle" in legend
    points = drawing.evaluate(COLOUR_PIXELS_JS, [0x3B, 0x7D, 0xD8])
    ring = drawing.evaluate(COLOUR_PIXELS_JS, [0xE0, 0x8A, 0x1E])
    assert points > 200 and ring > 300, (points, ring)


def check_a_student_steps(page, artifacts) -> None:
    root = page.locator(ROOT).last
    why = root.locator(".lmscope-panel[data-panel=ratio] .lmscope-why")
    assert "starting point" in why.text_content()
    help_marks = root.locator(".lmscope-help")
    assert help_marks.count() == 3
    titles = " ".join(help_marks.nth(k).get_attribute("title") for k in range(3))
    for word in ("‖f‖", "Δ", "λ", "ρ"):
        assert word in titles
    root.locator("button[data-command='step']").click()
    page.wait_for_function(
        f"() => [...document.querySelectorAll('{ROOT}')].at(-1).dataset.steps === '2'"
    )
    # The first trial from Rosenbrock's start is the full Gauss-Newton step: rejected.
    page.wait_for_function(
        "(el) => el.textContent.includes('step 1') && el.textContent.includes('rejected')",
        arg=why.element_handle(),
    )
    assert "Δ shrinks and λ grows" in why.text_content()
    root.screenshot(path=str(artifacts / "02-stepped.png"))
