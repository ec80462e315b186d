"""Many fits: lmscope.batch and lmscope.xarray against the loops they replace.

Every comparison runs both sides on the same data, alternating repeat by
repeat (interleaved), and prints the median time of each and the ratio
lmscope / other (below 1.0 lmscope is faster).  Each also checks that both
sides reached the same fits, so a fast wrong answer cannot pass.

    python benchmarks/many_fits.py [--repeats N]
        [--only loop,xarray,dask,scaling,memory,basin,bounds]

- loop: 10,000 fits of m = 50 points and n = 3 parameters by
  lmscope.batch.curve_fit against a Python loop of scipy.optimize.curve_fit
  (target <= 0.2).
- xarray: lmscope.xarray.curvefit against xarray's curvefit on a
  100 x 100 x 50 cube, eager.
- dask: the same cube in 4 chunks on a dask.distributed LocalCluster
  (2 worker processes on 127.0.0.1), both sides computed on it.
- scaling: fits per second for K = 10^2 ... 10^6.
- memory: peak resident memory (Linux VmHWM) of K = 10^6 fits, in a fresh process,
  against the same process holding only the data.
- basin: a 100 x 100 lmscope.batch.basin over two parameters against a
  Python loop of scipy.optimize.curve_fit from the same starts (target <= 0.15).
- bounds: 10,000 bounded fits (MINUIT's transformations) by lmscope.batch.curve_fit
  against a Python loop of lmscope.curve_fit with the same bounds (the same fits,
  checked bit for bit; SciPy's bounded curve_fit is 'trf', another method), and
  against the same batch without bounds (the transformations' cost).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

import numpy as np

M, N = 50, 3
X = np.linspace(0.0, 4.0, M)
START = (2.0, 1.0, 0.0)


def decay(x, a, b, c):
    return a * np.exp(-b * x) + c


def data(count: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    a = rng.uniform(1.0, 3.0, (count, 1))
    b = rng.uniform(0.3, 2.0, (count, 1))
    c = rng.uniform(-0.5, 0.5, (count, 1))
    return a * np.exp(-b * X) + c + 0.05 * rng.standard_normal((count, M))


def interleaved(repeats: int, first, second):
    """Median seconds of first() and second(), run alternately, and their
    last results."""
    times = ([], [])
    results = [None, None]
    for _ in range(repeats):
        for k, run in enumerate((first, second)):
            start = time.perf_counter()
            results[k] = run()
            times[k].append(time.perf_counter() - start)
    return statistics.median(times[0]), statistics.median(times[1]), results


def report(label: str, ours: float, theirs: float, other: str) -> None:
    print(
        f"{label:<44} lmscope {ours * 1e3:9.1f} ms   {other} {theirs * 1e3:9.1f} ms   "
        f"ratio {ours / theirs:.3f}"
    )


def bench_loop(repeats: int) -> None:
    import scipy.optimize

    import lmscope.batch

    ydata = data(10_000)

    def scipy_loop():
        return np.array([scipy.optimize.curve_fit(decay, X, y, p0=START)[0] for y in ydata])

    ours, theirs, (batch, loop) = interleaved(
        repeats, lambda: lmscope.batch.curve_fit(decay, X, ydata, p0=START), scipy_loop
    )
    assert batch.success.all()
    identical = int(np.all(batch.popt == loop, axis=1).sum())
    report("10,000 fits, batch vs loop of SciPy curve_fit", ours, theirs, "SciPy loop")
    print(f"    rows with popt bit-identical to SciPy's: {identical} of {len(ydata)}")


def cube():
    import xarray as xr

    values = data(100 * 100, seed=1).reshape(100, 100, M)
    return xr.DataArray(values, dims=("row", "col", "x"), coords={"x": X})


def bench_xarray(repeats: int) -> None:
    import lmscope.xarray

    da = cube()
    p0 = dict(zip("abc", START, strict=True))
    ours, theirs, (a, b) = interleaved(
        repeats,
        lambda: lmscope.xarray.curvefit(da, "x", decay, p0=p0),
        lambda: da.curvefit("x", decay, p0=p0),
    )
    np.testing.assert_allclose(a.curvefit_coefficients, b.curvefit_coefficients, rtol=1e-10)
    report("100x100x50 cube, xarray.curvefit eager", ours, theirs, "xarray")


def bench_dask(repeats: int) -> None:
    import distributed

    import lmscope.xarray

    da = cube().chunk({"row": 25})
    p0 = dict(zip("abc", START, strict=True))
    with (
        distributed.LocalCluster(
            host="127.0.0.1", n_workers=2, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        ours, theirs, (a, b) = interleaved(
            repeats,
            lambda: client.compute(lmscope.xarray.curvefit(da, "x", decay, p0=p0)).result(),
            lambda: client.compute(da.curvefit("x", decay, p0=p0)).result(),
        )
    np.testing.assert_allclose(a.curvefit_coefficients, b.curvefit_coefficients, rtol=1e-10)
    report("same cube, 4 chunks on a 2-process LocalCluster", ours, theirs, "xarray")


def bench_scaling(max_count: int) -> None:
    import lmscope.batch

    print("throughput of lmscope.batch.curve_fit (m = 50, n = 3):")
    count = 100
    while count <= max_count:
        ydata = data(count, seed=2)
        start = time.perf_counter()
        result = lmscope.batch.curve_fit(decay, X, ydata, p0=START)
        seconds = time.perf_counter() - start
        print(
            f"    K = {count:>9,}   {seconds:8.3f} s   {count / seconds:10,.0f} fits/s   "
            f"{result.success.mean():.1%} converged"
        )
        count *= 10


_MEMORY_PROBE = """
import sys
import numpy as np
sys.path.insert(0, {here!r})
from many_fits import M, START, X, data, decay
ydata = np.empty(({count}, M))
for first in range(0, {count}, 10_000):  # in slices: the data's temporaries stay small
    rows = ydata[first : first + 10_000]
    rows[...] = data(len(rows), seed=first)
