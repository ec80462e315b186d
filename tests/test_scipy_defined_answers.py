"""Inputs for which SciPy's leastsq has a defined answer, even an odd one:
lmscope must give the same one, on the same calls, so that code written
against SciPy (lmfit's conf_interval2d fixes every parameter and calls
leastsq with none free) keeps working with lmscope swapped in."""

import decimal

import numpy as np
import pytest
import scipy.optimize
from oracle import assert_same_fit, message_words

import lmscope

T = np.linspace(0.0, 3.0, 20)
Y = 2.0 * np.exp(-0.8 * T) + 0.3


def decay(p):
    return p[0] * np.exp(-p[1] * T) + p[2] - Y


def decay_jac(p):
    e = np.exp(-p[1] * T)
    return np.column_stack([e, -p[0] * T * e, np.ones_like(T)])


def slow(p):
    """|f| = 2 |p|^3 from p = 10: each Gauss-Newton step shrinks p by a
    third, so the fit runs into its evaluation budget with zero tolerances."""
    return np.array([p[0] ** 3, p[0] ** 3])


def slow_jac(p):
    return np.array([[3.0 * p[0] ** 2], [3.0 * p[0] ** 2]])


def both(func, x0, **kwargs):
    return (
        lmscope.leastsq(func, x0, **kwargs),
        scipy.optimize.leastsq(func, x0, **kwargs),
    )


@pytest.mark.parametrize("dfun", [None, lambda p: np.zeros((3, 0))], ids=["lmdif", "lmder"])
def test_empty_x0_is_improper_input_as_in_scipy(dfun):
    def three(p):
        return np.array([1.0, 2.0, 3.0])

    ours, theirs = both(three, [], Dfun=dfun, full_output=True)
    x, cov_x, info, mesg, ier = ours
    sx, scov, sinfo, smesg, sier = theirs
    assert ier == sier == 0
    assert message_words(mesg).startswith(message_words(smesg))
    assert x.shape == sx.shape == (0,) and x.dtype == sx.dtype
    assert cov_x is None and scov is None
    assert list(info) == list(sinfo)
    assert info["nfev"] == sinfo["nfev"] == 0
    np.testing.assert_array_equal(info["fvec"], sinfo["fvec"])
    for key in ("fjac", "ipvt", "qtf"):
        assert info[key].shape == sinfo[key].shape, key
        assert info[key].dtype == sinfo[key].dtype, key


def test_empty_x0_without_full_output_raises_scipys_error():
    with pytest.raises(TypeError, match="Improper input parameters") as theirs:
        scipy.optimize.leastsq(lambda p: np.ones(2), [])
    with pytest.raises(TypeError, match="Improper input parameters.*x0 is empty") as ours:
        lmscope.leastsq(lambda p: np.ones(2), [])
    assert theirs.type is ours.type


@pytest.mark.parametrize("maxfev", [-1, -400])
@pytest.mark.parametrize("jac", [None, slow_jac], ids=["lmdif", "lmder"])
def test_negative_maxfev_is_the_default_budget_as_in_scipy(maxfev, jac):
    tolerances = dict(ftol=0.0, xtol=0.0, gtol=0.0)
    ours, theirs = both(slow, [10.0], Dfun=jac, maxfev=maxfev, full_output=True, **tolerances)
    assert_same_fit(ours, theirs)
    default = (100 if jac else 200) * 2
    assert ours[-1] == 5 and default <= ours[2]["nfev"] <= default + 1


@pytest.mark.parametrize("jac", [None, decay_jac], ids=["lmdif", "lmder"])
def test_largest_c_int_maxfev_is_accepted_as_in_scipy(jac):
    ours, theirs = both(decay, [1.0, 1.0, 1.0], Dfun=jac, maxfev=2**31 - 1, full_output=True)
    assert_same_fit(ours, theirs)


def test_maxfev_beyond_a_c_int_is_an_overflow_error_in_both():
    for leastsq in (scipy.optimize.leastsq, lmscope.leastsq):
        with pytest.raises(OverflowError):
            leastsq(decay, [1.0, 1.0, 1.0], maxfev=2**31)


@pytest.mark.parametrize(
    "tolerance",
    [decimal.Decimal("1e-6"), np.float32(1e-6)],
    ids=["Decimal", "float32"],
)
@pytest.mark.parametrize("name", ["ftol", "xtol", "gtol", "factor", "epsfcn"])
def test_numbers_with_float_are_taken_as_scipy_takes_them(name, tolerance):
    ours, theirs = both(decay, [1.0, 1.0, 1.0], full_output=True, **{name: tolerance})
    assert_same_fit(ours, theirs)


def test_longdouble_x0_is_refused_as_in_scipy():
    x0 = np.array([1.0, 1.0, 1.0], dtype=np.longdouble)
    if np.finfo(np.longdouble).nmant <= np.finfo(np.float64).nmant:
        pytest.fail("this platform's longdouble is float64; the test needs an x86-64 machine")
    with pytest.raises(TypeError):
        scipy.optimize.leastsq(decay, x0)
    with pytest.raises(TypeError, match="x0 has dtype float128"):
        lmscope.leastsq(decay, x0)


@pytest.mark.parametrize("dfun", [None, decay_jac], ids=["lmdif", "lmder"])
def test_calls_of_func_and_dfun_against_scipy(dfun):
    """What README says about the number of calls: lmscope calls func exactly
    nfev times and Dfun exactly njev times; SciPy's leastsq calls func
    nfev + 2 times and Dfun njev + 1 times (its shape checks at x0, and one
    more evaluation of func at x0)."""
    counts = {}

    def counted(name, function):
        def wrapper(p):
            counts[name] = counts.get(name, 0) + 1
            return function(p)

        return wrapper

    runs = {}
    for library in (lmscope, scipy.optimize):
        counts.clear()
        fit = library.leastsq(
            counted("func", decay),
            [1.0, 1.0, 1.0],
            Dfun=None if dfun is None else counted("Dfun", dfun),
            full_output=True,
        )
        runs[library.__name__] = dict(counts), fit[2]
    ours, our_info = runs["lmscope"]
    theirs, their_info = runs["scipy.optimize"]
    assert our_info["nfev"] == their_info["nfev"]
    assert ours["func"] == our_info["nfev"]
    assert theirs["func"] == their_info["nfev"] + 2
    if dfun is not None:
        assert ours["Dfun"] == our_info["njev"]
        assert theirs["Dfun"] == their_info["njev"] + 1
