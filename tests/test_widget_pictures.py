"""What the page is given to draw a fit honestly: a band for dense data, a
landscape that contains the fit's path, and the residual form's own picture
(`draw=`).  Headless: the traits and the stream's messages, as the page gets them."""

from __future__ import annotations

import numpy as np
import pytest
from widget_helpers import exp_model, make, sent, wait_for, widgets_made

from lmscope import curve_fit, leastsq
from lmscope.widget.drawing import MAX_POINTS, drawing_curves
from lmscope.widget.landscape import axis_extent

__all__ = ["sent", "widgets_made"]  # fixtures, used by name


def circle_points(seed: int = 3, m: int = 40):
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, 2 * np.pi, m)
    xs = 1.0 + 2.0 * np.cos(t) + 0.05 * rng.standard_normal(m)
    ys = -1.0 + 2.0 * np.sin(t) + 0.05 * rng.standard_normal(m)
    return xs, ys


def test_axis_extent_keeps_the_range_a_path_stays_in():
    assert axis_extent(0.0, 1.0, False, [0.2, 0.9]) == (0.0, 1.0)
    # A path that leaves on one side widens that side only, with air beyond it.
    lo, hi = axis_extent(0.0, 1.0, False, [0.5, 3.0])
    assert lo == 0.0 and hi > 3.0
    # On a log axis the air is in decades, and values <= 0 (not drawable) are left out.
    lo, hi = axis_extent(1e-3, 1e-1, True, [-1.0, 0.0, 10.0])
    assert lo == 1e-3 and hi > 10.0 and np.log10(hi) - 1 < 0.5
    # The map already shown is kept while the path stays on it.
    assert axis_extent(0.0, 1.0, False, [2.0], shown=(-1.0, 5.0)) == (-1.0, 5.0)


def test_landscape_grows_to_contain_the_path_and_says_its_slice(sent, widgets_made):
    x = np.linspace(0, 4, 50)
    y = exp_model(x, 2.5, 1.3, 0.5)
    # Slider ranges around a poor start that the true values lie far outside.
    w = make(
        widgets_made,
        exp_model,
        x,
        y,
        p0=[0.2, 0.1, 0.0],
        curve=True,
        ranges=[(0.0, 0.4), (0.01, 0.2), (-1.0, 1.0)],
        log_scale=["k"],
    )
    assert w.wait(30)
    assert wait_for(lambda: w.landscape.get("fit_id") == 1 and w.landscape["xi"][-1] > 0.4, 20)
    assert w.wait(30, landscape=True)
    land = w.landscape
    final = w.result[0]
    np.testing.assert_allclose(final, leastsq(w.problem.func, [0.2, 0.1, 0.0])[0])
    path = w.trace.x
    assert land["xi"][0] <= path[:, 0].min() and path[:, 0].max() <= land["xi"][-1]
    assert land["xj"][0] <= path[:, 1].min() and path[:, 1].max() <= land["xj"][-1]
    assert land["xi"][0] <= final[0] <= land["xi"][-1] and land["xj"][-1] >= final[1]
    # k's slider is logarithmic: a log-spaced grid, and the page is told to draw it so.
    assert land["log_j"] and not land["log_i"]
    ratios = np.diff(np.log(land["xj"]))
    np.testing.assert_allclose(ratios, ratios[0], rtol=1e-9)
    # The slice: c held at its start value.
    assert land["held"] == [[2, 0.0]]


def test_draw_series_reach_the_page_with_the_residuals(sent, widgets_made):
    xs, ys = circle_points()
    u = np.linspace(0, 2 * np.pi, 90)

    def residuals(p):
        return np.hypot(xs - p[0], ys - p[1]) - p[2]

    def draw(p):
        return {
            "points": (xs, ys, "markers"),
            "circle": (p[0] + p[2] * np.cos(u), p[1] + p[2] * np.sin(u)),
        }

    w = make(widgets_made, residuals, [0.0, 0.0, 1.0], names=["cx", "cy", "r"], draw=draw)
    assert w.wait(20)
    content, buffers = sent.of_type("steps", 1)[-1]
    columns = len(content["columns"])
    curves = {
        spec["name"]: np.frombuffer(buffer, "<f8")
        for spec, buffer in zip(content["curves"], buffers[columns:], strict=True)
    }
    np.testing.assert_array_equal(curves["draw/markers/points/x"], xs)
    np.testing.assert_array_equal(curves["draw/markers/points/y"], ys)
    cx, cy, r = w.result[0]
    np.testing.assert_allclose(curves["draw/line/circle/x"], cx + r * np.cos(u), rtol=0, atol=1e-15)
    np.testing.assert_allclose(curves["draw/line/circle/y"], cy + r * np.sin(u), rtol=0, atol=1e-15)
    np.testing.assert_array_equal(curves["accepted"], residuals(w.result[0]))


def test_long_residuals_are_decimated_but_not_the_drawing(sent, widgets_made):
    t = np.linspace(0, 1, 20_000)
    target = np.sin(7 * t)

    def residuals(p):
        return p[0] * np.sin(p[1] * t) - target

    big = np.linspace(0, 1, MAX_POINTS)
    w = make(widgets_made, residuals, [1.0, 6.5], draw=lambda p: {"model": (big, p[0] * big)})
    assert w.wait(20)
    content, buffers = sent.of_type("steps", 1)[-1]
    shapes = {spec["name"]: spec["shape"][0] for spec in content["curves"]}
    assert shapes["accepted"] < 2000 and shapes["index"] == shapes["accepted"]
    assert shapes["draw/line/model/x"] == shapes["draw/line/model/y"] == MAX_POINTS


