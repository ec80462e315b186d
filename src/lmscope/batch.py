"""Many fits at once: `curve_fit` and `leastsq` for K problems of one shape.

All K fits advance together in the C engine, and the model is called once
per round for every fit still running, with one row of parameters per fit
(the forward-difference points of a fit that needs its Jacobian are n more
rows).  A numpy model written for `curve_fit`, ``a * np.exp(-b * x) + c``,
works unchanged: each parameter arrives as a (k, 1) column, so it
broadcasts against xdata into a (k, m) block.

Each fit makes the same arithmetic as `lmscope.curve_fit` on its own row
(so the same popt, ier and nfev, and SciPy's), provided the model computes
every row of the block as it computes one row alone; numpy arithmetic
does, elementwise functions such as exp almost always (a vectorised exp
may round differently in a block than for one row).

Bounds are fitted as the single functions fit them, by MINUIT's parameter
transformations (`lmscope._bounds`, the same code for one fit and a block):
the engine works in the transformed parameters, the model sees only points
within the limits, and each bounded row equals `lmscope.curve_fit(...,
bounds=...)` on it alone.  This is not SciPy's 'trf'.

`basin` and `basin_leastsq` fit a grid of starts of one problem as one
batch: a map of where each start ends.

Failures stay with their fit: a row with NaN in its data, a fit that does
not converge or meets non-finite residuals each end with their own `ier`
and `message`, and never count as success.  An exception raised by the
model stops the batch and propagates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _messages, _optimize_warning, model_residuals
from ._basin import label_solutions
from ._batch import check_settings, messages, run_batch
from ._bounds import Bounds
from ._progress import ProgressBar

__all__ = ["Basin", "BatchResult", "basin", "basin_leastsq", "curve_fit", "leastsq"]

_NAN_POLICIES = (None, "raise", "omit")
_TOO_FEW_POINTS = (
    "Improper input: fewer data points than parameters are left once NaN points are omitted."
)


@dataclass(frozen=True)
class BatchResult:
    """The outcome of K fits, one row per fit.

    popt : (K, n)  the solution (the last accepted point where ier is not 1-4)
    pcov : (K, n, n)  as `curve_fit` computes it where the fit converged
        (inf where it cannot be estimated); NaN where it did not converge.
        From `leastsq`: leastsq's cov_x, (J^T J)^-1, unscaled.
    ier : (K,)  MINPACK's info, and lmscope's negative codes (-3: non-finite)
    nfev : (K,)  evaluations of f, forward differences included
    fnorm : (K,)  the residual norm ||f(popt)||
    message : (K,)  why each fit stopped (str)
    """

    popt: np.ndarray
    pcov: np.ndarray
    ier: np.ndarray
    nfev: np.ndarray
    fnorm: np.ndarray
    message: np.ndarray

    @property
    def x(self) -> np.ndarray:
        """popt, under `leastsq`'s name."""
        return self.popt

    @property
    def success(self) -> np.ndarray:
        """(K,) bool: the fits that converged (ier 1-4)."""
        return np.isin(self.ier, _messages.SUCCESS)

    def __len__(self) -> int:
        return self.ier.size

    def __repr__(self) -> str:
        count, n = self.popt.shape
        return (
            f"BatchResult({count} fits of {n} parameters: "
            f"{int(self.success.sum())} converged, {int((~self.success).sum())} not)"
        )


