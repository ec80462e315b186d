"""Protocol v2 between the kernel (`FitWidget`) and the page (js/), one
schema per message kind; js/src/types.js mirrors them as JSDoc types, which
the JS type check holds the page to.

Kernel -> page, custom messages (the live stream, whose only sender is stream.py,
then the replies FitWidget sends to page messages):

- `begin` {fit_id, n, state}: a fit starts (state `running` or `paused`);
- `steps` {fit_id, start, count, columns, curves} + binary buffers: the
  trial-step columns exactly as `Trace.chunks` gives them, then the curves;
- `state` {fit_id, state}: paused between Step clicks, or running again;
- `end` {fit_id, outcome}: the fit ended; `outcome` is `Outcome.as_message()`;
- `error` {error}: the reply to a page message or state update that did not check out;
- `run_trace` {fit_id, n, count, columns} + binary buffers: the reply to `compare`,
  a run's whole trace from `w.history`, columns as in `steps`.

The controls' values travel as synced traits (settings.py checks them).

Page -> kernel: `replay`, `pick`, `landscape_params`, `command`, `restore`,
`compare`.  These come
from a browser and are untrusted: `parse_page_message` checks every field's
type and range, evaluates nothing, and raises `ProtocolError` with a message
that says what was expected.  The caller turns that into an `error` reply.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

VERSION = 2

RUNNING, PAUSED = "running", "paused"  # the states `begin` and `state` carry
COMMANDS = ("fit", "stop", "step", "reset")

# JavaScript's Number.MAX_SAFE_INTEGER: an index the page sends is an int this
# size at most; anything bigger did not come from our page.
_MAX_SAFE_INTEGER = 2**53 - 1


class ProtocolError(ValueError):
    """A message from the page does not follow the protocol."""


@dataclass(frozen=True)
class Replay:
    """Resend `begin`, the whole current trace, and `end` if the fit ended."""


@dataclass(frozen=True)
class Pick:
    """New starting values for parameters i and j (from a click on the landscape)."""

    i: int
    j: int
    xi: float
    xj: float


@dataclass(frozen=True)
class Command:
    """A button: Fit, Stop, Step or Reset."""

    name: str


@dataclass(frozen=True)
class Restore:
    """Put back the start (x0, fixed parameters, limits, settings) of an
    earlier fit, picked from the page's run list by its id."""

    fit_id: int


@dataclass(frozen=True)
class Compare:
    """Send the trace of an earlier fit of the run list, to draw over the
    current one (its path on the landscape, its ||f|| per trial step)."""

    fit_id: int


@dataclass(frozen=True)
class LandscapeParams:
    """Draw the cost landscape over parameters i and j."""

    i: int
    j: int


_FIELDS = {
    "replay": (),
    "pick": ("i", "j", "xi", "xj"),
    "landscape_params": ("i", "j"),
    "command": ("name",),
    "restore": ("fit_id",),
    "compare": ("fit_id",),
}


def page_message_fields(kind: str) -> tuple[str, ...]:
    """The fields (besides `type`) of a page message kind."""
    return _FIELDS[kind]


