"""FitWidget's threads against user code that hangs, is slow, or is not
thread-safe; and the regressions of earlier reviews (settings leastsq
accepts, to_code of the curve form, long residual vectors, close()).

Headless like test_widget.py; every wait is on a condition with a timeout.
"""

from __future__ import annotations

import gc
import threading
import time
import weakref

import numpy as np
import pytest
from widget_helpers import (
    command,
    exp_data,
    exp_model,
    make,
    move,
    rosenbrock,
    rosenbrock_jac,
    sent,
    wait_for,
    widgets_made,
)

from lmscope import curve_fit, leastsq
from lmscope.trace import FIELDS
from lmscope.widget import FitWidget
from lmscope.widget.decimate import keep_indices
from lmscope.widget.problem import BAND_BINS, MODEL_POINTS

__all__ = ["sent", "widgets_made"]  # fixtures, used by name


def returns_within(seconds: float, action) -> bool:
    """Run action() on a helper thread; whether it returned within `seconds`
    (a deadlocked action fails the test instead of hanging it)."""
    done = threading.Event()

    def go():
        action()
        done.set()

    threading.Thread(target=go, daemon=True).start()
    return done.wait(seconds)


class Concurrency:
    """Wraps user code and records the most calls ever in flight at once."""

    def __init__(self):
        self.active = self.most = 0
        self._lock = threading.Lock()

    def wrap(self, fn):
        def wrapped(*args):
            with self._lock:
                self.active += 1
                self.most = max(self.most, self.active)
            try:
                time.sleep(0.001)  # widen the window two threads could share
                return fn(*args)
            finally:
                with self._lock:
                    self.active -= 1

        wrapped.__name__ = fn.__name__
        return wrapped


def test_hung_func_does_not_freeze_the_kernel(sent, widgets_made):
    """A func that hangs holds up the next fit, never a control event."""
    gate, entered = threading.Event(), threading.Event()

    def func(x):
        if x[0] > 4.5:
            entered.set()
            gate.wait(30)  # the model hangs in this region
        return np.array([x[0] - 1, x[1] - 2, x[0] * x[1]])

    w = make(widgets_made, func, [1.0, 1.0], landscape=False)
    try:
        assert w.wait(10)
        move(w, 0, 5.0)  # fit 2 hangs in func
        assert entered.wait(5) and w.running and w.state == "running"
        assert returns_within(0.1, w.stop)
        assert returns_within(0.1, lambda: move(w, 0, 1.0))
        assert w.running and not w.wait(0.2)  # fit 3 waits for func to return
    finally:
        gate.set()
    assert w.wait(10)
    assert w.history[-1]["x0"][0] == 1.0 and w.state == "success"
    assert returns_within(1.0, w.close)


def test_result_observer_may_start_a_fit(sent, widgets_made):
    """Observers of `result` run on the fit's worker thread; one that changes a
    control starts a fit, which runs after it, and the newest fit reports."""
    w = make(widgets_made, rosenbrock, [-1.2, 1.0], run=False, landscape=False)
    threads = []

    def on_result(change):
        threads.append(threading.current_thread().name)
        if len(threads) == 1:
            w.maxfev = 500  # a control change: a new fit
            assert not w.wait(1)  # waiting on its own thread returns at once

    w.observe(on_result, "result")
    w.fit()
    assert wait_for(lambda: len(threads) == 2, 10) and w.wait(10)
    assert threads == ["lmscope-fit-worker"] * 2
    assert w.history[-1]["options"]["maxfev"] == 500 and w.state == "success"


T32 = np.linspace(0, 4, 30, dtype=np.float32)
Y32 = (3 * np.exp(-0.7 * T32)).astype(np.float32) + np.float32(0.01) * np.sin(7 * T32)


def decay32(p):
    p = p.astype(np.float32)
    return p[0] * np.exp(-p[1] * T32) - Y32