def curve_fit(
    model,
    xdata,
    ydata,
    p0=None,
    sigma=None,
    absolute_sigma=False,
    *,
    bounds=(-np.inf, np.inf),
    nan_policy=None,
    ftol=1.49012e-08,
    xtol=1.49012e-08,
    gtol=0.0,
    maxfev=0,
    epsfcn=None,
    factor=100,
    diag=None,
    progress=None,
    block_size=None,
) -> BatchResult:
    """Fit ``ydata[i] ~ model(xdata, *p_i)`` for every row i, by MINPACK's
    Levenberg-Marquardt method as `lmscope.curve_fit`.

    model : callable ``model(x, *params)``
        Called with each params[j] of shape (k, 1), the values of parameter j
        for the k rows being evaluated, and x the shared xdata, or the k rows
        of a per-fit xdata; returns (k, m) values (or anything that
        broadcasts to that shape).
    xdata : array (m,) or any object shared by every fit, or (K, ...) per fit
        An array with two or more dimensions whose first axis has length K
        is per fit (row i belongs to fit i); anything else is shared and
        passed to the model unchanged (lists and tuples as float arrays).
    ydata : array (K, m)
        One row of m observations per fit.
    p0 : (n,) shared, or (K, n) one start per fit; default: ones, n taken
        from the model's signature.
    sigma : None, scalar, (m,) or (K, m)
        Standard deviations of the observations, as in `curve_fit`.
    absolute_sigma : bool
        As in `curve_fit`: whether pcov is scaled by the reduced chi-square.
    bounds : (lb, ub)
        Limits on the parameters: each a scalar, (n,) shared by every fit,
        or (K, n), one row per fit; -inf / inf for none.  As in
        `lmscope.curve_fit`, finite limits are fitted through MINUIT's
        parameter transformations (see `lmscope.leastsq`), the method lmfit
        uses, and each row equals `lmscope.curve_fit(..., bounds=...)` on it;
        this is not SciPy's 'trf', so bounded rows differ from SciPy's.
        pcov is carried back through the transformation (near zero for a
        parameter that ends at a limit); `diag` scales the transformed
        parameters.
    nan_policy : None, 'raise' or 'omit'
        None: a row with NaN in its data fails on its own (ier = -3).
        'raise': NaN anywhere in xdata or ydata is an error.  'omit': each
        fit leaves out its points with NaN in ydata or xdata (SciPy's
        'omit', fit by fit); a row left with fewer points than parameters
        gets ier = 0 and NaN results.
    ftol, xtol, gtol, maxfev, epsfcn, factor, diag :
        leastsq's settings, shared by every fit, with leastsq's defaults.
    progress : None, True or callable(done, total)
        True draws a progress bar (a widget in Jupyter, text elsewhere); a
        callable is called after every round with the number of finished
        fits.
    block_size : int, optional
        Fits held in the engine at once (memory is proportional to it); the
        default keeps the largest buffers near 8 MB.

    Returns a `BatchResult`.  When some converged fits' pcov cannot be
    estimated, one `lmscope.OptimizeWarning` says how many.
    """
    if not callable(model):
        raise TypeError(f"model must be callable as model(x, *params), got {type(model).__name__}")
    if nan_policy not in _NAN_POLICIES:
        raise ValueError(f"nan_policy must be one of None, 'raise', 'omit', got {nan_policy!r}")
    ydata = _real_array("ydata", ydata)
    if ydata.ndim != 2 or ydata.shape[1] == 0:
        raise ValueError(
            f"ydata must be 2-D, one row of m observations per fit (K, m); got shape "
            f"{ydata.shape} (for one fit, pass ydata[np.newaxis])"
        )
    count, m = ydata.shape
    xdata, x_per_fit = _xdata(xdata, count, m)
    p0 = _starts(p0, count, lambda: model_residuals.parameter_count(model))
    n = p0.shape[1]
    limits = _active_bounds(bounds, n, p0, "p0")
    if n > m:
        raise TypeError(
            f"The number of model parameters={n} must not exceed the number of data points={m} "
            f"(p0 has {n} columns, ydata {m} points per fit)"
        )
    weight = _weights(sigma, count, m)
    settings = check_settings(
        n, ftol, xtol, gtol, maxfev, epsfcn, factor, diag, np.dtype(np.float64)
    )

    keep = None  # (K, m) bool: the points each fit uses, with nan_policy='omit'
    if nan_policy is not None:
        has_nan = np.isnan(ydata)
        if isinstance(xdata, np.ndarray) and xdata.ndim:
            x_nan = np.isnan(xdata)
            if x_per_fit:
                has_nan |= x_nan.reshape(count, -1, m).any(axis=1)
            else:
                has_nan |= x_nan.reshape(-1, m).any(axis=0)
        if nan_policy == "raise" and has_nan.any():
            fit, point = np.argwhere(has_nan)[0]
            raise ValueError(
                f"the data contain NaN (nan_policy='raise'): fit {fit}, point {point} "
                f"({int(has_nan.sum())} NaN points in all)"
            )
        if nan_policy == "omit" and has_nan.any():
            keep = ~has_nan
    points_used = np.full(count, m) if keep is None else keep.sum(axis=1)
    if keep is not None:
        kept_first = np.argsort(~keep, axis=1, kind="stable")
    fitted = np.flatnonzero(points_used >= n)

    every_fit = fitted.size == count
    scratch = np.empty(0)  # each round's residuals, reused: the engine copies them

    def residuals(params, fits):
        nonlocal scratch
        rows = fits if every_fit else fitted[fits]
        k = rows.size
        if limits is not None:
            params = limits.to_external(params, rows)
        columns = [params[:, j : j + 1] for j in range(n)]
        values = np.asarray(model(xdata[rows] if x_per_fit else xdata, *columns))
        if values.dtype.kind not in "biuf":
            raise TypeError(f"model must return real values; it returned dtype {values.dtype}")
        if values.shape != (k, m):
            values = _broadcast_model(values, k, m)
        if scratch.size < k * m:
            scratch = np.empty(k * m)
        difference = scratch[: k * m].reshape(k, m)
        np.take(ydata, rows, axis=0, out=difference, mode="clip")  # "raise" would buffer
        np.subtract(values, difference, out=difference)
        if weight is not None:
            # curve_fit's order: (1 / sigma) * (f - y).
            np.multiply(weight if weight.ndim < 2 else weight[rows], difference, out=difference)
        if keep is not None:
            # A fit's kept points first, in order, then zeros: MINPACK's
            # arithmetic on the first points_used rows is then exactly the
            # arithmetic on the reduced data (trailing zeros add nothing to
            # its sums and norms; zeros among the first rows would change
            # its Householder reflections).
            difference = np.take_along_axis(difference, kept_first[rows], axis=1)
            difference[np.arange(m) >= points_used[rows][:, np.newaxis]] = 0.0
        return np.ascontiguousarray(difference, dtype=np.float64)

    starts = p0 if limits is None else limits.to_internal(p0)
    outcome = _run(
        residuals,
        starts if every_fit else starts[fitted],
        m,
        settings,
        progress,
        block_size,
        count,
        None if keep is None else points_used[fitted],
    )
    if limits is not None:
        _to_external(limits, outcome, fitted)
    pcov = _scaled_covariance(outcome, points_used[fitted], n, absolute_sigma)
    message = messages(outcome.status, outcome.nfev, settings)
    if every_fit:
        return BatchResult(outcome.x, pcov, outcome.status, outcome.nfev, outcome.fnorm, message)

    # Rows left with too few points were not fitted.
    result = BatchResult(
        np.full((count, n), np.nan),
        np.full((count, n, n), np.nan),
        np.zeros(count, dtype=np.int32),
        np.zeros(count, dtype=np.int32),
        np.full(count, np.nan),
        np.full(count, _TOO_FEW_POINTS, dtype=object),
    )
    for name, values in zip(
        ("popt", "pcov", "ier", "nfev", "fnorm", "message"),
        (outcome.x, pcov, outcome.status, outcome.nfev, outcome.fnorm, message),
        strict=True,
    ):
        getattr(result, name)[fitted] = values
    return result


