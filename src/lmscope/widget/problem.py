"""The problem a FitWidget fits, in one of two forms, checked by the code
that checks `leastsq` and `curve_fit`:

- the residual form, `Problem.residual(func, x0, args, Dfun, ...)`: what
  `leastsq` takes; x0 goes through leastsq's own check (so an empty or
  complex x0 fails as it fails there);
- the curve form, `Problem.curve(model, xdata, ydata, p0, sigma, jac, ...)`:
  what `curve_fit` takes; the weighted residuals come from
  `model_residuals`, the module curve_fit builds its own from, so the widget
  and curve_fit hand leastsq the same function and get the same iterates.

A curve-form problem whose xdata is one real axis with one value per data
point is drawn as data and model (`drawable`); any other is drawn as its
residuals.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import model_residuals
from .._validation import check_x0
from .decimate import data_band
from .drawing import drawing_curves
from .protocol import finite_or_none

MODEL_POINTS = 400  # the model is drawn on this many points at most, and a longer
# residual vector is decimated to about as many
DATA_POINTS = 2000  # data go to the page point by point up to this many, as a band beyond
BAND_BINS = 400  # bins of the band: about one per two pixels of a wide panel


@dataclass(frozen=True)
class CurveData:
    """The curve form's inputs, as given (for to_code) and as drawn."""

    model: Callable[..., Any]
    xdata: object
    ydata: np.ndarray
    sigma: np.ndarray | None
    jac: object
    model_x: np.ndarray | None  # where the model is drawn; None: draw the residuals
    data: dict | None  # {x, y, sigma} for the page, decimated; None with model_x


@dataclass(frozen=True)
class Problem:
    func: object  # leastsq's func: the residuals (weighted, in the curve form)
    x0: np.ndarray  # the starting point given
    args: tuple
    dfun: object  # leastsq's Dfun, or None
    names: tuple[str, ...]
    col_deriv: bool = False
    diag: np.ndarray | None = None
    curve: CurveData | None = None  # the curve form's inputs, None in the residual form
    draw: Callable[[np.ndarray], Any] | None = None  # residual form: drawing.py's draw(x)

    @property
    def n(self) -> int:
        return self.x0.size

    @property
    def form(self) -> str:
        """How the page draws it: `curve` (data and model) or `residual`."""
        return "curve" if self.curve is not None and self.curve.model_x is not None else "residual"

    @classmethod
    def residual(
        cls, func, x0, args=(), Dfun=None, names=None, *, col_deriv=False, diag=None, draw=None
    ):
        if not callable(func):
            raise TypeError(f"func must be callable, got {type(func).__name__}")
        if Dfun is not None and not callable(Dfun):
            raise TypeError(f"Dfun must be callable or None, got {type(Dfun).__name__}")
        x0 = check_x0(x0)
        if x0.size == 0:
            # leastsq answers an empty x0 as SciPy does (ier 0); a widget of
            # no parameter has nothing to show, so it refuses at once.
            raise TypeError("x0 is empty: the widget needs at least one parameter")
        args = args if isinstance(args, tuple) else (args,)
        diag = None if diag is None else np.array(diag, dtype=np.float64)
        if draw is not None:
            if not callable(draw):
                raise TypeError(f"draw must be callable as draw(x) or None, got {draw!r}")
            drawing_curves(draw, x0.copy())  # a mistake in draw raises here, not mid-fit
        names = _names(names, x0.size)
        return cls(func, x0, args, Dfun, names, bool(col_deriv), diag, None, draw)

    @classmethod
    def curve_form(
        cls,
        model,
        xdata,
        ydata,
        p0=None,
        sigma=None,
        names=None,
        *,
        jac=None,
        col_deriv=False,
        diag=None,
    ):
        if not callable(model):
            raise TypeError(
                f"model must be callable as model(xdata, *params), got {type(model).__name__}"
            )
        if jac is not None and not callable(jac):
            raise TypeError(f"jac must be callable as jac(xdata, *params) or None, got {jac!r}")
        p0 = model_residuals.initial_parameters(model, p0)
        ydata = model_residuals.data_array("ydata", ydata, True)
        if ydata.ndim != 1 or ydata.size == 0:
            raise ValueError(f"ydata must be 1-D and not empty; got shape {ydata.shape}")
        if isinstance(xdata, (list, tuple, np.ndarray)):
            xdata = model_residuals.data_array("xdata", xdata, True)
        sigma = model_residuals.check_sigma_shape(sigma, ydata.size)
        weighting = model_residuals.weighting_for(sigma, ydata.size)
        residuals = model_residuals.weighted_residuals(model, xdata, ydata, weighting)
        residuals.__name__ = getattr(model, "__name__", "model")
        dfun = (
            None
            if jac is None
            else model_residuals.weighted_jacobian(jac, xdata, ydata.size, weighting, col_deriv)
        )
        names = _signature_names(model, p0.size) if names is None else names
        curve = _curve_data(model, xdata, ydata, sigma, jac)
        diag = None if diag is None else np.array(diag, dtype=np.float64)
        return cls(residuals, p0, (), dfun, _names(names, p0.size), bool(col_deriv), diag, curve)

    def model_curve(self, x: np.ndarray) -> np.ndarray:
        """The curve form's model on `model_x` at parameters x; NaN where it fails
        (a drawing must not end the fit)."""
        curve = self.curve
        if curve is None or curve.model_x is None:
            raise TypeError("model_curve: this problem has no model to draw (residual form)")
        size = curve.model_x.size
        try:
            y = np.asarray(curve.model(curve.model_x, *x), dtype=np.float64)
            return np.broadcast_to(y, (size,)).copy()
        except Exception:
            return np.full(size, np.nan)


