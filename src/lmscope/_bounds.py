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


class Bounds:
    """The transformation for n parameters between limits lb and ub (either
    may be infinite, per parameter)."""

    def __init__(self, bounds, n: int, x0: np.ndarray):
        lb, ub = _limits(bounds, n)
        self.lb, self.ub = lb, ub
        self.both = np.isfinite(lb) & np.isfinite(ub)
        self.lower = np.isfinite(lb) & ~np.isfinite(ub)
        self.upper = ~np.isfinite(lb) & np.isfinite(ub)
        outside = np.flatnonzero((x0 < lb) | (x0 > ub))
        if outside.size:
            i = int(outside[0])
            raise ValueError(
                f"x0[{i}]={x0[i]:g} is outside its bounds [{lb[i]:g}, {ub[i]:g}]; "
                f"a bounded fit starts inside its limits"
            )

    @property
    def active(self) -> bool:
        """Whether any parameter has a finite limit."""
        return bool(np.any(self.both | self.lower | self.upper))

    def to_internal(self, x: np.ndarray) -> np.ndarray:
        u = np.array(x, dtype=np.float64)
        b, lo, up = self.both, self.lower, self.upper
        u[b] = np.arcsin(2.0 * (x[b] - self.lb[b]) / (self.ub[b] - self.lb[b]) - 1.0)
        u[lo] = np.sqrt((x[lo] - self.lb[lo] + 1.0) ** 2 - 1.0)
        u[up] = np.sqrt((self.ub[up] - x[up] + 1.0) ** 2 - 1.0)
        return u

    def to_external(self, u: np.ndarray) -> np.ndarray:
        x = np.array(u, dtype=np.float64)
        b, lo, up = self.both, self.lower, self.upper
        x[b] = self.lb[b] + (np.sin(u[b]) + 1.0) * (self.ub[b] - self.lb[b]) / 2.0
        x[lo] = self.lb[lo] - 1.0 + np.sqrt(u[lo] * u[lo] + 1.0)
        x[up] = self.ub[up] + 1.0 - np.sqrt(u[up] * u[up] + 1.0)
        return x

    def gradient(self, u: np.ndarray) -> np.ndarray:
        """dx/du, one entry per parameter."""
        g = np.ones_like(u, dtype=np.float64)
        b, lo, up = self.both, self.lower, self.upper
        g[b] = np.cos(u[b]) * (self.ub[b] - self.lb[b]) / 2.0
        g[lo] = u[lo] / np.sqrt(u[lo] * u[lo] + 1.0)
        g[up] = -u[up] / np.sqrt(u[up] * u[up] + 1.0)
        return g

    def covariance(self, cov_u: np.ndarray | None, u: np.ndarray) -> np.ndarray | None:
        if cov_u is None:
            return None
        g = self.gradient(u)
        return cov_u * np.outer(g, g)


def _limits(bounds, n: int) -> tuple[np.ndarray, np.ndarray]:
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
        if array.shape != (n,):
            raise ValueError(
                f"bounds: the {name} has shape {array.shape} but there are {n} parameters; "
                f"give a scalar or one value per parameter"
            )
        if np.any(np.isnan(array)):
            raise ValueError(f"bounds: the {name} contains NaN; use -inf or inf for no limit")
        limits.append(np.array(array, dtype=np.float64))
    lb, ub = limits
    crossed = np.flatnonzero(lb >= ub)
    if crossed.size:
        i = int(crossed[0])
        raise ValueError(
            f"bounds: lower bound {lb[i]:g} is not below upper bound {ub[i]:g} "
            f"for parameter {i}; each lower bound must be less than its upper bound"
        )
    return lb, ub
