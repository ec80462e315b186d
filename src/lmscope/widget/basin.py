"""The convergence-basin map over the landscape's two parameters, computed
progressively on a background thread.

Every start is the widget's x0 with parameters i and j set to one point of a
grid over their slider ranges (log-spaced where the slider is logarithmic),
fitted with the widget's own settings (ftol, xtol, gtol, maxfev, epsfcn,
factor, diag, and Dfun when the widget uses it), so each cell is the fit the
widget makes from that start: the same x, ier and nfev.  The grid is refined
level by level (LEVELS), each level published as soon as it is done, so a
coarse map appears at once and sharpens while the user looks.

How a level is fitted:

- curve form: `lmscope.batch.basin` on the model, which then gets (k, 1)
  parameter columns; a model that cannot take them (it raises) is fitted
  row by row instead (`basin_leastsq` on the widget's residuals);
- residual form: `lmscope.batch.basin_leastsq` on the widget's func, one
  parameter row at a time (func takes one point);
- with Dfun: the batch engine has no analytic Jacobian, so each start is one
  `lmscope.leastsq` call with Dfun, as the widget's fit makes it.

Every call into the user's code goes through the widget's `UserCode` lock as
a background caller, so a fit started by a slider goes first and the map
never blocks it.  `cancel()` is checked before every such call (an
exception then ends the batch) and between levels; a cancelled job
publishes nothing more.  The job runs on a `Landscaper` thread, which keeps
only the latest job.
"""

from __future__ import annotations

import threading
import time

import numpy as np

from .. import batch
from .._basin import NO_SOLUTION, label_solutions
from ..leastsq import leastsq
from .landscape import grid_axis
from .protocol import describe, finite_or_none
from .usercode import Busy

LEVELS = (8, 16, 32)  # points per axis of each refinement
REFINE_BUDGET = 60.0  # seconds: a level expected to take longer is not started
RTOL = 1e-5  # batch.basin's default: final points this close are one solution
ROWS, BATCH, SINGLE = "rows", "batch", "single fits"  # how a level was fitted
VIEWS = ("cost", "basin")  # what the landscape panel shows


class Cancelled(Exception):
    """Raised inside a batch fit to end it once the map is no longer wanted."""


