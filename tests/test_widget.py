"""FitWidget driven headless: controls in, fits on threads, messages out.

No browser: the page's side is played through the widget's comm handler
(state updates and custom messages, as the page sends them), and
`FitWidget.send` is replaced by a recorder.  Every wait is on a condition
with a timeout.
"""

from __future__ import annotations

import json
import math
import time

import numpy as np
import pytest
from widget_helpers import (
    Slow,
    command,
    downhill,
    exp_data,
    exp_model,
    make,
    move,
    page,
    page_update,
    rosenbrock,
    rosenbrock_jac,
    sent,
    wait_for,
    widgets_made,
)

import lmscope
from lmscope import curve_fit, leastsq
from lmscope.trace import FIELDS
from lmscope.widget import FitWidget, fit_widget
from lmscope.widget.stream import MIN_INTERVAL

__all__ = ["sent", "widgets_made"]  # fixtures, used by name


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


def curves_of(content, buffers):
    return {
        spec["name"]: np.frombuffer(b, "<f8")
        for spec, b in zip(content["curves"], buffers[len(content["columns"]) :])
    }


# -- the fit is leastsq's fit ------------------------------------------------------


def test_slider_move_from_the_page_gives_leastsqs_fit(sent, widgets_made):
    w = make(widgets_made, rosenbrock, [-1.2, 1.0], run=False)
    assert w.auto_fit and w.state == "idle"
    move(w, 0, -0.7)
    assert w.wait(10)
    assert w.state == "success"
    np.testing.assert_array_equal(w.x0, [-0.7, 1.0])
    expected = leastsq(rosenbrock, [-0.7, 1.0], full_output=True)
    assert_same_fit(w.result, expected)
    assert len(w.trace) == w.history[-1]["n_steps"] == sent.records(w.history[-1]["fit_id"])
    assert w.error is None and w.outcome.ier == expected[4]


def test_analytic_jacobian_and_finite_differences(sent, widgets_made):
    w = make(widgets_made, rosenbrock, [-1.2, 1.0], Dfun=rosenbrock_jac)
    assert w.wait(10)
    assert_same_fit(
        w.result, leastsq(rosenbrock, [-1.2, 1.0], Dfun=rosenbrock_jac, full_output=True)
    )
    assert "njev" in w.result[2] and w.has_dfun
    page_update(w, {"use_dfun": False})  # the toggle refits (auto-fit)
    assert w.wait(10)
    assert_same_fit(w.result, leastsq(rosenbrock, [-1.2, 1.0], full_output=True))


def test_tolerance_controls_reach_leastsq(sent, widgets_made):
    w = make(widgets_made, rosenbrock, [-1.2, 1.0], run=False, auto_fit=False)
    page_update(w, {"ftol": 1e-4, "xtol": 1e-3, "factor": 1.0, "maxfev": 7, "gtol": 1e-6})
    command(w, "fit")
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
    assert w.result[4] == 5  # maxfev reached: a failure, not a success
    assert w.state == "failure" and "maxfev" in w.outcome.summary
    assert sent.of_type("end")[-1][0]["outcome"]["state"] == "failure"


def test_curve_form_gives_curve_fits_fit(sent, widgets_made):
    x, y = exp_data()
    sigma = np.full(x.size, 0.05)
    w = make(widgets_made, exp_model, x, y, p0=[1.0, 1.0, 1.0], sigma=sigma, curve=True)
    assert w.names == ["a", "k", "c"] and w.param_names == ["a", "k", "c"]
    assert w.form == "curve"
    assert w.data["x"] == list(x) and w.data["sigma"] == list(sigma)
    assert 0 < len(w.model_x) <= 400
    assert w.model_x[0] == x.min() and w.model_x[-1] == x.max()
    assert w.wait(10)
    popt, pcov, info, mesg, ier = curve_fit(
        exp_model, x, y, p0=[1.0, 1.0, 1.0], sigma=sigma, full_output=True
    )
    np.testing.assert_array_equal(w.result[0], popt)
    assert w.result[4] == ier and w.result[2]["nfev"] == info["nfev"]
    np.testing.assert_allclose(w.history[-1]["stderr"], np.sqrt(np.diag(pcov)), rtol=1e-12)
    # Curves: the model on model_x, at the accepted and the trial point of the last record.
    content, buffers = [m for m in sent.of_type("steps") if m[0]["curves"]][-1]
    curves = curves_of(content, buffers)
    last = w.trace[-1]
    np.testing.assert_array_equal(curves["accepted"], exp_model(np.asarray(w.model_x), *last.x))


