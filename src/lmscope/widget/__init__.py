"""The Jupyter widget: `FitWidget`, one anywidget whose page draws its
controls and panels, driving `leastsq` on a background thread."""

from .fit_widget import FitWidget, fit_widget

__all__ = ["FitWidget", "fit_widget"]
