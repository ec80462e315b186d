"""The MINPACK kernels of the C engine, each against numpy.

Matrices cross to C column-major (Fortran order), as the engine stores them.
"""

import numpy as np
import pytest
from lmscope._lmengine import ffi, lib

RNG = np.random.default_rng(20261125)


def _doubles(array):
    return ffi.from_buffer("double[]", array)


def _ints(array):
    return ffi.from_buffer("int[]", array)


def enorm(x):
    x = np.ascontiguousarray(x, dtype=np.float64)
    return lib.lm_enorm(x.size, _doubles(x))


def qrfac(a, pivot=True):
    """Returns (R, Householder part of a, ipvt, rdiag, acnorm) for an m x n a."""
    m, n = a.shape
    work = np.asfortranarray(a, dtype=np.float64).copy(order="F")
    ipvt = np.zeros(n, dtype=np.int32)
    rdiag, acnorm, wa = np.empty(n), np.empty(n), np.empty(n)
    flat = work.reshape(-1, order="F")
    lib.lm_qrfac(
        m,
        n,
        _doubles(flat),
        m,
        int(pivot),
        _ints(ipvt),
        _doubles(rdiag),
        _doubles(acnorm),
        _doubles(wa),
    )
    return flat.reshape((m, n), order="F"), ipvt, rdiag, acnorm


def q_from_householder(factored, n):
    """Q (m x m) from qrfac's Householder vectors: Q = Q_0 Q_1 ... Q_{n-1}."""
    m = factored.shape[0]
    q = np.eye(m)
    for j in reversed(range(n)):
        u = np.zeros(m)
        u[j:] = factored[j:, j]
        if u[j] != 0.0:
            q = q - np.outer(u, u @ q) / u[j]
    return q


class TestEnorm:
    def test_intermediate_values_match_numpy(self):
        x = RNG.standard_normal(1000)
        assert enorm(x) == pytest.approx(np.linalg.norm(x), rel=1e-15)

    @pytest.mark.parametrize("scale", [1e-300, 1e-160, 1e160, 1e300])
    def test_huge_and_tiny_components_neither_overflow_nor_underflow(self, scale):
        x = RNG.standard_normal(100)
        expected = np.linalg.norm(x) * scale  # numpy's own scaled norm is exact here
        assert np.isfinite(enorm(x * scale))
        assert enorm(x * scale) == pytest.approx(expected, rel=1e-14)

    def test_mixed_magnitudes(self):
        x = np.array([1e300, 3.0, 1e-300, 4e300, 0.0])
        assert enorm(x) == pytest.approx(np.hypot(1e300, 4e300), rel=1e-15)

    def test_sum_of_squares_would_overflow(self):
        # sqrt(sum x^2) in double precision gives inf here.
        x = np.full(4, 1e200)
        with np.errstate(over="ignore"):
            assert not np.isfinite(np.sqrt(np.sum(x * x)))
        assert enorm(x) == pytest.approx(2e200, rel=1e-15)

    def test_zero_vector(self):
        assert enorm(np.zeros(7)) == 0.0

    def test_nan_propagates(self):
        assert np.isnan(enorm(np.array([1.0, np.nan, 2.0])))


