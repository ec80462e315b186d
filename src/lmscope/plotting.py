"""The widget's panels drawn with matplotlib, for static output.

`plot_trace(trace)` (what `Trace.plot()` calls) draws the four panels a Trace
alone determines: ||f|| per trial step, the trust region Delta and lambda,
the gain ratio rho against its thresholds, and the normalised parameter paths.
`plot_fit` adds the two that need the problem: the data and model (or the
residuals) and the cost landscape; `FitWidget.figure()` calls it.  The panels
mirror the browser's (js/src/panels/).

Only `matplotlib.figure.Figure` is used, never pyplot's global state, so this
works under any backend (Agg on a server) and from threads.
"""

from __future__ import annotations

import math
import types

import numpy as np

# The acceptance and trust-region update thresholds of MINPACK's lmdif/lmder
# (Moré 1978, section 4), drawn on the ratio panel.
ACCEPT = 1e-4
SHRINK_BELOW = 0.25
GROW_ABOVE = 0.75
RATIO_SHOWN = (-1.0, 2.0)  # rho is unbounded; values outside are pinned to the edge

_LINE = "#1f77b4"
_TRIAL = "#ff7f0e"
_ACCEPTED = "#2ca02c"
_REJECTED = "#d62728"


def plot_trace(trace, fig=None, names=None):
    """Draw a Trace's panels (fnorm, trust region, ratio, parameters); returns the Figure."""
    return plot_fit(trace, fig=fig, names=names)


def plot_fit(trace, fig=None, names=None, curve=None, landscape=None):
    """All panels of a fit.  `curve`: {"form": "curve", "data", "model_x",
    "accepted", "trial"} or {"form": "residual", "accepted", "trial"}; `landscape`:
    the widget's landscape trait value.  Returns the Figure."""
    from matplotlib.figure import Figure

    if trace is not None:
        # The widget may draw a fit that is still running: every panel reads
        # one snapshot, so all columns have the same length.
        trace = types.SimpleNamespace(**trace.columns())
    panels = []
    if curve is not None:
        panels.append(("curve", lambda ax: _curve_panel(ax, curve)))
    panels += [
        ("fnorm", lambda ax: _fnorm_panel(ax, trace)),
        ("trust", lambda ax: _trust_panel(ax, trace)),
        ("ratio", lambda ax: _ratio_panel(ax, trace)),
        ("params", lambda ax: _params_panel(ax, trace, names)),
    ]
    if landscape:
        panels.append(("landscape", lambda ax: _landscape_panel(ax, landscape, trace, names)))

    columns = 2 if len(panels) <= 4 else 3
    rows = math.ceil(len(panels) / columns)
    if fig is None:
        fig = Figure(figsize=(4.2 * columns, 3.2 * rows), layout="constrained")
    else:
        fig.clear()
    for k, (name, draw) in enumerate(panels):
        ax = fig.add_subplot(rows, columns, k + 1)
        ax.set_label(name)  # stable, for tests: fig.axes[k].get_label()
        if trace is None or len(trace.fnorm) == 0:
            ax.set_title(name)
            ax.text(
                0.5,
                0.5,
                "no trial steps yet",
                ha="center",
                va="center",
                transform=ax.transAxes,
                color="0.5",
            )
            continue
        draw(ax)
    return fig


def _steps(trace) -> np.ndarray:
    return np.arange(len(trace.fnorm))


def _positive(values) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    return np.where(values > 0, values, np.nan)


def _curve_panel(ax, curve) -> None:
    if curve["form"] == "curve":
        data = curve["data"]
        x, y = np.asarray(data["x"], float), np.asarray(data["y"], float)
        sigma = data.get("sigma")
        band = data.get("band")
        if band is not None:
            lo, hi, mean = (
                np.array([np.nan if v is None else v for v in band[key]], float)
                for key in ("lo", "hi", "mean")
            )
            ax.fill_between(band["x"], lo, hi, color="0.75", lw=0, label="data (min-max per bin)")
            ax.plot(band["x"], mean, color="0.35", lw=1, label="data (mean per bin)")
        elif sigma is not None:
            yerr = np.array([np.nan if s is None else s for s in sigma], float)
            ax.errorbar(x, y, yerr=yerr, fmt="o", ms=3, color="0.3", ecolor="0.6", label="data")
        else:
            ax.plot(x, y, "o", ms=3, color="0.3", label="data")
        ax.plot(curve["model_x"], curve["accepted"], color=_LINE, label="model at x")
        ax.plot(curve["model_x"], curve["trial"], color=_TRIAL, ls="--", label="model at x_trial")
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        ax.set_title("data and model")
    else:
        f = np.asarray(curve["accepted"], float)
        ax.bar(np.arange(f.size), f, color=_LINE, alpha=0.6, label="f(x)")
        trial = np.asarray(curve["trial"], float)
        ax.plot(np.arange(trial.size), trial, "o", mfc="none", color=_TRIAL, label="f(x_trial)")
        ax.set_xlabel("residual index")
        ax.set_ylabel("f")
        ax.set_title("residuals")
    ax.legend(fontsize="small")


