"""The ipywidgets controls of FitWidget: one row per parameter (slider with
editable range and a log-scale option) and the fit's settings."""

from __future__ import annotations

import math

import ipywidgets as widgets
import numpy as np

SLIDER_STEPS = 1000  # a drag moves a slider by about 1/SLIDER_STEPS of its range
READOUT = ".4g"  # readable for 1e-12 and 1e12 alike
DEFAULT_TOL = 1.49012e-08  # leastsq's ftol and xtol
EPS = float(np.finfo(float).eps)
BIGGEST = float(np.finfo(float).max)

_SMALL_WIDTH = "7.5em"  # a Layout per box: close() closes each widget's own


def default_range(value: float) -> tuple[float, float]:
    """x0 +- max(|x0|, 1): wide enough to get lost in, centred on the guess
    (cut at the largest float, so x0 = 1e308 still gets a finite range)."""
    span = max(abs(value), 1.0)
    return max(value - span, -BIGGEST), min(value + span, BIGGEST)


def log_range(value: float) -> tuple[float, float]:
    """Two decades either side of a positive value."""
    return value / 100.0, value * 100.0


class ParameterControl:
    """One parameter: name, slider, min and max boxes, log-scale checkbox.

    `on_change(control)` is called when the value changes (by the slider or by
    code).  The range always contains the value: setting a value outside it
    from code widens the range."""

    def __init__(
        self,
        name: str,
        value: float,
        lo: float | None = None,
        hi: float | None = None,
        log: bool = False,
        on_change=None,
    ):
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
        self.min_box = widgets.FloatText(
            lo,
            description="min",
            layout=widgets.Layout(width=_SMALL_WIDTH),
            style={"description_width": "2.2em"},
        )
        self.max_box = widgets.FloatText(
            hi,
            description="max",
            layout=widgets.Layout(width=_SMALL_WIDTH),
            style={"description_width": "2.2em"},
        )
        self.log_box = widgets.Checkbox(
            self._log,
            description="log",
            indent=False,
            layout=widgets.Layout(width="4em"),
            disabled=not self._loggable(),
        )
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
            raise ValueError(
                f"the range of {self.name} must have finite min < max, got [{lo}, {hi}]"
            )
        self._set_range(lo, hi)
        if not lo <= self._value <= hi:
            self.set(min(max(self._value, lo), hi))

    def set_log(self, log: bool) -> None:
        self.log_box.value = bool(log)

    # -- internals -------------------------------------------------------------

    def _make_slider(self):
        common = dict(
            readout=True,
            readout_format=READOUT,
            continuous_update=True,
            layout=widgets.Layout(width="22em"),
        )
        # step=None: no snapping.  With a step, the page would snap x0 to the
        # step grid when it draws the slider and send the rounded value back.
        if self._log:
            slider = widgets.FloatLogSlider(
                value=self._value,
                base=10,
                min=math.log10(self._lo),
                max=math.log10(self._hi),
                step=None,
                **common,
            )
        else:
            slider = widgets.FloatSlider(
                value=self._value, min=self._lo, max=self._hi, step=None, **common
            )
        slider.observe(self._slid, "value")
        return slider

    def _replace_slider(self) -> None:
        self.slider.unobserve(self._slid, "value")
        old = self.slider
        self.slider = self._make_slider()
        self.row.children = (self.label, self.slider, self.min_box, self.max_box, self.log_box)
        close_children(old)
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
        slider goes through 10**log10(v)).  A drag moves by a pixel, about
        1/SLIDER_STEPS of the range; anything far smaller is the value we set,
        and x0 keeps it exactly."""
        old = self._value
        if self._log:
            if not (value > 0 and old > 0):
                return False
            a, b = math.log10(self._lo), math.log10(self._hi)
            return abs(math.log10(value) - math.log10(old)) < 1e-3 * (b - a) / SLIDER_STEPS
        # hi/2 - lo/2: the width of [-1e308, 1e308] overflows, half of it does not.
        return abs(value - old) < 2e-3 * (self._hi / 2 - self._lo / 2) / SLIDER_STEPS

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
            self._set_range(lo, max(hi, self._hi))  # rebuilds the slider
        else:
            self._replace_slider()

    def _loggable(self) -> bool:
        """A log slider needs a positive range; one can be made around a positive value."""
        return self._lo > 0 or self._value > 0


def close_children(widget, seen: set | None = None) -> None:
    """Close every widget model reachable from `widget`'s traits (children,
    layout, style, ...), depth first; `widget` itself is left to its caller.
    Each model has a comm in the kernel and in the page until it is closed."""
    seen = {id(widget)} if seen is None else seen
    for name in getattr(widget, "keys", ()):
        value = getattr(widget, name, None)
        for child in value if isinstance(value, (list, tuple)) else (value,):
            if isinstance(child, widgets.Widget) and id(child) not in seen:
                seen.add(id(child))
                close_children(child, seen)
                child.close()


def _escape(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def log_slider(
    description: str, value: float, lo_exp: float, hi_exp: float, steps: int = 64
) -> widgets.FloatLogSlider:
    """A FloatLogSlider over 10**lo_exp .. 10**hi_exp that holds `value` exactly."""
    if not (math.isfinite(value) and value > 0):
        raise ValueError(
            f"{description} must be a positive finite number for its log slider, got {value!r}"
        )
    lo_exp = min(lo_exp, math.floor(math.log10(value)))
    hi_exp = max(hi_exp, math.ceil(math.log10(value)))
    return widgets.FloatLogSlider(
        value=value,
        base=10,
        min=lo_exp,
        max=hi_exp,
        step=(hi_exp - lo_exp) / steps,
        description=description,
        readout_format=READOUT,
        continuous_update=False,
        style={"description_width": "6em"},
        layout=widgets.Layout(width="26em"),
    )


class SettingsControls:
    """Tolerances and options of leastsq, slow motion, and the Jacobian choice.

    A tolerance of 0 switches its test off (gtol's default; ftol = 0 or
    xtol = 0 are common too) and has no place on a log axis: a checkbox turns
    each test on.  epsfcn stays leastsq's default (None: the machine precision
    of the residuals' dtype, so a float32 model gets float32's) until the
    user moves its slider; MINPACK reads epsfcn <= 0 the same way."""

    def __init__(
        self,
        *,
        ftol=DEFAULT_TOL,
        xtol=DEFAULT_TOL,
        gtol=0.0,
        maxfev=0,
        epsfcn=None,
        factor=100.0,
        has_dfun=False,
        use_dfun=True,
        delay=0.0,
    ):
        epsfcn = _epsfcn(epsfcn)
        self.initial = dict(
            ftol=float(ftol),
            xtol=float(xtol),
            gtol=float(gtol),
            maxfev=int(maxfev),
            epsfcn=epsfcn,
            factor=float(factor),
            use_dfun=bool(use_dfun and has_dfun),
            delay=float(delay),
        )
        self._quiet = False
        self.ftol_on, self.ftol = _tolerance_controls("ftol", ftol, DEFAULT_TOL)
        self.xtol_on, self.xtol = _tolerance_controls("xtol", xtol, DEFAULT_TOL)
        self.gtol_on, self.gtol = _tolerance_controls("gtol", gtol, 1e-8)
        self.epsfcn = log_slider("epsfcn", EPS if epsfcn is None else epsfcn, -16, 0)
        self._epsfcn_default = epsfcn is None
        self.epsfcn.observe(self._epsfcn_moved, "value")
        self.factor = log_slider("factor", factor, -1, 3)
        self.maxfev = widgets.BoundedIntText(
            int(maxfev),
            min=0,
            max=10**8,
            description="maxfev (0 = auto)",
            style={"description_width": "8em"},
            layout=widgets.Layout(width="16em"),
        )
        self.use_dfun = widgets.Checkbox(
            bool(use_dfun and has_dfun),
            disabled=not has_dfun,
            description="analytic Jacobian (Dfun)" if has_dfun else "finite differences (no Dfun)",
            indent=False,
        )
        self.delay = widgets.FloatSlider(
            float(delay),
            min=0.0,
            max=2.0,
            step=0.05,
            description="slow motion (s/step)",
            readout_format=".2f",
            continuous_update=False,
            style={"description_width": "10em"},
            layout=widgets.Layout(width="26em"),
        )
        self.box = widgets.VBox(
            [
                widgets.HBox([self.ftol_on, self.ftol, self.xtol_on, self.xtol]),
                widgets.HBox([self.gtol_on, self.gtol, self.factor]),
                widgets.HBox([self.epsfcn, self.maxfev]),
                widgets.HBox([self.use_dfun, self.delay]),
            ]
        )

    def options(self) -> dict:
        """leastsq keywords for the current settings (epsfcn None: leastsq's default)."""
        return dict(
            ftol=self._tolerance("ftol"),
            xtol=self._tolerance("xtol"),
            gtol=self._tolerance("gtol"),
            maxfev=int(self.maxfev.value),
            epsfcn=None if self._epsfcn_default else float(self.epsfcn.value),
            factor=float(self.factor.value),
        )

    def set(self, name: str, value) -> None:
        """Set one leastsq keyword as `options()` names it."""
        if name in ("ftol", "xtol", "gtol"):
            value = float(value)
            on, slider = getattr(self, f"{name}_on"), getattr(self, name)
            if value > 0:
                slider.value = value
            on.value = value > 0
        elif name == "epsfcn":
            value = _epsfcn(value)
            self._quiet = True
            try:
                self.epsfcn.value = EPS if value is None else value
                self._epsfcn_default = value is None
            finally:
                self._quiet = False
        elif name == "maxfev":
            self.maxfev.value = int(value)
        else:
            getattr(self, name).value = float(value)

    def reset(self) -> None:
        i = self.initial
        for name in ("ftol", "xtol", "gtol", "epsfcn", "maxfev", "factor"):
            self.set(name, i[name])
        self.use_dfun.value = i["use_dfun"]
        self.delay.value = i["delay"]

    def observe(self, handler) -> None:
        for control in (
            self.ftol_on,
            self.ftol,
            self.xtol_on,
            self.xtol,
            self.gtol_on,
            self.gtol,
            self.epsfcn,
            self.factor,
            self.maxfev,
            self.use_dfun,
        ):
            control.observe(handler, "value")

    def _tolerance(self, name: str) -> float:
        return float(getattr(self, name).value) if getattr(self, f"{name}_on").value else 0.0

    def _epsfcn_moved(self, change) -> None:
        """The user chose an epsfcn, unless the slider only settled on its own
        grid near the default position (within half a step)."""
        if self._quiet:
            return
        step = self.epsfcn.step
        self._epsfcn_default = (
            abs(math.log10(change["new"]) - math.log10(EPS)) <= step / 2 and self._epsfcn_default
        )


def _tolerance_controls(name: str, value, off_position: float):
    """A checkbox that turns the test on, and the tolerance's log slider
    (at `off_position` while the test is off)."""
    value = float(value)
    on = widgets.Checkbox(
        value > 0, description=f"{name} test", indent=False, layout=widgets.Layout(width="7em")
    )
    slider = log_slider(name, value if value > 0 else off_position, -16, 0)
    slider.disabled = not value > 0
    on.observe(lambda change: setattr(slider, "disabled", not change["new"]), "value")
    return on, slider


def _epsfcn(value) -> float | None:
    """epsfcn as leastsq takes it; None (the default) for None and for <= 0,
    which MINPACK reads as machine precision too."""
    if value is None:
        return None
    value = float(value)
    return value if value > 0 else None