class TestQrfac:
    @pytest.mark.parametrize("m,n", [(5, 5), (12, 4), (40, 9)])
    def test_a_times_p_equals_q_times_r(self, m, n):
        a = RNG.standard_normal((m, n))
        factored, ipvt, rdiag, acnorm = qrfac(a)
        r = np.triu(factored[:n, :n], 1) + np.diag(rdiag)
        q = q_from_householder(factored, n)
        assert np.allclose(q.T @ q, np.eye(m), atol=1e-13)
        assert np.allclose(a[:, ipvt], q[:, :n] @ r, atol=1e-12)
        assert np.allclose(acnorm, np.linalg.norm(a, axis=0), rtol=1e-14)

    def test_pivoting_orders_the_diagonal_by_decreasing_magnitude(self):
        a = RNG.standard_normal((20, 6)) * np.array([1e-3, 1.0, 1e3, 1e-1, 1e2, 10.0])
        _, ipvt, rdiag, _ = qrfac(a)
        assert sorted(ipvt) == list(range(6))
        assert np.all(np.diff(np.abs(rdiag)) <= 0)
        # The first pivot is the column of largest norm.
        assert ipvt[0] == np.argmax(np.linalg.norm(a, axis=0))

    def test_without_pivoting_the_columns_stay_in_place(self):
        a = RNG.standard_normal((8, 3))
        factored, _, rdiag, _ = qrfac(a, pivot=False)
        r = np.triu(factored[:3, :3], 1) + np.diag(rdiag)
        q = q_from_householder(factored, 3)
        assert np.allclose(a, q[:, :3] @ r, atol=1e-13)

    def test_rank_deficient_input_gives_trailing_zero_diagonal(self):
        b = RNG.standard_normal((10, 2))
        a = np.column_stack([b[:, 0], b[:, 1], b[:, 0] + 2 * b[:, 1], 3 * b[:, 1]])
        factored, ipvt, rdiag, _ = qrfac(a)
        assert np.all(np.abs(rdiag[:2]) > 1e-3)
        assert np.all(np.abs(rdiag[2:]) < 1e-12 * np.abs(rdiag[0]))
        r = np.triu(factored[:4, :4], 1) + np.diag(rdiag)
        q = q_from_householder(factored, 4)
        assert np.allclose(a[:, ipvt], q[:, :4] @ r, atol=1e-12)


def _factored_system(m=15, n=5):
    a = RNG.standard_normal((m, n))
    b = RNG.standard_normal(m)
    factored, ipvt, rdiag, _ = qrfac(a)
    q = q_from_householder(factored, n)
    r = np.triu(factored[:n, :n], 1) + np.diag(rdiag)
    return a, b, r, ipvt, (q.T @ b)[:n]


def qrsolv(r, ipvt, diag, qtb):
    n = r.shape[0]
    r_f = np.asfortranarray(r).copy(order="F").reshape(-1, order="F")
    x, sdiag, wa = np.empty(n), np.empty(n), np.empty(n)
    lib.lm_qrsolv(
        n,
        _doubles(r_f),
        n,
        _ints(ipvt),
        _doubles(np.ascontiguousarray(diag)),
        _doubles(np.ascontiguousarray(qtb)),
        _doubles(x),
        _doubles(sdiag),
        _doubles(wa),
    )
    return x, r_f.reshape((n, n), order="F"), sdiag


class TestQrsolv:
    def test_solves_the_augmented_least_squares_problem(self):
        a, b, r, ipvt, qtb = _factored_system()
        diag = RNG.uniform(0.1, 2.0, a.shape[1])
        x, _, _ = qrsolv(r, ipvt, diag, qtb)
        augmented = np.vstack([a, np.diag(diag)])
        expected, *_ = np.linalg.lstsq(
            augmented, np.concatenate([b, np.zeros_like(diag)]), rcond=None
        )
        assert np.allclose(x, expected, rtol=1e-12, atol=1e-14)

    def test_leaves_r_upper_triangle_intact_and_returns_s(self):
        a, b, r, ipvt, qtb = _factored_system()
        diag = RNG.uniform(0.1, 2.0, a.shape[1])
        _, r_after, sdiag = qrsolv(r, ipvt, diag, qtb)
        assert np.array_equal(np.triu(r_after), np.triu(r))
        # S^T S = R^T R + P^T D^2 P, S upper with diagonal sdiag, strict upper in r's lower part.
        s = np.tril(r_after, -1).T + np.diag(sdiag)
        d_perm = np.diag(diag[ipvt])
        assert np.allclose(s.T @ s, r.T @ r + d_perm @ d_perm, rtol=1e-12, atol=1e-12)

    def test_zero_diag_reduces_to_gauss_newton(self):
        a, b, r, ipvt, qtb = _factored_system()
        x, _, _ = qrsolv(r, ipvt, np.zeros(a.shape[1]), qtb)
        expected, *_ = np.linalg.lstsq(a, b, rcond=None)
        assert np.allclose(x, expected, rtol=1e-11)