def leastsq(
    func,
    x0,
    args=(),
    ftol=1.49012e-08,
    xtol=1.49012e-08,
    gtol=0.0,
    maxfev=0,
    epsfcn=None,
    factor=100,
    diag=None,
    *,
    bounds=None,
    progress=None,
    block_size=None,
) -> BatchResult:
    """Minimise the sum of squares of K residual functions at once, by
    MINPACK's Levenberg-Marquardt method as `lmscope.leastsq` (lmdif).

    func : callable ``func(params, fits, *args)``
        params is a (k, n) array of parameter rows, fits a (k,) integer array
        saying which fit (0..K-1) each row belongs to; returns the residuals
        at every row, shape (k, m).  A fit needing its forward-difference
        Jacobian appears n times in a row, so rows are not unique fits.
        func is called once per round, and once before the fits start, at
        the first start, to learn m.
    x0 : (K, n) the starts, one row per fit (a 1-D x0 is one fit)
    args : tuple, passed to func after params and fits
    bounds : (lb, ub), optional
        Limits on x: each a scalar, (n,) shared or (K, n) per fit, -inf /
        inf for none.  Fitted by MINUIT's parameter transformations as
        `lmscope.leastsq(..., bounds=...)` fits them (each row equals that
        fit; not SciPy's 'trf'); func always gets points inside the limits,
        and pcov is cov_x carried back to x.  `diag` scales the transformed
        parameters.
    ftol, xtol, gtol, maxfev, epsfcn, factor, diag : leastsq's settings and
        defaults, shared by every fit (epsfcn from the dtype func returns).
    progress, block_size : as in `lmscope.batch.curve_fit`.

    Returns a `BatchResult`; its pcov is leastsq's cov_x, (J^T J)^-1, where
    the fit converged.
    """
    if not callable(func):
        raise TypeError(f"func must be callable as func(params, fits, *args), got {func!r}")
    if not isinstance(args, tuple):
        args = (args,)
    x0 = _real_array("x0", x0)
    if x0.ndim == 1:
        x0 = x0[np.newaxis]
    if x0.ndim != 2 or x0.size == 0:
        raise ValueError(f"x0 must be (K, n), one start per fit; got shape {x0.shape}")
    _require_finite("x0", x0)
    count, n = x0.shape
    limits = _active_bounds(bounds, n, x0, "x0")

    first = np.asarray(func(x0[:1].copy(), np.zeros(1, dtype=np.intp), *args))
    if first.dtype.kind not in "biuf":
        raise TypeError(f"func must return real residuals; it returned dtype {first.dtype}")
    if first.ndim != 2 or first.shape[0] != 1:
        raise ValueError(
            f"func must return one row of residuals per parameter row, shape (k, m); "
            f"for 1 row it returned shape {first.shape}"
        )
    m = first.shape[1]
    if n > m:
        raise TypeError(
            f"Improper input: func input vector length N={n} must not exceed func output "
            f"vector length M={m} (x0 has {n} columns but func returned {m} residuals)"
        )
    settings = check_settings(n, ftol, xtol, gtol, maxfev, epsfcn, factor, diag, first.dtype)

    def residuals(params, fits):
        if limits is not None:
            params = limits.to_external(params, fits)
        values = np.asarray(func(params, fits, *args))
        if values.shape != (params.shape[0], m):
            raise ValueError(
                f"func returned shape {values.shape} for {params.shape[0]} parameter rows; "
                f"expected ({params.shape[0]}, {m}), one row of {m} residuals per row"
            )
        if values.dtype.kind not in "biuf":
            raise TypeError(f"func must return real residuals; it returned dtype {values.dtype}")
        return np.ascontiguousarray(values, dtype=np.float64)

    starts = x0 if limits is None else limits.to_internal(x0)
    outcome = _run(residuals, starts, m, settings, progress, block_size, count)
    if limits is not None:
        _to_external(limits, outcome, np.arange(count))
    return BatchResult(
        outcome.x,
        outcome.cov_x,
        outcome.status.astype(np.int32),
        outcome.nfev,
        outcome.fnorm,
        messages(outcome.status, outcome.nfev, settings),
    )


