"""lmscope.curve_fit side by side with scipy.optimize.curve_fit(method='lm').

SciPy 1.17 is the oracle: both run on the same inputs and lmscope must give
the same popt, pcov, residuals (infodict['fvec']), evaluation counts, ier and
message meaning, and the same warnings and exception types.

Tolerance: RTOL = 1e-10, entrywise relative, with an absolute floor of
RTOL * max|want| for arrays (a covariance's off-diagonal entry or a residual
can be small next to the rest of its array; rounding is relative to the
array's scale, not the entry's).  Evaluation counts and ier are exact.

One case has a wider, stated tolerance, FD_RTOL: a covariance sigma (2-D)
without jac.  There the weighted residuals come from a Cholesky factor and a
triangular solve, which numpy's and SciPy's LAPACK builds round differently in
the last bit, and forward differences (step sqrt(eps) |p|) turn last-bit
differences in the residuals into Jacobian differences of order sqrt(eps).
SciPy against itself, with sigma rescaled by 1 + 2**-52 (which changes no
result in exact arithmetic), differs by as much: over 80 seeded fits of
test_covariance_sigma_forward_differences' models, up to 2.9e-8 in popt and
1.2e-7 in pcov; lmscope against SciPy, up to 3.3e-8 and 1.1e-7, with nfev and
ier always equal.  With jac the same fits agree to RTOL.

The data are synthetic with a seeded RNG (numpy.random.default_rng(SEED)).
"""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import scipy.optimize

from lmscope import NonFiniteWarning, OptimizeWarning, Trace, curve_fit

RTOL = 1e-10
FD_RTOL = 1e-6  # 2-D sigma with forward differences only; see above
SEED = 20240611


# --- models --------------------------------------------------------------------------------


def decay(x, a, k, c):
    return a * np.exp(-k * x) + c


def decay_jac(x, a, k, c):
    e = np.exp(-k * x)
    return np.column_stack([e, -a * x * e, np.ones_like(x)])


def gaussian(x, height, centre, width):
    return height * np.exp(-0.5 * ((x - centre) / width) ** 2)


def gaussian_jac(x, height, centre, width):
    u = (x - centre) / width
    g = np.exp(-0.5 * u**2)
    return np.column_stack([g, height * g * u / width, height * g * u**2 / width])


def line(x, slope, intercept):
    return slope * x + intercept


# --- data ----------------------------------------------------------------------------------


def decay_data(m=60):
    rng = np.random.default_rng(SEED)
    x = np.linspace(0.0, 5.0, m)
    sigma = 0.02 + 0.05 * rng.uniform(size=m)  # heteroscedastic errors
    y = decay(x, 2.5, 1.3, 0.4) + sigma * rng.normal(size=m)
    return x, y, sigma


def gaussian_data(m=80):
    rng = np.random.default_rng(SEED + 1)
    x = np.linspace(-4.0, 6.0, m)
    sigma = 0.05 * (1.0 + rng.uniform(size=m))
    y = gaussian(x, 3.0, 1.2, 0.9) + sigma * rng.normal(size=m)
    return x, y, sigma


def correlated_covariance(x, sd, length=0.4):
    """A realistic data covariance: per-point standard deviations sd with
    correlations decaying as exp(-|x_i - x_j| / length) (an Ornstein-Uhlenbeck
    kernel, as for drifting detector noise), plus a small white-noise floor."""
    correlation = np.exp(-np.abs(x[:, None] - x[None, :]) / length)
    return np.outer(sd, sd) * correlation + np.diag((0.1 * sd) ** 2)


def correlated_data(model, truth, x, sd, seed):
    rng = np.random.default_rng(seed)
    cov = correlated_covariance(x, sd)
    y = model(x, *truth) + np.linalg.cholesky(cov) @ rng.normal(size=x.size)
    return y, cov


# --- comparison ----------------------------------------------------------------------------


def assert_close(got, want, what, rtol=RTOL):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape, f"{what}: shape {got.shape} != {want.shape}"
    finite = np.isfinite(want)
    np.testing.assert_array_equal(np.isfinite(got), finite, err_msg=what)
    np.testing.assert_array_equal(got[~finite], want[~finite], err_msg=what)
    if finite.any():
        floor = rtol * np.max(np.abs(want[finite]))
        np.testing.assert_allclose(got[finite], want[finite], rtol=rtol, atol=floor, err_msg=what)


