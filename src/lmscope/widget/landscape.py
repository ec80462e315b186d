"""The cost landscape over two parameters, computed on a background thread.

cost = 0.5 * ||f(x)||^2 on a grid over parameters i and j, every other
parameter held at x0 (the value says which: `held`).  The grid spans the
slider ranges, widened to contain the accepted path of the last fit and its
final point (`axis_extent`), and is log-spaced where the slider is logarithmic
(`log_i`, `log_j`: the page then draws that axis in log10).  The page draws
log10(cost) as a heat map under the fit's path.  A model too
slow for even the coarsest grid within the time budget gets no landscape: the
trait then holds only a `message` for the page to show instead.

One long-lived thread per widget (`Landscaper`) computes them, one at a
time: a new request cancels the grid in progress and replaces any request
not yet started (only the latest matters), so a burst of picks or range
edits computes at most two grids and never waits on the kernel's main thread.
A job calls func through the widget's `UserCode` lock (never beside the fit's
own calls), and checks for `cancel()` before every call.
"""

from __future__ import annotations

import math
import threading
import time
from typing import Protocol

import numpy as np

GRID_SIZE = 60  # points per axis for a model that is quick to evaluate
MIN_GRID_SIZE = 12  # ... and for a slow one; slower still, and there is no landscape
TIME_BUDGET = 3.0  # seconds inside func a landscape may take, estimated from
# TIMING_CALLS calls; the grid is as fine as fits in it
TIMING_CALLS = 3
OVERRUN = 2.0  # a grid whose calls take this many budgets (func got slower) is dropped
TOO_SLOW = "func too slow for a landscape"
MARGIN = 0.08  # air beyond a path that left the slider range, as a fraction of the new span


def axis_extent(lo: float, hi: float, log: bool, values, shown=None) -> tuple[float, float]:
    """The span of one landscape axis: the slider's [lo, hi] widened to contain
    `values` (the path; on a log axis only its positive values can be drawn),
    with MARGIN of air on a side that grew.  `shown`, the span of the grid on
    the page, is kept when it already contains them, so a path that stays on
    the map does not make a new one."""
    values = np.asarray(values, dtype=np.float64).reshape(-1)
    values = values[np.isfinite(values) & ((values > 0) if log else True)]
    if shown is not None and np.all((values >= shown[0]) & (values <= shown[1])):
        return float(shown[0]), float(shown[1])
    if values.size == 0 or (values.min() >= lo and values.max() <= hi):
        return float(lo), float(hi)
    to_axis, from_axis = (np.log10, lambda v: 10.0**v) if log else (float, float)
    a, b = to_axis(min(lo, values.min())), to_axis(max(hi, values.max()))
    pad = MARGIN * (b - a)
    new_lo = from_axis(a - pad) if values.min() < lo else lo
    new_hi = from_axis(b + pad) if values.max() > hi else hi
    return float(new_lo), float(new_hi)


def grid_axis(lo: float, hi: float, log: bool, size: int = GRID_SIZE) -> np.ndarray:
    """`size` increasing values over [lo, hi], log-spaced when `log` (lo > 0)."""
    if log and lo > 0:
        return np.geomspace(lo, hi, size)
    return np.linspace(lo, hi, size)


def log10_cost(func, args, x: np.ndarray) -> float:
    """log10(0.5 ||f(x)||^2), NaN where f fails, is not finite, or is exactly 0."""
    try:
        fvec = np.asarray(func(x, *args), dtype=np.float64).reshape(-1)
    except Exception:
        return math.nan
    cost = 0.5 * float(np.dot(fvec, fvec))
    return math.log10(cost) if math.isfinite(cost) and cost > 0 else math.nan


