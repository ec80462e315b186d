"""The controller alone: no ipywidgets, no page.  A real `Stream` whose send
records the messages stands in for the page; every wait is on a condition."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from widget_helpers import Slow, rosenbrock, wait_for

from lmscope import NonFiniteWarning, leastsq
from lmscope.widget.controller import Controller, FitRequest
from lmscope.widget.problem import Problem
from lmscope.widget.stream import Stream


class Page:
    """The stream's send: keeps the messages."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    def __call__(self, content, buffers):
        with self.lock:
            self.messages.append(content)

    def ends(self):
        with self.lock:
            return [m for m in self.messages if m["type"] == "end"]


@pytest.fixture
def rig():
    """A controller factory; everything it made is closed after the test, and
    no thread of it may be left."""
    baseline = set(threading.enumerate())
    made = []

    def build(func, x0, **kwargs):
        page = Page()
        stream = Stream(page)
        states, ended = [], []
        controller = Controller(
            Problem.residual(func, x0, **kwargs),
            stream,
            on_end=ended.append,
            on_state=states.append,
        )
        made.append((controller, stream))
        return controller, page, states, ended

    yield build
    for controller, stream in made:
        controller.close()
        stream.close()
    assert wait_for(lambda: set(threading.enumerate()) <= baseline, 5), [
        t.name for t in set(threading.enumerate()) - baseline
    ]


def request(x0, **options):
    return FitRequest(x0=np.asarray(x0, dtype=float), options=options)


def test_success(rig):
    controller, page, states, ended = rig(rosenbrock, [-1.2, 1.0])
    assert controller.state == "idle"
    controller.request(request([-1.2, 1.0]))
    assert controller.wait(10)
    assert states == ["running", "success"] and controller.state == "success"
    job = ended[-1]
    expected = leastsq(rosenbrock, [-1.2, 1.0], full_output=True)
    np.testing.assert_array_equal(job.result[0], expected[0])
    assert job.outcome.ier == expected[4] and job.outcome.state == "success"
    assert wait_for(lambda: page.ends())
    assert page.ends()[-1]["outcome"]["state"] == "success"


@pytest.mark.parametrize("maxfev, ier", [(3, 5)])
def test_failure_at_maxfev(rig, maxfev, ier):
    controller, page, states, ended = rig(rosenbrock, [-1.2, 1.0])
    controller.request(request([-1.2, 1.0], maxfev=maxfev))
    assert controller.wait(10)
    assert states == ["running", "failure"] and ended[-1].outcome.ier == ier


def test_failure_at_nonfinite_residuals(rig):
    controller, _, states, ended = rig(lambda x: np.array([np.nan, x[0]]), [1.0])
    with pytest.warns(NonFiniteWarning):
        controller.request(request([1.0]))
        assert controller.wait(10)
    assert states == ["running", "failure"] and ended[-1].outcome.ier == -3


def test_improper_input_is_a_failure(rig):
    controller, _, states, ended = rig(rosenbrock, [-1.2, 1.0])
    controller.request(request([-1.2, 1.0], ftol=-1.0))
    assert controller.wait(10)
    assert states == ["running", "failure"] and ended[-1].outcome.ier == 0


def test_error(rig):
    def broken(x):
        raise ZeroDivisionError("no")

    controller, _, states, ended = rig(broken, [1.0])
    controller.request(request([1.0]))
    assert controller.wait(10)
    assert states == ["running", "error"]
    assert isinstance(ended[-1].error, ZeroDivisionError) and ended[-1].outcome.ier is None


def test_stopped(rig):
    slow = Slow(rosenbrock, 0.01)
    controller, _, states, ended = rig(slow, [-1.2, 1.0])
    controller.request(request([-1.2, 1.0]))
    assert wait_for(lambda: slow.calls >= 3)
    controller.stop()
    assert controller.wait(5)
    assert states == ["running", "stopped"] and ended[-1].outcome.ier == -2


