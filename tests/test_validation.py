"""Bad input, one argument at a time: a clear error naming the argument (or
SciPy's documented result where it has one), never a crash or a hang."""

import numpy as np
import pytest
import scipy.optimize

import lmscope


def f(x):
    return np.array([x[0] - 1.0, x[1] - 2.0, x[0] * x[1]])


def jac(x):
    return np.array([[1.0, 0.0], [0.0, 1.0], [x[1], x[0]]])


X0 = [1.0, 1.0]


@pytest.mark.parametrize(
    "func,exc,pattern",
    [
        (None, TypeError, "func must be callable, got NoneType"),
        (3, TypeError, "func must be callable, got int"),
        (lambda x: np.ones((3, 2)), ValueError, r"func must return a 1-D array.*shape \(3, 2\)"),
        (lambda x: np.array([1j, 2, 3]), TypeError, "func must return real residuals"),
        (
            lambda x: np.array(["a", "b", "c"]),
            TypeError,
            "func must return an array of real numbers",
        ),
        (lambda x: x[:1], TypeError, "x0 has 2 elements but func returned 1 residuals"),
    ],
)
def test_func(func, exc, pattern):
    with pytest.raises(exc, match=pattern):
        lmscope.leastsq(func, X0)


@pytest.mark.parametrize(
    "x0,exc,pattern",
    [
        (np.ones(2, np.longdouble), TypeError, "x0 has dtype float128, which float64 cannot"),
        ([1.0, np.nan], ValueError, r"x0 must be finite; x0\[1\] is nan"),
        # A float64 vector takes the short path through the checks.
        (np.array([1.0, np.nan]), ValueError, r"x0 must be finite; x0\[1\] is nan"),
        (np.array([1.0, -np.inf]), ValueError, r"x0 must be finite; x0\[1\] is -inf"),
        ([np.inf, 1.0], ValueError, r"x0 must be finite; x0\[0\] is inf"),
        ([1 + 1j, 1.0], TypeError, "x0 must be real"),
        (["a", "b"], TypeError, "x0 must be an array of real numbers"),
        (None, TypeError, "x0 must be an array of real numbers"),
    ],
)
def test_x0(x0, exc, pattern):
    with pytest.raises(exc, match=pattern):
        lmscope.leastsq(f, x0)


@pytest.mark.parametrize(
    "x0", [np.array([0.5, 1.5]), np.array([0.5, 1.5], dtype=">f8"), np.array([[0.5, 1.5]])]
)
def test_x0_is_copied_whatever_path_it_takes(x0):
    """The caller's x0 is never the engine's buffer, and func writing into
    the point it gets leaves x0 as it was."""
    before = x0.copy()

    def scribbling(x):
        out = f(x)
        x[:] = 7.0
        return out

    x, ier = lmscope.leastsq(scribbling, x0)
    assert x is not x0 and not np.shares_memory(x, x0)
    assert np.array_equal(x0, before) and x0.dtype == before.dtype
    assert x.dtype == np.float64 and x.shape == (2,)


@pytest.mark.parametrize(
    "dfun,col_deriv,exc,pattern",
    [
        ("nope", False, TypeError, "Dfun must be callable, got str"),
        (lambda x: jac(x).T, False, TypeError, r"shape \(2, 3\); expected \(3, 2\)"),
        (jac, True, TypeError, r"shape \(3, 2\); expected \(2, 3\)"),
        (lambda x: jac(x) * 1j, False, TypeError, "Dfun must return a real Jacobian"),
    ],
)
def test_dfun(dfun, col_deriv, exc, pattern):
    with pytest.raises(exc, match=pattern):
        lmscope.leastsq(f, X0, Dfun=dfun, col_deriv=col_deriv)


def test_dfun_shape_is_checked_by_scipy_too():
    with pytest.raises(TypeError):
        scipy.optimize.leastsq(f, X0, Dfun=lambda x: jac(x).T)


@pytest.mark.parametrize("name", ["ftol", "xtol", "gtol", "factor", "epsfcn"])
@pytest.mark.parametrize(
    "value,exc,pattern",
    [
        (np.nan, ValueError, "must be finite, got nan"),
        (np.inf, ValueError, "must be finite, got inf"),
        ("0.1", TypeError, "must be a real number"),
        ([1e-8], TypeError, "must be a real number"),
        (1j, TypeError, "must be a real number"),
    ],
)
def test_real_settings(name, value, exc, pattern):
    with pytest.raises(exc, match=f"{name} {pattern}"):
        lmscope.leastsq(f, X0, **{name: value})


