"""A progress bar for long batches, with no dependency beyond lmscope's own:
an ipywidgets bar inside a Jupyter kernel, a line of text on stderr
elsewhere.  Redrawn at most ten times a second."""

from __future__ import annotations

import sys
import time

_REDRAW_SECONDS = 0.1
_TEXT_WIDTH = 30


def _in_jupyter_kernel() -> bool:
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    shell = ipython.get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


class ProgressBar:
    """Call it as progress(done, total); close() draws the final state."""

    def __init__(self, total: int, label: str = "fits"):
        self.total = total
        self.label = label
        self._drawn_at = -float("inf")
        self._done = 0
        self._widget = None
        if _in_jupyter_kernel():
            import ipywidgets
            from IPython.display import display

            self._widget = ipywidgets.IntProgress(value=0, min=0, max=max(total, 1))
            self._text = ipywidgets.Label()
            display(ipywidgets.HBox([ipywidgets.Label(label), self._widget, self._text]))

    def __call__(self, done: int, total: int) -> None:
        self._done = done
        now = time.monotonic()
        if now - self._drawn_at >= _REDRAW_SECONDS:
            self._drawn_at = now
            self._draw()

    def _draw(self) -> None:
        done, total = self._done, self.total
        if self._widget is not None:
            self._widget.value = done
            self._text.value = f"{done}/{total}"
            return
        filled = _TEXT_WIDTH * done // max(total, 1)
        bar = "#" * filled + "." * (_TEXT_WIDTH - filled)
        sys.stderr.write(f"\r{self.label} [{bar}] {done}/{total}")
        sys.stderr.flush()

    def close(self) -> None:
        self._draw()
        if self._widget is None:
            sys.stderr.write("\n")
            sys.stderr.flush()
