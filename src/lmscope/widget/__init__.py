"""The Jupyter widget: `FitWidget` (ipywidgets controls and the `FitPlot`
anywidget) driving `leastsq` on a background thread."""

from .fit_widget import FitWidget, fit_widget
from .plot import FitPlot

__all__ = ["FitWidget", "FitPlot", "fit_widget"]
