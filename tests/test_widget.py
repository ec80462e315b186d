"""FitWidget driven headless: controls in, fits on threads, messages out.

No browser: the page's side is played by calling the plot's message handler
with what the page would send, and `FitPlot.send` is replaced by a recorder.
Every wait is on a condition with a timeout.
"""

from __future__ import annotations

import json
import math
import threading
import time

import ipywidgets
import numpy as np
import pytest
from widget_helpers import (
    Slow,
    downhill,
    exp_data,
    exp_model,
    make,
    page,
    rosenbrock,
    rosenbrock_jac,
    state,
    wait_for,
)

import lmscope
from lmscope import curve_fit, leastsq
from lmscope.trace import FIELDS
from lmscope.widget import fit_widget
from lmscope.widget.runner import MIN_INTERVAL


def assert_same_fit(result, expected):
    x, cov_x, info, mesg, ier = result
    ex, ecov, einfo, emesg, eier = expected
    np.testing.assert_array_equal(x, ex)
    assert ier == eier
    assert info["nfev"] == einfo["nfev"]
    assert mesg == emesg
    np.testing.assert_array_equal(info["fvec"], einfo["fvec"])
    if ecov is None:
        assert cov_x is None
    else:
        np.testing.assert_array_equal(cov_x, ecov)


def decode(columns, buffers):
    """A steps message's columns as numpy arrays, by name."""
    out = {}
    for spec, buf in zip(columns, buffers):
        out[spec["name"]] = np.frombuffer(buf, dtype=spec["dtype"]).reshape(spec["shape"])
    return out


# -- the fit is leastsq's fit ------------------------------------------------------


def test_slider_change_with_auto_fit_gives_leastsqs_fit(sent, widgets_made):
    w = make(widgets_made, rosenbrock, [-1.2, 1.0], run=False)
    assert w.auto_fit
    w.params[0].slider.value = -0.7  # as the page moves the slider
    assert w.wait(10)
    assert w.plot.status["state"] == "done"
    np.testing.assert_array_equal(w.x0, [-0.7, 1.0])
    expected = leastsq(
        rosenbrock,
        w.x0,
        full_output=True,
        ftol=w.ftol,
        xtol=w.xtol,
        gtol=w.gtol,
        maxfev=w.maxfev,
        epsfcn=w.epsfcn,
        factor=w.factor,
    )
    assert_same_fit(w.result, expected)
    # The widget's default settings are leastsq's defaults.
    assert_same_fit(w.result, leastsq(rosenbrock, [-0.7, 1.0], full_output=True))
    assert len(w.trace) == w.plot.status["n_steps"] == w.history[-1]["n_steps"]
    assert w.error is None


def test_analytic_jacobian_and_finite_differences(sent, widgets_made):
    w = make(widgets_made, rosenbrock, [-1.2, 1.0], Dfun=rosenbrock_jac)
    assert w.wait(10)
    assert_same_fit(
        w.result, leastsq(rosenbrock, [-1.2, 1.0], Dfun=rosenbrock_jac, full_output=True)
    )
    assert "njev" in w.result[2]
    w.settings.use_dfun.value = False  # the toggle refits (auto-fit)
    assert w.wait(10)
    assert_same_fit(w.result, leastsq(rosenbrock, [-1.2, 1.0], full_output=True))


def test_tolerance_controls_reach_leastsq(sent, widgets_made):
    w = make(widgets_made, rosenbrock, [-1.2, 1.0], run=False, auto_fit=False)
    w.ftol, w.xtol, w.factor, w.maxfev = 1e-4, 1e-3, 1.0, 7
    w.gtol = 1e-6
    w.fit()
    assert w.wait(10)
    expected = leastsq(
        rosenbrock,
        [-1.2, 1.0],
        full_output=True,
        ftol=1e-4,
        xtol=1e-3,
        gtol=1e-6,
        factor=1.0,
        maxfev=7,
    )
    assert_same_fit(w.result, expected)
    assert w.result[4] == 5  # maxfev reached
    assert w.history[-1]["options"]["maxfev"] == 7