def _tried(trace) -> tuple[np.ndarray, np.ndarray]:
    """Masks of accepted and rejected trials.  Records that tried no point
    (record 0, the start; a last record closing the fit at a Jacobian) have
    no step length and are in neither."""
    tried = np.isfinite(trace.pnorm)
    return tried & trace.accepted, tried & ~trace.accepted


def _fnorm_panel(ax, trace) -> None:
    steps = _steps(trace)
    ax.plot(steps, _positive(trace.fnorm), color=_LINE, label="‖f(x)‖")
    accepted, rejected = _tried(trace)
    trial = _positive(trace.fnorm_trial)
    ax.plot(steps[accepted], trial[accepted], "o", ms=4, color=_ACCEPTED, label="accepted trial")
    ax.plot(
        steps[rejected],
        trial[rejected],
        "o",
        ms=4,
        mfc="none",
        color=_REJECTED,
        label="rejected trial",
    )
    if np.any(np.isfinite(_positive(trace.fnorm))):
        ax.set_yscale("log")
    ax.set_xlabel("trial step")
    ax.set_title("‖f‖")
    ax.legend(fontsize="small")


def _trust_panel(ax, trace) -> None:
    steps = _steps(trace)
    ax.plot(steps, _positive(trace.delta), color=_LINE, label="Δ (trust radius)")
    if np.any(np.isfinite(_positive(trace.delta))):
        ax.set_yscale("log")
    ax.set_xlabel("trial step")
    ax.set_ylabel("Δ", color=_LINE)
    par = _positive(trace.par)
    twin = ax.twinx()
    twin.plot(steps, par, color=_TRIAL, ls="--", label="λ (LM parameter)")
    if np.any(np.isfinite(par)):
        twin.set_yscale("log")
    twin.set_ylabel("λ", color=_TRIAL)
    zero = int(np.sum(np.asarray(trace.par)[1:] == 0))
    ax.set_title(f"trust region ({zero} steps with λ = 0)" if zero else "trust region")


def _ratio_panel(ax, trace) -> None:
    steps = _steps(trace)
    ratio = np.asarray(trace.ratio, float)
    accepted, rejected = _tried(trace)
    lo, hi = RATIO_SHOWN
    shown = np.clip(ratio, lo, hi)
    outside = (ratio < lo) | (ratio > hi)
    for mask, color, fill in ((accepted, _ACCEPTED, True), (rejected, _REJECTED, False)):
        inside = mask & ~outside
        ax.plot(steps[inside], shown[inside], "o", ms=4, color=color, mfc=color if fill else "none")
        ax.plot(
            steps[mask & outside],
            shown[mask & outside],
            "^",
            ms=5,
            color=color,
            mfc=color if fill else "none",
        )
    for level, style in ((ACCEPT, ":"), (SHRINK_BELOW, "--"), (GROW_ABOVE, "--")):
        ax.axhline(level, color="0.5", ls=style, lw=0.8)
    ax.set_ylim(lo - 0.05, hi + 0.05)
    ax.set_xlabel("trial step")
    ax.set_title("gain ratio ρ")


def _params_panel(ax, trace, names) -> None:
    steps = _steps(trace)
    x = np.asarray(trace.x, float)
    n = x.shape[1] if x.ndim == 2 else 0
    names = list(names) if names is not None else [f"x{k}" for k in range(n)]
    final = x[-1]
    scale = np.nanmax(np.abs(x - final), axis=0)
    for k in range(n):
        path = (x[:, k] - final[k]) / scale[k] if scale[k] > 0 else np.zeros(len(steps))
        ax.plot(steps, path, label=f"{names[k]} → {final[k]:.4g}")
    ax.set_xlabel("trial step")
    ax.set_ylabel("(x − x_final) / max|x − x_final|")
    ax.set_title("parameters")
    ax.legend(fontsize="small")


def _landscape_panel(ax, landscape, trace, names) -> None:
    xi = np.asarray(landscape["xi"], float)
    xj = np.asarray(landscape["xj"], float)
    cost = np.array([np.nan if v is None else v for v in landscape["log10_cost"]], float).reshape(
        xj.size, xi.size
    )
    mesh = ax.pcolormesh(xi, xj, np.ma.masked_invalid(cost), shading="nearest", cmap="viridis")
    ax.figure.colorbar(mesh, ax=ax, label="log10 cost")
    i, j = int(landscape["i"]), int(landscape["j"])
    x = np.asarray(trace.x, float)
    if x.ndim == 2 and max(i, j) < x.shape[1]:
        ax.plot(x[:, i], x[:, j], "-o", ms=3, color="white", lw=1)
        _, rejected = _tried(trace)
        xt = np.asarray(trace.x_trial, float)
        ax.plot(xt[rejected, i], xt[rejected, j], "o", ms=3, mfc="none", color=_REJECTED)
    names = list(names) if names is not None else None
    ax.set_xlabel(names[i] if names else f"x{i}")
    ax.set_ylabel(names[j] if names else f"x{j}")
    ax.set_xlim(xi.min(), xi.max())
    ax.set_ylim(xj.min(), xj.max())
    ax.set_title("cost landscape")
