"""The controls' values: what each one may be, checked by the same function
whether it comes from Python (`w.ftol = ...`) or from the page (a synced
trait the page wrote).  A check returns the value as the kernel keeps it, or
raises TypeError or ValueError with a message that names the control.

Values from the page are untrusted: the checks accept only JSON's plain
types (a bool is never a number), never evaluate anything, and cut what
they quote short.
"""

from __future__ import annotations

import math

import numpy as np

from .protocol import describe

DEFAULT_TOL = 1.49012e-08  # leastsq's ftol and xtol
BIGGEST = float(np.finfo(float).max)
MAX_MAXFEV = 10**9
MAX_DELAY = 10.0  # seconds of slow motion per trial step
PANEL_LAYOUTS = ("grid", "tabs")

# The leastsq settings a control change refits for (slow motion does not change the fit).
FIT_SETTINGS = ("ftol", "xtol", "gtol", "epsfcn", "factor", "maxfev", "use_dfun")


def default_range(value: float) -> tuple[float, float]:
    """x0 +- |x0| (+-1 around 0): the parameter's own magnitude, so tau = 1e-9
    gets [0, 2e-9] and the smallest slider step moves it by a thousandth of
    that, never [-1, 1]; cut at the largest float, so x0 = 1e308 still gets a
    finite range."""
    span = abs(value) if value != 0 else 1.0
    return max(value - span, -BIGGEST), min(value + span, BIGGEST)


def log_range(value: float) -> tuple[float, float]:
    """Two decades either side of a positive value."""
    return value / 100.0, value * 100.0


def initial_range(value: float, given, log: bool, limits=(None, None)) -> tuple[float, float]:
    """A parameter's slider range: `given` (lo, hi, either may be None) widened
    to hold the value, else the default range (two decades for a log slider),
    cut to the parameter's limits where it would cross them."""
    lo, hi = (None, None) if given is None else given
    if log and value > 0 and lo is None and hi is None:
        lo, hi = log_range(value)
    dlo, dhi = default_range(value)
    lower, upper = limits
    if lower is not None and lower < value:
        dlo = max(dlo, lower)
    if upper is not None and upper > value:
        dhi = min(dhi, upper)
    lo = dlo if lo is None else number("range min", lo)
    hi = dhi if hi is None else number("range max", hi)
    lo, hi = min(lo, value), max(hi, value)
    return (lo, hi) if lo < hi else default_range(value)


LOG_SPAN = 100.0  # a positive range whose max/min is this or more defaults to a log slider


def spans_decades(given) -> bool:
    """Whether a range given as (lo, hi) is positive and spans two decades or more."""
    lo, hi = given
    return lo is not None and hi is not None and 0 < lo and hi / lo >= LOG_SPAN


def number(name: str, value) -> float:
    """A finite real number (int or float; not a bool, not a string)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(
        value, (int, float, np.integer, np.floating)
    ):
        raise TypeError(f"{name} must be a number, got {describe(value)}")
    try:
        value = float(value)
    except OverflowError:
        raise ValueError(f"{name} is an integer too large for a float") from None
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return value


def flag(name: str, value) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be true or false, got {describe(value)}")
    return bool(value)


def tolerance(name: str, value) -> float:
    """ftol, xtol or gtol: a finite number; 0 switches the test off, and a
    negative one is leastsq's "improper input" (ier 0), as in SciPy."""
    return number(name, value)


def factor(value) -> float:
    value = number("factor", value) if not isinstance(value, float) else value
    if not (math.isfinite(value) and value > 0):
        raise ValueError(
            f"factor must be a positive finite number (the initial step bound), got {value}"
        )
    return value


def epsfcn(value) -> float | None:
    """None (leastsq's default: the residuals' machine precision) or a
    positive number; MINPACK reads epsfcn <= 0 as the default too."""
    if value is None:
        return None
    value = number("epsfcn", value)
    return value if value > 0 else None


def maxfev(value) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"maxfev must be an integer, got {describe(value)}")
    if not 0 <= value <= MAX_MAXFEV:
        shown = value if abs(value) <= MAX_MAXFEV * 10 else "a huge integer"
        raise ValueError(f"maxfev must be in 0..{MAX_MAXFEV} (0: leastsq's default), got {shown}")
    return int(value)


def delay(value) -> float:
    value = number("delay", value)
    if not 0 <= value <= MAX_DELAY:
        raise ValueError(f"delay (slow motion) must be in 0..{MAX_DELAY} seconds, got {value}")
    return value


def _sequence(name: str, value, n: int) -> list:
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"{name} must be a list of {n}, got {describe(value)}")
    if len(value) != n:
        raise ValueError(f"{name} needs {n} entries (one per parameter), got {len(value)}")
    return list(value)


