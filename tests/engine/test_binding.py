"""The compiled cffi module: API mode, nothing but `ffi` and `lib`, and a
bridge that checks the context it reads."""

import sys

import lmscope._lmengine as engine
import numpy as np
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


M, N = 3, 2


class _Context:
    """What the bridge reads from lmscope._callbacks.FitContext, by name."""

    def __init__(self, **changes):
        self.func = lambda x: np.zeros(M)
        self.dfun = None
        self.args = ()
        self.stop_is_set = None
        self.residuals_as_float64 = self.jacobian_as_float64 = lambda *values: values
        self.errors = []
        self.stop_fit = Exception
        self.x, self.fvec, self.fjac, self.qtf = np.ones(N), np.ones(M), np.ones((N, M)), np.ones(N)
        self.ipvt = np.zeros(N, dtype=np.intc)
        self.work = np.zeros(engine.lib.lm_work_size(M, N) + N)
        self.__dict__.update(changes)


def _start(context, has_dfun=False):
    """lm_python_start on a context: (the name it rejected or None, whether
    it held a typed context until lm_python_close)."""
    ffi, lib = engine.ffi, engine.lib
    run = ffi.new("lm_python_run *")
    recorded = ffi.new("int *")
    status = lib.lm_python_start(
        run, ffi.cast("void *", id(context)), M, N, 1e-8, 1e-8, 0.0, 100, 1e-16, 100.0, 0,
        has_dfun, 0, 0, ffi.NULL, recorded,
    )  # fmt: skip
    rejected = None if status != lib.LM_PY_BAD_CONTEXT else ffi.string(run.rejected).decode()
    held = run.context != ffi.NULL
    lib.lm_python_close(run)
    lib.lm_python_close(run)  # a second close does nothing
    return rejected, held


def test_bridge_accepts_a_complete_context():
    assert _start(_Context()) == (None, True)


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
        ({"x": np.ones(N + 1)}, False, "x"),
        ({"fvec": np.ones(M, dtype=np.float32)}, False, "fvec"),
        ({"fjac": np.ones((M, N * 2))[:, ::2]}, False, "fjac"),
        ({"qtf": [1.0, 1.0]}, False, "qtf"),
        ({"ipvt": np.zeros(N, dtype=np.int64)}, False, "ipvt"),
        ({"work": np.zeros(3)}, False, "work"),
    ],
)
def test_bridge_names_what_is_missing_or_of_the_wrong_kind(changes, has_dfun, name):
    assert _start(_Context(**changes), has_dfun) == (name, False)


def test_bridge_rejects_a_read_only_buffer():
    x = np.ones(N)
    x.flags.writeable = False
    assert _start(_Context(x=x)) == ("x", False)


def test_bridge_names_a_missing_attribute():
    context = _Context()
    del context.jacobian_as_float64
    assert _start(context) == ("jacobian_as_float64", False)


def test_bridge_holds_references_only_while_open():
    context = _Context()
    func = context.func
    before = sys.getrefcount(func)
    ffi, lib = engine.ffi, engine.lib
    run = ffi.new("lm_python_run *")
    lib.lm_python_start(
        run, ffi.cast("void *", id(context)), M, N, 1e-8, 1e-8, 0.0, 100, 1e-16, 100.0, 0, 0,
        0, 0, ffi.NULL, ffi.new("int *"),
    )  # fmt: skip
    while_open = sys.getrefcount(func)
    lib.lm_python_close(run)
    after = sys.getrefcount(func)
    assert (while_open, after) == (before + 1, before)
