"""`leastsq`: a drop-in for `scipy.optimize.leastsq` on lmscope's C engine."""

from __future__ import annotations

import warnings

import numpy as np

from . import _messages
from ._bounds import Bounds
from ._engine import EngineRun
from ._validation import check_flag, check_options, check_x0, prepare


def leastsq(
    func,
    x0,
    args=(),
    Dfun=None,
    full_output=False,
    col_deriv=False,
    ftol=1.49012e-08,
    xtol=1.49012e-08,
    gtol=0.0,
    maxfev=0,
    epsfcn=None,
    factor=100,
    diag=None,
    *,
    callback=None,
    trace=None,
    stop=None,
    bounds=None,
):
    """Minimize the sum of squares of func(x, *args) by MINPACK's
    Levenberg-Marquardt method (lmder with Dfun, lmdif without).

    The signature, defaults, return values, exceptions and warnings are those
    of `scipy.optimize.leastsq` (SciPy >= 1.15), and on the same problem the
    iterates are the same.  Returns `(x, ier)`, or with `full_output`
    `(x, cov_x, infodict, mesg, ier)` where infodict holds `fvec`, `nfev`,
    `njev` (with Dfun), `fjac`, `ipvt` (0-based) and `qtf`.

    Keyword-only extensions, free when unused:

    callback : callable(TrialStep), optional
        Called with the starting point and after every trial step.  Returning
        True or raising StopIteration stops the fit with ier = -2 and the
        outputs at the last accepted point.
    trace : lmscope.Trace, optional
        Cleared, then filled with every trial step.
    stop : object with is_set(), e.g. threading.Event, optional
        Checked before every evaluation of func or Dfun, and on large
        problems (m n^2 >= 2e7) also between the columns of the QR
        factorization and the rows of the LM parameter search, so that a
        stop takes effect within milliseconds; once set, the fit stops with
        ier = -2.  func or Dfun may also raise `lmscope.StopFit` to the
        same effect.
    bounds : (lb, ub), optional
        Limits on x, scalars or one per parameter, -inf / inf for none (a
        `scipy.optimize.Bounds` too).  The fit runs on MINUIT's transformed
        parameters (see `lmscope._bounds`), as lmfit does, and agrees with
        lmfit's `minimize(method='leastsq')`; this is not SciPy's 'trf'.
        x, cov_x, the callback's and the trace's points are in x; fjac, ipvt
        and qtf, and `diag`, refer to the transformed parameters.

    Where SciPy reports success silently on NaN residuals, lmscope returns
    ier = -3 with a RuntimeWarning (`lmscope.NonFiniteWarning`) and the last
    accepted finite point.  On ier = -2 or -3, `fjac`, `ipvt` and `qtf` are
    None when the stop interrupted the Jacobian's evaluation.
    """
    check_options(callback, trace, stop)
    full_output = check_flag("full_output", full_output)
    limits = None
    if bounds is not None:
        x0 = check_x0(x0)
        limits = Bounds(bounds, x0.size, x0)
        if limits.active:
            func, x0, Dfun = _transformed(limits, func, x0, Dfun, col_deriv)
        else:
            limits = None
    settings = prepare(
        func, x0, args, Dfun, col_deriv, ftol, xtol, gtol, maxfev, epsfcn, factor, diag
    )
    has_dfun = Dfun is not None

    if settings.improper:
        # MINPACK refuses these settings before evaluating anything (ier = 0).
        mesg = _message(0, settings, settings.improper)
        if not full_output:
            raise TypeError(mesg)
        if settings.n == 0:
            # With no parameter the factorization is empty, not undefined:
            # SciPy returns empty arrays here, and lmfit reads them.
            fjac, ipvt, qtf = np.empty((0, settings.m)), np.empty(0, np.int32), np.empty(0)
        else:
            fjac = ipvt = qtf = None
        infodict = _infodict(settings.fvec0.copy(), 0, 0, has_dfun, fjac, ipvt, qtf)
        x = settings.x0 if limits is None else limits.to_external(settings.x0)
        return x, None, infodict, mesg, 0

    run = EngineRun(settings, stop)
    ier = run.run(callback, trace, None if limits is None else limits.to_external)
    x = run.x if limits is None else limits.to_external(run.x)
    if not full_output and ier in _messages.SUCCESS:
        return x, ier  # the common call: no message to build
    state = run.state
    detail = _nonfinite_detail(run) if ier == _messages.NONFINITE else ""
    mesg = _message(ier, settings, detail)
    if ier == _messages.NONFINITE:
        warnings.warn(mesg, _messages.NonFiniteWarning, stacklevel=2)

    if not full_output:
        if ier in _messages.FAILURE:
            warnings.warn(mesg, RuntimeWarning, stacklevel=2)
        return x, ier

    if state.factorization_valid:
        fjac, ipvt, qtf = run.fjac, run.ipvt, run.qtf
    else:
        fjac = ipvt = qtf = None
    cov_x = run.covariance() if ier in _messages.SUCCESS else None
    if limits is not None:
        cov_x = limits.covariance(cov_x, run.x)
    infodict = _infodict(run.fvec, state.nfev, state.njev, has_dfun, fjac, ipvt, qtf)
    return x, cov_x, infodict, mesg, ier


def _transformed(limits: Bounds, func, x0, dfun, col_deriv):
    """func and Dfun of the internal parameters u, and the internal start."""

    def func_u(u, *args):
        return func(limits.to_external(u), *args)

    if dfun is None:
        return func_u, limits.to_internal(x0), None

    def dfun_u(u, *args):
        # The chain rule: column j of the Jacobian in u is column j in x
        # times dx_j/du_j (rows instead of columns with col_deriv).
        jacobian = np.asarray(dfun(limits.to_external(u), *args), dtype=np.float64)
        g = limits.gradient(u)
        return jacobian * (g[:, np.newaxis] if col_deriv else g)

    return func_u, limits.to_internal(x0), dfun_u


def _message(ier, settings, detail):
    return _messages.message(
        ier,
        ftol=settings.ftol,
        xtol=settings.xtol,
        gtol=settings.gtol,
        maxfev=settings.maxfev,
        detail=detail,
    )


def _infodict(fvec, nfev, njev, has_dfun, fjac, ipvt, qtf) -> dict:
    """SciPy's keys in SciPy's order."""
    info = {"fvec": fvec, "nfev": int(nfev)}
    if has_dfun:
        info["njev"] = int(njev)
    info.update(fjac=fjac, ipvt=ipvt, qtf=qtf)
    return info


def _nonfinite_detail(run: EngineRun) -> str:
    state = run.state
    if state.nfev == 1 and not np.all(np.isfinite(run.fvec)):
        return "func returned non-finite residuals at x0."
    if not state.factorization_valid and state.nonfinite_trials == 0:
        source = "Dfun" if run.settings.dfun is not None else "The forward-difference Jacobian"
        return (
            f"{source} had non-finite entries at the current point; x is the last accepted point."
        )
    return (
        "func returned non-finite residuals at the last trial point and the "
        "trust region shrank against them; x is the last accepted finite point."
    )
