"""Parity of lmscope.leastsq with scipy.optimize.leastsq on the MINPACK-1 cases.

Both solvers run side by side on the same functions (lmscope.problems), all 53
cases of the MINPACK-1 drivers, with and without an analytic Jacobian, called
as the drivers call lmder1/lmdif1: ftol = xtol = sqrt(eps), gtol = 0, default
maxfev, factor = 100. SciPy is the oracle: the same ier, message and
evaluation counts, the same trial points, and every output array within
RTOL (ipvt exactly).
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.optimize
from oracle import assert_close, message_words

from lmscope import leastsq
from lmscope.problems import CASES, Case

SQRT_EPS = float(np.sqrt(np.finfo(float).eps))  # the drivers' ftol and xtol
RTOL = 1e-10
ZERO_RESIDUAL = 1e-10  # a final ||f|| below this counts as zero

# (case number, with_dfun) -> why. Cases where the sequence of trial points
# legitimately depends on last-bit rounding, so that the two solvers may part
# ways; for these only the outcome is compared (see _assert_same_outcome).
# Filled in after measurement; every entry needs its reason.
ROUNDING_DECIDES: dict[tuple[int, bool], str] = {}

# (case number, with_dfun) -> why. Not about lmscope: SciPy 1.17.1 itself does
# not reproduce its own result here from one run to the next (measured: 16
# processes, each running every case 3 times; and 60 runs of this file after
# test_problems.py). It depends on memory addresses, not on the values
# computed: SciPy's _minpack calls no BLAS, yet the outcome can change with the
# alignment of the array func returns. Cases 3-4: the Jacobian has rank 1;
# after the QR's first pivot the other column norms are rounding noise (~1e-14)
# and the next pivot follows the noise. Case 49 (x0_j all equal, so the
# columns start out tied): with Dfun a zero residual, where fvec and qtf end as
# rounding noise (~1e-15); without, the trial points part early. Every outcome
# is a minimiser with the same ||f||. Checked like ROUNDING_DECIDES.
SCIPY_IRREPRODUCIBLE: dict[tuple[int, bool], str] = {
    (3, True): "linear rank-1 m=10: ier 1 with netlib's x, or ier 3 with x = 1,1,1,1,-1.97",
    (3, False): "linear rank-1 m=10: ier 1, ipvt and x differ between runs",
    (4, True): "linear rank-1 m=50: ier 1, ipvt and x differ between runs",
    (4, False): "linear rank-1 m=50: nfev 15 or 16 between runs",
    (49, True): "brown-almost-linear x100: zero residual; qtf noise differs by 50%",
    (49, False): "brown-almost-linear x100: all x0_j equal, near-tied column norms; "
    "trial points part at evaluation ~24 of 354 (same ier, nfev, ||f|| = 1)",
}

PARAMS = [
    pytest.param(c, with_dfun, id=f"{c.id}-{'dfun' if with_dfun else 'nodfun'}")
    for c in CASES
    for with_dfun in (True, False)
]


class _Recorder:
    """Wrap func and jac; log every point each is evaluated at, in order."""

    def __init__(self, c: Case):
        self.case = c
        self.log: list[tuple[str, np.ndarray]] = []

    def func(self, x):
        self.log.append(("f", np.array(x, dtype=float, copy=True)))
        return self.case.func(x)

    def jac(self, x):
        self.log.append(("j", np.array(x, dtype=float, copy=True)))
        return self.case.jac(x)


def _fit(solver, c: Case, with_dfun: bool):
    rec = _Recorder(c)
    out = solver(
        rec.func,
        c.x0,
        Dfun=rec.jac if with_dfun else None,
        full_output=True,
        ftol=SQRT_EPS,
        xtol=SQRT_EPS,
        gtol=0.0,
        factor=100.0,
    )
    return out, rec.log


def _assert_same_path(got_log, want_log, count: int):
    # MINPACK's own evaluations are the last `count`; before them a wrapper may
    # call func/Dfun to check shapes (SciPy does), which is not compared.
    got, want = got_log[len(got_log) - count :], want_log[len(want_log) - count :]
    assert len(got) == len(want) == count
    for k, ((kg, xg), (kw, xw)) in enumerate(zip(got, want)):
        assert kg == kw, f"evaluation {k + 1} of {count}: {kg} vs SciPy's {kw}"
        assert_close(xg, xw, f"point of evaluation {k + 1} of {count} ({kw})")


def _assert_same_outcome(got, want, why: str):
    """For ROUNDING_DECIDES: both stop the same way, at the same ||f||."""
    _, _, info_g, _, ier_g = got
    _, _, info_w, _, ier_w = want
    success = {1, 2, 3, 4}
    assert ier_g == ier_w or (ier_g in success and ier_w in success), why
    fn_g = float(np.linalg.norm(info_g["fvec"]))
    fn_w = float(np.linalg.norm(info_w["fvec"]))
    if fn_w <= ZERO_RESIDUAL:
        assert fn_g <= ZERO_RESIDUAL, why
    else:
        assert fn_g == pytest.approx(fn_w, rel=1e-6), why


def test_loose_lists_name_real_cases():
    numbers = {c.number for c in CASES}
    for (number, with_dfun), why in {**ROUNDING_DECIDES, **SCIPY_IRREPRODUCIBLE}.items():
        assert number in numbers and isinstance(with_dfun, bool) and why.strip()


@pytest.mark.parametrize("c, with_dfun", PARAMS)
def test_parity_with_scipy_minpack1(c: Case, with_dfun: bool):
    want, want_log = _fit(scipy.optimize.leastsq, c, with_dfun)
    got, got_log = _fit(leastsq, c, with_dfun)
    assert len(got) == len(want) == 5, "full_output=True returns 5 values"

    key = (c.number, with_dfun)
    loose = ROUNDING_DECIDES.get(key) or SCIPY_IRREPRODUCIBLE.get(key)
    if loose:
        _assert_same_outcome(got, want, loose)
        return

    x_g, cov_g, info_g, mesg_g, ier_g = got
    x_w, cov_w, info_w, mesg_w, ier_w = want

    assert ier_g == ier_w
    assert message_words(mesg_g) == message_words(mesg_w), (mesg_g, mesg_w)
    assert set(info_w) <= set(info_g), f"infodict lacks {set(info_w) - set(info_g)}"
    assert info_g["nfev"] == info_w["nfev"]
    if with_dfun:
        assert info_g["njev"] == info_w["njev"]

    count = info_w["nfev"] + (info_w["njev"] if with_dfun else 0)
    _assert_same_path(got_log, want_log, count)

    assert_close(x_g, x_w, "x")
    assert_close(info_g["fvec"], info_w["fvec"], "infodict['fvec']")
    assert_close(info_g["fjac"], info_w["fjac"], "infodict['fjac']")
    assert np.array_equal(info_g["ipvt"], info_w["ipvt"]), (
        f"infodict['ipvt'] {info_g['ipvt']} != SciPy's {info_w['ipvt']}"
    )
    assert_close(info_g["qtf"], info_w["qtf"], "infodict['qtf']")
    assert (cov_g is None) == (cov_w is None), (
        f"cov_x is {'None' if cov_g is None else 'an array'}, "
        f"SciPy's is {'None' if cov_w is None else 'an array'}"
    )
    if cov_w is not None:
        assert_close(cov_g, cov_w, "cov_x")


@pytest.mark.parametrize("number, with_dfun", sorted(SCIPY_IRREPRODUCIBLE))
def test_lmscope_reproduces_its_own_result_where_scipy_does_not(number, with_dfun):
    c = next(c for c in CASES if c.number == number)
    runs = []
    for padding in range(6):
        # Different allocation patterns between runs: lmscope's result must not care.
        ballast = [np.empty(17 * padding + 1) for _ in range(padding)]
        out, _ = _fit(leastsq, c, with_dfun)
        runs.append((out[0].tobytes(), out[2]["fvec"].tobytes(), out[2]["nfev"], out[4]))
        del ballast
    assert all(run == runs[0] for run in runs)
