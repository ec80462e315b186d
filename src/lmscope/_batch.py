"""Many fits through the C engine's lockstep driver (src/engine/batch.c).

`run_batch` works through the fits in blocks (so memory stays bounded for a
million fits): for each block the engine holds every fit's MINPACK state,
and each round (one C call, the GIL released) advances all of them by one
request and gathers the next requests into one block of parameter rows.
Python then evaluates those rows with one call of the caller's `evaluate`
and hands the block of residuals back.  Nothing in Python runs per fit per
iteration.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass

import numpy as np

from . import _messages
from ._lmengine import ffi, lib

# Doubles in a block's largest buffers (the Jacobians, and the residuals of
# a round of forward differences): 8 MB each, which keeps a block in cache
# better than larger ones and costs no speed.
_BLOCK_DOUBLES = 2**20
_INT_MAX = 2**31 - 1
_FLOAT64_EPS = float(np.finfo(np.float64).eps)


@dataclass
class BatchSettings:
    """The leastsq settings every fit of a batch shares, checked."""

    ftol: float
    xtol: float
    gtol: float
    maxfev: int
    epsfcn: float
    factor: float
    diag: np.ndarray | None


@dataclass
class BatchOutcome:
    """What the engine leaves for each of K fits."""

    x: np.ndarray  # (K, n)
    chi_square: np.ndarray  # (K,): sum of f(x)**2, summed as curve_fit sums it
    cov_x: np.ndarray  # (K, n, n): (J^T J)^-1; inf where singular, NaN unless converged
    status: np.ndarray  # (K,) int
    nfev: np.ndarray  # (K,) int
    fnorm: np.ndarray  # (K,) float


def _real_scalar(name: str, value) -> float:
    array = np.asarray(value)
    if array.ndim != 0 or array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a real number, got {value!r}")
    number = float(array)
    if not math.isfinite(number):
        raise ValueError(f"{name} must be finite, got {number}")
    return number


def check_settings(n, ftol, xtol, gtol, maxfev, epsfcn, factor, diag, dtype) -> BatchSettings:
    """leastsq's settings for a batch: the same defaults, and an error (not
    ier = 0 for every fit) for a setting MINPACK would refuse."""
    values = {}
    for name, value in (("ftol", ftol), ("xtol", xtol), ("gtol", gtol)):
        values[name] = _real_scalar(name, value)
        if values[name] < 0:
            raise ValueError(f"{name} must be >= 0, got {values[name]:g}")
    factor = _real_scalar("factor", factor)
    if factor <= 0:
        raise ValueError(f"factor must be > 0, got {factor:g}")
    if epsfcn is None:
        # leastsq's default: the machine epsilon of the residuals' dtype.
        epsfcn = float(np.finfo(dtype).eps) if dtype.kind == "f" else _FLOAT64_EPS
    else:
        epsfcn = _real_scalar("epsfcn", epsfcn)
    try:
        maxfev = operator.index(maxfev)
    except TypeError:
        raise TypeError(f"maxfev must be an integer, got {maxfev!r}") from None
    limit = _INT_MAX - n - 1
    if not 0 <= maxfev <= limit:
        raise ValueError(f"maxfev must be between 0 (the default) and {limit}, got {maxfev}")
    if maxfev == 0:
        maxfev = 200 * (n + 1)
    if diag is not None:
        diag = np.array(diag, dtype=np.float64)
        if diag.shape != (n,):
            raise ValueError(
                f"diag has shape {diag.shape} but the fits have {n} parameters; "
                f"diag needs one positive scale per parameter, shared by every fit"
            )
        if not np.all(np.isfinite(diag) & (diag > 0)):
            raise ValueError(f"diag must be finite and positive, got {diag}")
    return BatchSettings(
        values["ftol"], values["xtol"], values["gtol"], maxfev, epsfcn, factor, diag
    )


def block_size(m: int, n: int, requested) -> int:
    """Fits per block: the caller's choice, or as many as keep the largest
    buffers near 8 MB."""
    if requested is None:
        return max(1, _BLOCK_DOUBLES // (m * n))
    try:
        size = operator.index(requested)
    except TypeError:
        raise TypeError(f"block_size must be a positive integer, got {requested!r}") from None
    if size < 1:
        raise ValueError(f"block_size must be a positive integer, got {size}")
    # The engine counts a block's parameter rows (n per fit) in a C int.
    return min(size, _INT_MAX // n)


class _Block:
    """The engine's buffers for up to `capacity` fits, reused block after block."""

    def __init__(self, capacity: int, m: int, n: int, settings: BatchSettings):
        self.m, self.n = m, n
        self.x = np.empty((capacity, n))
        self.fvec = np.empty((capacity, m))
        self.fjac = np.empty((capacity, n, m))  # each fit's column-major m x n
        self.diag = np.empty((capacity, n))
        self.qtf = np.empty((capacity, n))
        self.ipvt = np.empty((capacity, n), dtype=np.int32)
        self.work = np.empty((capacity, lib.lm_work_size(m, n)))
        self.status = np.empty(capacity, dtype=np.int32)
        self.nfev = np.empty(capacity, dtype=np.int32)
        self.fnorm = np.empty(capacity)
        self.running = np.empty(capacity, dtype=np.int32)
        self.row_fit = np.empty(capacity * n, dtype=np.int32)
        self.points = np.empty((capacity * n, n))
        self.states = ffi.new("lm_state[]", capacity)
        self.batch = ffi.new("lm_batch *")
        problem = self.problem = ffi.new("lm_problem *")
        problem.m, problem.n = m, n
        problem.ftol, problem.xtol, problem.gtol = settings.ftol, settings.xtol, settings.gtol
        problem.maxfev = settings.maxfev
        problem.epsfcn = settings.epsfcn
        problem.factor = settings.factor
        problem.scale_given = settings.diag is not None
        self.scales = settings.diag

    def begin(self, x0: np.ndarray) -> int:
        count = x0.shape[0]
        self.x[:count] = x0
        if self.scales is not None:
            self.diag[:count] = self.scales
        d = ffi.from_buffer
        return lib.lm_batch_begin(
            self.batch,
            count,
            self.problem,
            self.states,
            d("double[]", self.x),
            d("double[]", self.fvec),
            d("double[]", self.fjac),
            d("double[]", self.diag),
            d("double[]", self.qtf),
            d("int[]", self.ipvt),
            d("double[]", self.work),
            d("int[]", self.status),
            d("int[]", self.nfev),
            d("double[]", self.fnorm),
            d("int[]", self.running),
            d("int[]", self.row_fit),
            d("double[]", self.points),
        )

    def covariance(self, count: int) -> np.ndarray:
        cov = np.empty((count, self.n, self.n))
        work = np.empty(self.n * self.n)
        lib.lm_batch_covariance(
            self.batch, ffi.from_buffer("double[]", cov), ffi.from_buffer("double[]", work)
        )
        return cov


