"""cffi builder for lmscope's C engine (API mode, compiled at install).

setup.py names `ffibuilder` in `cffi_modules`; the result is the extension
module `lmscope._lmengine`, which exposes only `ffi` and `lib`.
"""
import os
from pathlib import Path

from cffi import FFI

HERE = Path(__file__).resolve().parent
SOURCES = ["enorm.c", "qrfac.c", "qrsolv.c", "lmpar.c", "fdjac.c", "covar.c", "driver.c"]


def _declarations() -> str:
    """The public header without its preprocessor lines, which cdef cannot read."""
    header = (HERE / "lmscope_engine.h").read_text()
    return "\n".join(line for line in header.splitlines() if not line.lstrip().startswith("#"))


def _source_path(name: str) -> str:
    """Relative to the working directory when possible: setuptools wants
    relative source paths to place object files inside its build folder."""
    path = HERE / name
    return str(path.relative_to(Path.cwd())) if path.is_relative_to(Path.cwd()) else str(path)


def _sanitizer_flags() -> list[str]:
    """LMSCOPE_SANITIZE=1 builds with AddressSanitizer and UndefinedBehaviorSanitizer
    (CI's separate build); the default build has no instrumentation."""
    if os.environ.get("LMSCOPE_SANITIZE") != "1":
        return []
    return ["-fsanitize=address,undefined", "-fno-sanitize-recover=all",
            "-fno-omit-frame-pointer", "-g"]


# The residual and Jacobian trampolines live in lmscope/_callbacks.py; C reaches
# them through these extern "Python" declarations, and cffi takes the GIL back
# on the way in.
CALLBACKS = """
extern "Python" int _lmscope_residual(void *, int, int, const double *, double *, int);
extern "Python" int _lmscope_jacobian(void *, int, int, const double *, double *, int);
"""

ffibuilder = FFI()
ffibuilder.cdef(_declarations() + CALLBACKS)
ffibuilder.set_source(
    "lmscope._lmengine",
    '#include "lmscope_engine.h"',
    sources=[_source_path(name) for name in SOURCES],
    include_dirs=[str(HERE)],
    # Fused multiply-add rounds differently from MINPACK's separate multiply
    # and add, which changes the iterates: keep it off for parity with SciPy.
    extra_compile_args=["-O2", "-ffp-contract=off", "-std=c99"] + _sanitizer_flags(),
    extra_link_args=_sanitizer_flags(),
    libraries=["m"],
)

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)
