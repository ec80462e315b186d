"""FitWidget in Voila and in marimo (`mo.ui.anywidget(w)`), in Debian's
chromium: the same object and the same scenario as in JupyterLab (_fitpage.py).
Neither front end lets the test run code in the kernel, so the kernel reports
each fit to a file (REPORT in _fitpage.py) and the test compares that with the
page.  Both servers come from a venv of their own (_frontends.py)."""

from __future__ import annotations

import socket

import pytest
from _fitpage import ROOT, run_scenario, setup_code, write_notebook
from _frontends import frontends_python, serve
from conftest import NETGUARD, STARTED

pytestmark = pytest.mark.browser


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def frontends():
    return frontends_python()


def test_fit_widget_in_voila(frontends, page, network, artifacts, tmp_path):
    # Voila's own page template asks a CDN for Font Awesome: aborted like every
    # request off the loopback, and not the widget's.
    network.ignore("cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free")
    report = tmp_path / "report.json"
    write_notebook(tmp_path / "fit.ipynb", report)
    port = free_port()
    command = [
        str(frontends),
        str(NETGUARD),
        "voila",
        str(tmp_path / "fit.ipynb"),
        "--no-browser",
        "--Voila.ip=127.0.0.1",
        f"--port={port}",
        "--Voila.port_retries=0",
    ]
    with serve(
        "voila", command, f"http://127.0.0.1:{port}", tmp_path, ready_path="/voila/static/voila.js"
    ) as server:
        STARTED.append(server)
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(server.url + "/")
        page.wait_for_selector(ROOT, timeout=90_000)
        run_scenario(page, report)
        page.screenshot(path=str(artifacts / "voila.png"), full_page=True)
        assert not errors, errors


MARIMO_APP = """\
import marimo

app = marimo.App()


@app.cell
def _():
    import marimo as mo
{setup}
    view = mo.ui.anywidget(w)
    view
    return


if __name__ == "__main__":
    app.run()
"""


def test_fit_widget_in_marimo(frontends, page, artifacts, tmp_path):
    report = tmp_path / "report.json"
    setup = setup_code(report).rsplit("\nw", 1)[0]  # the cell shows the marimo view instead
    body = "\n".join(("    " + line) if line else "" for line in setup.splitlines())
    app = tmp_path / "fit_app.py"
    app.write_text(MARIMO_APP.format(setup=body))
    port = free_port()
    command = [
        str(frontends),
        str(NETGUARD),
        "marimo",
        "run",
        str(app),
        "--headless",
        "--no-token",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    with serve("marimo", command, f"http://127.0.0.1:{port}", tmp_path) as server:
        STARTED.append(server)
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(server.url + "/")
        page.wait_for_selector(ROOT, timeout=90_000)
        run_scenario(page, report)
        page.screenshot(path=str(artifacts / "marimo.png"), full_page=True)
        assert not errors, errors
