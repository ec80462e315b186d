"""The compiled cffi module: API mode, and nothing but `ffi` and `lib`."""

import lmscope._lmengine as engine


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