@pytest.mark.parametrize(
    ("returned", "error", "words"),
    [
        ([1, 2], TypeError, "dict of named series"),
        ({"a": (1,)}, TypeError, "(xs, ys)"),
        ({"a": ([1, 2], [1])}, ValueError, "2 x values and 1 y values"),
        ({"a": ([1], [1], "dots")}, ValueError, "style must be one of"),
        ({"a": (np.zeros(MAX_POINTS + 1), np.zeros(MAX_POINTS + 1))}, ValueError, "at most"),
    ],
)
def test_a_wrong_drawing_raises_when_the_widget_is_made(returned, error, words, widgets_made):
    with pytest.raises(error, match="draw") as info:
        make(widgets_made, lambda p: p - 1.0, [0.0, 0.0], draw=lambda p: returned, run=False)
    assert words in str(info.value)
    assert drawing_curves(lambda p: {"ok": ([0, 1], [1, 2])}, np.zeros(2))[
        "draw/line/ok/y"
    ].tolist() == [1, 2]


def test_draw_is_for_the_residual_form(widgets_made):
    x = np.linspace(0, 1, 10)
    with pytest.raises(TypeError, match="residual form"):
        make(widgets_made, exp_model, x, x, p0=[1, 1, 0], curve=True, draw=lambda p: {})


def test_a_draw_that_raises_mid_fit_leaves_the_fit_alone(sent, widgets_made):
    calls = []

    def draw(p):
        calls.append(p.copy())
        if len(calls) > 1:
            raise RuntimeError("drawing broke")
        return {"p": ([p[0]], [p[1]], "markers")}

    w = make(widgets_made, lambda p: p - np.array([3.0, -2.0]), [0.0, 0.0], draw=draw)
    assert w.wait(20)
    assert w.state == "success" and len(calls) > 1
    np.testing.assert_allclose(w.result[0], [3.0, -2.0])


def steps_curves(sent, fit_id):
    content, buffers = sent.of_type("steps", fit_id)[-1]
    columns = len(content["columns"])
    return {
        spec["name"]: np.frombuffer(buffer, "<f8")
        for spec, buffer in zip(content["curves"], buffers[columns:], strict=True)
    }


def test_curve_form_sends_its_residuals_against_xdata(sent, widgets_made):
    rng = np.random.default_rng(4)
    x = rng.permutation(np.linspace(0, 4, 60))  # unsorted: each residual keeps its own x
    y = exp_model(x, 2.5, 1.3, 0.5) + 0.05 * rng.standard_normal(x.size)
    sigma = np.full(x.size, 0.05)
    w = make(widgets_made, exp_model, x, y, p0=[2, 1, 0.4], sigma=sigma, curve=True)
    assert w.wait(20)
    curves = steps_curves(sent, 1)
    popt, _ = curve_fit(exp_model, x, y, p0=[2, 1, 0.4], sigma=sigma)
    np.testing.assert_array_equal(curves["residual_x"], x)
    np.testing.assert_allclose(curves["residual"], (exp_model(x, *popt) - y) / sigma, rtol=1e-12)


def test_long_curve_form_residuals_are_decimated_with_their_x(sent, widgets_made):
    x = np.linspace(0, 4, 50_000)
    y = exp_model(x, 2.5, 1.3, 0.5) + 0.05 * np.random.default_rng(6).standard_normal(x.size)
    w = make(widgets_made, exp_model, x, y, p0=[2, 1, 0.4], curve=True, landscape=False)
    assert w.wait(20)
    curves = steps_curves(sent, 1)
    index = curves["index"].astype(int)
    assert curves["residual"].size == curves["residual_x"].size == index.size < 2000
    full = exp_model(x, *w.result[0]) - y
    np.testing.assert_array_equal(curves["residual_x"], x[index])
    np.testing.assert_allclose(curves["residual"], full[index], rtol=1e-12, atol=1e-15)
    # The extremes survive the cut: the worst residual is drawn.
    assert curves["residual"].max() == full.max() and curves["residual"].min() == full.min()


def test_figure_draws_dense_data_as_the_page_does(widgets_made):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.collections import PolyCollection

    x = np.linspace(0, 4, 30_000)
    y = exp_model(x, 2.5, 1.3, 0.5) + 0.1 * np.random.default_rng(8).standard_normal(x.size)
    w = make(widgets_made, exp_model, x, y, p0=[2, 1, 0.4], curve=True, landscape=False)
    assert w.wait(20)
    fig = w.figure()
    curve_ax = next(ax for ax in fig.axes if ax.get_title() == "data and model")
    bands = [c for c in curve_ax.collections if isinstance(c, PolyCollection)]
    assert len(bands) == 1
    # The envelope spans the data: its vertices reach the lowest and highest y.
    vertices = bands[0].get_paths()[0].vertices
    assert vertices[:, 1].min() == y.min() and vertices[:, 1].max() == y.max()