def test_curve_form_names_default_p0_and_helper(sent, widgets_made):
    x, y = exp_data()
    w = fit_widget(exp_model, xdata=x, ydata=y, run=False)
    widgets_made.append(w)
    np.testing.assert_array_equal(w.x0, [1.0, 1.0, 1.0])
    assert w.names == ["a", "k", "c"] and w.data["sigma"] is None
    r = fit_widget(rosenbrock, [1.0, 2.0], names=["u", "v"], run=False)
    widgets_made.append(r)
    assert r.form == "residual" and r.names == ["u", "v"]
    assert r.data == {"x": [], "y": [], "sigma": None, "band": None} and r.model_x == []


def test_residual_form_curves_are_the_values_the_fit_computed(sent, widgets_made):
    calls = {"n": 0}

    def counted(x):
        calls["n"] += 1
        return rosenbrock(x)

    w = make(widgets_made, counted, [-1.2, 1.0], landscape=False)
    assert w.wait(10)
    # func ran only inside leastsq: the page's curves cost no extra call.
    assert calls["n"] == w.result[2]["nfev"]
    content, buffers = [m for m in sent.of_type("steps") if m[0]["curves"]][-1]
    curves = curves_of(content, buffers)
    np.testing.assert_array_equal(curves["accepted"], rosenbrock(w.trace.x[-1]))
    np.testing.assert_array_equal(curves["trial"], rosenbrock(w.trace.x_trial[-1]))
    assert sent.of_type("begin")[-1][0] == {
        "type": "begin",
        "fit_id": 1,
        "n": 2,
        "state": "running",
    }


def test_result_is_an_observable_trait(sent, widgets_made):
    w = make(widgets_made, rosenbrock, [-1.2, 1.0], run=False)
    seen = []
    w.observe(lambda change: seen.append(change["new"]), "result")
    w.fit()
    assert w.wait(10)
    assert len(seen) == 1 and seen[0][4] in (1, 2, 3, 4)


# -- validation as leastsq and curve_fit ------------------------------------------------


def test_x0_is_checked_as_leastsq_checks_it():
    with pytest.raises(TypeError, match="x0 is empty: the widget needs at least one parameter"):
        FitWidget(rosenbrock, [], run=False)
    for bad in ([1 + 2j, 1.0], [np.nan, 1.0], "abc", np.ones(2, np.longdouble)):
        with pytest.raises((TypeError, ValueError)) as widget_error:
            FitWidget(rosenbrock, bad, run=False)
        with pytest.raises((TypeError, ValueError)) as leastsq_error:
            leastsq(rosenbrock, bad)
        assert type(widget_error.value) is type(leastsq_error.value), bad
        assert str(widget_error.value) == str(leastsq_error.value)


def test_curve_form_inputs_are_checked_as_curve_fit_checks_them():
    x, y = exp_data()
    for kwargs in ({"p0": [1 + 1j, 1, 1]}, {"sigma": np.ones(3)}, {"p0": [np.inf, 1, 1]}):
        with pytest.raises((TypeError, ValueError)) as widget_error:
            FitWidget.curve(exp_model, x, y, run=False, **kwargs)
        with pytest.raises((TypeError, ValueError)) as curve_fit_error:
            curve_fit(exp_model, x, y, **kwargs)
        assert type(widget_error.value) is type(curve_fit_error.value), kwargs
        assert str(widget_error.value) == str(curve_fit_error.value)


# -- outcomes ---------------------------------------------------------------------------


def test_exception_in_users_function_is_an_error_and_the_widget_survives(sent, widgets_made):
    calls = {"n": 0, "fail": True}

    def fragile(x):
        calls["n"] += 1
        if calls["fail"] and calls["n"] > 4:
            raise ValueError(f"model blew up at x={list(x)!r}")
        return rosenbrock(x)

    w = make(widgets_made, fragile, [-1.2, 1.0], landscape=False)
    assert w.wait(10)
    assert isinstance(w.error, ValueError) and "model blew up" in str(w.error)
    assert w.result is None and w.state == "error"
    end = sent.of_type("end")[-1][0]
    assert end["outcome"]["state"] == "error" and end["outcome"]["ier"] is None
    assert "ValueError: model blew up" in end["outcome"]["mesg"]
    assert len(w.trace) >= 1  # the steps before the error are kept
    calls["fail"] = False
    w.fit()
    assert w.wait(10)
    assert w.error is None and w.state == "success"


