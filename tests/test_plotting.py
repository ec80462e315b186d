"""Static panels with matplotlib: Trace.plot() and plot_fit."""

from __future__ import annotations

import io

import numpy as np
from matplotlib.figure import Figure

from lmscope import Trace, leastsq
from lmscope.plotting import plot_fit, plot_trace


def _trace():
    trace = Trace()
    leastsq(lambda x: np.array([10 * (x[1] - x[0] ** 2), 1 - x[0]]), [-1.2, 1.0], trace=trace)
    return trace


def _labels(fig):
    return [ax.get_label() for ax in fig.axes if ax.get_label() and ax.get_label() != "<colorbar>"]


def test_trace_plot_draws_four_panels():
    trace = _trace()
    fig = trace.plot(names=["u", "v"])
    assert isinstance(fig, Figure)
    assert _labels(fig)[:4] == ["fnorm", "trust", "ratio", "params"]
    fnorm = fig.axes[0]
    # A log axis cannot show 0: the exact fit's ||f|| = 0 is left out (NaN).
    np.testing.assert_array_equal(
        fnorm.lines[0].get_ydata(), np.where(trace.fnorm > 0, trace.fnorm, np.nan)
    )
    assert fnorm.get_yscale() == "log"
    params = next(ax for ax in fig.axes if ax.get_label() == "params")
    assert [t.get_text().split(" ")[0] for t in params.get_legend().get_texts()] == ["u", "v"]
    fig.savefig(io.BytesIO(), format="png")


def test_plot_into_a_given_figure_and_an_empty_trace():
    fig = Figure()
    assert plot_trace(Trace(), fig=fig) is fig
    assert len(fig.axes) == 4
    fig.savefig(io.BytesIO(), format="png")


def test_residual_curve_and_landscape_panels():
    trace = _trace()
    landscape = {
        "i": 0,
        "j": 1,
        "xi": [-2.0, 0.0, 2.0],
        "xj": [-1.0, 1.0],
        "log10_cost": [1.0, None, 2.0, 0.5, 0.1, 3.0],
        "fit_id": 1,
    }
    curve = {"form": "residual", "accepted": np.zeros(2), "trial": np.ones(2)}
    fig = plot_fit(trace, curve=curve, landscape=landscape)
    assert {"curve", "fnorm", "trust", "ratio", "params", "landscape"} <= set(_labels(fig))
    fig.savefig(io.BytesIO(), format="png")