def run_batch(
    evaluate,
    x0: np.ndarray,
    m: int,
    settings: BatchSettings,
    *,
    block=None,
    progress=None,
    lengths=None,
) -> BatchOutcome:
    """Fit K problems of m residuals from the starts x0 (K, n).

    evaluate(params, fits) gets params (k, n), a fresh array of parameter
    rows, and fits (k,), the index of the fit each row belongs to (a fit
    needing its forward-difference Jacobian appears n times in a row), and
    returns the residuals as a C-contiguous float64 array (k, m).  It is
    called once per round; an exception raised in it propagates.
    progress(done, total), if given, is called after every round.
    lengths (K,), if given, says how many leading residuals of each fit are
    data (the rest are zeros standing for omitted points): chi_square sums
    only those, as a fit of the data alone would.
    """
    count, n = x0.shape
    size = min(block_size(m, n, block), max(count, 1))
    outcome = BatchOutcome(
        x=np.empty((count, n)),
        chi_square=np.empty(count),
        cov_x=np.empty((count, n, n)),
        status=np.empty(count, dtype=np.int32),
        nfev=np.empty(count, dtype=np.int32),
        fnorm=np.empty(count),
    )
    buffers = _Block(size, m, n, settings)
    finished = 0
    for first in range(0, count, size):
        last = min(first + size, count)
        buffers.begin(x0[first:last])
        batch = buffers.batch
        values = None
        while True:
            rows = lib.lm_batch_round(batch, ffi.NULL if values is None else values)
            if progress is not None:
                progress(finished + (last - first) - batch.n_running, count)
            if rows == 0:
                break
            params = buffers.points[:rows].copy()
            fits = buffers.row_fit[:rows].astype(np.intp)
            fits += first
            residuals = evaluate(params, fits)
            values = ffi.from_buffer("double[]", residuals)
        finished += last - first
        span = slice(first, last)
        k = last - first
        outcome.x[span] = buffers.x[:k]
        outcome.chi_square[span] = _chi_square(
            buffers.fvec[:k], None if lengths is None else lengths[span]
        )
        outcome.status[span] = buffers.status[:k]
        outcome.nfev[span] = buffers.nfev[:k]
        outcome.fnorm[span] = buffers.fnorm[:k]
        outcome.cov_x[span] = buffers.covariance(k)
    return outcome


def _chi_square(fvec: np.ndarray, lengths) -> np.ndarray:
    """Each row's sum of squares, summed as numpy sums one fit's residuals
    (its pairwise summation depends on the length: group rows by it)."""
    if lengths is None:
        return np.sum(fvec**2, axis=1)
    out = np.empty(fvec.shape[0])
    for length in np.unique(lengths).tolist():
        rows = lengths == length
        out[rows] = np.sum(fvec[rows, :length] ** 2, axis=1)
    return out


def messages(status: np.ndarray, nfev: np.ndarray, settings: BatchSettings) -> np.ndarray:
    """Each fit's message (an object array of str), from the one table of
    `ier` meanings."""
    codes = np.where((status == _messages.NONFINITE) & (nfev == 1), _NONFINITE_AT_START, status)
    distinct, where = np.unique(codes, return_inverse=True)
    texts = np.empty(distinct.size, dtype=object)
    for k, code in enumerate(distinct.tolist()):
        detail = ""
        if code == _NONFINITE_AT_START:
            code = _messages.NONFINITE
            detail = "The residuals are not finite at the start (NaN in the data or the model)."
        texts[k] = _messages.message(
            code,
            ftol=settings.ftol,
            xtol=settings.xtol,
            gtol=settings.gtol,
            maxfev=settings.maxfev,
            detail=detail,
        )
    return texts[where.reshape(-1)]


# A code of no ier, for the messages only: non-finite residuals at the start.
_NONFINITE_AT_START = -1000
