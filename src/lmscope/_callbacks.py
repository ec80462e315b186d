"""What the engine's Python callbacks need, and how exceptions cross C.

The callbacks themselves are C (src/engine/python_callbacks.c): they call
the user's `func` and `Dfun` through the CPython API, because a cffi
callback plus a Python trampoline costs more per call than SciPy's whole
wrapper.  This module gives them what they need: a `FitContext` per fit,
whose objects C borrows (so fits on several threads, and fits nested in
another fit's `func`, never share state), and the converters for results
that are not already float64 arrays of the right shape.

An exception raised by user code (KeyboardInterrupt included) is handed to
`FitContext.store_error` and the engine is told to stop, so C unwinds
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
    """The Python objects one fit's C callbacks use.  C reads them from the
    `objects` tuple (in the order of lm_python_object in
    python_callbacks.h) as borrowed references: this context keeps the tuple
    alive for as long as the fit runs."""

    def __init__(self, func, args, dfun, col_deriv, stop, x_eval, m):
        n = x_eval.size
        # C hands an exception raised in a callback to store_error.
        self.errors: list[BaseException] = []
        self.objects = (
            func,
            dfun,
            args,
            # C writes the point into x_eval; the user gets a copy, so storing
            # it or writing into it cannot touch the engine's buffers.
            x_eval.copy,
            stop.is_set if stop is not None else None,
            lambda values: residuals_as_float64(values, m),
            lambda values: np.ascontiguousarray(jacobian_rows(values, m, n, col_deriv)),
            _error_store(self.errors),
        )

    def take_error(self) -> BaseException | None:
        """The exception a callback raised, if any (cleared)."""
        return self.errors.pop() if self.errors else None


def _error_store(errors: list):
    """What C calls with an exception from a callback: keep it for
    re-raising, or answer True (stop cleanly, keep nothing) for StopFit.  A
    closure over the list, not a method, so the context is not in a cycle."""

    def store_error(exc: BaseException) -> bool:
        if isinstance(exc, StopFit):
            return True
        errors.append(exc)
        return False

    return store_error


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
