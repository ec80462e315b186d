"""Exceptions raised in func, Dfun and callback cross C unchanged; the
trial-step callback and the stop event end a fit cleanly."""

import gc
import sys
import threading
import traceback
import weakref

import numpy as np
import pytest
import scipy.optimize
from oracle import assert_same_fit

import lmscope

T = np.linspace(0.0, 3.0, 30)
Y = 2.0 * np.exp(-0.7 * T)


def decay(p):
    return p[0] * np.exp(-p[1] * T) - Y


def decay_jac(p):
    e = np.exp(-p[1] * T)
    return np.column_stack([e, -p[0] * T * e])


class Boom(Exception):
    pass


def failing_after(calls, exc_type=Boom, fail_in="func"):
    count = {"n": 0}

    def func(p):
        count["n"] += 1
        if fail_in == "func" and count["n"] > calls:
            raise exc_type("raised by the user's func")
        return decay(p)

    def dfun(p):
        count["n"] += 1
        if fail_in == "Dfun" and count["n"] > calls:
            raise exc_type("raised by the user's Dfun")
        return decay_jac(p)

    return func, dfun


@pytest.mark.parametrize("fail_in", ["func", "Dfun"])
@pytest.mark.parametrize("calls", [1, 3])
def test_exception_propagates_with_its_traceback(fail_in, calls):
    func, dfun = failing_after(calls, fail_in=fail_in)
    with pytest.raises(Boom, match=f"raised by the user's {fail_in}") as info:
        lmscope.leastsq(func, [1.0, 1.0], Dfun=dfun)
    frames = [frame.name for frame in traceback.extract_tb(info.value.__traceback__)]
    assert (fail_in.lower() if fail_in == "func" else "dfun") in frames


def test_exception_in_finite_difference_evaluation():
    func, _ = failing_after(2)  # the second call is a forward difference
    with pytest.raises(Boom):
        lmscope.leastsq(func, [1.0, 1.0])


def test_keyboard_interrupt_propagates_and_the_next_fit_is_unaffected():
    func, _ = failing_after(4, exc_type=KeyboardInterrupt)
    with pytest.raises(KeyboardInterrupt):
        lmscope.leastsq(func, [1.0, 1.0])
    ours = lmscope.leastsq(decay, [1.0, 1.0], full_output=True)
    assert_same_fit(ours, scipy.optimize.leastsq(decay, [1.0, 1.0], full_output=True))


def test_exception_in_callback_propagates():
    def callback(step):
        if step.iteration == 2:
            raise Boom("raised by the user's callback")

    with pytest.raises(Boom, match="callback") as info:
        lmscope.leastsq(decay, [1.0, 1.0], callback=callback)
    assert "callback" in [frame.name for frame in traceback.extract_tb(info.value.__traceback__)]


def test_errors_do_not_leak_handles_or_buffers():
    import gc
    import weakref

    func, _ = failing_after(3)
    refs = []
    original = lmscope._engine.EngineRun.__init__

    def tracking_init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        refs.append(weakref.ref(self))

    lmscope._engine.EngineRun.__init__ = tracking_init
    try:
        for _ in range(5):
            with pytest.raises(Boom):
                lmscope.leastsq(func, [1.0, 1.0])
            func, _ = failing_after(3)
    finally:
        lmscope._engine.EngineRun.__init__ = original
    gc.collect()
    assert refs and all(ref() is None for ref in refs)


@pytest.mark.parametrize("how", ["return-true", "stop-iteration"])
def test_callback_stops_the_fit_with_ier_minus_2_at_the_last_accepted_point(how):
    trace = lmscope.Trace()
    steps = []

    def callback(step):
        steps.append(step)
        if len(steps) == 4:
            if how == "return-true":
                return True
            raise StopIteration

    x, cov_x, info, mesg, ier = lmscope.leastsq(
        decay, [1.0, 1.0], full_output=True, callback=callback, trace=trace
    )
    assert ier == -2 and "stopped" in mesg
    assert len(steps) == 4 == len(trace)
    assert np.array_equal(x, steps[-1].x)
    np.testing.assert_array_equal(info["fvec"], decay(x))
    assert info["nfev"] == steps[-1].nfev
    assert cov_x is None


def test_callback_returning_other_values_does_not_stop():
    ours = lmscope.leastsq(decay, [1.0, 1.0], full_output=True, callback=lambda step: 1)
    assert_same_fit(ours, scipy.optimize.leastsq(decay, [1.0, 1.0], full_output=True))