def meaning(mesg: str) -> str:
    """A leastsq message without its numbers: SciPy prints ftol as 0.000000,
    lmscope as ftol=1.49012e-08; the words must agree."""
    text = re.sub(r"\b[fxg]tol=", "", mesg)
    text = re.sub(r"\d+(\.\d+)?(e[-+]?\d+)?", "#", text)
    return " ".join(text.split())


def run_both(f, xdata, ydata, **kwargs):
    """Both full outputs and the warning categories each raised."""
    with warnings.catch_warnings(record=True) as caught_w:
        warnings.simplefilter("always")
        want = scipy.optimize.curve_fit(f, xdata, ydata, method="lm", full_output=True, **kwargs)
    with warnings.catch_warnings(record=True) as caught_g:
        warnings.simplefilter("always")
        got = curve_fit(f, xdata, ydata, full_output=True, **kwargs)
    return got, want, [w.category for w in caught_g], [w.category for w in caught_w]


def assert_same_fit(got, want, rtol=RTOL):
    popt_g, pcov_g, info_g, mesg_g, ier_g = got
    popt_w, pcov_w, info_w, mesg_w, ier_w = want
    assert ier_g == ier_w
    assert meaning(mesg_g) == meaning(mesg_w)
    assert info_g["nfev"] == info_w["nfev"]
    assert info_g.get("njev") == info_w.get("njev")
    assert_close(popt_g, popt_w, "popt", rtol)
    assert_close(pcov_g, pcov_w, "pcov", rtol)
    assert_close(info_g["fvec"], info_w["fvec"], "fvec", rtol)


def assert_parity(f, xdata, ydata, rtol=RTOL, **kwargs):
    got, want, warned_g, warned_w = run_both(f, xdata, ydata, **kwargs)
    assert_same_fit(got, want, rtol)
    assert warned_g == [] and warned_w == []
    return got


# --- parity --------------------------------------------------------------------------------


@pytest.mark.parametrize("absolute_sigma", [False, True])
@pytest.mark.parametrize(
    "weights, with_jac",
    [
        ("none", False),
        ("none", True),
        ("scalar", False),
        ("1-D", False),
        ("1-D", True),
        # a scalar sigma with jac: SciPy fails, see test_scalar_sigma_with_jac
    ],
)
def test_decay(weights, absolute_sigma, with_jac):
    x, y, sd = decay_data()
    sigma = {"none": None, "scalar": 0.03, "1-D": sd}[weights]
    assert_parity(
        decay,
        x,
        y,
        p0=[1.0, 1.0, 0.0],
        sigma=sigma,
        absolute_sigma=absolute_sigma,
        jac=decay_jac if with_jac else None,
    )


@pytest.mark.parametrize("absolute_sigma", [False, True])
@pytest.mark.parametrize("weights", ["none", "1-D"])
@pytest.mark.parametrize("with_jac", [False, True], ids=["nojac", "jac"])
def test_gaussian(weights, absolute_sigma, with_jac):
    x, y, sd = gaussian_data()
    assert_parity(
        gaussian,
        x,
        y,
        p0=[2.0, 0.5, 1.5],
        sigma=sd if weights == "1-D" else None,
        absolute_sigma=absolute_sigma,
        jac=gaussian_jac if with_jac else None,
    )


COVARIANCE_MODELS = pytest.mark.parametrize(
    "model, model_jac, truth, p0",
    [
        (decay, decay_jac, (2.5, 1.3, 0.4), (1.0, 1.0, 0.0)),
        (gaussian, gaussian_jac, (3.0, 1.2, 0.9), (2.0, 0.5, 1.5)),
    ],
    ids=["decay", "gaussian"],
)


def covariance_problem(model, truth, seed=SEED + 2):
    x = np.linspace(-1.0, 5.0, 70)
    sd = 0.03 * (1.0 + 0.5 * np.sin(x) ** 2)
    y, cov = correlated_data(model, truth, x, sd, seed)
    return x, y, cov


