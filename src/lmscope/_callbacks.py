"""The C engine's residual and Jacobian callbacks, and how exceptions cross C.

C reaches the user's `func` and `Dfun` through the two `extern "Python"`
trampolines below; cffi takes the GIL back on the way in.  Each fit owns a
`FitContext`, passed to C as a `void *` handle, so fits on several threads
and fits nested inside another fit's `func` never share state.

An exception raised by user code (KeyboardInterrupt included) is stored on
the context and a negative flag is returned, so C unwinds normally; the
caller re-raises it once C has returned, with its original traceback.
"""
from __future__ import annotations

import numpy as np

from ._lmengine import ffi, lib

_FLOAT64 = np.dtype(np.float64)


class FitContext:
    """What the callbacks of one fit need: the user's functions and settings,
    the first evaluations (reused, not repeated), and what went wrong."""

    __slots__ = ("func", "args", "dfun", "col_deriv", "jacobian0", "stop", "error")

    def __init__(self, func, args, dfun, col_deriv, jacobian0, stop):
        self.func = func
        self.args = args
        self.dfun = dfun
        self.col_deriv = col_deriv
        # Dfun(x0) was evaluated while checking its shape; the engine's first
        # Jacobian is at x0 too, so it is used instead of a second call.
        self.jacobian0 = jacobian0
        self.stop = stop
        self.error: BaseException | None = None


def _point(x, n: int) -> np.ndarray:
    """A fresh array for the user: storing it or writing into it cannot
    touch the engine's buffers."""
    return np.frombuffer(ffi.buffer(x, n * _FLOAT64.itemsize), dtype=_FLOAT64).copy()


def residuals_as_float64(values, m: int) -> np.ndarray:
    """func's output as a contiguous float64 vector of length m, or a
    ValueError that says what came back instead."""
    r = np.ascontiguousarray(values, dtype=_FLOAT64)
    if r.ndim > 1 or r.size != m:
        raise ValueError(
            f"func returned an array of shape {r.shape} at this point, but {m} "
            f"residuals at x0; func must always return the same number of residuals")
    return r


def jacobian_rows(values, m: int, n: int, col_deriv: bool) -> np.ndarray:
    """Dfun's output as an (n, m) array whose row j is df/dx_j: the memory
    layout of MINPACK's column-major m x n Jacobian."""
    jac = np.asarray(values, dtype=_FLOAT64)
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


@ffi.def_extern()
def _lmscope_residual(handle, m, n, x, fvec, kind):
    context = ffi.from_handle(handle)
    try:
        if context.stop is not None and context.stop.is_set():
            return lib.LM_USER_STOP
        r = residuals_as_float64(context.func(_point(x, n), *context.args), m)
        ffi.memmove(fvec, r, m * _FLOAT64.itemsize)
        return 0
    except BaseException as exc:  # noqa: BLE001 - carried across C, re-raised by the caller
        context.error = exc
        return lib.LM_CALLBACK_ERROR


@ffi.def_extern()
def _lmscope_jacobian(handle, m, n, x, fjac, ldfjac):
    context = ffi.from_handle(handle)
    try:
        if context.stop is not None and context.stop.is_set():
            return lib.LM_USER_STOP
        if context.jacobian0 is not None:
            rows, context.jacobian0 = context.jacobian0, None
        else:
            rows = jacobian_rows(context.dfun(_point(x, n), *context.args),
                                 m, n, context.col_deriv)
        target = np.frombuffer(ffi.buffer(fjac, ldfjac * n * _FLOAT64.itemsize),
                               dtype=_FLOAT64).reshape(n, ldfjac)
        target[:, :m] = rows
        return 0
    except BaseException as exc:  # noqa: BLE001 - carried across C, re-raised by the caller
        context.error = exc
        return lib.LM_CALLBACK_ERROR
