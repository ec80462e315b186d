"""The compiled cffi module: API mode, nothing but `ffi` and `lib`, and a
bridge that checks the context it reads."""

import sys

import lmscope._lmengine as engine
import pytest


def test_module_exposes_only_ffi_and_lib():
    public = {name for name in dir(engine) if not name.startswith("__")}
    assert public == {"ffi", "lib"}


def test_status_values_equal_minpack_info():
    lib = engine.lib
    assert [
        lib.LM_IMPROPER_INPUT,
        lib.LM_CONVERGED_FTOL,
        lib.LM_CONVERGED_XTOL,
        lib.LM_CONVERGED_FTOL_XTOL,
        lib.LM_CONVERGED_GTOL,
        lib.LM_MAXFEV,
        lib.LM_FTOL_TOO_SMALL,
        lib.LM_XTOL_TOO_SMALL,
        lib.LM_GTOL_TOO_SMALL,
    ] == list(range(9))


def test_workspace_size():
    assert engine.lib.lm_work_size(50, 3) == 3 * 3 + 50


class _Context:
    """What the bridge reads from lmscope._callbacks.FitContext, by name."""

    def __init__(self, **changes):
        self.func = lambda x: x
        self.dfun = None
        self.args = ()
        self.stop_is_set = None
        self.residuals_as_float64 = self.jacobian_as_float64 = lambda values: values
        self.errors = []
        self.stop_fit = Exception
        self.__dict__.update(changes)


def _open(context, has_dfun=False):
    """lm_python_open on a context; the name it rejected, or None."""
    ffi, lib = engine.ffi, engine.lib
    run = ffi.new("lm_python_run *")
    bad = lib.lm_python_open(
        run, ffi.cast("void *", id(context)), 2, 1, 1e-8, 1e-8, 0.0, 100, 1e-16, 100.0, 0,
        has_dfun, 0, 0,
    )  # fmt: skip
    rejected = None if bad == ffi.NULL else ffi.string(bad).decode()
    refcounts_held = run.context != ffi.NULL
    lib.lm_python_close(run)
    lib.lm_python_close(run)  # a second close does nothing
    return rejected, refcounts_held


def test_bridge_accepts_a_complete_context():
    assert _open(_Context()) == (None, True)


@pytest.mark.parametrize(
    "changes, has_dfun, name",
    [
        ({"func": 3}, False, "func"),
        ({"dfun": None}, True, "dfun"),
        ({"args": [1]}, False, "args"),
        ({"stop_is_set": "yes"}, False, "stop_is_set"),
        ({"residuals_as_float64": None}, False, "residuals_as_float64"),
        ({"errors": ()}, False, "errors"),
        ({"stop_fit": int}, False, "stop_fit"),
    ],
)
def test_bridge_names_what_is_missing_or_of_the_wrong_kind(changes, has_dfun, name):
    assert _open(_Context(**changes), has_dfun) == (name, False)


def test_bridge_names_a_missing_attribute():
    context = _Context()
    del context.jacobian_as_float64
    assert _open(context) == ("jacobian_as_float64", False)


def test_bridge_holds_references_only_while_open():
    context = _Context()
    func = context.func
    before = sys.getrefcount(func)
    ffi, lib = engine.ffi, engine.lib
    run = ffi.new("lm_python_run *")
    lib.lm_python_open(
        run, ffi.cast("void *", id(context)), 2, 1, 1e-8, 1e-8, 0.0, 100, 1e-16, 100.0, 0, 0, 0, 0
    )
    while_open = sys.getrefcount(func)
    lib.lm_python_close(run)
    after = sys.getrefcount(func)
    assert (while_open, after) == (before + 1, before)
