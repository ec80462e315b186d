"""Command line: `python -m lmscope demo` (a fit in the terminal, trial step by
trial step, and a PNG of its trace) and `python -m lmscope lab` (JupyterLab
on the teaching notebooks)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from . import Trace, leastsq


def _demo_problem():
    """A decaying oscillation, started far enough away that the fit has to
    work: rejected steps, a shrinking and growing trust region."""
    t = np.linspace(0.0, 10.0, 200)
    rng = np.random.default_rng(3)
    y = 3.0 * np.exp(-0.35 * t) * np.cos(1.7 * t + 0.4) + 0.05 * rng.standard_normal(t.size)

    def residuals(p):
        amplitude, rate, frequency, phase = p
        return amplitude * np.exp(-rate * t) * np.cos(frequency * t + phase) - y

    return residuals, np.array([1.0, 1.0, 1.2, 0.0]), ("amplitude", "rate", "frequency", "phase")


def demo(png: Path) -> int:
    residuals, x0, names = _demo_problem()
    print("Fitting A exp(-k t) cos(w t + phi) to 200 noisy points, from x0 =", x0)
    print(
        f"{'iter':>4} {'nfev':>5} {'||f|| tried':>12} {'lambda':>10} {'delta':>10} {'rho':>9}  step"
    )

    def show(step):
        if step.iteration == 0:
            print(
                f"{0:4d} {step.nfev:5d} {step.fnorm_trial:12.6g} {'':>10} {'':>10} {'':>9}  start"
            )
            return
        verdict = "accepted" if step.accepted else "rejected"
        print(
            f"{step.iteration:4d} {step.nfev:5d} {step.fnorm_trial:12.6g} {step.par:10.3g} "
            f"{step.delta:10.3g} {step.ratio:9.3g}  {verdict}"
        )

    trace = Trace()
    x, cov_x, info, mesg, ier = leastsq(residuals, x0, full_output=True, callback=show, trace=trace)
    print(f"\nier = {ier}: {mesg}")
    print(f"nfev = {info['nfev']}, ||f|| = {np.linalg.norm(info['fvec']):.6g}")
    if cov_x is not None:
        s_sq = np.sum(info["fvec"] ** 2) / (len(info["fvec"]) - len(x))
        for name, value, error in zip(names, x, np.sqrt(np.diag(cov_x) * s_sq), strict=True):
            print(f"  {name:>9} = {value: .6g} +/- {error:.2g}")
    figure = trace.plot(names=names)
    figure.savefig(png, dpi=110)
    print(f"trace plot written to {png}")
    return 0 if ier in (1, 2, 3, 4) else 1


# lmscope works offline; so should the JupyterLab it opens: no update check,
# no news feed, no PyPI extension manager.
OFFLINE_LAB = [
    "--LabApp.news_url=None",
    "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate",
    "--LabApp.extension_manager=readonly",
]
FIRST_NOTEBOOK = "01-quick-start.ipynb"
# A Jupyter config folder that `lmscope lab` puts first on JUPYTER_CONFIG_PATH:
# it disables JupyterLab's announcements plugin, whose "get notified about
# official Jupyter news?" toast would cover the widget.  Only that process
# sees it; the user's own settings stay untouched.
LAB_CONFIG = Path(__file__).resolve().parent / "lab_config"


def lab_command(notebooks: Path, extra: Sequence[str] = ()) -> list[str]:
    """JupyterLab rooted at the notebooks folder, with the first one open;
    `extra` are JupyterLab's own options (--no-browser, --port=...)."""
    # Jupyter refuses to start as root unless told; whoever runs this as root
    # (a container, a fresh VM) has already made that choice.
    as_root = ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
    return [
        sys.executable,
        "-m",
        "jupyterlab",
        f"--ServerApp.root_dir={notebooks}",
        *OFFLINE_LAB,
        *as_root,
        *extra,
        str(notebooks / FIRST_NOTEBOOK),
    ]


def lab(notebooks: Path, extra: list[str]) -> int:
    if not (notebooks / FIRST_NOTEBOOK).is_file():
        print(
            f"lmscope lab: no {FIRST_NOTEBOOK} in {notebooks}; run it from the "
            f"project's root or pass --notebooks",
            file=sys.stderr,
        )
        return 2
    return subprocess.call(lab_command(notebooks.resolve(), extra), env=lab_environment())


def lab_environment(environ=os.environ) -> dict[str, str]:
    """The environment of `lmscope lab`'s JupyterLab: `environ` with LAB_CONFIG
    ahead of the user's JUPYTER_CONFIG_PATH."""
    env = dict(environ)
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(
        filter(None, [str(LAB_CONFIG), environ.get("JUPYTER_CONFIG_PATH")])
    )
    return env


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="lmscope", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    demo_parser = commands.add_parser("demo", help="a fit in the terminal, and a PNG of its trace")
    demo_parser.add_argument("--png", type=Path, default=Path("lmscope-demo.png"))
    lab_parser = commands.add_parser(
        "lab", help="open the teaching notebooks in JupyterLab (other options go to JupyterLab)"
    )
    lab_parser.add_argument("--notebooks", type=Path, default=Path("notebooks"))
    options, extra = parser.parse_known_args(argv)
    if options.command == "demo":
        if extra:
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
        return demo(options.png)
    return lab(options.notebooks, extra)


if __name__ == "__main__":
    sys.exit(main())
