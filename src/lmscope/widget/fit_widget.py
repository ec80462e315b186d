"""`FitWidget`: one anywidget whose page (js/, bundled in static/) draws every
control and panel, driving `leastsq` on a background thread.

This class only wires the parts to the synced traits:

- `Problem` (problem.py): the residual or curve form, checked as leastsq and
  curve_fit check them;
- the traits: the controls' values, each checked by settings.py whether set
  from Python or from the page; the traits the kernel owns (`form`,
  `param_names`, `data`, `model_x`, `landscape`, ...) are read-only from the
  page: an update is refused with an `error` reply and the page's copy restored;
- `Controller` (controller.py): the fit's life, on one worker thread;
- `Stream` (stream.py): the fit's records to the page, on one sender thread;
- `Landscaper` (landscape.py): the cost landscape, on one thread;
- `BasinJob` (basin.py): the basin map of the same two parameters, on a
  second Landscaper thread, shown when `landscape_view` is `basin`;
- interrupts.py: Interrupt Kernel stops the fits;
- `to_code` (codegen.py), `plot_fit` (plotting.py) for the static outputs.

Threads hold the widget only weakly, and `close()` ends them, so a closed
widget is freed.  `_esm` and `_css` are the bundle's text, not its path:
anywidget watches a path for changes through a class-level signal that
keeps every instance alive (anywidget issue 929).
"""

from __future__ import annotations

import contextlib
import time
import weakref
from pathlib import Path
from typing import Any

import anywidget
import numpy as np
import traitlets as t

from . import errors, interrupts, outcomes, protocol, settings
from .basin import BasinJob, landscape_view_choice
from .codegen import caller_names, to_code
from .controller import Controller, FitRequest
from .landscape import LandscapeJob, Landscaper, axis_extent
from .problem import Problem
from .protocol import Command, Compare, LandscapeParams, Pick, Replay, Restore
from .settings import DEFAULT_TOL, FIT_SETTINGS
from .stream import Stream
from .usercode import Busy, UserCode

HISTORY_LIMIT = 1000  # a slider drag makes a fit per position: keep the newest
RUNS_SHOWN = 20  # fits (not superseded) the page's run list offers
# Only the fits of the run list keep their Trace in `history` (the page may
# compare them): at most RUNS_SHOWN traces however many fits history keeps.
FIGURE_WAIT = 5.0  # seconds figure() waits for the user's code, busy in a fit

_STATIC = Path(__file__).resolve().parent.parent / "static"
_MISSING_ESM = """
export default { render({ el }) {
  el.textContent =
    "lmscope: the widget's JavaScript (static/widget.js) is not built; run npm run build in js/.";
} };
"""


def _bundle(name: str, fallback: str) -> str:
    path = _STATIC / name
    return path.read_text(encoding="utf-8") if path.is_file() else fallback


def _weak(method):
    """A callable that calls `method` while its object lives: the widget's
    threads must not keep a closed (or forgotten) widget alive."""
    ref = weakref.WeakMethod(method)

    def call(*args):
        bound = ref()
        return None if bound is None else bound(*args)

    return call