def parse_page_message(content, n: int):
    """Check a custom message from the page; returns `Replay`, `Pick`,
    `LandscapeParams`, `Command`, `Restore` or `Compare`, or raises `ProtocolError`.

    n is the number of parameters: indices must lie in range(n).
    """
    if not isinstance(content, dict):
        raise ProtocolError(f"a message must be a JSON object, got {_kind(content)}")
    kind = content.get("type")
    if not isinstance(kind, str):
        raise ProtocolError(f"message 'type' must be a string, got {_kind(kind)}")
    if kind not in _FIELDS:
        raise ProtocolError(
            f"unknown message type {_short(kind)}; expected one of {', '.join(sorted(_FIELDS))}"
        )
    expected = _FIELDS[kind]
    missing = [name for name in expected if name not in content]
    if missing:
        raise ProtocolError(f"{kind}: missing field(s) {', '.join(missing)}")
    extra = sorted(str(k) for k in content if k != "type" and k not in expected)
    if extra:
        raise ProtocolError(f"{kind}: unexpected field(s) {', '.join(_short(k) for k in extra)}")
    if kind == "replay":
        return Replay()
    if kind in ("restore", "compare"):
        fit_id = content["fit_id"]
        if isinstance(fit_id, bool) or not isinstance(fit_id, int) or fit_id < 1:
            raise ProtocolError(f"{kind}: fit_id must be a positive integer, got {_kind(fit_id)}")
        return Restore(fit_id) if kind == "restore" else Compare(fit_id)
    if kind == "command":
        name = content["name"]
        if not isinstance(name, str) or name not in COMMANDS:
            raise ProtocolError(
                f"command: name must be one of {', '.join(COMMANDS)}, got {_kind(name)}"
            )
        return Command(name)
    i = _index(kind, "i", content["i"], n)
    j = _index(kind, "j", content["j"], n)
    if i == j:
        raise ProtocolError(f"{kind}: i and j must be different parameters, both are {i}")
    if kind == "landscape_params":
        return LandscapeParams(i, j)
    return Pick(i, j, _finite(kind, "xi", content["xi"]), _finite(kind, "xj", content["xj"]))


def _index(kind: str, name: str, value, n: int) -> int:
    # bool is an int in Python but never an index in the protocol.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ProtocolError(f"{kind}: {name} must be an integer, got {_kind(value)}")
    if not 0 <= value < n:
        shown = value if abs(value) <= _MAX_SAFE_INTEGER else "a huge integer"
        raise ProtocolError(
            f"{kind}: {name}={shown} is out of range; there are {n} parameters (0..{n - 1})"
        )
    return value


def _finite(kind: str, name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ProtocolError(f"{kind}: {name} must be a number, got {_kind(value)}")
    try:
        number = float(value)
    except OverflowError:
        raise ProtocolError(f"{kind}: {name} is an integer too large for a float") from None
    if not math.isfinite(number):
        raise ProtocolError(f"{kind}: {name} must be finite, got {number}")
    return number


def describe(value) -> str:
    """What a value from the page is, in a few words (never all of it)."""
    return _kind(value)


def _kind(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return f"the number {_short(value)}"
    if isinstance(value, str):
        return f"the string {_short(value)}"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _short(value, limit: int = 40) -> str:
    """repr() cut short: the text goes back to the page, never its whole input."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > _MAX_SAFE_INTEGER:
        return "<huge integer>"
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


# -- kernel -> page ------------------------------------------------------------


def begin_message(fit_id: int, n: int, state: str) -> dict:
    return {"type": "begin", "fit_id": int(fit_id), "n": int(n), "state": state}


def state_message(fit_id: int, state: str) -> dict:
    return {"type": "state", "fit_id": int(fit_id), "state": state}


def end_message(fit_id: int, outcome: dict) -> dict:
    return {"type": "end", "fit_id": int(fit_id), "outcome": outcome}


def error_message(error: str) -> dict:
    return {"type": "error", "error": str(error)}


def steps_message(fit_id: int, trace, start: int, stop: int, curves: dict):
    """`(content, buffers)` of a `steps` message: records start..stop of the
    trace, then each curve (name -> 1-D float64 array) as a buffer."""
    header, buffers = trace.chunks(start, stop)
    curve_specs = []
    for name, values in curves.items():
        array = np.ascontiguousarray(values, dtype="<f8").reshape(-1)
        curve_specs.append({"name": name, "dtype": "float64", "shape": [int(array.size)]})
        buffers.append(memoryview(array.tobytes()))
    content = {
        "type": "steps",
        "fit_id": int(fit_id),
        "start": int(start),
        "count": int(stop - start),
        "columns": header,
        "curves": curve_specs,
    }
    return content, buffers


def run_trace_message(fit_id: int, trace):
    """`(content, buffers)` of a `run_trace` message: the whole trace of one run."""
    header, buffers = trace.chunks()
    content = {
        "type": "run_trace",
        "fit_id": int(fit_id),
        "n": int(trace.n),
        "count": len(trace),
        "columns": header,
    }
    return content, buffers


def finite_or_none(value):
    """A float for JSON: NaN and infinities become null (JSON has neither)."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None
