"""The engine's residual and Jacobian callbacks, and how exceptions cross C.

C reaches the user's `func` and `Dfun` through the two trampolines below
(via the adapters of src/engine/python_callbacks.c, which copy the point
into `FitContext.x_eval` and the residuals out of `FitContext.f_eval`); cffi
takes the GIL back on the way in.  Each fit owns a `FitContext`, passed to
C as a `void *` handle, so fits on several threads and fits nested inside
another fit's `func` never share state.

An exception raised by user code (KeyboardInterrupt included) is stored on
the context and a negative flag is returned, so C unwinds normally; the
caller re-raises it once C has returned, with its original traceback.  An
exception raised outside the trampolines' `try` (a signal handler runs at
the first line of a Python function, so Ctrl-C can land there) takes the
same way through cffi's `onerror`.
"""
from __future__ import annotations

import numpy as np

from ._lmengine import ffi, lib

_FLOAT64 = np.dtype(np.float64)
_CALLBACK_ERROR = lib.LM_CALLBACK_ERROR
_USER_STOP = lib.LM_USER_STOP


class FitContext:
    """What the callbacks of one fit need: the user's functions, the
    buffers shared with C, the first Jacobian (reused, not recomputed), and
    what went wrong."""

    __slots__ = ("func", "args", "dfun", "col_deriv", "jacobian_ready", "stop", "error",
                 "x_eval", "f_eval", "jac_rows", "m", "n", "_residual_shape")

    def __init__(self, func, args, dfun, col_deriv, jacobian_ready, stop, x_eval, f_eval,
                 jac_rows):
        self.func = func
        self.args = args
        self.dfun = dfun
        self.col_deriv = col_deriv
        # True when jac_rows already holds the Jacobian at x0 (evaluated while
        # checking Dfun's shape): the engine's first Jacobian is at x0 too.
        self.jacobian_ready = jacobian_ready
        self.stop = stop
        self.error: BaseException | None = None
        self.n, self.m = jac_rows.shape
        self.x_eval = x_eval          # (n,): the point C asks about
        self.f_eval = f_eval          # (m,): where f goes
        self.jac_rows = jac_rows      # (n, m): the engine's column-major fjac
        self._residual_shape = (self.m,)


def residuals_as_float64(values, m: int) -> np.ndarray:
    """func's output as a float64 vector of length m, or an error that says
    what came back instead."""
    r = np.asarray(values)
    if r.dtype.kind not in "biuf":
        raise TypeError(f"func must return real residuals; it returned dtype {r.dtype}")
    if r.ndim > 1 or r.size != m:
        raise ValueError(
            f"func returned an array of shape {r.shape} at this point, but {m} "
            f"residuals at x0; func must always return the same number of residuals")
    return r.astype(_FLOAT64, copy=False).reshape(m)


def jacobian_rows(values, m: int, n: int, col_deriv: bool) -> np.ndarray:
    """Dfun's output as an (n, m) array whose row j is df/dx_j: the memory
    layout of MINPACK's column-major m x n Jacobian."""
    jac = np.asarray(values)
    if jac.dtype.kind not in "biuf":
        raise TypeError(f"Dfun must return a real Jacobian; it returned dtype {jac.dtype}")
    jac = jac.astype(_FLOAT64, copy=False)
    expected = (n, m) if col_deriv else (m, n)
    if jac.shape != expected:
        # With one parameter a flat vector is unambiguous (SciPy accepts it).
        if n == 1 and jac.size == m:
            jac = jac.reshape(expected)
        else:
            layout = "col_deriv=True: row j holds df/dx_j" if col_deriv else \
                "row i holds the gradient of residual i"
            raise ValueError(
                f"Dfun returned an array of shape {jac.shape}; expected {expected} "
                f"for m={m} residuals and n={n} parameters ({layout})")
    return jac if col_deriv else jac.T


def _carry_error(exc_type, exc, traceback):
    """cffi's onerror for both trampolines: an exception that escaped them
    (raised before their `try`) is stored like any other."""
    handle = traceback.tb_frame.f_locals.get("handle") if traceback is not None else None
    if handle is not None:
        ffi.from_handle(handle).error = exc


@ffi.def_extern(error=_CALLBACK_ERROR, onerror=_carry_error)
def _lmscope_residual(handle):
    context = ffi.from_handle(handle)
    try:
        if context.stop is not None and context.stop.is_set():
            return _USER_STOP
        # A copy: storing x or writing into it cannot touch the engine's buffers.
        r = context.func(context.x_eval.copy(), *context.args)
        if type(r) is not np.ndarray or r.dtype is not _FLOAT64 \
                or r.shape != context._residual_shape:
            r = residuals_as_float64(r, context.m)   # lists, scalars, other dtypes, wrong shapes
        context.f_eval[:] = r
        return 0
    except BaseException as exc:  # noqa: BLE001 - carried across C, re-raised by the caller
        context.error = exc
        return _CALLBACK_ERROR


@ffi.def_extern(error=_CALLBACK_ERROR, onerror=_carry_error)
def _lmscope_jacobian(handle):
    context = ffi.from_handle(handle)
    try:
        if context.stop is not None and context.stop.is_set():
            return _USER_STOP
        if context.jacobian_ready:
            context.jacobian_ready = False
        else:
            context.jac_rows[...] = jacobian_rows(
                context.dfun(context.x_eval.copy(), *context.args),
                context.m, context.n, context.col_deriv)
        return 0
    except BaseException as exc:  # noqa: BLE001 - carried across C, re-raised by the caller
        context.error = exc
        return _CALLBACK_ERROR
