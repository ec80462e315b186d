"""cffi builder for lmscope's C engine (API mode, compiled at install).

setup.py names `ffibuilder` in `cffi_modules`; the result is the extension
module `lmscope._lmengine`, which exposes only `ffi` and `lib`.
"""

import os
from pathlib import Path

from cffi import FFI

HERE = Path(__file__).resolve().parent
SOURCES = [
    "enorm.c",
    "qrfac.c",
    "qrsolv.c",
    "lmpar.c",
    "fdjac.c",
    "covar.c",
    "driver.c",
    "batch.c",
    "python_callbacks.c",
]


def _declarations(header: str) -> str:
    """A header without its preprocessor lines, which cdef cannot read."""
    text = (HERE / header).read_text()
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


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
    return [
        "-fsanitize=address,undefined",
        "-fno-sanitize-recover=all",
        "-fno-omit-frame-pointer",
        "-g",
    ]


ffibuilder = FFI()
ffibuilder.cdef(_declarations("lmscope_engine.h") + _declarations("python_callbacks.h"))
ffibuilder.set_source(
    "lmscope._lmengine",
    '#include "lmscope_engine.h"\n#include "python_callbacks.h"',
    sources=[_source_path(name) for name in SOURCES],
    include_dirs=[str(HERE)],
    # Fused multiply-add rounds differently from MINPACK's separate multiply
    # and add, which changes the iterates: keep it off for parity with SciPy.
    extra_compile_args=["-O3", "-ffp-contract=off", "-std=c99"] + _sanitizer_flags(),
    extra_link_args=_sanitizer_flags(),
    libraries=["m"],
    # python_callbacks.c uses the full CPython API (PyTuple_SET_ITEM and co.),
    # so the module is built for this Python, not for the stable ABI.
    py_limited_api=False,
)

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)