def test_paused_by_step_then_resumed(rig):
    controller, page, states, ended = rig(rosenbrock, [-1.2, 1.0])
    step_request = FitRequest(x0=np.array([-1.2, 1.0]), step_mode=True)
    controller.step(step_request)  # nothing runs: a fit paused at its start
    assert wait_for(lambda: controller.job is not None and controller.job.paused)
    assert controller.state == "paused"
    controller.step(step_request)  # one more trial step, still paused
    assert wait_for(lambda: len(controller.job.trace) == 2)
    assert controller.state == "paused" and not controller.wait(0.05)
    assert controller.resume()
    assert controller.wait(10)
    assert states == ["paused", "running", "success"]
    assert ended[-1].outcome.ier == leastsq(rosenbrock, [-1.2, 1.0], full_output=True)[4]


def test_latest_request_wins_under_a_burst_of_100_values(rig):
    slow = Slow(rosenbrock, 0.002)
    controller, page, states, ended = rig(slow, [-1.2, 1.0])
    values = [(-1.2 + 0.01 * k, 1.0) for k in range(100)]
    for value in values:
        controller.request(request(value))
    assert controller.wait(30)
    # The burst came faster than one fit: at most the first and the last ran.
    assert len(ended) <= 3, len(ended)
    assert all(job.superseded for job in ended[:-1]) and not ended[-1].superseded
    np.testing.assert_array_equal(ended[-1].request.x0, values[-1])
    assert controller.fit_id == 100 and ended[-1].fit_id == 100
    expected = leastsq(rosenbrock, values[-1], full_output=True)
    np.testing.assert_array_equal(ended[-1].result[0], expected[0])
    # The page heard the end of the last fit only.
    assert wait_for(lambda: page.ends())
    assert [m["fit_id"] for m in page.ends()] == [100]
    assert controller.state == "success"


def test_a_control_event_never_blocks_while_a_fit_winds_down(rig):
    """A fit busy in a slow func call (50 ms) winds down only when func returns;
    requests and Stop meanwhile return at once (measured on this thread)."""
    slow = Slow(rosenbrock, 0.05)
    controller, *_ = rig(slow, [-1.2, 1.0])
    controller.request(request([-1.2, 1.0]))
    assert wait_for(lambda: slow.calls >= 1)
    longest = 0.0
    for k in range(100):
        t0 = time.perf_counter()
        if k % 10 == 9:
            controller.stop()
        else:
            controller.request(request([-1.0 + 0.001 * k, 1.0]))
        longest = max(longest, time.perf_counter() - t0)
        time.sleep(0.001)
    assert longest < 0.005, f"a control event held the main thread {longest * 1000:.2f} ms"
    assert controller.wait(30)


def test_close_ends_the_worker_even_mid_fit(rig):
    slow = Slow(rosenbrock, 0.01)
    controller, *_ = rig(slow, [-1.2, 1.0])
    controller.request(request([-1.2, 1.0]))
    assert wait_for(lambda: slow.calls >= 2)
    t0 = time.monotonic()
    controller.close()
    assert time.monotonic() - t0 < 0.5
    with pytest.raises(RuntimeError, match="closed"):
        controller.request(request([-1.2, 1.0]))


def test_an_interrupted_wait_leaves_the_state_alone(rig):
    """Ctrl-C in w.wait() (CPython issue 90882 corrupts a thread interrupted in
    join): the controller waits on a condition, so an interrupt leaves the fit
    running and its state true; the fit still stops when asked."""
    slow = Slow(rosenbrock, 0.01)
    controller, *_ = rig(slow, [-1.2, 1.0])
    controller.request(request([-1.2, 1.0]))
    assert wait_for(lambda: slow.calls >= 2)
    timer = threading.Timer(0.05, lambda: __import__("_thread").interrupt_main())
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        controller.wait(10)
    timer.join()
    assert controller.busy and controller.state == "running"
    calls = slow.calls
    assert wait_for(lambda: slow.calls > calls)  # the fit goes on
    controller.stop()
    assert controller.wait(5) and controller.state == "stopped"
