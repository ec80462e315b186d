"""lmscope.leastsq against scipy.optimize.leastsq, side by side.

Each case runs both solvers on the same function, alternating call by call
(interleaved repeats), so that whatever else the machine is doing weighs on
both alike.  Prints the median time of each and the ratio lmscope / SciPy:
below 1.0 lmscope is faster.  Also checks that both reached the same x and
nfev, so a fast wrong answer cannot pass for a fast one.

    python benchmarks/compare_scipy.py [--repeats N] [--case NAME]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import scipy.optimize

import lmscope


def exponential_decay():
    t = np.linspace(0.0, 4.0, 50)
    y = 2.5 * np.exp(-1.3 * t) + 0.5 + 0.01 * np.sin(7.0 * t)

    def f(p):
        return p[0] * np.exp(-p[1] * t) + p[2] - y

    def jac(p):
        e = np.exp(-p[1] * t)
        return np.column_stack([e, -p[0] * t * e, np.ones_like(t)])

    return f, jac, np.array([1.0, 1.0, 1.0])


def rosenbrock():
    def f(x):
        return np.array([10.0 * (x[1] - x[0] ** 2), 1.0 - x[0]])

    def jac(x):
        return np.array([[-20.0 * x[0], 10.0], [-1.0, 0.0]])

    return f, jac, np.array([-1.2, 1.0])


def three_gaussians(m=2000):
    t = np.linspace(0.0, 10.0, m)
    truth = [3.0, 2.0, 0.4, 2.0, 5.0, 0.8, 1.5, 7.5, 0.5]
    rng = np.random.default_rng(1)

    def model(p):
        out = np.zeros_like(t)
        for a, c, w in np.reshape(p, (3, 3)):
            out += a * np.exp(-0.5 * ((t - c) / w) ** 2)
        return out

    y = model(truth) + 0.02 * rng.standard_normal(m)

    def f(p):
        return model(p) - y

    return f, None, np.array([2.5, 2.2, 0.5, 1.5, 4.8, 1.0, 1.0, 7.3, 0.6])


def large_m(m=200_000):
    t = np.linspace(0.0, 1.0, m)
    truth = np.array([1.0, -2.0, 0.5, 3.0, 0.25, -1.0])
    powers = np.vstack([t**k for k in range(3)]).T  # (m, 3)

    def f(p):
        return powers @ p[:3] + p[3] * np.sin(p[4] * 10.0 * t + p[5]) - y

    def jac(p):
        phase = p[4] * 10.0 * t + p[5]
        s, c = np.sin(phase), np.cos(phase)
        return np.column_stack([powers, s, p[3] * c * 10.0 * t, p[3] * c])

    y = powers @ truth[:3] + truth[3] * np.sin(truth[4] * 10.0 * t + truth[5])
    return f, jac, np.array([0.8, -1.5, 0.7, 2.5, 0.26, -0.8])


def wide(m=400, n=200):
    rng = np.random.default_rng(2)
    a = rng.standard_normal((m, n)) / np.sqrt(m)
    b = rng.standard_normal(m)

    def f(x):
        return a @ x + 0.1 * np.tanh(x).sum() - b

    def jac(x):
        return a + 0.1 * (1.0 - np.tanh(x) ** 2)[np.newaxis, :]

    return f, jac, np.zeros(n)


CASES = {
    "exp-decay m=50 n=3 (finite diff)": (exponential_decay, False),
    "exp-decay m=50 n=3 (Dfun)": (exponential_decay, True),
    "rosenbrock (finite diff)": (rosenbrock, False),
    "rosenbrock (Dfun)": (rosenbrock, True),
    "3 gaussians m=2000 n=9 (finite diff)": (three_gaussians, False),
    "m=200000 n=6 (Dfun)": (large_m, True),
    "m=400 n=200 (Dfun)": (wide, True),
}


def measure(name, repeats):
    make, use_jac = CASES[name]
    f, jac, x0 = make()
    dfun = jac if use_jac else None
    solvers = {"scipy": scipy.optimize.leastsq, "lmscope": lmscope.leastsq}
    times = {key: [] for key in solvers}
    results = {}
    for _ in range(repeats):
        for key, solver in solvers.items():
            start = time.perf_counter()
            results[key] = solver(f, x0, Dfun=dfun, full_output=True)
            times[key].append(time.perf_counter() - start)
    same_nfev = results["scipy"][2]["nfev"] == results["lmscope"][2]["nfev"]
    scale = np.max(np.abs(results["scipy"][0])) or 1.0
    same_x = np.max(np.abs(results["scipy"][0] - results["lmscope"][0])) <= 1e-10 * scale
    median = {key: statistics.median(values) for key, values in times.items()}
    return median, same_nfev and same_x, results["lmscope"][2]["nfev"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repeats",
        type=int,
        default=0,
        help="calls of each solver per case (default: by case size)",
    )
    parser.add_argument("--case", choices=list(CASES), action="append")
    options = parser.parse_args()
    print(f"{'case':40s} {'nfev':>6s} {'scipy':>11s} {'lmscope':>11s} {'ratio':>7s}  same result")
    worst = 0.0
    for name in options.case or CASES:
        repeats = options.repeats or (15 if "200000" in name or "n=200" in name else 200)
        median, same, nfev = measure(name, repeats)
        ratio = median["lmscope"] / median["scipy"]
        worst = max(worst, ratio)
        print(
            f"{name:40s} {nfev:6d} {median['scipy'] * 1e3:9.3f}ms {median['lmscope'] * 1e3:9.3f}ms "
            f"{ratio:7.3f}  {'yes' if same else 'NO'}"
        )
    print(f"worst ratio lmscope/scipy: {worst:.3f} (target: <= 1.0)")


if __name__ == "__main__":
    main()
