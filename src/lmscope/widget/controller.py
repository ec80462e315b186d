"""The controller: the single owner of a fit's life.

Its state is one of `outcomes.STATES`: `idle` before the first fit,
`running` or `paused` (between Step clicks) while a fit is in flight, and the
last fit's outcome (`success`, `failure`, `stopped`, `error`) after it.

One long-lived worker thread per widget runs the fits, one at a time.  A
request (a slider moved, Fit pressed) never waits: it replaces any request
not yet started (the latest request wins), asks the fit in flight to stop,
and returns.  The worker then ends that fit (leastsq returns within one call
of func once its stop event is set) and starts the newest request.  So a
burst of 100 slider values runs at most two fits, and no control event waits
for a fit to wind down.  A fit stuck in the user's func holds the worker
until func returns; requests meanwhile coalesce into one.

The controller knows nothing of ipywidgets or of a page: it talks to a
`Stream` (the page's side) and to an `on_end(job)` callback (the widget's
traits), so it is tested on its own.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import numpy as np

from .._callbacks import StopFit
from ..leastsq import leastsq
from ..trace import Trace
from . import outcomes
from .drawing import drawing_curves
from .fixing import FreeParameters
from .problem import MODEL_POINTS, Problem
from .stream import MIN_INTERVAL, Stream
from .usercode import Busy, UserCode

CLOSE_WAIT = 1.0  # seconds close() gives the worker to end


@dataclass(frozen=True)
class FitRequest:
    """Everything one fit needs, frozen when it is asked for."""

    x0: np.ndarray
    options: dict = field(default_factory=dict)  # leastsq's ftol, xtol, ... keywords
    use_dfun: bool = False
    delay: float = 0.0  # slow motion: seconds of pause after each trial step
    step_mode: bool = False  # start paused at the starting point
    fixed: tuple[bool, ...] = ()  # held at x0 (fixing.py); empty: none
    bounds: tuple | None = None  # (lb, ub) for leastsq's bounds=, one entry per parameter


class FitJob:
    """One fit, run on the controller's worker thread.  After `run()`:
    `result` (leastsq's full output) or `error`, `trace`, `outcome`,
    `curves` (the curves at the last record drawn)."""

    def __init__(
        self,
        fit_id: int,
        request: FitRequest,
        problem: Problem,
        stream: Stream,
        user: UserCode,
        on_pause,
    ):
        self.fit_id = fit_id
        self.request = request
        self.trace = Trace()
        self.result: tuple | None = None
        self.error: BaseException | None = None
        self.outcome: outcomes.Outcome | None = None
        self.superseded = False
        self.started = self.finished = 0.0
        self.curves: dict | None = None
        self._problem = problem
        self._stream = stream
        self._user = user
        self._on_pause = on_pause  # on_pause(job, paused) when Step holds or releases it
        self._stop = threading.Event()
        self._pause = threading.Condition()
        self._step_mode = request.step_mode
        self._tokens = 0  # trial steps released by Step
        self._last_eval: tuple[np.ndarray, np.ndarray] | None = None  # residual form: (x, f(x))
        self._accepted_f: np.ndarray | None = None
        self._trial_f: np.ndarray | None = None
        self._curve_memo: dict[bytes, np.ndarray] = {}
        self._drawn: tuple[bytes, dict] | None = None  # (x, the drawing at x)
        self._curves_at = -1  # record whose curves were last handed to the stream
        self._last_curves = 0.0
        fixed = np.array(request.fixed, dtype=bool)
        self._free = FreeParameters(request.x0, fixed) if fixed.any() else None

    # -- control (any thread) --------------------------------------------------

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    @property
    def paused(self) -> bool:
        return self._step_mode

    def stop(self) -> None:
        self._stop.set()
        with self._pause:
            self._pause.notify_all()

    def step(self) -> None:
        """Let one more trial step run (entering step mode if running freely)."""
        with self._pause:
            if self._step_mode:
                self._tokens += 1
            self._step_mode = True
            self._pause.notify_all()

    def run_freely(self) -> None:
        with self._pause:
            self._step_mode = False
            self._pause.notify_all()

    # -- the worker thread -----------------------------------------------------

    def run(self) -> outcomes.Outcome:
        """Run the fit; returns (and keeps in `outcome`) how it ended."""
        problem, request = self._problem, self.request
        # Long residual vectors go to the page decimated, in both forms (the curve
        # form draws them under the data, against xdata).
        curve_points = MODEL_POINTS
        self._stream.begin(
            self.fit_id, problem.n, self.trace, paused=request.step_mode, curve_points=curve_points
        )
        self.started = time.monotonic()
        dfun = problem.dfun if request.use_dfun else None
        options = dict(request.options)
        if problem.col_deriv:
            options["col_deriv"] = True
        func, x0, bounds = self._residuals, request.x0, request.bounds
        dfun = self._user.guarded(dfun, cancelled=self._stop.is_set)
        diag = problem.diag
        free = self._free
        if free is not None:
            # The reduced problem; the callback records its steps in all n parameters.
            func, x0, bounds = free.func(func), free.reduce(x0), free.bounds(bounds)
            dfun = free.dfun(dfun, problem.col_deriv)
            diag = None if diag is None else free.reduce(diag)
        if diag is not None:
            options["diag"] = diag
        result = None
        try:
            result = leastsq(
                func,
                x0,
                args=problem.args,
                Dfun=dfun,
                full_output=True,
                callback=self._callback,
                trace=self.trace if free is None else None,
                stop=self._stop,
                bounds=bounds,
                **options,
            )
        except BaseException as exc:  # the user's exception, shown and kept in w.error
            self.error = exc
        if result is not None and free is not None:
            result = free.result(result)
        self.finished = time.monotonic()
        self.result = result
        if result is None:
            outcome = outcomes.of_error(self.fit_id, self.error or RuntimeError("no result"))
        else:
            outcome = outcomes.of_ier(self.fit_id, result[4], result[3])
        self.outcome = outcome
        count = len(self.trace)
        curves = None
        if not self.superseded and count:
            # Complete at the end: the curves at the last record, unless the fit was
            # stopped (the user's model may be slow; the page keeps what it has).
            curves = self._curves(count - 1, force=not self._stop.is_set())
        self._stream.end(
            self.fit_id, None if self.superseded else outcome.as_message(), count, curves
        )
        return outcome

    def _residuals(self, x, *args):
        try:
            fvec = self._user.call(self._problem.func, x, *args, cancelled=self._stop.is_set)
        except Busy:
            # Stopped while another call into user code (the landscape) ran:
            # waiting for it would delay Stop.  StopFit ends the fit cleanly at
            # the last accepted point; before the first evaluation there is none.
            if self._last_eval is None:
                raise
            raise StopFit from None
        # The page draws f (the residual form as its plot, the curve form under the
        # data): keep the values the fit computed instead of calling func again.
        self._last_eval = (
            np.array(x, dtype=np.float64),
            np.array(fvec, dtype=np.float64).reshape(-1),
        )
        return fvec

    def _callback(self, step) -> bool:
        if self._free is not None:
            step = self._free.step(step)
            self.trace.append(step)
        k = len(self.trace) - 1  # this record is complete
        self._follow_residuals(step)
        self._stream.records(self.fit_id, k + 1, self._curves(k))
        if self._stop.is_set():
            return True
        if self.request.delay > 0 and self._stop.wait(self.request.delay):
            return True
        with self._pause:
            if self._step_mode:
                self._curves_at = -1  # the paused record shows its own curves
                self._stream.records(self.fit_id, k + 1, self._curves(k, force=True))
                self._stream.paused(self.fit_id, True)
                self._on_pause(self, True)
                while self._step_mode and self._tokens == 0 and not self._stop.is_set():
                    self._pause.wait()
                if self._tokens:
                    self._tokens -= 1
                if not self._stop.is_set():
                    self._stream.paused(self.fit_id, self._step_mode)
                    self._on_pause(self, self._step_mode)
        return self._stop.is_set()

    def _follow_residuals(self, step) -> None:
        """f at the trial point is the last evaluation when it was at x_trial;
        f at the accepted point is the trial's when the step was taken."""
        if self._last_eval is not None and np.array_equal(self._last_eval[0], step.x_trial):
            self._trial_f = self._last_eval[1]
        if np.array_equal(step.x, step.x_trial) and self._trial_f is not None:
            self._accepted_f = self._trial_f
        elif self._accepted_f is not None and np.array_equal(step.x, step.x_trial):
            self._trial_f = self._accepted_f

    def _curves(self, k: int, force: bool = False) -> dict | None:
        """The curves at record k, at most every MIN_INTERVAL unless forced."""
        if k == self._curves_at:
            return None
        now = time.monotonic()
        if not force and now - self._last_curves < MIN_INTERVAL:
            return None
        if self._problem.form == "residual":
            if self._accepted_f is None or self._trial_f is None:
                return None
            curves = {"accepted": self._accepted_f, "trial": self._trial_f}
            if self._problem.draw is not None:
                curves.update(self._drawing(self.trace.x[k]))
        else:
            accepted = self._model_curve(self.trace.x[k])
            trial = self._model_curve(self.trace.x_trial[k])
            if accepted is None or trial is None:
                return None
            curves = {"accepted": accepted, "trial": trial}
            xdata = self._problem.curve.xdata if self._problem.curve is not None else None
            f = self._accepted_f
            if f is not None and isinstance(xdata, np.ndarray) and xdata.size == f.size:
                # The residuals at the accepted point, against xdata: decimated
                # together (stream.py) when long.
                curves["residual"] = f
                curves["residual_x"] = xdata
        self._curves_at, self._last_curves = k, now
        self.curves = curves
        return curves

    def _drawing(self, x: np.ndarray) -> dict:
        """The user's drawing at x (drawing.py), or nothing when draw fails:
        a picture must not end the fit; the page keeps the last one."""
        key = x.tobytes()
        if self._drawn is None or self._drawn[0] != key:
            try:
                drawn = self._user.call(
                    drawing_curves, self._problem.draw, x.copy(), cancelled=self._stop.is_set
                )
            except Exception:
                drawn = {}
            self._drawn = (key, drawn)
        return self._drawn[1]

    def _model_curve(self, x: np.ndarray) -> np.ndarray | None:
        key = x.tobytes()
        value = self._curve_memo.get(key)
        if value is None:
            try:
                value = self._user.call(
                    self._problem.model_curve, x.copy(), cancelled=self._stop.is_set
                )
            except Busy:
                return None
            if len(self._curve_memo) >= 2:
                self._curve_memo.pop(next(iter(self._curve_memo)))
            self._curve_memo[key] = value
        return value


class Controller:
    """Runs fits of one problem on one worker thread; see the module docstring.

    `on_end(job)` is called on the worker thread after every fit, superseded
    ones included (`job.superseded`); `on_state(state)` whenever the state
    changes.  Both run without the controller's lock held, so they may make
    requests."""

    def __init__(
        self,
        problem: Problem,
        stream: Stream,
        *,
        user: UserCode | None = None,
        on_end=None,
        on_state=None,
    ):
        self._problem = problem
        self._stream = stream
        self._user = user if user is not None else UserCode()
        self._on_end = on_end
        self._on_state = on_state
        self._cond = threading.Condition(threading.Lock())
        self._state = outcomes.IDLE
        self._pending: tuple[int, FitRequest] | None = None
        self._job: FitJob | None = None
        self._fit_id = 0
        self._closed = False
        self._thread: threading.Thread | None = None

    # -- state --------------------------------------------------------------

    @property
    def state(self) -> str:
        return self._state

    @property
    def busy(self) -> bool:
        """A fit is in flight or asked for."""
        with self._cond:
            return self._pending is not None or self._job is not None

    @property
    def job(self) -> FitJob | None:
        """The fit in flight, or None."""
        return self._job

    @property
    def fit_id(self) -> int:
        """The newest fit asked for."""
        return self._fit_id

    # -- requests (any thread; none waits) ------------------------------------

    def request(self, request: FitRequest) -> int:
        """Start a fit as soon as the one in flight has stopped; returns its id."""
        with self._cond:
            if self._closed:
                raise RuntimeError("the widget is closed")
            self._fit_id += 1
            self._pending = (self._fit_id, request)
            if self._job is not None:
                self._job.superseded = True
                self._job.stop()
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._work, daemon=True, name="lmscope-fit-worker"
                )
                self._thread.start()
            self._cond.notify_all()
            changed = self._set_state(outcomes.PAUSED if request.step_mode else outcomes.RUNNING)
            fit_id = self._fit_id
        self._report_state(changed)
        return fit_id

    def stop(self) -> None:
        """Stop the fit in flight (ier -2 at its last accepted point) and drop
        any request not yet started."""
        with self._cond:
            self._pending = None
            job = self._job
            if job is not None:
                job.stop()
            self._cond.notify_all()

    def step(self, request: FitRequest) -> None:
        """One trial step: pause a running fit after its next step, release one
        step of a paused fit, or start `request` paused at its starting point."""
        with self._cond:
            job = self._job
            if job is not None and self._pending is None and not job.stopping:
                job.step()
                return
        self.request(request)

    def resume(self) -> bool:
        """Let a paused fit run to its end; returns whether one was paused."""
        with self._cond:
            job = self._job
            if job is None or self._pending is not None or job.stopping or not job.paused:
                return False
            job.run_freely()
            return True

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until no fit is in flight or asked for; returns whether so.
        Waits on a condition, never on a thread: an interrupt (Ctrl-C) here
        leaves the controller's state as it was (CPython issue 90882 corrupts
        a thread interrupted in join)."""
        if threading.current_thread() is self._thread:
            return False  # an on_end observer waiting for its own thread
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while self._pending is not None or self._job is not None:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._cond.wait(0.05 if left is None else min(left, 0.05))
        return True

    def close(self) -> None:
        """Stop, and end the worker thread (waiting briefly: a fit stuck in the
        user's func ends, and its thread with it, when func returns)."""
        with self._cond:
            self._closed = True
            self._pending = None
            if self._job is not None:
                self._job.superseded = True
                self._job.stop()
            self._cond.notify_all()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(CLOSE_WAIT)

    # -- the worker thread ------------------------------------------------------

    def _work(self) -> None:
        while True:
            with self._cond:
                while self._pending is None and not self._closed:
                    self._cond.wait()
                pending = self._pending
                if self._closed or pending is None:
                    return
                fit_id, request = pending
                self._pending = None
                job = FitJob(fit_id, request, self._problem, self._stream, self._user, self._paused)
                self._job = job
            outcome = job.run()
            if self._on_end is not None:
                # Before the job counts as ended: wait() returns with its result in place.
                self._on_end(job)
            with self._cond:
                self._job = None
                changed = False
                if self._pending is None and not job.superseded:
                    changed = self._set_state(outcome.state)
                self._cond.notify_all()
            self._report_state(changed)

    def _paused(self, job: FitJob, paused: bool) -> None:
        with self._cond:
            changed = (
                self._job is job
                and self._pending is None
                and self._set_state(outcomes.PAUSED if paused else outcomes.RUNNING)
            )
        self._report_state(changed)

    def _set_state(self, state: str) -> bool:
        """Under the lock; whether it changed."""
        changed = state != self._state
        self._state = state
        return changed

    def _report_state(self, changed: bool) -> None:
        if changed and self._on_state is not None:
            self._on_state(self._state)
