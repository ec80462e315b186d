"""cffi builder for lmscope's C engine and its CPython bridge (API mode,
compiled at install).

setup.py names `ffibuilder` in `cffi_modules`; the result is the extension
module `lmscope._lmengine`, which exposes only `ffi` and `lib`: the engine
(src/engine, pure C) and the bridge beside it (this folder).
"""

import os
from pathlib import Path

import numpy
from cffi import FFI

HERE = Path(__file__).resolve().parent
ENGINE = HERE.parent / "engine"
SOURCES = [
    ENGINE / "enorm.c",
    ENGINE / "qrfac.c",
    ENGINE / "qrsolv.c",
    ENGINE / "lmpar.c",
    ENGINE / "fdjac.c",
    ENGINE / "covar.c",
    ENGINE / "driver.c",
    ENGINE / "batch.c",
    HERE / "python_bridge.c",
]


def _declarations(header: Path) -> str:
    """A header without its preprocessor lines, which cdef cannot read."""
    text = header.read_text()
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


def _source_path(path: Path) -> str:
    """Relative to the working directory when possible: setuptools wants
    relative source paths to place object files inside its build folder."""
    return str(path.relative_to(Path.cwd())) if path.is_relative_to(Path.cwd()) else str(path)


def sanitized() -> bool:
    """LMSCOPE_SANITIZE=1: CI's separate build with AddressSanitizer and
    UndefinedBehaviorSanitizer (setup.py gives it its own build folder)."""
    return os.environ.get("LMSCOPE_SANITIZE") == "1"


def _sanitizer_flags() -> list[str]:
    if not sanitized():
        return []
    return [
        "-fsanitize=address,undefined",
        "-fno-sanitize-recover=all",
        "-fno-omit-frame-pointer",
        "-g",
    ]


ffibuilder = FFI()
ffibuilder.cdef(
    _declarations(ENGINE / "lmscope_engine.h") + _declarations(HERE / "lmscope_python.h")
)
ffibuilder.set_source(
    "lmscope._lmengine",
    '#include "lmscope_engine.h"\n#include "lmscope_python.h"',
    sources=[_source_path(path) for path in SOURCES],
    include_dirs=[str(ENGINE), str(HERE), numpy.get_include()],
    # Fused multiply-add rounds differently from MINPACK's separate multiply
    # and add, which changes the iterates: keep it off for parity with SciPy.
    extra_compile_args=["-O3", "-ffp-contract=off", "-std=c99"] + _sanitizer_flags(),
    extra_link_args=_sanitizer_flags(),
    libraries=["m"],
    # The bridge uses the full CPython API and numpy's, so the module is
    # built for this Python, not for the stable ABI.
    py_limited_api=False,
)

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)
