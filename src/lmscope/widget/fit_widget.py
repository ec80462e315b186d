"""`FitWidget`: sliders for x0 and the tolerances, buttons, a status line and
the live plot (`FitPlot`), driving `leastsq` on a background thread.

Threads.  The kernel's main thread handles the controls and page messages; it
runs no fit, though `figure()` and a page's replay call the user's function
there.  A fit runs on its own thread (runner.FitRun) with a sender thread
beside it; at most one fit is current: starting one stops the previous fit
and waits for it briefly (JOIN_WAIT).  A fit still busy in the user's code
after that is left to end in the background (its threads are daemons, and
what it reports is ignored).  The cost landscape runs on a third thread,
cancelled when superseded or stopped, never waited for by the main thread.

Two locks.  `_lock` guards which fit is current and the status; nobody waits
for a thread while holding it.  `_user` (usercode.UserCode) makes every call
into the user's code - func, Dfun, model - one at a time, whichever thread
makes it.

Attributes after a fit: `result` (leastsq's full output, a trait), `error`
(the exception of the last fit, or None, a trait), `trace`, `history`.
"""

from __future__ import annotations

import inspect
import math
import threading
import time

import ipywidgets as widgets
import numpy as np
import traitlets as t

from .. import _messages
from .controls import DEFAULT_TOL, ParameterControl, SettingsControls, _escape, close_children
from .decimate import decimate_data
from .landscape import LandscapeJob
from .plot import FitPlot
from .protocol import LandscapeParams, Pick, Replay, finite_or_none
from .runner import FitRun, FitSpec
from .usercode import Busy, UserCode

MODEL_POINTS = 400  # the curve form draws the model on this many points at most,
# and a longer residual vector is decimated to about as many
DATA_POINTS = 2000  # the curve form's data go to the page whole up to this many points,
# decimated to about as many beyond (min and max y per bin)
HISTORY_LIMIT = 1000  # a slider drag makes a fit per position: keep the newest
JOIN_WAIT = 0.1  # seconds a new fit (or Stop) waits for the previous one to end
FIGURE_WAIT = 5.0  # seconds figure() waits for the user's code, busy in a fit
STUCK = "fit {} is stuck in func (still running in the background)"


