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
_FLOAT64 = np.dtype(np.float64)
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
    else:
        array = np.asarray(value)
        if array.ndim != 0 or isinstance(value, (str, bytes)):
            raise TypeError(f"{name} must be a real number, got {value!r}")
        if array.dtype.kind in "biuf":
            number = float(array)
        elif array.dtype.kind == "O" and hasattr(type(value), "__float__"):
            # Decimal, Fraction and other numbers: SciPy takes anything with
            # __float__, and so does lmscope.
            number = float(value)
        else:
            raise TypeError(f"{name} must be a real number, got {value!r}")
    if not math.isfinite(number):
        raise ValueError(f"{name} must be finite, got {number}")
    return number


def check_x0(value) -> np.ndarray:
    """x0 as a private float64 1-D copy, checked."""
    if type(value) is np.ndarray and value.dtype is _FLOAT64 and value.ndim == 1:
        # The common call, kept cheap: the checks below would pass it.
        x0 = value.copy()
        _finite("x0", x0)
        return x0
    array = np.asarray(value)
    if array.dtype.kind == "f" and array.dtype.itemsize > 8:
        # SciPy refuses to cast longdouble to float64 (its C layer casts
        # "safely"); a silent cast would drop the digits the caller asked for.
        raise TypeError(
            f"x0 has dtype {array.dtype}, which float64 cannot hold exactly; leastsq "
            f"computes in float64: pass x0.astype(float) to accept the rounding"
        )
    x0 = _real_array("x0", array).reshape(-1)
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
    if out.size > _INT_MAX:
        # MINPACK counts residuals in a C int (checked before copying them).
        raise ValueError(
            f"func returned {out.size} residuals; leastsq handles at most 2**31 - 1 = {_INT_MAX}"
        )
    dtype = out.dtype if out.dtype.kind == "f" else _FLOAT64
    # A copy: Dfun, called next, might write into the array func returned.
    return np.array(out if out.ndim == 1 else out.reshape(-1), dtype=_FLOAT64), dtype


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
    if maxfev > _INT_MAX:
        # SciPy's C layer raises the same error for what a C int cannot hold.
        raise OverflowError(f"maxfev must fit a C int (at most {_INT_MAX}), got {maxfev}")
    if maxfev <= 0:
        # 0 picks the default; so does a negative budget in SciPy >= 1.15,
        # whose C layer replaces it with the default before MINPACK sees it.
        maxfev = (100 if has_dfun else 200) * (n + 1)
    # nfev may pass maxfev by n within an iteration and must stay a C int; a
    # budget this close to 2**31 evaluations is never reached in practice.
    return min(maxfev, _INT_MAX - n - 1)


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

    ftol = _real_scalar("ftol", ftol)
    xtol = _real_scalar("xtol", xtol)
    gtol = _real_scalar("gtol", gtol)
    factor = _real_scalar("factor", factor)
    if epsfcn is None:
        epsfcn = _FLOAT64_EPS if dtype == _FLOAT64 else float(np.finfo(dtype).eps)
    else:
        epsfcn = _real_scalar("epsfcn", epsfcn)
    diag = _diag(diag, n)

    proper = n > 0 and ftol >= 0 and xtol >= 0 and gtol >= 0 and factor > 0 and diag is None
    improper = "" if proper else _improper(n, ftol, xtol, gtol, factor, diag)

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
        improper,
    )


def _improper(n: int, ftol: float, xtol: float, gtol: float, factor: float, diag) -> str:
    """Why MINPACK would refuse these settings ("" when it would not)."""
    improper = ["x0 is empty: there is no parameter to fit"] if n == 0 else []
    improper += [
        f"{name}={value:g} must be >= 0"
        for name, value in (("ftol", ftol), ("xtol", xtol), ("gtol", gtol))
        if value < 0
    ]
    if factor <= 0:
        improper.append(f"factor={factor:g} must be > 0")
    if diag is not None and np.any(diag <= 0):
        i = int(np.flatnonzero(diag <= 0)[0])
        improper.append(f"diag must be positive, diag[{i}]={diag[i]:g}")
    return "; ".join(improper)