class FitWidget(anywidget.AnyWidget):
    """Watch `leastsq(func, x0, args, Dfun, ...)` run, and drive it.

    Residual form: `FitWidget(func, x0, args=(), Dfun=None, names=None, ...)`
    takes what leastsq takes.  Curve form: `FitWidget.curve(model, xdata,
    ydata, p0=None, sigma=None, ...)` takes what curve_fit takes.

    Keyword options: `ranges` (one (min, max) per parameter, or a dict by name:
    the range of the *start's* slider, not a limit on the fit; default
    x0 +- |x0|, or +-1 around 0, cut at the bounds), `log_scale` (names or
    indices of parameters with a log slider; a positive range given over
    two decades or more gets one anyway), `fixed` (names or indices of
    parameters held at their slider value: the fit runs on the free ones;
    `result`'s x has all n values, and cov_x zero rows and columns for the
    fixed ones), `bounds` ((lower, upper) as curve_fit takes it, scalars or
    one per parameter, -inf/inf for none: limits the fit stays within, by
    leastsq's bounds=; starts are clamped inside them), `absolute_sigma`
    (the parameter table's errors from cov_x as is, else scaled by
    chi2/dof, as curve_fit's pcov), the leastsq settings `ftol, xtol, gtol,
    maxfev, epsfcn, factor` (plus `col_deriv`, `diag`, passed through),
    `auto_fit` (refit when a control changes; default True), `delay` (slow
    motion: seconds of pause after each trial step), `landscape` (draw the
    cost over two parameters; default True when n >= 2), `landscape_params`
    ((i, j), default (0, 1)), `basin` (show the basin map of those two
    parameters instead of the cost: where each start ends; default False),
    `run` (start a fit now; default True), `draw` (residual form: `draw(x)`
    returns named series {name: (xs, ys)} or (xs, ys, "markers"), drawn
    beside the residuals at every accepted point, e.g. a fitted circle and
    its points; see widget/drawing.py).

    Threads.  The widget calls your func (Dfun, model) from its fit thread,
    its landscape and basin-map threads and, in `figure()`, the kernel's main thread, but
    never two calls at once, so it need not be thread-safe.  A control event
    never waits for a fit: a func that hangs holds up the next fit, not the
    kernel.  Observers of `result` and `error` run on the fit thread after
    the fit ended; they may start a new fit or change controls.
    """

    _esm = _bundle("widget.js", _MISSING_ESM)
    _css = _bundle("widget.css", "")

    # Owned by the kernel (read-only from the page).
    form = t.Enum(["curve", "residual"], default_value="residual").tag(sync=True)
    param_names = t.List(t.Unicode()).tag(sync=True)
    data: t.Dict[str, Any] = t.Dict({"x": [], "y": [], "sigma": None, "band": None}).tag(sync=True)
    model_x = t.List(t.Float()).tag(sync=True)
    landscape = t.Dict().tag(sync=True)
    landscape_on = t.Bool(False).tag(sync=True)
    has_dfun = t.Bool(False).tag(sync=True)
    # The controls (the page writes them; settings.py checks every value).
    values = t.List(t.Float()).tag(sync=True)
    ranges = t.List(t.List(t.Float())).tag(sync=True)
    logs = t.List(t.Bool()).tag(sync=True)
    ftol = t.Float(DEFAULT_TOL).tag(sync=True)
    xtol = t.Float(DEFAULT_TOL).tag(sync=True)
    gtol = t.Float(0.0).tag(sync=True)
    epsfcn = t.Float(None, allow_none=True).tag(sync=True)
    factor = t.Float(100.0).tag(sync=True)
    maxfev = t.Int(0).tag(sync=True)
    use_dfun = t.Bool(False).tag(sync=True)
    delay = t.Float(0.0).tag(sync=True)
    auto_fit = t.Bool(True).tag(sync=True)
    landscape_params = t.List(t.Int(), [0, 1]).tag(sync=True)
    # basin map (basin.py): the page's choice of view, and the map (kernel only)
    landscape_view = t.Unicode("cost").tag(sync=True)
    basin = t.Dict().tag(sync=True)
    panels = t.Unicode("grid").tag(sync=True)
    fixed = t.List(t.Bool()).tag(sync=True)
    bounds = t.List(t.List(t.Float(None, allow_none=True))).tag(sync=True)
    absolute_sigma = t.Bool(False).tag(sync=True)
    # The last fit's parameter table (errors.py) and its script (codegen.py), kernel only.
    summary = t.Dict().tag(sync=True)
    code = t.Unicode("").tag(sync=True)
    runs = t.List(t.Dict()).tag(sync=True)  # the run list: the newest of `history`
    # Results (kernel only).
    result = t.Any(
        None, allow_none=True, help="leastsq's (x, cov_x, infodict, mesg, ier) of the last fit"
    )
    error = t.Any(None, allow_none=True, help="the exception of the last fit, or None")

    def __init__(
        self,
        func,
        x0,
        args=(),
        Dfun=None,
        names=None,
        *,
        ranges=None,
        log_scale=(),
        ftol=DEFAULT_TOL,
        xtol=DEFAULT_TOL,
        gtol=0.0,
        maxfev=0,
        epsfcn=None,
        factor=100.0,
        col_deriv=False,
        diag=None,
        auto_fit=True,
        delay=0.0,
        landscape=True,
        landscape_params=None,
        fixed=(),
        bounds=None,
        absolute_sigma=False,
        basin=False,
        run=True,
        draw=None,
        problem: Problem | None = None,
        user_names: dict | None = None,
    ):
        if problem is None:
            problem = Problem.residual(
                func, x0, args, Dfun, names, col_deriv=col_deriv, diag=diag, draw=draw
            )
            user_names = caller_names({"func": func, "args": args, "Dfun": Dfun})
        elif draw is not None:
            raise TypeError("draw= is for the residual form; the curve form draws data and model")
        self._user_names = user_names or {}  # the caller's variable names, for to_code
        self.problem = problem
        n = problem.n
        names = list(problem.names)
        logs_given = _log_set(log_scale, names)
        fixed_given = _index_set("fixed", fixed, names)
        given = _per_parameter("ranges", ranges, names, None)
        limits = settings.bounds_of(bounds, names)
        x0 = problem.x0
        outside = [
            name
            for name, v, lim in zip(names, x0, limits, strict=True)
            if settings.clamp([float(v)], [lim])[0] != v
        ]
        if outside:
            raise ValueError(
                f"the start of {', '.join(outside)} is outside its bounds; "
                "a bounded fit starts inside its limits"
            )
        initial_ranges = [
            list(settings.initial_range(float(v), r, k in logs_given, lim))
            for k, (v, r, lim) in enumerate(zip(x0, given, limits, strict=True))
        ]
        # A positive range given over two decades or more reads best on a log slider.
        initial_logs = [
            initial_ranges[k][0] > 0
            and (k in logs_given or (given[k] is not None and settings.spans_decades(given[k])))
            for k in range(n)
        ]
        ij = [0, 1] if landscape_params is None or n < 2 else landscape_params
        pair = settings.landscape_pair(list(ij), n) if n >= 2 else [0, 0]
        controls = dict(
            values=[float(v) for v in x0],
            ranges=initial_ranges,
            logs=initial_logs,
            ftol=settings.tolerance("ftol", ftol),
            xtol=settings.tolerance("xtol", xtol),
            gtol=settings.tolerance("gtol", gtol),
            epsfcn=settings.epsfcn(epsfcn),
            factor=settings.factor(factor),
            maxfev=settings.maxfev(maxfev),
            use_dfun=problem.dfun is not None,
            delay=settings.delay(delay),
            auto_fit=settings.flag("auto_fit", bool(auto_fit)),
            fixed=settings.fixed([k in fixed_given for k in range(n)], names),
            bounds=limits,
        )
        self._initial = controls
        self.history: list[dict] = []
        self.trace = None
        self._last_job = None  # the newest fit that was not superseded
        self._quiet = 0  # > 0: control changes do not start fits (reset, pick)
        self._user = UserCode()
        self._stream = Stream(_weak(self._send_to_page))
        self._controller = Controller(
            problem, self._stream, user=self._user, on_end=_weak(self._fit_ended)
        )
        interrupts.stop_fits_on_interrupt(self._controller)
        self._landscaper = Landscaper()
        self._landscape_key: tuple | None = None
        self._basin_runner = Landscaper()  # basin map: one job at a time, the latest
        self._basin_key: tuple | None = None
        self._landscape_path: np.ndarray | None = None  # the last fit's accepted points
        drawn = problem.curve if problem.form == "curve" else None
        super().__init__(
            form=problem.form,
            param_names=names,
            data=drawn.data
            if drawn is not None
            else {"x": [], "y": [], "sigma": None, "band": None},
            model_x=[] if drawn is None or drawn.model_x is None else drawn.model_x.tolist(),
            landscape_on=bool(landscape) and n >= 2,
            has_dfun=problem.dfun is not None,
            landscape_params=pair,
            absolute_sigma=settings.flag("absolute_sigma", bool(absolute_sigma)),
            landscape_view="basin" if basin and n >= 2 else "cost",
            **controls,
        )
        self._checks = self._page_checks()
        self.on_msg(self._receive)
        self.observe(self._on_fit_setting, names=["values", "fixed", *FIT_SETTINGS])
        self.observe(self._on_bounds, names=["bounds"])
        self.observe(self._on_scaling, names=["absolute_sigma"])
        self.observe(self._on_range_change, names=["ranges", "logs"])
        self.observe(self._on_landscape_params, names=["landscape_params"])
        self.observe(
            self._on_basin_setting,
            names=["landscape_view", "values", "fixed", "bounds", *FIT_SETTINGS],
        )
        if run:
            self.fit()

    @classmethod
    def curve(cls, model, xdata, ydata, p0=None, sigma=None, names=None, *, jac=None, **options):
        """The curve form: fit `ydata ~ model(xdata, *p)` as `lmscope.curve_fit`
        does (same weighted residuals, so the same iterates).  Parameter names
        come from the model's signature unless given."""
        problem = Problem.curve_form(
            model,
            xdata,
            ydata,
            p0,
            sigma,
            names,
            jac=jac,
            col_deriv=bool(options.get("col_deriv", False)),
            diag=options.get("diag"),
        )
        options = {k: v for k, v in options.items() if k not in ("col_deriv", "diag")}
        seen = caller_names(
            {"model": model, "xdata": xdata, "ydata": ydata, "sigma": sigma, "jac": jac}
        )
        return cls(None, None, problem=problem, user_names=seen, **options)

    # -- traits checked from Python as from the page ------------------------------

    @t.validate(
        *(
            "values",
            "ranges",
            "logs",
            "ftol",
            "xtol",
            "gtol",
            "epsfcn",
            "factor",
            "maxfev",
            "use_dfun",
            "delay",
            "auto_fit",
            "landscape_params",
            "panels",
            "fixed",
            "bounds",
            "absolute_sigma",
            "landscape_view",
        )
    )
    def _check_control(self, proposal):
        checks = getattr(self, "_checks", None)
        if checks is None:  # during __init__: the values were checked there
            return proposal["value"]
        try:
            return checks[proposal["trait"].name](proposal["value"])
        except (TypeError, ValueError) as exc:
            raise t.TraitError(str(exc)) from None

    def _page_checks(self) -> dict:
        """The traits the page may write, and the check each value from the
        page goes through (the same check as a write from Python).  Every
        other synced trait belongs to the kernel."""
        names = list(self.names)
        return {
            "values": lambda v: settings.clamp(settings.values(v, names), self.bounds),
            "ranges": lambda v: settings.ranges(v, names),
            "logs": lambda v: settings.logs(v, names),
            "ftol": lambda v: settings.tolerance("ftol", v),
            "xtol": lambda v: settings.tolerance("xtol", v),
            "gtol": lambda v: settings.tolerance("gtol", v),
            "epsfcn": settings.epsfcn,
            "factor": settings.factor,
            "maxfev": settings.maxfev,
            "use_dfun": lambda v: self._dfun_choice(settings.flag("use_dfun", v)),
            "delay": settings.delay,
            "auto_fit": lambda v: settings.flag("auto_fit", v),
            "landscape_params": lambda v: settings.landscape_pair(v, len(names)),
            "panels": settings.panel_layout,
            "fixed": lambda v: settings.fixed(v, names),
            "bounds": lambda v: settings.bounds(v, names),
            "absolute_sigma": lambda v: settings.flag("absolute_sigma", v),
            "landscape_view": landscape_view_choice,
        }

    def _dfun_choice(self, value: bool) -> bool:
        if value and self.problem.dfun is None:
            raise ValueError("no Dfun was given: the Jacobian is by finite differences")
        return value

    def set_state(self, sync_data):
        """A state update from the page: kernel-owned traits and values that do
        not check out are refused (an `error` reply, and the page's copy is
        restored); the rest is applied."""
        accepted, refused = {}, []
        for name, value in sync_data.items():
            check = self._checks.get(name) if hasattr(self, "_checks") else None
            if check is None:
                refused.append((name, f"{name} is set by the kernel, not the page"))
                continue
            try:
                accepted[name] = check(value)
            except (TypeError, ValueError) as exc:
                refused.append((name, str(exc)))
        if accepted:
            super().set_state(accepted)
        for name, why in refused:
            self.send(protocol.error_message(why[:300]))
            if name in self.keys:
                self.send_state(name)

    # -- state ---------------------------------------------------------------------

    @property
    def names(self) -> list[str]:
        return list(self.problem.names)

    @property
    def n(self) -> int:
        return self.problem.n

    @property
    def x0(self) -> np.ndarray:
        """The starting point the sliders show."""
        return np.array(self.values, dtype=np.float64)

    @x0.setter
    def x0(self, values) -> None:
        values = np.atleast_1d(np.asarray(values, dtype=np.float64)).ravel()
        if values.size != self.n:
            raise ValueError(f"x0 needs {self.n} values, got {values.size}")
        self._set_values(dict(enumerate(values.tolist())))

    @property
    def state(self) -> str:
        """idle, running, paused, success, failure, stopped or error."""
        return self._controller.state

    @property
    def running(self) -> bool:
        return self._controller.busy

    @property
    def outcome(self) -> outcomes.Outcome | None:
        """How the last fit (not superseded) ended, as the page shows it."""
        job = self._last_job
        return None if job is None else job.outcome

    def options(self) -> dict:
        """leastsq keywords of the current settings (ftol, xtol, gtol, maxfev,
        epsfcn, factor, and col_deriv, diag when given)."""
        options = {
            name: getattr(self, name)
            for name in ("ftol", "xtol", "gtol", "maxfev", "epsfcn", "factor")
        }
        if self.problem.col_deriv:
            options["col_deriv"] = True
        if self.problem.diag is not None:
            options["diag"] = self.problem.diag
        return options

    # -- actions ------------------------------------------------------------------

    def fit(self, *, step_mode: bool = False) -> int:
        """Start a fit from the current settings (the fit in flight stops);
        returns its id.  Never waits."""
        fit_id = self._controller.request(self._request(step_mode))
        self._start_landscape(fit_id)
        self._start_basin(fit_id)
        return fit_id

    def stop(self, wait: bool = False, timeout: float | None = 10.0) -> None:
        """Stop the fit in flight (it ends with ier = -2 at its last accepted
        point), the landscape and the basin map.  A fit busy in the user's code ends when that
        call returns; `wait` waits for that up to `timeout` seconds."""
        self._landscaper.cancel()
        self._basin_runner.cancel()
        self._basin_key = None  # Fit computes the stopped map again
        self._controller.stop()
        if wait:
            self._controller.wait(timeout)

    def step(self) -> None:
        """One trial step: pauses a running fit after its next step, releases one
        more step of a paused fit, or starts a fit paused at its starting point."""
        if not self._controller.busy:
            self._start_landscape(self._controller.fit_id + 1)
        self._controller.step(self._request(True))

    def reset(self) -> None:
        """Stop, and put x0, the ranges and the settings back to where they started."""
        self._controller.stop()
        with self._changing():
            # The limits first: the starting values are clamped inside them.
            for name in sorted(self._initial, key=lambda name: name != "bounds"):
                if name != "auto_fit":
                    setattr(self, name, self._initial[name])
        self._maybe_fit()

    def restore(self, fit_id: int) -> None:
        """Put back the start of fit `fit_id` from `history` (its x0, fixed
        parameters, limits and leastsq settings); with auto-fit it runs again."""
        entry = next((e for e in reversed(self.history) if e["fit_id"] == fit_id), None)
        if entry is None:
            raise ValueError(f"fit {fit_id} is not in the history (it keeps {HISTORY_LIMIT})")
        limits = settings.bounds_of(entry["bounds"], self.names)
        x0 = entry["x0"].tolist()
        ranges = [[min(lo, v), max(hi, v)] for v, (lo, hi) in zip(x0, self.ranges, strict=True)]
        with self._changing():
            self.bounds = limits
            self.fixed = list(entry["fixed"]) or [False] * self.n
            for name, value in entry["options"].items():
                setattr(self, name, value)
            self.use_dfun = entry["use_dfun"]
            self.ranges = ranges
            self.values = x0
        self._maybe_fit()

    def wait(self, timeout: float | None = 30.0, *, landscape: bool = False) -> bool:
        """Wait for the fit in flight and its last message to the page (and the
        landscape and basin map too with `landscape`); returns whether they ended.  Ctrl-C
        (Interrupt Kernel) here stops the fit, then raises KeyboardInterrupt."""
        deadline = None if timeout is None else time.monotonic() + timeout

        def left():
            return None if deadline is None else max(0.0, deadline - time.monotonic())

        try:
            if not self._controller.wait(left()):
                return False
            while not self._stream.idle():
                if deadline is not None and time.monotonic() > deadline:
                    return False
                time.sleep(0.002)
            if landscape and not self._landscaper.wait(left()):
                return False
            if landscape and not self._basin_runner.wait(left()):
                return False
        except KeyboardInterrupt:
            self.stop()
            raise
        return True

    def close(self) -> None:
        """Stop the fit and the landscape, end the widget's threads, and close
        the widget.  Safe on a half-built widget."""
        for part in ("_controller", "_landscaper", "_basin_runner", "_stream"):
            if part in self.__dict__:
                self.__dict__[part].close()
        super().close()

    # -- static output ---------------------------------------------------------------

    def to_code(self, *, batch: bool = False) -> str:
        """A script that runs the same fit with `leastsq` (or `curve_fit`):
        fixed parameters and bounds included, the same numbers bit for bit.
        The data and functions are named as they were where the widget was
        made, when it could see them; otherwise the script says what to bind.
        `batch=True` (curve form): the same fit of many data sets, one per
        row, with `lmscope.batch.curve_fit`."""
        return to_code(self.problem, self._code_settings(), batch=batch)

    def _code_settings(self) -> dict:
        return {
            **self.options(),
            "x0": self.x0,
            "use_dfun": self.use_dfun,
            "fixed": list(self.fixed),
            "bounds": self.leastsq_bounds(),
            "absolute_sigma": self.absolute_sigma,
            "names": self._user_names,
        }

    def leastsq_bounds(self) -> tuple[np.ndarray, np.ndarray] | None:
        """The limits as leastsq's `bounds=(lb, ub)` (-inf/inf for none), or
        None when no parameter has one."""
        if all(lo is None and hi is None for lo, hi in self.bounds):
            return None
        lb = np.array([-np.inf if lo is None else lo for lo, _ in self.bounds])
        ub = np.array([np.inf if hi is None else hi for _, hi in self.bounds])
        return lb, ub

    def figure(self, fig=None):
        """The browser's panels drawn with matplotlib (Agg-safe); returns the Figure."""
        from ..plotting import plot_fit

        job = self._last_job
        trace = self.trace
        curve = None
        if job is not None and trace is not None and len(trace):
            curves = job.curves
            if curves is None and self.problem.form == "curve":
                try:
                    curves = {
                        "accepted": self._user.call(
                            self.problem.model_curve, trace.x[-1], timeout=FIGURE_WAIT
                        ),
                        "trial": self._user.call(
                            self.problem.model_curve, trace.x_trial[-1], timeout=FIGURE_WAIT
                        ),
                    }
                except Busy:  # a fit's call into the user's code hangs: no curve panel
                    curves = None
            if curves is not None and self.problem.form == "curve":
                curve = {
                    "form": "curve",
                    "data": self.data,
                    "model_x": np.asarray(self.model_x),
                    **curves,
                }
            elif curves is not None:
                curve = {"form": "residual", **curves}
        landscape = dict(self.landscape)
        return plot_fit(
            trace if trace is not None else (job.trace if job is not None else None),
            fig=fig,
            names=self.names,
            curve=curve,
            landscape=landscape if "log10_cost" in landscape else None,
        )

    # -- wiring --------------------------------------------------------------------------

    def _request(self, step_mode: bool) -> FitRequest:
        return FitRequest(
            x0=self.x0,
            options={
                name: getattr(self, name)
                for name in ("ftol", "xtol", "gtol", "maxfev", "epsfcn", "factor")
            },
            use_dfun=self.use_dfun and self.problem.dfun is not None,
            delay=self.delay,
            step_mode=step_mode,
            fixed=tuple(self.fixed),
            bounds=self.leastsq_bounds(),
        )

    def _send_to_page(self, content, buffers) -> None:
        self.send(content, buffers)

    @contextlib.contextmanager
    def _changing(self):
        """Change several controls, then start (at most) one fit."""
        self._quiet += 1
        try:
            yield
        finally:
            self._quiet -= 1

    def _maybe_fit(self) -> None:
        if self._quiet == 0 and self.auto_fit:
            self.fit()

    def _on_fit_setting(self, change) -> None:
        self._maybe_fit()

    def _on_bounds(self, change) -> None:
        """New limits: starts move inside them, and the fit runs again."""
        with self._changing():
            self.values = settings.clamp(list(self.values), self.bounds)
        self._maybe_fit()

    def _on_scaling(self, change) -> None:
        """absolute_sigma changes the errors, not the fit: the table follows."""
        job = self._last_job
        if job is not None and job.result is not None:
            self.summary = self._summary(job)

    def _summary(self, job) -> dict:
        fixed = job.request.fixed or (False,) * self.n
        limited = [lo is not None or hi is not None for lo, hi in self.bounds]
        return errors.summary(job.result, fixed, limited, self.absolute_sigma)

    def _set_values(self, new: dict, clamp: bool = False) -> None:
        """Set some parameters' values; outside its range a value is clamped
        (`clamp`) or widens the range."""
        values, ranges = list(self.values), [list(r) for r in self.ranges]
        for k, value in new.items():
            lo, hi = ranges[k]
            if clamp:
                value = min(max(value, lo), hi)
            else:
                ranges[k] = [min(lo, value), max(hi, value)]
            values[k] = float(value)
        with self._changing():
            self.ranges = ranges
            self.values = values
        self._maybe_fit()

    def _on_range_change(self, change) -> None:
        """A range or log toggle changed: values stay inside their range, a log
        slider needs a positive range, and the landscape follows."""
        ranges = [list(r) for r in self.ranges]
        logs = [bool(v) and ranges[k][0] > 0 for k, v in enumerate(self.logs)]
        values = [min(max(v, lo), hi) for v, (lo, hi) in zip(self.values, ranges, strict=True)]
        moved = values != list(self.values)
        with self._changing():
            if logs != list(self.logs):
                self.logs = logs
            if moved:
                self.values = values
        self._start_landscape(self._controller.fit_id)
        self._start_basin(self._controller.fit_id)
        if moved:
            self._maybe_fit()

    def _on_landscape_params(self, change) -> None:
        self.landscape_on = self.n >= 2
        self._start_landscape(self._controller.fit_id, force=True)
        self._start_basin(self._controller.fit_id)

    def _receive(self, _widget, content, buffers) -> None:
        # Whatever the page sends, the kernel answers and carries on.
        try:
            message = protocol.parse_page_message(content, self.n)
        except protocol.ProtocolError as exc:
            self.send(protocol.error_message(str(exc)))
            return
        except Exception as exc:
            self.send(protocol.error_message(f"could not read the message: {type(exc).__name__}"))
            return
        try:
            self._page_message(message)
        except Exception as exc:
            self.send(
                protocol.error_message(
                    f"{type(message).__name__.lower()} failed: {type(exc).__name__}: {exc}"[:300]
                )
            )

    def _page_message(self, message) -> None:
        if isinstance(message, Replay):
            self._stream.replay()
        elif isinstance(message, Pick):
            self._set_values({message.i: message.xi, message.j: message.xj}, clamp=True)
        elif isinstance(message, Restore):
            self.restore(message.fit_id)
        elif isinstance(message, Compare):
            self._send_run_trace(message.fit_id)
        elif isinstance(message, LandscapeParams):
            self.landscape_params = [message.i, message.j]
        elif isinstance(message, Command):
            if message.name == "fit":
                if not self._controller.resume():
                    self.fit()
            elif message.name == "stop":
                self.stop()
            elif message.name == "step":
                self.step()
            else:
                self.reset()

    def _fit_ended(self, job) -> None:
        """After every fit (the worker thread)."""
        entry = _history_entry(job, self.absolute_sigma)
        self.history.append(entry)
        del self.history[:-HISTORY_LIMIT]
        if job.superseded:
            return
        self.runs = [_run_entry(entry), *self.runs][:RUNS_SHOWN]
        self._drop_unlisted_traces()
        self._last_job = job
        self.trace = job.trace
        self.summary = {} if job.result is None else self._summary(job)
        self.code = self.to_code()
        if len(job.trace):
            # The landscape grows to contain this fit's path and final point.
            self._landscape_path = np.array(job.trace.x)
            self._start_landscape(job.fit_id)
        # Observers run here, on this thread, and may start a fit.
        self.error = job.error
        self.result = job.result

    def _drop_unlisted_traces(self) -> None:
        listed = {run["fit_id"] for run in self.runs}
        for entry in self.history:
            if entry["trace"] is not None and entry["fit_id"] not in listed:
                entry["trace"] = None

    def _send_run_trace(self, fit_id: int) -> None:
        """Answer `compare`: the whole trace of a fit of the run list."""
        entry = next((e for e in reversed(self.history) if e["fit_id"] == fit_id), None)
        if entry is None or entry["trace"] is None:
            raise ValueError(f"fit {fit_id} is not in the run list, so its trace is not kept")
        self.send(*protocol.run_trace_message(fit_id, entry["trace"]))

    # -- landscape ------------------------------------------------------------------------

    def _start_landscape(self, fit_id: int, force: bool = False) -> None:
        if not self.landscape_on:
            return
        i, j = self.landscape_params
        x0 = self.x0
        ranges, logs = self.ranges, self.logs
        others = tuple(np.delete(x0, [i, j]).tolist())
        base = (i, j, tuple(ranges[i]), logs[i], tuple(ranges[j]), logs[j], others)
        # The same grid as before unless its slice or ranges changed (x0[i] and
        # x0[j] do not enter it) or the last fit's path left it.
        last = self._landscape_key
        path = self._landscape_path
        axes = []
        for axis, k in enumerate((i, j)):
            shown = last[1][axis] if last is not None and last[0] == base else None
            values = () if path is None or path.shape[1] != self.n else path[:, k]
            lo, hi = ranges[k]
            axes.append(axis_extent(lo, hi, logs[k], values, shown))
        key = (base, tuple(axes))
        if not force and key == last:
            return
        self._landscape_key = key
        self._landscaper.submit(
            LandscapeJob(
                self.problem.func,
                self.problem.args,
                x0,
                i,
                j,
                (*axes[0], logs[i]),
                (*axes[1], logs[j]),
                fit_id,
                _weak(self._landscape_done),
                self._user,
            )
        )

    def _landscape_done(self, job: LandscapeJob) -> None:
        if not job.cancelled and job.value is not None:
            self.landscape = job.value

    # -- basin map (basin.py) -----------------------------------------------------------

    def _on_basin_setting(self, change) -> None:
        self._start_basin(self._controller.fit_id)

    def _basin_settings(self) -> tuple[dict, bool]:
        """The settings a fit from any start uses, as `_request` hands them over."""
        request = self._request(False)
        return request.options, request.use_dfun

    def _start_basin(self, fit_id: int) -> None:
        """(Re)compute the basin map when it is shown and something that moves
        basins changed: the pair, their ranges, the other parameters' values,
        a fit setting.  x0[i] and x0[j] only move the start drawn on it."""
        if self.landscape_view != "basin" or self.n < 2:
            self._basin_runner.cancel()
            self._basin_key = None
            return
        i, j = self.landscape_params
        x0, ranges, logs = self.x0, self.ranges, self.logs
        options, use_dfun = self._basin_settings()
        bounds, fixed = self.leastsq_bounds(), tuple(self.fixed)
        others = tuple(np.delete(x0, [i, j]).tolist())
        key = (i, j, tuple(ranges[i]), logs[i], tuple(ranges[j]), logs[j], others) + (
            tuple(sorted(options.items())),
            use_dfun,
            fixed,
            None if bounds is None else (tuple(bounds[0]), tuple(bounds[1])),
        )
        if key == self._basin_key:
            return
        self._basin_key = key
        if self.basin.get("final"):
            # The map shown is of other settings: the page says it is being recomputed.
            self.basin = {**self.basin, "final": False}
        self._basin_runner.submit(
            BasinJob(
                self.problem,
                x0,
                i,
                j,
                (*ranges[i], logs[i]),
                (*ranges[j], logs[j]),
                options,
                use_dfun,
                fit_id,
                _weak(self._basin_level),
                self._user,
                bounds=bounds,
                fixed=fixed,
            )
        )

    def _basin_level(self, job: BasinJob) -> None:
        if not job.cancelled and job.value is not None:
            self.basin = job.value


