# The C engine is a cffi extension (API mode); setuptools reads cffi_modules
# only from setup(), so this file exists for that.  Everything else is in
# pyproject.toml.
import os

from setuptools import setup

# The sanitized build (LMSCOPE_SANITIZE=1, CI only) gets its own build
# folder: setuptools decides whether to recompile by file dates alone, so a
# shared folder would hand the instrumented objects to a later plain build
# (and a plain build's to a later sanitized one).
sanitized = os.environ.get("LMSCOPE_SANITIZE") == "1"
setup(
    cffi_modules=["src/binding/build_engine.py:ffibuilder"],
    options={"build": {"build_base": "build/sanitize" if sanitized else "build/plain"}},
)