@dataclass(frozen=True)
class Basin:
    """Where each start of a grid ends: a convergence-basin map.

    Arrays over the grid (Ni, Nj): the starts' final `x` (Ni, Nj, n), `ier`,
    `nfev`, `fnorm`, and `label`, the index of the distinct solution each
    start reached (-1: the fit did not converge).  `solutions` (L, n) and
    their `costs` (L,, the residual norm) are ordered best first, so label 0
    is the best solution found.  `params` and `grid` are the two parameters
    varied and their values; `result` is the batch fit behind it all.
    """

    x: np.ndarray
    ier: np.ndarray
    nfev: np.ndarray
    fnorm: np.ndarray
    label: np.ndarray
    solutions: np.ndarray
    costs: np.ndarray
    params: tuple
    grid: tuple
    result: BatchResult


def basin(
    model,
    xdata,
    ydata,
    p0,
    params=(0, 1),
    grid=None,
    sigma=None,
    absolute_sigma=False,
    *,
    bounds=None,
    rtol=1e-5,
    **settings,
) -> Basin:
    """Fit ``ydata ~ model(xdata, *p)`` from every start of a grid: p0 with
    parameters i and j replaced by each pair of `grid` values.

    model, xdata, sigma, absolute_sigma : as `lmscope.curve_fit` (one data
        set; the model gets (k, 1) parameter columns as in
        `lmscope.batch.curve_fit`)
    ydata : (m,) the one data set every start fits
    p0 : (n,) the start's other parameters
    params : (i, j), the indices of the two parameters the grid varies
    grid : (values_i, values_j), 1-D arrays of their starting values
    bounds : (lb, ub), optional, scalars or (n,): limits every start shares,
        fitted as `lmscope.curve_fit` fits them (MINUIT's transformations,
        not SciPy's 'trf'); every grid value must lie within its limits
    rtol : final points whose every parameter agrees within rtol of that
        parameter's typical size count as one solution
    **settings : leastsq's settings, progress and block_size, as in
        `lmscope.batch.curve_fit`

    Each start's fit is the fit `lmscope.curve_fit` makes from it alone.
    """
    starts = _GridStarts(_real_array("p0", p0), params, grid, bounds, "p0")
    rtol = _positive_rtol(rtol)
    ydata = _real_array("ydata", ydata)
    if ydata.ndim != 1:
        raise ValueError(f"ydata must be 1-D, the one data set of every start; got {ydata.shape}")
    result = curve_fit(
        model,
        xdata,
        np.broadcast_to(ydata, (starts.count, ydata.size)),
        p0=starts.x0,
        sigma=sigma,
        absolute_sigma=absolute_sigma,
        bounds=(-np.inf, np.inf) if bounds is None else bounds,
        **settings,
    )
    return _basin_of(result, starts, rtol)


