"""The teaching notebooks: each runs on a fresh kernel without error (their
`assert` cells check what the text claims), and they are stored without
outputs.

The kernel is the `python3` kernelspec, run from notebooks/.  ipykernel
installed in the environment provides it, and jupyter_client starts it with
this interpreter (`sys.executable`); `test_kernel_is_this_python` checks that,
so the notebooks test the lmscope being tested.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbclient
import nbformat
import pytest

NOTEBOOKS_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
CELL_TIMEOUT = 120  # seconds per cell; each notebook takes a few seconds in all
KERNEL = "python3"

pytestmark = pytest.mark.notebooks


def _execute(nb):
    client = nbclient.NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name=KERNEL,
        resources={"metadata": {"path": str(NOTEBOOKS_DIR)}},
    )
    client.execute()
    return nb


def test_notebooks_found():
    assert len(NOTEBOOKS) == 8, [p.name for p in NOTEBOOKS]


def test_kernel_is_this_python():
    nb = nbformat.v4.new_notebook()
    nb.cells.append(
        nbformat.v4.new_code_cell(
            "import sys, os, lmscope; print(sys.executable); print(os.getcwd()); "
            "print(lmscope.__file__)"
        )
    )
    out = _execute(nb).cells[0].outputs[0]["text"].split("\n")
    executable, cwd, lmscope_file = out[0], out[1], out[2]
    assert Path(executable).resolve() == Path(sys.executable).resolve(), (
        f"the {KERNEL!r} kernel runs {executable}, not this interpreter {sys.executable}; "
        f"install ipykernel here (pip install -e '.[test]') or run "
        f"`{sys.executable} -m ipykernel install --sys-prefix`"
    )
    assert Path(cwd).resolve() == NOTEBOOKS_DIR
    import lmscope

    assert Path(lmscope_file).resolve() == Path(lmscope.__file__).resolve()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path):
    nb = nbformat.read(path, as_version=4)
    # CellExecutionError (a failed assert included) fails the test with the cell and traceback.
    _execute(nb)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == KERNEL
    dirty = [
        i
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        and (cell.get("outputs") or cell.get("execution_count") is not None)
    ]
    assert not dirty, (
        f"{path.name}: code cells {dirty} have outputs or execution counts; "
        f"clear them before committing"
    )