class FitWidget(widgets.VBox):
    """Watch `leastsq(func, x0, args, Dfun, ...)` run, and drive it.

    Residual form: `FitWidget(func, x0, args=(), Dfun=None, names=None, ...)`
    takes what leastsq takes.  Curve form: `FitWidget.curve(model, xdata,
    ydata, p0=None, sigma=None, ...)` takes what curve_fit takes.

    Keyword options: `ranges` (one (min, max) per parameter, or a dict by name;
    default x0 +- max(|x0|, 1)), `log_scale` (names or indices of parameters
    with a log slider), the leastsq settings `ftol, xtol, gtol, maxfev,
    epsfcn, factor` (plus `col_deriv`, `diag`, passed through), `auto_fit`
    (refit when a control changes; default True), `delay` (slow motion:
    seconds of pause after each trial step), `landscape` (draw the cost over
    two parameters; default True when n >= 2), `landscape_params` ((i, j),
    default (0, 1)), `run` (start a fit now; default True).

    Threads.  The widget calls your func (Dfun, model) from several threads -
    the fit's, the one that draws the curves, the landscape's, the kernel's
    main thread in `figure()` - but never two calls at once, so it need not be
    thread-safe.  A func that hangs does not freeze the kernel: the next fit
    (or Stop) leaves that fit running in the background and says so in the
    status line.  Observers of `result` and `error` run on the fit's worker
    thread, after the fit ended; they may start a new fit or change controls.
    """

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
        run=True,
        _curve=None,
    ):
        if not callable(func):
            raise TypeError(f"func must be callable, got {type(func).__name__}")
        if Dfun is not None and not callable(Dfun):
            raise TypeError(f"Dfun must be callable or None, got {type(Dfun).__name__}")
        x0 = np.atleast_1d(np.asarray(x0, dtype=np.float64)).ravel()
        if x0.size == 0:
            raise ValueError("x0 must have at least one element")
        if not np.all(np.isfinite(x0)):
            raise ValueError(f"x0 must be finite, got {x0}")
        n = x0.size
        names = _names(names, n)
        self._func = func
        self._args = args if isinstance(args, tuple) else (args,)
        self._dfun = Dfun
        self._col_deriv = bool(col_deriv)
        self._diag = None if diag is None else np.asarray(diag, dtype=np.float64)
        self._curve = _curve  # curve form: dict from FitWidget.curve
        self._drawn_curve = _curve is not None and _curve["model_x"] is not None
        self.names = names
        self.trace = None
        self.history: list[dict] = []
        self._fit_id = 0
        self._run: FitRun | None = None
        self._landscape_job: LandscapeJob | None = None
        self._landscape_key = None
        self._lock = threading.RLock()
        self._user = UserCode()
        self._stuck: list[FitRun] = []  # fits left running in the user's code
        self._quiet = 0  # > 0: control changes do not start fits

        ranges = _per_parameter("ranges", ranges, names, None)
        logs = _log_set(log_scale, names)
        self.params = [
            ParameterControl(
                name,
                value,
                *(r if r is not None else (None, None)),
                log=k in logs,
                on_change=self._control_changed,
            )
            for k, (name, value, r) in enumerate(zip(names, x0, ranges, strict=True))
        ]
        self.settings = SettingsControls(
            ftol=ftol,
            xtol=xtol,
            gtol=gtol,
            maxfev=maxfev,
            epsfcn=epsfcn,
            factor=factor,
            has_dfun=Dfun is not None,
            delay=delay,
        )
        self.settings.observe(self._control_changed)

        self.auto_fit_box = widgets.Checkbox(
            bool(auto_fit), description="auto-fit", indent=False, layout=widgets.Layout(width="7em")
        )

        def button(description, icon, **style):
            return widgets.Button(
                description=description, icon=icon, layout=widgets.Layout(width="6.5em"), **style
            )

        self.fit_button = button("Fit", "play", button_style="primary")
        self.stop_button = button("Stop", "stop")
        self.step_button = button("Step", "step-forward")
        self.reset_button = button("Reset", "undo")
        self.fit_button.on_click(lambda _: self._fit_pressed())
        self.stop_button.on_click(lambda _: self.stop())
        self.step_button.on_click(lambda _: self.step())
        self.reset_button.on_click(lambda _: self.reset())
        self.status_html = widgets.HTML("<i>not fitted yet</i>")

        self.plot = FitPlot(param_names=list(names))
        if self._drawn_curve:
            self.plot.form = "curve"
            self.plot.data = _curve["data"]
            self.plot.model_x = [float(v) for v in _curve["model_x"]]
        self.plot.on_page_message(self._page_message)
        self._landscape_on = bool(landscape) and n >= 2
        ij = (0, 1) if landscape_params is None else tuple(int(v) for v in landscape_params)
        if n >= 2 and not (len(ij) == 2 and ij[0] != ij[1] and all(0 <= v < n for v in ij)):
            raise ValueError(
                f"landscape_params must be two different indices in 0..{n - 1}, "
                f"got {landscape_params!r}"
            )
        self._landscape_ij = ij

        buttons = widgets.HBox(
            [
                self.fit_button,
                self.stop_button,
                self.step_button,
                self.reset_button,
                self.auto_fit_box,
            ]
        )
        settings = widgets.Accordion(children=[self.settings.box], titles=("settings",))
        super().__init__(
            [
                self.plot,
                widgets.VBox([p.row for p in self.params]),
                buttons,
                settings,
                self.status_html,
            ]
        )
        self.add_class("lmscope-fit-widget")
        if run:
            self.fit()

    # -- the curve form --------------------------------------------------------

    @classmethod
    def curve(cls, model, xdata, ydata, p0=None, sigma=None, names=None, *, jac=None, **options):
        """The curve form: fit `ydata ~ model(xdata, *p)` as `lmscope.curve_fit`
        does (same weighted residuals, so the same iterates).  Parameter names
        come from the model's signature unless given."""
        from ..curve_fit import (
            _check_sigma_shape,
            _data,
            _initial_parameters,
            _jacobian,
            _residuals,
            _weighting,
        )

        if not callable(model):
            raise TypeError(
                f"model must be callable as model(xdata, *params), got {type(model).__name__}"
            )
        p0 = _initial_parameters(model, p0)
        ydata = _data("ydata", ydata, True)
        if ydata.ndim != 1 or ydata.size == 0:
            raise ValueError(f"ydata must be 1-D and not empty; got shape {ydata.shape}")
        if isinstance(xdata, (list, tuple, np.ndarray)):
            xdata = _data("xdata", xdata, True)
        sigma = _check_sigma_shape(sigma, ydata.size)
        weighting = _weighting(sigma, ydata.size)
        residuals = _residuals(model, xdata, ydata, weighting)
        residuals.__name__ = getattr(model, "__name__", "model")
        dfun = (
            None
            if jac is None
            else _jacobian(jac, xdata, ydata.size, weighting, bool(options.get("col_deriv", False)))
        )
        if names is None:
            names = _signature_names(model, p0.size)
        curve = _curve_spec(model, xdata, ydata, sigma, jac, p0)
        return cls(residuals, p0, (), dfun, names, _curve=curve, **options)

    # -- state -----------------------------------------------------------------

    @property
    def n(self) -> int:
        return len(self.params)

    @property
    def x0(self) -> np.ndarray:
        """The starting point the sliders show."""
        return np.array([p.value for p in self.params], dtype=np.float64)

    @x0.setter
    def x0(self, values) -> None:
        values = np.atleast_1d(np.asarray(values, dtype=np.float64)).ravel()
        if values.size != self.n:
            raise ValueError(f"x0 needs {self.n} values, got {values.size}")
        self._set_params(dict(enumerate(values)))

    def options(self) -> dict:
        """leastsq keywords of the current settings (ftol, xtol, gtol, maxfev,
        epsfcn, factor, and col_deriv, diag when given)."""
        options = self.settings.options()
        if self._col_deriv:
            options["col_deriv"] = True
        if self._diag is not None:
            options["diag"] = self._diag
        return options

    def _setting(name: str):
        def get(self):
            return self.settings.options()[name]

        def set_(self, value) -> None:
            with self._batch():
                self.settings.set(name, value)
            self._maybe_fit()

        return property(
            get,
            set_,
            doc=f"leastsq's {name} (0 switches a tolerance's test off; "
            f"epsfcn None is leastsq's default)",
        )

    ftol, xtol, gtol = _setting("ftol"), _setting("xtol"), _setting("gtol")
    epsfcn, factor, maxfev = _setting("epsfcn"), _setting("factor"), _setting("maxfev")
    del _setting

    @property
    def use_dfun(self) -> bool:
        return self._dfun is not None and bool(self.settings.use_dfun.value)

    @use_dfun.setter
    def use_dfun(self, value) -> None:
        if value and self._dfun is None:
            raise ValueError("no Dfun was given: the Jacobian is by finite differences")
        self.settings.use_dfun.value = bool(value)

    @property
    def delay(self) -> float:
        return float(self.settings.delay.value)

    @delay.setter
    def delay(self, value) -> None:
        self.settings.delay.value = float(value)

    @property
    def auto_fit(self) -> bool:
        return bool(self.auto_fit_box.value)

    @auto_fit.setter
    def auto_fit(self, value) -> None:
        self.auto_fit_box.value = bool(value)

    @property
    def running(self) -> bool:
        run = self._run
        return run is not None and run.running

    @property
    def status(self) -> dict:
        return dict(self.plot.status)

    # -- actions ----------------------------------------------------------------

    def fit(self, *, step_mode: bool = False) -> FitRun:
        """Start a fit from the current settings (stopping the one in flight)."""
        self._end_current()
        with self._lock:
            self._supersede(self._run)  # one another thread started meanwhile
            self._fit_id += 1
            fit_id = self._fit_id
            spec = FitSpec(
                fit_id=fit_id,
                func=self._func,
                x0=self.x0,
                args=self._args,
                dfun=self._dfun if self.use_dfun else None,
                options=self.options(),
                delay=self.delay,
                curves=self._curves_function(),
                step_mode=step_mode,
                user=self._user,
                curve_points=None if self._drawn_curve else MODEL_POINTS,
            )
            run = FitRun(spec, self.plot.send, on_progress=self._progress, on_done=self._finished)
            self._run = run
            self._set_status("running", fit_id)
            run.start()
            self._start_landscape(fit_id)
            return run

    def stop(self, wait: bool = False, timeout: float | None = 10.0) -> None:
        """Stop the fit in flight (it ends with ier = -2 at its last accepted
        point) and the landscape.  A fit busy in the user's code ends when that
        call returns; `wait` waits for that up to `timeout` seconds."""
        run = self._run
        job = self._landscape_job
        if job is not None:
            job.cancel()
        if run is None:
            return
        run.stop()
        if wait:
            run.join(timeout)
        elif not run.wait_done(JOIN_WAIT) and not run.on_its_thread():
            self._left_running(run)

    def step(self) -> None:
        """One trial step: pauses a running fit after its next step, releases one
        more step of a paused fit, or starts a fit paused at its starting point."""
        with self._lock:
            run = self._run
            if run is not None and run.running and not run.stopping:
                run.step()
                return
        self.fit(step_mode=True)

    def reset(self) -> None:
        """Stop, and put x0 and the settings back to where they started."""
        self._end_current()
        with self._batch():
            for p in self.params:
                p.set(p.initial)
            self.settings.reset()
        self._maybe_fit()

    def wait(self, timeout: float | None = 30.0, *, landscape: bool = False) -> bool:
        """Wait for the fit in flight (and the landscape too with `landscape`);
        returns whether they ended."""
        deadline = None if timeout is None else time.monotonic() + timeout
        jobs = (self._run, self._landscape_job) if landscape else (self._run,)
        for job in jobs:
            if job is not None:
                left = None if deadline is None else max(0.0, deadline - time.monotonic())
                if not job.join(left):
                    return False
        return True

    def close(self) -> None:
        """Stop the fit and the landscape, and close every widget model this
        widget made.  Safe on a half-built widget (its __init__ raised, and
        ipywidgets' __del__ closes it)."""
        if hasattr(self, "_lock"):
            self._end_current()
            job = self._landscape_job
            if job is not None:
                job.cancel()
        close_children(self)
        super().close()

    # -- static output -------------------------------------------------------------

    def figure(self, fig=None):
        """The browser's panels drawn with matplotlib (Agg-safe); returns the Figure."""
        from ..plotting import plot_fit

        trace = self.trace if self.trace is not None else (self._run.trace if self._run else None)
        curve = None
        if trace is not None and len(trace):
            evaluate = self._curves_function()

            def at(x):
                return self._user.call(evaluate, x, timeout=FIGURE_WAIT)

            try:
                accepted, trial = at(trace.x[-1]), at(trace.x_trial[-1])
            except Busy:  # a fit's call into the user's code hangs: no curve panel
                accepted = trial = None
            if accepted is None:
                pass
            elif self._drawn_curve:
                curve = {
                    "form": "curve",
                    "data": self._curve["data"],
                    "model_x": np.asarray(self._curve["model_x"]),
                    "accepted": accepted,
                    "trial": trial,
                }
            else:
                curve = {"form": "residual", "accepted": accepted, "trial": trial}
        landscape = self.plot.landscape
        return plot_fit(
            trace,
            fig=fig,
            names=self.names,
            curve=curve,
            landscape=dict(landscape) if "log10_cost" in landscape else None,
        )

    def to_code(self) -> str:
        """A script that runs the same fit with `leastsq` (or `curve_fit`)."""
        from .codegen import fit_code

        return fit_code(self)

    # -- control events ------------------------------------------------------------

    def _control_changed(self, *_):
        self._maybe_fit()

    def _maybe_fit(self) -> None:
        if self._quiet == 0 and self.auto_fit:
            self.fit()

    def _fit_pressed(self) -> None:
        run = self._run
        if run is not None and run.running and run.paused and not run.stopping:
            run.run_freely()
        else:
            self.fit()

    def _set_params(self, values: dict, clamp: bool = False) -> None:
        with self._batch():
            for k, value in values.items():
                self.params[k].set(value, clamp=clamp)
        self._maybe_fit()

    class _Quiet:
        def __init__(self, owner):
            self.owner = owner

        def __enter__(self):
            self.owner._quiet += 1

        def __exit__(self, *exc):
            self.owner._quiet -= 1

    def _batch(self):
        """Change several controls, then start (at most) one fit."""
        return self._Quiet(self)

    def _page_message(self, message) -> None:
        if isinstance(message, Replay):
            run = self._run
            if run is not None:
                run.replay()
        elif isinstance(message, Pick):
            self._set_params({message.i: message.xi, message.j: message.xj}, clamp=True)
        elif isinstance(message, LandscapeParams):
            with self._lock:
                self._landscape_ij = (message.i, message.j)
                self._landscape_on = True
                self._start_landscape(self._fit_id, force=True)

    # -- fits ----------------------------------------------------------------------

    def _end_current(self) -> None:
        """Stop the current fit and give leastsq JOIN_WAIT to return; a fit that
        does not (busy in the user's code) is left running in the background.
        Its sender may still be finishing a curve: it sends for an older fit
        id, which the page ignores."""
        with self._lock:
            run = self._run
            self._supersede(run)
        if run is not None and not run.wait_done(JOIN_WAIT) and not run.on_its_thread():
            self._left_running(run)

    @staticmethod
    def _supersede(run: FitRun | None) -> None:
        if run is not None and run.running:
            run.superseded = True
            run.stop()

    def _left_running(self, run: FitRun) -> None:
        with self._lock:
            if run not in self._stuck:
                self._stuck.append(run)
            self.status_html.value = self._stuck_note().removeprefix("<br>")

    def _stuck_note(self) -> str:
        """The status line's word on fits left running in the user's code."""
        self._stuck = [run for run in self._stuck if not run.done]
        return "".join(f"<br>{STUCK.format(run.fit_id)}" for run in self._stuck)

    def _curves_function(self):
        if self._drawn_curve:
            model, xdata = self._curve["model"], self._curve["model_x"]
            size = xdata.size

            def model_curve(p):
                try:
                    y = np.asarray(model(xdata, *p), dtype=np.float64)
                    return np.broadcast_to(y, (size,)).copy()
                except Exception:
                    return np.full(size, np.nan)

            return model_curve
        return self._residual_at

    def _residual_at(self, x):
        try:
            return np.asarray(
                self._func(np.array(x, dtype=np.float64), *self._args), dtype=np.float64
            ).ravel()
        except Exception:
            return np.full(0, np.nan)

    def _progress(self, run: FitRun) -> None:
        """After each batch (sender thread): the status trait follows the stream."""
        with self._lock:
            if run is not self._run or run.done:
                return
            k = run.published - 1
            if k < 0:
                return
            columns = run.trace._columns
            self._set_status(
                "running",
                run.fit_id,
                nfev=int(columns["nfev"][k]),
                fnorm=float(columns["fnorm"][k]),
                n_steps=k + 1,
            )

    def _finished(self, run: FitRun) -> None:
        """When a fit ended (its own thread).  Only the current fit reports."""
        outcome = _outcome(run)
        with self._lock:
            self.history.append(outcome)
            del self.history[:-HISTORY_LIMIT]
            current = run is self._run and not run.superseded
            if current:
                self.trace = run.trace
                self._set_status(
                    outcome["state"],
                    run.fit_id,
                    ier=outcome["ier"],
                    mesg=outcome["mesg"],
                    nfev=outcome["nfev"],
                    fnorm=outcome["fnorm"],
                    n_steps=outcome["n_steps"],
                    error=outcome["error"],
                )
                self.status_html.value = _status_html(outcome, self.names) + self._stuck_note()
        if current:
            # Outside the lock: observers run here, on this thread, and may start a fit.
            self.error = run.error
            self.result = run.result

    def _set_status(
        self, state, fit_id, *, ier=None, mesg="", nfev=0, fnorm=None, n_steps=0, error=None
    ) -> None:
        self.plot.status = {
            "state": state,
            "fit_id": int(fit_id),
            "ier": ier,
            "mesg": mesg,
            "nfev": int(nfev),
            "fnorm": finite_or_none(fnorm),
            "n_steps": int(n_steps),
            "error": error,
        }
        if state == "running":
            self.status_html.value = f"<i>fit {fit_id} running…</i>" + self._stuck_note()

    # -- landscape -------------------------------------------------------------------

    def _start_landscape(self, fit_id: int, force: bool = False) -> None:
        if not self._landscape_on:
            return
        i, j = self._landscape_ij
        x0 = self.x0
        pi, pj = self.params[i], self.params[j]
        others = tuple(np.delete(x0, [i, j]).tolist())
        key = (i, j, pi.range, pi.log, pj.range, pj.log, others)
        job = self._landscape_job
        if (
            not force
            and key == self._landscape_key
            and job is not None
            and (job.running or job.value is not None)
        ):
            return  # the same grid: x0[i] and x0[j] do not enter it
        if job is not None:
            job.cancel()  # it ends at its next look at the flag; never waited for
        self._landscape_key = key
        job = LandscapeJob(
            self._func,
            self._args,
            x0,
            i,
            j,
            (*pi.range, pi.log),
            (*pj.range, pj.log),
            fit_id,
            self._landscape_done,
            self._user,
        )
        self._landscape_job = job
        job.start()

    def _landscape_done(self, job: LandscapeJob) -> None:
        with self._lock:
            if job is self._landscape_job:
                self.plot.landscape = job.value


