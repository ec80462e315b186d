"""What the engine's Python callbacks need, and how exceptions cross C.

The callbacks themselves are C (src/binding/python_bridge.c): they call
the user's `func` and `Dfun` through the CPython API, because a cffi
callback plus a Python trampoline costs more per call than SciPy's whole
wrapper.  This module gives them what they need: a `FitContext` per fit,
whose attributes the bridge reads by name, checks and holds for the fit
(so fits on several threads, and fits nested in another fit's `func`,
never share state), and the converters for results that are not already
float64 arrays of the right shape.

An exception raised by user code (KeyboardInterrupt included) is appended
to `FitContext.errors` by C and the engine is told to stop, so C unwinds
normally; the caller re-raises it once C has returned, with its original
traceback.  `StopFit` is the exception that is not re-raised: it stops the
fit cleanly, as the stop event does.
"""

from __future__ import annotations

import numpy as np

_FLOAT64 = np.dtype(np.float64)


class StopFit(Exception):
    """Raised in func or Dfun, stops the fit cleanly: ier = -2 with the
    outputs at the last accepted point, as `stop.set()` does."""


class FitContext:
    """Everything python_bridge.c reads for one fit, by attribute name
    (lm_python_solve and lm_python_start check the kind, dtype and size of
    each): the user's callables, the converters, the list C appends an
    exception to, and the engine's buffers, which are the fit's outputs."""

    __slots__ = (
        "func",
        "dfun",
        "args",
        "stop_is_set",
        "errors",
        "x",
        "fvec",
        "fjac",
        "qtf",
        "ipvt",
        "work",
    )
    stop_fit = StopFit

    def __init__(self, func, args, dfun, stop, x, fvec, fjac, qtf, ipvt, work):
        self.func = func
        self.dfun = dfun
        self.args = args
        self.stop_is_set = stop.is_set if stop is not None else None
        self.errors: list[BaseException] = []
        self.x, self.fvec, self.fjac, self.qtf, self.ipvt, self.work = (
            x,
            fvec,
            fjac,
            qtf,
            ipvt,
            work,
        )

    def take_error(self) -> BaseException | None:
        """The exception a callback raised, if any (cleared)."""
        return self.errors.pop() if self.errors else None

    @staticmethod
    def residuals_as_float64(values, m: int) -> np.ndarray:
        return residuals_as_float64(values, m)

    @staticmethod
    def jacobian_as_float64(values, m: int, n: int, col_deriv: int) -> np.ndarray:
        return np.ascontiguousarray(jacobian_rows(values, m, n, bool(col_deriv)))


def residuals_as_float64(values, m: int) -> np.ndarray:
    """func's output as a float64 vector of length m, or an error that says
    what came back instead."""
    r = np.asarray(values)
    if r.dtype.kind not in "biuf":
        raise TypeError(f"func must return real residuals; it returned dtype {r.dtype}")
    if r.ndim > 1 or r.size != m:
        raise ValueError(
            f"func returned an array of shape {r.shape} at this point, but {m} "
            f"residuals at x0; func must always return the same number of residuals"
        )
    return np.ascontiguousarray(r, dtype=_FLOAT64).reshape(m)


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
            layout = (
                "col_deriv=True: row j holds df/dx_j"
                if col_deriv
                else "row i holds the gradient of residual i"
            )
            raise ValueError(
                f"Dfun returned an array of shape {jac.shape}; expected {expected} "
                f"for m={m} residuals and n={n} parameters ({layout})"
            )
    return jac if col_deriv else jac.T
