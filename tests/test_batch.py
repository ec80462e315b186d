"""lmscope.batch: many fits in lockstep, each equal to its single fit.

The oracle for every row is lmscope's own single fit on that row alone
(`lmscope.curve_fit`, or `lmscope.leastsq` where curve_fit raises for a fit
that does not converge), which the parity tests hold equal to SciPy's; a
sample of rows is also checked against SciPy directly.
"""

from __future__ import annotations

import threading
import traceback
import warnings

import numpy as np
import pytest

import lmscope
from lmscope import batch

scipy_optimize = pytest.importorskip("scipy.optimize")

X = np.linspace(0.0, 4.0, 50)


def rational(x, a, b, c):
    """Arithmetic only: every row of a block rounds as it does alone."""
    return a / (1.0 + b * x * x) + c * x


def decay(x, a, b, c):
    return a * np.exp(-b * x) + c


def make_data(model, count, seed, noise=0.05):
    rng = np.random.default_rng(seed)
    truth = np.column_stack(
        [rng.uniform(1, 3, count), rng.uniform(0.3, 2, count), rng.uniform(-1, 1, count)]
    )
    y = model(X, truth[:, :1], truth[:, 1:2], truth[:, 2:3])
    y = y + noise * rng.normal(size=y.shape)
    starts = truth * rng.uniform(0.3, 1.7, truth.shape)
    return y, starts


def single_fit(model, x, y, p0, sigma=None, **settings):
    """What lmscope.leastsq makes of one row: (x, ier, nfev, message)."""
    weight = None if sigma is None else 1.0 / np.asarray(sigma, dtype=float)

    def residuals(p):
        difference = model(x, *p) - y
        return difference if weight is None else weight * difference

    popt, _, info, mesg, ier = lmscope.leastsq(residuals, p0, full_output=True, **settings)
    return popt, ier, info["nfev"], mesg


def assert_rows_match_single_fits(result, model, ydata, starts, rows, **settings):
    for i in rows:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            popt, ier, nfev, _ = single_fit(model, X, ydata[i], starts[i], **settings)
        assert result.ier[i] == ier, i
        assert result.nfev[i] == nfev, i
        np.testing.assert_array_equal(result.popt[i], popt, err_msg=f"row {i}")


def test_every_row_equals_its_single_fit_arithmetic_model():
    ydata, starts = make_data(rational, 2000, seed=11)
    result = batch.curve_fit(rational, X, ydata, p0=starts)
    assert_rows_match_single_fits(result, rational, ydata, starts, range(len(ydata)))
    # and pcov as curve_fit makes it, where it converged
    for i in np.flatnonzero(result.success)[:300]:
        popt, pcov = lmscope.curve_fit(rational, X, ydata[i], p0=starts[i])
        np.testing.assert_array_equal(result.pcov[i], pcov)


def test_rows_with_exp_equal_their_single_fits():
    ydata, starts = make_data(decay, 2000, seed=12)
    result = batch.curve_fit(decay, X, ydata, p0=starts)
    identical = 0
    for i in range(len(ydata)):
        popt, ier, nfev, _ = single_fit(decay, X, ydata[i], starts[i])
        identical += bool(
            np.array_equal(popt, result.popt[i]) and ier == result.ier[i] and nfev == result.nfev[i]
        )
    # numpy's exp may round a block differently from one row on some CPUs;
    # on the machines this was written on every row is bit-identical.
    assert identical >= 0.99 * len(ydata), identical


def test_rows_agree_with_scipy():
    ydata, starts = make_data(decay, 200, seed=13)
    result = batch.curve_fit(decay, X, ydata, p0=starts)
    for i in range(0, 200, 10):
        popt, pcov, info, _, ier = scipy_optimize.curve_fit(
            decay, X, ydata[i], p0=starts[i], full_output=True
        )
        assert (result.ier[i], result.nfev[i]) == (ier, info["nfev"])
        np.testing.assert_allclose(result.popt[i], popt, rtol=1e-12, atol=0)
        np.testing.assert_allclose(result.pcov[i], pcov, rtol=1e-9, atol=0)