def test_curve_form_gives_curve_fits_fit(sent, widgets_made):
    x, y = exp_data()
    sigma = np.full(x.size, 0.05)
    w = make(widgets_made, exp_model, x, y, p0=[1.0, 1.0, 1.0], sigma=sigma, curve=True)
    assert w.names == ["a", "k", "c"]
    assert w.plot.form == "curve"
    assert w.plot.param_names == ["a", "k", "c"]
    assert w.plot.data["x"] == list(x) and w.plot.data["sigma"] == list(sigma)
    assert 0 < len(w.plot.model_x) <= 400
    assert w.plot.model_x[0] == x.min() and w.plot.model_x[-1] == x.max()
    assert w.wait(10)
    popt, pcov, info, mesg, ier = curve_fit(
        exp_model, x, y, p0=[1.0, 1.0, 1.0], sigma=sigma, full_output=True
    )
    np.testing.assert_array_equal(w.result[0], popt)
    assert w.result[4] == ier and w.result[2]["nfev"] == info["nfev"]
    # The status line's standard errors are curve_fit's.
    np.testing.assert_allclose(w.history[-1]["stderr"], np.sqrt(np.diag(pcov)), rtol=1e-12)
    assert "a = " in w.status_html.value and "±" in w.status_html.value
    # Curves: the model on model_x, at the accepted and the trial point.
    content, buffers = sent.of_type("steps", w.plot.status["fit_id"])[-1]
    assert [c["name"] for c in content["curves"]] == ["accepted", "trial"]
    accepted = np.frombuffer(buffers[len(FIELDS)], dtype="<f8")
    last = w.trace[-1]
    np.testing.assert_array_equal(accepted, exp_model(np.asarray(w.plot.model_x), *last.x))


def test_curve_form_names_default_p0_and_helper(sent, widgets_made):
    x, y = exp_data()
    w = fit_widget(exp_model, xdata=x, ydata=y, run=False)
    widgets_made.append(w)
    np.testing.assert_array_equal(w.x0, [1.0, 1.0, 1.0])
    assert w.names == ["a", "k", "c"] and w.plot.data["sigma"] is None
    r = fit_widget(rosenbrock, [1.0, 2.0], names=["u", "v"], run=False)
    widgets_made.append(r)
    assert r.plot.form == "residual" and r.names == ["u", "v"]
    assert r.plot.data == {"x": [], "y": [], "sigma": None} and r.plot.model_x == []


def test_residual_form_curves_are_the_residual_vectors(sent, widgets_made):
    w = make(widgets_made, rosenbrock, [-1.2, 1.0])
    assert w.wait(10)
    content, buffers = sent.of_type("steps")[-1]
    curves = {
        spec["name"]: np.frombuffer(b, "<f8")
        for spec, b in zip(content["curves"], buffers[len(FIELDS) :])
    }
    np.testing.assert_array_equal(curves["accepted"], rosenbrock(w.trace.x[-1]))
    np.testing.assert_array_equal(curves["trial"], rosenbrock(w.trace.x_trial[-1]))
    assert sent.of_type("begin")[-1][0] == {"type": "begin", "fit_id": 1, "n": 2, "m": 2}


def test_result_is_an_observable_trait(sent, widgets_made):
    w = make(widgets_made, rosenbrock, [-1.2, 1.0], run=False)
    seen = []
    w.observe(lambda change: seen.append(change["new"]), "result")
    w.fit()
    assert w.wait(10)
    assert wait_for(lambda: len(seen) == 1)
    assert seen[0][4] in (1, 2, 3, 4)


# -- Stop, Step, Reset, cancel ---------------------------------------------------------


