"""lmscope: watch a Levenberg-Marquardt fit happen.

MINPACK's Levenberg-Marquardt method in C (Moré 1978; User Guide for
MINPACK-1, 1980), a drop-in `leastsq` and `curve_fit`, a record of every
trial step, and a Jupyter widget that drives the solver.
"""
from ._messages import NonFiniteWarning
from .curve_fit import OptimizeWarning, curve_fit
from .leastsq import leastsq
from .trace import Trace, TrialStep

__all__ = ["leastsq", "curve_fit", "OptimizeWarning", "Trace", "TrialStep", "NonFiniteWarning"]
__version__ = "0.1.0"
