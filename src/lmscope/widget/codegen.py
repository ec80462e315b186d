"""`to_code(problem, settings)`: a widget's current fit as a script, from the
problem (problem.py) and the settings (`FitWidget.options()` plus `x0`,
`use_dfun`, `fixed`, `bounds`, `absolute_sigma` and the caller's names for
the user's objects, `names`), public state only.

Numbers are written with repr(), which round-trips float64 exactly, so the
script repeats the widget's fit bit for bit.  The user's functions and data
cannot be serialised: the script refers to them by the names they had where
the widget was made (when the widget could see them, see `caller_names`), or
by placeholders, and says what must be bound.  With fixed parameters the
script fits the reduced model, as the widget does (fixing.py).
"""

from __future__ import annotations

import sys
from types import FrameType

import numpy as np


def _name(func, fallback: str) -> str:
    name = getattr(func, "__name__", "")
    return name if name.isidentifier() and name != "<lambda>" else fallback


def _array(values) -> str:
    values = np.asarray(values, dtype=np.float64).ravel()
    return "np.array([" + ", ".join(_float(float(v)) for v in values) + "])"


def _float(value: float) -> str:
    """repr(), which round-trips; inf and nan as numpy's names for them."""
    if value != value:
        return "np.nan"
    if value in (np.inf, -np.inf):
        return "np.inf" if value > 0 else "-np.inf"
    return repr(value)


def _literal(value):
    """repr(value) when it evaluates back to an equal value, else None."""
    if isinstance(value, (bool, int, float, str, type(None))):
        return repr(value)
    if isinstance(value, tuple):
        items = [_literal(v) for v in value]
        if all(item is not None for item in items):
            return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
    return None


def _options(problem, settings: dict, mask=None) -> list[str]:
    lines = [f"{name}={settings[name]!r}" for name in ("ftol", "xtol", "gtol", "maxfev", "factor")]
    if settings["epsfcn"] is not None:  # None: leastsq's default, for the residuals' dtype
        lines.append(f"epsfcn={settings['epsfcn']!r}")
    if problem.col_deriv:
        lines.append("col_deriv=True")
    if problem.diag is not None:
        diag = np.asarray(problem.diag, dtype=np.float64)
        if mask is not None:
            diag = diag[~np.array(mask)]
        lines.append(f"diag={_array(diag)}")
    return lines


