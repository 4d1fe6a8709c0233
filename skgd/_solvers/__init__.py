"""The solvers: three exact ways of computing the same iterates, and the choice.

* ``'literal'`` (:mod:`._literal`): the textbook step, X read once per step;
* ``'gram'`` (:mod:`._gram`): one pass builds the sufficient statistics, then the
  steps cost nothing of X;
* ``'dual'`` (:mod:`._dual`): the steps taken on the (n_samples, n_samples)
  matrix ``X X^T``.

Each solver builds what it needs from the loss and gives the descent loop a
stepper; ``'auto'`` is chosen by :func:`choose_solver`.
"""

import numpy as np
import scipy.sparse as sp

from skgd._loss import MAX_PARAMS_FOR_EXPLICIT_SPECTRUM
from skgd._solvers._dual import DualSolver
from skgd._solvers._gram import GramSolver
from skgd._solvers._literal import LiteralSolver

SOLVERS = {"literal": LiteralSolver, "gram": GramSolver, "dual": DualSolver}

# The rule's costs, in units of one multiply-add of a dense matrix product
# (which BLAS does fastest). What each costs besides is a ratio, which holds on
# common hardware within a factor of two; benchmarks/README.md has the
# measurements behind them.
STREAMED_MULTIPLY_ADD = 12  # one of a matrix-vector product, X read from memory
SPARSE_STEP_PER_NONZERO = 60  # both products of a step on sparse X, per nonzero
SPARSE_PRODUCT_MULTIPLY_ADD = 500  # one of a sparse-sparse product (X^T X, X X^T)
CLOSED_FORM_STEP = 300  # one step of the closed form, per parameter and target
NUMPY_CALL = 1e5  # the fixed cost of one numpy call
LANCZOS_PRODUCTS = 50  # Hessian products for L by Lanczos, beyond 128 parameters
# A Gram matrix larger than this is never chosen automatically.
MAX_AUTO_MATRIX_BYTES = 2 * 2**30


def choose_solver(X, n_targets, *, fit_intercept, max_iter, auto_alpha, every_step):
    """The solver ``'auto'`` takes: the one of least estimated work.

    The work of each, counted from the shape and sparsity of X alone:

    * literal: ``max_iter`` passes over X, plus, for ``alpha='auto'``, the
      Hessian's pass (up to 128 parameters) or 50 Lanczos passes;
    * gram: the pass that sums ``X^T X`` (``n_samples n_params^2``
      multiply-adds, or the squares of the rows' nonzero counts for sparse X),
      its eigendecomposition and ``max_iter`` steps of the closed form, each
      ``n_params`` long; with ``every_step`` (callbacks), the parameters of each
      step too (``n_params^2``);
    * dual: ``X X^T`` (``n_samples^2 n_features``) and ``max_iter`` products of
      ``n_samples^2``, plus a pass over X per step with ``every_step``.

    A matrix over 2 GiB (``n_params^2`` for gram, ``n_samples^2`` for dual) is
    never chosen.

    Examples
    --------
    >>> import numpy as np
    >>> from skgd._solvers import choose_solver
    >>> X = np.empty((200_000, 50))
    >>> choose_solver(X, 1, fit_intercept=True, max_iter=1000, auto_alpha=True,
    ...               every_step=False)
    'gram'
    """
    n_samples, n_features = X.shape
    n_params = n_features + fit_intercept
    step = _pass_work(X) * n_targets
    literal = max_iter * step
    if auto_alpha:
        literal += (
            _gram_work(X, n_params)
            if n_params <= MAX_PARAMS_FOR_EXPLICIT_SPECTRUM
            else LANCZOS_PRODUCTS * _pass_work(X)
        )
    gram = (
        _gram_work(X, n_params)
        + 10 * n_params**3  # the eigendecomposition
        + max_iter * CLOSED_FORM_STEP * n_params * n_targets
    )
    if every_step:
        gram += max_iter * (2 * n_params**2 * n_targets + 3 * NUMPY_CALL)
    dual = (
        _dual_work(X)
        + (max_iter + (LANCZOS_PRODUCTS if auto_alpha else 0))
        * (STREAMED_MULTIPLY_ADD * n_samples**2 * n_targets + NUMPY_CALL)
        + 2 * step  # the first residual, and the parameters at the end
    )
    if every_step:
        dual += max_iter * step
    work = {"literal": literal, "gram": gram, "dual": dual}
    if 8 * n_params**2 > MAX_AUTO_MATRIX_BYTES:
        work["gram"] = np.inf
    if 8 * n_samples**2 > MAX_AUTO_MATRIX_BYTES:
        work["dual"] = np.inf
    return min(work, key=work.get)


def _pass_work(X):
    """One literal step: both products with X, and numpy's calls per block."""
    if sp.issparse(X):
        return X.nnz * SPARSE_STEP_PER_NONZERO + 4 * NUMPY_CALL
    n_blocks = max(1, X.nbytes // 2**20)
    return 2 * STREAMED_MULTIPLY_ADD * X.size + 6 * NUMPY_CALL * n_blocks


def _gram_work(X, n_params):
    if not sp.issparse(X):
        return X.shape[0] * n_params**2
    # X^T X costs the sum over rows of (nonzeros in the row)^2 multiply-adds.
    return SPARSE_PRODUCT_MULTIPLY_ADD * _squared_counts(X, "csr")


def _dual_work(X):
    if not sp.issparse(X):
        return X.shape[0] ** 2 * X.shape[1]
    # X X^T costs the sum over columns of (nonzeros in the column)^2.
    return SPARSE_PRODUCT_MULTIPLY_ADD * _squared_counts(X, "csc")


def _squared_counts(X, along, chunk=2**16):
    """The sum of squared numbers of nonzeros per row ('csr') or column ('csc').

    Counted in chunks: a whole array of counts, or ``np.bincount`` (which copies
    all indices to int64), would cost memory in proportion to X.
    """
    if X.format == along:
        total = 0.0
        for start in range(0, len(X.indptr) - 1, chunk):
            counts = np.diff(X.indptr[start : start + chunk + 1]).astype(np.float64)
            total += counts @ counts
        return total
    length = X.shape[0] if along == "csr" else X.shape[1]
    counts = np.zeros(length)
    for start in range(0, len(X.indices), chunk):
        counts += np.bincount(X.indices[start : start + chunk], minlength=length)
    return float(counts @ counts)


def make_solver(name, loss):
    """The solver called ``name`` for ``loss``, having built what it needs."""
    return SOLVERS[name](loss)