def lmpar(r, ipvt, diag, qtb, delta, par=0.0):
    n = r.shape[0]
    r_f = np.asfortranarray(r).copy(order="F").reshape(-1, order="F")
    x, sdiag, wa1, wa2 = (np.empty(n) for _ in range(4))
    par_io = ffi.new("double *", par)
    lib.lm_lmpar(
        n,
        _doubles(r_f),
        n,
        _ints(ipvt),
        _doubles(np.ascontiguousarray(diag)),
        _doubles(np.ascontiguousarray(qtb)),
        delta,
        par_io,
        _doubles(x),
        _doubles(sdiag),
        _doubles(wa1),
        _doubles(wa2),
    )
    return par_io[0], x


class TestLmpar:
    @pytest.mark.parametrize("fraction", [1e-3, 0.05, 0.3, 0.9])
    def test_step_length_meets_the_trust_region_condition(self, fraction):
        a, b, r, ipvt, qtb = _factored_system()
        diag = RNG.uniform(0.5, 3.0, a.shape[1])
        gauss_newton, *_ = np.linalg.lstsq(a, b, rcond=None)
        delta = fraction * np.linalg.norm(diag * gauss_newton)
        par, x = lmpar(r, ipvt, diag, qtb, delta)
        assert par > 0
        assert abs(np.linalg.norm(diag * x) - delta) <= 0.1 * delta
        # x solves (A^T A + par D^2) x = A^T b.
        lhs = a.T @ a + par * np.diag(diag**2)
        assert np.allclose(lhs @ x, a.T @ b, rtol=1e-10, atol=1e-12)

    def test_gauss_newton_step_inside_the_region_gives_par_zero(self):
        a, b, r, ipvt, qtb = _factored_system()
        diag = np.ones(a.shape[1])
        gauss_newton, *_ = np.linalg.lstsq(a, b, rcond=None)
        par, x = lmpar(r, ipvt, diag, qtb, 2.0 * np.linalg.norm(gauss_newton))
        assert par == 0.0
        assert np.allclose(x, gauss_newton, rtol=1e-12)

    def test_rank_deficient_r(self):
        b_cols = RNG.standard_normal((12, 2))
        a = np.column_stack([b_cols, b_cols[:, 0] - b_cols[:, 1]])
        b = RNG.standard_normal(12)
        factored, ipvt, rdiag, _ = qrfac(a)
        rdiag[np.abs(rdiag) < 1e-12] = 0.0  # exact singularity, as lmpar expects it
        r = np.triu(factored[:3, :3], 1) + np.diag(rdiag)
        qtb = (q_from_householder(factored, 3).T @ b)[:3]
        delta = 1e-2
        par, x = lmpar(r, ipvt, np.ones(3), qtb, delta)
        assert np.all(np.isfinite(x))
        assert abs(np.linalg.norm(x) - delta) <= 0.1 * delta


class TestUpperTriangularInverse:
    def test_inverse(self):
        r = np.triu(RNG.standard_normal((6, 6))) + 4 * np.eye(6)
        rinv = np.empty((6, 6))
        r_f = r.reshape(-1, order="F").copy()
        assert lib.lm_upper_triangular_inverse(6, _doubles(r_f), 6, _doubles(rinv)) == 0
        assert np.allclose(rinv.T @ r, np.eye(6), atol=1e-13)

    def test_zero_on_the_diagonal_is_reported(self):
        r = np.triu(np.ones((3, 3)))
        r[1, 1] = 0.0
        rinv = np.empty((3, 3))
        assert (
            lib.lm_upper_triangular_inverse(
                3, _doubles(r.reshape(-1, order="F").copy()), 3, _doubles(rinv)
            )
            == 2
        )


