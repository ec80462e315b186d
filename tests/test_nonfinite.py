"""Non-finite residuals never pass for convergence.

SciPy 1.17 reports success when func returns NaN: at the start (ier 4 with
x = x0), or when a fit runs into a NaN region (ier 2, x stuck at the wall).
lmscope returns ier = -3 with a NonFiniteWarning and the last finite point.
"""

import numpy as np
import pytest
import scipy.optimize

import lmscope

T = np.linspace(0.0, 3.0, 30)
Y = 2.0 * np.exp(-0.7 * T)


def decay(p):
    return p[0] * np.exp(-p[1] * T) - Y


def test_nan_at_the_start():
    def func(p):
        return np.full(T.size, np.nan)

    theirs = scipy.optimize.leastsq(func, [1.0, 1.0], full_output=True)
    assert theirs[4] in (1, 2, 3, 4)  # SciPy: silent "success"
    with pytest.warns(lmscope.NonFiniteWarning, match="non-finite residuals at x0"):
        x, cov_x, info, mesg, ier = lmscope.leastsq(func, [1.0, 1.0], full_output=True)
    assert ier == -3 and "non-finite" in mesg
    np.testing.assert_array_equal(x, [1.0, 1.0])
    assert info["nfev"] == 1 and cov_x is None


def test_nan_wall_mid_fit_returns_the_last_finite_accepted_point():
    # The minimum lies beyond p[1] = 0.5, where func returns NaN.
    def func(p):
        r = decay(p)
        return r if p[1] < 0.5 else np.full_like(r, np.nan)

    theirs = scipy.optimize.leastsq(func, [1.0, 0.1], full_output=True)
    with pytest.warns(lmscope.NonFiniteWarning, match="last accepted finite point"):
        x, _, info, mesg, ier = lmscope.leastsq(func, [1.0, 0.1], full_output=True)
    assert ier == -3
    assert theirs[4] in (1, 2, 3, 4)  # SciPy: stuck, yet "success"
    assert np.all(np.isfinite(x)) and x[1] < 0.5
    assert np.all(np.isfinite(info["fvec"]))
    np.testing.assert_array_equal(info["fvec"], func(x))


def test_nan_trial_that_the_fit_recovers_from_is_not_an_error():
    # One far trial point lands in a NaN region; the rejected step shrinks the
    # radius and the fit converges as SciPy's does, with the same numbers.
    def func(p):
        r = decay(p)
        return r if p[1] > -3.0 else np.full_like(r, np.nan)

    trace = lmscope.Trace()
    ours = lmscope.leastsq(func, [1.0, 10.0], full_output=True, trace=trace)
    theirs = scipy.optimize.leastsq(func, [1.0, 10.0], full_output=True)
    assert not np.all(np.isfinite(trace.fnorm_trial)), "the fit should meet a NaN trial"
    assert ours[4] == theirs[4] and ours[4] in (1, 2, 3, 4)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-10)


def test_nan_in_the_jacobian():
    def dfun(p):
        return np.full((T.size, 2), np.nan)

    with pytest.warns(lmscope.NonFiniteWarning, match="Dfun had non-finite entries"):
        x, _, info, _, ier = lmscope.leastsq(decay, [1.0, 1.0], Dfun=dfun, full_output=True)
    assert ier == -3 and info["fjac"] is None
    np.testing.assert_array_equal(x, [1.0, 1.0])


def test_nonfinite_warns_without_full_output_too():
    with pytest.warns(lmscope.NonFiniteWarning):
        x, ier = lmscope.leastsq(lambda p: np.array([np.inf, 1.0]), [1.0])
    assert ier == -3
