"""`python -m lmscope demo` and `python -m lmscope lab`: README's main job."""

import subprocess
import sys
from pathlib import Path

import numpy as np

from lmscope import __main__ as cli

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def test_demo_prints_every_trial_step_and_writes_the_trace_plot(tmp_path):
    png = tmp_path / "trace.png"
    result = subprocess.run(
        [sys.executable, "-m", "lmscope", "demo", "--png", str(png)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    steps = [line for line in lines if line.rstrip().endswith(("accepted", "rejected"))]
    assert any(line.rstrip().endswith("rejected") for line in steps)
    assert any(line.startswith("ier = 1") for line in lines)
    assert png.read_bytes().startswith(b"\x89PNG")
    # The printed trial steps are the fit's: one line per record after the start.
    residuals, x0, _ = cli._demo_problem()
    import lmscope

    trace = lmscope.Trace()
    lmscope.leastsq(residuals, x0, trace=trace)
    assert len(steps) == len(trace) - 1
    assert np.isclose(float(steps[-1].split()[2]), trace.fnorm_trial[-1], rtol=1e-5)


def test_lab_opens_the_first_notebook_offline(monkeypatch):
    launched = []
    monkeypatch.setattr(cli.subprocess, "call", lambda argv: launched.append(argv) or 0)
    assert cli.main(["lab", "--notebooks", str(NOTEBOOKS), "--no-browser"]) == 0
    argv = launched[0]
    assert "--no-browser" in argv  # JupyterLab's own options pass through
    assert argv[:3] == [sys.executable, "-m", "jupyterlab"]
    assert argv[-1] == str(NOTEBOOKS / "01-quick-start.ipynb")
    assert f"--ServerApp.root_dir={NOTEBOOKS}" in argv
    assert "--LabApp.news_url=None" in argv


def test_lab_without_notebooks_says_where_to_run_it(tmp_path, capsys):
    assert cli.main(["lab", "--notebooks", str(tmp_path)]) == 2
    assert "project's root" in capsys.readouterr().err
