"""FitWidget in a real IPython kernel (jupyter_client, no browser): what only a
kernel shows - its output sockets, one per publishing thread, and its
interrupt, a SIGINT that only the main thread sees."""

from __future__ import annotations

import json
import time

import pytest

pytestmark = pytest.mark.slow

SETUP = """\
import json, os, threading, time
import numpy as np
from lmscope.widget import FitWidget


def rosenbrock(x):
    return np.array([10 * (x[1] - x[0] ** 2), 1 - x[0]])


def slow(x):
    time.sleep(0.02)
    return np.exp(x)
"""


class Kernel:
    def __init__(self):
        import jupyter_client

        self.manager, self.client = jupyter_client.manager.start_new_kernel(kernel_name="python3")

    def run(self, code: str, timeout: float = 120) -> tuple[str, str]:
        """stdout and the error name (or "") of one cell."""
        msg_id = self.client.execute(code)
        out, error = [], ""
        deadline = time.monotonic() + timeout
        while True:
            msg = self.client.get_iopub_msg(timeout=max(1.0, deadline - time.monotonic()))
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind = msg["msg_type"]
            if kind == "stream" and msg["content"]["name"] == "stdout":
                out.append(msg["content"]["text"])
            elif kind == "stream":
                error += msg["content"]["text"]
            elif kind == "error":
                error += msg["content"]["ename"]
            elif kind == "status" and msg["content"]["execution_state"] == "idle":
                return "".join(out), error

    def interrupted(self, code: str) -> str:
        """Run a cell, interrupt the kernel while it runs; the cell's error name."""
        msg_id = self.client.execute(code)
        time.sleep(0.5)  # let the cell start: the interrupt must find it running
        self.manager.interrupt_kernel()
        error = ""
        while True:
            msg = self.client.get_iopub_msg(timeout=30)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "error":
                error = msg["content"]["ename"]
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                return error

    def close(self):
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)


@pytest.fixture
def kernel():
    k = Kernel()
    out, error = k.run(SETUP)
    assert not error, error
    yield k
    k.close()


def test_2000_fits_in_a_row_do_not_exhaust_the_kernels_sockets(kernel):
    """Regression: a fit thread and a sender thread per fit (each publishing,
    so each with its own socket, reaped only every 10 s) ran out of file
    descriptors after about 500 fits in 10 s."""
    out, error = kernel.run(
        """
w = FitWidget(rosenbrock, [-1.2, 1.0])
fds_before = len(os.listdir("/proc/self/fd"))
for k in range(2000):
    w.x0 = [-1.2 + 1e-4 * k, 1.0]   # auto-fit: one fit per value
    assert w.wait(10)
for k in range(500):                  # and a burst of landscape picks from the page
    w._handle_msg({"content": {"data": {"method": "custom", "content": {
        "type": "pick", "i": 0, "j": 1, "xi": -1.0 + 1e-3 * k, "xj": 1.0}}}, "buffers": []})
assert w.wait(60, landscape=True)
print(json.dumps({
    "fits": len(w.history),
    "states": sorted({h["state"] for h in w.history if not h["superseded"]}),
    "fds_grew": len(os.listdir("/proc/self/fd")) - fds_before,
    "threads": sorted(t.name for t in threading.enumerate() if t.name.startswith("lmscope")),
}))
""",
        timeout=600,
    )
    assert not error, error
    result = json.loads(out)
    assert result["fits"] >= 1000  # HISTORY_LIMIT keeps the newest thousand
    assert result["states"] == ["success"], result
    assert result["fds_grew"] < 20, result
    assert result["threads"] == ["lmscope-fit-worker", "lmscope-landscape", "lmscope-stream"]


def test_interrupt_kernel_stops_a_background_fit(kernel):
    out, error = kernel.run(
        "w = FitWidget(slow, [1.0, 2.0], maxfev=100000, landscape=False)\n"
        "assert not w.wait(0.5) and w.state == 'running'"
    )
    assert not error, error
    # Between cells: the kernel ignores SIGINT, but the widget's fit stops.
    kernel.manager.interrupt_kernel()
    out, error = kernel.run("assert w.wait(5), w.state\nprint(w.state, w.result[4])")
    assert (out.split(), error) == (["stopped", "-2"], "")
    # During a cell: the cell gets KeyboardInterrupt and the fit stops too.
    kernel.run("w.fit()")
    assert kernel.interrupted("time.sleep(30)") == "KeyboardInterrupt"
    out, error = kernel.run("assert w.wait(5)\nprint(w.state, w.result[4])")
    assert (out.split(), error) == (["stopped", "-2"], "")
    # Ctrl-C in w.wait() stops the fit and leaves the widget working (CPython
    # issue 90882: an interrupted Thread.join marked a running thread finished).
    assert kernel.interrupted("w.fit(); w.wait(30)") == "KeyboardInterrupt"
    out, error = kernel.run(
        "assert w.wait(5)\nprint(w.state)\nw.maxfev = 40\nassert w.wait(30)\nprint(w.state)"
    )
    assert (out.split(), error) == (["stopped", "failure"], "")