class LandscapeJob:
    """Computes one landscape (`run()`, on the Landscaper's thread); `cancel()`
    ends it early (checked before every evaluation) and then it reports nothing."""

    def __init__(self, func, args, x0, i, j, axis_i, axis_j, fit_id, on_done, user):
        self._cancel = threading.Event()
        self._user_func = func
        self._spent = 0.0  # seconds inside func, waits for the lock left out
        self._func = user.guarded(self._timed, cancelled=self._cancel.is_set, background=True)
        self._args = tuple(args)
        self._x0 = np.array(x0, dtype=np.float64)
        self.i, self.j, self.fit_id = i, j, fit_id
        self._axes = axis_i, axis_j  # (lo, hi, log) of each axis: the slider's, widened
        self._on_done = on_done
        self.value: dict | None = None

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def _too_slow(self) -> None:
        self.value = {
            "i": int(self.i),
            "j": int(self.j),
            "message": TOO_SLOW,
            "fit_id": int(self.fit_id),
        }
        if not self._cancel.is_set():
            self._on_done(self)

    def _timed(self, x, *args):
        started = time.perf_counter()
        try:
            return self._user_func(x, *args)
        finally:
            self._spent += time.perf_counter() - started

    def _grid_size(self) -> int:
        """GRID_SIZE, or fewer points when the model is too slow for the time
        budget; 0 when even MIN_GRID_SIZE would not fit in it, or when cancelled.
        Only the time inside func counts: a running fit goes first (the
        landscape is a background caller), and its calls are not the model's cost."""
        x = self._x0.copy()
        for calls in range(1, TIMING_CALLS + 1):
            if self._cancel.is_set():
                return 0
            log10_cost(self._func, self._args, x)
            per_call = self._spent / calls
            if per_call * MIN_GRID_SIZE**2 > TIME_BUDGET:
                return 0
        if per_call * GRID_SIZE**2 <= TIME_BUDGET:
            return GRID_SIZE
        return max(MIN_GRID_SIZE, int(math.sqrt(TIME_BUDGET / per_call)))

    def run(self) -> None:
        size = self._grid_size()
        if self._cancel.is_set():
            return
        if size == 0:
            self._too_slow()
            return
        (lo_i, hi_i, log_i), (lo_j, hi_j, log_j) = self._axes
        log_i, log_j = bool(log_i and lo_i > 0), bool(log_j and lo_j > 0)
        self.xi = grid_axis(lo_i, hi_i, log_i, size)
        self.xj = grid_axis(lo_j, hi_j, log_j, size)
        x = self._x0.copy()
        values = []
        for xj in self.xj:  # row-major: one row per value of xj
            for xi in self.xi:
                if self._cancel.is_set():
                    return
                if self._spent > OVERRUN * TIME_BUDGET:
                    self._too_slow()
                    return
                x[self.i], x[self.j] = xi, xj
                values.append(log10_cost(self._func, self._args, x))
        self.value = {
            "i": int(self.i),
            "j": int(self.j),
            "xi": [float(v) for v in self.xi],
            "xj": [float(v) for v in self.xj],
            # JSON has no NaN: null marks a point without a cost.
            "log10_cost": [v if math.isfinite(v) else None for v in values],
            "log_i": log_i,
            "log_j": log_j,
            # The slice: every other parameter, held at its value in x0.
            "held": [[k, float(v)] for k, v in enumerate(self._x0) if k not in (self.i, self.j)],
            "fit_id": int(self.fit_id),
        }
        if not self._cancel.is_set():
            self._on_done(self)


class Job(Protocol):
    """What a Landscaper runs: `run()` on its thread, `cancel()` from any
    (a LandscapeJob, or basin.py's BasinJob)."""

    def run(self) -> None: ...

    def cancel(self) -> None: ...


class Landscaper:
    """One thread that computes landscapes, the latest request first and only."""

    def __init__(self):
        self._cond = threading.Condition(threading.Lock())
        self._pending: Job | None = None
        self._job: Job | None = None
        self._closed = False
        self._thread: threading.Thread | None = None

    def submit(self, job: Job) -> None:
        with self._cond:
            if self._closed:
                return
            if self._pending is not None:
                self._pending.cancel()
            if self._job is not None:
                self._job.cancel()
            self._pending = job
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._work, daemon=True, name="lmscope-landscape"
                )
                self._thread.start()
            self._cond.notify_all()

    def cancel(self) -> None:
        with self._cond:
            for job in (self._pending, self._job):
                if job is not None:
                    job.cancel()
            self._pending = None

    @property
    def busy(self) -> bool:
        with self._cond:
            return self._pending is not None or self._job is not None

    def wait(self, timeout: float | None = None) -> bool:
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while self._pending is not None or self._job is not None:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._cond.wait(0.05 if left is None else min(left, 0.05))
        return True

    def close(self, timeout: float = 1.0) -> None:
        self.cancel()
        with self._cond:
            self._closed = True
            self._cond.notify_all()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def _work(self) -> None:
        while True:
            with self._cond:
                while self._pending is None and not self._closed:
                    self._cond.wait()
                job = self._pending
                if self._closed or job is None:
                    return
                self._pending = None
                self._job = job
            try:
                job.run()
            finally:
                with self._cond:
                    self._job = None
                    self._cond.notify_all()