def _reference_qrfac(a):
    """MINPACK's qrfac one column at a time, in Python floats (IEEE doubles,
    no fused multiply-add), each dot product a plain loop in row order: the
    order of operations lm_qrfac's blocked dot products must keep."""
    m, n = a.shape
    cols = [[float(v) for v in a[:, j]] for j in range(n)]

    def norm(values):
        return lib.lm_enorm(len(values), _doubles(np.array(values))) if values else 0.0

    acnorm = [norm(c) for c in cols]
    rdiag, wa, ipvt = list(acnorm), list(acnorm), list(range(n))
    eps = float(np.finfo(float).eps)
    for j in range(min(m, n)):
        kmax = j
        for k in range(j, n):
            if rdiag[k] > rdiag[kmax]:
                kmax = k
        if kmax != j:
            cols[j], cols[kmax] = cols[kmax], cols[j]
            rdiag[kmax], wa[kmax] = rdiag[j], wa[j]
            ipvt[j], ipvt[kmax] = ipvt[kmax], ipvt[j]
        u = cols[j]
        ajnorm = norm(u[j:])
        if ajnorm != 0.0:
            if u[j] < 0.0:
                ajnorm = -ajnorm
            for i in range(j, m):
                u[i] /= ajnorm
            u[j] += 1.0
            for k in range(j + 1, n):
                c = cols[k]
                total = 0.0
                for i in range(j, m):
                    total += u[i] * c[i]
                temp = total / u[j]
                for i in range(j, m):
                    c[i] -= temp * u[i]
                if rdiag[k] != 0.0:
                    temp = c[j] / rdiag[k]
                    rdiag[k] *= np.sqrt(max(1.0 - temp * temp, 0.0))
                    if 0.05 * (rdiag[k] / wa[k]) ** 2 <= eps:
                        rdiag[k] = norm(c[j + 1 :])
                        wa[k] = rdiag[k]
        rdiag[j] = -ajnorm
    return np.array(cols).T, np.array(ipvt), np.array(rdiag), np.array(acnorm)


@pytest.mark.parametrize("m, n", [(30, 9), (12, 12), (40, 4), (7, 3), (25, 10)])
def test_blocked_qrfac_has_the_bits_of_the_one_column_algorithm(m, n):
    a = RNG.standard_normal((m, n)) * np.logspace(0, 3, n)
    a[:, -1] = a[:, 0] + 1e-9 * a[:, 1]  # nearly dependent: norms get recomputed
    factored, ipvt, rdiag, acnorm = qrfac(a)
    want = _reference_qrfac(a)
    for got, expected in zip((factored, ipvt, rdiag, acnorm), want):
        assert np.array_equal(got, expected)


def test_stoppable_kernels_stop_when_asked_and_agree_when_not():
    a, b, r, ipvt, qtb = _factored_system(m=20, n=6)
    n = 6
    flag = ffi.new("int *", 1)
    work = np.asfortranarray(a).copy(order="F").reshape(-1, order="F")
    outputs = [np.empty(n) for _ in range(3)]
    perm = np.zeros(n, dtype=np.int32)
    stopped = lib.lm_qrfac_stoppable(
        20, n, _doubles(work), 20, 1, _ints(perm), *map(_doubles, outputs), flag
    )
    assert stopped == 1
    # qrsolv, stopped at its first row, leaves R as it was.
    r_f = np.asfortranarray(r).copy(order="F").reshape(-1, order="F")
    x, sdiag, wa = np.empty(n), np.empty(n), np.empty(n)
    diag = np.ascontiguousarray(RNG.uniform(0.5, 2.0, n))
    args = (_doubles(diag), _doubles(np.ascontiguousarray(qtb)), _doubles(x), _doubles(sdiag))
    assert lib.lm_qrsolv_stoppable(n, _doubles(r_f), n, _ints(ipvt), *args, _doubles(wa), flag)
    assert np.array_equal(np.triu(r_f.reshape((n, n), order="F")), np.triu(r))
    # Not asked to stop: the same bits as the plain kernel.
    flag[0] = 0
    assert lib.lm_qrsolv_stoppable(n, _doubles(r_f), n, _ints(ipvt), *args, _doubles(wa), flag) == 0
    plain, _, plain_sdiag = qrsolv(r, ipvt, diag, qtb)
    assert np.array_equal(x, plain) and np.array_equal(sdiag, plain_sdiag)


