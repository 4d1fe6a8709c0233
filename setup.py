"""The one compiled module; everything else about the package is in pyproject.toml.

``skgd._csr_step`` makes the literal path's steps on CSR data faster. It is
optional: without a C compiler the package installs all the same and reads CSR
data with scipy's kernels instead.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension("skgd._csr_step", ["skgd/_csr_step.pyx"], optional=True),
    ]
)