# -- helpers ------------------------------------------------------------------------


def _per_parameter(what: str, value, names: list[str], default) -> list:
    if value is None:
        return [default] * len(names)
    if isinstance(value, dict):
        unknown = set(value) - set(names)
        if unknown:
            raise ValueError(
                f"{what} names unknown parameters {sorted(unknown)}; parameters are {names}"
            )
        return [value.get(name, default) for name in names]
    value = list(value)
    if len(value) != len(names):
        raise ValueError(f"{what} has {len(value)} entries but there are {len(names)} parameters")
    return value


def _log_set(log_scale, names: list[str]) -> set[int]:
    return _index_set("log_scale", log_scale, names)


def _index_set(what: str, chosen_items, names: list[str]) -> set[int]:
    """Parameters chosen by name or index (log_scale, fixed)."""
    if isinstance(chosen_items, (str, int)):
        chosen_items = [chosen_items]
    chosen = set()
    for item in chosen_items or ():
        if isinstance(item, str):
            if item not in names:
                raise ValueError(f"{what} names unknown parameter {item!r}; parameters are {names}")
            chosen.add(names.index(item))
        else:
            index = int(item)
            if not 0 <= index < len(names):
                raise ValueError(f"{what}: {index} is not a parameter index")
            chosen.add(index)
    return chosen


