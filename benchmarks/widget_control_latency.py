"""How long a slider move holds the kernel's main thread while a fit is in
flight: the page's state update (`values`) goes through FitWidget.set_state,
as the comm delivers it, while a fit whose func sleeps 20 ms per call runs.
Prints the median and the longest of 50 moves, in milliseconds.

    python benchmarks/widget_control_latency.py
"""

from __future__ import annotations

import time

import numpy as np

from lmscope.widget import FitWidget

CALL = 0.02  # seconds per func call: a fit winds down only when func returns
MOVES = 50


def slow_rosenbrock(x):
    time.sleep(CALL)
    return np.array([10 * (x[1] - x[0] ** 2), 1 - x[0]])


def main() -> None:
    w = FitWidget(slow_rosenbrock, [-1.2, 1.0], landscape=False)
    held = []
    for k in range(MOVES):
        started = time.perf_counter()
        w.set_state({"values": [-1.2 + 0.001 * (k + 1), 1.0]})
        held.append(time.perf_counter() - started)
        time.sleep(1.5 * CALL)  # the next move comes while this fit is in flight
    w.wait(60)
    w.close()
    held_ms = np.array(held) * 1000
    print(
        f"slider move holds the main thread: median {np.median(held_ms):.2f} ms, "
        f"max {held_ms.max():.2f} ms over {MOVES} moves ({len(w.history)} fits ran)"
    )


if __name__ == "__main__":
    main()
