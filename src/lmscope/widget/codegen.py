"""`to_code(problem, settings)`: a widget's current fit as a script, from the
problem (problem.py) and the settings (`FitWidget.options()` plus `x0` and
`use_dfun`), public state only.

Numbers are written with repr(), which round-trips float64 exactly, so the
script repeats the widget's fit bit for bit.  The user's functions cannot be
serialised: the script refers to them by name and says where they must come
from.
"""

from __future__ import annotations

import numpy as np


def _name(func, fallback: str) -> str:
    name = getattr(func, "__name__", "")
    return name if name.isidentifier() and name != "<lambda>" else fallback


def _array(values) -> str:
    values = np.asarray(values, dtype=np.float64).ravel()
    return "np.array([" + ", ".join(repr(float(v)) for v in values) + "])"


def _literal(value):
    """repr(value) when it evaluates back to an equal value, else None."""
    if isinstance(value, (bool, int, float, str, type(None))):
        return repr(value)
    if isinstance(value, tuple):
        items = [_literal(v) for v in value]
        if all(item is not None for item in items):
            return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
    return None


def _options(problem, settings: dict) -> list[str]:
    lines = [f"{name}={settings[name]!r}" for name in ("ftol", "xtol", "gtol", "maxfev", "factor")]
    if settings["epsfcn"] is not None:  # None: leastsq's default, for the residuals' dtype
        lines.append(f"epsfcn={settings['epsfcn']!r}")
    if problem.col_deriv:
        lines.append("col_deriv=True")
    if problem.diag is not None:
        lines.append(f"diag={_array(problem.diag)}")
    return lines


def to_code(problem, settings: dict) -> str:
    """A script that runs the fit `settings` describe on `problem` with
    `leastsq` (residual form) or `curve_fit` (curve form)."""
    x0 = settings["x0"]
    names = ", ".join(problem.names)
    if problem.curve is not None:
        return _curve_code(problem, settings, x0, names)
    func = _name(problem.func, "func")
    lines = [
        "import numpy as np",
        "",
        "from lmscope import leastsq",
        "",
        f"# {func}: your residual function, as passed to FitWidget; lmscope cannot copy",
        "# its code, so define or import it before running this.",
    ]
    call_args = [func, "x0"]
    if problem.args:
        literal = _literal(problem.args)
        if literal is None:
            lines.append("# args: the extra arguments you passed to FitWidget (not printable).")
            lines.append("args = ...")
        else:
            lines.append(f"args = {literal}")
        call_args.append("args=args")
    if settings["use_dfun"] and problem.dfun is not None:
        dfun = _name(problem.dfun, "Dfun")
        lines.append(f"# {dfun}: your Jacobian function, as passed to FitWidget.")
        call_args.append(f"Dfun={dfun}")
    lines += [
        "",
        f"x0 = {_array(x0)}  # {names}",
        "x, cov_x, infodict, mesg, ier = leastsq(",
        "    " + ", ".join(call_args) + ", full_output=True,",
        "    " + ", ".join(_options(problem, settings)) + ")",
        "print(ier, mesg)",
        "print(dict(zip(" + repr(list(problem.names)) + ", x.tolist())))",
        "",
    ]
    return "\n".join(lines)


def _curve_code(problem, settings: dict, p0, names) -> str:
    curve = problem.curve
    model = _name(curve.model, "model")
    lines = [
        "import numpy as np",
        "",
        "from lmscope import curve_fit",
        "",
        f"# {model}: your model f(xdata, *params), as passed to FitWidget.curve;",
        "# xdata, ydata (and sigma): your data. lmscope cannot copy them: define or",
        "# import them before running this.",
    ]
    call = [model, "xdata", "ydata", "p0=p0"]
    if curve.sigma is not None:
        call.append("sigma=sigma")
    if curve.jac is not None and settings["use_dfun"]:
        call.append(f"jac={_name(curve.jac, 'jac')}")
    lines += [
        "",
        f"p0 = {_array(p0)}  # {names}",
        "popt, pcov, infodict, mesg, ier = curve_fit(",
        "    " + ", ".join(call) + ", full_output=True,",
        "    " + ", ".join(_options(problem, settings)) + ")",
        "print(ier, mesg)",
        "print(dict(zip(" + repr(list(problem.names)) + ", popt.tolist())))",
        "print('standard errors', np.sqrt(np.diag(pcov)))",
        "",
    ]
    return "\n".join(lines)