@pytest.mark.parametrize("absolute_sigma", [False, True])
@COVARIANCE_MODELS
def test_covariance_sigma(model, model_jac, truth, p0, absolute_sigma):
    x, y, cov = covariance_problem(model, truth)
    popt = assert_parity(
        model, x, y, p0=p0, sigma=cov, absolute_sigma=absolute_sigma, jac=model_jac
    )[0]
    np.testing.assert_allclose(popt, truth, atol=0.2)  # a sanity check on the data


@pytest.mark.parametrize("absolute_sigma", [False, True])
@COVARIANCE_MODELS
def test_covariance_sigma_forward_differences(model, model_jac, truth, p0, absolute_sigma):
    """FD_RTOL, not RTOL: see the module docstring.  The path is the same
    (nfev, ier exact); only forward-difference rounding differs."""
    x, y, cov = covariance_problem(model, truth)
    assert_parity(model, x, y, rtol=FD_RTOL, p0=p0, sigma=cov, absolute_sigma=absolute_sigma)


def test_diagonal_covariance_is_1d_sigma():
    """sigma = diag(sd**2) weights the residuals as sigma = sd does.  With jac:
    sqrt(sd**2) and 1/sd round differently from sd, and forward differences
    would magnify that (see FD_RTOL)."""
    x, y, sd = decay_data()
    kwargs = dict(p0=[1, 1, 0], jac=decay_jac)
    popt_1d, pcov_1d = curve_fit(decay, x, y, sigma=sd, **kwargs)
    popt_2d, pcov_2d = curve_fit(decay, x, y, sigma=np.diag(sd**2), **kwargs)
    assert_close(popt_2d, popt_1d, "popt")
    assert_close(pcov_2d, pcov_1d, "pcov")


def test_p0_from_signature():
    x, y, _ = decay_data()
    got = assert_parity(decay, x, y)
    assert got[2]["nfev"] > 0


def test_p0_from_bound_method():
    class Model:
        def evaluate(self, x, a, k, c):
            return decay(x, a, k, c)

    x, y, _ = decay_data()
    assert_parity(Model().evaluate, x, y)


def test_lm_keywords_pass_to_leastsq():
    x, y, sd = gaussian_data()
    assert_parity(
        gaussian,
        x,
        y,
        p0=[2.0, 0.5, 1.5],
        sigma=sd,
        ftol=1e-4,
        xtol=1e-4,
        epsfcn=1e-10,
        factor=10,
        diag=[1.0, 2.0, 1.0],
    )


def test_multidimensional_xdata():
    rng = np.random.default_rng(SEED + 3)
    xy = rng.uniform(-1, 1, size=(2, 50))

    def plane(v, a, b, c):
        return a * v[0] + b * v[1] + c * v[0] * v[1]

    z = plane(xy, 1.0, -2.0, 0.5) + 0.01 * rng.normal(size=50)
    assert_parity(plane, xy, z)


def test_list_inputs():
    x, y, sd = decay_data(20)
    assert_parity(decay, list(x), list(y), p0=(1, 1, 0), sigma=list(sd))


def test_scalar_model_broadcasts_against_ydata():
    """A model returning one value fits a constant, as in SciPy."""
    x, y, _ = decay_data()
    assert_parity(lambda x, c: c, x, y)


def test_scalar_sigma_with_jac():
    """SciPy 1.17 raises 'expected square matrix' for a scalar sigma with jac
    (its Jacobian wrapper treats a 0-d sigma as a covariance).  lmscope
    weights by it as for the residuals: the same fit as sigma repeated."""
    x, y, _ = decay_data()
    kwargs = dict(p0=[1.0, 1.0, 0.0], jac=decay_jac)
    with pytest.raises(ValueError, match="square"):
        scipy.optimize.curve_fit(decay, x, y, sigma=0.03, method="lm", **kwargs)
    got = curve_fit(decay, x, y, sigma=0.03, full_output=True, **kwargs)
    want = scipy.optimize.curve_fit(
        decay, x, y, sigma=np.full(x.size, 0.03), method="lm", full_output=True, **kwargs
    )
    assert_same_fit(got, want)