def test_numpy_scalars_are_accepted_as_settings():
    ours = lmscope.leastsq(
        f, X0, ftol=np.float32(1e-6), maxfev=np.int64(400), factor=np.array(10.0), full_output=True
    )
    theirs = scipy.optimize.leastsq(
        f, X0, ftol=float(np.float32(1e-6)), maxfev=400, factor=10.0, full_output=True
    )
    np.testing.assert_array_equal(ours[0], theirs[0])


@pytest.mark.parametrize(
    "value,exc,pattern",
    [
        (1.5, TypeError, "maxfev must be an integer, got 1.5"),
        ("100", TypeError, "maxfev must be an integer"),
        (2**31, OverflowError, r"maxfev must fit a C int \(at most 2147483647\)"),
        (2**40, OverflowError, "maxfev must fit a C int"),
    ],
)
def test_maxfev(value, exc, pattern):
    with pytest.raises(exc, match=pattern):
        lmscope.leastsq(f, X0, maxfev=value)
    if exc is OverflowError:
        with pytest.raises(OverflowError):
            scipy.optimize.leastsq(f, X0, maxfev=value)


def test_the_largest_maxfev_runs_as_scipys():
    ours = lmscope.leastsq(f, X0, maxfev=2**31 - 1, full_output=True)
    theirs = scipy.optimize.leastsq(f, X0, maxfev=2**31 - 1, full_output=True)
    assert ours[4] == theirs[4] and ours[2]["nfev"] == theirs[2]["nfev"]
    np.testing.assert_array_equal(ours[0], theirs[0])


def test_more_residuals_than_a_c_int_is_a_clear_error():
    # A zero-stride view: 2**31 residuals without the memory.
    huge = np.broadcast_to(np.float64(1.0), (2**31,))
    with pytest.raises(
        ValueError, match=r"func returned 2147483648 residuals; .* at most 2\*\*31 - 1"
    ):
        lmscope.leastsq(lambda x: huge, [0.0])


@pytest.mark.parametrize(
    "diag,exc,pattern",
    [
        ([1.0], ValueError, r"diag has shape \(1,\) but x0 has 2 elements"),
        ([1.0, 1.0, 1.0], ValueError, r"diag has shape \(3,\) but x0 has 2 elements"),
        ([[1.0, 1.0]], ValueError, r"diag has shape \(1, 2\)"),
        ([1.0, np.nan], ValueError, r"diag must be finite; diag\[1\] is nan"),
        (["a", "b"], TypeError, "diag must be an array of real numbers"),
    ],
)
def test_diag(diag, exc, pattern):
    # SciPy reads past a short diag (an invalid read under valgrind); lmscope refuses it.
    with pytest.raises(exc, match=pattern):
        lmscope.leastsq(f, X0, diag=diag)


def test_non_positive_diag_is_scipys_improper_input():
    with pytest.raises(TypeError, match=r"diag must be positive, diag\[0\]=0"):
        lmscope.leastsq(f, X0, diag=[0.0, 1.0])


@pytest.mark.parametrize(
    "kwargs,exc,pattern",
    [
        (dict(callback=5), TypeError, "callback must be callable"),
        (dict(trace=[]), TypeError, "trace must be an lmscope.Trace"),
        (dict(stop=True), TypeError, r"stop must have an is_set\(\) method"),
    ],
)
def test_extensions(kwargs, exc, pattern):
    with pytest.raises(exc, match=pattern):
        lmscope.leastsq(f, X0, **kwargs)


def test_args_not_a_tuple_is_wrapped_as_scipy_does():
    def g(x, scale):
        return scale * f(x)

    ours = lmscope.leastsq(g, X0, args=2.0)
    theirs = scipy.optimize.leastsq(g, X0, args=2.0)
    np.testing.assert_array_equal(ours[0], theirs[0])


def test_residual_count_changing_mid_fit_is_an_error():
    calls = []

    def shifty(x):
        calls.append(1)
        return f(x) if len(calls) < 4 else f(x)[:2]

    with pytest.raises(
        ValueError, match=r"func returned an array of shape \(2,\) at this point, but 3"
    ):
        lmscope.leastsq(shifty, X0)
