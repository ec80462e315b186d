"""The widget's JavaScript: its unit tests under node, and the bundle shipped
in the package is the one the current sources build."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

JS = Path(__file__).resolve().parents[1] / "js"
STATIC = Path(__file__).resolve().parents[1] / "src" / "lmscope" / "static"


@pytest.fixture(scope="module")
def npm_installed():
    if shutil.which("npm") is None:
        pytest.fail("node and npm are needed for the widget's tests (Node.js >= 20)")
    installed = JS / "node_modules" / ".package-lock.json"
    # npm writes its record of node_modules after installing: an older one
    # than the lock file means the dependencies changed since.
    lock = JS / "package-lock.json"
    if not installed.exists() or installed.stat().st_mtime < lock.stat().st_mtime:
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=JS, check=True)


def test_javascript_unit_tests_pass(npm_installed):
    result = subprocess.run(["npm", "test", "--silent"], cwd=JS, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def test_shipped_bundle_is_built_from_the_current_sources(npm_installed, tmp_path):
    env = dict(os.environ, LMSCOPE_BUNDLE_DIR=str(tmp_path))
    subprocess.run(["node", "build.mjs"], cwd=JS, env=env, check=True, capture_output=True)
    for name in ("widget.js", "widget.css"):
        assert (tmp_path / name).read_bytes() == (STATIC / name).read_bytes(), (
            f"src/lmscope/static/{name} is stale: run `npm run build` in js/"
        )


def test_javascript_type_check_passes(npm_installed):
    """tsc --checkJs over js/src: the JSDoc types, which mirror the kernel's
    traits and messages (tests/test_widget_protocol.py checks that mirror)."""
    result = subprocess.run(
        ["npm", "run", "typecheck", "--silent"], cwd=JS, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