def test_stop_takes_effect_within_100_ms(sent, widgets_made):
    slow = Slow(lambda x: np.concatenate([x - np.arange(x.size), 0.1 * x**2]), 0.005)
    w = make(widgets_made, slow, np.full(12, 5.0), run=False, landscape=False)
    w.fit()
    assert wait_for(lambda: w._run.published >= 2, 20)
    assert w.running
    t0 = time.monotonic()
    w.stop_button.click()
    assert wait_for(lambda: state(w) == "stopped", 5)
    elapsed = time.monotonic() - t0
    assert elapsed < 0.1, f"Stop took {elapsed * 1000:.0f} ms"
    assert w.result[4] == -2 and "stopped" in w.result[3]
    np.testing.assert_array_equal(w.result[0], w.trace.x[-1])
    assert w.wait(5) and not w.running


def test_stop_during_slow_motion(sent, widgets_made):
    w = make(widgets_made, rosenbrock, [-1.2, 1.0], run=False, delay=2.0)
    w.fit()
    assert wait_for(lambda: w._run.published >= 1)
    t0 = time.monotonic()
    w.stop()
    assert wait_for(lambda: state(w) == "stopped", 5)
    assert time.monotonic() - t0 < 0.1
    assert len(w.trace) == 1


def test_step_runs_one_trial_step_at_a_time(sent, widgets_made):
    w = make(widgets_made, rosenbrock, [-1.2, 1.0], run=False)
    w.step_button.click()  # starts a fit paused at its starting point
    run = w._run
    assert wait_for(lambda: run.published == 1)
    assert wait_for(lambda: len(sent.of_type("steps", run.fit_id)) == 1)
    for k in (2, 3, 4):
        # Paused: no further step comes on its own.
        assert not wait_for(lambda: run.published > k - 1, timeout=0.15)
        assert w.running and state(w) == "running"
        w.step_button.click()
        assert wait_for(lambda: run.published == k)
        # Step mode shows each step at once, without the batch interval.
        assert wait_for(lambda: sum(c["count"] for c, _ in sent.of_type("steps", run.fit_id)) == k)
    w.fit_button.click()  # Fit resumes the paused fit to its end
    assert w.wait(10)
    assert w._run is run
    assert_same_fit(w.result, leastsq(rosenbrock, [-1.2, 1.0], full_output=True))


def test_reset_restores_the_starting_values(sent, widgets_made):
    w = make(widgets_made, rosenbrock, [-1.2, 1.0], run=False, auto_fit=False)
    w.params[0].slider.value = 0.3
    w.params[1].value = 5.0  # outside the range: the range widens
    assert w.params[1].range[1] >= 5.0
    w.ftol = 1e-3
    w.gtol = 1e-5
    w.reset_button.click()
    np.testing.assert_array_equal(w.x0, [-1.2, 1.0])
    assert w.ftol == pytest.approx(1.49012e-08, rel=0) and w.gtol == 0.0
    assert w._run is None  # auto-fit off: nothing started
    w.auto_fit = True
    w.params[0].slider.value = 0.3
    assert w.wait(10)
    w.reset()
    assert w.wait(10)  # auto-fit on: one fit from the restored values
    np.testing.assert_array_equal(w.history[-1]["x0"], [-1.2, 1.0])
    assert_same_fit(w.result, leastsq(rosenbrock, [-1.2, 1.0], full_output=True))


def test_new_value_cancels_the_fit_in_flight(sent, widgets_made):
    slow = Slow(rosenbrock, 0.02)
    w = make(widgets_made, slow, [-1.2, 1.0], run=False, landscape=False)
    w.params[0].slider.value = -1.0
    first = w._run
    assert wait_for(lambda: first.published >= 1)
    w.params[0].slider.value = -0.5  # a new value while the first fit runs
    second = w._run
    assert second is not first and first.done  # leastsq returned; its sender may be finishing
    assert first.superseded and first.result[4] == -2
    assert w.wait(20) and first.join(5)
    assert w.history[-2]["superseded"] and w.history[-2]["ier"] == -2
    assert w.history[-1]["fit_id"] == second.fit_id and not w.history[-1]["superseded"]
    assert_same_fit(w.result, leastsq(rosenbrock, [-0.5, 1.0], full_output=True))
    # A superseded fit never touched the result or the status.
    assert w.plot.status["fit_id"] == second.fit_id


