"""The teaching notebooks that show the widget, opened and run in JupyterLab:
every cell runs, and every widget they display fits and draws its panels.

This is the notebooks' other test: tests/test_notebooks.py executes them
headless (nbclient), where no page draws anything.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from _fitpage import KERNEL_READY_JS, PANELS, ROOT

pytestmark = pytest.mark.browser

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
WIDGET_NOTEBOOKS = ["01-quick-start.ipynb", "05-tuning-initial-guesses.ipynb"]


def copy_without_closing_widgets(source: Path, target: Path) -> None:
    """The notebooks end by closing their widgets (which removes them from the
    page); the copy keeps them open so the test can look at them."""
    nb = nbformat.read(source, as_version=4)
    nb.cells = [
        cell for cell in nb.cells if not (cell.cell_type == "code" and ".close()" in cell.source)
    ]
    nbformat.write(nb, target)


@pytest.mark.parametrize("name", WIDGET_NOTEBOOKS)
def test_teaching_notebook_runs_in_jupyterlab_with_live_widgets(name, lab, page, artifacts):
    source = NOTEBOOKS / name
    nb = nbformat.read(source, as_version=4)
    code_cells = sum(
        cell.cell_type == "code" and ".close()" not in cell.source for cell in nb.cells
    )
    copy_without_closing_widgets(source, lab.root / name)
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

    # Every widget on the page finished a fit and drew all its panels.
    widgets = page.locator(ROOT)
    assert widgets.count() >= 1
    page.wait_for_function(
        f"""(panels) => [...document.querySelectorAll('{ROOT}')].every((root) => {{
          const drawn = [...root.querySelectorAll('.lmscope-panel[data-drawn]')]
            .filter((p) => Number(p.dataset.drawn) > 0).map((p) => p.dataset.panel);
          return root.dataset.outcome === 'success' && panels.every((name) => drawn.includes(name));
        }})""",
        arg=list(PANELS),
        timeout=60_000,
    )
    assert not errors, errors
    widgets.last.screenshot(path=str(artifacts / f"{Path(name).stem}.png"))
