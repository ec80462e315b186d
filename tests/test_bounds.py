"""Bounds by MINUIT's parameter transformations, against lmfit (which uses
the same transformations over SciPy's leastsq) on the same problems: values,
standard errors and covariance; and the transformation itself."""

import warnings

import lmfit
import numpy as np
import pytest
import scipy.optimize

import lmscope
from lmscope import curve_fit

RTOL = 1e-9
# lmfit's leastsq passes these to SciPy by default (epsfcn 1e-10 among
# them); both sides get them, and the same evaluation budget.
SETTINGS = dict(ftol=1.5e-8, xtol=1.5e-8, gtol=0.0, epsfcn=1e-10)
MAXFEV = 2 * 2000 * (3 + 1)

RNG = np.random.default_rng(11)
T = np.linspace(0.0, 4.0, 60)


def decay(t, a, k, c):
    return a * np.exp(-k * t) + c


def decay_jac(t, a, k, c):
    e = np.exp(-k * t)
    return np.column_stack([e, -a * t * e, np.ones_like(t)])


# Data whose unbounded best fit has c < 0, so a lower bound c >= 0 is active.
Y = decay(T, 2.0, 1.1, -0.15) + 0.02 * RNG.standard_normal(T.size)
SIGMA = np.full(T.size, 0.02)

PROBLEMS = {
    # name: (p0, lower, upper)
    "lower bound active at the solution": ([1.0, 1.0, 0.1], [-np.inf, -np.inf, 0.0], np.inf),
    "two-sided, inactive": ([1.0, 1.0, 0.0], [0.5, 0.1, -1.0], [5.0, 3.0, 1.0]),
    "two-sided, active": ([1.5, 1.0, 0.0], [0.0, 0.0, -1.0], [1.9, 3.0, 1.0]),
    "one-sided upper, active": ([1.0, 0.8, 0.0], -np.inf, [10.0, 1.0, np.inf]),
    "one-sided lower, inactive": ([1.0, 0.8, 0.0], [0.1, 0.2, -5.0], np.inf),
}


def lmfit_fit(p0, lower, upper):
    lower = np.broadcast_to(lower, 3)
    upper = np.broadcast_to(upper, 3)
    params = lmfit.Parameters()
    for name, value, lo, hi in zip("akc", p0, lower, upper, strict=True):
        params.add(name, value=value, min=lo, max=hi)

    def residual(params):
        a, k, c = (params[name].value for name in "akc")
        return (decay(T, a, k, c) - Y) / SIGMA

    return lmfit.minimize(residual, params, method="leastsq")


def residual(p):
    """lmfit's objective below, in leastsq's form: the same arithmetic."""
    a, k, c = p
    return (decay(T, a, k, c) - Y) / SIGMA


@pytest.mark.parametrize("problem", list(PROBLEMS))
def test_leastsq_with_bounds_equals_lmfit(problem):
    """The same residuals, the same transformations and lmfit's SciPy leastsq
    settings: the same fit, to rounding in the transformation's sin/sqrt."""
    p0, lower, upper = PROBLEMS[problem]
    theirs = lmfit_fit(p0, lower, upper)
    assert theirs.success
    x, cov_x, info, mesg, ier = lmscope.leastsq(
        residual, p0, full_output=True, bounds=(lower, upper), maxfev=MAXFEV, **SETTINGS
    )
    assert ier == theirs.ier
    values = np.array([theirs.params[name].value for name in "akc"])
    np.testing.assert_allclose(x, values, rtol=RTOL, atol=1e-12)
    assert np.all(x >= np.broadcast_to(lower, 3)) and np.all(x <= np.broadcast_to(upper, 3))
    assert (cov_x is None) == (theirs.covar is None)
    if cov_x is not None:
        redchi = np.sum(info["fvec"] ** 2) / (T.size - 3)
        np.testing.assert_allclose(cov_x * redchi, theirs.covar, rtol=1e-7, atol=1e-15)


@pytest.mark.parametrize("problem", list(PROBLEMS))
def test_curve_fit_with_bounds_equals_lmfit(problem):
    """curve_fit weights its residuals with its own arithmetic (as SciPy's
    curve_fit does), so the iterates differ from lmfit's in the last bits and
    the fits agree to their tolerance: 1e-6 relative here."""
    p0, lower, upper = PROBLEMS[problem]
    theirs = lmfit_fit(p0, lower, upper)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ours, pcov = curve_fit(
            decay, T, Y, p0=p0, sigma=SIGMA, bounds=(lower, upper), maxfev=MAXFEV, **SETTINGS
        )
    values = np.array([theirs.params[name].value for name in "akc"])
    np.testing.assert_allclose(ours, values, rtol=1e-6, atol=1e-10)
    at_limit = np.isclose(values, np.broadcast_to(lower, 3), rtol=1e-6, atol=1e-9) | np.isclose(
        values, np.broadcast_to(upper, 3), rtol=1e-6, atol=1e-9
    )
    if theirs.covar is None:
        # A parameter that ends on its limit has no usable error in either.
        assert np.all(np.isinf(pcov))
        assert any(issubclass(w.category, lmscope.OptimizeWarning) for w in caught)
    elif not at_limit.any():
        # (At a limit dx/du -> 0 and the error is ill-conditioned: there the
        # exact-arithmetic comparison above is the one that means something.)
        errors = np.array([theirs.params[name].stderr for name in "akc"])
        np.testing.assert_allclose(np.sqrt(np.diag(pcov)), errors, rtol=1e-5)