def test_no_thread_outlives_100_refits(sent, widgets_made):
    baseline = threading.active_count()
    w = make(widgets_made, rosenbrock, [-1.2, 1.0], run=False)
    for k in range(100):
        w.params[k % 2].slider.value = (-1.0, 0.5)[k % 2] + 0.01 * k
    assert w.wait(20)
    assert wait_for(lambda: threading.active_count() == baseline, 5), [
        t.name for t in threading.enumerate()
    ]
    assert len(w.history) == 100
    assert sum(not h["superseded"] for h in w.history) >= 1
    assert w.history[-1]["state"] == "done"


# -- the stream -------------------------------------------------------------------------


def test_stream_is_throttled_and_reproduces_the_trace(sent, widgets_made):
    slow = Slow(downhill, 0.0003)  # ~1 ms per trial step: far above 30 a second
    w = make(widgets_made, slow, [1.0, 2.0], run=False, maxfev=3000, landscape=False)
    w.fit()
    assert w.wait(60)
    trace, run = w.trace, w._run
    duration = run.finished_at - run.started
    batches = sent.of_type("steps", run.fit_id)
    assert len(trace) > 300 and duration > 0.3
    assert len(batches) <= (duration + 1) / MIN_INTERVAL, (len(batches), duration)
    assert len(batches) < len(trace) / 5  # records were merged
    # Contiguous, in order, and together exactly the Trace.
    start = 0
    parts = {name: [] for name in FIELDS}
    for content, buffers in batches:
        assert content["start"] == start
        assert [c["name"] for c in content["columns"]] == list(FIELDS)
        assert len(buffers) == len(FIELDS) + len(content["curves"])
        start += content["count"]
        for name, column in decode(content["columns"], buffers).items():
            parts[name].append(column)
    assert start == len(trace)
    for name in FIELDS:
        np.testing.assert_array_equal(
            np.concatenate(parts[name]),
            getattr(trace, name) if name != "accepted" else trace.accepted.astype("u1"),
        )
    kinds = [c["type"] for c, _ in sent.messages if c.get("fit_id") == run.fit_id]
    assert kinds[0] == "begin" and kinds[-1] == "end" and kinds.count("end") == 1
    # Batches are spaced by the interval (the last may follow the end of the fit at once).
    times = [sent.times[k] for k, (c, _) in enumerate(sent.messages) if c.get("type") == "steps"]
    gaps = np.diff(times[:-1])
    assert np.all(gaps >= MIN_INTERVAL * 0.9), gaps.min()


def test_replay_resends_the_whole_fit(sent, widgets_made):
    w = make(widgets_made, rosenbrock, [-1.2, 1.0])
    assert w.wait(10)
    sent.clear()
    page(w, {"type": "replay"})
    kinds = [c["type"] for c, _ in sent.messages]
    assert kinds == ["begin", "steps", "end"]
    content, buffers = sent.messages[1]
    assert content["start"] == 0 and content["count"] == len(w.trace)
    np.testing.assert_array_equal(decode(content["columns"], buffers)["fnorm"], w.trace.fnorm)


def test_replay_while_running_keeps_the_stream_contiguous(sent, widgets_made):
    w = make(widgets_made, Slow(rosenbrock, 0.01), [-1.2, 1.0], run=False, landscape=False)
    w.fit()
    run = w._run
    assert wait_for(lambda: run.published >= 3, 20)
    page(w, {"type": "replay"})
    assert w.wait(20)
    # After the replay's batch from 0, the stream continues where it ended.
    steps = sent.of_type("steps", run.fit_id)
    replay_at = max(k for k, (c, _) in enumerate(steps) if c["start"] == 0)
    start = 0
    for content, _ in steps[replay_at:]:
        assert content["start"] == start
        start += content["count"]
    assert start == len(w.trace)


