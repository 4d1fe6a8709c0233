"""Sharing one pass over thin X among threads, each with single-threaded BLAS.

Multithreaded BLAS splits ``X^T X`` along its small n-by-n output when X has
few columns, and its threads mostly wait: on the two-core development machine,
``X.T @ X`` of a 200,000 x 50 matrix took 17-31 ms with two BLAS threads and
about 20 ms with one. Split along the rows instead, two threads each with BLAS
on one thread took 11-15 ms, when both cores were free. As many threads are used
as BLAS may use (``threadpoolctl``, ``OMP_NUM_THREADS`` ...), as scikit-learn's
own OpenMP loops do; inside a joblib worker that limits BLAS to one thread, the
pass runs in that worker's thread alone.

Each thread's chunk sums take memory of the size of ``X^T X``, so only thin X is
shared this way; for wider X, BLAS's own threads do nearly as well.
"""

import contextlib
import contextvars
import functools
from concurrent.futures import ThreadPoolExecutor

# A dependency of scikit-learn, which controls BLAS threads with it too.
from threadpoolctl import ThreadpoolController


@functools.cache
def _controller():
    # Inspecting the loaded libraries takes a millisecond or two: done once.
    return ThreadpoolController()


def blas_threads():
    """The number of threads BLAS may use now (at least 1).

    Examples
    --------
    >>> from threadpoolctl import threadpool_limits
    >>> from skgd._threads import blas_threads
    >>> with threadpool_limits(limits=1, user_api="blas"):
    ...     blas_threads()
    1
    """
    libraries = _controller().select(user_api="blas").info()
    return max([library["num_threads"] for library in libraries], default=1)


@contextlib.contextmanager
def one_blas_thread():
    """A context in which BLAS runs on one thread, and passes still share rows.

    For work on small matrices, which two BLAS threads do not do faster: after a
    call on two threads, OpenBLAS's second thread spins for about 0.1 s, and
    would slow down the threads of a pass started meanwhile (measured: 27 ms for
    a pass that takes 15 ms otherwise). :func:`map_in_threads` within still uses
    as many threads as BLAS could use before.

    Examples
    --------
    >>> from skgd._threads import blas_threads, one_blas_thread
    >>> with one_blas_thread():
    ...     blas_threads()
    1
    """
    if _threads_for_passes.get() is not None:  # within one already
        yield
        return
    token = _threads_for_passes.set(blas_threads())
    try:
        with _controller().limit(limits=1, user_api="blas"):
            yield
    finally:
        _threads_for_passes.reset(token)


# Within one_blas_thread: the threads that BLAS could use before it.
_threads_for_passes = contextvars.ContextVar("threads_for_passes", default=None)


def map_in_threads(function, chunks):
    """``[function(chunk) for chunk in chunks]``, in threads, with BLAS on one.

    The results come back in the order of ``chunks``, so that sums of them are
    the same whatever the number of threads.

    Examples
    --------
    >>> import numpy as np
    >>> from skgd._threads import map_in_threads
    >>> X = np.arange(12.0).reshape(6, 2)
    >>> halves = [slice(0, 3), slice(3, 6)]
    >>> parts = map_in_threads(lambda rows: X[rows].T @ X[rows], halves)
    >>> np.array_equal(sum(parts), X.T @ X)
    True
    """
    if len(chunks) == 1:
        return [function(chunks[0])]
    n_threads = min(len(chunks), _threads_for_passes.get() or blas_threads())
    with one_blas_thread():
        if n_threads <= 1:
            return [function(chunk) for chunk in chunks]
        # Each chunk runs in a copy of the caller's context, so that settings
        # such as np.errstate hold in the threads too.
        contexts = [contextvars.copy_context() for _ in chunks]
        with ThreadPoolExecutor(n_threads) as pool:
            return list(pool.map(_run_in, contexts, [function] * len(chunks), chunks))


def _run_in(context, function, chunk):
    return context.run(function, chunk)
