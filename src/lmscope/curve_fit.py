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

import inspect

import numpy as np

from . import _messages, _optimize_warning
from .leastsq import leastsq

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

    p0 = _initial_parameters(f, p0)
    n = p0.size
    _require_lm(method)

    if check_finite is None:
        check_finite = nan_policy is None
    ydata = _data("ydata", ydata, check_finite)
    if ydata.ndim > 1:
        raise ValueError(f"ydata must be 1-D, one value per data point; got shape {ydata.shape}")
    if isinstance(xdata, (list, tuple, np.ndarray)):
        # Any other object goes to f as it is, as SciPy allows.
        xdata = _data("xdata", xdata, check_finite)
    if ydata.size == 0:
        raise ValueError("ydata must not be empty")
    sigma = _check_sigma_shape(sigma, ydata.size)

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

    weighting = _weighting(sigma, m)
    residuals = _residuals(f, xdata, ydata, weighting)
    jacobian = (
        None
        if jac is None
        else _jacobian(jac, xdata, m, weighting, bool(kwargs.get("col_deriv", False)))
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


def _initial_parameters(f, p0) -> np.ndarray:
    """p0 as float64, or ones for each of f's parameters after xdata."""
    if p0 is None:
        return np.ones(_parameter_count(f))
    p0 = np.atleast_1d(np.asarray(p0))
    if p0.dtype.kind == "c":
        raise TypeError(f"p0 must be real; got complex values (dtype {p0.dtype})")
    if p0.dtype.kind not in "biuf":
        raise TypeError(f"p0 must be an array of real numbers; got dtype {p0.dtype}")
    p0 = p0.astype(np.float64).ravel()
    _require_finite("p0", p0)
    return p0


def _parameter_count(f) -> int:
    """The number of positional parameters of f after the first (xdata);
    for a bound method, `inspect.signature` already leaves out self."""
    try:
        signature = inspect.signature(f)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"Unable to determine number of fit parameters: f's signature "
            f"cannot be inspected ({exc}); pass p0"
        ) from None
    positional = [
        p
        for p in signature.parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    if len(positional) < 2:
        raise ValueError(
            f"Unable to determine number of fit parameters: f{signature} has "
            f"{len(positional)} positional parameter(s) but needs xdata "
            f"followed by one per fit parameter; pass p0"
        )
    return len(positional) - 1


def _require_lm(method) -> None:
    if method not in (None, "lm"):
        raise ValueError(
            f"method={method!r} is not available: lmscope implements MINPACK's "
            f"Levenberg-Marquardt ('lm'); finite bounds are handled by parameter "
            f"transformations (see lmscope.leastsq's bounds)"
        )


def _require_finite(name: str, array: np.ndarray, hint: str = "") -> None:
    bad = np.flatnonzero(~np.isfinite(array))
    if bad.size:
        i = bad[0]
        raise ValueError(
            f"{name} must be finite; {name}.flat[{i}] is {array.flat[i]} "
            f"({bad.size} non-finite of {array.size}){hint}"
        )


def _data(name: str, value, check_finite: bool) -> np.ndarray:
    """xdata or ydata as float64, checked for NaN and inf on request."""
    array = np.asarray(value)
    if array.dtype.kind == "c":
        raise TypeError(f"{name} must be real; got complex values (dtype {array.dtype})")
    try:
        array = array.astype(np.float64, copy=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be an array of real numbers: {exc}") from None
    if check_finite:
        _require_finite(
            name, array, "; clean the data, or pass nan_policy='omit' to drop points with NaN"
        )
    return array


def _check_sigma_shape(sigma, m: int):
    """sigma as a float64 array of an accepted shape, or None."""
    if sigma is None:
        return None
    array = np.asarray(sigma)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"sigma must be an array of real numbers; got dtype {array.dtype}")
    array = array.astype(np.float64)
    if array.size == 1 or array.shape in ((m,), (m, m)):
        return array
    raise ValueError(
        f"sigma has shape {array.shape} but ydata has {m} points; sigma must "
        f"be a scalar, {m} standard deviations (shape ({m},)) or a {m} x {m} "
        f"covariance matrix"
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


def _weighting(sigma, m: int):
    """How residuals are weighted: None, ("scale", 1/sigma) or
    ("cholesky", L) with sigma = L L^T."""
    if sigma is None:
        return None
    if sigma.size == 1 or sigma.ndim == 1:
        if sigma.size == 1:
            sigma = sigma.reshape(())
        bad = np.flatnonzero(np.isnan(sigma) | (sigma == 0))
        if bad.size:
            i = bad[0]
            raise ValueError(
                f"sigma must be non-zero and not NaN; sigma.flat[{i}] is "
                f"{sigma.flat[i]} (an infinite sigma gives a point no weight)"
            )
        return "scale", 1.0 / sigma
    _require_finite("sigma", sigma)
    try:
        # Only the lower triangle is read, as in LAPACK's potrf.
        lower = np.linalg.cholesky(sigma)
    except np.linalg.LinAlgError:
        raise ValueError(
            f"sigma must be positive definite: the {m} x {m} covariance "
            f"matrix has no Cholesky factor"
        ) from None
    return "cholesky", lower


def _solve_lower(lower: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """lower^-1 rhs by forward substitution; rhs is a vector or has one
    column per right-hand side.  Substitution, not a precomputed inverse:
    it is backward stable, so an ill-conditioned covariance costs no more
    accuracy than in SciPy's triangular solve."""
    out = np.array(rhs, dtype=np.float64)
    for i in range(lower.shape[0]):
        if i:
            out[i] -= lower[i, :i] @ out[:i]
        out[i] /= lower[i, i]
    return out


def _apply_weighting(weighting, values: np.ndarray) -> np.ndarray:
    """W values for a residual vector or an (m, n) Jacobian."""
    kind, factor = weighting
    if kind == "cholesky":
        return _solve_lower(factor, values)
    if factor.ndim == 0 or values.ndim == 1:
        return factor * values
    return factor[:, np.newaxis] * values


def _residuals(f, xdata, ydata: np.ndarray, weighting):
    def model_shape_error(model):
        described = f" (xdata has shape {xdata.shape})" if isinstance(xdata, np.ndarray) else ""
        return ValueError(
            f"f(xdata, *params) returned shape {model.shape} but ydata has "
            f"shape {ydata.shape}{described}; the model must return one "
            f"value per data point"
        )

    def residuals(params):
        model = np.asarray(f(xdata, *params))
        if not (
            model.shape == ydata.shape or (model.ndim <= 1 and (model.size == 1 or ydata.size == 1))
        ):
            raise model_shape_error(model)
        difference = model - ydata
        return difference if weighting is None else _apply_weighting(weighting, difference)

    return residuals


def _jacobian(jac, xdata, m: int, weighting, col_deriv: bool):
    """leastsq's Dfun: the model's Jacobian with the residuals' weighting
    applied to its rows (to its columns when col_deriv lays it out (n, m))."""
    if weighting is None:
        return lambda params: jac(xdata, *params)

    def weighted(params):
        matrix = np.asarray(jac(xdata, *params))
        rows = matrix.T if col_deriv else matrix
        if rows.ndim != 2 or (m > 1 and rows.shape[0] != m):
            expected = f"(n, {m})" if col_deriv else f"({m}, n)"
            raise ValueError(
                f"jac(xdata, *params) returned shape {matrix.shape}; expected "
                f"{expected}, one row per data point and one column per "
                f"parameter, to apply sigma to"
            )
        out = _apply_weighting(weighting, rows)
        return out.T if col_deriv else out

    return weighted


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