if {fit}:
    import lmscope.batch
    result = lmscope.batch.curve_fit(decay, X, ydata, p0=START)
# VmHWM, not getrusage's ru_maxrss, which keeps the parent's peak across exec.
with open("/proc/self/status") as status:
    print(next(line.split()[1] for line in status if line.startswith("VmHWM:")))
"""


def bench_memory(count: int) -> None:
    here = str(__import__("pathlib").Path(__file__).resolve().parent)

    def peak(fit: bool) -> int:
        code = _MEMORY_PROBE.format(here=here, count=count, fit=fit)
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        out.check_returncode()
        return int(out.stdout.split()[-1])  # kilobytes

    data_only, with_fit = peak(False), peak(True)
    ydata_mb = count * M * 8 / 2**20
    print(
        f"peak memory for K = {count:,}: {with_fit / 1024:.0f} MB with the fit, "
        f"{data_only / 1024:.0f} MB holding the data alone ({ydata_mb:.0f} MB of ydata); "
        f"the batch adds {(with_fit - data_only) / 1024:.0f} MB"
    )


def bench_basin(repeats: int) -> None:
    import warnings

    import scipy.optimize

    import lmscope.batch

    y = data(1, seed=4)[0]
    grid = (np.linspace(0.2, 3.0, 100), np.linspace(0.1, 4.0, 100))

    def scipy_loop():
        out = np.full((100, 100, N), np.nan)
        for a, start_b in enumerate(grid[0]):
            for k, start_a in enumerate(grid[1]):
                try:
                    out[a, k] = scipy.optimize.curve_fit(decay, X, y, p0=(start_a, start_b, 0.0))[0]
                except RuntimeError:
                    pass
        return out

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, theirs, (basin, loop) = interleaved(
            repeats,
            lambda: lmscope.batch.basin(decay, X, y, p0=(1.0, 1.0, 0.0), params=(1, 0), grid=grid),
            scipy_loop,
        )
    converged = np.isin(basin.ier, (1, 2, 3, 4))
    assert np.array_equal(basin.x[converged], loop[converged])
    report("100x100 basin vs loop of SciPy curve_fit", ours, theirs, "SciPy loop")


def bench_bounds(repeats: int) -> None:
    import warnings

    import lmscope
    import lmscope.batch

    ydata = data(10_000, seed=5)
    bounds = ([0.5, 0.1, 0.0], [4.0, 3.0, np.inf])  # c >= 0 binds on about half the rows
    start = (2.0, 1.0, 0.1)

    def single_loop():
        out = np.full((len(ydata), N), np.nan)
        for i, y in enumerate(ydata):
            try:
                out[i] = lmscope.curve_fit(decay, X, y, p0=start, bounds=bounds)[0]
            except RuntimeError:
                pass
        return out

    def bounded():
        return lmscope.batch.curve_fit(decay, X, ydata, p0=start, bounds=bounds)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pcov at an active limit
        ours, theirs, (batch, loop) = interleaved(repeats, bounded, single_loop)
        converged = batch.success
        assert np.array_equal(batch.popt[converged], loop[converged])
        report("10,000 bounded fits, batch vs loop", ours, theirs, "lmscope loop")
        with_bounds, without, (fits_bounded, fits_free) = interleaved(
            repeats, bounded, lambda: lmscope.batch.curve_fit(decay, X, ydata, p0=start)
        )
    report("the same batch, bounded vs unbounded", with_bounds, without, "unbounded")
    # Fits that end at a limit approach it slowly (dx/du -> 0 there): most of
    # the difference is evaluations, not the transformations.
    print(
        f"    evaluations: {fits_bounded.nfev.sum():,} bounded, {fits_free.nfev.sum():,} "
        f"unbounded; the slowest fit {fits_bounded.nfev.max()} and {fits_free.nfev.max()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", default="loop,xarray,dask,scaling,memory,basin,bounds")
    parser.add_argument("--max-k", type=int, default=1_000_000)
    args = parser.parse_args()
    chosen = set(args.only.split(","))
    if "loop" in chosen:
        bench_loop(args.repeats)
    if "xarray" in chosen:
        bench_xarray(args.repeats)
    if "dask" in chosen:
        bench_dask(args.repeats)
    if "scaling" in chosen:
        bench_scaling(args.max_k)
    if "memory" in chosen:
        bench_memory(args.max_k)
    if "basin" in chosen:
        bench_basin(args.repeats)
    if "bounds" in chosen:
        bench_bounds(args.repeats)


if __name__ == "__main__":
    main()