def test_rows_that_do_not_converge_fail_on_their_own():
    ydata, starts = make_data(rational, 500, seed=14)
    result = batch.curve_fit(rational, X, ydata, p0=starts, maxfev=12)
    assert set(result.ier.tolist()) & {5}, "some fits must run out of evaluations"
    assert result.success.sum() > 0, "and some converge within them"
    assert not result.success[result.ier == 5].any()
    assert np.isnan(result.pcov[result.ier == 5]).all()
    assert all("maxfev = 12" in m for m in result.message[result.ier == 5])
    assert_rows_match_single_fits(result, rational, ydata, starts, range(500), maxfev=12)


def test_nan_rows_end_with_their_own_ier_and_leave_the_others_alone():
    ydata, starts = make_data(decay, 300, seed=15)
    clean = batch.curve_fit(decay, X, ydata, p0=starts)
    broken = ydata.copy()
    nan_rows = [0, 17, 299]
    broken[nan_rows, 5] = np.nan
    result = batch.curve_fit(decay, X, broken, p0=starts)
    assert (result.ier[nan_rows] == -3).all()
    assert not result.success[nan_rows].any()
    assert all("not finite" in m for m in result.message[nan_rows])
    np.testing.assert_array_equal(result.popt[nan_rows], starts[nan_rows])
    others = np.setdiff1d(np.arange(300), nan_rows)
    np.testing.assert_array_equal(result.popt[others], clean.popt[others])
    np.testing.assert_array_equal(result.nfev[others], clean.nfev[others])