def _column_norms(a):
    m, n = a.shape
    flat = np.asfortranarray(a, dtype=np.float64).reshape(-1, order="F").copy()
    norms = np.empty(n)
    finite = lib.lm_column_norms(m, n, _doubles(flat), m, _doubles(norms))
    return norms, finite


@pytest.mark.parametrize("n", range(1, 10))
def test_column_norms_have_the_bits_of_enorm_column_by_column(n):
    m = 37
    a = RNG.standard_normal((m, n)) * np.logspace(-3, 3, n)
    # Entries that lm_enorm sums apart from the intermediate ones, one kind
    # per column where there are enough columns; zeros everywhere.
    a[0, :] = 0.0
    specials = [1e-30, 5e-200, 1e25, 1e300, np.inf, np.nan, -np.inf, 3.834e-20]
    for j, value in enumerate(specials[: n - 1]):
        a[5 + j, j + 1] = value
    norms, finite = _column_norms(a)
    want = np.array([enorm(a[:, j]) for j in range(n)])
    assert np.array_equal(norms, want, equal_nan=True)
    assert finite == int(np.all(np.isfinite(want)))


def test_column_norms_of_zero_columns_and_of_no_rows():
    norms, finite = _column_norms(np.zeros((6, 3)))
    assert np.array_equal(norms, np.zeros(3)) and finite == 1
    norms, finite = _column_norms(np.zeros((0, 2)))
    assert np.array_equal(norms, np.zeros(2)) and finite == 1


def test_column_norms_report_a_norm_above_the_largest_double():
    # Finite entries whose norm overflows: the caller's exact scan decides.
    a = np.full((4, 2), 1.0)
    a[:2, 1] = 1.5e308
    norms, finite = _column_norms(a)
    assert norms[0] == 2.0 and norms[1] == np.inf and finite == 0


@pytest.mark.parametrize("m, n", [(30, 9), (12, 12), (40, 4), (7, 3), (25, 10), (9, 1)])
def test_qtb_in_the_factorization_has_the_bits_of_applying_q_after_it(m, n):
    """lmder applies the reflections to f after qrfac; lm_qrfac_qtb_stoppable
    applies them as they are made, in the columns' lanes."""
    a = RNG.standard_normal((m, n)) * np.logspace(0, 3, n)
    if n > 2:
        a[:, -1] = a[:, 0] + 1e-9 * a[:, 2]  # nearly dependent
        a[:, 1] = 0.0  # a zero column: no reflection at its step
    b = RNG.standard_normal(m)
    factored, ipvt, rdiag, acnorm = qrfac(a)
    # MINPACK's loop, in Python floats.
    u = [list(map(float, factored[:, j])) for j in range(n)]
    qtb = list(map(float, b))
    for j in range(n):
        if u[j][j] != 0.0:
            total = 0.0
            for i in range(j, m):
                total += u[j][i] * qtb[i]
            temp = -total / u[j][j]
            for i in range(j, m):
                qtb[i] += u[j][i] * temp

    work = np.asfortranarray(a).copy(order="F").reshape(-1, order="F")
    got_ipvt = np.zeros(n, dtype=np.int32)
    got_rdiag, norms, wa = np.empty(n), np.empty(n), np.empty(n)
    assert lib.lm_column_norms(m, n, _doubles(work), m, _doubles(norms)) == 1
    got_b = b.copy()
    stopped = lib.lm_qrfac_qtb_stoppable(
        m,
        n,
        _doubles(work),
        m,
        _ints(got_ipvt),
        _doubles(got_rdiag),
        _doubles(norms),
        _doubles(wa),
        _doubles(got_b),
        ffi.NULL,
    )
    assert stopped == 0
    assert np.array_equal(got_b, np.array(qtb))
    assert np.array_equal(work.reshape((m, n), order="F"), factored)
    assert np.array_equal(got_ipvt, ipvt) and np.array_equal(got_rdiag, rdiag)
    assert np.array_equal(norms, acnorm)