def test_float32_model_gets_leastsqs_default_epsfcn(sent, widgets_made):
    """Regression: the widget always passed epsfcn = 2.2e-16, which is no
    step at all for a float32 model; leastsq's default is the dtype's eps."""
    w = make(widgets_made, decay32, [1.0, 0.1], landscape=False)
    assert w.wait(20)
    expected = leastsq(decay32, [1.0, 0.1], full_output=True)
    np.testing.assert_array_equal(w.result[0], expected[0])
    assert w.result[2]["nfev"] == expected[2]["nfev"] and w.epsfcn is None
    assert "epsfcn" not in w.to_code()
    w.epsfcn = 1e-6
    assert w.epsfcn == 1e-6 and "epsfcn=1e-06" in w.to_code()
    w.epsfcn = 0.0  # MINPACK: <= 0 is machine precision
    assert w.epsfcn is None
    w.epsfcn = 1e-7
    w.reset()
    assert w.epsfcn is None


@pytest.mark.parametrize(
    "setting",
    [{"ftol": 0.0}, {"xtol": 0.0}, {"epsfcn": 0.0}, {"ftol": 0.0, "xtol": 0.0, "gtol": 1e-10}],
)
def test_settings_leastsq_accepts_make_a_widget(sent, widgets_made, setting):
    """Regression: ftol = 0, xtol = 0 or epsfcn = 0 crashed in log10(0)."""
    w = make(widgets_made, rosenbrock, [-1.2, 1.0], landscape=False, **setting)
    assert w.wait(10)
    expected = leastsq(rosenbrock, [-1.2, 1.0], full_output=True, **setting)
    np.testing.assert_array_equal(w.result[0], expected[0])
    assert w.result[2]["nfev"] == expected[2]["nfev"]
    for name in ("ftol", "xtol"):
        assert getattr(w, name) == setting.get(name, 1.49012e-08)
    namespace = {"rosenbrock": rosenbrock}
    exec(compile(w.to_code(), "to_code", "exec"), namespace)
    np.testing.assert_array_equal(namespace["x"], w.result[0])


def test_reset_restores_the_jacobian_choice(sent, widgets_made):
    w = make(widgets_made, rosenbrock, [-1.2, 1.0], Dfun=rosenbrock_jac, run=False, auto_fit=False)
    w.ftol = w.xtol = 0.0
    w.use_dfun = False
    w.reset()
    assert w.ftol == w.xtol == 1.49012e-08
    assert w.use_dfun


def test_close_of_a_half_built_widget():
    with pytest.raises(ValueError, match="landscape_params"):
        FitWidget(rosenbrock, [1.0, 2.0], landscape_params=(0, 0), run=False)
    FitWidget.__new__(FitWidget).close()


def test_user_code_never_runs_concurrently(sent, widgets_made):
    """The fit, the curves, the landscape and figure() never call the user's
    function at the same time."""
    curve, residual = Concurrency(), Concurrency()  # one lock per widget
    x, y = exp_data()
    w = make(widgets_made, curve.wrap(exp_model), x, y, p0=[2.0, 1.0, 0.5], curve=True, maxfev=400)
    r = make(
        widgets_made, residual.wrap(rosenbrock), [-1.2, 1.0], Dfun=residual.wrap(rosenbrock_jac)
    )
    for k in range(3):
        w.figure()  # the main thread, while the others run
        r.figure()
        move(w, 2, 0.3 + 0.1 * k)  # a new landscape and a new fit
        move(r, 1, 1.0 + 0.1 * k)
    assert w.wait(30, landscape=True) and r.wait(30, landscape=True)
    assert curve.most == 1 and residual.most == 1


def test_stop_with_a_slow_curve_takes_effect_within_100_ms(sent, widgets_made):
    """A stopped fit does not draw its curves once more before it ends."""

    def model(x, a, b):
        time.sleep(0.0005 * np.size(x))  # 10 ms on the data, 200 ms on the model grid
        return a * np.exp(-b * x)

    x = np.linspace(0, 4, 20)
    w = make(
        widgets_made,
        model,
        x,
        3 * np.exp(-0.7 * x),
        p0=[1.0, 0.1],
        curve=True,
        run=False,
        landscape=False,
    )
    for k in range(3):
        w.x0 = [1.0 + k, 0.1]
        fit_id = w.fit()
        assert wait_for(lambda: sent.records(fit_id) >= 2, 30)
        t0 = time.monotonic()
        w.stop()
        assert wait_for(lambda: w.state == "stopped", 5)
        elapsed = time.monotonic() - t0
        assert elapsed < 0.1, f"Stop took {elapsed * 1000:.0f} ms"
        assert w.result[4] == -2