def test_residuals_turning_non_finite_mid_fit_match_single_fits():
    def root_model(x, a, b):
        return a * np.sqrt(b) * x + a  # NaN once b < 0

    rng = np.random.default_rng(16)
    count = 300
    truth = np.column_stack([rng.uniform(0.5, 2, count), rng.uniform(0.0, 0.02, count)])
    ydata = root_model(X, truth[:, :1], truth[:, 1:2]) + 0.2 * rng.normal(size=(count, X.size))
    starts = np.column_stack([np.ones(count), np.full(count, 0.01)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # sqrt of negative b
        result = batch.curve_fit(root_model, X, ydata, p0=starts)
        for i in range(count):
            popt, ier, nfev, _ = single_fit(root_model, X, ydata[i], starts[i])
            assert (result.ier[i], result.nfev[i]) == (ier, nfev), i
            np.testing.assert_array_equal(result.popt[i], popt)
    assert (result.ier == -3).any(), "some fits must meet NaN and stop on it"
    assert not result.success[result.ier == -3].any()


def test_one_fit():
    ydata, starts = make_data(decay, 1, seed=17)
    result = batch.curve_fit(decay, X, ydata, p0=starts[0])
    popt, pcov = lmscope.curve_fit(decay, X, ydata[0], p0=starts[0])
    assert result.popt.shape == (1, 3) and result.pcov.shape == (1, 3, 3)
    np.testing.assert_array_equal(result.popt[0], popt)
    np.testing.assert_array_equal(result.pcov[0], pcov)
    assert len(result) == 1 and "1 converged" in repr(result)


def test_shared_p0_equals_the_same_p0_per_row_and_default_p0_is_ones():
    ydata, _ = make_data(decay, 50, seed=18)
    shared = batch.curve_fit(decay, X, ydata, p0=[1.5, 1.0, 0.0])
    per_row = batch.curve_fit(decay, X, ydata, p0=np.tile([1.5, 1.0, 0.0], (50, 1)))
    np.testing.assert_array_equal(shared.popt, per_row.popt)
    default = batch.curve_fit(decay, X, ydata)
    ones = batch.curve_fit(decay, X, ydata, p0=np.ones(3))
    np.testing.assert_array_equal(default.popt, ones.popt)


@pytest.mark.parametrize("shape", ["scalar", "shared", "per_fit"])
@pytest.mark.parametrize("absolute_sigma", [False, True])
def test_sigma_as_curve_fit_weighs_it(shape, absolute_sigma):
    ydata, starts = make_data(decay, 40, seed=19)
    rng = np.random.default_rng(20)
    sigma = {
        "scalar": 0.3,
        "shared": rng.uniform(0.02, 0.2, X.size),
        "per_fit": rng.uniform(0.02, 0.2, ydata.shape),
    }[shape]
    result = batch.curve_fit(decay, X, ydata, p0=starts, sigma=sigma, absolute_sigma=absolute_sigma)
    for i in range(40):
        row_sigma = sigma[i] if shape == "per_fit" else sigma
        popt, pcov, info, _, ier = lmscope.curve_fit(
            decay,
            X,
            ydata[i],
            p0=starts[i],
            sigma=row_sigma,
            absolute_sigma=absolute_sigma,
            full_output=True,
        )
        assert (result.ier[i], result.nfev[i]) == (ier, info["nfev"])
        np.testing.assert_array_equal(result.popt[i], popt)
        np.testing.assert_array_equal(result.pcov[i], pcov)


def test_per_fit_xdata():
    ydata, starts = make_data(decay, 30, seed=21)
    xdata = X + np.random.default_rng(22).uniform(0, 0.05, (30, X.size))
    result = batch.curve_fit(decay, xdata, ydata, p0=starts)
    for i in range(30):
        popt, _ = lmscope.curve_fit(decay, xdata[i], ydata[i], p0=starts[i])
        np.testing.assert_array_equal(result.popt[i], popt)


def test_nan_policy_omit_equals_curve_fit_omitting_the_same_points():
    ydata, starts = make_data(decay, 60, seed=23)
    rng = np.random.default_rng(24)
    ydata[rng.random(ydata.shape) < 0.1] = np.nan
    ydata[5, :48] = np.nan  # 2 points left for 3 parameters
    result = batch.curve_fit(decay, X, ydata, p0=starts, nan_policy="omit")
    assert result.ier[5] == 0 and np.isnan(result.popt[5]).all()
    assert "fewer data points than parameters" in result.message[5]
    for i in set(range(60)) - {5}:
        popt, pcov, info, _, ier = lmscope.curve_fit(
            decay,
            X,
            ydata[i],
            p0=starts[i],
            check_finite=False,
            nan_policy="omit",
            full_output=True,
        )
        assert (result.ier[i], result.nfev[i]) == (ier, info["nfev"])
        np.testing.assert_array_equal(result.popt[i], popt)
        np.testing.assert_array_equal(result.pcov[i], pcov)
    with pytest.raises(ValueError, match=r"nan_policy='raise'.*fit 0"):
        batch.curve_fit(decay, X, ydata, p0=starts, nan_policy="raise")


def test_blocks_give_the_same_fits_as_one_block():
    ydata, starts = make_data(decay, 101, seed=25)
    whole = batch.curve_fit(decay, X, ydata, p0=starts)
    blocks = batch.curve_fit(decay, X, ydata, p0=starts, block_size=7)
    for name in ("popt", "pcov", "ier", "nfev", "fnorm"):
        np.testing.assert_array_equal(getattr(blocks, name), getattr(whole, name))
    assert list(blocks.message) == list(whole.message)


def test_the_model_is_called_once_per_round_with_k_by_1_columns():
    ydata, starts = make_data(decay, 500, seed=26)
    calls = []

    def model(x, a, b, c):
        calls.append((a.shape, b.shape, c.shape))
        return decay(x, a, b, c)

    result = batch.curve_fit(model, X, ydata, p0=starts)
    assert all(shapes[0] == shapes[1] == shapes[2] and shapes[0][1] == 1 for shapes in calls)
    assert calls[0][0] == (500, 1)  # f(x0) for every fit in one call
    assert calls[1][0] == (1500, 1)  # then every fit's forward differences
    # One call per round: far fewer than the fits' evaluations.
    assert len(calls) <= result.nfev.max() + 1 < result.nfev.sum() / 100


def test_an_exception_in_the_model_propagates_with_its_traceback():
    ydata, starts = make_data(decay, 20, seed=27)
    calls = []

    def failing_model(x, a, b, c):
        calls.append(1)
        if len(calls) == 3:
            raise ZeroDivisionError("model blew up in round 3")
        return decay(x, a, b, c)

    with pytest.raises(ZeroDivisionError, match="round 3") as info:
        batch.curve_fit(failing_model, X, ydata, p0=starts)
    frames = [frame.name for frame in traceback.extract_tb(info.value.__traceback__)]
    assert "failing_model" in frames


def test_progress_callback_and_bar(capsys):
    ydata, starts = make_data(decay, 300, seed=28)
    seen = []
    batch.curve_fit(
        decay, X, ydata, p0=starts, block_size=100, progress=lambda d, t: seen.append((d, t))
    )
    done = [d for d, _ in seen]
    assert done == sorted(done) and seen[-1] == (300, 300) and {t for _, t in seen} == {300}
    assert len(set(done)) > 3
    batch.curve_fit(decay, X, ydata, p0=starts, progress=True)
    assert "300/300" in capsys.readouterr().err
    with pytest.raises(TypeError, match="progress"):
        batch.curve_fit(decay, X, ydata, progress="yes")


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"ydata": np.ones(50)}, ValueError, r"ydata must be 2-D.*\(50,\)"),
        ({"ydata": np.ones((4, 50), dtype=complex)}, TypeError, "ydata must be real"),
        ({"p0": np.ones((3, 3))}, ValueError, r"p0 has shape \(3, 3\).*\(4, n\)"),
        ({"p0": [1.0, np.nan, 0.0]}, ValueError, r"p0 must be finite; p0\[0, 1\]"),
        ({"sigma": np.ones(7)}, ValueError, r"sigma has shape \(7,\)"),
        ({"sigma": np.zeros(50)}, ValueError, r"sigma must be non-zero.*sigma\[0\]"),
        ({"xdata": np.ones((4, 7))}, ValueError, r"xdata has shape \(4, 7\)"),
        ({"nan_policy": "propagate"}, ValueError, "nan_policy must be one of"),
        ({"maxfev": -1}, ValueError, "maxfev must be between"),
        ({"ftol": -1e-3}, ValueError, "ftol must be >= 0"),
        ({"factor": 0}, ValueError, "factor must be > 0"),
        ({"diag": [1.0, 2.0]}, ValueError, r"diag has shape \(2,\)"),
        ({"block_size": 0}, ValueError, "block_size must be a positive integer"),
        ({"model": "decay"}, TypeError, "model must be callable"),
        ({"p0": np.ones(60)}, TypeError, "must not exceed the number of data points=50"),
    ],
)
def test_bad_input_names_the_argument(kwargs, error, match):
    arguments = {"model": decay, "xdata": X, "ydata": np.ones((4, 50)), "p0": [1.0, 1.0, 0.0]}
    arguments.update(kwargs)
    with pytest.raises(error, match=match):
        batch.curve_fit(**arguments)


