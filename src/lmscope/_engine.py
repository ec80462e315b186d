"""Marshalling between numpy and the C engine: the buffers of one fit, the
engine's state, and the loop that runs it.

Without a callback or a trace the whole fit is one C call (`lm_solve`), the
GIL released except inside func and Dfun.  With them, Python calls
`lm_step` once per trial step and reads each record.
"""

from __future__ import annotations

import sys

import numpy as np

from . import _messages
from ._callbacks import FitContext
from ._lmengine import ffi, lib
from ._validation import FitSettings
from .trace import Trace, TrialStep

if sys.implementation.name != "cpython":
    # The callbacks in src/engine/python_callbacks.c use the CPython API.
    raise ImportError(f"lmscope's engine needs CPython, not {sys.implementation.name}")


def _borrowed(obj):
    """A Python object as the `PyObject *` that C code of this module uses.
    CPython documents id() as the object's address; the caller keeps the
    object alive while C holds the pointer."""
    return ffi.cast("void *", id(obj))


class EngineRun:
    """One fit's buffers and engine state.  Its arrays are the outputs."""

    def __init__(self, settings: FitSettings, stop=None):
        m, n = settings.m, settings.n
        self.settings = settings
        self.x = settings.x0  # validation made it a private copy
        self.fvec = np.empty(m)
        self.fjac = np.empty((n, m))  # column-major m x n: row j is column j
        self.qtf = np.empty(n)
        self.ipvt = np.empty(n, dtype=np.int32)
        # The engine's workspace, the scales and the point handed to Python,
        # in one allocation: a fit's fixed cost matters when func is cheap.
        work_size = lib.lm_work_size(m, n)
        self._scratch = np.empty(work_size + 2 * n)
        scratch = ffi.from_buffer("double[]", self._scratch)
        self._work, self._diag, x_eval_pointer = (
            scratch,
            scratch + work_size,
            scratch + work_size + n,
        )
        if settings.diag is not None:
            self._scratch[work_size : work_size + n] = settings.diag
        x_eval = self._scratch[work_size + n :]
        if settings.jacobian0 is not None:
            self.fjac[...] = settings.jacobian0
        self.context = context = FitContext(
            settings.func, settings.args, settings.dfun, settings.col_deriv, stop, x_eval, m
        )

        run = ffi.new("lm_python_run *")
        lib.lm_python_setup(
            run,
            m,
            n,
            settings.ftol,
            settings.xtol,
            settings.gtol,
            settings.maxfev,
            settings.epsfcn,
            settings.factor,
            settings.diag is not None,
            _borrowed(context.objects),
            x_eval_pointer,
            settings.dfun is not None,
            settings.col_deriv,
            settings.jacobian0 is not None,
        )
        self._run = run
        self._problem = ffi.addressof(run.problem)
        self.state = ffi.addressof(run.state)
        self._fjac_pointer = ffi.from_buffer("double[]", self.fjac)

    def _init(self, start_record, recorded) -> int:
        d = ffi.from_buffer
        return lib.lm_init(
            self.state,
            self._problem,
            d("double[]", self.x),
            d("double[]", self.fvec),
            self._fjac_pointer,
            self._diag,
            d("double[]", self.qtf),
            d("int[]", self.ipvt),
            self._work,
            d("double[]", self.settings.fvec0),
            start_record,
            recorded,
        )

    def covariance(self):
        """cov_x from the final factorization, or None when R is singular."""
        n = self.settings.n
        cov_and_work = np.empty((2, n, n))
        pointer = ffi.from_buffer("double[]", cov_and_work)
        singular = lib.lm_covariance(
            n,
            self._fjac_pointer,
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
        if callback is None and trace is None:
            status = self._init(ffi.NULL, ffi.new("int *"))
            if status == lib.LM_RUNNING:
                status = lib.lm_solve(self.state)
        else:
            status = self._run_by_steps(callback, trace, point_map)
        error = self.context.take_error()
        if error is not None:
            raise error
        return status

    def _run_by_steps(self, callback, trace, point_map) -> int:
        n = self.settings.n
        x, x_trial = np.empty(n), np.empty(n)
        rec = ffi.new("lm_trial_step *")
        rec.x, rec.x_trial = ffi.from_buffer("double[]", x), ffi.from_buffer("double[]", x_trial)
        recorded = ffi.new("int *")
        if trace is not None:
            trace._start(n)

        status = self._init(rec, recorded)
        while True:
            if recorded[0]:
                shown = (x, x_trial) if point_map is None else (point_map(x), point_map(x_trial))
                if trace is not None:
                    trace._append(rec, *shown)
                if (
                    callback is not None
                    and _wants_stop(callback, rec, *shown)
                    and status == lib.LM_RUNNING
                ):
                    status = self.state.status = _messages.USER_STOP
            if status != lib.LM_RUNNING:
                return status
            status = lib.lm_step(self.state, rec, recorded)


def _wants_stop(callback, rec, x, x_trial) -> bool:
    """Call the user's callback; True (or StopIteration) asks the fit to stop."""
    try:
        answer = callback(TrialStep.from_record(rec, x, x_trial))
    except StopIteration:
        return True
    return answer is True or answer is np.True_