def basin_leastsq(
    func,
    x0,
    params=(0, 1),
    grid=None,
    args=(),
    *,
    bounds=None,
    rtol=1e-5,
    **settings,
) -> Basin:
    """The residual form of `basin`: minimise the sum of squares of one
    residual function from every start of a grid, x0 with parameters i and
    j replaced by each pair of `grid` values.

    func : callable ``func(params, fits, *args)``, as in
        `lmscope.batch.leastsq`: params (k, n) parameter rows, fits (k,) the
        start each row belongs to (its index in the grid raveled row by
        row, i outer), returning residuals (k, m)
    x0 : (n,) the start's other parameters
    params, grid, rtol : as in `basin`
    args : tuple, passed to func after params and fits
    bounds : (lb, ub), optional, scalars or (n,): limits every start shares,
        fitted as `lmscope.leastsq(..., bounds=...)` fits them (not 'trf');
        every grid value must lie within its limits
    **settings : leastsq's settings, progress and block_size, as in
        `lmscope.batch.leastsq`

    Each start's fit is the fit `lmscope.leastsq` makes from it alone (the
    same x, ier and nfev), so `result.pcov` holds leastsq's cov_x.
    """
    starts = _GridStarts(_real_array("x0", x0), params, grid, bounds, "x0")
    rtol = _positive_rtol(rtol)
    result = leastsq(func, starts.x0, args, bounds=bounds, **settings)
    return _basin_of(result, starts, rtol)