def _names(names, n: int) -> tuple[str, ...]:
    if names is None:
        return tuple(f"x{k}" for k in range(n))
    names = tuple(str(name) for name in names)
    if len(names) != n:
        raise ValueError(f"names has {len(names)} entries but x0 has {n} parameters")
    if len(set(names)) != n:
        raise ValueError(f"names must be different from each other, got {list(names)}")
    return names


def _signature_names(model, n: int) -> list[str]:
    try:
        parameters = list(inspect.signature(model).parameters.values())
    except (TypeError, ValueError):
        return [f"p{k}" for k in range(n)]
    positional = [
        p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ][1:]
    return positional if len(positional) == n else [f"p{k}" for k in range(n)]


def _curve_data(model, xdata, ydata, sigma, jac) -> CurveData:
    """The data and the model grid to draw, when xdata is one real axis with
    one value per data point.  Data longer than DATA_POINTS go to the page as
    a band (`data_band`: min, max and mean y per bin of x) and no points."""
    if not isinstance(xdata, np.ndarray) or xdata.ndim != 1 or xdata.size != ydata.size:
        return CurveData(model, xdata, ydata, sigma, jac, None, None)
    lo, hi = float(np.min(xdata)), float(np.max(xdata))
    model_x = np.linspace(lo, hi, MODEL_POINTS) if hi > lo else np.array([lo])
    sigma_1d = None
    if sigma is not None:
        sigma_1d = (
            np.broadcast_to(sigma, ydata.shape) if sigma.ndim <= 1 else np.sqrt(np.diag(sigma))
        )
    data: dict[str, Any]
    if xdata.size > DATA_POINTS:
        data = {"x": [], "y": [], "sigma": None, "band": data_band(xdata, ydata, BAND_BINS)}
    else:
        data = {
            "x": [float(v) for v in xdata],
            "y": [float(v) for v in ydata],
            "sigma": None if sigma_1d is None else [finite_or_none(v) for v in sigma_1d],
            "band": None,
        }
    return CurveData(model, xdata, ydata, sigma, jac, model_x, data)
