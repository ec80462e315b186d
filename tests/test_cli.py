"""`python -m lmscope demo` and `python -m lmscope lab`: README's main job."""

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
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
    monkeypatch.setattr(cli.subprocess, "call", lambda argv, env: launched.append((argv, env)) or 0)
    assert cli.main(["lab", "--notebooks", str(NOTEBOOKS), "--no-browser"]) == 0
    argv, env = launched[0]
    assert env["JUPYTER_CONFIG_PATH"].split(os.pathsep)[0] == str(cli.LAB_CONFIG)
    assert "--no-browser" in argv  # JupyterLab's own options pass through
    assert argv[:3] == [sys.executable, "-m", "jupyterlab"]
    assert argv[-1] == str(NOTEBOOKS / "01-quick-start.ipynb")
    assert f"--ServerApp.root_dir={NOTEBOOKS}" in argv
    assert "--LabApp.news_url=None" in argv


def test_lab_without_notebooks_says_where_to_run_it(tmp_path, capsys):
    assert cli.main(["lab", "--notebooks", str(tmp_path)]) == 2
    assert "project's root" in capsys.readouterr().err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_lab_serves_jupyterlab_without_the_news_toast(tmp_path):
    """The real `lmscope lab` server: its page config disables the
    announcements plugin (the "get notified about Jupyter news?" toast),
    while a user's own JUPYTER_CONFIG_PATH stays on the path."""
    port, token = _free_port(), "lmscope-cli-test"
    env = dict(os.environ)
    for name in (
        "JUPYTER_CONFIG_DIR",
        "JUPYTER_RUNTIME_DIR",
        "JUPYTERLAB_SETTINGS_DIR",
        "JUPYTERLAB_WORKSPACES_DIR",
        "JUPYTER_DATA_DIR",
    ):
        env[name] = str(tmp_path / name.lower())
    users = tmp_path / "users_config"
    (users / "labconfig").mkdir(parents=True)
    (users / "labconfig" / "page_config.json").write_text(
        json.dumps({"disabledExtensions": {"@jupyterlab/help-extension:about": True}})
    )
    env["JUPYTER_CONFIG_PATH"] = str(users)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "lmscope",
            "lab",
            "--notebooks",
            str(NOTEBOOKS),
            "--no-browser",
            f"--port={port}",
            "--ServerApp.ip=127.0.0.1",
            f"--IdentityProvider.token={token}",
            "--ServerApp.port_retries=0",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                url = f"http://127.0.0.1:{port}/lab?token={token}"
                page = urllib.request.urlopen(url, timeout=5).read().decode()
                break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode()
                assert time.monotonic() < deadline, "lmscope lab did not answer in 60 s"
                time.sleep(0.5)
    finally:
        server.terminate()
        server.wait(30)
    data = re.search(
        r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', page, re.S
    )
    disabled = json.loads(data.group(1))["disabledExtensions"]
    assert "@jupyterlab/apputils-extension:announcements" in disabled
    assert "@jupyterlab/help-extension:about" in disabled  # the user's own setting
