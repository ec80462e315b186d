"""Notebook 7, Voila and marimo for the browser tests, kept out of the test
environment.

Notebook's and Voila's server extensions change the JupyterLab the other
tests use, and marimo brings its own web stack, so all three live in a venv
of their own that the first test needing them builds (about 15 s, then reused):
`.venv-frontends/` at the repository root.  That venv sees the test venv's
packages (lmscope, anywidget, ipykernel, jupyter_server, ...) through a .pth
file, and pip installs only what is missing from them; its `etc/jupyter`
(where voila registers itself) is its own, so the test venv's JupyterLab never
loads voila.
"""

from __future__ import annotations

import os
import site
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
VENV = REPO / ".venv-frontends"
REQUIREMENTS = ["notebook>=7", "voila>=0.5.13", "marimo>=0.25"]


def frontends_python() -> Path:
    """The venv's python, built (or brought up to REQUIREMENTS) on first use."""
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    own = subprocess.run(
        [str(python), "-c", "import site; print(site.getsitepackages()[0])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # addsitedir, not a bare path: it also runs the test venv's own .pth files
    # (the editable install of lmscope is one).
    line = "import site; " + "; ".join(
        f"site.addsitedir({path!r})" for path in site.getsitepackages()
    )
    (Path(own) / "lmscope-test-venv.pth").write_text(line + "\n")
    check = subprocess.run(
        [str(python), "-c", "import notebook, voila, marimo"], capture_output=True, text=True
    )
    if check.returncode != 0:
        subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                *REQUIREMENTS,
            ],
            check=True,
        )
    _share_jupyterlabs_app_data()
    return python


def _share_jupyterlabs_app_data() -> None:
    """Notebook 7 reads JupyterLab's settings schemas and themes from its own
    prefix's share/jupyter/lab, where only its own schemas are: link the test
    venv's JupyterLab ones in beside them."""
    theirs = Path(sys.prefix) / "share" / "jupyter" / "lab"
    ours = VENV / "share" / "jupyter" / "lab"
    links = [(theirs / "themes", ours / "themes")]
    links += [(path, ours / "schemas" / path.name) for path in (theirs / "schemas").iterdir()]
    for source, link in links:
        if source.exists() and not link.exists():
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(source, target_is_directory=True)


def jupyter_path() -> str:
    """Jupyter's data path for servers run from this venv: its own data first
    (voila's templates must win over nbconvert's of the same name), then the
    test venv's (nbconvert's templates, which voila's extend; the widget
    managers' and anywidget's front-end extensions)."""
    return os.pathsep.join(str(prefix / "share" / "jupyter") for prefix in (VENV, Path(sys.prefix)))


def isolated_env(base: Path, netlog: Path) -> dict:
    env = dict(os.environ)
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_RUNTIME_DIR", "JUPYTER_DATA_DIR", "IPYTHONDIR"):
        path = base / name.lower()
        path.mkdir(exist_ok=True)
        env[name] = str(path)
    env["HOME"] = str(base / "home")  # marimo keeps its config and state under ~
    (base / "home").mkdir(exist_ok=True)
    env["JUPYTER_PATH"] = jupyter_path()
    env["LMSCOPE_NETGUARD_LOG"] = str(netlog)
    env["MARIMO_SKIP_UPDATE_CHECK"] = "1"
    return env


class Served:
    def __init__(self, url: str, netlog: Path, name: str):
        self.url, self.netlog, self.name = url, netlog, name

    def external_attempts(self) -> list[str]:
        return self.netlog.read_text().splitlines() if self.netlog.exists() else []


@contextmanager
def serve(name: str, command: list[str], url: str, base: Path, ready_path: str = "/"):
    """Run a server (through the network audit hook) until `url + ready_path` answers."""
    netlog = base / "netguard.log"
    log_path = base / "server.log"
    log = open(log_path, "wb")
    process = subprocess.Popen(
        command,
        env=isolated_env(base, netlog),
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=base,
    )
    deadline = time.monotonic() + 90
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited: {log_path.read_text()}")
            try:
                with urllib.request.urlopen(url + ready_path, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not answer within 90 s: {log_path.read_text()}")
            time.sleep(0.2)  # polling the server's readiness, not synchronising a test
        yield Served(url, netlog, name)
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