def test_inputs_untouched():
    x, y, sd = decay_data()
    cov = correlated_covariance(x, sd)
    p0 = np.array([1.0, 1.0, 0.0])
    copies = [a.copy() for a in (x, y, cov, p0)]
    curve_fit(decay, x, y, p0=p0, sigma=cov, jac=decay_jac)
    for before, after in zip(copies, (x, y, cov, p0)):
        np.testing.assert_array_equal(before, after)


# --- the covariance that cannot be estimated ------------------------------------------------


def test_redundant_parameter_gives_inf_pcov():
    """b does not enter the model: its Jacobian column is zero, R is singular."""

    def model(x, a, b):
        return a * x

    x, y, _ = decay_data()
    got, want, warned_g, warned_w = run_both(model, x, y)
    assert_same_fit(got, want)
    assert np.all(np.isinf(got[1]))
    assert warned_w == [scipy.optimize.OptimizeWarning]
    assert len(warned_g) == 1 and issubclass(warned_g[0], OptimizeWarning)


@pytest.mark.parametrize("absolute_sigma", [False, True])
def test_as_many_points_as_parameters(absolute_sigma):
    """m == n: the residual variance chi2 / (m - n) is undefined, so pcov is
    inf unless sigma is absolute (then it is (J^T J)^-1 and no warning)."""
    x, y = np.array([0.0, 1.0]), np.array([1.0, 3.5])
    got, want, warned_g, warned_w = run_both(
        line, x, y, sigma=[0.1, 0.2], absolute_sigma=absolute_sigma
    )
    assert_same_fit(got, want)
    assert np.all(np.isinf(got[1])) != absolute_sigma
    expected = 0 if absolute_sigma else 1
    assert len(warned_g) == expected and all(issubclass(w, OptimizeWarning) for w in warned_g)
    assert warned_w == [scipy.optimize.OptimizeWarning] * expected


def test_optimize_warning_text():
    x, y = np.array([0.0, 1.0]), np.array([1.0, 3.5])
    with pytest.warns(
        OptimizeWarning,
        match=r"Covariance of the parameters could not be estimated: "
        r"there are 2 residuals for 2 parameters",
    ):
        curve_fit(line, x, y)


def test_optimize_warning_is_lmscopes_own():
    assert issubclass(OptimizeWarning, UserWarning)
    assert OptimizeWarning is not scipy.optimize.OptimizeWarning


