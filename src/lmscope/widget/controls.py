"""The ipywidgets controls of FitWidget: one row per parameter (slider with
editable range and a log-scale option) and the fit's settings."""
from __future__ import annotations

import math

import ipywidgets as widgets
import numpy as np

SLIDER_STEPS = 1000         # positions across a slider's range
READOUT = ".4g"             # readable for 1e-12 and 1e12 alike
DEFAULT_TOL = 1.49012e-08   # leastsq's ftol and xtol
EPS = float(np.finfo(float).eps)

_SMALL = widgets.Layout(width="7.5em")


def default_range(value: float) -> tuple[float, float]:
    """x0 +- max(|x0|, 1): wide enough to get lost in, centred on the guess."""
    span = max(abs(value), 1.0)
    return value - span, value + span


def log_range(value: float) -> tuple[float, float]:
    """Two decades either side of a positive value."""
    return value / 100.0, value * 100.0


class ParameterControl:
    """One parameter: name, slider, min and max boxes, log-scale checkbox.

    `on_change(control)` is called when the value changes (by the slider or by
    code).  The range always contains the value: setting a value outside it
    from code widens the range."""

    def __init__(self, name: str, value: float, lo: float | None = None,
                 hi: float | None = None, log: bool = False, on_change=None):
        value = float(value)
        if log and value > 0 and lo is None and hi is None:
            lo, hi = log_range(value)
        if lo is None or hi is None:
            dlo, dhi = default_range(value)
            lo = dlo if lo is None else lo
            hi = dhi if hi is None else hi
        lo, hi = float(min(lo, value)), float(max(hi, value))
        if not lo < hi:
            lo, hi = default_range(value)
        self.name = name
        self.initial = value
        self._on_change = on_change
        self._quiet = False
        self._value = value
        self._lo, self._hi = lo, hi
        self._log = bool(log) and lo > 0
        self.label = widgets.HTML(f"<b>{_escape(name)}</b>", layout=widgets.Layout(width="8em"))
        self.min_box = widgets.FloatText(lo, description="min", layout=_SMALL,
                                         style={"description_width": "2.2em"})
        self.max_box = widgets.FloatText(hi, description="max", layout=_SMALL,
                                         style={"description_width": "2.2em"})
        self.log_box = widgets.Checkbox(self._log, description="log", indent=False,
                                        layout=widgets.Layout(width="4em"),
                                        disabled=not self._loggable())
        self.slider = self._make_slider()
        self.row = widgets.HBox([self.label, self.slider, self.min_box, self.max_box, self.log_box])
        self.min_box.observe(self._range_edited, "value")
        self.max_box.observe(self._range_edited, "value")
        self.log_box.observe(self._log_toggled, "value")

    # -- state ---------------------------------------------------------------

    @property
    def value(self) -> float:
        return self._value

    @value.setter
    def value(self, value: float) -> None:
        self.set(value)

    @property
    def range(self) -> tuple[float, float]:
        return self._lo, self._hi

    @property
    def log(self) -> bool:
        return self._log

    def set(self, value: float, *, notify: bool = True, clamp: bool = False) -> None:
        """Set the value; outside the range it is clamped (`clamp`) or the
        range widens to hold it."""
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"{self.name} must be finite, got {value}")
        if clamp:
            value = min(max(value, self._lo), self._hi)
        elif not self._lo <= value <= self._hi:
            self._set_range(min(self._lo, value), max(self._hi, value))
        changed = value != self._value
        self._value = value
        self._quiet = True
        try:
            self.slider.value = value
        finally:
            self._quiet = False
        if changed and notify and self._on_change is not None:
            self._on_change(self)

    def set_range(self, lo: float, hi: float) -> None:
        lo, hi = float(lo), float(hi)
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise ValueError(f"the range of {self.name} must have finite min < max, got [{lo}, {hi}]")
        self._set_range(lo, hi)
        if not lo <= self._value <= hi:
            self.set(min(max(self._value, lo), hi))

    def set_log(self, log: bool) -> None:
        self.log_box.value = bool(log)

    # -- internals -------------------------------------------------------------

    def _make_slider(self):
        common = dict(readout=True, readout_format=READOUT, continuous_update=True,
                      layout=widgets.Layout(width="22em"))
        if self._log:
            a, b = math.log10(self._lo), math.log10(self._hi)
            slider = widgets.FloatLogSlider(value=self._value, base=10, min=a, max=b,
                                            step=(b - a) / SLIDER_STEPS, **common)
        else:
            # step=None: no snapping.  With a step, the page would snap x0 to the
            # step grid when it draws the slider and send the rounded value back.
            slider = widgets.FloatSlider(value=self._value, min=self._lo, max=self._hi,
                                         step=None, **common)
        slider.observe(self._slid, "value")
        return slider

    def _replace_slider(self) -> None:
        self.slider.unobserve(self._slid, "value")
        old = self.slider
        self.slider = self._make_slider()
        self.row.children = (self.label, self.slider, self.min_box, self.max_box, self.log_box)
        old.close()

    def _set_range(self, lo: float, hi: float) -> None:
        self._lo, self._hi = lo, hi
        self._quiet = True
        try:
            self.min_box.value, self.max_box.value = lo, hi
        finally:
            self._quiet = False
        self.log_box.disabled = not self._loggable()
        if self._log and not lo > 0:
            self._log = False
            self._quiet = True
            try:
                self.log_box.value = False
            finally:
                self._quiet = False
        self._replace_slider()

    def _slid(self, change) -> None:
        if self._quiet:
            return
        value = float(change["new"])
        if self._is_echo(value):
            return
        if value != self._value:
            self._value = value
            if self._on_change is not None:
                self._on_change(self)

    def _is_echo(self, value: float) -> bool:
        """The page drawing the slider can send back the value rounded (a log
        slider goes through 10**log10(v)).  A real move is at least a 1/SLIDER_STEPS
        of the range; anything far smaller is the value we set, and x0 keeps it exactly."""
        old = self._value
        if self._log:
            if not (value > 0 and old > 0):
                return False
            a, b = math.log10(self._lo), math.log10(self._hi)
            return abs(math.log10(value) - math.log10(old)) < 1e-3 * (b - a) / SLIDER_STEPS
        return abs(value - old) < 1e-3 * (self._hi - self._lo) / SLIDER_STEPS

    def _range_edited(self, change) -> None:
        if self._quiet:
            return
        lo, hi = float(self.min_box.value), float(self.max_box.value)
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            # Not a range: put the boxes back.
            self._set_range(self._lo, self._hi)
            return
        self.set_range(lo, hi)

    def _log_toggled(self, change) -> None:
        if self._quiet:
            return
        want = bool(change["new"])
        if want and not self._loggable():
            self._quiet = True
            try:
                self.log_box.value = False
            finally:
                self._quiet = False
            return
        self._log = want
        if want and not self._lo > 0:
            # A log axis starts above 0: two decades either side of the value.
            lo, hi = log_range(self._value)
            self._set_range(lo, max(hi, self._hi))   # rebuilds the slider
        else:
            self._replace_slider()

    def _loggable(self) -> bool:
        """A log slider needs a positive range; one can be made around a positive value."""
        return self._lo > 0 or self._value > 0


