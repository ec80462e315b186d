"""The driver's reverse-communication interface (lm_begin / lm_resume), driven
by hand from Python: answering its requests gives leastsq's fit, step for
step, whether the Jacobian comes from lm_fdjac's callbacks or from the
block of difference points."""

from __future__ import annotations

import numpy as np
import pytest
from lmscope._lmengine import ffi, lib

import lmscope

T = np.linspace(0.0, 4.0, 30)
Y = 2.5 * np.exp(-1.3 * T) + 0.5 + 0.01 * np.sin(7.0 * T)


def residuals(p):
    return p[0] * np.exp(-p[1] * T) + p[2] - Y


def run_by_hand(x0, maxfev=800, jacobian=None):
    """One fit answered request by request; returns x, status, nfev, njev and
    the number of records."""
    m, n = T.size, len(x0)
    x = np.array(x0, dtype=float)
    fvec, fjac = np.empty(m), np.empty((n, m))
    diag, qtf = np.empty(n), np.empty(n)
    ipvt = np.empty(n, dtype=np.int32)
    work = np.empty(lib.lm_work_size(m, n))
    points = np.empty((n, n))
    problem = ffi.new("lm_problem *")
    problem.m, problem.n = m, n
    problem.ftol = problem.xtol = 1.49012e-08
    problem.maxfev, problem.epsfcn, problem.factor = maxfev, np.finfo(float).eps, 100.0
    if jacobian is not None:
        # only its being set matters: it selects LM_REQUEST_JACOBIAN
        problem.jacobian = ffi.cast("lm_jacobian_fn", 1)
    state = ffi.new("lm_state *")
    d = ffi.from_buffer
    request = lib.lm_begin(
        state,
        problem,
        d("double[]", x),
        d("double[]", fvec),
        d("double[]", fjac),
        d("double[]", diag),
        d("double[]", qtf),
        d("int[]", ipvt),
        d("double[]", work),
    )
    recorded, records = ffi.new("int *"), 0
    rec = ffi.new("lm_trial_step *")
    rec_x, rec_x_trial = np.empty(n), np.empty(n)
    rec.x, rec.x_trial = d("double[]", rec_x), d("double[]", rec_x_trial)
    while request != lib.LM_REQUEST_NONE:
        if request == lib.LM_REQUEST_RESIDUALS:
            point = np.frombuffer(ffi.buffer(state.request_x, 8 * n)).copy()
            out = np.frombuffer(ffi.buffer(state.request_f, 8 * m), dtype=float)
            out[:] = residuals(point)
        elif request == lib.LM_REQUEST_JACOBIAN:
            fjac[:] = jacobian(x).T
        else:
            assert request == lib.LM_REQUEST_DIFFERENCES
            lib.lm_difference_points(state, d("double[]", points))
            for j in range(n):
                fjac[j] = residuals(points[j])
            lib.lm_difference_quotients(state)
        request = lib.lm_resume(state, 0, rec, recorded)
        records += recorded[0]
    return x, state.status, state.nfev, state.njev, records


@pytest.mark.parametrize("maxfev", [800, 9])
def test_forward_differences_by_hand_equal_leastsq(maxfev):
    trace = lmscope.Trace()
    x, _, info, _, ier = lmscope.leastsq(
        residuals, [1.0, 1.0, 1.0], full_output=True, maxfev=maxfev, trace=trace
    )
    assert (ier == 5) == (maxfev == 9)
    x_hand, status, nfev, njev, records = run_by_hand([1.0, 1.0, 1.0], maxfev=maxfev)
    np.testing.assert_array_equal(x_hand, x)
    assert (status, nfev) == (ier, info["nfev"])
    assert records == len(trace)  # the start, every trial, and any stop at a Jacobian
    assert njev == trace.njev[-1]


def test_an_analytic_jacobian_by_hand_equals_leastsq_with_dfun():
    def jac(p):
        e = np.exp(-p[1] * T)
        return np.column_stack([e, -p[0] * T * e, np.ones_like(T)])

    x, _, info, _, ier = lmscope.leastsq(residuals, [1.0, 1.0, 1.0], Dfun=jac, full_output=True)
    x_hand, status, nfev, njev, _ = run_by_hand([1.0, 1.0, 1.0], jacobian=jac)
    np.testing.assert_array_equal(x_hand, x)
    assert (status, nfev, njev) == (ier, info["nfev"], info["njev"])


def test_a_negative_answer_stops_the_fit_with_that_status():
    m, n = T.size, 3
    x = np.ones(n)
    buffers = [np.empty(m), np.empty(m * n), np.empty(n), np.empty(n)]
    ipvt, work = np.empty(n, dtype=np.int32), np.empty(lib.lm_work_size(m, n))
    problem = ffi.new("lm_problem *")
    problem.m, problem.n, problem.maxfev, problem.factor = m, n, 100, 100.0
    state = ffi.new("lm_state *")
    d = ffi.from_buffer
    lib.lm_begin(
        state,
        problem,
        d("double[]", x),
        *(d("double[]", b) for b in buffers),
        d("int[]", ipvt),
        d("double[]", work),
    )
    recorded = ffi.new("int *")
    assert lib.lm_resume(state, lib.LM_USER_STOP, ffi.NULL, recorded) == lib.LM_REQUEST_NONE
    assert (state.status, state.nfev, recorded[0]) == (lib.LM_USER_STOP, 1, 0)


def test_improper_settings_end_before_any_request():
    problem = ffi.new("lm_problem *")
    problem.m, problem.n, problem.maxfev, problem.factor = 5, 3, 0, 100.0  # maxfev 0
    state = ffi.new("lm_state *")
    null = ffi.NULL
    assert lib.lm_begin(state, problem, null, null, null, null, null, null, null) == 0
    assert state.status == lib.LM_IMPROPER_INPUT