def test_filters_on_scipys_optimize_warning_catch_lmscopes():
    """A user who swaps the import keeps SciPy's warning filters."""
    x, y = np.array([0.0, 1.0]), np.array([1.0, 3.5])
    with pytest.warns(scipy.optimize.OptimizeWarning, match="could not be estimated"):
        curve_fit(line, x, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", scipy.optimize.OptimizeWarning)
        curve_fit(line, x, y)  # ignored, so not raised as an error
    with warnings.catch_warnings():
        warnings.simplefilter("error", scipy.optimize.OptimizeWarning)
        with pytest.raises(scipy.optimize.OptimizeWarning) as raised:
            curve_fit(line, x, y)
    assert isinstance(raised.value, OptimizeWarning)


def test_optimize_warning_without_scipy():
    """SciPy is optional: with it unimportable, lmscope imports, fits and
    warns with its own OptimizeWarning."""
    code = """
import sys, warnings
sys.modules["scipy"] = None  # any import of scipy now fails
import numpy as np
import lmscope
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    popt, pcov = lmscope.curve_fit(lambda x, a, b: a * x + b, [0.0, 1.0], [1.0, 3.5])
assert [w.category for w in caught] == [lmscope.OptimizeWarning], caught
assert np.allclose(popt, [2.5, 1.0])
assert "scipy" not in {name.split(".")[0] for name in sys.modules if sys.modules[name]}
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


# --- failure -------------------------------------------------------------------------------


@pytest.mark.parametrize("with_jac", [False, True], ids=["nojac", "jac"])
def test_failure_raises_runtime_error(with_jac):
    x, y, _ = decay_data()
    jac = decay_jac if with_jac else None
    with pytest.raises(RuntimeError) as want:
        scipy.optimize.curve_fit(decay, x, y, method="lm", jac=jac, maxfev=3)
    with pytest.raises(RuntimeError, match="^Optimal parameters not found: ") as got:
        curve_fit(decay, x, y, jac=jac, maxfev=3)
    assert meaning(str(got.value)) == meaning(str(want.value))
    assert "maxfev = 3" in str(got.value)


def test_stop_by_callback_raises_runtime_error():
    x, y, _ = decay_data()
    with pytest.raises(RuntimeError, match="Optimal parameters not found: The fit was stopped"):
        curve_fit(decay, x, y, callback=lambda step: True)


def test_trace_and_stop_pass_through():
    x, y, sd = decay_data()
    trace = Trace()
    stop = threading.Event()
    got = curve_fit(decay, x, y, sigma=sd, trace=trace, stop=stop, full_output=True)
    want = scipy.optimize.curve_fit(decay, x, y, sigma=sd, method="lm", full_output=True)
    assert_same_fit(got, want)
    assert len(trace) > 1


def test_model_error_propagates():
    def model(x, a):
        raise ZeroDivisionError("inside the model")

    with pytest.raises(ZeroDivisionError, match="inside the model"):
        curve_fit(model, [0.0, 1.0, 2.0], [1.0, 2.0, 3.0])


def test_threads():
    """No shared state: fits on a thread pool equal the same fits in turn."""
    datasets = [decay_data(m) for m in range(30, 46)]

    def fit(data):
        x, y, sd = data
        return curve_fit(decay, x, y, sigma=correlated_covariance(x, sd), jac=decay_jac)

    serial = [fit(d) for d in datasets]
    with ThreadPoolExecutor(max_workers=8) as pool:
        parallel = list(pool.map(fit, datasets))
    for (p_s, c_s), (p_p, c_p) in zip(serial, parallel):
        np.testing.assert_array_equal(p_s, p_p)
        np.testing.assert_array_equal(c_s, c_p)


def test_never_imports_scipy():
    code = (
        "import sys, numpy as np, lmscope\n"
        "x = np.linspace(0, 1, 8)\n"
        "s = np.diag(np.full(8, 0.01)) + 0.001\n"
        "y = 2 * x + 1 + 0.01 * np.sin(9 * x)\n"
        "lmscope.curve_fit(lambda x, a, b: a * x + b, x, y, sigma=s, nan_policy='omit')\n"
        "assert not [m for m in sys.modules if m.split('.')[0] == 'scipy']\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --- non-finite data -----------------------------------------------------------------------


@pytest.mark.parametrize("where", ["xdata", "ydata"])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_check_finite_rejects(where, bad):
    x, y, _ = decay_data()
    data = {"xdata": x.copy(), "ydata": y.copy()}
    data[where][7] = bad
    with pytest.raises(ValueError):
        scipy.optimize.curve_fit(decay, data["xdata"], data["ydata"], method="lm")
    with pytest.raises(ValueError, match=rf"^{where} must be finite; {where}.flat\[7\] is"):
        curve_fit(decay, data["xdata"], data["ydata"])


def test_check_finite_explicit_wins_over_nan_policy():
    x, y, _ = decay_data()
    y[3] = np.nan
    with pytest.raises(ValueError, match="ydata must be finite"):
        curve_fit(decay, x, y, check_finite=True, nan_policy="omit")


def nan_data():
    x, y, sd = decay_data()
    x, y = x.copy(), y.copy()
    x[[4, 20]] = np.nan
    y[[9, 20, 41]] = np.nan
    return x, y, sd


@pytest.mark.parametrize("weights", ["none", "scalar", "1-D", "2-D"])
def test_nan_policy_omit(weights):
    x, y, sd = nan_data()
    finite_x = np.nan_to_num(x, nan=1.0)
    sigma = {"none": None, "scalar": 0.03, "1-D": sd, "2-D": correlated_covariance(finite_x, sd)}[
        weights
    ]
    # jac with the covariance: see FD_RTOL
    kwargs = dict(p0=[1.0, 1.0, 0.0], jac=decay_jac if weights == "2-D" else None)
    got = assert_parity(decay, x, y, sigma=sigma, nan_policy="omit", **kwargs)
    assert got[2]["fvec"].size == x.size - 4
    # the same as dropping the points by hand
    keep = ~(np.isnan(x) | np.isnan(y))
    if weights in ("1-D", "2-D"):
        sigma = sigma[keep] if weights == "1-D" else sigma[np.ix_(keep, keep)]
    popt, pcov = curve_fit(decay, x[keep], y[keep], sigma=sigma, **kwargs)
    assert_close(got[0], popt, "popt")
    assert_close(got[1], pcov, "pcov")


def test_nan_policy_omit_2d_xdata():
    rng = np.random.default_rng(SEED + 4)
    xy = rng.uniform(-1, 1, size=(2, 40))

    def plane(v, a, b):
        return a * v[0] + b * v[1]

    z = plane(xy, 1.0, -2.0) + 0.01 * rng.normal(size=40)
    xy[1, 5] = np.nan
    z[11] = np.nan
    got = assert_parity(plane, xy, z, nan_policy="omit")
    assert got[2]["fvec"].size == 38


def test_nan_policy_raise():
    x, y, _ = nan_data()
    with pytest.raises(ValueError):
        scipy.optimize.curve_fit(decay, x, y, method="lm", nan_policy="raise")
    with pytest.raises(ValueError, match=r"xdata contains NaN \(nan_policy='raise'; 2 of 60\)"):
        curve_fit(decay, x, y, nan_policy="raise")


def test_nan_policy_propagate_refused():
    x, y, _ = decay_data()
    with pytest.raises(ValueError, match="propagate"):
        scipy.optimize.curve_fit(decay, x, y, method="lm", nan_policy="propagate")
    with pytest.raises(ValueError, match="nan_policy='propagate' is not supported"):
        curve_fit(decay, x, y, nan_policy="propagate")


def test_nan_policy_unknown():
    x, y, _ = decay_data()
    with pytest.raises(ValueError, match="nan_policy must be one of"):
        curve_fit(decay, x, y, nan_policy="ignore")


# --- bad input -----------------------------------------------------------------------------


def test_length_mismatch():
    x, y, _ = decay_data()
    with pytest.raises(ValueError):
        scipy.optimize.curve_fit(decay, x, y[:-5], method="lm")
    with pytest.raises(
        ValueError,
        match=r"returned shape \(60,\) but ydata has shape \(55,\) "
        r"\(xdata has shape \(60,\)\)",
    ):
        curve_fit(decay, x, y[:-5])


@pytest.mark.parametrize("shape", [(59,), (60, 59), (3, 60, 60)])
def test_sigma_wrong_shape(shape):
    x, y, _ = decay_data()
    sigma = np.ones(shape)
    with pytest.raises(ValueError, match="sigma"):
        scipy.optimize.curve_fit(decay, x, y, sigma=sigma, method="lm")
    with pytest.raises(
        ValueError,
        match=rf"^sigma has shape {re.escape(str(shape))} but "
        rf"ydata has 60 points",
    ):
        curve_fit(decay, x, y, sigma=sigma)


def test_sigma_not_positive_definite():
    x, y, _ = decay_data()
    cov = np.eye(x.size)
    cov[5, 5] = -1.0
    with pytest.raises(ValueError, match="positive definite"):
        scipy.optimize.curve_fit(decay, x, y, sigma=cov, method="lm")
    with pytest.raises(ValueError, match="sigma must be positive definite"):
        curve_fit(decay, x, y, sigma=cov)


@pytest.mark.parametrize("bad", [0.0, np.nan])
def test_sigma_zero_or_nan(bad):
    """SciPy divides by sigma regardless (an inf or NaN weight); lmscope refuses."""
    x, y, sd = decay_data()
    sd = sd.copy()
    sd[8] = bad
    with pytest.raises(ValueError, match=r"sigma must be non-zero and not NaN; sigma.flat\[8\]"):
        curve_fit(decay, x, y, sigma=sd)


def test_infinite_sigma_drops_the_point():
    x, y, sd = decay_data()
    sd = sd.copy()
    sd[8] = np.inf
    assert_parity(decay, x, y, p0=[1.0, 1.0, 0.0], sigma=sd, absolute_sigma=True)


@pytest.mark.parametrize("f", [None, 3.0, "decay"])
def test_f_not_callable(f):
    with pytest.raises(TypeError, match=r"^f must be callable"):
        curve_fit(f, [0.0, 1.0, 2.0], [1.0, 2.0, 3.0], p0=[1.0])


def test_jac_not_callable():
    with pytest.raises(TypeError, match=r"^jac must be a callable"):
        curve_fit(line, [0.0, 1.0, 2.0], [1.0, 2.0, 3.0], jac="2-point")


def test_jac_wrong_shape_with_sigma():
    x, y, sd = decay_data()
    with pytest.raises(ValueError, match=r"jac\(xdata, \*params\) returned shape \(3, 60\)"):
        curve_fit(decay, x, y, sigma=sd, jac=lambda *a: decay_jac(*a).T)


def test_more_parameters_than_points():
    x, y = np.array([0.0, 1.0]), np.array([1.0, 2.0])
    with pytest.raises(TypeError, match="must not exceed"):
        scipy.optimize.curve_fit(decay, x, y, method="lm")
    with pytest.raises(
        TypeError,
        match=r"parameters=3 must not exceed the number of data "
        r"points=2",
    ):
        curve_fit(decay, x, y)


def test_p0_undeterminable():
    def model(x, *params):
        return params[0] * x

    with pytest.raises(ValueError, match="Unable to determine number of fit parameters"):
        scipy.optimize.curve_fit(model, [0.0, 1.0, 2.0], [0.0, 1.0, 2.0], method="lm")
    with pytest.raises(ValueError, match=r"Unable to determine number of fit parameters.*p0"):
        curve_fit(model, [0.0, 1.0, 2.0], [0.0, 1.0, 2.0])


@pytest.mark.parametrize(
    "p0, error",
    [([1.0, np.nan, 0.0], ValueError), ([1.0, 1j, 0.0], TypeError), (["a", "b", "c"], TypeError)],
)
def test_bad_p0(p0, error):
    x, y, _ = decay_data()
    with pytest.raises(error, match=r"^p0 must be"):
        curve_fit(decay, x, y, p0=p0)


@pytest.mark.parametrize("what", ["xdata", "ydata"])
def test_complex_data(what):
    data = {"xdata": np.arange(5.0), "ydata": np.arange(5.0)}
    data[what] = data[what] + 1j
    with pytest.raises(TypeError, match=rf"^{what} must be real"):
        curve_fit(line, data["xdata"], data["ydata"])


def test_empty_and_2d_ydata():
    with pytest.raises(ValueError, match="ydata must not be empty"):
        curve_fit(line, [], [], p0=[1.0, 1.0])
    with pytest.raises(ValueError, match=r"ydata must be 1-D.*shape \(2, 3\)"):
        curve_fit(line, np.ones((2, 3)), np.ones((2, 3)))


def test_args_keyword_refused():
    with pytest.raises(ValueError, match="'args' is not a supported keyword argument"):
        scipy.optimize.curve_fit(line, [0.0, 1.0, 2.0], [1.0, 2.0, 3.0], args=(1,))
    with pytest.raises(ValueError, match="'args' is not a supported keyword argument"):
        curve_fit(line, [0.0, 1.0, 2.0], [1.0, 2.0, 3.0], args=(1,))


@pytest.mark.parametrize("method", ["trf", "dogbox", "LM"])
def test_other_methods_refused(method):
    with pytest.raises(ValueError, match=f"method='{method}' is not available"):
        curve_fit(line, [0.0, 1.0, 2.0], [1.0, 2.0, 3.0], method=method)


def test_infinite_bounds_accepted():
    x, y, _ = decay_data()
    assert_parity(decay, x, y, bounds=([-np.inf] * 3, np.inf))
    # with p0: SciPy takes the parameter count from a scalar Bounds' lb
    assert_parity(decay, x, y, p0=[1.0, 1.0, 0.0], bounds=scipy.optimize.Bounds(-np.inf, np.inf))


def test_non_finite_model_raises_runtime_error():
    """SciPy fits NaN residuals and reports success; lmscope's leastsq stops
    with ier = -3 and a NonFiniteWarning, and curve_fit raises."""
    x = np.linspace(0.0, 1.0, 5)
    with (
        pytest.warns(NonFiniteWarning),
        pytest.raises(
            RuntimeError, match="^Optimal parameters not found: The fit met non-finite values"
        ),
    ):
        curve_fit(lambda x, a: np.full_like(x, np.nan), x, x)