def test_a_model_of_the_wrong_shape_is_named():
    with pytest.raises(ValueError, match=r"returned shape \(7,\) for 4 fits of 50 points"):
        batch.curve_fit(lambda x, a, b: np.ones(7), X, np.ones((4, 50)), p0=[1.0, 1.0])


def test_leastsq_knows_which_fit_each_row_belongs_to():
    ydata, starts = make_data(rational, 200, seed=29)
    seen_fits = []

    def residuals(params, fits, x):
        seen_fits.append(fits.copy())
        return rational(x, params[:, :1], params[:, 1:2], params[:, 2:3]) - ydata[fits]

    result = batch.leastsq(residuals, starts, args=(X,))
    assert_rows_match_single_fits(result, rational, ydata, starts, range(200))
    # the probe call, then f(x0) for all, then n rows per fit for differences
    np.testing.assert_array_equal(seen_fits[1], np.arange(200))
    np.testing.assert_array_equal(seen_fits[2], np.repeat(np.arange(200), 3))
    # pcov is leastsq's cov_x
    for i in range(0, 200, 20):
        _, cov_x, *_ = lmscope.leastsq(
            lambda p, i=i: rational(X, *p) - ydata[i], starts[i], full_output=True
        )
        np.testing.assert_array_equal(result.pcov[i], cov_x)
    assert result.x is result.popt


