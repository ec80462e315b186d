# The C engine is a cffi extension (API mode); setuptools reads cffi_modules
# only from setup(), so this file exists for that one line.  Everything else
# is in pyproject.toml.
from setuptools import setup

setup(cffi_modules=["src/engine/build_engine.py:ffibuilder"])