def test_landscape_of_a_slow_func_is_skipped_and_stop_cancels_it(sent, widgets_made):
    def func(x):
        time.sleep(0.1)  # 144 calls: 14 s, far over the budget
        return np.array([x[0] - 1, x[1] - 2, x[2] - 3, x[0] * x[1] * x[2]])

    w = make(widgets_made, func, [1.0, 1.0, 1.0], maxfev=3)
    assert wait_for(lambda: "message" in w.landscape, 5)
    assert w.landscape["message"] == "func too slow for a landscape"
    w.x0 = [1.0, 1.0, 2.0]  # a new landscape ...
    w.stop()  # ... which Stop cancels
    assert w.wait(5, landscape=True)
    fig = w.figure()  # no landscape panel, and no error
    assert "landscape" not in [ax.get_label() for ax in fig.axes]


def plane(X, a, b):
    return a * X[0] + b * X[1]


def test_to_code_of_a_curve_form_with_2d_xdata(sent, widgets_made):
    X = np.vstack([np.linspace(0, 1, 10), np.linspace(1, 2, 10) ** 2])
    Y = 2 * X[0] + 3 * X[1]
    w = make(widgets_made, plane, X, Y, p0=[1.0, 1.0], curve=True, landscape=False)
    assert w.wait(10)
    assert w.form == "residual"  # nothing to draw the model against
    code = w.to_code()
    assert "curve_fit(" in code and "leastsq" not in code
    namespace = {"plane": plane, "xdata": X, "ydata": Y}
    exec(compile(code, "to_code", "exec"), namespace)
    np.testing.assert_array_equal(namespace["popt"], w.result[0])
    np.testing.assert_array_equal(namespace["popt"], curve_fit(plane, X, Y, p0=[1.0, 1.0])[0])


def test_long_residual_vectors_are_decimated(sent, widgets_made):
    t = np.linspace(0, 10, 200_000)
    y = 3 * np.exp(-0.7 * t)
    y[123_457] += 5.0  # a spike the page must still show
    y[150_000:150_010] = np.nan  # and a gap

    def func(p):
        return p[0] * np.exp(-p[1] * t) - y

    w = make(widgets_made, func, [1.0, 0.1], landscape=False, maxfev=40)
    assert w.wait(60)
    with_curves = [(c, b) for c, b in sent.of_type("steps") if c["curves"]]
    assert with_curves
    for content, buffers in with_curves:
        curves = {
            spec["name"]: np.frombuffer(b, "<f8")
            for spec, b in zip(content["curves"], buffers[len(FIELDS) :])
        }
        assert set(curves) == {"accepted", "trial", "index"}
        assert len(curves["index"]) <= 1.5 * MODEL_POINTS
        assert len(curves["accepted"]) == len(curves["trial"]) == len(curves["index"])
    index = curves["index"].astype(int)
    full = func(w.trace.x[-1])
    np.testing.assert_array_equal(curves["accepted"], full[index])
    assert 123_457 in index and np.isnan(curves["accepted"]).any()


def test_long_data_are_decimated_for_the_page(sent, widgets_made):
    x = np.linspace(0, 4, 50_000)
    rng = np.random.default_rng(2)
    y = exp_model(x, 2.5, 1.3, 0.5) + 0.05 * rng.standard_normal(x.size)
    w = make(
        widgets_made,
        exp_model,
        x,
        y,
        p0=[2.0, 1.0, 0.5],
        curve=True,
        run=False,
        sigma=np.full(x.size, 0.05),
    )
    data = w.data
    band = data["band"]
    # No points (x.size > DATA_POINTS): a band, min-max envelope and mean per bin of x.
    assert data["x"] == data["y"] == [] and data["sigma"] is None
    assert band["points"] == x.size == sum(band["count"])
    assert len(band["x"]) == BAND_BINS and band["x"] == sorted(band["x"])
    # Against numpy on the same bins: 50 000 points over 400 equal bins.
    edges = np.linspace(x.min(), x.max(), BAND_BINS + 1)
    which = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, BAND_BINS - 1)
    for k in (0, 137, BAND_BINS - 1):
        in_bin = y[which == k]
        assert band["lo"][k] == in_bin.min() and band["hi"][k] == in_bin.max()
        assert band["mean"][k] == pytest.approx(in_bin.mean(), rel=1e-12)
    assert min(band["lo"]) == y.min() and max(band["hi"]) == y.max()


