"""The MINPACK-1 nonlinear least-squares test problems.

The 18 problems of Moré, Garbow and Hillstrom, numbered, sized and started as
in the MINPACK-1 test drivers, with their analytic Jacobians, and the drivers'
table of 53 cases (problem, n, m, starting factor 1, 10 or 100).

References
----------
J. J. Moré, B. S. Garbow and K. E. Hillstrom, "Testing unconstrained
optimization software", ACM Trans. Math. Software 7(1), 17-41, 1981.
(Formulas and standard starting points; its problem numbers are quoted as
"MGH 32" etc. in each problem's citation.)

J. J. Moré, B. S. Garbow and K. E. Hillstrom, "User Guide for MINPACK-1",
Argonne National Laboratory report ANL-80-74, 1980, chapter 4: the test
routines ``ssqfcn`` (residuals), ``ssqjac`` (Jacobian), ``initpt`` (starting
points) and the drivers' table of cases. The problem numbers (``nprob``) and
the case numbers here are the drivers', not the paper's.

Every residual is computed in the order of arithmetic of the formula as the
drivers write it (sums accumulated left to right, one term at a time), so that
two solvers given these functions see the same numbers as the Fortran ones,
up to the last bit of the elementary functions (exp, sin, ...).

Each ``func(x)`` returns a new array of shape (m,), each ``jac(x)`` a new
array of shape (m, n) whose row i is the gradient of f_i: the
``col_deriv=False`` layout that ``scipy.optimize.leastsq`` expects of Dfun.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np

__all__ = ["Problem", "Case", "PROBLEMS", "CASES", "problem", "case"]

_MGH = "Moré, Garbow & Hillstrom, ACM TOMS 7(1) 17-41 (1981)"
_GUIDE = "MINPACK-1 User Guide, ANL-80-74 (1980), ssqfcn/ssqjac/initpt"


def _x(x: np.ndarray) -> np.ndarray:
    return np.asarray(x, dtype=float).ravel()


def _cumsum(terms) -> float:
    """Sum left to right, one term at a time (as a Fortran DO loop does)."""
    total = 0.0
    for t in terms:
        total = total + t
    return total


# 1. Linear function - full rank (MGH 32).
def _linear_full_f(x, m):
    x = _x(x)
    n = x.size
    temp = 2.0 * _cumsum(x) / m + 1.0
    f = np.full(m, -temp)
    f[:n] = f[:n] + x
    return f


def _linear_full_j(x, m):
    n = _x(x).size
    j = np.full((m, n), -(2.0 / m))
    j[np.arange(n), np.arange(n)] += 1.0
    return j


# 2. Linear function - rank 1 (MGH 33).
def _linear_rank1_f(x, m):
    x = _x(x)
    s = _cumsum(float(j) * x[j - 1] for j in range(1, x.size + 1))
    return np.arange(1.0, m + 1.0) * s - 1.0


def _linear_rank1_j(x, m):
    n = _x(x).size
    return np.outer(np.arange(1.0, m + 1.0), np.arange(1.0, n + 1.0))


# 3. Linear function - rank 1 with zero columns and rows (MGH 34).
def _linear_rank1z_f(x, m):
    x = _x(x)
    s = _cumsum(float(j) * x[j - 1] for j in range(2, x.size))
    f = np.arange(0.0, m) * s - 1.0
    f[m - 1] = -1.0
    return f


def _linear_rank1z_j(x, m):
    n = _x(x).size
    j = np.zeros((m, n))
    j[1 : m - 1, 1 : n - 1] = np.outer(np.arange(1.0, m - 1.0), np.arange(2.0, n))
    return j


# 4. Rosenbrock (MGH 1).
def _rosenbrock_f(x, m):
    x = _x(x)
    return np.array([10.0 * (x[1] - x[0] ** 2), 1.0 - x[0]])


def _rosenbrock_j(x, m):
    x = _x(x)
    return np.array([[-20.0 * x[0], 10.0], [-1.0, 0.0]])


# 5. Helical valley (MGH 7).
_TWO_PI = 8.0 * np.arctan(1.0)


def _helical_f(x, m):
    x = _x(x)
    # theta/(2 pi), with the drivers' branch choice; +-1/4 on the x1 = 0 axis.
    if x[0] > 0.0:
        theta = np.arctan(x[1] / x[0]) / _TWO_PI
    elif x[0] < 0.0:
        theta = np.arctan(x[1] / x[0]) / _TWO_PI + 0.5
    else:
        theta = np.copysign(0.25, x[1])
    r = np.sqrt(x[0] ** 2 + x[1] ** 2)
    return np.array([10.0 * (x[2] - 10.0 * theta), 10.0 * (r - 1.0), x[2]])


def _helical_j(x, m):
    x = _x(x)
    r2 = x[0] ** 2 + x[1] ** 2
    t = _TWO_PI * r2
    r = np.sqrt(r2)
    return np.array(
        [
            [100.0 * x[1] / t, -100.0 * x[0] / t, 10.0],
            [10.0 * x[0] / r, 10.0 * x[1] / r, 0.0],
            [0.0, 0.0, 1.0],
        ]
    )


# 6. Powell singular (MGH 13).
def _powell_f(x, m):
    x = _x(x)
    return np.array(
        [
            x[0] + 10.0 * x[1],
            np.sqrt(5.0) * (x[2] - x[3]),
            (x[1] - 2.0 * x[2]) ** 2,
            np.sqrt(10.0) * (x[0] - x[3]) ** 2,
        ]
    )


def _powell_j(x, m):
    x = _x(x)
    j = np.zeros((4, 4))
    j[0, 0] = 1.0
    j[0, 1] = 10.0
    j[1, 2] = np.sqrt(5.0)
    j[1, 3] = -j[1, 2]
    j[2, 1] = 2.0 * (x[1] - 2.0 * x[2])
    j[2, 2] = -2.0 * j[2, 1]
    j[3, 0] = 2.0 * np.sqrt(10.0) * (x[0] - x[3])
    j[3, 3] = -j[3, 0]
    return j


# 7. Freudenstein and Roth (MGH 2).
def _freudenstein_f(x, m):
    x = _x(x)
    return np.array(
        [
            -13.0 + x[0] + ((5.0 - x[1]) * x[1] - 2.0) * x[1],
            -29.0 + x[0] + ((1.0 + x[1]) * x[1] - 14.0) * x[1],
        ]
    )


def _freudenstein_j(x, m):
    x = _x(x)
    return np.array(
        [
            [1.0, x[1] * (10.0 - 3.0 * x[1]) - 2.0],
            [1.0, x[1] * (2.0 + 3.0 * x[1]) - 14.0],
        ]
    )


# 8. Bard (MGH 8).
_BARD_Y = np.array(
    [0.14, 0.18, 0.22, 0.25, 0.29, 0.32, 0.35, 0.39,
     0.37, 0.58, 0.73, 0.96, 1.34, 2.10, 4.39]
)  # fmt: skip
_BARD_U = np.arange(1.0, 16.0)  # u_i = i
_BARD_V = 16.0 - _BARD_U  # v_i = 16 - i
_BARD_W = np.minimum(_BARD_U, _BARD_V)  # w_i = min(u_i, v_i)


def _bard_f(x, m):
    x = _x(x)
    return _BARD_Y - (x[0] + _BARD_U / (x[1] * _BARD_V + x[2] * _BARD_W))


def _bard_j(x, m):
    x = _x(x)
    d2 = (x[1] * _BARD_V + x[2] * _BARD_W) ** 2
    return np.column_stack([np.full(15, -1.0), _BARD_U * _BARD_V / d2, _BARD_U * _BARD_W / d2])


# 9. Kowalik and Osborne (MGH 15).
_KO_Y = np.array(
    [0.1957, 0.1947, 0.1735, 0.1600, 0.0844, 0.0627,
     0.0456, 0.0342, 0.0323, 0.0235, 0.0246]
)  # fmt: skip
_KO_U = np.array([4.0, 2.0, 1.0, 0.5, 0.25, 0.167, 0.125, 0.1, 0.0833, 0.0714, 0.0625])


def _kowalik_f(x, m):
    x = _x(x)
    num = _KO_U * (_KO_U + x[1])
    den = _KO_U * (_KO_U + x[2]) + x[3]
    return _KO_Y - x[0] * num / den


def _kowalik_j(x, m):
    x = _x(x)
    num = _KO_U * (_KO_U + x[1])
    den = _KO_U * (_KO_U + x[2]) + x[3]
    j1 = -num / den
    j2 = -_KO_U * x[0] / den
    j3 = j1 * j2
    return np.column_stack([j1, j2, j3, j3 / _KO_U])


# 10. Meyer (MGH 10).
_MEYER_Y = np.array(
    [34780.0, 28610.0, 23650.0, 19630.0, 16370.0, 13720.0, 11540.0, 9744.0,
     8261.0, 7030.0, 6005.0, 5147.0, 4427.0, 3820.0, 3307.0, 2872.0]
)  # fmt: skip
_MEYER_T = 5.0 * np.arange(1.0, 17.0) + 45.0  # t_i = 45 + 5 i


def _meyer_f(x, m):
    x = _x(x)
    return x[0] * np.exp(x[1] / (_MEYER_T + x[2])) - _MEYER_Y


def _meyer_j(x, m):
    x = _x(x)
    t = _MEYER_T + x[2]
    q = x[1] / t
    e = np.exp(q)
    j2 = x[0] * e / t
    return np.column_stack([e, j2, -q * j2])


# 11. Watson (MGH 20).
_WATSON_T = np.arange(1.0, 30.0) / 29.0  # t_i = i/29, i = 1..29


def _watson_f(x, m):
    x = _x(x)
    n = x.size
    t = _WATSON_T
    s1 = np.zeros(29)  # sum_{j=2}^n (j-1) x_j t^(j-2)
    p = np.ones(29)
    for j in range(2, n + 1):
        s1 = s1 + float(j - 1) * p * x[j - 1]
        p = t * p
    s2 = np.zeros(29)  # sum_{j=1}^n x_j t^(j-1)
    p = np.ones(29)
    for j in range(1, n + 1):
        s2 = s2 + p * x[j - 1]
        p = t * p
    f = np.empty(31)
    f[:29] = s1 - s2**2 - 1.0
    f[29] = x[0]
    f[30] = x[1] - x[0] ** 2 - 1.0
    return f


def _watson_j(x, m):
    x = _x(x)
    n = x.size
    t = _WATSON_T
    s2 = np.zeros(29)
    p = np.ones(29)
    for j in range(1, n + 1):
        s2 = s2 + p * x[j - 1]
        p = t * p
    two_t_s2 = 2.0 * t * s2
    jac = np.zeros((31, n))
    p = 1.0 / t  # t^(j-2), starting at j = 1
    for j in range(1, n + 1):
        jac[:29, j - 1] = p * (float(j - 1) - two_t_s2)
        p = t * p
    jac[29, 0] = 1.0
    jac[30, 0] = -2.0 * x[0]
    jac[30, 1] = 1.0
    return jac


# 12. Box three-dimensional (MGH 12).
def _box_f(x, m):
    x = _x(x)
    i = np.arange(1.0, m + 1.0)
    t = i / 10.0
    return np.exp(-t * x[0]) - np.exp(-t * x[1]) + (np.exp(-i) - np.exp(-t)) * x[2]


def _box_j(x, m):
    x = _x(x)
    i = np.arange(1.0, m + 1.0)
    t = i / 10.0
    return np.column_stack([-t * np.exp(-t * x[0]), t * np.exp(-t * x[1]), np.exp(-i) - np.exp(-t)])


# 13. Jennrich and Sampson (MGH 6).
def _jennrich_f(x, m):
    x = _x(x)
    i = np.arange(1.0, m + 1.0)
    return 2.0 + 2.0 * i - np.exp(i * x[0]) - np.exp(i * x[1])


def _jennrich_j(x, m):
    x = _x(x)
    i = np.arange(1.0, m + 1.0)
    return np.column_stack([-i * np.exp(i * x[0]), -i * np.exp(i * x[1])])


# 14. Brown and Dennis (MGH 16).
def _brown_dennis_f(x, m):
    x = _x(x)
    t = np.arange(1.0, m + 1.0) / 5.0
    a = x[0] + t * x[1] - np.exp(t)
    b = x[2] + np.sin(t) * x[3] - np.cos(t)
    return a**2 + b**2


def _brown_dennis_j(x, m):
    x = _x(x)
    t = np.arange(1.0, m + 1.0) / 5.0
    s = np.sin(t)
    a2 = 2.0 * (x[0] + t * x[1] - np.exp(t))
    b2 = 2.0 * (x[2] + s * x[3] - np.cos(t))
    return np.column_stack([a2, t * a2, b2, s * b2])


# 15. Chebyquad (MGH 35).
def _chebyshev_table(x, m):
    """T[i, j] = T_{i+1}(2 x_j - 1) (shifted Chebyshev), and dT/dx_j."""
    n = x.size
    y = 2.0 * x - 1.0
    two_y = 2.0 * y
    t = np.empty((m, n))
    dt = np.empty((m, n))
    t_prev, t_cur = np.ones(n), y  # T_0, T_1
    d_prev, d_cur = np.zeros(n), np.full(n, 2.0)  # d/dx of T_0, T_1
    for i in range(m):
        t[i] = t_cur
        dt[i] = d_cur
        # T_{k+1} = 2y T_k - T_{k-1}; d/dx: 4 T_k + 2y dT_k - dT_{k-1}
        d_prev, d_cur = d_cur, 4.0 * t_cur + two_y * d_cur - d_prev
        t_prev, t_cur = t_cur, two_y * t_cur - t_prev
    return t, dt


def _chebyquad_f(x, m):
    x = _x(x)
    n = x.size
    t, _ = _chebyshev_table(x, m)
    f = np.zeros(m)
    for j in range(n):  # the sum over j, one term at a time
        f = f + t[:, j]
    f = (1.0 / n) * f
    i = np.arange(2, m + 1, 2)  # even i: minus the integral of T_i on [0, 1]
    f[i - 1] = f[i - 1] + 1.0 / (i.astype(float) ** 2 - 1.0)
    return f


def _chebyquad_j(x, m):
    x = _x(x)
    _, dt = _chebyshev_table(x, m)
    return (1.0 / x.size) * dt


# 16. Brown almost-linear (MGH 27).
def _brown_almost_f(x, m):
    x = _x(x)
    n = x.size
    s = -float(n + 1)
    prod = 1.0
    for xj in x:
        s = s + xj
        prod = xj * prod
    f = np.empty(n)
    f[: n - 1] = x[: n - 1] + s
    f[n - 1] = prod - 1.0
    return f


def _brown_almost_j(x, m):
    x = _x(x)
    n = x.size
    jac = np.ones((n, n))
    jac[np.arange(n), np.arange(n)] = 2.0
    prod = 1.0
    for xj in x:
        prod = xj * prod
    for j in range(n):
        if x[j] != 0.0:
            jac[n - 1, j] = prod / x[j]
        else:  # product of the others, without dividing by zero
            p = 1.0
            for k in range(n):
                if k != j:
                    p = x[k] * p
            jac[n - 1, j] = p
    return jac


# 17. Osborne 1 (MGH 17).
_OSB1_Y = np.array(
    [0.844, 0.908, 0.932, 0.936, 0.925, 0.908, 0.881, 0.850, 0.818, 0.784, 0.751,
     0.718, 0.685, 0.658, 0.628, 0.603, 0.580, 0.558, 0.538, 0.522, 0.506, 0.490,
     0.478, 0.467, 0.457, 0.448, 0.438, 0.431, 0.424, 0.420, 0.414, 0.411, 0.406]
)  # fmt: skip
_OSB1_T = 10.0 * np.arange(0.0, 33.0)  # t_i = 10 (i - 1)


def _osborne1_f(x, m):
    x = _x(x)
    e4 = np.exp(-x[3] * _OSB1_T)
    e5 = np.exp(-x[4] * _OSB1_T)
    return _OSB1_Y - (x[0] + x[1] * e4 + x[2] * e5)


def _osborne1_j(x, m):
    x = _x(x)
    e4 = np.exp(-x[3] * _OSB1_T)
    e5 = np.exp(-x[4] * _OSB1_T)
    return np.column_stack([np.full(33, -1.0), -e4, -e5, _OSB1_T * x[1] * e4, _OSB1_T * x[2] * e5])


# 18. Osborne 2 (MGH 19).
_OSB2_Y = np.array(
    [1.366, 1.191, 1.112, 1.013, 0.991, 0.885, 0.831, 0.847, 0.786, 0.725, 0.746,
     0.679, 0.608, 0.655, 0.616, 0.606, 0.602, 0.626, 0.651, 0.724, 0.649, 0.649,
     0.694, 0.644, 0.624, 0.661, 0.612, 0.558, 0.533, 0.495, 0.500, 0.423, 0.395,
     0.375, 0.372, 0.391, 0.396, 0.405, 0.428, 0.429, 0.523, 0.562, 0.607, 0.653,
     0.672, 0.708, 0.633, 0.668, 0.645, 0.632, 0.591, 0.559, 0.597, 0.625, 0.739,
     0.710, 0.729, 0.720, 0.636, 0.581, 0.428, 0.292, 0.162, 0.098, 0.054]
)  # fmt: skip
_OSB2_T = np.arange(0.0, 65.0) / 10.0  # t_i = (i - 1)/10


def _osborne2_terms(x):
    t = _OSB2_T
    d9, d10, d11 = t - x[8], t - x[9], t - x[10]
    e1 = np.exp(-x[4] * t)
    e2 = np.exp(-x[5] * d9**2)
    e3 = np.exp(-x[6] * d10**2)
    e4 = np.exp(-x[7] * d11**2)
    return d9, d10, d11, e1, e2, e3, e4


def _osborne2_f(x, m):
    x = _x(x)
    _, _, _, e1, e2, e3, e4 = _osborne2_terms(x)
    return _OSB2_Y - (x[0] * e1 + x[1] * e2 + x[2] * e3 + x[3] * e4)


def _osborne2_j(x, m):
    x = _x(x)
    d9, d10, d11, e1, e2, e3, e4 = _osborne2_terms(x)
    return np.column_stack(
        [
            -e1,
            -e2,
            -e3,
            -e4,
            _OSB2_T * x[0] * e1,
            x[1] * d9**2 * e2,
            x[2] * d10**2 * e3,
            x[3] * d11**2 * e4,
            -2.0 * x[1] * x[5] * d9 * e2,
            -2.0 * x[2] * x[6] * d10 * e3,
            -2.0 * x[3] * x[7] * d11 * e4,
        ]
    )


@dataclass(frozen=True, eq=False)
class Problem:
    """One MINPACK-1 test problem: residuals(x, m), jacobian(x, m), start(n)."""

    nprob: int
    name: str
    residuals: Callable[..., np.ndarray]  # (x, m) -> f(x), called as residuals(x, m=m)
    jacobian: Callable[..., np.ndarray]  # (x, m) -> the (m, n) Jacobian
    standard_start: Callable[[int], np.ndarray]
    citation: str
    m: int | None = None  # fixed number of residuals; None when m is a parameter

    def start(self, n: int) -> np.ndarray:
        """The standard starting point for n variables (factor 1)."""
        return np.array(self.standard_start(n), dtype=float)


def _const(*values):
    return lambda n: np.array(values, dtype=float)


def _cite(mgh: int) -> str:
    return f"{_MGH}, problem {mgh}; {_GUIDE}"


PROBLEMS: dict[int, Problem] = {
    p.nprob: p
    for p in [
        Problem(1, "linear-full-rank", _linear_full_f, _linear_full_j,
                np.ones, _cite(32)),
        Problem(2, "linear-rank1", _linear_rank1_f, _linear_rank1_j,
                np.ones, _cite(33)),
        Problem(3, "linear-rank1-zero-cols-rows", _linear_rank1z_f,
                _linear_rank1z_j, np.ones, _cite(34)),
        Problem(4, "rosenbrock", _rosenbrock_f, _rosenbrock_j,
                _const(-1.2, 1.0), _cite(1), m=2),
        Problem(5, "helical-valley", _helical_f, _helical_j,
                _const(-1.0, 0.0, 0.0), _cite(7), m=3),
        Problem(6, "powell-singular", _powell_f, _powell_j,
                _const(3.0, -1.0, 0.0, 1.0), _cite(13), m=4),
        Problem(7, "freudenstein-roth", _freudenstein_f, _freudenstein_j,
                _const(0.5, -2.0), _cite(2), m=2),
        Problem(8, "bard", _bard_f, _bard_j, _const(1.0, 1.0, 1.0),
                _cite(8), m=15),
        Problem(9, "kowalik-osborne", _kowalik_f, _kowalik_j,
                _const(0.25, 0.39, 0.415, 0.39), _cite(15), m=11),
        Problem(10, "meyer", _meyer_f, _meyer_j,
                _const(0.02, 4000.0, 250.0), _cite(10), m=16),
        Problem(11, "watson", _watson_f, _watson_j, np.zeros, _cite(20), m=31),
        Problem(12, "box-3d", _box_f, _box_j, _const(0.0, 10.0, 20.0),
                _cite(12)),
        Problem(13, "jennrich-sampson", _jennrich_f, _jennrich_j,
                _const(0.3, 0.4), _cite(6)),
        Problem(14, "brown-dennis", _brown_dennis_f, _brown_dennis_j,
                _const(25.0, 5.0, -5.0, -1.0), _cite(16)),
        Problem(15, "chebyquad", _chebyquad_f, _chebyquad_j,
                lambda n: np.arange(1.0, n + 1.0) / (n + 1.0), _cite(35)),
        Problem(16, "brown-almost-linear", _brown_almost_f, _brown_almost_j,
                lambda n: np.full(n, 0.5), _cite(27)),
        Problem(17, "osborne1", _osborne1_f, _osborne1_j,
                _const(0.5, 1.5, -1.0, 0.01, 0.02), _cite(17), m=33),
        Problem(18, "osborne2", _osborne2_f, _osborne2_j,
                _const(1.3, 0.65, 0.65, 0.7, 0.6, 3.0, 5.0, 7.0, 2.0, 4.5, 5.5),
                _cite(19), m=65),
    ]
}  # fmt: skip


def problem(nprob: int) -> Problem:
    """The problem numbered nprob (1..18) in the MINPACK-1 drivers."""
    try:
        return PROBLEMS[nprob]
    except KeyError:
        raise KeyError(f"nprob must be 1..18, got {nprob!r}") from None


@dataclass(frozen=True, eq=False)
class Case:
    """One row of the MINPACK-1 drivers' table: a problem, its size and start.

    ``func(x)`` -> (m,) residuals, ``jac(x)`` -> (m, n) Jacobian (row i is the
    gradient of f_i), ``x0`` the (read-only) starting point.
    """

    number: int
    nprob: int
    name: str
    n: int
    m: int
    factor: float
    func: Callable[[np.ndarray], np.ndarray]
    jac: Callable[[np.ndarray], np.ndarray]
    x0: np.ndarray
    citation: str

    @property
    def id(self) -> str:
        """A readable label, e.g. ``case07-rosenbrock-x1``."""
        return f"case{self.number:02d}-{self.name}-x{self.factor:g}"

    def __repr__(self) -> str:
        return (f"Case({self.number}, nprob={self.nprob}, {self.name!r}, "
                f"n={self.n}, m={self.m}, factor={self.factor:g})")  # fmt: skip


def _starting_point(p: Problem, n: int, factor: float) -> np.ndarray:
    x = p.start(n)
    if factor != 1.0:
        # The drivers' rule: a zero standard start (Watson) becomes x_j = factor.
        x = np.full(n, factor) if not np.any(x) else factor * x
    return x


# The drivers' table: (nprob, n, m, number of starts: factor 1, 10, 100).
_TABLE = [
    (1, 5, 10, 1), (1, 5, 50, 1), (2, 5, 10, 1), (2, 5, 50, 1),
    (3, 5, 10, 1), (3, 5, 50, 1), (4, 2, 2, 3), (5, 3, 3, 3),
    (6, 4, 4, 3), (7, 2, 2, 3), (8, 3, 15, 3), (9, 4, 11, 3),
    (10, 3, 16, 2), (11, 6, 31, 3), (11, 9, 31, 3), (11, 12, 31, 3),
    (12, 3, 10, 1), (13, 2, 10, 1), (14, 4, 20, 3), (15, 1, 8, 3),
    (15, 8, 8, 1), (15, 9, 9, 1), (15, 10, 10, 1), (16, 10, 10, 3),
    (16, 30, 30, 1), (16, 40, 40, 1), (17, 5, 33, 1), (18, 11, 65, 1),
]  # fmt: skip


def _build_cases() -> list[Case]:
    cases: list[Case] = []
    for nprob, n, m, starts in _TABLE:
        p = PROBLEMS[nprob]
        for factor in (1.0, 10.0, 100.0)[:starts]:
            x0 = _starting_point(p, n, factor)
            x0.setflags(write=False)
            cases.append(
                Case(
                    number=len(cases) + 1,
                    nprob=nprob,
                    name=p.name,
                    n=n,
                    m=m,
                    factor=factor,
                    func=partial(p.residuals, m=m),
                    jac=partial(p.jacobian, m=m),
                    x0=x0,
                    citation=p.citation,
                )
            )
    return cases


CASES: list[Case] = _build_cases()


def case(k: int) -> Case:
    """Case k (1..53) of the MINPACK-1 drivers' table."""
    if not 1 <= k <= len(CASES):
        raise KeyError(f"case number must be 1..{len(CASES)}, got {k!r}")
    return CASES[k - 1]
