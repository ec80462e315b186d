"""Bounds in lmscope.batch: every row equals lmscope's single bounded fit of
it alone (popt, ier, nfev, pcov), which tests/test_bounds.py holds to lmfit;
a few rows are checked against lmfit directly."""

from __future__ import annotations

import warnings

import lmfit
import numpy as np
import pytest

import lmscope
from lmscope import batch
from lmscope._bounds import Bounds

X = np.linspace(0.0, 4.0, 50)
SUCCESS = (1, 2, 3, 4)


def decay(x, a, b, c):
    return a * np.exp(-b * x) + c


def make_data(count, seed):
    """Decays whose offsets straddle zero: a bound c >= 0 is active for about half."""
    rng = np.random.default_rng(seed)
    truth = np.column_stack(
        [rng.uniform(1, 3, count), rng.uniform(0.3, 2, count), rng.uniform(-0.3, 0.3, count)]
    )
    y = decay(X, truth[:, :1], truth[:, 1:2], truth[:, 2:3])
    y = y + 0.05 * rng.normal(size=y.shape)
    starts = np.column_stack(
        [rng.uniform(1.2, 2.5, count), rng.uniform(0.5, 1.5, count), rng.uniform(0.05, 0.5, count)]
    )
    return y, starts


def quietly(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", lmscope.OptimizeWarning)
        return function(*args, **kwargs)


def single(y, p0, lower, upper, sigma=None, **settings):
    """lmscope's single bounded fit: curve_fit's (popt, pcov, ier, nfev)
    where it converges, leastsq's on the same weighted residuals where it
    does not (curve_fit raises there)."""
    try:
        popt, pcov, info, _, ier = quietly(
            lmscope.curve_fit,
            decay,
            X,
            y,
            p0=p0,
            sigma=sigma,
            bounds=(lower, upper),
            full_output=True,
            **settings,
        )
        return popt, pcov, ier, info["nfev"]
    except RuntimeError:
        weight = 1.0 if sigma is None else 1.0 / sigma

        def residuals(p):
            return weight * (decay(X, *p) - y)

        x, _, info, _, ier = quietly(
            lmscope.leastsq, residuals, p0, full_output=True, bounds=(lower, upper), **settings
        )
        return x, None, ier, info["nfev"]


def assert_row_is_its_single_fit(result, i, y, p0, lower, upper, **options):
    popt, pcov, ier, nfev = single(y, p0, lower, upper, **options)
    assert (result.ier[i], result.nfev[i]) == (ier, nfev), i
    np.testing.assert_array_equal(result.popt[i], popt, err_msg=f"row {i}")
    if pcov is not None:
        np.testing.assert_array_equal(result.pcov[i], pcov, err_msg=f"row {i}")
    else:
        assert np.isnan(result.pcov[i]).all()


LIMITS = {
    # name: (lower, upper)
    "c >= 0 (active for about half)": ([-np.inf, -np.inf, 0.0], np.inf),
    "two-sided on every parameter": ([0.5, 0.1, -0.1], [2.5, 1.6, 0.2]),
    "upper only": (-np.inf, [2.2, np.inf, 0.1]),
}


@pytest.mark.parametrize("limits", list(LIMITS))
def test_every_row_equals_its_single_bounded_fit(limits):
    lower, upper = LIMITS[limits]
    y, starts = make_data(400, seed=50)
    starts = np.clip(starts, np.broadcast_to(lower, 3), np.broadcast_to(upper, 3) - 1e-3)
    result = quietly(batch.curve_fit, decay, X, y, p0=starts, bounds=(lower, upper))
    for i in range(len(y)):
        assert_row_is_its_single_fit(result, i, y[i], starts[i], lower, upper)
    assert np.all(result.popt >= np.broadcast_to(lower, 3))
    assert np.all(result.popt <= np.broadcast_to(upper, 3))


def test_a_bound_that_is_active_holds_rows_that_the_free_fit_takes_past_it():
    y, starts = make_data(200, seed=51)
    free = batch.curve_fit(decay, X, y, p0=starts)
    bounded = quietly(batch.curve_fit, decay, X, y, p0=starts, bounds=([0, 0, 0], np.inf))
    crossing = free.popt[:, 2] < 0
    assert crossing.sum() > 30
    assert np.all(bounded.popt[crossing, 2] >= 0) and np.all(bounded.popt[crossing, 2] < 1e-3)
    # Elsewhere the bound is inactive: the same minimum, reached by other
    # steps (in u), so equal to the fits' tolerance rather than bit for bit.
    np.testing.assert_allclose(bounded.popt[~crossing], free.popt[~crossing], rtol=1e-4, atol=1e-5)


def test_per_fit_bounds_each_row_with_its_own_limits():
    y, starts = make_data(120, seed=52)
    rng = np.random.default_rng(53)
    lower = np.column_stack([np.zeros(120), np.zeros(120), rng.uniform(-0.2, 0.0, 120)])
    upper = np.column_stack([np.full(120, 4.0), rng.uniform(1.0, 3.0, 120), np.full(120, np.inf)])
    starts = np.clip(starts, lower + 1e-3, upper - 1e-3)
    result = quietly(batch.curve_fit, decay, X, y, p0=starts, bounds=(lower, upper))
    for i in range(120):
        assert_row_is_its_single_fit(result, i, y[i], starts[i], lower[i], upper[i])


def test_per_fit_bounds_follow_their_rows_when_nan_rows_are_left_out():
    """nan_policy='omit' fits only rows with enough points: each fitted row
    must still meet its own limits, not those of its place among the fitted."""
    y, starts = make_data(60, seed=54)
    rng = np.random.default_rng(55)
    y[rng.random(y.shape) < 0.1] = np.nan
    y[[3, 40], :49] = np.nan  # too few points left for 3 parameters
    lower = np.column_stack([np.zeros(60), np.zeros(60), rng.uniform(-0.2, 0.05, 60)])
    upper = np.full((60, 3), np.inf)
    starts[:, 2] = lower[:, 2] + 0.1
    sigma = rng.uniform(0.03, 0.08, y.shape)
    result = quietly(
        batch.curve_fit,
        decay,
        X,
        y,
        p0=starts,
        sigma=sigma,
        bounds=(lower, upper),
        nan_policy="omit",
    )
    assert (result.ier[[3, 40]] == 0).all()
    for i in set(range(60)) - {3, 40}:
        keep = ~np.isnan(y[i])
        popt, pcov, info, _, ier = quietly(
            lmscope.curve_fit,
            decay,
            X[keep],
            y[i, keep],
            p0=starts[i],
            sigma=sigma[i, keep],
            bounds=(lower[i], upper[i]),
            full_output=True,
        )
        assert (result.ier[i], result.nfev[i]) == (ier, info["nfev"]), i
        np.testing.assert_array_equal(result.popt[i], popt)
        np.testing.assert_array_equal(result.pcov[i], pcov)


def test_rows_that_run_out_of_evaluations_fail_on_their_own_within_bounds():
    y, starts = make_data(200, seed=56)
    lower, upper = [0.0, 0.0, 0.0], [5.0, 3.0, 1.0]
    result = quietly(batch.curve_fit, decay, X, y, p0=starts, bounds=(lower, upper), maxfev=15)
    assert (result.ier == 5).any() and result.success.any()
    assert not result.success[result.ier == 5].any()
    for i in range(200):
        assert_row_is_its_single_fit(result, i, y[i], starts[i], lower, upper, maxfev=15)


def test_rows_agree_with_lmfit():
    """lmfit fits the same transformed parameters over SciPy's leastsq; its
    residual arithmetic differs from curve_fit's in the last bits, so the
    fits agree to their tolerance."""
    y, starts = make_data(12, seed=57)
    lower, upper = np.array([0.0, 0.0, 0.0]), np.array([5.0, 3.0, np.inf])
    # lmfit's leastsq settings, and its budget of evaluations (as in test_bounds.py)
    settings = dict(ftol=1.5e-8, xtol=1.5e-8, gtol=0.0, epsfcn=1e-10, maxfev=2 * 2000 * (3 + 1))
    result = quietly(batch.curve_fit, decay, X, y, p0=starts, bounds=(lower, upper), **settings)
    for i in range(12):
        params = lmfit.Parameters()
        for name, value, lo, hi in zip("abc", starts[i], lower, upper, strict=True):
            params.add(name, value=value, min=lo, max=hi)
        theirs = lmfit.minimize(
            lambda p, i=i: decay(X, p["a"].value, p["b"].value, p["c"].value) - y[i], params
        )
        assert theirs.success and result.success[i]
        values = np.array([theirs.params[name].value for name in "abc"])
        np.testing.assert_allclose(result.popt[i], values, rtol=1e-6, atol=1e-9)


def test_infinite_bounds_leave_the_batch_bit_for_bit_unchanged():
    y, starts = make_data(100, seed=58)
    plain = batch.curve_fit(decay, X, y, p0=starts)
    unbounded = batch.curve_fit(decay, X, y, p0=starts, bounds=(-np.inf, np.inf))
    for name in ("popt", "pcov", "ier", "nfev"):
        np.testing.assert_array_equal(getattr(unbounded, name), getattr(plain, name))


def test_leastsq_rows_equal_single_bounded_leastsq_and_func_sees_only_inside_points():
    y, starts = make_data(150, seed=59)
    lower, upper = np.array([0.0, 0.2, 0.0]), np.array([4.0, 2.5, np.inf])
    seen = []

    def residuals(params, fits):
        seen.append(params.copy())
        return decay(X, params[:, :1], params[:, 1:2], params[:, 2:3]) - y[fits]

    result = quietly(batch.leastsq, residuals, starts, bounds=(lower, upper))
    points = np.vstack(seen)
    assert np.all(points >= lower) and np.all(points <= upper)
    for i in range(150):
        x, cov_x, info, _, ier = quietly(
            lmscope.leastsq,
            lambda p, i=i: decay(X, *p) - y[i],
            starts[i],
            full_output=True,
            bounds=(lower, upper),
        )
        assert (result.ier[i], result.nfev[i]) == (ier, info["nfev"]), i
        np.testing.assert_array_equal(result.x[i], x)
        if cov_x is not None:
            np.testing.assert_array_equal(result.pcov[i], cov_x)
        elif ier in SUCCESS:
            assert np.isposinf(result.pcov[i]).all()  # singular, as the unbounded batch says


def test_basin_with_bounds_equals_curve_fit_from_each_start():
    y, _ = make_data(1, seed=60)
    lower, upper = [0.0, 0.0, -0.5], [4.0, 3.0, 0.5]
    grid = (np.linspace(0.1, 2.9, 8), np.linspace(-0.4, 0.4, 7))
    result = quietly(
        batch.basin, decay, X, y[0], p0=[1.5, 1.0, 0.0], params=(1, 2), grid=grid,
        bounds=(lower, upper),
    )  # fmt: skip
    for a, b_start in enumerate(grid[0]):
        for b, c_start in enumerate(grid[1]):
            popt, _, ier, nfev = single(y[0], [1.5, b_start, c_start], lower, upper)
            assert (result.ier[a, b], result.nfev[a, b]) == (ier, nfev)
            np.testing.assert_array_equal(result.x[a, b], popt)


def test_a_block_is_transformed_exactly_as_its_rows_alone():
    rng = np.random.default_rng(61)
    lb = np.array([-np.inf, 0.0, -np.inf, -2.0])
    ub = np.array([np.inf, np.inf, 3.0, 5.0])
    x = np.column_stack(
        [rng.normal(size=500), rng.uniform(0, 9, 500), rng.uniform(-9, 3, 500)]
        + [rng.uniform(-2, 5, 500)]
    )
    block = Bounds((lb, ub), 4, x)
    u = block.to_internal(x)
    g = block.gradient(u)
    cov = rng.normal(size=(500, 4, 4))
    back = block.covariance(cov, u)
    for i in range(500):
        alone = Bounds((lb, ub), 4, x[i])
        np.testing.assert_array_equal(u[i], alone.to_internal(x[i]))
        np.testing.assert_array_equal(block.to_external(u)[i], alone.to_external(u[i]))
        np.testing.assert_array_equal(g[i], alone.gradient(u[i]))
        np.testing.assert_array_equal(back[i], alone.covariance(cov[i], u[i]))
    # per-fit limits, rows picked by fit index (repeats, as forward differences make)
    lower = np.broadcast_to(lb, (500, 4)).copy()
    lower[:, 1] = rng.uniform(-1, 0, 500)
    per_fit = Bounds((lower, ub), 4, x)
    fits = np.repeat(np.arange(0, 500, 7), 3)
    picked = per_fit.to_external(u[fits], fits)
    for row, fit in zip(picked, fits, strict=True):
        np.testing.assert_array_equal(row, Bounds((lower[fit], ub), 4).to_external(u[fit]))


@pytest.mark.parametrize(
    ("bounds", "p0", "match"),
    [
        (
            ([0, 0, 0], np.inf),
            [1.0, 1.0, -0.1],
            r"p0\[0, 2\]=-0.1 is outside.*\(fit 0, parameter 2\)",
        ),
        (
            (0.0, np.ones((3, 3))),
            [0.5, 0.5, 0.5],
            r"has shape \(3, 3\).*or \(4, 3\), one row per fit",
        ),
        (
            (np.zeros((4, 3)), np.vstack([np.ones((3, 3)), [1.0, 0.0, 1.0]])),
            [0.5, 0.5, 0.5],
            "lower bound 0 is not below upper bound 0 for parameter 1 of fit 3",
        ),
    ],
)  # fmt: skip
def test_bad_bounds_name_the_fit_and_parameter(bounds, p0, match):
    with pytest.raises(ValueError, match=match):
        batch.curve_fit(decay, X, np.ones((4, 50)), p0=p0, bounds=bounds)


def test_basin_refuses_grid_starts_outside_the_bounds():
    y, _ = make_data(1, seed=62)
    grid = (np.linspace(0.1, 2.9, 4), np.linspace(-0.4, 0.4, 3))
    with pytest.raises(
        ValueError, match=r"grid\[1\] has 1 starts outside the bounds of parameter 2"
    ):
        batch.basin(decay, X, y[0], [1.5, 1, 0], params=(1, 2), grid=grid, bounds=(0.0, 5.0))
    with pytest.raises(ValueError, match=r"p0\[0\]=9 is outside"):
        batch.basin(decay, X, y[0], [9.0, 1, 0], params=(1, 2), grid=grid, bounds=(-1.0, 5.0))


def test_per_fit_bounds_in_blocks_equal_one_block():
    """Blocks hand the model the fits' global indices: each block's rows must
    meet their own limits, not those of the first block's rows."""
    y, starts = make_data(50, seed=63)
    rng = np.random.default_rng(64)
    lower = np.column_stack([np.zeros(50), np.zeros(50), rng.uniform(-0.3, 0.05, 50)])
    upper = np.column_stack([np.full(50, 4.0), rng.uniform(1.0, 3.0, 50), np.full(50, 0.4)])
    starts = np.clip(starts, lower + 1e-3, upper - 1e-3)
    whole = quietly(batch.curve_fit, decay, X, y, p0=starts, bounds=(lower, upper))
    blocks = quietly(batch.curve_fit, decay, X, y, p0=starts, bounds=(lower, upper), block_size=7)
    for name in ("popt", "pcov", "ier", "nfev"):
        np.testing.assert_array_equal(getattr(blocks, name), getattr(whole, name))
    for i in range(0, 50, 5):
        assert_row_is_its_single_fit(blocks, i, y[i], starts[i], lower[i], upper[i])
