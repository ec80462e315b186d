"""One fit on a background thread, streamed to the page in throttled batches.

Two threads per fit, both ended and joined before the fit is reported done:

- the fit thread runs `leastsq` with a callback.  The callback publishes how
  many records of the Trace are complete, sleeps for the slow-motion delay,
  and waits for the Step button in step mode.  It sends one small message, the
  `begin` of the fit once f(x0) is in; the steps are the sender's job.
- the sender thread wakes when a record is published, waits until at least
  `MIN_INTERVAL` has passed since its last batch, and sends every record not
  yet sent as one `steps` message (`trace.chunks(sent, published)`), with the
  curves evaluated once, at the newest record.  However fast the fit runs there
  are at most 1/MIN_INTERVAL batches a second, and nothing queues up: records
  that arrive while the sender waits simply join the next batch.

A stopped fit (Stop, or superseded by a newer fit) reports at once: its last
batch carries no curves (the user's model may be slow, and the page keeps the
curves it has), and it is reported done before its sender is joined.

Every call into user code (func, Dfun, the curves) goes through `spec.user`,
a `UserCode` lock shared with the widget's other threads; a stopped fit gives
up waiting for it.

Records are read from the Trace while the fit appends to it.  That is safe
because a record is complete before the callback publishes it, rows are never
rewritten, and the Trace's growth copies complete rows before swapping arrays.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import numpy as np

from .._callbacks import StopFit
from ..leastsq import leastsq
from ..trace import Trace
from . import protocol
from .decimate import decimate_curves
from .usercode import Busy, UserCode

MIN_INTERVAL = 1 / 30  # seconds between two batches: the page draws at most ~30 frames/s
REPLAY_WAIT = 0.2  # seconds a replay waits for a curve while user code runs elsewhere


@dataclass(frozen=True)
class FitSpec:
    """Everything one fit needs, frozen when it starts."""

    fit_id: int
    func: object  # residual function, leastsq's `func`
    x0: np.ndarray
    args: tuple = ()
    dfun: object = None
    options: dict = field(default_factory=dict)  # ftol, xtol, gtol, maxfev, epsfcn, factor
    delay: float = 0.0  # slow motion: seconds of pause after each trial step
    curves: object = None  # callable(x) -> 1-D array drawn for a parameter vector
    step_mode: bool = False  # start paused; the Step button releases one trial step
    user: UserCode = field(default_factory=UserCode)  # one call into user code at a time
    curve_points: int | None = None  # longer curves are decimated to about this many points


class _CurveCache:
    """The curve at the last two parameter vectors asked for: the accepted
    point often stays put for several batches, so most batches evaluate one curve."""

    def __init__(self, evaluate, user: UserCode, cancelled):
        self._evaluate = evaluate
        self._user = user
        self._cancelled = cancelled
        self._memo: dict[bytes, np.ndarray] = {}

    def __call__(self, x: np.ndarray, timeout: float | None = None) -> np.ndarray | None:
        """The curve at x, or None when the fit stopped (or `timeout` passed)
        while the user's code was busy elsewhere."""
        key = x.tobytes()
        value = self._memo.get(key)
        if value is None:
            try:
                value = self._user.call(
                    self._evaluate, x.copy(), cancelled=self._cancelled, timeout=timeout
                )
                value = np.asarray(value, dtype=np.float64).reshape(-1)
            except Busy:
                return None
            except Exception:
                value = np.full(0, np.nan)
            if len(self._memo) >= 2:
                self._memo.pop(next(iter(self._memo)))
            self._memo[key] = value
        return value


