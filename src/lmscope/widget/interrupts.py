"""Interrupt Kernel stops the widgets' fits.

A fit runs on the widget's worker thread, but a kernel interrupt (SIGINT)
reaches only the main thread, and only while a cell runs: between cells
ipykernel ignores SIGINT.  A user who presses Interrupt while a widget's fit
runs in the background expects it to stop, so in an IPython kernel this
module puts a SIGINT handler in place that first stops every live widget's
fit (ier -2, as the Stop button does) and then does what the kernel's own
handler would: raise KeyboardInterrupt in a running cell, nothing between
cells.

ipykernel sets `default_int_handler` before each cell and restores its
`saved_sigint_handler` after it; the handler between cells is therefore
installed through that attribute, and the one during a cell by IPython's
`pre_run_cell` event.  Outside a kernel nothing is installed (a script's
Ctrl-C reaches `w.wait()`, which stops the fit itself).
"""

from __future__ import annotations

import signal
import sys
import threading
import weakref

_controllers: weakref.WeakSet = weakref.WeakSet()  # every live widget's controller
_installed = False


def stop_fits_on_interrupt(controller) -> None:
    """Let a kernel interrupt stop `controller`'s fits (while it lives)."""
    _controllers.add(controller)
    _install()


def _stop_all() -> None:
    for controller in list(_controllers):
        controller.stop()


def _between_cells(signum, frame) -> None:
    _stop_all()  # ... and nothing else: the kernel ignores SIGINT between cells


def _in_a_cell(signum, frame) -> None:
    _stop_all()
    raise KeyboardInterrupt


def _install() -> None:
    global _installed
    if _installed or threading.current_thread() is not threading.main_thread():
        return
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None:
        return
    kernel = getattr(shell, "kernel", None)
    if kernel is None or not hasattr(kernel, "saved_sigint_handler"):
        return
    _installed = True
    if kernel.saved_sigint_handler in (signal.SIG_IGN, signal.SIG_DFL, None):
        kernel.saved_sigint_handler = _between_cells
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _in_a_cell)

    def before_cell(_info=None) -> None:
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            signal.signal(signal.SIGINT, _in_a_cell)

    shell.events.register("pre_run_cell", before_cell)
