"""Whether an object is a Dask collection, without importing Dask.

Dask stays optional: a Dask collection exists only once ``dask`` is imported,
so where it is not, nothing is one.
"""

import sys


def is_dask_collection(*objects):
    """Whether any of ``objects`` is a Dask array, DataFrame, Series or the like."""
    dask = sys.modules.get("dask")
    return dask is not None and any(dask.is_dask_collection(obj) for obj in objects)