def test_status_trait_follows_the_fit(sent, widgets_made):
    w = make(widgets_made, rosenbrock, [-1.2, 1.0], run=False)
    assert w.plot.status["state"] == "idle"
    w.fit()
    assert w.wait(10)
    status = w.plot.status
    assert status["state"] == "done" and status["fit_id"] == 1 and status["error"] is None
    assert status["n_steps"] == len(w.trace) and status["nfev"] == w.result[2]["nfev"]
    assert status["fnorm"] == float(w.trace.fnorm[-1])
    json.dumps(status, allow_nan=False)  # JSON-clean: no NaN ever reaches the page


# -- errors --------------------------------------------------------------------------------


def test_exception_in_users_function_shows_and_widget_survives(sent, widgets_made):
    calls = {"n": 0, "fail": True}

    def fragile(x):
        calls["n"] += 1
        if calls["fail"] and calls["n"] > 4:
            raise ValueError(f"model blew up at x={list(x)!r}")
        return rosenbrock(x)

    w = make(widgets_made, fragile, [-1.2, 1.0])
    assert w.wait(10)
    assert isinstance(w.error, ValueError) and "model blew up" in str(w.error)
    assert w.result is None
    assert w.plot.status["state"] == "error"
    assert "ValueError: model blew up" in w.plot.status["error"]
    assert "model blew up" in w.status_html.value
    assert len(w.trace) >= 1  # the steps before the error are kept
    assert sent.of_type("end", w.plot.status["fit_id"])
    calls["fail"] = False
    w.fit()
    assert w.wait(10)
    assert w.error is None and w.result[4] in (1, 2, 3, 4)


def test_nonfinite_residuals_end_the_fit_without_error(sent, widgets_made):
    def nan_far_out(x):
        return np.array([x[0] - 3.0, np.nan if x[0] > 10 else x[1]])

    w = make(widgets_made, nan_far_out, [100.0, 1.0], run=False)
    with pytest.warns(lmscope.NonFiniteWarning):
        w.fit()
        w.wait(10)
    assert w.result[4] == -3 and w.plot.status["state"] == "done"
    json.dumps(w.plot.status, allow_nan=False)


# -- page messages ---------------------------------------------------------------------------


def test_pick_sets_two_parameters_clamped_and_refits(sent, widgets_made):
    w = make(widgets_made, exp_model, *exp_data(), p0=[1.0, 1.0, 1.0], curve=True, run=False)
    page(w, {"type": "pick", "i": 0, "j": 2, "xi": 1.5, "xj": 99.0})
    lo, hi = w.params[2].range
    np.testing.assert_array_equal(w.x0, [1.5, 1.0, hi])  # 99 clamped to the slider's max
    assert w.wait(10)
    assert w.history[-1]["x0"].tolist() == [1.5, 1.0, hi]
    assert not sent.of_type("error")


def test_landscape_grid_and_landscape_params(sent, widgets_made):
    w = make(widgets_made, exp_model, *exp_data(), p0=[2.0, 1.0, 0.5], curve=True)
    assert w.wait(20, landscape=True)
    land = w.plot.landscape
    assert land["i"] == 0 and land["j"] == 1 and land["fit_id"] == 1
    assert len(land["xi"]) == 60 and len(land["xj"]) == 60 and len(land["log10_cost"]) == 3600
    assert land["xi"][0] == w.params[0].range[0] and land["xj"][-1] == w.params[1].range[1]
    # Row-major, one row per xj value; cost with the others at x0.
    x = w.x0.copy()
    x[0], x[1] = land["xi"][7], land["xj"][11]
    f = w._func(x)
    assert land["log10_cost"][11 * 60 + 7] == pytest.approx(math.log10(0.5 * f @ f), rel=1e-12)
    json.dumps(land, allow_nan=False)
    page(w, {"type": "landscape_params", "i": 2, "j": 1})
    assert wait_for(lambda: w.plot.landscape.get("i") == 2, 20)
    assert w.plot.landscape["j"] == 1
    # Moving one of the landscape's own parameters does not recompute it.
    job = w._landscape_job
    w.params[2].value = 0.7
    assert w.wait(20) and w._landscape_job is job


