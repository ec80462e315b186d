"""One lock around every call a FitWidget makes into the user's code.

The widget calls func (and Dfun, or the curve form's model) from several
threads: the fit thread (through leastsq), the sender thread (the curves it
streams), the landscape thread, and the kernel's main thread (`figure()`, a
replay).  User code is rarely written for threads - a model that caches,
counts its calls, or wraps a library that is not reentrant - so the widget
never runs two of these calls at once: each one holds this lock.

A caller that may give up (a stopped fit, a cancelled landscape, the main
thread, which must stay responsive) waits in short slices and raises `Busy`
once it no longer wants the answer.  A call that hangs then holds up only
the threads that need the user's code, and only until they give up.
"""

from __future__ import annotations

import collections
import threading
import time

POLL = 0.02  # seconds between two looks at `cancelled` while another call runs


class Busy(RuntimeError):
    """The user's code was busy in another call, and the caller stopped waiting."""


class UserCode:
    """`call(fn, *args)`: fn(*args) when no other call into user code runs.

    Callers take turns in the order they came, so a thread that calls in a
    loop (the landscape) cannot starve the others; a `background` caller
    waits while any other caller waits, so the landscape never slows a fit."""

    def __init__(self):
        self._cond = threading.Condition(threading.Lock())
        self._owner: int | None = None
        self._depth = 0
        self._queues = (collections.deque(), collections.deque())  # foreground, background

    def call(
        self, fn, *args, cancelled=None, timeout: float | None = None, background: bool = False
    ):
        """fn(*args) with the lock held.  While another call holds it, wait;
        raise `Busy` when `cancelled()` turns true or `timeout` seconds pass."""
        me = threading.get_ident()
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            if self._owner == me:
                # Reentrant: user code that calls back into the widget on the
                # same thread (a model that draws w.figure()) must not deadlock.
                self._depth += 1
            else:
                self._wait_turn(me, background, cancelled, deadline, fn)
        try:
            return fn(*args)
        finally:
            with self._cond:
                self._depth -= 1
                if self._depth == 0:
                    self._owner = None
                    self._cond.notify_all()

    def _wait_turn(self, me, background, cancelled, deadline, fn) -> None:
        ticket = object()
        queue = self._queues[background]
        queue.append(ticket)
        try:
            while self._owner is not None or self._next() is not ticket:
                if (cancelled is not None and cancelled()) or (
                    deadline is not None and time.monotonic() >= deadline
                ):
                    name = getattr(fn, "__name__", "the function")
                    raise Busy(
                        f"{name} is still running in another call (it may be "
                        f"stuck); gave up waiting for it"
                    )
                self._cond.wait(POLL)
        finally:
            queue.remove(ticket)
            self._cond.notify_all()
        self._owner, self._depth = me, 1

    def _next(self):
        foreground, background = self._queues
        return foreground[0] if foreground else background[0]

    def guarded(self, fn, cancelled=None, background: bool = False):
        """fn wrapped so that every call goes through `call`, or None for None."""
        if fn is None:
            return None

        def guarded_fn(*args):
            return self.call(fn, *args, cancelled=cancelled, background=background)

        guarded_fn.__name__ = getattr(fn, "__name__", "func")
        return guarded_fn