def test_nonfinite_residuals_are_a_failure(sent, widgets_made):
    def nan_far_out(x):
        return np.array([x[0] - 3.0, np.nan if x[0] > 10 else x[1]])

    w = make(widgets_made, nan_far_out, [100.0, 1.0], run=False, landscape=False)
    with pytest.warns(lmscope.NonFiniteWarning):
        w.fit()
        w.wait(10)
    assert w.result[4] == -3 and w.state == "failure"
    json.dumps(sent.of_type("end")[-1][0], allow_nan=False)


# -- Stop, Step, Reset, cancel ---------------------------------------------------------


def test_stop_takes_effect_within_100_ms(sent, widgets_made):
    slow = Slow(lambda x: np.concatenate([x - np.arange(x.size), 0.1 * x**2]), 0.005)
    w = make(widgets_made, slow, np.full(12, 5.0), run=False, landscape=False)
    fit_id = w.fit()
    assert wait_for(lambda: sent.records(fit_id) >= 2, 20)
    assert w.running
    t0 = time.monotonic()
    command(w, "stop")
    assert wait_for(lambda: w.state == "stopped", 5)
    elapsed = time.monotonic() - t0
    assert elapsed < 0.1, f"Stop took {elapsed * 1000:.0f} ms"
    assert w.result[4] == -2 and "stopped" in w.result[3]
    np.testing.assert_array_equal(w.result[0], w.trace.x[-1])
    assert w.wait(5) and not w.running
    assert sent.of_type("end", fit_id)[-1][0]["outcome"]["ier"] == -2


def test_stop_during_slow_motion(sent, widgets_made):
    w = make(widgets_made, rosenbrock, [-1.2, 1.0], run=False, delay=2.0, landscape=False)
    fit_id = w.fit()
    assert wait_for(lambda: sent.records(fit_id) >= 1)
    t0 = time.monotonic()
    w.stop()
    assert wait_for(lambda: w.state == "stopped", 5)
    assert time.monotonic() - t0 < 0.1
    assert len(w.trace) == 1


def test_step_runs_one_trial_step_at_a_time_and_says_paused(sent, widgets_made):
    w = make(widgets_made, rosenbrock, [-1.2, 1.0], run=False, landscape=False)
    command(w, "step")  # starts a fit paused at its starting point
    fit_id = w.history[-1]["fit_id"] + 1 if w.history else 1
    assert wait_for(lambda: sent.records(fit_id) == 1)
    assert wait_for(lambda: w.state == "paused")
    for k in (2, 3, 4):
        # Paused: no further step comes on its own.
        assert not wait_for(lambda: sent.records(fit_id) > k - 1, timeout=0.15)
        assert w.running and w.state == "paused"
        command(w, "step")
        # Step mode shows each step at once, without the batch interval.
        assert wait_for(lambda: sent.records(fit_id) == k)
    assert sent.of_type("begin", fit_id)[0][0]["state"] == "paused"
    command(w, "fit")  # Fit (Run) resumes the paused fit to its end
    assert w.wait(10)
    assert w.history[-1]["fit_id"] == fit_id
    assert_same_fit(w.result, leastsq(rosenbrock, [-1.2, 1.0], full_output=True))


def test_reset_restores_the_starting_values(sent, widgets_made):
    w = make(widgets_made, rosenbrock, [-1.2, 1.0], run=False, auto_fit=False)
    move(w, 0, 0.3)
    w.x0 = [0.3, 5.0]  # outside the range: the range widens
    assert w.ranges[1][1] >= 5.0
    page_update(w, {"ftol": 1e-3, "gtol": 1e-5})
    command(w, "reset")
    np.testing.assert_array_equal(w.x0, [-1.2, 1.0])
    assert w.ftol == 1.49012e-08 and w.gtol == 0.0 and w.ranges[1][1] < 5.0
    assert not w.running  # auto-fit off: nothing started
    w.auto_fit = True
    move(w, 0, 0.3)
    assert w.wait(10)
    w.reset()
    assert w.wait(10)  # auto-fit on: one fit from the restored values
    np.testing.assert_array_equal(w.history[-1]["x0"], [-1.2, 1.0])
    assert_same_fit(w.result, leastsq(rosenbrock, [-1.2, 1.0], full_output=True))


