"""`OptimizeWarning`, and how it meets SciPy's.

Code that swaps `scipy.optimize.curve_fit` for lmscope's keeps its warning
filters and its `pytest.warns(scipy.optimize.OptimizeWarning)`: a filter
matches a warning when the warning's class is a subclass of the filter's.
So when SciPy's optimize module is loaded, lmscope warns with a class that
derives from both its own `OptimizeWarning` and SciPy's.  A filter on SciPy's
class can only exist once `scipy.optimize` has been imported, so checking
`sys.modules` at warning time is enough: lmscope never imports SciPy itself,
and without SciPy it warns with its own class alone.
"""

from __future__ import annotations

import sys
import warnings


class OptimizeWarning(UserWarning):
    """A fit finished but one of its outputs, such as the parameter
    covariance, could not be estimated (lmscope's counterpart of
    `scipy.optimize.OptimizeWarning`; a filter on either catches it)."""


_joined: dict[type, type] = {}


def _category() -> type[Warning]:
    scipy_optimize = sys.modules.get("scipy.optimize")
    theirs = getattr(scipy_optimize, "OptimizeWarning", None)
    if not (isinstance(theirs, type) and issubclass(theirs, Warning)):
        return OptimizeWarning
    if theirs not in _joined:
        _joined[theirs] = type(
            "OptimizeWarning",
            (OptimizeWarning, theirs),
            {"__module__": __name__, "__doc__": OptimizeWarning.__doc__},
        )
    return _joined[theirs]


def warn(message: str, stacklevel: int) -> None:
    """Issue `message` as an OptimizeWarning, `stacklevel` frames above the caller."""
    warnings.warn(message, _category(), stacklevel=stacklevel + 1)
