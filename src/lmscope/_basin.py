"""Which distinct solution each start of a basin map reached.

Starts whose final points agree (every parameter within `rtol` of the
parameter's typical size) reached the same solution.  Solutions are found
greedily from the lowest cost up, so label 0 is the best solution found, and
each later label is the best of the points that are left; a fit that did not
converge gets no solution (label -1).
"""

from __future__ import annotations

import numpy as np

NO_SOLUTION = -1


def label_solutions(x: np.ndarray, fnorm: np.ndarray, converged: np.ndarray, rtol: float):
    """x (K, n), fnorm (K,), converged (K,) bool.  Returns label (K,) and the
    solutions (L, n) with their fnorm (L,), best first."""
    label = np.full(x.shape[0], NO_SOLUTION, dtype=np.int64)
    left = np.flatnonzero(converged & np.isfinite(fnorm))
    if left.size == 0:
        return label, np.empty((0, x.shape[1])), np.empty(0)
    left = left[np.argsort(fnorm[left], kind="stable")]
    # The typical size of each parameter over the solutions: a relative
    # tolerance on it treats a parameter near zero like its neighbours.
    scale = np.median(np.abs(x[left]), axis=0)
    scale[scale == 0] = 1.0
    solutions: list[np.ndarray] = []
    costs: list[float] = []
    while left.size:
        center = x[left[0]]
        same = np.all(np.abs(x[left] - center) <= rtol * scale, axis=1)
        label[left[same]] = len(solutions)
        solutions.append(center)
        costs.append(fnorm[left[0]])
        left = left[~same]
    return label, np.array(solutions), np.array(costs)
