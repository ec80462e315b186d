"""`FitPlot`: the anywidget that draws a fit in the page (js/, bundled into
static/widget.js).  Its synced traits are the source of truth a reloaded page
redraws from; the live trial steps arrive as batched binary custom messages
(see protocol.py)."""

from __future__ import annotations

from pathlib import Path

import anywidget
import traitlets as t

from . import protocol

_STATIC = Path(__file__).resolve().parent.parent / "static"
_MISSING_ESM = """
export default { render({ el }) {
  el.textContent =
    "lmscope: the widget's JavaScript (static/widget.js) is not built; run npm run build in js/.";
} };
"""


def _asset(name: str, fallback: str):
    path = _STATIC / name
    return path if path.is_file() else fallback


class FitPlot(anywidget.AnyWidget):
    """The plot panels of a FitWidget.  Page messages go to `on_page_message`
    handlers after `protocol.parse_page_message` checked them; a message that
    does not check out gets an `error` reply."""

    _esm = _asset("widget.js", _MISSING_ESM)
    _css = _asset("widget.css", "")

    form = t.Enum(["curve", "residual"], default_value="residual").tag(sync=True)
    param_names = t.List(t.Unicode()).tag(sync=True)
    data = t.Dict({"x": [], "y": [], "sigma": None}).tag(sync=True)
    model_x = t.List(t.Float()).tag(sync=True)
    landscape = t.Dict().tag(sync=True)
    status = t.Dict(
        {
            "state": "idle",
            "fit_id": 0,
            "ier": None,
            "mesg": "",
            "nfev": 0,
            "fnorm": None,
            "n_steps": 0,
            "error": None,
        }
    ).tag(sync=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._page_handler = None
        self.on_msg(self._receive)

    def on_page_message(self, handler) -> None:
        """handler(message) with a checked Replay, Pick or LandscapeParams."""
        self._page_handler = handler

    def _receive(self, _widget, content, buffers) -> None:
        # Whatever the page sends, the kernel answers and carries on.
        try:
            message = protocol.parse_page_message(content, len(self.param_names))
        except protocol.ProtocolError as exc:
            self.send(protocol.error_message(str(exc)))
            return
        except Exception as exc:
            self.send(protocol.error_message(f"could not read the message: {type(exc).__name__}"))
            return
        if self._page_handler is None:
            return
        try:
            self._page_handler(message)
        except Exception as exc:
            self.send(
                protocol.error_message(
                    f"{type(message).__name__.lower()} failed: {type(exc).__name__}: {exc}"
                )
            )