def _history_entry(job, absolute_sigma: bool) -> dict:
    """What history keeps of a fit: its settings and how it ended."""
    request, trace = job.request, job.trace
    entry = {
        "fit_id": job.fit_id,
        "x0": request.x0.copy(),
        "fixed": list(request.fixed),
        "bounds": request.bounds,
        "options": dict(request.options),
        "use_dfun": request.use_dfun,
        "delay": request.delay,
        "n_steps": len(trace),
        # Kept while the fit is in the run list (_drop_unlisted_traces).
        "trace": None if job.superseded else trace,
        "elapsed": job.finished - job.started,
        "superseded": job.superseded,
        "state": job.outcome.state,
        "ier": job.outcome.ier,
        "mesg": job.outcome.mesg,
    }
    if job.error is not None:
        entry.update(
            x=None,
            nfev=int(trace.nfev[-1]) if len(trace) else 0,
            fnorm=float(trace.fnorm[-1]) if len(trace) else None,
            error=job.outcome.mesg,
        )
        return entry
    x, cov_x, infodict, _mesg, _ier = job.result
    fvec = infodict["fvec"]
    # Not cov_x: n*n floats per fit, for up to HISTORY_LIMIT fits.
    entry.update(
        x=np.array(x),
        nfev=int(infodict["nfev"]),
        fnorm=float(trace.fnorm[-1]) if len(trace) else float(np.linalg.norm(fvec)),
        error=None,
        stderr=standard_errors(cov_x, fvec, sum(request.fixed), absolute_sigma),
    )
    return entry