class _GridStarts:
    """The starts of a basin map, checked: x0 (Ni * Nj, n), the point p0
    with parameters i and j set from the grid, raveled row by row (i outer)."""

    def __init__(self, p0: np.ndarray, params, grid, bounds, name: str):
        if p0.ndim != 1 or p0.size < 2:
            raise ValueError(f"{name} must be 1-D with at least 2 parameters, got shape {p0.shape}")
        n = p0.size
        try:
            i, j = (int(k) for k in params)
        except (TypeError, ValueError):
            raise TypeError(
                f"params must be a pair of parameter indices (i, j), got {params!r}"
            ) from None
        if not (0 <= i < n and 0 <= j < n) or i == j:
            raise ValueError(f"params must be two different indices in 0..{n - 1}, got {params!r}")
        if grid is None or len(grid) != 2:
            raise TypeError(f"grid must be a pair (values_i, values_j), got {grid!r}")
        values = tuple(_real_array(f"grid[{k}]", v) for k, v in enumerate(grid))
        for k, axis in enumerate(values):
            if axis.ndim != 1 or axis.size == 0:
                raise ValueError(f"grid[{k}] must be a non-empty 1-D array, got shape {axis.shape}")
            _require_finite(f"grid[{k}]", axis)
        if bounds is not None:
            limits = Bounds(bounds, n)
            for k, (index, axis) in enumerate(zip((i, j), values, strict=True)):
                outside = (axis < limits.lb[index]) | (axis > limits.ub[index])
                if outside.any():
                    raise ValueError(
                        f"grid[{k}] has {int(outside.sum())} starts outside the bounds of "
                        f"parameter {index}, [{limits.lb[index]:g}, {limits.ub[index]:g}] "
                        f"(the first: {axis[outside][0]:g}); a bounded fit starts inside "
                        f"its limits"
                    )
            # p0's other parameters, beside grid values known to be inside
            first = p0.copy()
            first[i], first[j] = values[0][0], values[1][0]
            limits.require_inside(first, name)
        self.params = (i, j)
        self.grid = values
        self.shape = (values[0].size, values[1].size)
        self.count = self.shape[0] * self.shape[1]
        x0 = np.tile(p0, (self.count, 1))
        x0[:, i] = np.repeat(values[0], self.shape[1])
        x0[:, j] = np.tile(values[1], self.shape[0])
        self.x0 = x0


def _positive_rtol(rtol) -> float:
    rtol = float(rtol)
    if not rtol > 0:
        raise ValueError(f"rtol must be > 0, got {rtol}")
    return rtol


def _basin_of(result: BatchResult, starts: _GridStarts, rtol: float) -> Basin:
    """The batch fit of a grid's starts, laid out over the grid and labelled."""
    label, solutions, costs = label_solutions(result.popt, result.fnorm, result.success, rtol)
    shape = starts.shape
    return Basin(
        x=result.popt.reshape(shape + (result.popt.shape[1],)),
        ier=result.ier.reshape(shape),
        nfev=result.nfev.reshape(shape),
        fnorm=result.fnorm.reshape(shape),
        label=label.reshape(shape),
        solutions=solutions,
        costs=costs,
        params=starts.params,
        grid=starts.grid,
        result=result,
    )


def _active_bounds(bounds, n: int, starts: np.ndarray, name: str) -> Bounds | None:
    """The transformation for finite limits, or None when there are none
    (an unbounded batch then runs exactly as without bounds)."""
    if bounds is None:
        return None
    limits = Bounds(bounds, n, starts, name)
    return limits if limits.active else None


def _to_external(limits: Bounds, outcome, fits: np.ndarray) -> None:
    """The engine's solutions and cov_x, which are in the transformed
    parameters, carried back to the fits' own (in place)."""
    singular = np.isinf(outcome.cov_x).all(axis=(1, 2))
    outcome.cov_x = limits.covariance(outcome.cov_x, outcome.x, fits)
    outcome.cov_x[singular] = np.inf  # not -inf or NaN where dx/du is negative or zero
    outcome.x = limits.to_external(outcome.x, fits)


def _run(residuals, x0, m, settings, progress, block_size, total, lengths=None):
    """run_batch with the progress argument resolved (None, True or a
    callable) and a bar closed however the run ends."""
    bar = None
    if progress is True:
        progress = bar = ProgressBar(total)
    elif progress is not None and not callable(progress):
        raise TypeError(f"progress must be None, True or callable(done, total), got {progress!r}")
    try:
        return run_batch(
            residuals, x0, m, settings, block=block_size, progress=progress, lengths=lengths
        )
    finally:
        if bar is not None:
            bar.close()


def _real_array(name: str, value) -> np.ndarray:
    array = np.asarray(value)
    if array.dtype.kind == "c":
        raise TypeError(f"{name} must be real; got complex values (dtype {array.dtype})")
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be an array of real numbers; got dtype {array.dtype}")
    # No copy when it is float64 already (ydata may be gigabytes): nothing
    # here writes into the caller's arrays.
    return np.asarray(array, dtype=np.float64)


