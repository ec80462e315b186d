"""lmscope: watch a Levenberg-Marquardt fit happen.

MINPACK's Levenberg-Marquardt method in C (Moré 1978; User Guide for
MINPACK-1, 1980), a drop-in `leastsq` and `curve_fit`, a record of every
trial step, and a Jupyter widget that drives the solver.
"""

from ._callbacks import StopFit
from ._messages import NonFiniteWarning
from ._optimize_warning import OptimizeWarning
from .curve_fit import curve_fit
from .leastsq import leastsq
from .trace import Trace, TrialStep

__all__ = [
    "leastsq",
    "curve_fit",
    "OptimizeWarning",
    "Trace",
    "TrialStep",
    "NonFiniteWarning",
    "StopFit",
    "FitWidget",
    "fit_widget",
]
__version__ = "0.1.0"


def __getattr__(name):
    # Imported on first use, so that scripts using only leastsq and curve_fit
    # do not pay for them: the widget needs ipywidgets and anywidget, the
    # xarray interface needs xarray (an optional extra).
    if name in ("FitWidget", "fit_widget"):
        from . import widget

        return getattr(widget, name)
    if name in ("batch", "xarray"):
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'lmscope' has no attribute {name!r}")
