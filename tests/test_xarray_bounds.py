"""lmscope.xarray.curvefit with bounds.  xarray's own curvefit hands finite
bounds to SciPy's 'trf', a different method, so it is the oracle only for
where the fits end (the same minimum, to the fits' tolerance); pixel by
pixel the oracle is lmscope.curve_fit(bounds=...) on that pixel alone, and
on a few pixels lmfit, which fits by the same transformations."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

xr = pytest.importorskip("xarray")
pytest.importorskip("scipy")
lmfit = pytest.importorskip("lmfit")
import lmscope  # noqa: E402
import lmscope.xarray as lx  # noqa: E402  (needs xarray)

X = np.linspace(0.0, 4.0, 40)
SHAPE = (8, 10)
START = {"a": 2.0, "b": 1.0, "c": 0.1}


def decay(x, a, b, c):
    return a * np.exp(-b * x) + c


def cube(seed=0):
    """Decays whose offsets straddle zero: a limit c >= 0 binds on about half."""
    rng = np.random.default_rng(seed)
    amplitude = rng.uniform(1, 3, SHAPE)
    rate = rng.uniform(0.3, 2, SHAPE)
    offset = rng.uniform(-0.3, 0.3, SHAPE)
    y = amplitude[..., None] * np.exp(-rate[..., None] * X) + offset[..., None]
    return xr.DataArray(
        y + 0.05 * rng.normal(size=y.shape),
        dims=("row", "col", "x"),
        coords={"x": X, "row": np.arange(SHAPE[0]), "col": np.arange(SHAPE[1])},
    )


def quietly(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", lmscope.OptimizeWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        return function(*args, **kwargs)


def pixel_limits(bounds, names, row, col):
    lower, upper = [], []
    for name in names:
        lo, hi = bounds.get(name, (-np.inf, np.inf))
        lower.append(float(lo[row] if isinstance(lo, xr.DataArray) else lo))
        upper.append(float(hi[row] if isinstance(hi, xr.DataArray) else hi))
    return lower, upper


def assert_pixels_are_single_bounded_fits(ours, da, bounds, starts):
    for row in range(SHAPE[0]):
        for col in range(SHAPE[1]):
            lower, upper = pixel_limits(bounds, "abc", row, col)
            popt, pcov, info, _, ier = quietly(
                lmscope.curve_fit,
                decay,
                X,
                da.values[row, col],
                p0=starts,
                bounds=(lower, upper),
                full_output=True,
            )
            where = {"row": row, "col": col}
            assert int(ours.curvefit_ier[where]) == ier
            assert int(ours.curvefit_nfev[where]) == info["nfev"]
            np.testing.assert_array_equal(ours.curvefit_coefficients[where].values, popt)
            np.testing.assert_array_equal(ours.curvefit_covariance[where].values, pcov)


BOUNDS = {"a": (0.5, 4.0), "c": (0.0, np.inf)}


def test_each_pixel_is_its_single_bounded_fit():
    da = cube()
    ours = quietly(lx.curvefit, da, "x", decay, p0=START, bounds=BOUNDS)
    assert_pixels_are_single_bounded_fits(ours, da, BOUNDS, list(START.values()))
    c = ours.curvefit_coefficients.sel(param="c")
    assert (c >= 0).all() and (c < 1e-4).sum() > 10  # the limit binds on many pixels


def test_where_the_fits_end_agrees_with_xarrays_trf_curvefit():
    da = cube(seed=1)
    ours = quietly(lx.curvefit, da, "x", decay, p0=START, bounds=BOUNDS)
    theirs = quietly(da.curvefit, "x", decay, p0=START, bounds=BOUNDS)
    assert ours.curvefit_coefficients.dims == theirs.curvefit_coefficients.dims
    a, b = ours.curvefit_coefficients.values, theirs.curvefit_coefficients.values
    # The same constrained minimum, reached by different methods: equal to
    # well within their tolerances (ftol 1.5e-8 on the cost for lm, 1e-8 for trf).
    np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    # Where no limit binds, the covariances agree too; where one binds they
    # mean different things (trf: the free curvature; here dx/du ~ 0).
    binding = (b[..., 2] < 1e-6)[..., None, None]
    free_cov = np.where(binding, np.nan, ours.curvefit_covariance.values)
    their_cov = np.where(binding, np.nan, theirs.curvefit_covariance.values)
    np.testing.assert_allclose(free_cov, their_cov, rtol=1e-3, atol=1e-9)
    assert binding.sum() > 10 and (~binding).sum() > 10


def test_bounds_per_pixel_as_dataarrays():
    da = cube(seed=2)
    floor = xr.DataArray(np.linspace(-0.2, 0.05, SHAPE[0]), dims="row")
    bounds = {"c": (floor, np.inf), "b": (0.1, xr.DataArray(np.full(SHAPE[0], 3.0), dims="row"))}
    start = {"a": 2.0, "b": 1.0, "c": 0.1}
    ours = quietly(lx.curvefit, da, "x", decay, p0=start, bounds=bounds)
    assert_pixels_are_single_bounded_fits(ours, da, bounds, list(start.values()))
    theirs = quietly(da.curvefit, "x", decay, p0=start, bounds=bounds)
    np.testing.assert_allclose(
        ours.curvefit_coefficients.values, theirs.curvefit_coefficients.values, rtol=1e-4, atol=1e-5
    )


def test_a_default_start_outside_its_bounds_moves_where_xarray_moves_it():
    """No p0: the defaults (func's, else 1) outside their limits start, as in
    xarray, at the middle of two limits or 1 inside a single one."""
    da = cube(seed=3)

    def with_defaults(x, a=9.0, b=-1.0, c=2.0):
        return decay(x, a, b, c)

    # (a's middle, 3.1, is where the internal parameter rounds to 2e-16, not 0)
    bounds = {"a": (1.2, 5.0), "b": (0.1, np.inf), "c": (-np.inf, 1.0)}
    ours = quietly(lx.curvefit, da, "x", with_defaults, bounds=bounds)
    # a: the middle 3.1; b: 0.1 + 1; c: 1 - 1
    assert_pixels_are_single_bounded_fits(ours, da, bounds, [3.1, 1.1, 0.0])
    assert (ours.curvefit_coefficients.sel(param="a") != 3.1).all()
    theirs = quietly(da.curvefit, "x", with_defaults, bounds=bounds)
    np.testing.assert_allclose(
        ours.curvefit_coefficients.values, theirs.curvefit_coefficients.values, rtol=1e-4, atol=1e-4
    )


def test_a_few_pixels_agree_with_lmfit():
    da = cube(seed=4)
    settings = dict(ftol=1.5e-8, xtol=1.5e-8, gtol=0.0, epsfcn=1e-10, maxfev=2 * 2000 * 4)
    ours = quietly(lx.curvefit, da, "x", decay, p0=START, bounds=BOUNDS, kwargs=settings)
    for row, col in [(0, 0), (3, 7), (5, 2), (7, 9)]:
        params = lmfit.Parameters()
        for name, value in START.items():
            lo, hi = BOUNDS.get(name, (-np.inf, np.inf))
            params.add(name, value=value, min=lo, max=hi)
        y = da.values[row, col]
        theirs = lmfit.minimize(
            lambda p, y=y: decay(X, p["a"].value, p["b"].value, p["c"].value) - y, params
        )
        assert theirs.success
        values = [theirs.params[name].value for name in "abc"]
        np.testing.assert_allclose(
            ours.curvefit_coefficients[row, col].values, values, rtol=1e-6, atol=1e-9
        )


def test_dask_chunks_with_per_pixel_bounds_equal_the_eager_fit():
    dask = pytest.importorskip("dask")
    da = cube(seed=5)
    floor = xr.DataArray(np.linspace(-0.2, 0.05, SHAPE[0]), dims="row")
    bounds = {"c": (floor, np.inf)}
    eager = quietly(lx.curvefit, da, "x", decay, p0=START, bounds=bounds)
    lazy = lx.curvefit(da.chunk({"row": 3, "col": 4}), "x", decay, p0=START, bounds=bounds)
    with dask.config.set(scheduler="synchronous"):
        computed = quietly(lazy.compute)
    for name in ("curvefit_coefficients", "curvefit_covariance", "curvefit_ier", "curvefit_nfev"):
        np.testing.assert_array_equal(computed[name].values, eager[name].values)
