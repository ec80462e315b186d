"""How soon the widget's basin map appears: from the page's switch to the
basin view (a `landscape_view` state update, as the comm delivers it) to the
first, coarse level (8 x 8 starts) and to the finest (32 x 32) in the
`basin` trait, for a 50-point, 3-parameter exponential model in the curve
form (fitted by `lmscope.batch.basin`) and for Rosenbrock in the residual
form (`basin_leastsq`, one parameter row per call).  For scale, one widget
fit of the same problem.  Forms interleaved, REPEATS rounds, medians printed.

    python benchmarks/widget_basin_first_map.py
"""

from __future__ import annotations

import threading
import time

import numpy as np

from lmscope.widget import FitWidget
from lmscope.widget.basin import LEVELS

REPEATS = 5


def decay(x, a, k, c):
    return a * np.exp(-k * x) + c


def rosenbrock(x):
    return np.array([10 * (x[1] - x[0] ** 2), 1 - x[0]])


def curve_widget() -> FitWidget:
    rng = np.random.default_rng(0)
    x = np.linspace(0.0, 4.0, 50)
    y = decay(x, 2.5, 1.3, 0.5) + 0.05 * rng.standard_normal(50)
    return FitWidget.curve(decay, x, y, p0=[1.0, 0.5, 0.2], landscape=False, run=False)


def residual_widget() -> FitWidget:
    return FitWidget(rosenbrock, [-1.2, 1.0], landscape=False, run=False)


def one_round(make) -> tuple[float, float, float]:
    """Seconds to one fit, to the first map and to the finest map."""
    w = make()
    w.send = lambda content, buffers=None: None  # no page: the messages go nowhere
    started = time.perf_counter()
    w.fit()
    w.wait(60)
    fit = time.perf_counter() - started
    arrived: list[float] = []
    finest = threading.Event()

    def on_basin(change):
        arrived.append(time.perf_counter())
        if change["new"].get("final"):
            finest.set()

    w.observe(on_basin, names=["basin"])
    started = time.perf_counter()
    w.set_state({"landscape_view": "basin"})
    finest.wait(120)
    w.close()
    return fit, arrived[0] - started, arrived[-1] - started


def main() -> None:
    forms = {"curve form, batch.basin": curve_widget, "residual form, rows": residual_widget}
    times: dict[str, list] = {name: [] for name in forms}
    for _ in range(REPEATS):
        for name, make in forms.items():
            times[name].append(one_round(make))
    for name, rounds in times.items():
        fit, first, final = np.median(np.array(rounds), axis=0) * 1000
        print(
            f"{name}: first map ({LEVELS[0]}x{LEVELS[0]}) {first:.0f} ms, "
            f"finest ({LEVELS[-1]}x{LEVELS[-1]}) {final:.0f} ms; one fit {fit:.1f} ms "
            f"(medians of {REPEATS})"
        )


if __name__ == "__main__":
    main()
