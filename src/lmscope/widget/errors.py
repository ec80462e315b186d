"""The parameter table's numbers: standard errors, chi-square and the
correlation matrix of a fit, as `curve_fit` computes pcov.

pcov is cov_x as is (`absolute_sigma=True`: sigma in the units of ydata), or
cov_x scaled by chi-square / dof (`absolute_sigma=False`, curve_fit's
default, and always in the residual form, where nothing says the residuals
are in units of their errors).  dof = m - (number of free parameters): a
fixed parameter is not fitted, so it costs no degree of freedom; its row and
column of cov_x are zero, and so is its error.  The arithmetic is curve_fit's
own, so the widget's errors equal curve_fit's pcov bit for bit.
"""

from __future__ import annotations

import math

import numpy as np

from .protocol import finite_or_none

ABSOLUTE = "absolute"  # pcov = cov_x: sigma in the units of ydata
SCALED = "scaled"  # pcov = cov_x * chi2 / dof


def pcov(cov_x, fvec, n_free: int, absolute_sigma: bool) -> np.ndarray | None:
    """curve_fit's pcov, or None where curve_fit fills it with inf."""
    if cov_x is None or np.isnan(cov_x).any():
        return None
    if absolute_sigma:
        return cov_x
    m = np.size(fvec)
    if m > n_free:
        chi_square = np.sum(np.asarray(fvec) ** 2)
        return cov_x * (chi_square / (m - n_free))
    return None


def summary(result, fixed, limited, absolute_sigma: bool) -> dict:
    """What the page's parameter table shows of a fit's result (JSON-ready;
    non-finite numbers as None)."""
    x, cov_x, infodict, _mesg, _ier = result
    fvec = np.asarray(infodict["fvec"])
    n_free = int(np.size(x) - np.count_nonzero(fixed))
    m = int(fvec.size)
    chi2 = float(np.sum(fvec**2))
    dof = m - n_free
    covariance = pcov(cov_x, fvec, n_free, absolute_sigma)
    if covariance is None:
        stderr = [None] * np.size(x)
        correlation = None
    else:
        variances = np.diag(covariance)
        stderr = [finite_or_none(math.sqrt(v)) if v >= 0 else None for v in variances]
        scale = np.sqrt(np.where(variances > 0, variances, np.nan))
        with np.errstate(invalid="ignore", divide="ignore"):
            corr = covariance / np.outer(scale, scale)
        correlation = [[finite_or_none(v) for v in row] for row in corr]
    return {
        "x": [finite_or_none(v) for v in np.asarray(x, dtype=float)],
        "stderr": stderr,
        "scaling": ABSOLUTE if absolute_sigma else SCALED,
        "chi2": finite_or_none(chi2),
        "dof": dof,
        "chi2_dof": finite_or_none(chi2 / dof) if dof > 0 else None,
        "correlation": correlation,
        "fixed": [bool(v) for v in fixed],
        "limited": [bool(v) for v in limited],
    }
