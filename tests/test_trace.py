"""The trial-step record: every trial recorded, consistent with the fit's outputs."""

import dataclasses

import numpy as np
import pytest

import lmscope
from lmscope.trace import FIELDS

T = np.linspace(0.0, 3.0, 30)
Y = 2.0 * np.exp(-0.7 * T) + 0.3


def decay(p):
    return p[0] * np.exp(-p[1] * T) + p[2] - Y


def rosenbrock(x):
    return np.array([10.0 * (x[1] - x[0] ** 2), 1.0 - x[0]])


@pytest.mark.parametrize(
    "func,x0", [(decay, [1.0, 1.0, 1.0]), (rosenbrock, [-1.2, 1.0]), (rosenbrock, [-120.0, 100.0])]
)
def test_trace_records_every_trial_step(func, x0):
    trace = lmscope.Trace()
    steps = []
    x, _, info, _, ier = lmscope.leastsq(
        func, x0, full_output=True, trace=trace, callback=steps.append
    )
    assert len(trace) == len(steps)
    # Record 0 is the start; each later record is one evaluation of f at a
    # trial point, so nfev grows by exactly one per record plus n per
    # finite-difference Jacobian.
    n = len(x0)
    assert trace.iteration[0] == 0 and trace.nfev[0] == 1
    expected_nfev = 1 + np.arange(len(trace)) + n * trace.njev
    np.testing.assert_array_equal(trace.nfev, expected_nfev)
    assert trace.nfev[-1] == info["nfev"]
    # The records the callback saw are the trace's.
    for i, step in enumerate(steps):
        assert step.nfev == trace.nfev[i]
        np.testing.assert_array_equal(step.x_trial, trace.x_trial[i])


def test_replaying_the_accepted_steps_reproduces_x():
    trace = lmscope.Trace()
    x, ier = lmscope.leastsq(rosenbrock, [-1.2, 1.0], trace=trace)
    point = trace.x[0].copy()
    for step in list(trace)[1:]:
        if step.accepted:
            point = step.x_trial
        np.testing.assert_array_equal(step.x, point)
    np.testing.assert_array_equal(point, x)


def test_rejected_steps_keep_x_and_fnorm_and_shrink_the_radius():
    trace = lmscope.Trace()
    lmscope.leastsq(rosenbrock, [-120.0, 100.0], trace=trace)
    rejected = ~trace.accepted
    assert rejected.any(), "this start is known to need rejected steps"
    idx = np.flatnonzero(rejected)
    np.testing.assert_array_equal(trace.x[idx], trace.x[idx - 1])
    np.testing.assert_array_equal(trace.fnorm[idx], trace.fnorm[idx - 1])
    assert np.all(trace.ratio[idx] < 1e-4)
    # A rejected step at least halves the radius (Moré 1978, section 4); the
    # first trial's radius is capped at its step length first.
    radius_before = np.where(idx == 1, trace.pnorm[idx], trace.delta[idx - 1])
    assert np.all(trace.delta[idx] <= 0.5 * radius_before)


def test_fnorm_matches_the_residuals():
    trace = lmscope.Trace()
    lmscope.leastsq(decay, [1.0, 1.0, 1.0], trace=trace)
    for step in trace:
        assert step.fnorm_trial == pytest.approx(np.linalg.norm(decay(step.x_trial)), rel=1e-14)
        assert step.fnorm == pytest.approx(np.linalg.norm(decay(step.x)), rel=1e-14)


def test_accepted_steps_match_the_gain_ratio_threshold():
    trace = lmscope.Trace()
    lmscope.leastsq(decay, [1.0, 1.0, 1.0], trace=trace)
    ratio, accepted = trace.ratio[1:], trace.accepted[1:]
    np.testing.assert_array_equal(accepted, ratio >= 1e-4)
    np.testing.assert_allclose(ratio, trace.actred[1:] / trace.prered[1:], rtol=1e-15)


def test_a_trace_is_cleared_by_the_next_fit():
    trace = lmscope.Trace()
    lmscope.leastsq(rosenbrock, [-1.2, 1.0], trace=trace)
    first = len(trace)
    lmscope.leastsq(decay, [1.0, 1.0, 1.0], trace=trace)
    assert trace.n == 3 and trace.iteration[0] == 0
    assert len(trace) != first


def test_columns_iteration_and_chunks_agree():
    trace = lmscope.Trace()
    lmscope.leastsq(decay, [1.0, 1.0, 1.0], trace=trace)
    header, buffers = trace.chunks(2, 7)
    assert [h["name"] for h in header] == list(FIELDS)
    for h, buffer in zip(header, buffers):
        block = np.frombuffer(buffer, dtype=h["dtype"]).reshape(h["shape"])
        column = getattr(trace, h["name"])[2:7]
        np.testing.assert_array_equal(block, column.astype(block.dtype))
    assert trace[-1].fnorm == trace.fnorm[-1]
    assert "trial steps" in repr(trace)
    with pytest.raises(AttributeError, match="columns are"):
        _ = trace.nonexistent


def test_columns_are_read_only():
    trace = lmscope.Trace()
    lmscope.leastsq(decay, [1.0, 1.0, 1.0], trace=trace)
    with pytest.raises(ValueError):
        trace.fnorm[0] = 0.0


def test_append_records_a_step_made_elsewhere():
    """The widget records a fit of its free parameters in all n this way."""
    fitted = lmscope.Trace()
    lmscope.leastsq(lambda x: x - np.array([1.0, 2.0]), [0.0, 0.0], trace=fitted)
    copy = lmscope.Trace()
    for step in fitted:
        copy.append(step)
    assert len(copy) == len(fitted) and copy.n == 2
    for name, column in fitted.columns().items():
        np.testing.assert_array_equal(copy.columns()[name], column)
    with pytest.raises(ValueError, match="records 2 parameters"):
        copy.append(dataclasses.replace(fitted[0], x=np.zeros(3), x_trial=np.zeros(3)))