def test_new_value_cancels_the_fit_in_flight(sent, widgets_made):
    slow = Slow(rosenbrock, 0.02)
    w = make(widgets_made, slow, [-1.2, 1.0], run=False, landscape=False)
    move(w, 0, -1.0)
    assert wait_for(lambda: sent.records(1) >= 1)
    t0 = time.monotonic()
    move(w, 0, -0.5)  # a new value while the first fit runs
    assert time.monotonic() - t0 < 0.01  # the control event did not wait for fit 1
    assert w.wait(20)
    first, second = w.history[-2], w.history[-1]
    assert first["superseded"] and first["ier"] == -2
    assert second["fit_id"] == 2 and not second["superseded"]
    assert_same_fit(w.result, leastsq(rosenbrock, [-0.5, 1.0], full_output=True))
    # A superseded fit never reached the page's outcome.
    assert [c["fit_id"] for c, _ in sent.of_type("end")] == [2]


# -- the stream -------------------------------------------------------------------------


def test_stream_is_throttled_and_reproduces_the_trace(sent, widgets_made):
    slow = Slow(downhill, 0.0003)  # ~1 ms per trial step: far above 30 a second
    w = make(widgets_made, slow, [1.0, 2.0], run=False, maxfev=3000, landscape=False)
    fit_id = w.fit()
    assert w.wait(60)
    trace, entry = w.trace, w.history[-1]
    duration = entry["elapsed"]
    batches = sent.of_type("steps", fit_id)
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
    kinds = [c["type"] for c, _ in sent.messages if c.get("fit_id") == fit_id]
    assert kinds[0] == "begin" and kinds[-1] == "end" and kinds.count("end") == 1
    # The end's outcome is the only status: nfev and ‖f‖ come from the records.
    assert set(sent.of_type("end", fit_id)[0][0]["outcome"]) == {
        "state",
        "fit_id",
        "ier",
        "mesg",
        "summary",
        "advice",
    }
    times = [sent.times[k] for k, (c, _) in enumerate(sent.messages) if c.get("type") == "steps"]
    gaps = np.diff(times[:-1])
    assert np.all(gaps >= MIN_INTERVAL * 0.9), gaps.min()


def test_replay_resends_the_whole_fit(sent, widgets_made):
    w = make(widgets_made, rosenbrock, [-1.2, 1.0], landscape=False)
    assert w.wait(10)
    sent.clear()
    page(w, {"type": "replay"})
    assert wait_for(lambda: len(sent.messages) == 3)
    kinds = [c["type"] for c, _ in sent.messages]
    assert kinds == ["begin", "steps", "end"]
    content, buffers = sent.messages[1]
    assert content["start"] == 0 and content["count"] == len(w.trace)
    np.testing.assert_array_equal(decode(content["columns"], buffers)["fnorm"], w.trace.fnorm)
    assert content["curves"]  # a reloaded page draws the curves too
    assert sent.messages[2][0]["outcome"]["state"] == "success"


def test_replay_while_running_keeps_the_stream_contiguous(sent, widgets_made):
    w = make(widgets_made, Slow(rosenbrock, 0.01), [-1.2, 1.0], run=False, landscape=False)
    fit_id = w.fit()
    assert wait_for(lambda: sent.records(fit_id) >= 3, 20)
    page(w, {"type": "replay"})
    assert w.wait(20)
    steps = sent.of_type("steps", fit_id)
    replay_at = max(k for k, (c, _) in enumerate(steps) if c["start"] == 0)
    start = 0
    for content, _ in steps[replay_at:]:
        assert content["start"] == start
        start += content["count"]
    assert start == len(w.trace)


# -- page messages ---------------------------------------------------------------------------


def test_pick_sets_two_parameters_clamped_and_refits(sent, widgets_made):
    w = make(widgets_made, exp_model, *exp_data(), p0=[1.0, 1.0, 1.0], curve=True, run=False)
    page(w, {"type": "pick", "i": 0, "j": 2, "xi": 1.5, "xj": 99.0})
    lo, hi = w.ranges[2]
    np.testing.assert_array_equal(w.x0, [1.5, 1.0, hi])  # 99 clamped to the slider's max
    assert w.wait(10)
    assert w.history[-1]["x0"].tolist() == [1.5, 1.0, hi]
    assert not sent.of_type("error")


