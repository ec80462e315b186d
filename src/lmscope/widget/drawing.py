"""The residual form's picture of what it fits: `draw(x)`, a function of the
parameters returning named (x, y) series, e.g. for a circle fit

    draw=lambda p: {"points": (xs, ys, "markers"),
                    "circle": (p[0] + p[2] * np.cos(t), p[1] + p[2] * np.sin(t))}

Each series is drawn in the page as a line (the default) or as markers (a
third entry "markers"), on equal axes, beside the residuals.  The series go
to the page with the residuals, as curves named `draw/<style>/<name>/x` and
`.../y` (the page splits the name at the first two slashes and the last one),
and are never decimated.

draw is checked once on x0 when the widget is made, so a mistake raises there
with its traceback.  During a fit a draw that raises or returns something
else is skipped (the page keeps the last picture): a drawing must not end a fit.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

PREFIX = "draw/"
STYLES = ("line", "markers")
MAX_POINTS = 5000  # per series: a picture, not a data set


def drawing_curves(draw, x: np.ndarray) -> dict[str, np.ndarray]:
    """draw(x) as curves for the stream; TypeError or ValueError naming draw
    and the series when it returns something else."""
    series = draw(x)
    if not isinstance(series, Mapping) or not series:
        raise TypeError(
            "draw(x) must return a dict of named series {name: (xs, ys)} or "
            f"{{name: (xs, ys, 'markers')}}, got {type(series).__name__}"
        )
    curves = {}
    for name, value in series.items():
        if not isinstance(name, str) or not name:
            raise TypeError(f"draw(x): series names must be non-empty strings, got {name!r}")
        if not isinstance(value, (tuple, list)) or len(value) not in (2, 3):
            raise TypeError(f"draw(x)[{name!r}] must be (xs, ys) or (xs, ys, style)")
        style = value[2] if len(value) == 3 else "line"
        if style not in STYLES:
            raise ValueError(f"draw(x)[{name!r}]: style must be one of {STYLES}, got {style!r}")
        xs, ys = (np.asarray(v, dtype=np.float64).reshape(-1) for v in value[:2])
        if xs.size != ys.size:
            raise ValueError(
                f"draw(x)[{name!r}] has {xs.size} x values and {ys.size} y values; "
                "they must be as many"
            )
        if xs.size > MAX_POINTS:
            raise ValueError(
                f"draw(x)[{name!r}] has {xs.size} points; a series may have at most {MAX_POINTS}"
            )
        curves[f"{PREFIX}{style}/{name}/x"] = xs
        curves[f"{PREFIX}{style}/{name}/y"] = ys
    return curves


def is_drawing(name: str) -> bool:
    return name.startswith(PREFIX)