class FitRun:
    """A fit in flight.  `start()` once; then `stop()`, `step()`, `run_freely()`
    from any thread; `join()` to wait.  After the fit: `result` (leastsq's full
    output) or `error`, `trace`, `elapsed`."""

    def __init__(self, spec: FitSpec, send, *, on_progress=None, on_done=None):
        self.spec = spec
        self.trace = Trace()
        self.result = None
        self.error: BaseException | None = None
        self.started = self.finished_at = None
        self._send = send  # send(content, buffers) to the page
        self._on_progress = on_progress  # on_progress(run) after every batch (sender thread)
        self._on_done = on_done  # on_done(run) when the fit ended (fit thread)
        self._stop = threading.Event()
        self._wake = threading.Event()  # a record was published or the fit ended
        self._finished = threading.Event()
        self._lock = threading.Lock()  # one sender at a time: the stream or a replay
        self._m = -1  # residuals per evaluation, once known
        self._published = 0  # complete records in the trace
        self._sent = 0  # records sent in steps messages
        self._last_batch = 0.0
        self._urgent = False  # step mode: show this record without waiting
        self._pause = threading.Condition()
        self._step_mode = spec.step_mode
        self._tokens = 0  # trial steps released by Step
        self._curve = (
            _CurveCache(spec.curves, spec.user, self._stop.is_set)
            if spec.curves is not None
            else None
        )
        self.batches = 0
        self.superseded = False  # a newer fit replaced this one (set by the widget)
        self._thread = threading.Thread(
            target=self._run, daemon=True, name=f"lmscope-fit-{spec.fit_id}"
        )
        self._sender = threading.Thread(
            target=self._stream, daemon=True, name=f"lmscope-send-{spec.fit_id}"
        )

    # -- control (any thread) ----------------------------------------------

    @property
    def fit_id(self) -> int:
        return self.spec.fit_id

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    @property
    def done(self) -> bool:
        return self._finished.is_set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    @property
    def paused(self) -> bool:
        return self._step_mode

    @property
    def published(self) -> int:
        return self._published

    def start(self) -> None:
        self.started = time.monotonic()
        self._sender.start()
        self._thread.start()

    def stop(self) -> None:
        """Ask the fit to stop: leastsq checks before every residual call, the
        callback before and while it pauses."""
        self._stop.set()
        with self._pause:
            self._pause.notify_all()

    def step(self) -> None:
        """Step mode: let one more trial step run (entering step mode if the
        fit was running freely)."""
        with self._pause:
            if self._step_mode:
                self._tokens += 1
            self._step_mode = True
            self._pause.notify_all()

    def run_freely(self) -> None:
        """Leave step mode and run to the end."""
        with self._pause:
            self._step_mode = False
            self._pause.notify_all()

    def wait_done(self, timeout: float | None = None) -> bool:
        """Wait until leastsq returned (the fit may still be reporting)."""
        if self.on_its_thread():
            return False
        return self._finished.wait(timeout)

    def on_its_thread(self) -> bool:
        """Whether the caller is this fit's thread (a `result` observer, say)."""
        return threading.current_thread() is self._thread

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the fit (and its sender); returns whether it ended."""
        if threading.current_thread() is self._thread:
            return False
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def replay(self) -> None:
        """Resend the whole fit so far (`begin`, one `steps`, `end` if ended);
        the stream continues from there."""
        with self._lock:
            published = self._published
            if not published:
                return  # the first record sends `begin`
            self._send(*self._begin())
            # The kernel's main thread: never wait long for the user's code.
            self._send(*self._batch(0, published, timeout=REPLAY_WAIT))
            self._sent = published
            if self._finished.is_set() and self._sent == published:
                self._send(protocol.end_message(self.fit_id), None)

    # -- the fit thread -----------------------------------------------------

    def _begin(self):
        return protocol.begin_message(self.fit_id, self.spec.x0.size, self._m), None

    def _residuals(self, x, *args):
        """The user's func, noting m (for `begin`) from its first answer."""
        try:
            fvec = self.spec.user.call(self.spec.func, x, *args, cancelled=self._stop.is_set)
        except Busy:
            # Stopped while another call into user code (a slow curve) ran:
            # waiting for it would delay Stop.  StopFit ends the fit cleanly,
            # ier = -2 at the last accepted point (before the first
            # evaluation there is no fit yet, and the fit ends with Busy).
            if self._m < 0:
                raise
            raise StopFit from None
        if self._m < 0:
            self._m = int(np.size(fvec))
        return fvec

    def _run(self) -> None:
        spec = self.spec
        try:
            dfun = spec.user.guarded(spec.dfun, cancelled=self._stop.is_set)
            self.result = leastsq(
                self._residuals,
                spec.x0,
                args=spec.args,
                Dfun=dfun,
                full_output=True,
                callback=self._callback,
                trace=self.trace,
                stop=self._stop,
                **spec.options,
            )
        except BaseException as exc:
            self.error = exc
        finally:
            self._published = len(self.trace)
            self._finished.set()
            self._wake.set()
            if not self._stop.is_set():
                self._sender.join()  # done means every record was sent ...
            self.finished_at = time.monotonic()
            if self._on_done is not None:
                self._on_done(self)
            self._sender.join()  # ... but Stop must not wait for a slow curve
            with self._lock:
                self._send(protocol.end_message(self.fit_id), None)

    def _callback(self, step) -> bool:
        if self._published == 0:
            with self._lock:  # f(x0) is in: m is known
                self._send(*self._begin())
        self._published = len(self.trace)  # this record is complete
        self._wake.set()
        if self._stop.is_set():
            return True
        if self.spec.delay > 0 and self._stop.wait(self.spec.delay):
            return True
        with self._pause:
            if self._step_mode:
                self._urgent = True
                self._wake.set()
                while self._step_mode and self._tokens == 0 and not self._stop.is_set():
                    self._pause.wait()
                if self._tokens:
                    self._tokens -= 1
        return self._stop.is_set()

    # -- the sender thread ---------------------------------------------------

    def _stream(self) -> None:
        while True:
            self._wake.wait()
            wait = self._last_batch + MIN_INTERVAL - time.monotonic()
            if wait > 0 and not self._urgent:
                self._finished.wait(wait)  # the end of the fit cuts the wait short
            self._wake.clear()
            self._urgent = False
            finished = self._finished.is_set()
            self._flush()
            if finished and self._sent >= self._published:
                return

    def _flush(self) -> None:
        with self._lock:
            start, stop = self._sent, self._published
            if stop <= start:
                return
            self._send(*self._batch(start, stop, streaming=True))
            self._sent = stop
            self._last_batch = time.monotonic()
            self.batches += 1
        if self._on_progress is not None:
            self._on_progress(self)

    def _batch(
        self, start: int, stop: int, *, streaming: bool = False, timeout: float | None = None
    ):
        """A steps message of records start..stop with the curves at the last
        one.  The stream leaves the curves out once the fit is stopping (the
        page keeps the curves it has): the user's model may be slow."""
        curves = {}
        if self._curve is not None and not (streaming and self._stop.is_set()):
            last = stop - 1
            x = np.array(self.trace._columns["x"][last])
            x_trial = np.array(self.trace._columns["x_trial"][last])
            accepted = self._curve(x, timeout)
            trial = None if streaming and self._stop.is_set() else self._curve(x_trial, timeout)
            if accepted is not None and trial is not None:
                curves = {"accepted": accepted, "trial": trial}
                if self.spec.curve_points is not None:
                    curves = decimate_curves(curves, self.spec.curve_points)
        return protocol.steps_message(self.fit_id, self.trace, start, stop, curves)
