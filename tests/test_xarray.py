"""lmscope.xarray.curvefit against xarray's own curvefit (SciPy's curve_fit
per pixel), eager, dask-chunked, and on a dask.distributed LocalCluster."""

from __future__ import annotations

import numpy as np
import pytest

xr = pytest.importorskip("xarray")
pytest.importorskip("scipy")
import lmscope.xarray as lx  # noqa: E402  (needs xarray)
from lmscope import batch  # noqa: E402

X = np.linspace(0.0, 4.0, 40)


def decay(x, a, b, c):
    return a * np.exp(-b * x) + c


def plane_wave(coords, a, k, w):
    x, t = coords
    return a * np.cos(k * x - w * t)


def cube(seed=0, shape=(12, 15)):
    rng = np.random.default_rng(seed)
    amplitude = rng.uniform(1, 3, shape)
    rate = rng.uniform(0.3, 2, shape)
    y = amplitude[..., None] * np.exp(-rate[..., None] * X) + 0.1
    y = y + 0.05 * rng.normal(size=y.shape)
    return xr.DataArray(
        y,
        dims=("row", "col", "x"),
        coords={"x": X, "row": np.arange(shape[0]), "col": 10.0 * np.arange(shape[1])},
        attrs={"units": "counts"},
        name="signal",
    )


START = {"a": 2.0, "b": 1.0, "c": 0.0}


def assert_same_fits(ours, theirs, prefix="", rtol=1e-12):
    """Pixel by pixel: coefficients to SciPy's rounding, covariance to the
    last bits that lmscope's cov_x and SciPy's compute differently."""
    for name in ("curvefit_coefficients", "curvefit_covariance"):
        a, b = ours[prefix + name], theirs[prefix + name]
        assert a.dims == b.dims
        for dim in a.dims:
            np.testing.assert_array_equal(a[dim].values, b[dim].values)
        np.testing.assert_array_equal(np.isnan(a.values), np.isnan(b.values))
        tolerance = rtol if name.endswith("coefficients") else max(rtol, 1e-9)
        # near-zero covariances are compared on the scale of the largest
        scale = np.nanmax(np.abs(b.values), initial=0.0, where=np.isfinite(b.values))
        np.testing.assert_allclose(a.values, b.values, rtol=tolerance, atol=tolerance * scale)


def test_eager_equals_xarrays_curvefit_pixel_by_pixel():
    da = cube()
    ours = lx.curvefit(da, "x", decay, p0=START)
    theirs = da.curvefit("x", decay, p0=START)
    assert_same_fits(ours, theirs)
    assert ours.attrs == da.attrs
    assert (ours.curvefit_ier.values >= 1).all() and (ours.curvefit_ier.values <= 4).all()
    assert ours.curvefit_nfev.dims == ("row", "col") and ours.curvefit_message.dtype == object
    np.testing.assert_array_equal(ours.row.values, da.row.values)


def test_nan_points_and_empty_pixels_are_skipped_as_xarray_skips_them():
    da = cube(seed=1)
    da[2, 3, [0, 5, 17]] = np.nan
    da[4, 4, :] = np.nan  # a pixel with no data: NaN, not an error
    ours = lx.curvefit(da, "x", decay, p0=START)
    theirs = da.curvefit("x", decay, p0=START)
    assert_same_fits(ours, theirs)
    assert np.isnan(ours.curvefit_coefficients[4, 4]).all()
    assert ours.curvefit_ier[4, 4] == 0
    with pytest.raises(ValueError, match="nan_policy='raise'"):
        lx.curvefit(da, "x", decay, p0=START, skipna=False)


def test_a_dataset_of_two_variables_and_the_accessor():
    ds = xr.Dataset({"first": cube(seed=2), "second": cube(seed=3)})
    ours = ds.lmscope.curvefit("x", decay, p0=START)
    theirs = ds.curvefit("x", decay, p0=START)
    for prefix in ("first_", "second_"):
        assert_same_fits(ours, theirs, prefix)
    assert "first_curvefit_ier" in ours and "second_curvefit_message" in ours
    da_result = cube().lmscope.curvefit("x", decay, p0=START)
    assert "curvefit_coefficients" in da_result


def test_p0_per_pixel_and_defaults_from_the_signature():
    da = cube(seed=4)
    start_a = xr.DataArray(np.linspace(1.0, 3.0, 12), dims="row")
    ours = lx.curvefit(da, "x", decay, p0={"a": start_a, "b": 1.0})
    theirs = da.curvefit("x", decay, p0={"a": start_a, "b": 1.0})
    assert_same_fits(ours, theirs)

    def with_defaults(x, a=2.0, b=0.8, c=0.1):
        return decay(x, a, b, c)

    assert_same_fits(lx.curvefit(da, "x", with_defaults), da.curvefit("x", with_defaults))