def test_stop_event_set_before_the_fit():
    stop = threading.Event()
    stop.set()
    x, _, info, _, ier = lmscope.leastsq(decay, [1.0, 1.0], full_output=True, stop=stop)
    assert ier == -2
    np.testing.assert_array_equal(x, [1.0, 1.0])
    assert info["fjac"] is None  # no Jacobian was ever evaluated


def test_stop_event_set_from_func_stops_at_the_next_evaluation():
    stop = threading.Event()
    calls = []

    def func(p):
        calls.append(p)
        if len(calls) == 6:
            stop.set()
        return decay(p)

    x, _, info, _, ier = lmscope.leastsq(func, [1.0, 1.0], full_output=True, stop=stop)
    assert ier == -2
    assert len(calls) == 6  # none after the stop
    np.testing.assert_array_equal(info["fvec"], decay(x))


def test_fit_inside_another_fits_func():
    inner_results = []

    def outer(p):
        inner = lmscope.leastsq(decay, [p[0] + 1.0, 1.0], full_output=True)
        inner_results.append(inner)
        return decay(p)

    ours = lmscope.leastsq(outer, [1.0, 1.0], full_output=True)
    assert_same_fit(ours, scipy.optimize.leastsq(decay, [1.0, 1.0], full_output=True))
    first = inner_results[0]
    assert_same_fit(first, scipy.optimize.leastsq(decay, [2.0, 1.0], full_output=True))


@pytest.mark.parametrize("returns", ["array", "list"])
def test_the_c_callbacks_leak_no_references(returns):
    # The callbacks call func through the CPython API: every result, point
    # and argument tuple they touch must be released, on success and on error.
    token = object()
    out = np.empty(T.size)

    def func(p, marker):
        np.subtract(p[0] * np.exp(-p[1] * T), Y, out=out)
        return out if returns == "array" else out.tolist()

    calls = []

    def failing(p, marker):  # fails inside the engine, not at the check call
        calls.append(1)
        if len(calls) % 3 == 0:
            raise Boom("no")
        return func(p, marker)

    before = sys.getrefcount(token), sys.getrefcount(out)
    for _ in range(50):
        lmscope.leastsq(func, [1.0, 1.0], args=(token,), full_output=True)
        with pytest.raises(Boom):
            lmscope.leastsq(failing, [1.0, 1.0], args=(token,))
    gc.collect()
    assert (sys.getrefcount(token), sys.getrefcount(out)) == before


@pytest.mark.parametrize("raise_in", ["func", "Dfun"])
def test_stopfit_raised_in_func_or_dfun_stops_cleanly(raise_in):
    calls = []

    def func(p):
        calls.append("f")
        if raise_in == "func" and calls.count("f") == 3:
            raise lmscope.StopFit
        return decay(p)

    def dfun(p):
        calls.append("j")
        if raise_in == "Dfun" and calls.count("j") == 3:
            raise lmscope.StopFit
        return decay_jac(p)

    trace = lmscope.Trace()
    x, cov_x, info, mesg, ier = lmscope.leastsq(
        func, [1.0, 1.0], Dfun=dfun, full_output=True, trace=trace
    )
    assert ier == -2 and cov_x is None and "stopped" in mesg
    np.testing.assert_array_equal(info["fvec"], decay(x))
    np.testing.assert_array_equal(x, trace.x[-1])


def test_the_point_func_gets_is_never_changed_behind_its_back():
    # The bridge hands the same point array out again only when the last
    # call left nothing referring to it; a point kept, viewed, weakly
    # referenced or reshaped by func is replaced by a fresh one.
    kept, views, copies, refs = [], [], [], []
    shapes = []

    def func(p):
        shapes.append(p.shape)
        k = len(shapes)
        if k % 4 == 0:
            kept.append(p)
            copies.append(p.copy())
        elif k % 4 == 1:
            views.append((p[:1], p[0]))
        elif k % 4 == 2:
            refs.append(weakref.ref(p))
        else:
            p.shape = (1, -1)  # a func that reshapes its argument in place
        x = p.reshape(-1)
        return np.array([x[0] - 1.0, x[1] - 2.0, x[0] * x[1] - 2.0])

    x, ier = lmscope.leastsq(func, [0.5, 0.5])
    assert ier in (1, 2, 3, 4)
    assert all(shape == (2,) for shape in shapes)
    for point, copy in zip(kept, copies):
        np.testing.assert_array_equal(point, copy)
    for view, first in views:
        assert view[0] == first
    theirs = scipy.optimize.leastsq(lambda p: func(p.copy()), [0.5, 0.5])
    np.testing.assert_array_equal(x, theirs[0])