def _escape(text: str) -> str:
    return (str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


def log_slider(description: str, value: float, lo_exp: float, hi_exp: float,
               steps: int = 64) -> widgets.FloatLogSlider:
    """A FloatLogSlider over 10**lo_exp .. 10**hi_exp that holds `value` exactly."""
    lo_exp = min(lo_exp, math.floor(math.log10(value)))
    hi_exp = max(hi_exp, math.ceil(math.log10(value)))
    return widgets.FloatLogSlider(value=value, base=10, min=lo_exp, max=hi_exp,
                                  step=(hi_exp - lo_exp) / steps, description=description,
                                  readout_format=READOUT, continuous_update=False,
                                  style={"description_width": "6em"},
                                  layout=widgets.Layout(width="26em"))


class SettingsControls:
    """Tolerances and options of leastsq, slow motion, and the Jacobian choice."""

    def __init__(self, *, ftol=DEFAULT_TOL, xtol=DEFAULT_TOL, gtol=0.0, maxfev=0,
                 epsfcn=None, factor=100.0, has_dfun=False, use_dfun=True, delay=0.0):
        self.initial = dict(ftol=ftol, xtol=xtol, gtol=gtol, maxfev=maxfev, epsfcn=epsfcn,
                            factor=factor, use_dfun=use_dfun, delay=delay)
        self.ftol = log_slider("ftol", ftol, -16, 0)
        self.xtol = log_slider("xtol", xtol, -16, 0)
        # gtol = 0 (leastsq's default) has no place on a log axis: a checkbox turns it on.
        self.gtol_on = widgets.Checkbox(bool(gtol), description="gtol test", indent=False,
                                        layout=widgets.Layout(width="7em"))
        self.gtol = log_slider("gtol", gtol if gtol > 0 else 1e-8, -16, 0)
        self.gtol.disabled = not gtol
        self.gtol_on.observe(lambda c: setattr(self.gtol, "disabled", not c["new"]), "value")
        self.epsfcn = log_slider("epsfcn", EPS if epsfcn is None else epsfcn, -16, 0)
        self.factor = log_slider("factor", factor, -1, 3)
        self.maxfev = widgets.BoundedIntText(int(maxfev), min=0, max=10**8,
                                             description="maxfev (0 = auto)",
                                             style={"description_width": "8em"},
                                             layout=widgets.Layout(width="16em"))
        self.use_dfun = widgets.Checkbox(bool(use_dfun and has_dfun), disabled=not has_dfun,
                                         description="analytic Jacobian (Dfun)"
                                         if has_dfun else "finite differences (no Dfun)",
                                         indent=False)
        self.delay = widgets.FloatSlider(float(delay), min=0.0, max=2.0, step=0.05,
                                         description="slow motion (s/step)",
                                         readout_format=".2f", continuous_update=False,
                                         style={"description_width": "10em"},
                                         layout=widgets.Layout(width="26em"))
        self.box = widgets.VBox([
            widgets.HBox([self.ftol, self.xtol]),
            widgets.HBox([self.gtol_on, self.gtol, self.factor]),
            widgets.HBox([self.epsfcn, self.maxfev]),
            widgets.HBox([self.use_dfun, self.delay]),
        ])
        self._epsfcn_initial = self.epsfcn.value

    def options(self) -> dict:
        """leastsq keywords for the current settings."""
        return dict(ftol=float(self.ftol.value), xtol=float(self.xtol.value),
                    gtol=float(self.gtol.value) if self.gtol_on.value else 0.0,
                    maxfev=int(self.maxfev.value), epsfcn=float(self.epsfcn.value),
                    factor=float(self.factor.value))

    def reset(self) -> None:
        i = self.initial
        self.ftol.value, self.xtol.value = i["ftol"], i["xtol"]
        self.gtol_on.value = bool(i["gtol"])
        if i["gtol"]:
            self.gtol.value = i["gtol"]
        self.epsfcn.value = self._epsfcn_initial
        self.factor.value, self.maxfev.value = i["factor"], i["maxfev"]
        self.delay.value = i["delay"]

    def observe(self, handler) -> None:
        for control in (self.ftol, self.xtol, self.gtol_on, self.gtol, self.epsfcn,
                        self.factor, self.maxfev, self.use_dfun):
            control.observe(handler, "value")
