"""lmscope.batch.basin: every cell is its own single fit, and labels name
the minimum each start reached, on a model with two known minima."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import lmscope
from lmscope import batch

X = np.linspace(0.0, 10.0, 80)


def gaussian(x, A, mu, s):
    return A * np.exp(-0.5 * ((x - mu) / s) ** 2)


def two_peaks():
    """One Gaussian fitted to two: a minimum on each peak, the taller one best."""
    rng = np.random.default_rng(40)
    y = gaussian(X, 2.0, 3.0, 0.6) + gaussian(X, 1.0, 7.0, 0.6)
    return y + 0.01 * rng.standard_normal(X.size)


def single_fit(y, start):
    def residuals(p):
        return gaussian(X, *p) - y

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        x, _, info, _, ier = lmscope.leastsq(residuals, start, full_output=True)
    return x, ier, info["nfev"]


@pytest.fixture(scope="module")
def landscape():
    y = two_peaks()
    grid = (np.linspace(0.5, 9.5, 30), np.linspace(0.2, 2.5, 30))
    with warnings.catch_warnings():
        # a few starts end with a rank-deficient Jacobian (a vanished peak)
        warnings.simplefilter("ignore", lmscope.OptimizeWarning)
        result = batch.basin(gaussian, X, y, p0=[1.5, 5.0, 1.0], params=(1, 2), grid=grid)
    return y, grid, result


def test_every_cell_equals_curve_fit_from_that_start(landscape):
    y, (mus, widths), result = landscape
    assert result.x.shape == (30, 30, 3) and result.label.shape == (30, 30)
    for a, mu in enumerate(mus):
        for b, width in enumerate(widths):
            x, ier, nfev = single_fit(y, [1.5, mu, width])
            assert (result.ier[a, b], result.nfev[a, b]) == (ier, nfev), (a, b)
            np.testing.assert_array_equal(result.x[a, b], x)


def test_labels_name_the_minimum_each_start_reached(landscape):
    y, _, result = landscape
    # the two minima, each from a start on its peak
    left, ier_left, _ = single_fit(y, [2.0, 3.1, 0.5])
    right, ier_right, _ = single_fit(y, [1.0, 6.9, 0.5])
    assert ier_left in (1, 2, 3, 4) and ier_right in (1, 2, 3, 4)
    converged = np.isin(result.ier, (1, 2, 3, 4))
    at_left = converged & np.all(np.isclose(result.x, left, rtol=1e-6), axis=-1)
    at_right = converged & np.all(np.isclose(result.x, right, rtol=1e-6), axis=-1)
    assert at_left.sum() > 50 and at_right.sum() > 50
    assert set(result.label[at_left].tolist()) == {0}  # the taller peak is the best solution
    (right_label,) = set(result.label[at_right].tolist())
    assert right_label != 0
    np.testing.assert_allclose(result.solutions[0], left, rtol=1e-6)
    np.testing.assert_allclose(result.solutions[right_label], right, rtol=1e-6)
    assert np.all(np.diff(result.costs) >= 0)  # best first
    assert (result.label[~converged] == -1).all()
    # every labelled start ended at its solution
    labelled = result.label >= 0
    ends = result.solutions[result.label[labelled]]
    np.testing.assert_allclose(result.x[labelled], ends, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"params": (1, 1)}, ValueError, "two different indices"),
        ({"params": (0, 3)}, ValueError, r"indices in 0..2"),
        ({"grid": None}, TypeError, "grid must be a pair"),
        ({"grid": (np.ones(3), np.ones((2, 2)))}, ValueError, r"grid\[1\] must be"),
        ({"grid": (np.ones(3), [1.0, np.nan])}, ValueError, r"grid\[1\] must be finite"),
        ({"p0": [1.0]}, ValueError, "p0 must be 1-D with at least 2"),
        ({"rtol": 0}, ValueError, "rtol must be > 0"),
        ({"ydata": np.ones((2, 80))}, ValueError, "ydata must be 1-D"),
    ],
)
def test_bad_input_names_the_argument(kwargs, error, match):
    arguments = {
        "model": gaussian,
        "xdata": X,
        "ydata": two_peaks(),
        "p0": [1.5, 5.0, 1.0],
        "params": (1, 2),
        "grid": (np.linspace(1, 9, 3), np.linspace(0.3, 2, 3)),
    }
    arguments.update(kwargs)
    with pytest.raises(error, match=match):
        batch.basin(**arguments)


def rosenbrock(params, fits):
    """Rosenbrock's function as residuals (Moré, Garbow, Hillstrom 1981,
    problem 1): one minimum, at (1, 1), behind a curved valley."""
    x1, x2 = params[:, 0], params[:, 1]
    return np.column_stack([10.0 * (x2 - x1 * x1), 1.0 - x1])


def rosenbrock_one(p):
    return np.array([10.0 * (p[1] - p[0] * p[0]), 1.0 - p[0]])


def single_leastsq(func, start, **settings):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        x, _, info, _, ier = lmscope.leastsq(func, start, full_output=True, **settings)
    return x, ier, info["nfev"]


@pytest.mark.parametrize("settings", [{}, {"factor": 0.1}, {"maxfev": 12}])
def test_residual_form_every_cell_of_rosenbrock_equals_leastsq(settings):
    grid = (np.linspace(-3.0, 3.0, 30), np.linspace(-2.0, 4.0, 30))
    result = batch.basin_leastsq(rosenbrock, [0.0, 0.0], params=(0, 1), grid=grid, **settings)
    assert result.x.shape == (30, 30, 2) and result.label.shape == (30, 30)
    for a, x1 in enumerate(grid[0]):
        for b, x2 in enumerate(grid[1]):
            x, ier, nfev = single_leastsq(rosenbrock_one, [x1, x2], **settings)
            assert (result.ier[a, b], result.nfev[a, b]) == (ier, nfev), (a, b)
            np.testing.assert_array_equal(result.x[a, b], x)
    converged = np.isin(result.ier, (1, 2, 3, 4))
    if "maxfev" in settings:
        assert (~converged).any()  # 12 evaluations are too few from far away
        assert (result.label[~converged] == -1).all()
    # one minimum: every start that converged reached it and shares label 0
    assert converged.any()
    np.testing.assert_allclose(result.x[converged], 1.0, rtol=1e-6)
    assert set(result.label[converged].tolist()) == {0}
    np.testing.assert_allclose(result.solutions[0], [1.0, 1.0], rtol=1e-6)


def test_residual_form_of_the_two_peaks_equals_leastsq_and_basin():
    """The residual form of the same two-peak problem: every cell is the
    single leastsq fit, and the same map as the model form."""
    y = two_peaks()

    def residuals(params, fits):
        return gaussian(X, params[:, :1], params[:, 1:2], params[:, 2:3]) - y

    grid = (np.linspace(0.5, 9.5, 30), np.linspace(0.2, 2.5, 30))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", lmscope.OptimizeWarning)
        ours = batch.basin_leastsq(residuals, [1.5, 5.0, 1.0], params=(1, 2), grid=grid)
        model_form = batch.basin(gaussian, X, y, p0=[1.5, 5.0, 1.0], params=(1, 2), grid=grid)
    for a, mu in enumerate(grid[0]):
        for b, width in enumerate(grid[1]):
            x, ier, nfev = single_fit(y, [1.5, mu, width])
            assert (ours.ier[a, b], ours.nfev[a, b]) == (ier, nfev), (a, b)
            np.testing.assert_array_equal(ours.x[a, b], x)
    np.testing.assert_array_equal(ours.label, model_form.label)
    np.testing.assert_array_equal(ours.solutions, model_form.solutions)


def test_residual_form_with_bounds_equals_bounded_leastsq_and_gets_args():
    grid = (np.linspace(-1.5, 1.9, 12), np.linspace(-1.0, 2.9, 11))
    bounds = ([-2.0, -1.0], [2.0, 3.0])
    seen = []

    def residuals(params, fits, scale):
        seen.append(params.copy())
        return scale * rosenbrock(params, fits)

    result = batch.basin_leastsq(residuals, [0.0, 0.0], grid=grid, args=(2.0,), bounds=bounds)
    points = np.vstack(seen)
    assert np.all(points >= bounds[0]) and np.all(points <= bounds[1])
    for a, x1 in enumerate(grid[0]):
        for b, x2 in enumerate(grid[1]):
            x, ier, nfev = single_leastsq(
                lambda p: 2.0 * rosenbrock_one(p), [x1, x2], bounds=bounds
            )
            assert (result.ier[a, b], result.nfev[a, b]) == (ier, nfev), (a, b)
            np.testing.assert_array_equal(result.x[a, b], x)


def test_residual_form_names_bad_input():
    with pytest.raises(ValueError, match="x0 must be 1-D with at least 2"):
        batch.basin_leastsq(rosenbrock, [0.0], grid=([1.0], [1.0]))
    with pytest.raises(TypeError, match="grid must be a pair"):
        batch.basin_leastsq(rosenbrock, [0.0, 0.0])
    with pytest.raises(
        ValueError, match=r"grid\[0\] has 1 starts outside the bounds of parameter 0"
    ):
        batch.basin_leastsq(rosenbrock, [0.0, 0.0], grid=([0.0, 3.0], [1.0]), bounds=(-2, 2))
