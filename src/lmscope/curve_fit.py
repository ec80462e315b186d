"""`curve_fit`: a drop-in for `scipy.optimize.curve_fit(..., method='lm')`
on lmscope's `leastsq`.

A model fit is a least-squares problem in the weighted residuals

    r(p) = W (f(xdata, *p) - ydata)

where W is the identity without `sigma`, diag(1/sigma) for per-point
standard deviations, and L^-1 for a covariance matrix sigma = L L^T (its
Cholesky factor), so that |r|^2 is the chi-square (y - f)^T sigma^-1 (y - f).
`leastsq` minimizes |r|^2; the parameter covariance is then (J^T J)^-1 of the
weighted Jacobian at the solution, scaled by the reduced chi-square
|r|^2 / (m - n) unless the sigmas are absolute.

Everything here is numpy: SciPy is the oracle in the tests, never a
dependency.
"""

from __future__ import annotations

import numpy as np

from . import _messages, _optimize_warning
from .leastsq import leastsq
from .model_residuals import (
    check_sigma_shape,
    data_array,
    initial_parameters,
    weighted_jacobian,
    weighted_residuals,
    weighting_for,
)

_NAN_POLICIES = (None, "raise", "omit", "propagate")


def curve_fit(
    f,
    xdata,
    ydata,
    p0=None,
    sigma=None,
    absolute_sigma=False,
    check_finite=None,
    bounds=(-np.inf, np.inf),
    method=None,
    jac=None,
    *,
    full_output=False,
    nan_policy=None,
    callback=None,
    trace=None,
    stop=None,
    **kwargs,
):
    """Fit the parameters p of a model ``ydata ~ f(xdata, *p)`` by least squares.

    The signature, defaults, return values, exceptions and warnings are those
    of `scipy.optimize.curve_fit` with ``method='lm'`` (SciPy 1.17), and on
    the same problem the results agree with SciPy's to rounding.

    f : callable ``f(xdata, *params)``
        The model; returns one value per data point.
    xdata : array_like or object
        Passed to f unchanged, except that lists, tuples and arrays are
        converted to float64 arrays first.
    ydata : array_like, 1-D, length m
        The observations.
    p0 : array_like, length n, optional
        Starting parameters.  Without it, n is the number of f's positional
        parameters after the first, and every parameter starts at 1.
    sigma : None, scalar, 1-D of length m, or m x m, optional
        1-D: the standard deviation of each observation (residuals are
        divided by it; an infinite sigma gives the point no weight).
        2-D: the covariance of the observations (residuals are multiplied
        by the inverse of its Cholesky factor).
    absolute_sigma : bool
        True: sigma is in the units of ydata and pcov is (J^T J)^-1 as is.
        False: only the relative sizes of sigma matter and pcov is scaled by
        the reduced chi-square.
    check_finite : bool, optional
        Reject NaN or infinite xdata and ydata.  Defaults to True unless
        nan_policy is given.
    bounds : (lb, ub)
        Limits on the parameters, scalars or one per parameter, -inf / inf
        for none.  Finite limits are fitted through MINUIT's parameter
        transformations (as lmfit does; see `lmscope.leastsq`), not by
        SciPy's 'trf' method, so bounded results match lmfit's, not SciPy's.
        pcov is carried back to the parameters through the transformation; a
        parameter that ends at a limit gets a meaningless (near-zero) error.
    method : None or 'lm'
        The only method lmscope has.
    jac : callable ``jac(xdata, *params)``, optional
        The model's Jacobian, shape (m, n); sigma is applied to it as to the
        residuals.  Without it, leastsq uses forward differences.
    full_output : bool
        Also return leastsq's ``infodict``, ``mesg`` and ``ier``.
    nan_policy : None, 'raise' or 'omit'
        With check_finite False: 'raise' rejects NaN in xdata or ydata,
        'omit' drops those data points (and their rows of sigma).
        'propagate' is refused, as in SciPy.
    callback, trace, stop :
        lmscope's extensions, passed to `leastsq` (see there).  They see the
        weighted residuals r(p).
    **kwargs :
        Passed to `leastsq` (ftol, xtol, gtol, maxfev, epsfcn, factor, diag,
        col_deriv).

    Returns ``(popt, pcov)``, or with full_output
    ``(popt, pcov, infodict, mesg, ier)``.  pcov is filled with inf and an
    `OptimizeWarning` is issued when it cannot be estimated: the Jacobian is
    rank-deficient at the solution, or (absolute_sigma False) there are no
    more data points than parameters.  A fit that does not converge
    (ier outside 1..4) raises RuntimeError("Optimal parameters not found: ...").
    """
    if not callable(f):
        raise TypeError(f"f must be callable as f(xdata, *params), got {type(f).__name__}")
    if jac is not None and not callable(jac):
        raise TypeError(
            f"jac must be a callable jac(xdata, *params) or None, got {jac!r}; "
            f"without it lmscope's 'lm' method uses forward differences"
        )
    if "args" in kwargs:
        raise ValueError(
            "'args' is not a supported keyword argument: curve_fit calls "
            "f(xdata, *params); bind extra arguments with a closure or "
            "functools.partial"
        )
    if "Dfun" in kwargs:
        raise TypeError(
            "pass the model's Jacobian as jac=, not Dfun=: curve_fit builds "
            "leastsq's Dfun from jac and sigma"
        )
    if nan_policy not in _NAN_POLICIES:
        raise ValueError(f"nan_policy must be one of None, 'raise', 'omit', got {nan_policy!r}")

    p0 = initial_parameters(f, p0)
    n = p0.size
    _require_lm(method)

    if check_finite is None:
        check_finite = nan_policy is None
    ydata = data_array("ydata", ydata, check_finite)
    if ydata.ndim > 1:
        raise ValueError(f"ydata must be 1-D, one value per data point; got shape {ydata.shape}")
    if isinstance(xdata, (list, tuple, np.ndarray)):
        # Any other object goes to f as it is, as SciPy allows.
        xdata = data_array("xdata", xdata, check_finite)
    if ydata.size == 0:
        raise ValueError("ydata must not be empty")
    sigma = check_sigma_shape(sigma, ydata.size)

    if not check_finite and nan_policy is not None:
        xdata, ydata, sigma = _apply_nan_policy(nan_policy, xdata, ydata, sigma)

    m = ydata.size
    # A single observation may be broadcast against a model of many values,
    # as in SciPy, so only m > 1 is held to m >= n here.
    if m != 1 and n > m:
        raise TypeError(
            f"The number of func parameters={n} must not exceed the number of "
            f"data points={m} (p0 has {n} elements, ydata {m} points)"
        )

    weighting = weighting_for(sigma, m)
    residuals = weighted_residuals(f, xdata, ydata, weighting)
    jacobian = (
        None
        if jac is None
        else weighted_jacobian(jac, xdata, m, weighting, bool(kwargs.get("col_deriv", False)))
    )

    popt, cov_x, infodict, mesg, ier = leastsq(
        residuals,
        p0,
        Dfun=jacobian,
        full_output=True,
        callback=callback,
        trace=trace,
        stop=stop,
        bounds=bounds,
        **kwargs,
    )
    if ier not in _messages.SUCCESS:
        raise RuntimeError("Optimal parameters not found: " + mesg)

    pcov, why_not = _covariance(cov_x, infodict["fvec"], n, absolute_sigma)
    if why_not:
        _optimize_warning.warn(
            f"Covariance of the parameters could not be estimated: {why_not}", stacklevel=2
        )
    if full_output:
        return popt, pcov, infodict, mesg, ier
    return popt, pcov