def test_landscape_grid_and_landscape_params(sent, widgets_made):
    w = make(widgets_made, exp_model, *exp_data(), p0=[2.0, 1.0, 0.5], curve=True)
    assert w.wait(20, landscape=True)
    land = w.landscape
    assert land["i"] == 0 and land["j"] == 1 and land["fit_id"] == 1
    assert len(land["xi"]) == 60 and len(land["xj"]) == 60 and len(land["log10_cost"]) == 3600
    assert land["xi"][0] == w.ranges[0][0] and land["xj"][-1] == w.ranges[1][1]
    # Row-major, one row per xj value; cost with the others at x0.
    x = w.x0.copy()
    x[0], x[1] = land["xi"][7], land["xj"][11]
    f = w.problem.func(x)
    assert land["log10_cost"][11 * 60 + 7] == pytest.approx(math.log10(0.5 * f @ f), rel=1e-12)
    json.dumps(land, allow_nan=False)
    page(w, {"type": "landscape_params", "i": 2, "j": 1})
    assert wait_for(lambda: w.landscape.get("i") == 2, 20)
    assert w.landscape["j"] == 1 and w.landscape_params == [2, 1]


def test_a_burst_of_landscape_picks_never_waits(sent, widgets_made):
    """Regression: each pick started a fit and waited on the kernel's main
    thread for the previous one; a burst left the kernel unresponsive."""
    w = make(widgets_made, Slow(exp_model, 0.002), *exp_data(), p0=[2.0, 1.0, 0.5], curve=True)
    longest = 0.0
    for k in range(200):
        t0 = time.perf_counter()
        page(w, {"type": "pick", "i": 0, "j": 1, "xi": 1.0 + 0.01 * k, "xj": 0.5 + 0.005 * k})
        longest = max(longest, time.perf_counter() - t0)
    assert longest < 0.02, f"a pick held the main thread {longest * 1000:.1f} ms"
    assert w.wait(30)
    assert len(w.history) < 20  # coalesced: only the latest request of a burst runs
    np.testing.assert_array_equal(w.history[-1]["x0"], w.x0)


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
    ({"type": "command", "name": "exec"}, "name must be one of"),
    ({"type": "command", "name": ["fit"]}, "name must be one of"),
]


@pytest.mark.parametrize("message, says", BAD_MESSAGES, ids=[repr(m)[:40] for m, _ in BAD_MESSAGES])
def test_malformed_page_message_gets_an_error_reply(sent, widgets_made, message, says):
    w = make(widgets_made, rosenbrock, [-1.2, 1.0], run=False, landscape=False)
    page(w, message)
    replies = sent.messages
    assert len(replies) == 1
    content, buffers = replies[0]
    assert content["type"] == "error" and says in content["error"], content
    assert len(content["error"]) < 300 and buffers == []
    # Nothing changed, and the widget still works.
    np.testing.assert_array_equal(w.x0, [-1.2, 1.0])
    assert not w.running
    w.fit()
    assert w.wait(10) and w.result[4] in (1, 2, 3, 4)
    page(w, {"type": "pick", "i": 1, "j": 0, "xi": 1.5, "xj": -0.5})
    assert w.wait(10)
    np.testing.assert_array_equal(w.x0, [-0.5, 1.5])


# -- controls ------------------------------------------------------------------------------


def test_parameter_ranges_and_log_scale(sent, widgets_made):
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
    assert w.ranges[0] == [0.5, 8.0]
    assert w.ranges[2] == [-6.0, 0.0]  # x0 +- max(|x0|, 1)
    assert w.ranges[1] == [1e-7 / 100, 1e-7 * 100] and w.logs == [False, True, False]  # decades
    page_update(w, {"logs": [True, True, True]})  # c's range is not positive: refused
    assert w.logs == [True, True, False]
    page_update(w, {"ranges": [[0.5, 8.0], w.ranges[1], [-6.0, -4.0]]})
    assert w.x0[2] == -4.0  # the value is clamped into the new range


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
    result = tuple(namespace[k] for k in ("x", "cov_x", "infodict", "mesg", "ier"))
    assert_same_fit(result, w.result)

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


def test_landscape_off_until_the_page_picks_two_parameters(sent, widgets_made):
    w = make(widgets_made, exp_model, *exp_data(), p0=[2.0, 1.0, 0.5], curve=True, landscape=False)
    assert w.wait(10, landscape=True)
    assert not w.landscape_on and w.landscape == {}
    page(w, {"type": "landscape_params", "i": 0, "j": 2})
    assert wait_for(lambda: w.landscape.get("j") == 2, 20)
    assert w.landscape_on