BAD_MESSAGES = [
    ([], "JSON object"),
    ("replay", "JSON object"),
    (None, "JSON object"),
    (42, "JSON object"),
    ({}, "'type' must be a string"),
    ({"type": 3}, "'type' must be a string"),
    ({"type": "evaluate", "code": "import os"}, "unknown message type"),
    ({"type": "pick", "i": 0, "j": 1, "xi": 1.0}, "missing field(s) xj"),
    ({"type": "pick", "i": "0", "j": 1, "xi": 1.0, "xj": 2.0}, "i must be an integer"),
    ({"type": "pick", "i": 0.0, "j": 1, "xi": 1.0, "xj": 2.0}, "i must be an integer"),
    ({"type": "pick", "i": True, "j": 1, "xi": 1.0, "xj": 2.0}, "i must be an integer"),
    ({"type": "pick", "i": 10**400, "j": 1, "xi": 1.0, "xj": 2.0}, "out of range"),
    ({"type": "pick", "i": -1, "j": 1, "xi": 1.0, "xj": 2.0}, "out of range"),
    ({"type": "pick", "i": 0, "j": 1, "xi": float("nan"), "xj": 2.0}, "finite"),
    ({"type": "pick", "i": 0, "j": 1, "xi": 1.0, "xj": float("inf")}, "finite"),
    ({"type": "pick", "i": 0, "j": 1, "xi": 10**400, "xj": 2.0}, "too large"),
    ({"type": "pick", "i": 0, "j": 1, "xi": "1", "xj": 2.0}, "must be a number"),
    ({"type": "pick", "i": 0, "j": 0, "xi": 1.0, "xj": 2.0}, "different"),
    ({"type": "landscape_params", "i": 0}, "missing"),
    ({"type": "landscape_params", "i": 0, "j": 2}, "out of range"),
    ({"type": "landscape_params", "i": [0], "j": 1}, "must be an integer"),
    ({"type": "replay", "extra": 1}, "unexpected field"),
]


@pytest.mark.parametrize("message, says", BAD_MESSAGES, ids=[repr(m)[:40] for m, _ in BAD_MESSAGES])
def test_malformed_page_message_gets_an_error_reply(sent, widgets_made, message, says):
    w = make(widgets_made, rosenbrock, [-1.2, 1.0], run=False)
    page(w, message)
    replies = sent.messages
    assert len(replies) == 1
    content, buffers = replies[0]
    assert content["type"] == "error" and says in content["error"], content
    assert len(content["error"]) < 300 and buffers == []
    # Nothing changed, and the widget still works.
    np.testing.assert_array_equal(w.x0, [-1.2, 1.0])
    assert w._run is None
    w.fit()
    assert w.wait(10) and w.result[4] in (1, 2, 3, 4)
    page(w, {"type": "pick", "i": 1, "j": 0, "xi": 1.5, "xj": -0.5})
    assert w.wait(10)
    np.testing.assert_array_equal(w.x0, [-0.5, 1.5])


def test_a_failing_handler_replies_instead_of_raising(sent, widgets_made, monkeypatch):
    w = make(widgets_made, rosenbrock, [-1.2, 1.0], run=False)
    monkeypatch.setattr(w, "_page_message", lambda message: 1 / 0)
    w.plot.on_page_message(w._page_message)
    page(w, {"type": "replay"})
    assert sent.messages[-1][0]["type"] == "error"
    assert "ZeroDivisionError" in sent.messages[-1][0]["error"]


# -- controls ------------------------------------------------------------------------------


