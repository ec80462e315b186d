"""The stream: the only path by which a fit's numbers reach the page.

One long-lived sender thread per widget.  The fit's worker thread tells the
stream what is new (`begin`, `records`, `paused`, `end`) and never waits for
the page; the sender wakes, waits until at least `MIN_INTERVAL` has passed
since its last batch, and sends every record not yet sent as one `steps`
message (`Trace.chunks(sent, published)`) with the newest curves.  However
fast the fit runs, there are at most 1/MIN_INTERVAL batches a second, and
nothing queues up: records that arrive while the sender waits join the next
batch.  At the end of a fit every record is sent, then one `end` message
carrying the outcome: the page derives the step count, nfev and ‖f‖ from
the records, and the status from `begin`, `state` and `end`.

A replay (a reloaded page, a second view) resends the current fit whole
from this thread, so a replay and the live batches never interleave.

One thread, not one per fit: ipykernel gives every thread that publishes
its own socket and reaps them only every few seconds, so a thread per fit
runs out of sockets in a burst of fits.

Records are read from the Trace while the fit appends to it.  That is safe
because a record is complete before `records` counts it, rows are never
rewritten, and the Trace's growth copies complete rows before swapping arrays.
"""

from __future__ import annotations

import collections
import threading
import time

from . import protocol
from .decimate import decimate_curves

MIN_INTERVAL = 1 / 30  # seconds between two batches: the page draws at most ~30 frames/s


class _Channel:
    """What the stream knows of one fit."""

    def __init__(self, fit_id: int, n: int, trace, state: str, curve_points):
        self.fit_id = fit_id
        self.n = n
        self.trace = trace
        self.curve_points = curve_points  # longer curves are decimated to about this many
        self.published = 0  # complete records in the trace
        self.sent = 0  # records sent
        self.begun = False  # `begin` sent
        self.state = state  # running or paused, as the page should show it
        self.state_sent = state
        self.curves: dict | None = None  # newest curves, not yet sent
        self.last_curves: dict | None = None  # the curves last sent (for a replay)
        self.outcome: dict | None = None  # set by `end`
        self.end_sent = False
        self.dropped = False  # superseded: nothing more of it goes out

    def settled(self) -> bool:
        return self.dropped or self.end_sent


