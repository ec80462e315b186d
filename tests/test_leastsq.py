"""lmscope.leastsq against scipy.optimize.leastsq on the same problems:
every output, the messages' meaning, the warnings and exceptions."""

import warnings

import numpy as np
import pytest
import scipy.optimize
from oracle import assert_same_fit, message_words

import lmscope

T = np.linspace(0.0, 4.0, 40)
Y = 2.5 * np.exp(-1.3 * T) + 0.5 + 0.01 * np.cos(9.0 * T)


def decay(p):
    return p[0] * np.exp(-p[1] * T) + p[2] - Y


def decay_jac(p):
    e = np.exp(-p[1] * T)
    return np.column_stack([e, -p[0] * T * e, np.ones_like(T)])


def decay_jac_cols(p):
    return decay_jac(p).T


def rosenbrock(x):
    return np.array([10.0 * (x[1] - x[0] ** 2), 1.0 - x[0]])


def rank_deficient(p):
    # p[0] and p[1] enter only through their sum: J^T J is singular.
    return (p[0] + p[1]) * np.exp(-p[2] * T) - Y


def with_args(p, t, y, scale):
    return scale * (p[0] * np.exp(-p[1] * t) - y)


def both(**kwargs):
    return (
        lmscope.leastsq(full_output=True, **kwargs),
        scipy.optimize.leastsq(full_output=True, **kwargs),
    )


CASES = {
    "decay-fd": dict(func=decay, x0=[1.0, 1.0, 1.0]),
    "decay-dfun": dict(func=decay, x0=[1.0, 1.0, 1.0], Dfun=decay_jac),
    "decay-col-deriv": dict(func=decay, x0=[1.0, 1.0, 1.0], Dfun=decay_jac_cols, col_deriv=True),
    "decay-diag": dict(func=decay, x0=[1.0, 1.0, 1.0], diag=[1.0, 10.0, 0.1]),
    "decay-factor": dict(func=decay, x0=[1.0, 1.0, 1.0], factor=0.5),
    "decay-epsfcn": dict(func=decay, x0=[1.0, 1.0, 1.0], epsfcn=1e-10),
    "decay-args": dict(func=with_args, x0=[1.0, 1.0], args=(T, Y, 2.0)),
    "rosenbrock": dict(func=rosenbrock, x0=[-1.2, 1.0]),
    "rosenbrock-gtol": dict(func=rosenbrock, x0=[-1.2, 1.0], gtol=1e-3),
    "rank-deficient": dict(func=rank_deficient, x0=[1.0, 1.0, 1.0]),
    "maxfev": dict(func=rosenbrock, x0=[-1.2, 1.0], maxfev=7),
    "ftol-too-small": dict(func=rosenbrock, x0=[-1.2, 1.0], ftol=0.0),
    "xtol-too-small": dict(func=decay, x0=[1.0, 1.0, 1.0], xtol=0.0, ftol=0.0),
    "scalar-x0": dict(func=lambda x: 2 * (x - 3) ** 2 + 1, x0=0.0),
    "integer-x0": dict(func=decay, x0=[1, 1, 1]),
    "x0-2d": dict(func=lambda p: decay(p.ravel()), x0=[[1.0, 1.0, 1.0]]),
    "float32-residuals": dict(func=lambda p: decay(p).astype(np.float32), x0=[1.0, 1.0, 1.0]),
    "list-residuals": dict(func=lambda p: list(rosenbrock(p)), x0=[-1.2, 1.0]),
}


@pytest.mark.parametrize("name", CASES)
def test_same_outputs_as_scipy(name):
    ours, theirs = both(**CASES[name])
    assert_same_fit(ours, theirs)


@pytest.mark.parametrize("name", ["decay-fd", "decay-dfun", "maxfev", "xtol-too-small"])
def test_short_output_is_x_and_ier(name):
    kwargs = CASES[name]
    with warnings.catch_warnings(record=True) as ours_w:
        warnings.simplefilter("always")
        x, ier = lmscope.leastsq(**kwargs)
    with warnings.catch_warnings(record=True) as theirs_w:
        warnings.simplefilter("always")
        sx, sier = scipy.optimize.leastsq(**kwargs)
    assert ier == sier
    np.testing.assert_allclose(x, sx, rtol=1e-10)
    assert [w.category for w in ours_w] == [w.category for w in theirs_w]