def test_parameter_controls_ranges_log_scale_and_readout(sent, widgets_made):
    w = make(
        widgets_made,
        exp_model,
        *exp_data(),
        p0=[2.0, 1e-7, -3.0],
        curve=True,
        run=False,
        auto_fit=False,
        log_scale=["k"],
        ranges={"a": (0.5, 8.0)},
    )
    a, k, c = w.params
    assert a.range == (0.5, 8.0)
    assert c.range == (-6.0, 0.0)  # x0 +- max(|x0|, 1)
    assert isinstance(k.slider, ipywidgets.FloatLogSlider)
    assert k.slider.readout_format == ".4g" and a.slider.readout_format == ".4g"
    assert k.value == 1e-7
    a.set_log(True)
    assert isinstance(a.slider, ipywidgets.FloatLogSlider) and a.slider in a.row.children
    assert a.value == 2.0
    a.slider.value = 4.0
    assert w.x0[0] == 4.0
    c.log_box.value = True  # not positive: refused
    assert not c.log and isinstance(c.slider, ipywidgets.FloatSlider)
    assert c.log_box.disabled
    c.min_box.value = 1.0  # min above max: boxes put back
    assert c.range == (-6.0, 0.0) and c.min_box.value == -6.0
    c.max_box.value = -4.0  # the value is clamped into the new range
    assert c.range == (-6.0, -4.0) and c.value == -4.0
    assert w.settings.maxfev.value == 0 and isinstance(w.settings.ftol, ipywidgets.FloatLogSlider)
    assert w.settings.use_dfun.disabled  # no Dfun given


def test_to_code_is_a_script_that_repeats_the_fit(sent, widgets_made):
    w = make(
        widgets_made,
        rosenbrock,
        [-1.2, 1.0],
        Dfun=rosenbrock_jac,
        run=False,
        auto_fit=False,
        names=["u", "v"],
    )
    w.x0 = [-0.9, 0.7]
    w.ftol, w.factor = 1e-6, 10.0
    w.fit()
    assert w.wait(10)
    code = w.to_code()
    assert "from lmscope import leastsq" in code and "rosenbrock" in code
    namespace = {"rosenbrock": rosenbrock, "rosenbrock_jac": rosenbrock_jac}
    exec(compile(code, "to_code", "exec"), namespace)
    assert_same_fit(
        (
            namespace["x"],
            namespace["cov_x"],
            namespace["infodict"],
            namespace["mesg"],
            namespace["ier"],
        ),
        w.result,
    )

    x, y = exp_data()
    c = make(widgets_made, exp_model, x, y, p0=[2.0, 1.0, 0.4], curve=True, sigma=0.1 + 0 * x)
    assert c.wait(10)
    code = c.to_code()
    assert "from lmscope import curve_fit" in code
    namespace = {"exp_model": exp_model, "xdata": x, "ydata": y, "sigma": 0.1 + 0 * x}
    exec(compile(code, "to_code", "exec"), namespace)
    np.testing.assert_array_equal(namespace["popt"], c.result[0])


def test_figure_draws_the_browsers_panels(sent, widgets_made):
    from matplotlib.figure import Figure

    w = make(widgets_made, exp_model, *exp_data(), p0=[2.0, 1.0, 0.5], curve=True)
    assert w.wait(20, landscape=True)
    fig = w.figure()
    assert isinstance(fig, Figure)
    labels = [ax.get_label() for ax in fig.axes if ax.get_label()]
    for name in ("curve", "fnorm", "trust", "ratio", "params", "landscape"):
        assert name in labels
    curve = next(ax for ax in fig.axes if ax.get_label() == "curve")
    assert len(curve.lines) >= 3  # data, model at x, model at x_trial
    fig.savefig(__import__("io").BytesIO(), format="png")


def test_page_echo_of_a_rounded_slider_value_changes_nothing(sent, widgets_made):
    """Regression: drawing a slider in the page sent x0 back snapped to the
    slider's step grid, which nudged x0 and started a second fit."""
    w = make(widgets_made, rosenbrock, [0.2, 1.49012e-08], run=False, log_scale=[1])
    w.params[0].slider.value = 0.2 + 2e-17  # what a step grid makes of 0.2
    w.params[1].slider.value = 10 ** np.log10(1.49012e-08) * (1 + 1e-15)
    assert w._run is None
    np.testing.assert_array_equal(w.x0, [0.2, 1.49012e-08])
    assert w.params[0].slider.step is None  # linear sliders do not snap at all
