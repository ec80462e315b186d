"""Bounds by a change of variables: MINUIT's parameter transformations.

Levenberg-Marquardt as MINPACK implements it knows no bounds.  MINUIT's
recipe (F. James, *MINUIT Reference Manual*, CERN Program Library D506,
section "parameter limits"; lmfit uses the same) fits an unbounded internal
parameter u and maps it to the external x the model sees:

    both limits   x = lb + (sin u + 1) (ub - lb) / 2      u = arcsin(2 (x - lb) / (ub - lb) - 1)
    lower only    x = lb - 1 + sqrt(u^2 + 1)               u = sqrt((x - lb + 1)^2 - 1)
    upper only    x = ub + 1 - sqrt(u^2 + 1)               u = sqrt((ub - x + 1)^2 - 1)
    none          x = u

Every u gives an x inside the limits, so the unbounded engine runs as it is.
The Jacobian in u is the Jacobian in x times dx/du column by column, and the
covariance of x is carried back from that of u to first order:
cov_x[i, j] = g_i g_j cov_u[i, j] with g = dx/du at the solution.

What it means for a result: near a limit dx/du goes to zero, so a parameter
that ends at its limit has a tiny or zero standard error that says nothing
about its uncertainty; and a start exactly on a limit cannot leave it.  This
is not SciPy's bounded method ('trf'), which solves a different subproblem
and takes other steps: with finite bounds lmscope's numbers match lmfit's
`minimize(method='leastsq')`, not SciPy's `curve_fit`.
"""

from __future__ import annotations

import numpy as np

# Below this an internal parameter is rounding error around 0 (see to_internal).
_ROUNDING_OF_ZERO = 1e-15


class Bounds:
    """The transformation for n parameters between limits lb and ub (either
    may be infinite, per parameter).

    One fit's limits are (n,); a batch of K fits shares them, or gives each
    fit its own (K, n).  Every method takes one point (n,) or a block of
    points (k, n), one row per point, and for per-fit limits the fit each
    row belongs to (`fits`, k indices; all K fits in order when omitted).
    Each entry goes through the same arithmetic whatever the block, so a
    row of a block is transformed exactly as that point alone.
    """

    def __init__(self, bounds, n: int, x0: np.ndarray | None = None, name: str = "x0"):
        """Limits for n parameters; x0, when given, is checked to lie within
        them (for a batch, x0 is (K, n) and the limits may be per fit)."""
        count = x0.shape[0] if x0 is not None and x0.ndim == 2 else None
        lb, ub = _limits(bounds, n, count)
        self.lb, self.ub = lb, ub
        self.both = np.isfinite(lb) & np.isfinite(ub)
        self.lower = np.isfinite(lb) & ~np.isfinite(ub)
        self.upper = ~np.isfinite(lb) & np.isfinite(ub)
        if x0 is not None:
            self.require_inside(x0, name)

    def require_inside(self, x0: np.ndarray, name: str) -> None:
        """A ValueError naming the first entry of x0 outside its limits."""
        outside = np.argwhere((x0 < self.lb) | (x0 > self.ub))
        if outside.size:
            where = tuple(int(i) for i in outside[0])
            low = np.broadcast_to(self.lb, x0.shape)[where]
            high = np.broadcast_to(self.ub, x0.shape)[where]
            index = ", ".join(str(i) for i in where)
            which = f" (fit {where[0]}, parameter {where[1]})" if x0.ndim == 2 else ""
            raise ValueError(
                f"{name}[{index}]={x0[where]:g} is outside its bounds [{low:g}, {high:g}]"
                f"{which}; a bounded fit starts inside its limits"
            )

    @property
    def active(self) -> bool:
        """Whether any parameter has a finite limit."""
        return bool(np.any(self.both | self.lower | self.upper))

    def _at(self, shape: tuple, fits):
        """lb, ub and the three masks laid out like a point or block of `shape`."""
        arrays = (self.lb, self.ub, self.both, self.lower, self.upper)
        if self.lb.ndim == 2 and fits is not None:
            arrays = tuple(a[fits] for a in arrays)
        return tuple(np.broadcast_to(a, shape) for a in arrays)

    def to_internal(self, x: np.ndarray, fits=None) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        lb, ub, b, lo, up = self._at(x.shape, fits)
        u = x.copy()
        u[b] = np.arcsin(2.0 * (x[b] - lb[b]) / (ub[b] - lb[b]) - 1.0)
        u[lo] = np.sqrt((x[lo] - lb[lo] + 1.0) ** 2 - 1.0)
        u[up] = np.sqrt((ub[up] - x[up] + 1.0) ** 2 - 1.0)
        # A start midway between two limits should give u = 0, but the
        # arcsin's argument rounds to a few 1e-16.  MINPACK's difference step
        # is sqrt(epsfcn) |u| (sqrt(epsfcn) itself only at u = 0), so at such
        # a u the step moves x by less than its last bit, the Jacobian column
        # is zero and the parameter never leaves its start.  u this small is
        # rounding, so it is taken as 0, where lmfit takes it too.
        limited = b | lo | up
        u[limited & (np.abs(u) < _ROUNDING_OF_ZERO)] = 0.0
        return u

    def to_external(self, u: np.ndarray, fits=None) -> np.ndarray:
        u = np.asarray(u, dtype=np.float64)
        lb, ub, b, lo, up = self._at(u.shape, fits)
        x = u.copy()
        x[b] = lb[b] + (np.sin(u[b]) + 1.0) * (ub[b] - lb[b]) / 2.0
        x[lo] = lb[lo] - 1.0 + np.sqrt(u[lo] * u[lo] + 1.0)
        x[up] = ub[up] + 1.0 - np.sqrt(u[up] * u[up] + 1.0)
        return x

    def gradient(self, u: np.ndarray, fits=None) -> np.ndarray:
        """dx/du, one entry per parameter (per row of a block)."""
        u = np.asarray(u, dtype=np.float64)
        lb, ub, b, lo, up = self._at(u.shape, fits)
        g = np.ones_like(u)
        g[b] = np.cos(u[b]) * (ub[b] - lb[b]) / 2.0
        g[lo] = u[lo] / np.sqrt(u[lo] * u[lo] + 1.0)
        g[up] = -u[up] / np.sqrt(u[up] * u[up] + 1.0)
        return g

    def covariance(self, cov_u: np.ndarray | None, u: np.ndarray, fits=None) -> np.ndarray | None:
        """cov_x from cov_u (n, n) at u (n,), or from a block (k, n, n) at (k, n)."""
        if cov_u is None:
            return None
        g = self.gradient(u, fits)
        return cov_u * (g[..., :, np.newaxis] * g[..., np.newaxis, :])