def test_a_gap_in_long_data_stays_a_gap_in_the_band(widgets_made):
    x = np.concatenate([np.linspace(0, 1, 30_000), np.linspace(3, 4, 30_000)])
    w = make(
        widgets_made,
        exp_model,
        x,
        exp_model(x, 2.5, 1.3, 0.5),
        p0=[2, 1, 0.5],
        curve=True,
        run=False,
    )
    band = w.data["band"]
    empty = [k for k, c in enumerate(band["count"]) if c == 0]
    assert empty and all(1 < band["x"][k] < 3 for k in empty)
    assert all(band["lo"][k] is None and band["mean"][k] is None for k in empty)


def test_keep_indices_keeps_extremes_and_gaps():
    values = np.zeros(10_000)
    values[17], values[5003], values[9999] = 9.0, -9.0, np.inf
    values[7000] = np.nan
    index = keep_indices([values], 100)
    assert len(index) <= 150 and np.all(np.diff(index) > 0)
    assert {17, 5003, 9999, 7000} <= set(index.tolist())
    np.testing.assert_array_equal(keep_indices([values[:50]], 100), np.arange(50))


@pytest.mark.parametrize("value", [1e308, -1e308])
def test_huge_x0_gets_a_finite_range(sent, widgets_made, value):
    w = make(widgets_made, lambda x: x - 1.0, [value, 1.0], run=False, auto_fit=False)
    lo, hi = w.ranges[0]
    assert np.isfinite(lo) and np.isfinite(hi) and lo <= value <= hi
    move(w, 0, value / 2)
    assert w.x0[0] == value / 2


def test_history_keeps_standard_errors_not_covariances(sent, widgets_made):
    w = make(widgets_made, rosenbrock, [-1.2, 1.0], landscape=False)
    assert w.wait(10)
    assert "cov_x" not in w.history[-1] and w.history[-1]["stderr"] is not None


@pytest.mark.parametrize("factor", [0.0, -1.0, float("nan")])
def test_a_factor_leastsq_would_refuse_is_a_clear_error(factor, widgets_made):
    with pytest.raises(ValueError, match="factor must be a positive finite number"):
        make(widgets_made, rosenbrock, [-1.2, 1.0], factor=factor)


# -- the widget's life: threads and memory -------------------------------------------------------


def test_one_worker_and_one_sender_whatever_the_number_of_fits(sent, widgets_made):
    """Regression: a fit thread and a sender thread per fit (and one per
    landscape) ran the kernel out of sockets in a burst of fits."""
    baseline = threading.active_count()
    x, y = exp_data()
    w = make(widgets_made, exp_model, x, y, p0=[2.0, 1.0, 0.5], curve=True, run=False)
    names = set()
    for k in range(300):
        w.fit()
        if k % 3 == 0:
            command(w, "fit")
        names |= {t.name for t in threading.enumerate()}
        assert threading.active_count() <= baseline + 3
    assert w.wait(30, landscape=True)
    assert {n for n in names if n.startswith("lmscope")} == {
        "lmscope-fit-worker",
        "lmscope-stream",
        "lmscope-landscape",
    }


def test_a_closed_widget_is_freed(sent):
    """Regression (anywidget issue 929): an `_esm` given as a file path keeps
    every instance alive through a class-level file watcher; and the widget's
    own threads must not hold it either."""
    assert isinstance(FitWidget._esm, str) and "render" in FitWidget._esm
    x, y = exp_data()
    w = FitWidget.curve(exp_model, x, y, p0=[2.0, 1.0, 0.5])
    assert w.wait(10, landscape=True)
    ref = weakref.ref(w)
    w.close()
    del w
    gc.collect()
    assert wait_for(lambda: (gc.collect(), ref() is None)[1], 5)
    assert not [t for t in threading.enumerate() if t.name.startswith("lmscope")]