class BasinJob:
    """Computes one basin map, level by level (`run()`, on a Landscaper's
    thread), calling `on_level(job)` after each level with `value` set."""

    def __init__(
        self,
        problem,
        x0,
        i,
        j,
        axis_i,
        axis_j,
        options,
        use_dfun,
        fit_id,
        on_level,
        user,
        *,
        bounds=None,
        fixed=(),
    ):
        self._cancel = threading.Event()
        self._problem = problem
        self._x0 = np.array(x0, dtype=np.float64)
        self.i, self.j, self.fit_id = int(i), int(j), int(fit_id)
        self._axes = axis_i, axis_j  # (lo, hi, log) of each parameter's slider
        self._options = dict(options)
        self._use_dfun = bool(use_dfun) and problem.dfun is not None
        self._on_level = on_level
        self._user = user
        # The widget's fit runs within these limits and on these free
        # parameters; a map of other fits would silently disagree with it.
        self._bounds = bounds
        self._fixed = tuple(bool(f) for f in fixed)
        self.value: dict | None = None

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def run(self) -> None:
        if any(self._fixed):
            # The map would have to be of the reduced problem; rather than a
            # map of fits the widget does not make, say why there is none.
            self.value = self._message(
                "no basin map while a parameter is fixed: free it to see where starts end"
            )
            self._on_level(self)
            return
        for level, size in enumerate(LEVELS):
            started = time.perf_counter()
            try:
                value = self._level(size)
            except (Cancelled, Busy):
                return
            except Exception as exc:  # the user's code failed: say so instead of a map
                self.value = self._message(f"no basin map: {type(exc).__name__}: {exc}"[:300])
                if not self._cancel.is_set():
                    self._on_level(self)
                return
            if self._cancel.is_set():
                return
            # The next level has four times the starts: not started past the budget.
            took = time.perf_counter() - started
            last = level == len(LEVELS) - 1 or 4 * took > REFINE_BUDGET
            value["level"] = level
            value["final"] = last
            self.value = value
            self._on_level(self)
            if last:
                return

    # -- one level ---------------------------------------------------------------

    def _level(self, size: int) -> dict:
        (lo_i, hi_i, log_i), (lo_j, hi_j, log_j) = self._axes
        if self._bounds is not None:
            # Starts stay inside the limits, as the widget's own starts do.
            lb, ub = self._bounds
            lo_i, hi_i = max(lo_i, lb[self.i]), min(hi_i, ub[self.i])
            lo_j, hi_j = max(lo_j, lb[self.j]), min(hi_j, ub[self.j])
        grid = (grid_axis(lo_i, hi_i, log_i, size), grid_axis(lo_j, hi_j, log_j, size))
        if self._use_dfun:
            return self._layout(self._single_fits(grid), SINGLE)
        if self._problem.curve is not None:
            try:
                return self._layout(self._curve_batch(grid), BATCH)
            except (Cancelled, Busy):
                raise
            except Exception:
                pass  # the model does not take parameter columns: fit row by row
        return self._layout(self._row_batch(grid), ROWS)

    def _guard(self, fn):
        """fn through the user-code lock as a background caller, ending the
        batch (Cancelled) once the job is cancelled."""
        cancelled = self._cancel.is_set

        def call(*args):
            if cancelled():
                raise Cancelled
            return self._user.call(fn, *args, cancelled=cancelled, background=True)

        return call

    def _settings(self) -> dict:
        settings = dict(self._options)
        if self._problem.diag is not None:
            settings["diag"] = self._problem.diag
        if self._bounds is not None:
            settings["bounds"] = self._bounds
        return settings

    def _curve_batch(self, grid):
        curve = self._problem.curve
        found = batch.basin(
            self._guard(curve.model),
            curve.xdata,
            curve.ydata,
            self._x0,
            params=(self.i, self.j),
            grid=grid,
            sigma=curve.sigma,
            rtol=RTOL,
            **self._settings(),
        )
        return grid, found.x, found.ier, found.nfev, found.fnorm, found.label, found.solutions

    def _row_batch(self, grid):
        func, args = self._guard(self._problem.func), self._problem.args

        def rows(params, _fits, *args):
            return np.array([np.asarray(func(p, *args), dtype=np.float64) for p in params])

        found = batch.basin_leastsq(
            rows,
            self._x0,
            params=(self.i, self.j),
            grid=grid,
            args=args,
            rtol=RTOL,
            **self._settings(),
        )
        return grid, found.x, found.ier, found.nfev, found.fnorm, found.label, found.solutions

    def _single_fits(self, grid):
        """One leastsq per start with Dfun, in batch.basin's layout (i outer)."""
        problem = self._problem
        func, dfun = self._guard(problem.func), self._guard(problem.dfun)
        settings = self._settings()
        if problem.col_deriv:
            settings["col_deriv"] = True
        shape = (grid[0].size, grid[1].size)
        x = np.empty(shape + (self._x0.size,))
        ier = np.empty(shape, dtype=np.int64)
        nfev = np.empty(shape, dtype=np.int64)
        fnorm = np.empty(shape)
        start = self._x0.copy()
        for a, vi in enumerate(grid[0]):
            for b, vj in enumerate(grid[1]):
                start[self.i], start[self.j] = vi, vj
                xs, _cov, info, _mesg, code = leastsq(
                    func, start, problem.args, Dfun=dfun, full_output=True, **settings
                )
                x[a, b], ier[a, b], nfev[a, b] = xs, code, info["nfev"]
                fnorm[a, b] = np.linalg.norm(info["fvec"])
        converged = np.isin(ier, (1, 2, 3, 4))
        label, solutions, _costs = label_solutions(
            x.reshape(-1, x.shape[-1]), fnorm.ravel(), converged.ravel(), RTOL
        )
        return grid, x, ier, nfev, fnorm, label.reshape(shape), solutions

    # -- the trait -----------------------------------------------------------------

    def _layout(self, found: tuple, method: str) -> dict:
        """The page's view of (grid, x, ier, nfev, fnorm, label, solutions):
        row-major with one row per value of xj, as the landscape (batch.basin's
        arrays are i outer, so they are transposed)."""
        grid, x, ier, nfev, fnorm, label, solutions = found

        def cells(array):
            return np.swapaxes(array, 0, 1).reshape((-1,) + array.shape[2:])

        return {
            "i": self.i,
            "j": self.j,
            "xi": [float(v) for v in grid[0]],
            "xj": [float(v) for v in grid[1]],
            "label": [int(v) for v in cells(label)],
            "ier": [int(v) for v in cells(ier)],
            "nfev": [int(v) for v in cells(nfev)],
            "fnorm": [finite_or_none(v) for v in cells(fnorm)],
            "x": [[finite_or_none(v) for v in row] for row in cells(x)],
            "solutions": [[float(v) for v in row] for row in solutions],
            "method": method,
            "fit_id": self.fit_id,
        }

    def _message(self, message: str) -> dict:
        return {"i": self.i, "j": self.j, "message": message, "fit_id": self.fit_id}


def landscape_view_choice(value) -> str:
    """The `landscape_view` trait: `cost` (the landscape) or `basin` (this map)."""
    if not isinstance(value, str) or value not in VIEWS:
        raise ValueError(f"landscape_view must be one of {', '.join(VIEWS)}, got {describe(value)}")
    return value


__all__ = ["LEVELS", "NO_SOLUTION", "VIEWS", "BasinJob", "landscape_view_choice"]
