"""Every argument of leastsq checked before C is entered.

Errors name the argument and carry the numbers.  Where SciPy's leastsq has
a defined answer for a setting MINPACK rejects (a negative tolerance, a
non-positive factor or scale: `ier = 0`, "Improper input parameters"), the
setting is not an error here either; it is recorded as `improper` and the
caller reports ier = 0 as SciPy does.  What SciPy leaves undefined (NaN
settings, a `diag` of the wrong length, a non-finite x0) is an error.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass

import numpy as np

from ._callbacks import jacobian_rows
from .trace import Trace

_INT_MAX = 2**31 - 1
_FLOAT64_EPS = float(np.finfo(np.float64).eps)


@dataclass
class FitSettings:
    """A fit's inputs after checking, in the engine's terms."""

    func: object
    args: tuple
    dfun: object
    col_deriv: bool
    x0: np.ndarray  # float64, 1-D, a private copy
    fvec0: np.ndarray  # func(x0), float64
    jacobian0: np.ndarray | None  # Dfun(x0) as (n, m) rows, or None
    ftol: float
    xtol: float
    gtol: float
    maxfev: int
    epsfcn: float
    factor: float
    diag: np.ndarray | None
    improper: str  # why MINPACK would refuse the settings, or ""

    @property
    def n(self) -> int:
        return self.x0.size

    @property
    def m(self) -> int:
        return self.fvec0.size


def _callable(name: str, value, *, optional: bool = False):
    if value is None and optional:
        return None
    if not callable(value):
        raise TypeError(f"{name} must be callable, got {type(value).__name__}")
    return value


def _real_array(name: str, value) -> np.ndarray:
    array = np.asarray(value)
    if array.dtype.kind == "c":
        raise TypeError(f"{name} must be real; got complex values (dtype {array.dtype})")
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be an array of real numbers; got dtype {array.dtype}")
    # A new array: the caller's input is never aliased or modified.
    return np.array(array, dtype=np.float64)


def _finite(name: str, array: np.ndarray) -> None:
    # A sum is finite when every entry is (short of overflow, which falls
    # through to the exact check); for the few parameters of a typical fit,
    # summing in Python costs less than any numpy call.
    if array.size <= 64 and math.isfinite(sum(array.ravel().tolist())):
        return
    bad = np.flatnonzero(~np.isfinite(array))
    if bad.size:
        i = bad[0]
        raise ValueError(
            f"{name} must be finite; {name}[{i}] is {array.flat[i]} "
            f"({bad.size} non-finite of {array.size})"
        )


def _real_scalar(name: str, value) -> float:
    if type(value) is float or type(value) is int:  # the common case, kept cheap
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"{name} must be finite, got {number}")
        return number
    array = np.asarray(value)
    if array.ndim != 0 or array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a real number, got {value!r}")
    number = float(array)
    if not math.isfinite(number):
        raise ValueError(f"{name} must be finite, got {number}")
    return number


def check_x0(value) -> np.ndarray:
    """x0 as leastsq takes it: real, finite, at least one element (a new float64 array)."""
    x0 = _real_array("x0", value).reshape(-1)
    if x0.size == 0:
        raise TypeError("x0 is empty: leastsq needs at least one parameter")
    _finite("x0", x0)
    return x0


def _first_residuals(func, x0: np.ndarray, args: tuple):
    """func(x0) as float64, and the dtype that sets the default epsfcn."""
    out = func(x0.copy(), *args)
    if type(out) is not np.ndarray:
        out = np.asarray(out)
    if out.dtype.kind == "c":
        raise TypeError(f"func must return real residuals; it returned dtype {out.dtype}")
    if out.dtype.kind not in "biuf":
        raise TypeError(f"func must return an array of real numbers; it returned dtype {out.dtype}")
    if out.ndim > 1:
        raise ValueError(
            f"func must return a 1-D array of residuals; it returned shape {out.shape}"
        )
    dtype = out.dtype if out.dtype.kind == "f" else np.dtype(np.float64)
    # A copy: Dfun, called next, might write into the array func returned.
    return np.array(out.reshape(-1), dtype=np.float64), dtype


def _first_jacobian(dfun, x0, args, m, n, col_deriv):
    out = dfun(x0.copy(), *args)  # the user's exceptions pass unchanged
    try:
        # A view of the user's array is enough: it is copied into the
        # engine's Jacobian buffer before the fit starts.
        return jacobian_rows(out, m, n, col_deriv)
    except ValueError as exc:
        # SciPy raises TypeError for a Jacobian of the wrong shape.
        raise TypeError(str(exc)) from None


def check_flag(name: str, value) -> bool:
    """col_deriv and full_output: SciPy's C layer takes them as integers, so
    a string (col_deriv="False") is an error, not a true value."""
    try:
        return bool(operator.index(value))
    except TypeError:
        raise TypeError(f"{name} must be a bool, got {value!r}") from None


def _maxfev(value, n: int, has_dfun: bool) -> int:
    try:
        maxfev = operator.index(value)
    except TypeError:
        raise TypeError(f"maxfev must be an integer, got {value!r}") from None
    if maxfev < 0:
        raise ValueError(f"maxfev must be >= 0 (0 picks the default), got {maxfev}")
    # nfev may pass maxfev by n within an iteration; it must stay a C int.
    limit = _INT_MAX - n - 1
    if maxfev > limit:
        raise ValueError(f"maxfev must be at most {limit}, got {maxfev}")
    if maxfev == 0:
        maxfev = (100 if has_dfun else 200) * (n + 1)
    return maxfev


def _diag(value, n: int) -> np.ndarray | None:
    if value is None:
        return None
    diag = _real_array("diag", value)
    if diag.ndim != 1 or diag.size != n:
        raise ValueError(
            f"diag has shape {diag.shape} but x0 has {n} elements; "
            f"diag needs one positive scale per parameter"
        )
    _finite("diag", diag)
    return diag


def check_options(callback, trace, stop) -> None:
    """The keyword-only extensions."""
    _callable("callback", callback, optional=True)
    if trace is not None and not isinstance(trace, Trace):
        raise TypeError(f"trace must be an lmscope.Trace, got {type(trace).__name__}")
    if stop is not None and not callable(getattr(stop, "is_set", None)):
        raise TypeError(
            f"stop must have an is_set() method (a threading.Event), got {type(stop).__name__}"
        )


def prepare(
    func, x0, args, Dfun, col_deriv, ftol, xtol, gtol, maxfev, epsfcn, factor, diag
) -> FitSettings:
    """Check leastsq's arguments, evaluate func (and Dfun) at x0 once, and
    return the settings the engine runs with."""
    _callable("func", func)
    _callable("Dfun", Dfun, optional=True)
    if not isinstance(args, tuple):
        args = (args,)
    x0 = check_x0(x0)
    n = x0.size
    fvec0, dtype = _first_residuals(func, x0, args)
    m = fvec0.size
    if n > m:
        raise TypeError(
            f"Improper input: func input vector length N={n} must not exceed "
            f"func output vector length M={m} (x0 has {n} elements but func "
            f"returned {m} residuals; leastsq needs at least as many residuals "
            f"as parameters)"
        )
    col_deriv = check_flag("col_deriv", col_deriv)
    jacobian0 = None if Dfun is None else _first_jacobian(Dfun, x0, args, m, n, col_deriv)

    ftol, xtol, gtol = (
        _real_scalar(name, value)
        for name, value in (("ftol", ftol), ("xtol", xtol), ("gtol", gtol))
    )
    factor = _real_scalar("factor", factor)
    if epsfcn is None:
        epsfcn = _FLOAT64_EPS if dtype == np.float64 else float(np.finfo(dtype).eps)
    else:
        epsfcn = _real_scalar("epsfcn", epsfcn)
    diag = _diag(diag, n)

    improper = [
        f"{name}={value:g} must be >= 0"
        for name, value in (("ftol", ftol), ("xtol", xtol), ("gtol", gtol))
        if value < 0
    ]
    if factor <= 0:
        improper.append(f"factor={factor:g} must be > 0")
    if diag is not None and np.any(diag <= 0):
        i = int(np.flatnonzero(diag <= 0)[0])
        improper.append(f"diag must be positive, diag[{i}]={diag[i]:g}")

    return FitSettings(
        func,
        args,
        Dfun,
        col_deriv,
        x0,
        fvec0,
        jacobian0,
        ftol,
        xtol,
        gtol,
        _maxfev(maxfev, n, Dfun is not None),
        epsfcn,
        factor,
        diag,
        "; ".join(improper),
    )
