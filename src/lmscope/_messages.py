"""What each `ier` means: one table from the engine's status to the message.

Codes 0-8 are MINPACK's `info` and mean what they mean in
`scipy.optimize.leastsq`; the negative ones are lmscope's own.  Which codes
count as success or failure (and so raise or warn) is below too; `leastsq`
acts on it.
"""

from __future__ import annotations

SUCCESS = (1, 2, 3, 4)
FAILURE = (5, 6, 7, 8)
USER_STOP = -2
NONFINITE = -3


class NonFiniteWarning(RuntimeWarning):
    """The residuals or the Jacobian were not finite: the fit did not converge."""


# Each message as a function of the settings it names (f-strings: a fit's
# fixed cost matters when func is cheap, and str.format is slower).
_TEXT = {
    0: lambda ftol, xtol, gtol, maxfev: "Improper input parameters.",
    1: lambda ftol, xtol, gtol, maxfev: (
        "Both actual and predicted relative reductions in the sum of squares\n"
        f"  are at most ftol={ftol:g}"
    ),
    2: lambda ftol, xtol, gtol, maxfev: (
        f"The relative error between two consecutive iterates is at most xtol={xtol:g}"
    ),
    3: lambda ftol, xtol, gtol, maxfev: (
        "Both actual and predicted relative reductions in the sum of squares\n"
        f"  are at most ftol={ftol:g} and the relative error between two consecutive\n"
        f"  iterates is at most xtol={xtol:g}"
    ),
    4: lambda ftol, xtol, gtol, maxfev: (
        "The cosine of the angle between func(x) and any column of the\n"
        f"  Jacobian is at most gtol={gtol:g} in absolute value"
    ),
    5: lambda ftol, xtol, gtol, maxfev: (
        f"Number of calls to function has reached maxfev = {maxfev}."
    ),
    6: lambda ftol, xtol, gtol, maxfev: (
        f"ftol={ftol:g} is too small, no further reduction in the sum of squares\n  is possible."
    ),
    7: lambda ftol, xtol, gtol, maxfev: (
        f"xtol={xtol:g} is too small, no further improvement in the approximate\n"
        "  solution is possible."
    ),
    8: lambda ftol, xtol, gtol, maxfev: (
        f"gtol={gtol:g} is too small, func(x) is orthogonal to the columns of\n"
        "  the Jacobian to machine precision."
    ),
    USER_STOP: lambda ftol, xtol, gtol, maxfev: (
        "The fit was stopped on request; x is the last accepted point."
    ),
    NONFINITE: lambda ftol, xtol, gtol, maxfev: (
        "The fit met non-finite values and did not converge."
    ),
}


def message(
    ier: int, *, ftol: float, xtol: float, gtol: float, maxfev: int, detail: str = ""
) -> str:
    """The human-readable reason for `ier` (SciPy's meaning, with the numbers)."""
    text = _TEXT[ier](ftol, xtol, gtol, maxfev)
    return f"{text} {detail}" if detail else text
