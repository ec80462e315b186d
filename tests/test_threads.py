"""Reentrancy and the GIL: fits on threads give the same bits as fits run one
by one, and the C engine does not hold the GIL while it computes."""

import gc
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

import lmscope

T = np.linspace(0.0, 4.0, 60)


def make_problem(k):
    y = (1.0 + 0.1 * k) * np.exp(-(0.5 + 0.05 * k) * T) + 0.2 * np.sin(k + T)

    def func(p):
        return p[0] * np.exp(-p[1] * T) + p[2] * np.sin(k + T) - y

    def dfun(p):
        e = np.exp(-p[1] * T)
        return np.column_stack([e, -p[0] * T * e, np.sin(k + T)])

    return func, (dfun if k % 2 else None), [1.0, 1.0, 0.0]


def fit(k):
    func, dfun, x0 = make_problem(k)
    trace = lmscope.Trace() if k % 3 == 0 else None
    x, cov_x, info, mesg, ier = lmscope.leastsq(func, x0, Dfun=dfun, full_output=True, trace=trace)
    return x.tobytes(), info["fvec"].tobytes(), info["fjac"].tobytes(), info["nfev"], ier


def test_eight_threads_times_25_fits_are_bit_identical_to_sequential():
    problems = list(range(200))
    sequential = [fit(k) for k in problems]
    with ThreadPoolExecutor(max_workers=8) as pool:
        threaded = list(pool.map(fit, problems))
    assert threaded == sequential


def test_main_thread_is_not_blocked_beyond_one_residual_call():
    """A fit whose C part is heavy (m = 20000, n = 100: each QR is a few
    hundred ms of C) runs on a thread; the main thread keeps ticking
    meanwhile.  If the engine held the GIL, the ticks would stall for a whole
    factorization, far beyond the limit below."""
    rng = np.random.default_rng(7)
    m, n = 20000, 100
    a = rng.standard_normal((m, n))
    b = rng.standard_normal(m)
    call_seconds = []

    def timed(function):
        def wrapper(x):
            start = time.perf_counter()
            out = function(x)
            call_seconds.append(time.perf_counter() - start)
            return out

        return wrapper

    func = timed(lambda x: np.tanh(a @ x) - b)
    dfun = timed(lambda x: (1.0 - np.tanh(a @ x) ** 2)[:, None] * a)

    done = threading.Event()
    worker = threading.Thread(
        target=lambda: (
            lmscope.leastsq(func, np.zeros(n), Dfun=dfun, maxfev=3, full_output=True),
            done.set(),
        )
    )
    gaps = []
    last = time.perf_counter()
    worker.start()
    while not done.is_set():
        time.sleep(0.001)
        now = time.perf_counter()
        gaps.append(now - last)
        last = now
    worker.join()
    # The longest stall of the main thread: no longer than the slowest call
    # of func or Dfun (which hold the GIL, being Python) plus the
    # interpreter's switch interval, with slack for a loaded machine.
    limit = 2 * max(call_seconds) + 0.05
    assert max(gaps) < limit, (max(gaps), limit)


def test_a_worker_running_tiny_fits_in_a_loop_does_not_starve_the_main_thread():
    """Each fit takes and releases the GIL many times within microseconds; a
    policy that takes it back too eagerly (keeping it between the callbacks
    of small fits was tried) leaves a waiting thread stalled for tens of ms."""
    t = np.linspace(0.0, 4.0, 50)
    y = 2.5 * np.exp(-1.3 * t) + 0.5
    call_seconds = []

    def func(p):
        start = time.perf_counter()
        out = p[0] * np.exp(-p[1] * t) + p[2] - y
        call_seconds.append(time.perf_counter() - start)
        return out

    done = threading.Event()

    def work():
        deadline = time.perf_counter() + 0.5
        while time.perf_counter() < deadline:
            lmscope.leastsq(func, [1.0, 1.0, 1.0])
        done.set()

    worker = threading.Thread(target=work)
    gaps = []
    # A full collection of the test session's heap holds the GIL for tens of
    # ms by itself; that is not what is measured here.
    gc.disable()
    try:
        last = time.perf_counter()
        worker.start()
        while not done.is_set():
            time.sleep(0.001)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now
        worker.join()
    finally:
        gc.enable()
    # One sleep, plus the slowest call of func or 2 ms, with slack for a
    # loaded machine; a fit holding the GIL throughout would exceed it.
    limit = 0.001 + max(2 * max(call_seconds), 0.002) + 0.05
    assert max(gaps) < limit, (max(gaps), limit)
