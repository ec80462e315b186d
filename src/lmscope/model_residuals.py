"""A model fit as a least-squares problem: the weighted residuals

    r(p) = W (f(xdata, *p) - ydata)

and their Jacobian W J(p), with W the identity (no sigma), diag(1/sigma)
(per-point standard deviations) or L^-1 for a covariance sigma = L L^T.
`curve_fit` and the widget's curve form both build their residuals here, so
they check their inputs alike and give `leastsq` the same function, hence
the same iterates.
"""

from __future__ import annotations

import inspect

import numpy as np


def initial_parameters(f, p0) -> np.ndarray:
    """p0 as float64, or ones for each of f's parameters after xdata."""
    if p0 is None:
        return np.ones(parameter_count(f))
    p0 = np.atleast_1d(np.asarray(p0))
    if p0.dtype.kind == "c":
        raise TypeError(f"p0 must be real; got complex values (dtype {p0.dtype})")
    if p0.dtype.kind not in "biuf":
        raise TypeError(f"p0 must be an array of real numbers; got dtype {p0.dtype}")
    p0 = p0.astype(np.float64).ravel()
    require_finite("p0", p0)
    return p0


def parameter_count(f) -> int:
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


def require_finite(name: str, array: np.ndarray, hint: str = "") -> None:
    bad = np.flatnonzero(~np.isfinite(array))
    if bad.size:
        i = bad[0]
        raise ValueError(
            f"{name} must be finite; {name}.flat[{i}] is {array.flat[i]} "
            f"({bad.size} non-finite of {array.size}){hint}"
        )


def data_array(name: str, value, check_finite: bool) -> np.ndarray:
    """xdata or ydata as float64, checked for NaN and inf on request."""
    array = np.asarray(value)
    if array.dtype.kind == "c":
        raise TypeError(f"{name} must be real; got complex values (dtype {array.dtype})")
    try:
        array = array.astype(np.float64, copy=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be an array of real numbers: {exc}") from None
    if check_finite:
        require_finite(
            name, array, "; clean the data, or pass nan_policy='omit' to drop points with NaN"
        )
    return array


def check_sigma_shape(sigma, m: int):
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


def weighting_for(sigma, m: int):
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
    require_finite("sigma", sigma)
    try:
        # Only the lower triangle is read, as in LAPACK's potrf.
        lower = np.linalg.cholesky(sigma)
    except np.linalg.LinAlgError:
        raise ValueError(
            f"sigma must be positive definite: the {m} x {m} covariance "
            f"matrix has no Cholesky factor"
        ) from None
    return "cholesky", lower


def solve_lower(lower: np.ndarray, rhs: np.ndarray) -> np.ndarray:
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


def apply_weighting(weighting, values: np.ndarray) -> np.ndarray:
    """W values for a residual vector or an (m, n) Jacobian."""
    kind, factor = weighting
    if kind == "cholesky":
        return solve_lower(factor, values)
    if factor.ndim == 0 or values.ndim == 1:
        return factor * values
    return factor[:, np.newaxis] * values


def weighted_residuals(f, xdata, ydata: np.ndarray, weighting):
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
        return difference if weighting is None else apply_weighting(weighting, difference)

    return residuals


def weighted_jacobian(jac, xdata, m: int, weighting, col_deriv: bool):
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
        out = apply_weighting(weighting, rows)
        return out.T if col_deriv else out

    return weighted
