"""lmscope.leastsq against scipy.optimize.leastsq, side by side.

Each case runs both solvers on the same function, alternating call by call
(interleaved repeats), so that whatever else the machine is doing weighs on
both alike.  Prints the median time of each and the ratio lmscope / SciPy
(below 1.0 lmscope is faster), with full_output on and off, beside the
target of issue 10.  Every pair of results is also compared bit for bit (x,
ier and, with full_output, fvec, nfev, njev, fjac, ipvt and qtf; not cov_x), so a fast
wrong answer cannot pass for a fast one.

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


def tall(m=200_000):
    """A cubic polynomial times an exponential plus a constant: every
    residual and Jacobian entry costs a few array operations.  Written
    without matrix products, whose BLAS threads would spin on the second core
    and make both solvers' times noisy."""
    t = np.linspace(0.0, 3.0, m)

    def model(p):
        cubic = ((p[3] * t + p[2]) * t + p[1]) * t + p[0]
        return cubic * np.exp(-p[4] * t) + p[5]

    truth = np.array([1.0, -2.0, 0.5, 0.3, 0.7, 0.25])
    y = model(truth) + 0.01 * np.sin(40.0 * t)

    def f(p):
        return model(p) - y

    def jac(p):
        decay = np.exp(-p[4] * t)
        cubic = ((p[3] * t + p[2]) * t + p[1]) * t + p[0]
        out = np.empty((m, 6))
        out[:, 0] = decay
        out[:, 1] = t * decay
        out[:, 2] = t * out[:, 1]
        out[:, 3] = t * out[:, 2]
        out[:, 4] = -t * cubic * decay
        out[:, 5] = 1.0
        return out

    return f, jac, np.array([0.8, -1.5, 0.7, 0.2, 0.6, 0.0])


def wide(m=400, n=200):
    """A p + 0.5 sin(B p) - y: a dense, mildly nonlinear square-ish system."""
    rng = np.random.default_rng(2)
    a = rng.standard_normal((m, n)) / np.sqrt(m)
    b = rng.standard_normal((m, n)) / np.sqrt(m)
    y = rng.standard_normal(m)

    def f(p):
        return a @ p + 0.5 * np.sin(b @ p) - y

    def jac(p):
        return a + (0.5 * np.cos(b @ p))[:, None] * b

    return f, jac, np.zeros(n)


# name: (problem, use Dfun, issue 10's target for the ratio)
CASES = {
    "exp-decay m=50 n=3": (exponential_decay, False, 0.85),
    "exp-decay m=50 n=3 Dfun": (exponential_decay, True, 0.75),
    "rosenbrock Dfun": (rosenbrock, True, 0.90),
    "3 gaussians m=2000 n=9": (three_gaussians, False, 0.90),
    "tall m=200000 n=6 Dfun": (tall, True, 0.80),
    "wide m=400 n=200 Dfun": (wide, True, 0.55),
}


def _bits(result, full_output):
    """Everything a call returned, as bytes, for an exact comparison.  cov_x
    is left out: SciPy inverts R with LAPACK, lmscope with its own loop (see
    covar.c), so the two agree to rounding, not to the bit."""
    if not full_output:
        x, ier = result
        return x.tobytes(), ier
    x, _cov_x, info, _mesg, ier = result
    parts = [x.tobytes(), ier]
    for key in ("fvec", "nfev", "njev", "fjac", "ipvt", "qtf"):
        value = info.get(key)
        parts.append(value.tobytes() if isinstance(value, np.ndarray) else value)
    return parts


def measure(name, full_output, repeats):
    make, use_jac, _target = CASES[name]
    f, jac, x0 = make()
    dfun = jac if use_jac else None
    solvers = {"scipy": scipy.optimize.leastsq, "lmscope": lmscope.leastsq}
    times = {key: [] for key in solvers}
    results = {}
    for _ in range(repeats):
        for key, solver in solvers.items():
            start = time.perf_counter()
            results[key] = solver(f, x0, Dfun=dfun, full_output=full_output)
            times[key].append(time.perf_counter() - start)
    same = _bits(results["scipy"], full_output) == _bits(results["lmscope"], full_output)
    median = {key: statistics.median(values) for key, values in times.items()}
    return median, same


def default_repeats(name):
    if "200000" in name:
        return 15
    if "n=200" in name:
        return 21
    if "2000" in name:
        return 61
    return 401


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repeats", type=int, default=0, help="calls of each solver per case (default: by size)"
    )
    parser.add_argument("--case", choices=list(CASES), action="append")
    options = parser.parse_args()
    print(
        f"{'case':26s} {'full_output':>11s} {'scipy':>11s} {'lmscope':>11s} "
        f"{'ratio':>6s} {'target':>6s}  bit-identical"
    )
    missed = []
    for name in options.case or CASES:
        target = CASES[name][2]
        for full_output in (True, False):
            median, same = measure(name, full_output, options.repeats or default_repeats(name))
            ratio = median["lmscope"] / median["scipy"]
            if ratio > target or not same:
                missed.append(f"{name} full_output={full_output}")
            print(
                f"{name:26s} {str(full_output):>11s} {median['scipy'] * 1e3:9.3f}ms "
                f"{median['lmscope'] * 1e3:9.3f}ms {ratio:6.3f} {target:6.2f}  "
                f"{'yes' if same else 'NO'}"
            )
    print("every case met its target" if not missed else "missed: " + "; ".join(missed))


if __name__ == "__main__":
    main()