def test_two_coordinates_and_reduce_dims():
    rng = np.random.default_rng(5)
    x, t = np.linspace(0, 3, 16), np.linspace(0, 2, 9)
    amplitude = rng.uniform(1, 2, 6)
    y = amplitude[:, None, None] * np.cos(1.3 * x[None, :, None] - 0.7 * t[None, None, :])
    da = xr.DataArray(
        y + 0.02 * rng.normal(size=y.shape),
        dims=("pixel", "x", "t"),
        coords={"x": x, "t": t},
    )
    start = {"a": 1.5, "k": 1.2, "w": 0.6}
    # Over two dimensions xarray orders a fit's points by a set of dimension
    # names (an order that changes from run to run), lmscope by obj's dims:
    # the same fits summed in another order, equal to well within ftol.
    ours = lx.curvefit(da, ["x", "t"], plane_wave, p0=start)
    theirs = da.curvefit(["x", "t"], plane_wave, p0=start)
    assert_same_fits(ours, theirs, rtol=1e-7)
    # one fit over all pixels too, with reduce_dims
    ours = lx.curvefit(da, ["x", "t"], plane_wave, reduce_dims="pixel", p0=start)
    theirs = da.curvefit(["x", "t"], plane_wave, reduce_dims="pixel", p0=start)
    assert_same_fits(ours, theirs, rtol=1e-7)


def test_errors_raise_names_the_pixel_and_ignore_gives_nan_as_xarray():
    da = cube(seed=6)
    with pytest.raises(RuntimeError, match=r"Optimal parameters not found.*at pixel"):
        lx.curvefit(da, "x", decay, p0=START, kwargs={"maxfev": 9})
    ours = lx.curvefit(da, "x", decay, p0=START, errors="ignore", kwargs={"maxfev": 9})
    theirs = da.curvefit("x", decay, p0=START, errors="ignore", kwargs={"maxfev": 9})
    assert np.isnan(ours.curvefit_coefficients.values).any()
    assert_same_fits(ours, theirs)
    failed = np.isnan(ours.curvefit_coefficients.values).any(axis=-1)
    assert (ours.curvefit_ier.values[failed] == 5).all()


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        ({"bounds": {"z": (0.0, 5.0)}}, ValueError, "bounds name an unknown parameter 'z'"),
        ({"bounds": {"a": 0.0}}, ValueError, r"bounds for 'a' must be a pair"),
        (
            {"bounds": {"a": (xr.DataArray(np.zeros(40), dims="x"), 5.0)}},
            ValueError,
            "Lower bound for 'a' has unexpected dimensions",
        ),
        ({"p0": {"a": 9.0}, "bounds": {"a": (0.0, 5.0)}}, ValueError, "outside its bounds"),
        ({"kwargs": {"bounds": (0, 1)}}, TypeError, "kwargs must not contain 'bounds'"),
        ({"errors": "warn"}, ValueError, "errors must be either"),
        ({"p0": {"z": 1.0}}, ValueError, "unknown parameters"),
        (
            {"p0": {"a": xr.DataArray(np.ones(40), dims="x")}},
            ValueError,
            "unexpected dimensions",
        ),
        ({"kwargs": {"nan_policy": "omit"}}, TypeError, "kwargs must not contain"),
    ],
)
def test_bad_input(options, error, match):
    options = {"coords": "x", **options}
    with pytest.raises(error, match=match):
        lx.curvefit(cube(), func=decay, **options)


def test_no_dimension_to_fit_over():
    da = cube()
    with pytest.raises(ValueError, match="No dimension to fit over"):
        lx.curvefit(da, xr.DataArray(np.arange(3.0), dims="other"), decay)


def count_batch_calls(monkeypatch):
    calls = []
    real = batch.curve_fit

    def counting(*args, **kwargs):
        calls.append(np.shape(args[2]))
        return real(*args, **kwargs)

    monkeypatch.setattr(batch, "curve_fit", counting)
    return calls


def test_dask_stays_lazy_and_runs_one_batch_call_per_chunk(monkeypatch):
    dask = pytest.importorskip("dask")
    da = cube(seed=7)
    calls = count_batch_calls(monkeypatch)
    lazy = lx.curvefit(da.chunk({"row": 4, "col": 5}), "x", decay, p0=START)
    assert calls == []
    assert lazy.curvefit_coefficients.chunks is not None
    with dask.config.set(scheduler="synchronous"):
        computed = lazy.compute()
    assert sorted(calls) == [(20, 40)] * 9  # 3 x 3 chunks of 4 x 5 pixels
    assert_same_fits(computed, da.curvefit("x", decay, p0=START))
    np.testing.assert_array_equal(
        computed.curvefit_nfev.values, lx.curvefit(da, "x", decay, p0=START).curvefit_nfev.values
    )


@pytest.mark.slow
def test_on_a_distributed_local_cluster():
    distributed = pytest.importorskip("distributed")
    da = cube(seed=8, shape=(16, 20))
    expected = da.curvefit("x", decay, p0=START)
    with (
        distributed.LocalCluster(
            host="127.0.0.1",
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        lazy = lx.curvefit(da.chunk({"row": 8}), "x", decay, p0=START)
        computed = client.compute(lazy).result()
    assert_same_fits(computed, expected)
    assert (computed.curvefit_ier.values >= 1).all()
