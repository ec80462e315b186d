"""Shared pieces of the headless widget tests: problems, a message recorder,
the page's side of the comm, and a condition wait (never a fixed sleep)."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest


def wait_for(condition, timeout: float = 10.0, interval: float = 0.002) -> bool:
    """Poll `condition()` until it is true or `timeout` passes; returns its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return bool(value)
        time.sleep(interval)


class Recorder:
    """Stands in for `FitWidget.send`: keeps every custom message with its buffers."""

    def __init__(self):
        self.messages: list[tuple[dict, list]] = []
        self.times: list[float] = []
        self._lock = threading.Lock()

    def __call__(self, widget, content, buffers=None):
        with self._lock:
            self.messages.append((content, [bytes(b) for b in buffers or []]))
            self.times.append(time.monotonic())

    def of_type(self, kind: str, fit_id: int | None = None) -> list[tuple[dict, list]]:
        with self._lock:
            return [
                (c, b)
                for c, b in self.messages
                if c.get("type") == kind and (fit_id is None or c.get("fit_id") == fit_id)
            ]

    def records(self, fit_id: int) -> int:
        """Records of fit `fit_id` the page got so far."""
        return sum(c["count"] for c, _ in self.of_type("steps", fit_id))

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()
            self.times.clear()


def exp_model(x, a, k, c):
    return a * np.exp(-k * x) + c


def exp_data(m: int = 40, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = np.linspace(0.0, 4.0, m)
    y = exp_model(x, 2.5, 1.3, 0.5) + 0.05 * rng.standard_normal(m)
    return x, y


def rosenbrock(x, scale=10.0):
    return np.array([scale * (x[1] - x[0] ** 2), 1.0 - x[0]])


def rosenbrock_jac(x, scale=10.0):
    return np.array([[-2.0 * scale * x[0], scale], [-1.0, 0.0]])


class Slow:
    """A residual that sleeps in every call (releasing the GIL), so a fit
    takes as long as a test needs."""

    def __init__(self, func, seconds: float):
        self.func, self.seconds = func, seconds
        self.calls = 0
        self.__name__ = f"slow_{getattr(func, '__name__', 'func')}"

    def __call__(self, x, *args):
        self.calls += 1
        time.sleep(self.seconds)
        return self.func(x, *args)


def downhill(x):
    """exp(x): no minimum, so every trial step goes further downhill; the fit
    runs until maxfev (or underflow, after about 700 steps)."""
    return np.exp(x)


# -- fixtures and shortcuts of the widget tests ---------------------------------------


@pytest.fixture
def sent(monkeypatch):
    """FitWidget.send replaced by a Recorder: the messages the page would get."""
    from lmscope.widget import FitWidget

    recorder = Recorder()

    def send(widget, content, buffers=None):
        recorder(widget, content, buffers)

    monkeypatch.setattr(FitWidget, "send", send)
    return recorder


@pytest.fixture
def widgets_made():
    """Widgets a test makes are closed after it, so no thread outlives a test."""
    made = []
    yield made
    for w in made:
        w.close()


def make(made, *args, curve=False, **kwargs):
    from lmscope.widget import FitWidget

    w = FitWidget.curve(*args, **kwargs) if curve else FitWidget(*args, **kwargs)
    made.append(w)
    return w


def page(w, message, buffers=()):
    """A custom message from the page, as the kernel's comm delivers it."""
    w._handle_msg(
        {"content": {"data": {"method": "custom", "content": message}}, "buffers": list(buffers)}
    )


def page_update(w, state: dict):
    """A state update from the page (a control moved), as the comm delivers it."""
    w._handle_msg({"content": {"data": {"method": "update", "state": state}}, "buffers": []})


def command(w, name: str):
    page(w, {"type": "command", "name": name})


def move(w, k: int, value: float):
    """The page's slider k moved to `value`."""
    values = list(w.values)
    values[k] = value
    page_update(w, {"values": values})