# -- helpers ------------------------------------------------------------------------


def _names(names, n: int) -> list[str]:
    if names is None:
        return [f"x{k}" for k in range(n)]
    names = [str(name) for name in names]
    if len(names) != n:
        raise ValueError(f"names has {len(names)} entries but x0 has {n} parameters")
    if len(set(names)) != n:
        raise ValueError(f"names must be different from each other, got {names}")
    return names


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
    chosen = set()
    for item in log_scale or ():
        if isinstance(item, str):
            if item not in names:
                raise ValueError(
                    f"log_scale names unknown parameter {item!r}; parameters are {names}"
                )
            chosen.add(names.index(item))
        else:
            chosen.add(int(item))
    return chosen


def _signature_names(model, n: int) -> list[str]:
    try:
        parameters = list(inspect.signature(model).parameters.values())
    except (TypeError, ValueError):
        return [f"p{k}" for k in range(n)]
    positional = [
        p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ][1:]
    if len(positional) == n:
        return positional
    return [f"p{k}" for k in range(n)]


def _curve_spec(model, xdata, ydata, sigma, jac, p0) -> dict:
    """The curve form's call (for to_code) and, when xdata is one real axis
    with one value per data point, the data and model grid to draw; else
    `data` and `model_x` are None and the page shows the residuals.  Data
    longer than DATA_POINTS are decimated for the page (min and max y per bin)."""
    spec = {
        "model": model,
        "model_x": None,
        "data": None,
        "xdata": xdata,
        "ydata": ydata,
        "sigma": sigma,
        "jac": jac,
        "p0": p0,
    }
    if not isinstance(xdata, np.ndarray) or xdata.ndim != 1 or xdata.size != ydata.size:
        return spec
    lo, hi = float(np.min(xdata)), float(np.max(xdata))
    spec["model_x"] = np.linspace(lo, hi, MODEL_POINTS) if hi > lo else np.array([lo])
    sigma_1d = None
    if sigma is not None:
        sigma_1d = (
            np.broadcast_to(sigma, ydata.shape) if sigma.ndim <= 1 else np.sqrt(np.diag(sigma))
        )
    x, y, s = decimate_data(xdata, ydata, sigma_1d, DATA_POINTS)
    spec["data"] = {
        "x": [float(v) for v in x],
        "y": [float(v) for v in y],
        "sigma": None if s is None else [finite_or_none(v) for v in s],
    }
    return spec


