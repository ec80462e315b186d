"""Marshalling between numpy and the C engine: the buffers of one fit, the
engine's state, and the loop that runs it.

Without a callback or a trace the whole fit is one C call
(`lm_python_solve`, whose GIL policy is in src/binding/python_bridge.c).
With them, Python calls `lm_step` once per trial step and reads each
record.
"""

from __future__ import annotations

import sys
import threading

import numpy as np

from . import _messages
from ._callbacks import FitContext
from ._lmengine import ffi, lib
from ._validation import FitSettings
from .trace import Trace, TrialStep

if sys.implementation.name != "cpython":
    # The callbacks in src/binding/python_bridge.c use the CPython API.
    raise ImportError(f"lmscope's engine needs CPython, not {sys.implementation.name}")

# How often a stop watcher looks at the caller's stop event (seconds).
_STOP_POLL_SECONDS = 0.005

# Statuses read once, not from lib on every fit.
_BAD_CONTEXT = lib.LM_PY_BAD_CONTEXT
_CALLBACK_ERROR = lib.LM_CALLBACK_ERROR


class EngineRun:
    """One fit's buffers and engine state.  Its arrays are the outputs."""

    def __init__(self, settings: FitSettings, stop=None):
        m, n = settings.m, settings.n
        self.settings = settings
        self.fjac = np.empty((n, m))  # column-major m x n: row j is column j
        if settings.jacobian0 is not None:
            self.fjac[...] = settings.jacobian0
            # Often a view of the user's Dfun(x0): holding it for the whole
            # fit keeps m n doubles alive, and on tall problems the page
            # faults of the next allocations cost more than the arithmetic.
            settings.jacobian0 = None
        # The engine's workspace with the scales after it.
        work = np.empty(lib.lm_work_size(m, n) + n)
        if settings.diag is not None:
            work[-n:] = settings.diag
        self.context = FitContext(
            settings.func,
            settings.args,
            settings.dfun,
            stop,
            settings.x0,  # validation made it a private copy
            settings.fvec0,  # f(x0), also a private copy: the engine starts from it in place
            self.fjac,
            np.empty(n),
            np.empty(n, dtype=np.intc),
            work,
        )
        self._stop = stop
        self._run = ffi.new("lm_python_run *")

    @property
    def state(self):
        """The engine's lm_state (counts, status): read after the run, not
        made for a fit that does not ask (each cffi view costs a little)."""
        return self._run.state

    @property
    def x(self) -> np.ndarray:
        return self.context.x

    @property
    def fvec(self) -> np.ndarray:
        return self.context.fvec

    @property
    def qtf(self) -> np.ndarray:
        return self.context.qtf

    @property
    def ipvt(self) -> np.ndarray:
        return self.context.ipvt

    def _settings(self) -> tuple:
        """lm_python_solve's and lm_python_start's arguments after the run."""
        s = self.settings
        return (
            # CPython documents id() as the object's address; the bridge
            # reads the context's attributes during the call, while this
            # object holds it.
            ffi.cast("void *", id(self.context)),
            s.m,
            s.n,
            s.ftol,
            s.xtol,
            s.gtol,
            s.maxfev,
            s.epsfcn,
            s.factor,
            s.diag is not None,
            s.dfun is not None,
            s.col_deriv,
            # With Dfun, validation evaluated Dfun(x0), now in fjac.
            s.dfun is not None,
        )

    def covariance(self):
        """cov_x from the final factorization, or None when R is singular."""
        n = self.settings.n
        cov_and_work = np.empty((2, n, n))
        pointer = ffi.from_buffer("double[]", cov_and_work)
        singular = lib.lm_covariance(
            n,
            ffi.from_buffer("double[]", self.fjac),
            self.settings.m,
            ffi.from_buffer("int[]", self.ipvt),
            pointer,
            pointer + n * n,
        )
        return None if singular else cov_and_work[0]

    def run(self, callback=None, trace: Trace | None = None, point_map=None) -> int:
        """Run the fit to its end; returns the final status.  An exception
        raised in func, Dfun or callback propagates from here.  point_map,
        if given, maps the engine's points to the points the callback and
        the trace see (the external parameters of a bounded fit)."""
        finished = self._watch_stop()
        try:
            if callback is None and trace is None:
                status = lib.lm_python_solve(self._run, *self._settings())
            else:
                status = self._run_by_steps(callback, trace, point_map)
        finally:
            if finished is not None:
                finished.set()
        if status == _BAD_CONTEXT:
            rejected = ffi.string(self._run.rejected).decode()
            raise RuntimeError(f"lmscope's bridge rejected the fit context: {rejected}")
        error = self.context.take_error()
        if error is not None:
            try:
                raise error
            finally:
                # This frame is in the traceback: without this, the
                # exception and the fit's buffers would wait for the cyclic
                # garbage collector.
                del error
        if status == _CALLBACK_ERROR:
            raise SystemError("lmscope: a callback failed and left no exception")
        return status

    def _watch_stop(self) -> threading.Event | None:
        """For a problem whose C work between two callbacks is long, a
        thread that passes a set stop event on to the engine's kernels,
        which cannot call Python.  Returns the event that ends it."""
        stop = self._stop
        if stop is None or not lib.lm_python_long_kernels(self.settings.m, self.settings.n):
            return None
        finished = threading.Event()
        run = self._run

        def watch():
            while not finished.wait(_STOP_POLL_SECONDS):
                if stop.is_set():
                    lib.lm_python_request_stop(run)
                    return

        threading.Thread(target=watch, name="lmscope-stop-watcher", daemon=True).start()
        return finished

    def _run_by_steps(self, callback, trace, point_map) -> int:
        n = self.settings.n
        x, x_trial = np.empty(n), np.empty(n)
        rec = ffi.new("lm_trial_step *")
        rec.x, rec.x_trial = ffi.from_buffer("double[]", x), ffi.from_buffer("double[]", x_trial)
        recorded = ffi.new("int *")
        if trace is not None:
            trace._start(n)

        # Closed by hand below; by the collector if an exception lands first.
        run = ffi.gc(self._run, lib.lm_python_close)
        state = ffi.addressof(run.state)
        try:
            status = lib.lm_python_start(run, *self._settings(), rec, recorded)
            while status != lib.LM_PY_BAD_CONTEXT:
                if recorded[0]:
                    shown = (
                        (x, x_trial) if point_map is None else (point_map(x), point_map(x_trial))
                    )
                    if trace is not None:
                        trace._append(rec, *shown)
                    if (
                        callback is not None
                        and _wants_stop(callback, rec, *shown)
                        and status == lib.LM_RUNNING
                    ):
                        status = self.state.status = _messages.USER_STOP
                if status != lib.LM_RUNNING:
                    break
                status = lib.lm_step(state, rec, recorded)
        finally:
            lib.lm_python_close(run)
        return status


def _wants_stop(callback, rec, x, x_trial) -> bool:
    """Call the user's callback; True (or StopIteration) asks the fit to stop."""
    try:
        answer = callback(TrialStep.from_record(rec, x, x_trial))
    except StopIteration:
        return True
    return answer is True or answer is np.True_