def _require_lm(method) -> None:
    if method not in (None, "lm"):
        raise ValueError(
            f"method={method!r} is not available: lmscope implements MINPACK's "
            f"Levenberg-Marquardt ('lm'); finite bounds are handled by parameter "
            f"transformations (see lmscope.leastsq's bounds)"
        )


def _apply_nan_policy(policy: str, xdata, ydata, sigma):
    """SciPy's nan_policy, reached only with check_finite False.  'omit'
    drops every data point with a NaN in ydata or anywhere along xdata's
    leading axes; infinities are left to the fit."""
    if policy == "propagate":
        raise ValueError(
            "nan_policy='propagate' is not supported by curve_fit; use None, 'raise' or 'omit'"
        )
    x_is_array = isinstance(xdata, np.ndarray)
    if policy == "raise":
        for name, array in (("xdata", xdata if x_is_array else None), ("ydata", ydata)):
            if array is not None and np.isnan(array).any():
                raise ValueError(
                    f"{name} contains NaN (nan_policy='raise'; "
                    f"{int(np.isnan(array).sum())} of {array.size})"
                )
        return xdata, ydata, sigma

    m = ydata.size
    has_nan = np.isnan(ydata)
    if x_is_array:
        if xdata.ndim == 0 or xdata.shape[-1] != m:
            raise ValueError(
                f"nan_policy='omit' needs xdata's last axis to have one entry "
                f"per data point; xdata has shape {xdata.shape}, ydata {m} points"
            )
        x_nan = np.isnan(xdata)
        has_nan = has_nan | x_nan.any(axis=tuple(range(xdata.ndim - 1)))
    elif has_nan.any():
        raise TypeError(
            f"nan_policy='omit' needs xdata as an array to drop points from; "
            f"got {type(xdata).__name__}"
        )
    if not has_nan.any():
        return xdata, ydata, sigma
    keep = ~has_nan
    if not keep.any():
        raise ValueError(f"nan_policy='omit' left no data points: all {m} have a NaN")
    if x_is_array:
        xdata = xdata[..., keep]
    ydata = ydata[keep]
    if sigma is not None and sigma.size != 1:  # a scalar sigma applies to every point
        sigma = sigma[keep] if sigma.ndim == 1 else sigma[np.ix_(keep, keep)]
    return xdata, ydata, sigma


def _covariance(cov_x, fvec: np.ndarray, n: int, absolute_sigma: bool):
    """pcov, and why it could not be estimated ("" when it could)."""
    if cov_x is None or np.isnan(cov_x).any():
        return np.full((n, n), np.inf), "the Jacobian is rank-deficient at the solution"
    if absolute_sigma:
        return cov_x, ""
    m = fvec.size
    if m > n:
        chi_square = np.sum(fvec**2)
        return cov_x * (chi_square / (m - n)), ""
    return np.full((n, n), np.inf), (
        f"there are {m} residuals for {n} parameters, so the residual variance "
        f"(chi-square / (m - n)) is undefined; with absolute_sigma=True pcov is not scaled "
        f"by it"
    )