@pytest.mark.parametrize(
    "name",
    ["maxfev", "ftol-too-small", "xtol-too-small", "rosenbrock-gtol", "decay-fd", "rosenbrock"],
)
def test_message_carries_the_meaning_and_numbers_of_scipys(name):
    (_, _, _, mesg, ier), (_, _, _, smesg, sier) = both(**CASES[name])
    assert ier == sier
    assert message_words(mesg) == message_words(smesg), (mesg, smesg)
    # The same cause, named by its setting, with the setting's value.
    kwargs = CASES[name]
    keywords = {
        1: ["reductions", "ftol"],
        2: ["consecutive iterates", "xtol"],
        3: ["reductions", "iterates"],
        4: ["cosine", "gtol"],
        5: ["maxfev", str(kwargs.get("maxfev"))],
        6: ["ftol", "too small"],
        7: ["xtol", "too small"],
        8: ["gtol", "too small"],
    }[ier]
    for word in keywords:
        assert word in mesg


def test_improper_tolerance_raises_typeerror_like_scipy():
    with pytest.raises(TypeError) as scipy_error:
        scipy.optimize.leastsq(rosenbrock, [-1.2, 1.0], ftol=-1.0)
    with pytest.raises(type(scipy_error.value), match="ftol=-1 must be >= 0"):
        lmscope.leastsq(rosenbrock, [-1.2, 1.0], ftol=-1.0)


@pytest.mark.parametrize(
    "setting",
    [dict(ftol=-1.0), dict(xtol=-1e-3), dict(gtol=-1.0), dict(factor=0.0), dict(diag=[1.0, -1.0])],
)
def test_improper_settings_with_full_output_give_ier_zero_like_scipy(setting):
    ours = lmscope.leastsq(rosenbrock, [-1.2, 1.0], full_output=True, **setting)
    theirs = scipy.optimize.leastsq(rosenbrock, [-1.2, 1.0], full_output=True, **setting)
    assert ours[4] == theirs[4] == 0
    assert ours[2]["nfev"] == theirs[2]["nfev"] == 0
    np.testing.assert_array_equal(ours[0], theirs[0])
    np.testing.assert_array_equal(ours[2]["fvec"], rosenbrock(np.array([-1.2, 1.0])))
    # SciPy returns whatever memory held for these; lmscope says they were not computed.
    assert ours[2]["fjac"] is None and ours[2]["ipvt"] is None and ours[2]["qtf"] is None
    assert ours[3].startswith("Improper input parameters.")


def test_too_few_residuals_raises_typeerror_naming_both_sizes():
    with pytest.raises(TypeError):
        scipy.optimize.leastsq(lambda x: x[:1], [1.0, 2.0])
    with pytest.raises(TypeError, match=r"x0 has 2 elements but func returned 1 residuals"):
        lmscope.leastsq(lambda x: x[:1], [1.0, 2.0])


def test_default_maxfev_follows_scipy():
    # A fit that cannot converge runs to the default limit: 200(n+1) without
    # Dfun, 100(n+1) with it.
    def f(x):
        return np.array([np.sin(50 * x[0]) + 2.0, np.cos(37 * x[0]) + 2.0])

    for dfun in (None, lambda x: np.array([[50 * np.cos(50 * x[0])], [-37 * np.sin(37 * x[0])]])):
        ours = lmscope.leastsq(f, [0.3], Dfun=dfun, full_output=True, ftol=0, xtol=0)
        theirs = scipy.optimize.leastsq(f, [0.3], Dfun=dfun, full_output=True, ftol=0, xtol=0)
        assert_same_fit(ours, theirs)


def test_inputs_are_left_untouched():
    x0 = np.array([1.0, 1.0, 1.0])
    diag = np.array([1.0, 2.0, 3.0])
    lmscope.leastsq(decay, x0, diag=diag)
    assert np.array_equal(x0, [1.0, 1.0, 1.0])
    assert np.array_equal(diag, [1.0, 2.0, 3.0])


def test_func_gets_a_fresh_array_each_call():
    seen = []

    def hoarding(p):
        seen.append(p)  # kept by the user ...
        out = decay(p)
        p[:] = 1e6  # ... and scribbled on afterwards
        return out

    ours = lmscope.leastsq(hoarding, [1.0, 1.0, 1.0], full_output=True)
    theirs = scipy.optimize.leastsq(decay, [1.0, 1.0, 1.0], full_output=True)
    assert_same_fit(ours, theirs)
    assert len({id(p) for p in seen}) == len(seen)
