"""Fixtures for the real-browser tests: JupyterLab / Notebook 7 servers with
isolated config dirs, one Debian chromium driven by Playwright for the
session, and an offline guard: no test may make a request off the loopback.

See ../../../shared/browser-testing.md for why these settings.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = next(
    (p for p in ("/usr/lib/chromium/chromium", "/usr/bin/chromium") if Path(p).exists()), None
)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TOKEN = "lmscope-browser-test"
ARTIFACTS = Path(__file__).parent / "artifacts"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


NETGUARD = Path(__file__).with_name("_netguard.py")

# Keep Jupyter from reaching for the network on its own, so the offline check
# below is about the widget and Jupyter, not a whitelist. Measured with
# _netguard.py on JupyterLab 4.6 / Notebook 7.6: JupyterLab's page calls
# /lab/api/update at startup and the server then asks pypi.org for the latest
# JupyterLab (CheckForUpdate); /lab/api/news makes it fetch
# jupyterlab.github.io/assets/feed.xml (asked for once the user accepts news);
# the "pypi" extension manager asks pypi.org when its panel lists or searches.
# Notebook 7's page calls none of these at startup, but its server loads the
# jupyterlab extension and would answer them the same way, so it gets the same
# flags. The browser itself made no request off the loopback in either app.
QUIET = [
    "--LabApp.news_url=None",
    "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate",
    "--LabApp.extension_manager=readonly",
]


@dataclass(frozen=True)
class App:
    """How to start one Jupyter front end and open a notebook in it."""

    name: str
    module: str  # run as `python -m <module>`
    flags: tuple[str, ...]
    notebook_path: str  # formatted with name= and token=


APPS = {
    "lab": App(
        "lab",
        "jupyterlab",
        ("--LabApp.expose_app_in_browser=True",),
        "/lab/tree/{name}?token={token}&reset",
    ),
    "notebook": App(
        "notebook",
        "notebook",
        ("--JupyterNotebookApp.expose_app_in_browser=True",),
        "/notebooks/{name}?token={token}",
    ),
}


class JupyterServer:
    def __init__(self, app: App, url: str, root: Path, netlog: Path):
        self.app, self.url, self.root, self.token = app, url, root, TOKEN
        self.netlog = netlog

    def notebook_url(self, name: str) -> str:
        return self.url + self.app.notebook_path.format(name=name, token=self.token)

    def external_attempts(self) -> list[str]:
        """Names the server process resolved / addresses it connected to off the loopback."""
        return self.netlog.read_text().splitlines() if self.netlog.exists() else []


STARTED: list[JupyterServer] = []  # checked by the offline fixture after every test


@contextmanager
def jupyter_server(app: App, base: Path, python: str = sys.executable, env_extra=None):
    """A Jupyter server for `app` on a free port; everything it writes stays in `base`."""
    root = base / "notebooks"
    root.mkdir()
    env = dict(os.environ)
    for name in (
        "JUPYTER_CONFIG_DIR",
        "JUPYTER_RUNTIME_DIR",
        "JUPYTERLAB_SETTINGS_DIR",
        "JUPYTERLAB_WORKSPACES_DIR",
        "IPYTHONDIR",
    ):
        path = base / name.lower()
        path.mkdir()
        env[name] = str(path)
    # No "get notified about Jupyter news?" toast over the widget.
    news = base / "jupyterlab_settings_dir" / "@jupyterlab" / "apputils-extension"
    news.mkdir(parents=True)
    (news / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    netlog = base / "netguard.log"
    env["LMSCOPE_NETGUARD_LOG"] = str(netlog)
    env.update(env_extra or {})
    port = _free_port()
    command = [
        python,
        str(NETGUARD),
        app.module,
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={TOKEN}",
        f"--ServerApp.root_dir={root}",
        "--allow-root",
        *QUIET,
        *app.flags,
    ]
    log_path = base / "server.log"
    log = open(log_path, "wb")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"jupyter {app.name} exited: {log_path.read_text()}")
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"jupyter {app.name} did not answer within 60 s")
            time.sleep(0.2)  # polling the server's readiness, not synchronising a test
        server = JupyterServer(app, url, root, netlog)
        STARTED.append(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    """A JupyterLab server for the session (see jupyter_server)."""
    try:
        import_module("jupyterlab")
    except ImportError:
        pytest.fail("jupyterlab is not installed: pip install -e '.[test]'")
    with jupyter_server(APPS["lab"], tmp_path_factory.mktemp("lab")) as server:
        yield server


@pytest.fixture(scope="session")
def notebook(tmp_path_factory):
    """A Notebook 7 server for the session, from the front ends' venv
    (_frontends.py): its server extension stays out of the JupyterLab above."""
    from _frontends import frontends_python, jupyter_path

    python = frontends_python()
    base = tmp_path_factory.mktemp("notebook")
    env = {"JUPYTER_PATH": jupyter_path()}
    with jupyter_server(APPS["notebook"], base, str(python), env) as server:
        yield server


@pytest.fixture(scope="session")
def browser():
    """One chromium for the session (Playwright allows one sync session per process)."""
    if CHROMIUM is None:
        # A missing browser must not pass for a passing browser test.
        pytest.fail("Debian's chromium is not installed (apt-get install chromium)")
    from playwright import sync_api

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def is_loopback_url(url: str) -> bool:
    """data:, blob: and about: stay in the page; http(s)/ws(s) must go to the loopback."""
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    host = parts.hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Network:
    """What the browser tried to fetch off the loopback (everything of that is aborted)."""

    def __init__(self):
        self.offsite: list[str] = []
        self.ignored: list[str] = []  # substrings of requests a test knows are not the widget's

    def note(self, what: str) -> None:
        if what not in self.offsite and not any(part in what for part in self.ignored):
            self.offsite.append(what)

    def ignore(self, part: str) -> None:
        """Requests containing `part` are still aborted, but not held against the test."""
        self.ignored.append(part)


@pytest.fixture
def network() -> Network:
    return Network()


@pytest.fixture
def page(browser, network):
    """A fresh context and page. Requests off the loopback are aborted and noted in
    `network`; service workers are blocked so every request passes the route."""
    context = browser.new_context(viewport={"width": 1400, "height": 1300}, service_workers="block")

    def on_request(request):
        if not is_loopback_url(request.url):
            network.note(f"{request.method} {request.url} [{request.resource_type}]")

    def abort(route):
        request = route.request
        network.note(f"{request.method} {request.url} [{request.resource_type}]")
        route.abort("blockedbyclient")

    def on_page(new_page):
        new_page.on(
            "websocket",
            lambda ws: None if is_loopback_url(ws.url) else network.note(f"WEBSOCKET {ws.url}"),
        )

    context.on("request", on_request)
    context.on("page", on_page)
    context.route(lambda url: not is_loopback_url(url), abort)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(autouse=True)
def offline(network):
    """Every browser test: nothing left the loopback, neither from the page nor
    from the Jupyter server process (see _netguard.py). Checked after the test."""
    before = {id(s): len(s.external_attempts()) for s in STARTED}
    yield
    offsite = list(network.offsite)
    for server in STARTED:
        name = server.app.name if hasattr(server, "app") else server.name
        for line in server.external_attempts()[before.get(id(server), 0) :]:
            offsite.append(f"{name} server: {line}")
    assert not offsite, (
        "requests left the loopback (the widget and Jupyter must work "
        "offline):\n  " + "\n  ".join(offsite)
    )


@pytest.fixture(scope="session")
def artifacts():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(autouse=True)
def screenshot_on_failure(request, artifacts, page):
    """A failed browser test leaves a screenshot of its page in artifacts/."""
    yield
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        try:
            page.screenshot(path=str(artifacts / f"failure-{request.node.name}.png"))
        except Exception:
            pass