def _run_entry(entry: dict) -> dict:
    """What the page's run list shows of a history entry (JSON-ready)."""
    return {
        "fit_id": entry["fit_id"],
        "state": entry["state"],
        "ier": entry["ier"],
        "fnorm": protocol.finite_or_none(entry["fnorm"]),
        "nfev": entry["nfev"],
        "x0": [protocol.finite_or_none(v) for v in entry["x0"]],
        "fixed": list(entry["fixed"]) or [False] * len(entry["x0"]),
    }


def standard_errors(cov_x, fvec, n_fixed: int = 0, absolute_sigma: bool = False):
    """sqrt(diag(pcov)) with curve_fit's pcov (errors.py): inf where curve_fit
    fills pcov with inf; None without cov_x."""
    if cov_x is None:
        return None
    covariance = errors.pcov(cov_x, fvec, cov_x.shape[0] - n_fixed, absolute_sigma)
    if covariance is None:  # curve_fit's pcov of inf
        return np.full(cov_x.shape[0], np.inf)
    with np.errstate(invalid="ignore"):
        return np.sqrt(np.diag(covariance))


def fit_widget(
    func, x0=None, args=(), Dfun=None, names=None, *, xdata=None, ydata=None, sigma=None, **options
) -> FitWidget:
    """A FitWidget in one call: with xdata and ydata the curve form
    (func is the model f(xdata, *p), x0 its p0), otherwise the residual form."""
    if xdata is not None or ydata is not None:
        if xdata is None or ydata is None:
            raise TypeError("the curve form needs both xdata and ydata")
        if args or Dfun is not None:
            raise TypeError("the curve form takes neither args nor Dfun (use jac=)")
        return FitWidget.curve(func, xdata, ydata, p0=x0, sigma=sigma, names=names, **options)
    if x0 is None:
        raise TypeError("the residual form needs x0")
    return FitWidget(func, x0, args, Dfun, names, **options)


__all__ = ["FitWidget", "fit_widget", "standard_errors"]