def values(value, names: list[str]) -> list[float]:
    """The starting values, one finite number per parameter."""
    items = _sequence("x0", value, len(names))
    return [number(f"x0 of {name}", v) for name, v in zip(names, items, strict=True)]


def ranges(value, names: list[str]) -> list[list[float]]:
    """Each parameter's slider range [min, max], finite with min < max."""
    items = _sequence("ranges", value, len(names))
    out = []
    for name, pair in zip(names, items, strict=True):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise TypeError(f"the range of {name} must be [min, max], got {describe(pair)}")
        lo, hi = number(f"minimum of {name}", pair[0]), number(f"maximum of {name}", pair[1])
        if not lo < hi:
            raise ValueError(f"the range of {name} needs min < max, got [{lo}, {hi}]")
        out.append([lo, hi])
    return out


def logs(value, names: list[str]) -> list[bool]:
    """Which sliders are logarithmic (one flag per parameter)."""
    items = _sequence("log_scale", value, len(names))
    return [flag(f"log of {name}", v) for name, v in zip(names, items, strict=True)]


def fixed(value, names: list[str]) -> list[bool]:
    """Which parameters are held at their slider value (one flag each); at
    least one must stay free, or there is nothing to fit."""
    items = _sequence("fixed", value, len(names))
    flags = [flag(f"fix of {name}", v) for name, v in zip(names, items, strict=True)]
    if all(flags):
        raise ValueError("every parameter is fixed: at least one must stay free to fit")
    return flags


def limit(name: str, value, side: str) -> float | None:
    """One limit: a finite number, or None (JSON null; from Python also -inf
    for a lower and inf for an upper one) for none."""
    if value is None:
        return None
    if isinstance(value, (float, np.floating)) and value == (
        -np.inf if side == "lower" else np.inf
    ):
        return None
    return number(name, value)


def bounds(value, names: list[str]) -> list[list[float | None]]:
    """Each parameter's limits [lower, upper] for leastsq's bounds=, None
    where there is none; lower < upper when both are given."""
    items = _sequence("bounds", value, len(names))
    out = []
    for name, pair in zip(names, items, strict=True):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise TypeError(f"the limits of {name} must be [lower, upper], got {describe(pair)}")
        lo = limit(f"lower limit of {name}", pair[0], "lower")
        hi = limit(f"upper limit of {name}", pair[1], "upper")
        if lo is not None and hi is not None and not lo < hi:
            raise ValueError(f"the limits of {name} need lower < upper, got [{lo}, {hi}]")
        out.append([lo, hi])
    return out


def bounds_of(value, names: list[str]) -> list[list[float | None]]:
    """`bounds=(lower, upper)` as curve_fit takes it (scalars or one per
    parameter, -inf/inf or None for none) as the per-parameter limits."""
    if value is None:
        return [[None, None] for _ in names]
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise TypeError(f"bounds must be a pair (lower, upper), got {describe(value)}")
    ends = []
    for end, which in zip(value, ("lower", "upper"), strict=True):
        array = np.asarray(np.nan if end is None else end, dtype=np.float64).reshape(-1)
        if array.size == 1:
            array = np.full(len(names), array[0])
        if array.size != len(names):
            raise ValueError(
                f"bounds: the {which} bound has {array.size} entries but there are "
                f"{len(names)} parameters; give a scalar or one per parameter"
            )
        if (
            which == "lower"
            and np.any(array == np.inf)
            or which == "upper"
            and np.any(array == -np.inf)
        ):
            raise ValueError(f"bounds: the {which} bound is {'+' if which == 'lower' else '-'}inf")
        ends.append([None if not math.isfinite(v) else float(v) for v in array])
    return bounds([list(pair) for pair in zip(*ends, strict=True)], names)


def clamp(values: list[float], limits: list[list[float | None]]) -> list[float]:
    """Values moved inside their limits (onto the limit when outside)."""
    out = []
    for v, (lo, hi) in zip(values, limits, strict=True):
        if lo is not None:
            v = max(v, lo)
        if hi is not None:
            v = min(v, hi)
        out.append(v)
    return out


def landscape_pair(value, n: int) -> list[int]:
    items = _sequence("landscape_params", value, 2)
    out = []
    for item in items:
        if isinstance(item, (bool, np.bool_)) or not isinstance(item, (int, np.integer)):
            raise TypeError(f"landscape_params must be two indices, got {describe(item)}")
        if not 0 <= item < n:
            raise ValueError(f"landscape_params: {int(item)} is not a parameter index 0..{n - 1}")
        out.append(int(item))
    if out[0] == out[1]:
        raise ValueError(f"landscape_params must be two different parameters, both are {out[0]}")
    return out


def panel_layout(value) -> str:
    if not isinstance(value, str) or value not in PANEL_LAYOUTS:
        raise ValueError(f"panels must be one of {', '.join(PANEL_LAYOUTS)}, got {describe(value)}")
    return value