def caller_names(objects: dict) -> dict:
    """For each of `objects` (role -> object), the variable that holds it
    in the first frame outside lmscope's widget package (the user's cell),
    by identity; roles without one are left out."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and frame.f_globals.get("__name__", "").startswith("lmscope.widget"):
        frame = frame.f_back
    if frame is None:
        return {}
    scopes = [frame.f_locals, frame.f_globals]
    found = {}
    for role, obj in objects.items():
        if obj is None:
            continue
        for scope in scopes:
            name = next(
                (k for k, v in scope.items() if v is obj and k.isidentifier() and k[0] != "_"),
                None,
            )
            if name is not None:
                found[role] = name
                break
    return found


def _bounds_lines(settings: dict, mask) -> tuple[list[str], str | None]:
    bounds = settings.get("bounds")
    if bounds is None:
        return [], None
    lb, ub = (np.asarray(b, dtype=np.float64) for b in bounds)
    lines = [f"lb = {_array(lb)}", f"ub = {_array(ub)}"]
    return lines, "bounds=(lb, ub)" if mask is None else "bounds=(lb[free], ub[free])"


def _fixed_mask(settings: dict):
    fixed = [bool(v) for v in settings.get("fixed") or ()]
    return None if not any(fixed) else fixed


def to_code(problem, settings: dict, *, batch: bool = False) -> str:
    """A script that runs the fit `settings` describe on `problem` with
    `leastsq` (residual form) or `curve_fit` (curve form); with `batch`, the
    same fit of many data sets by `lmscope.batch.curve_fit` (curve form)."""
    x0 = settings["x0"]
    names = ", ".join(problem.names)
    if problem.curve is not None:
        return _curve_code(problem, settings, x0, names, batch)
    if batch:
        raise ValueError(
            "to_code(batch=True) writes lmscope.batch.curve_fit, which needs the curve form "
            "(FitWidget.curve); lmscope.batch.leastsq takes a func of many parameter rows"
        )
    known = settings.get("names", {})
    func = known.get("func", _name(problem.func, "func"))
    lines = [
        "import numpy as np",
        "",
        "from lmscope import leastsq",
        "",
        f"# {func}: your residual function, as passed to FitWidget; lmscope cannot copy",
        "# its code, so define or import it before running this.",
    ]
    call_args = ["x0" if _fixed_mask(settings) is None else "x0[free]"]
    if problem.args:
        literal = _literal(problem.args)
        if "args" in known:
            lines.append(f"args = {known['args']}  # the extra arguments passed to FitWidget")
        elif literal is None:
            lines.append("# args: the extra arguments you passed to FitWidget (not printable).")
            lines.append("args = ...")
        else:
            lines.append(f"args = {literal}")
        call_args.append("args=args")
    dfun = None
    if settings["use_dfun"] and problem.dfun is not None:
        dfun = known.get("Dfun", _name(problem.dfun, "Dfun"))
        lines.append(f"# {dfun}: your Jacobian function, as passed to FitWidget.")
    mask = _fixed_mask(settings)
    lines += ["", f"x0 = {_array(x0)}  # {names}"]
    bound_lines, bound_arg = _bounds_lines(settings, mask)
    lines += bound_lines
    target = func
    if mask is not None:
        lines += [
            f"fixed = np.array({mask!r})  # held at x0; the fit runs on the free ones",
            "free = ~fixed",
            "",
            "",
            "def reduced(u, *args):",
            "    x = x0.copy()",
            "    x[free] = u",
            f"    return {func}(x, *args)",
            "",
        ]
        target = "reduced"
        if dfun is not None:
            pick = "[free]" if problem.col_deriv else "[:, free]"
            lines += [
                "",
                "def reduced_dfun(u, *args):",
                "    x = x0.copy()",
                "    x[free] = u",
                f"    return np.asarray({dfun}(x, *args)){pick}",
                "",
                "",
            ]
            dfun = "reduced_dfun"
    if dfun is not None:
        call_args.append(f"Dfun={dfun}")
    if bound_arg:
        call_args.append(bound_arg)
    options = _options(problem, settings, mask)
    if mask is None:
        lines += [
            "x, cov_x, infodict, mesg, ier = leastsq(",
            "    " + ", ".join([target, *call_args]) + ", full_output=True,",
            "    " + ", ".join(options) + ")",
        ]
    else:
        lines += [
            "u, cov_u, infodict, mesg, ier = leastsq(",
            "    " + ", ".join([target, *call_args]) + ", full_output=True,",
            "    " + ", ".join(options) + ")",
            "x = x0.copy()",
            "x[free] = u",
            "# cov_x in all parameters: zero rows and columns for the fixed ones",
            "cov_x = None",
            "if cov_u is not None:",
            "    cov_x = np.zeros((x.size, x.size))",
            "    cov_x[np.ix_(free, free)] = cov_u",
        ]
    lines += [
        "print(ier, mesg)",
        "print(dict(zip(" + repr(list(problem.names)) + ", x.tolist())))",
        "",
    ]
    return "\n".join(lines)


def _curve_code(problem, settings: dict, p0, names, batch: bool) -> str:
    curve = problem.curve
    known = settings.get("names", {})
    model = known.get("model", _name(curve.model, "model"))
    xname = known.get("xdata", "xdata")
    yname = "ydata_rows" if batch else known.get("ydata", "ydata")
    sname = known.get("sigma", "sigma")
    unknown = [n for role, n in (("xdata", xname), ("ydata", yname)) if role not in known or batch]
    lines = [
        "import numpy as np",
        "",
        "from lmscope import batch" if batch else "from lmscope import curve_fit",
        "",
        f"# {model}: your model f(xdata, *params); "
        + ", ".join([xname, yname] + ([sname] if curve.sigma is not None else []))
        + ": your data,",
        "# under the names they had where the widget was made. lmscope cannot copy",
        "# them: define or import them before running this.",
    ]
    if batch:
        lines.append(
            f"# {yname}: the data sets, one per row (K, m); {xname} (m,) or one row per data set."
        )
    elif unknown:
        lines.append(f"# The widget could not see the names of {', '.join(unknown)}: bind them.")
    mask = _fixed_mask(settings)
    call = [model if mask is None else "reduced_model", xname, yname]
    call.append("p0=p0" if mask is None else "p0=p0[free]")
    if curve.sigma is not None:
        call.append(f"sigma={sname}")
    if settings.get("absolute_sigma"):
        call.append("absolute_sigma=True")
    jac = None
    if curve.jac is not None and settings["use_dfun"]:
        jac = known.get("jac", _name(curve.jac, "jac"))
    lines += ["", f"p0 = {_array(p0)}  # {names}"]
    bound_lines, bound_arg = _bounds_lines(settings, mask)
    lines += bound_lines
    if mask is not None:
        lines += [
            f"fixed = np.array({mask!r})  # held at p0; the fit runs on the free ones",
            "free = ~fixed",
            "",
            "",
            "def reduced_model(xdata, *free_params):",
            "    # the fixed values put back; works on batch columns too",
            "    params = list(p0)",
            "    for k, value in zip(np.flatnonzero(free), free_params):",
            "        params[k] = value",
            f"    return {model}(xdata, *params)",
            "",
        ]
        if jac is not None:
            pick = "[free]" if problem.col_deriv else "[:, free]"
            lines += [
                "",
                "def reduced_jac(xdata, *free_params):",
                "    params = list(p0)",
                "    for k, value in zip(np.flatnonzero(free), free_params):",
                "        params[k] = value",
                f"    return np.asarray({jac}(xdata, *params)){pick}",
                "",
            ]
            jac = "reduced_jac"
        lines.append("")
    if jac is not None:
        call.append(f"jac={jac}")
    if bound_arg:
        call.append(bound_arg)
    options = _options(problem, settings, mask)
    if batch:
        lines += [
            "fit = batch.curve_fit(",
            "    " + ", ".join(call) + ",",
            "    " + ", ".join(options) + ")",
            "print(fit.ier, fit.message)",
            "print(fit.popt)  # one row per data set"
            + ("" if mask is None else ", the free parameters' columns"),
            "",
        ]
        return "\n".join(lines)
    lines += [
        "popt, pcov, infodict, mesg, ier = curve_fit(",
        "    " + ", ".join(call) + ", full_output=True,",
        "    " + ", ".join(options) + ")",
    ]
    if mask is not None:
        lines += [
            "popt_free = popt",
            "popt = p0.copy()",
            "popt[free] = popt_free  # all parameters, the fixed ones at p0",
        ]
    lines += [
        "print(ier, mesg)",
        "print(dict(zip(" + repr(list(problem.names)) + ", popt.tolist())))",
        "print('standard errors', np.sqrt(np.diag(pcov)))"
        + ("" if mask is None else "  # of the free parameters"),
        "",
    ]
    return "\n".join(lines)