def _outcome(run: FitRun) -> dict:
    """What history keeps of a fit: its settings and how it ended."""
    spec = run.spec
    trace = run.trace
    outcome = {
        "fit_id": spec.fit_id,
        "x0": spec.x0.copy(),
        "options": dict(spec.options),
        "use_dfun": spec.dfun is not None,
        "delay": spec.delay,
        "n_steps": len(trace),
        "elapsed": (run.finished_at or 0) - (run.started or 0),
        "superseded": bool(getattr(run, "superseded", False)),
    }
    if run.error is not None:
        outcome.update(
            state="error",
            ier=None,
            mesg="",
            x=None,
            nfev=int(trace.nfev[-1]) if len(trace) else 0,
            fnorm=float(trace.fnorm[-1]) if len(trace) else None,
            error=f"{type(run.error).__name__}: {run.error}",
        )
        return outcome
    x, cov_x, infodict, mesg, ier = run.result
    fvec = infodict["fvec"]
    fnorm = float(trace.fnorm[-1]) if len(trace) else float(np.linalg.norm(fvec))
    # Not cov_x: n*n floats per fit, for up to HISTORY_LIMIT fits.
    outcome.update(
        state="stopped" if ier == _messages.USER_STOP else "done",
        ier=int(ier),
        mesg=str(mesg),
        x=np.array(x),
        nfev=int(infodict["nfev"]),
        fnorm=fnorm,
        error=None,
        stderr=standard_errors(cov_x, fvec),
    )
    return outcome