def _limits(bounds, n: int, count: int | None) -> tuple[np.ndarray, np.ndarray]:
    """lb and ub as float64 arrays (n,), or (count, n) when a batch of count
    fits gives each fit its own limits."""
    if hasattr(bounds, "lb") and hasattr(bounds, "ub"):  # a scipy.optimize.Bounds
        pair = (bounds.lb, bounds.ub)
    else:
        try:
            pair = tuple(bounds)
        except TypeError:
            raise TypeError(f"bounds must be a pair (lb, ub), got {bounds!r}") from None
        if len(pair) != 2:
            raise ValueError(f"bounds must be a pair (lb, ub), got {len(pair)} items")
    limits = []
    for name, value in zip(("lower bound", "upper bound"), pair, strict=True):
        array = np.asarray(value)
        if array.dtype.kind not in "biuf":
            raise TypeError(f"bounds: the {name} must be real numbers, got {value!r}")
        if array.size == 1:  # a scalar, or scipy.optimize.Bounds' 1-element form of one
            array = np.full(n, array.reshape(-1)[0])
        if array.shape != (n,) and (count is None or array.shape != (count, n)):
            per_fit = "" if count is None else f", or ({count}, {n}), one row per fit"
            raise ValueError(
                f"bounds: the {name} has shape {array.shape} but there are {n} parameters; "
                f"give a scalar or one value per parameter{per_fit}"
            )
        if np.any(np.isnan(array)):
            raise ValueError(f"bounds: the {name} contains NaN; use -inf or inf for no limit")
        limits.append(np.array(array, dtype=np.float64))
    lb, ub = limits
    if lb.shape != ub.shape:  # one shared, the other per fit
        lb, ub = (np.array(a) for a in np.broadcast_arrays(lb, ub))
    crossed = np.argwhere(lb >= ub)
    if crossed.size:
        where = tuple(int(i) for i in crossed[0])
        fit = f" of fit {where[0]}" if lb.ndim == 2 else ""
        raise ValueError(
            f"bounds: lower bound {lb[where]:g} is not below upper bound {ub[where]:g} "
            f"for parameter {where[-1]}{fit}; each lower bound must be less than its upper bound"
        )
    return lb, ub