def test_leastsq_errors_name_the_shapes():
    with pytest.raises(ValueError, match=r"x0 must be \(K, n\)"):
        batch.leastsq(lambda p, f: p, np.ones((2, 2, 2)))
    with pytest.raises(ValueError, match=r"shape \(k, m\); for 1 row it returned shape \(3,\)"):
        batch.leastsq(lambda p, f: np.ones(3), np.ones((2, 2)))
    calls = []

    def shrinking(params, fits):
        calls.append(1)
        return np.ones((params.shape[0], 5 if len(calls) == 1 else 4))

    with pytest.raises(ValueError, match=r"func returned shape \(2, 4\) for 2 parameter rows"):
        batch.leastsq(shrinking, np.ones((2, 2)))
    with pytest.raises(TypeError, match="N=3 must not exceed"):
        batch.leastsq(lambda p, f: np.ones((p.shape[0], 2)), np.ones((2, 3)))


def test_batches_run_on_threads_at_once():
    ydata, starts = make_data(decay, 400, seed=30)
    expected = batch.curve_fit(decay, X, ydata, p0=starts)
    results = [None] * 4

    def work(k):
        results[k] = batch.curve_fit(decay, X, ydata, p0=starts)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for result in results:
        np.testing.assert_array_equal(result.popt, expected.popt)


def test_empty_batch():
    result = batch.curve_fit(decay, X, np.empty((0, 50)), p0=[1.0, 1.0, 0.0])
    assert result.popt.shape == (0, 3) and result.ier.shape == (0,)


def test_inputs_are_left_untouched():
    ydata, starts = make_data(decay, 30, seed=31)
    ydata[3, 7] = np.nan
    sigma = np.full(ydata.shape, 0.1)
    copies = [a.copy() for a in (ydata, starts, sigma)]
    batch.curve_fit(decay, X, ydata, p0=starts, sigma=sigma, nan_policy="omit")
    batch.leastsq(lambda p, f: decay(X, p[:, :1], p[:, 1:2], p[:, 2:3]) - ydata[f], starts)
    for original, copy in zip((ydata, starts, sigma), copies):
        np.testing.assert_array_equal(original, copy)


def test_progress_bar_is_a_widget_in_a_jupyter_kernel(monkeypatch):
    ipywidgets = pytest.importorskip("ipywidgets")
    ipython = pytest.importorskip("IPython")
    display = pytest.importorskip("IPython.display")

    class KernelShell:
        kernel = object()

    shown = []
    monkeypatch.setattr(ipython, "get_ipython", KernelShell)
    monkeypatch.setattr(display, "display", shown.append)
    ydata, starts = make_data(decay, 50, seed=32)
    batch.curve_fit(decay, X, ydata, p0=starts, progress=True)
    (box,) = shown
    bars = [child for child in box.children if isinstance(child, ipywidgets.IntProgress)]
    assert len(bars) == 1 and bars[0].value == bars[0].max == 50