def test_an_active_bound_holds_the_parameter_and_is_needed():
    p0, lower, upper = PROBLEMS["lower bound active at the solution"]
    free, _ = curve_fit(decay, T, Y, p0=p0, sigma=SIGMA)
    assert free[2] < 0.0  # without the bound, c goes below it
    with pytest.warns(lmscope.OptimizeWarning, match="could not be estimated"):
        bounded, _ = curve_fit(decay, T, Y, p0=p0, sigma=SIGMA, bounds=(lower, upper))
    assert 0.0 <= bounded[2] < 1e-3


def test_leastsq_with_bounds_and_dfun_equals_lmfit_with_dfun_off():
    """The Jacobian in the transformed parameters by the chain rule gives the
    same solution as lmfit's forward differences, to the fit's tolerance."""
    p0, lower, upper = PROBLEMS["two-sided, inactive"]

    def residual(p):
        return (decay(T, *p) - Y) / SIGMA

    def jacobian(p):
        return decay_jac(T, *p) / SIGMA[:, None]

    x, cov_x, info, mesg, ier = lmscope.leastsq(
        residual, p0, Dfun=jacobian, full_output=True, bounds=(lower, upper), ftol=1e-12, xtol=1e-12
    )
    assert ier in (1, 2, 3, 4)
    theirs = lmfit_fit(p0, lower, upper)
    values = np.array([theirs.params[name].value for name in "akc"])
    np.testing.assert_allclose(x, values, rtol=1e-6)
    assert info["njev"] > 0


def test_infinite_bounds_leave_the_fit_bit_for_bit_unchanged():
    p0 = [1.0, 1.0, 0.0]

    def residual(p):
        return decay(T, *p) - Y

    plain = scipy.optimize.leastsq(residual, p0, full_output=True)
    bounded = lmscope.leastsq(residual, p0, full_output=True, bounds=(-np.inf, np.inf))
    np.testing.assert_array_equal(plain[0], bounded[0])
    np.testing.assert_array_equal(plain[1], bounded[1])
    assert plain[2]["nfev"] == bounded[2]["nfev"]


def test_trace_and_callback_see_the_bounded_parameters():
    p0, lower, upper = PROBLEMS["two-sided, active"]
    seen = []
    trace = lmscope.Trace()
    curve_fit(
        decay, T, Y, p0=p0, sigma=SIGMA, bounds=(lower, upper), trace=trace,
        callback=lambda step: seen.append(step.x_trial),
    )  # fmt: skip
    points = np.vstack([trace.x, trace.x_trial, np.array(seen)])
    assert np.all(points >= np.array(lower)) and np.all(points <= np.array(upper))
    np.testing.assert_allclose(trace.x[0], p0, rtol=1e-12)
    np.testing.assert_array_equal(np.array(seen), trace.x_trial)


def test_transformation_round_trip_and_gradient():
    from lmscope._bounds import Bounds

    lb = np.array([-np.inf, 0.0, -np.inf, -2.0])
    ub = np.array([np.inf, np.inf, 3.0, 5.0])
    x = np.array([0.7, 2.5, -1.0, 4.0])
    limits = Bounds((lb, ub), 4, x)
    u = limits.to_internal(x)
    np.testing.assert_allclose(limits.to_external(u), x, rtol=1e-14)
    h = 1e-6
    numeric = (limits.to_external(u + h) - limits.to_external(u - h)) / (2 * h)
    np.testing.assert_allclose(limits.gradient(u), numeric, rtol=1e-8)
    wild = np.array([1e3, -1e3, 1e3, -1e3])
    inside = limits.to_external(wild)
    assert np.all(inside >= lb) and np.all(inside <= ub)


@pytest.mark.parametrize(
    "bounds,pattern",
    [
        ((0.0, [1.0, 2.0]), r"upper bound has shape \(2,\) but there are 3 parameters"),
        (([0.0, 0.0, 2.0], 1.0), "lower bound 2 is not below upper bound 1 for parameter 2"),
        ((np.nan, 1.0), "contains NaN"),
        ((0.0,), "bounds must be a pair"),
        ((-np.inf, [5.0, 0.5, 5.0]), r"x0\[1\]=1 is outside its bounds"),
    ],
)
def test_bad_bounds_name_what_is_wrong(bounds, pattern):
    with pytest.raises(ValueError, match=pattern):
        curve_fit(decay, T, Y, p0=[1.0, 1.0, 0.0], bounds=bounds)


def test_a_start_midway_between_two_limits_leaves_it():
    """Regression: the midpoint's internal value rounded to 2e-16 instead of 0,
    MINPACK's difference step (relative to it) then moved x by less than its
    last bit, and the parameter stayed at its start with ier 1.  xarray's
    curvefit starts a parameter whose default is out of bounds at exactly this
    midpoint."""
    lower, upper = [1.2, -np.inf, -np.inf], [5.0, np.inf, np.inf]
    p0 = [3.1, 1.0, 1.0]  # (3.1 - 1.2) / (5 - 1.2) rounds to just above 1/2
    params = lmfit.Parameters()
    for name, value, lo, hi in zip("akc", p0, lower, upper, strict=True):
        params.add(name, value=value, min=lo, max=hi)
    theirs = lmfit.minimize(
        lambda p: decay(T, p["a"].value, p["k"].value, p["c"].value) - Y, params
    )
    x, ier = lmscope.leastsq(
        lambda p: decay(T, *p) - Y, p0, bounds=(lower, upper), maxfev=MAXFEV, **SETTINGS
    )
    assert ier in (1, 2, 3, 4) and x[0] != p0[0]
    values = np.array([theirs.params[name].value for name in "akc"])
    np.testing.assert_allclose(x, values, rtol=RTOL, atol=1e-12)
