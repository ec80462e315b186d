"""Regression tests, each named after what it fixed (found in review)."""

import signal
import threading
import weakref

import numpy as np
import pytest
import scipy.optimize

import lmscope


def test_signal_during_the_c_engine_propagates_instead_of_faking_convergence():
    # A signal handler runs at the first line of the next Python function,
    # which may be a trampoline, before its `try`: cffi's onerror must carry
    # the exception, not return 0 with an unwritten residual buffer.
    rng = np.random.default_rng(0)
    a = rng.standard_normal((60_000, 12))
    b = rng.standard_normal(60_000)

    class Alarm(Exception):
        pass

    def on_alarm(signum, frame):
        raise Alarm("timer fired")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    try:
        for delay in (0.005, 0.02, 0.05):
            signal.setitimer(signal.ITIMER_REAL, delay)
            with pytest.raises(Alarm):
                lmscope.leastsq(
                    lambda x: np.tanh(a @ x) - b, np.zeros(12), maxfev=100_000, ftol=0, xtol=0
                )
            signal.setitimer(signal.ITIMER_REAL, 0)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("wall", np.linspace(0.5, 1.9, 15))
def test_nan_wall_is_never_reported_as_convergence(wall):
    # Two NaN trials shrink the radius, then a tiny finite step is accepted
    # and meets ftol: that is the wall, not a minimum (which is at 2).
    def func(x):
        if x[0] > wall:
            return np.array([np.nan, np.nan])
        return np.array([x[0] - 2.0, 0.1 * (x[0] - 2.0) ** 2])

    with pytest.warns(lmscope.NonFiniteWarning):
        x, cov_x, _, _, ier = lmscope.leastsq(func, [0.0], full_output=True)
    assert ier == -3 and cov_x is None and x[0] <= wall


def test_callback_returning_numpy_true_stops_the_fit():
    t = np.linspace(0, 1, 20)
    x, _, _, _, ier = lmscope.leastsq(
        lambda p: p[0] * t - 2 * t,
        [0.0],
        full_output=True,
        callback=lambda step: np.bool_(step.iteration >= 1),
    )
    assert ier == -2


def test_trace_ends_with_the_jacobian_that_stopped_the_fit():
    # gtol is tested right after a Jacobian evaluation: the trace's last record
    # must carry that evaluation's nfev, njev and gnorm.
    def f(x):
        return np.array([x[0] - 1.0, x[1] - 2.0])

    trace = lmscope.Trace()
    _, _, info, _, ier = lmscope.leastsq(f, [0.0, 0.0], full_output=True, trace=trace, gtol=1e-3)
    theirs = scipy.optimize.leastsq(f, [0.0, 0.0], full_output=True, gtol=1e-3)
    assert ier == theirs[4] == 4
    last = trace[-1]
    assert (last.nfev, trace.njev[-1]) == (info["nfev"], 2)
    assert last.gnorm <= 1e-3 and not last.accepted and np.isnan(last.pnorm)
    np.testing.assert_array_equal(last.x_trial, last.x)


def test_stop_inside_the_forward_difference_counts_only_calls_made():
    stop = threading.Event()
    calls = []

    def f(x):
        calls.append(1)
        if len(calls) == 3:  # the second forward-difference column
            stop.set()
        return np.array([x[0] - 1.0, x[1] - 2.0, x[2] - 3.0, x[0] * x[1]])

    trace = lmscope.Trace()
    _, _, info, _, ier = lmscope.leastsq(
        f, [0.0, 0.0, 0.0], full_output=True, stop=stop, trace=trace
    )
    assert ier == -2 and info["fjac"] is None
    # Three calls made, a fourth declined: nfev counts the calls of the callback.
    assert len(calls) == 3 and info["nfev"] == 4 == trace.nfev[-1]


@pytest.mark.parametrize("value", ["False", "yes", 1.5])
def test_col_deriv_and_full_output_must_be_flags(value):
    f = lambda x: np.array([x[0] - 1.0, x[1] - 2.0])  # noqa: E731
    jac = lambda x: np.eye(2)  # noqa: E731
    with pytest.raises(TypeError, match="col_deriv must be a bool"):
        lmscope.leastsq(f, [0.0, 0.0], Dfun=jac, col_deriv=value)
    with pytest.raises(TypeError, match="full_output must be a bool"):
        lmscope.leastsq(f, [0.0, 0.0], full_output=value)


def test_complex_residuals_mid_fit_are_an_error_not_a_silent_cast():
    calls = []

    def f(x):
        calls.append(1)
        r = np.array([x[0] - 1.0, x[1] - 2.0])
        return r if len(calls) < 3 else r + 0j

    with pytest.raises(TypeError, match="func must return real residuals"):
        lmscope.leastsq(f, [0.0, 0.0])


def test_first_jacobian_is_not_read_after_the_user_changes_it():
    # The callback runs before the first Jacobian is used; a Dfun that hands
    # out one array and rewrites it later must not corrupt the fit.
    shared = np.zeros((2, 2))

    def jac(x):
        shared[:] = np.eye(2)
        return shared

    def f(x):
        return np.array([x[0] - 1.0, x[1] - 2.0])

    ours = lmscope.leastsq(
        f, [0.0, 0.0], Dfun=jac, full_output=True, callback=lambda step: shared.fill(np.nan)
    )
    assert ours[4] in (1, 2, 3, 4)
    np.testing.assert_allclose(ours[0], [1.0, 2.0])


def test_trace_chunks_of_an_unused_trace_and_bad_ranges():
    trace = lmscope.Trace()
    header, buffers = trace.chunks()
    assert all(len(b) == 0 for b in buffers)
    with pytest.raises(ValueError, match="start"):
        trace.chunks(-1)
    assert not trace.accepted.flags.writeable


def test_the_first_jacobian_is_not_kept_alive_by_the_fit():
    # The engine copies Dfun(x0) into its own buffer; holding the user's array
    # for the whole fit doubled the memory of tall problems (issue 10).
    t = np.linspace(0.0, 1.0, 30)
    first = []
    alive_later = []

    def jac(x):
        out = np.column_stack([t, np.ones_like(t)])
        if not first:
            first.append(weakref.ref(out))
        return out

    def f(x):
        if first:
            alive_later.append(first[0]() is not None)
        return x[0] * t + x[1] - (2.0 * t + 1.0)

    x, ier = lmscope.leastsq(f, [0.0, 0.0], Dfun=jac)
    assert ier in (1, 2, 3, 4) and alive_later and not any(alive_later)
