"""Fixed parameters: a fit of the free ones, seen in all n.

A fixed parameter is held at its starting value; leastsq then fits the
reduced problem, whose func takes only the free parameters and puts the
fixed values back before calling the user's func.  So the widget's fit with
k fixed parameters *is* `leastsq` of that reduced model, with the same
iterates.  Around it, this module carries every number back to n
parameters: each trial step (for the trace and the page), x (fixed values
in place), cov_x (zero rows and columns for the fixed ones: they do not
vary), and the bounds (only the free ones' go to leastsq).  infodict's
fjac, ipvt and qtf stay those of the reduced problem (its free columns).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..trace import TrialStep


class FreeParameters:
    """The free parameters of x0 given a mask of fixed ones."""

    def __init__(self, x0: np.ndarray, fixed: np.ndarray):
        self.x0 = np.array(x0, dtype=np.float64)
        self.fixed = np.asarray(fixed, dtype=bool)
        self.free = np.flatnonzero(~self.fixed)

    @property
    def any_fixed(self) -> bool:
        return bool(self.fixed.any())

    def reduce(self, x: np.ndarray) -> np.ndarray:
        return np.array(np.asarray(x, dtype=np.float64)[self.free])

    def full(self, u: np.ndarray) -> np.ndarray:
        """All n parameters: u in the free places, x0 in the fixed ones."""
        x = self.x0.copy()
        x[self.free] = u
        return x

    def func(self, func):
        """func of the free parameters (the fixed ones put back)."""

        def reduced(u, *args):
            return func(self.full(u), *args)

        reduced.__name__ = getattr(func, "__name__", "func")
        return reduced

    def dfun(self, dfun, col_deriv: bool):
        """Dfun of the free parameters: its free columns (rows with col_deriv)."""
        if dfun is None:
            return None

        def reduced(u, *args):
            jac = np.asarray(dfun(self.full(u), *args))
            return jac[self.free] if col_deriv else jac[:, self.free]

        return reduced

    def bounds(self, bounds):
        """The free parameters' part of (lb, ub) given for all n, or None."""
        if bounds is None:
            return None
        lb, ub = bounds
        return (np.asarray(lb, dtype=np.float64)[self.free], np.asarray(ub)[self.free])

    def step(self, step: TrialStep) -> TrialStep:
        return dataclasses.replace(step, x=self.full(step.x), x_trial=self.full(step.x_trial))

    def result(self, result: tuple) -> tuple:
        """leastsq's full output of the reduced fit, with x and cov_x in n."""
        u, cov_u, infodict, mesg, ier = result
        cov_x = None
        if cov_u is not None:
            n = self.x0.size
            cov_x = np.zeros((n, n))
            cov_x[np.ix_(self.free, self.free)] = cov_u
        return self.full(u), cov_x, infodict, mesg, ier