def _require_finite(name: str, array: np.ndarray) -> None:
    bad = np.argwhere(~np.isfinite(array))
    if bad.size:
        where = ", ".join(str(i) for i in bad[0])
        raise ValueError(
            f"{name} must be finite; {name}[{where}] is {array[tuple(bad[0])]} "
            f"({len(bad)} non-finite of {array.size})"
        )


def _xdata(xdata, count: int, m: int):
    """xdata as the model will get it, and whether it is per fit."""
    if not isinstance(xdata, (list, tuple, np.ndarray)):
        return xdata, False
    xdata = _real_array("xdata", xdata)
    per_fit = xdata.ndim >= 2 and xdata.shape[0] == count
    if per_fit and xdata.shape[-1] != m:
        raise ValueError(
            f"xdata has shape {xdata.shape}: per fit (first axis K={count}) it needs "
            f"m={m} points on its last axis, as ydata has"
        )
    return xdata, per_fit


def _starts(p0, count: int, default_n) -> np.ndarray:
    """p0 as (K, n) float64."""
    if p0 is None:
        return np.ones((count, default_n()))
    p0 = _real_array("p0", p0)
    if p0.ndim == 1 and p0.size:
        p0 = np.broadcast_to(p0, (count, p0.size))
    elif p0.ndim != 2 or p0.shape[0] != count or p0.shape[1] == 0:
        raise ValueError(
            f"p0 has shape {p0.shape}; it must be (n,), shared by every fit, or "
            f"({count}, n), one start per fit"
        )
    _require_finite("p0", p0)
    return p0


def _weights(sigma, count: int, m: int):
    """1 / sigma, shaped to multiply (k, m) residual blocks (per fit: (K, m))."""
    if sigma is None:
        return None
    sigma = _real_array("sigma", sigma)
    if sigma.size == 1:
        sigma = sigma.reshape(())
    elif sigma.shape not in ((m,), (count, m)):
        raise ValueError(
            f"sigma has shape {sigma.shape}; it must be a scalar, ({m},) shared by every fit, "
            f"or ({count}, {m}) like ydata"
        )
    bad = np.argwhere(np.isnan(sigma) | (sigma == 0))
    if bad.size:
        where = ", ".join(str(i) for i in bad[0])
        raise ValueError(
            f"sigma must be non-zero and not NaN; sigma[{where}] is {sigma[tuple(bad[0])]} "
            f"(an infinite sigma gives a point no weight)"
        )
    return 1.0 / sigma


def _broadcast_model(values: np.ndarray, k: int, m: int) -> np.ndarray:
    try:
        return np.broadcast_to(values, (k, m))
    except ValueError:
        raise ValueError(
            f"model(x, *params) returned shape {values.shape} for {k} fits of {m} points; "
            f"it must return ({k}, {m}), one row per fit (each params[j] has shape ({k}, 1))"
        ) from None


def _scaled_covariance(outcome, points: np.ndarray, n: int, absolute_sigma: bool):
    """curve_fit's pcov from cov_x, fit by fit (in place), and one warning
    for the converged fits where it cannot be estimated."""
    cov = outcome.cov_x
    converged = np.isin(outcome.status, _messages.SUCCESS)
    # The engine filled a singular R's cov_x with inf; curve_fit also gives
    # up on a cov_x with NaN.
    singular = converged & (np.isnan(cov).any(axis=(1, 2)) | np.isinf(cov).all(axis=(1, 2)))
    undefined = np.zeros_like(converged)
    if not absolute_sigma:
        undefined = converged & (points <= n)
        dof = np.where(points > n, points - n, 1)
        cov *= (outcome.chi_square / dof)[:, None, None]
    cov[singular | undefined] = np.inf
    failed = int((singular | undefined).sum())
    if failed:
        _optimize_warning.warn(
            f"Covariance of the parameters could not be estimated for {failed} of "
            f"{converged.sum()} converged fits (rank-deficient Jacobian, or no more data "
            f"points than parameters); their pcov is inf",
            stacklevel=3,
        )
    return cov