class Stream:
    """Sends a fit's records to the page in throttled batches; `send(content,
    buffers)` is the widget's send.  Thread-safe; no method blocks."""

    def __init__(self, send):
        self._send = send
        self._cond = threading.Condition(threading.Lock())
        self._channels: collections.deque[_Channel] = collections.deque()
        self._replay = False
        self._urgent = False  # step mode: show the record without waiting for the interval
        self._closed = False
        self._last_batch = 0.0
        self.batches = 0
        self._thread = threading.Thread(target=self._loop, daemon=True, name="lmscope-stream")
        self._thread.start()

    # -- from the fit's thread -------------------------------------------------

    def begin(self, fit_id: int, n: int, trace, *, paused: bool, curve_points=None) -> None:
        with self._cond:
            for channel in self._channels:
                if channel.outcome is None:
                    channel.dropped = True  # superseded without an end: the page moves on
            self._channels.append(
                _Channel(
                    fit_id, n, trace, protocol.PAUSED if paused else protocol.RUNNING, curve_points
                )
            )
            self._cond.notify()

    def records(self, fit_id: int, count: int, curves: dict | None = None) -> None:
        """The first `count` records of the fit are complete; `curves` (name ->
        1-D array), when given, are the curves at the newest one."""
        with self._cond:
            channel = self._find(fit_id)
            if channel is None:
                return
            channel.published = count
            if curves is not None:
                channel.curves = curves
            self._cond.notify()

    def paused(self, fit_id: int, paused: bool) -> None:
        with self._cond:
            channel = self._find(fit_id)
            if channel is None:
                return
            channel.state = protocol.PAUSED if paused else protocol.RUNNING
            self._urgent = self._urgent or paused
            self._cond.notify()

    def end(self, fit_id: int, outcome: dict | None, count: int, curves: dict | None) -> None:
        """The fit ended: send the rest, then `end` with the outcome (None:
        superseded, the page needs nothing more of it)."""
        with self._cond:
            channel = self._find(fit_id)
            if channel is None:
                return
            channel.published = count
            if curves is not None:
                channel.curves = curves
            if outcome is None:
                channel.dropped = True
            else:
                channel.outcome = outcome
            self._cond.notify()

    # -- from anywhere --------------------------------------------------------

    def replay(self) -> None:
        """Resend the current fit from its start (the sender does it)."""
        with self._cond:
            self._replay = True
            self._cond.notify()

    def idle(self) -> bool:
        """Whether everything published has been sent."""
        with self._cond:
            return not self._replay and all(c.settled() for c in self._channels)

    def close(self, timeout: float = 1.0) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    # -- the sender thread -----------------------------------------------------

    def _find(self, fit_id: int) -> _Channel | None:
        for channel in reversed(self._channels):
            if channel.fit_id == fit_id:
                return channel
        return None

    def _pending(self) -> bool:
        if self._replay:
            return True
        for c in self._channels:
            if c.dropped:
                continue
            if (
                not c.begun
                or c.sent < c.published
                or (c.curves is not None and c.published)
                or c.state != c.state_sent
                or (c.outcome is not None and not c.end_sent)
            ):
                return True
        return False

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._closed and not self._pending():
                    self._cond.wait()
                if self._closed:
                    return
                wait = self._last_batch + MIN_INTERVAL - time.monotonic()
                head = self._head()
                ending = head is not None and head.outcome is not None
                if wait > 0 and not (self._urgent or ending or self._replay):
                    self._cond.wait(wait)  # a notify (the end, a pause) cuts the wait short
                    continue
                self._urgent = False
                replay, self._replay = self._replay, False
                messages = self._replay_messages() if replay else self._next_messages(head)
            for content, buffers in messages:
                self._send(content, buffers)

    def _head(self) -> _Channel | None:
        while self._channels and self._channels[0].settled() and len(self._channels) > 1:
            self._channels.popleft()
        for channel in self._channels:
            if not channel.dropped:
                return channel
        return None

    def _next_messages(self, c: _Channel | None) -> list:
        """Under the lock: what to send now for the oldest unsettled fit."""
        if c is None:
            return []
        out = []
        if not c.begun:
            c.begun = True
            out.append((protocol.begin_message(c.fit_id, c.n, c.state), None))
            c.state_sent = c.state
        if c.sent < c.published or (c.curves is not None and c.published):
            out.append(self._batch(c, c.sent, c.published))
        if c.state != c.state_sent and c.outcome is None:
            out.append((protocol.state_message(c.fit_id, c.state), None))
            c.state_sent = c.state
        if c.outcome is not None and c.sent >= c.published and not c.end_sent:
            out.append((protocol.end_message(c.fit_id, c.outcome), None))
            c.end_sent = True
        return out

    def _batch(self, c: _Channel, start: int, stop: int):
        curves = c.curves if c.curves is not None else {}
        if curves and c.curve_points is not None:
            curves = decimate_curves(curves, c.curve_points)
        if c.curves is not None:
            c.last_curves, c.curves = c.curves, None
        c.sent = stop
        self._last_batch = time.monotonic()
        self.batches += 1
        return protocol.steps_message(c.fit_id, c.trace, start, stop, curves)

    def _replay_messages(self) -> list:
        """Under the lock: the newest fit whole, from its begin."""
        c = next((c for c in reversed(self._channels) if not c.dropped), None)
        if c is None:
            return []
        c.begun = True
        c.state_sent = c.state
        out = [(protocol.begin_message(c.fit_id, c.n, c.state), None)]
        if c.published:
            if c.curves is None:
                c.curves = c.last_curves
            out.append(self._batch(c, 0, c.published))
        if c.outcome is not None:
            out.append((protocol.end_message(c.fit_id, c.outcome), None))
            c.end_sent = True
        return out