def standard_errors(cov_x, fvec) -> np.ndarray | None:
    """sqrt(diag(cov_x * s_sq)), s_sq = ||f||^2 / (m - n): curve_fit's scaling."""
    if cov_x is None:
        return None
    n, m = cov_x.shape[0], np.size(fvec)
    s_sq = float(np.dot(fvec, fvec)) / (m - n) if m > n else math.inf
    with np.errstate(invalid="ignore"):
        return np.sqrt(np.diag(cov_x) * s_sq)


def _status_html(outcome: dict, names: list[str]) -> str:
    fit = f"fit {outcome['fit_id']}"
    if outcome["state"] == "error":
        return (
            f"<b>{fit}: error</b> <code>{_escape(outcome['error'])}</code> (nfev={outcome['nfev']})"
        )
    mesg = _escape(" ".join(outcome["mesg"].split()))
    parts = [
        f"<b>{fit}: {outcome['state']}</b>, ier={outcome['ier']}: {mesg}",
        f"nfev={outcome['nfev']}, ‖f‖={outcome['fnorm']:.6g}",
    ]
    stderr = outcome.get("stderr")
    values = []
    for k, (name, value) in enumerate(zip(names, outcome["x"], strict=True)):
        err = "" if stderr is None else f" ± {stderr[k]:.3g}"
        values.append(f"{_escape(name)} = {value:.6g}{err}")
    parts.append(", ".join(values))
    return "<br>".join(parts)


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
