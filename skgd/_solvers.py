"""The three exact ways of computing the same iterates, and the choice among them.

* ``'literal'``: the textbook step, X read once per step in row blocks;
* ``'gram'``: one pass builds the Hessian, then the steps cost nothing of X;
* ``'dual'``: the steps taken on the (n_samples, n_samples) matrix ``X X^T``.

``'auto'`` estimates the time of each from the shape, sparsity and dtype of X
and the number of steps, and picks the fastest. The estimates use rough rates of
one core (BLAS threads are not counted on), so only their ratios matter.
"""

import numpy as np
import scipy.sparse as sp

from skgd._blocks import row_blocks
from skgd._descent import gradient_descent
from skgd._dual import DualGram
from skgd._objective import _MAX_PARAMS_FOR_EXPLICIT_HESSIAN
from skgd._primal import PrimalGram

# Rough rates of one core, measured on the development machine.
_STREAM_BYTES_PER_SECOND = 1.5e10  # reading a large array from memory
_DENSE_FLOPS = 1.5e10  # multiply-adds per second in BLAS level 3
_SPARSE_PRODUCT_RATE = 1e8  # multiply-adds per second in a sparse-sparse product
_SPARSE_MATVEC_SECONDS_PER_NONZERO = 3e-9  # both products of a literal step
_COMPILED_STEP_SECONDS_PER_NONZERO = 2.2e-9  # the same, by skgd's CSR kernel
_SECONDS_PER_NUMPY_CALL = 5e-6
_SECONDS_PER_BULK_ELEMENT = 2e-8  # the closed form of the primal path
_LANCZOS_PRODUCTS = 50
# A Gram matrix larger than this is never chosen automatically.
_MAX_AUTO_GRAM_BYTES = 2 * 2**30

SOLVERS = ("literal", "gram", "dual")


class Literal:
    """The textbook iteration, through :func:`~skgd.gradient_descent`.

    Parameters
    ----------
    objective : HalfSquaredError
        The cost, whose fused ``loss_gradient`` reads X once per step.

    Examples
    --------
    >>> import numpy as np
    >>> from skgd._objective import HalfSquaredError
    >>> from skgd._solvers import Literal
    >>> X = np.array([[1.0], [2.0], [3.0], [4.0]])
    >>> solver = Literal(HalfSquaredError(X, 2 * X[:, 0] + 1))
    >>> np.round(solver.descend(np.zeros(2), alpha=0.1, max_iter=2000).x, 6)
    array([2., 1.])
    """

    name = "literal"
    # L costs extra passes over X here, so the bound is checked step by step.
    bound_known = False

    def __init__(self, objective):
        self.objective = objective

    def lipschitz(self):
        """The largest eigenvalue ``L`` of the Hessian."""
        return self.objective.lipschitz()

    def descend(
        self, theta0, *, alpha, max_iter, tol=None, callback=None, store_path=False
    ):
        """Take up to ``max_iter`` steps from ``theta0``; see ``gradient_descent``."""
        return gradient_descent(
            self.objective.loss_gradient,
            theta0,
            alpha=alpha,
            max_iter=max_iter,
            tol=tol,
            cost_scale=self.objective.cost_scale,
            callback=callback,
            store_path=store_path,
        )


_SOLVER_CLASSES = {"literal": Literal, "gram": PrimalGram, "dual": DualGram}


def make_solver(solver, objective, *, max_iter, auto_alpha, every_step_needed):
    """The solver object named ``solver``, or the fastest one for ``'auto'``.

    Parameters
    ----------
    solver : {'auto', 'literal', 'gram', 'dual'}
        The path to take.
    objective : HalfSquaredError
        The cost.
    max_iter : int
        The number of steps planned.
    auto_alpha : bool
        Whether ``L`` will be needed for ``alpha='auto'``.
    every_step_needed : bool
        Whether the parameters after every step are needed (callbacks).
    """
    name = choose_solver(
        solver,
        objective,
        max_iter=max_iter,
        auto_alpha=auto_alpha,
        every_step_needed=every_step_needed,
    )
    return _SOLVER_CLASSES[name](objective)


def choose_solver(solver, objective, *, max_iter, auto_alpha, every_step_needed):
    """The name of the path to take: ``solver``, or for ``'auto'`` the fastest.

    Takes the parameters of :func:`make_solver`, and reads nothing of X but its
    shape and sparsity.

    Examples
    --------
    >>> import numpy as np
    >>> from skgd._objective import HalfSquaredError
    >>> from skgd._solvers import choose_solver
    >>> X = np.ones((200_000, 50))
    >>> choose_solver("auto", HalfSquaredError(X, X[:, 0]), max_iter=1000,
    ...               auto_alpha=True, every_step_needed=False)
    'gram'
    """
    if solver != "auto":
        return solver
    times = estimated_seconds(
        objective,
        max_iter=max_iter,
        auto_alpha=auto_alpha,
        every_step_needed=every_step_needed,
    )
    return min(times, key=times.get)


def estimated_seconds(objective, *, max_iter, auto_alpha, every_step_needed):
    """A rough time for each path, for choosing the fastest.

    Returns
    -------
    times : dict
        ``{'literal': seconds, 'gram': seconds, 'dual': seconds}``; ``inf`` for a
        path whose matrix would take more than 2 GiB.

    Examples
    --------
    >>> import numpy as np
    >>> from skgd._objective import HalfSquaredError
    >>> from skgd._solvers import estimated_seconds
    >>> X = np.ones((200_000, 50))
    >>> times = estimated_seconds(HalfSquaredError(X, X[:, 0]), max_iter=1000,
    ...                           auto_alpha=True, every_step_needed=False)
    >>> min(times, key=times.get), times["dual"]
    ('gram', inf)
    """
    X = objective.X
    n_samples, n_params = X.shape[0], objective.n_params
    n_targets = 1 if objective.y.ndim == 1 else objective.y.shape[1]
    step = _literal_step_seconds(objective)
    literal = max_iter * step
    if auto_alpha:
        literal += (
            _gram_build_seconds(X, n_params)
            if n_params <= _MAX_PARAMS_FOR_EXPLICIT_HESSIAN
            else _LANCZOS_PRODUCTS * step
        )

    gram = (
        _gram_build_seconds(X, n_params)
        + 6 * n_params**3 / _DENSE_FLOPS  # eigh
        + step  # the anchor's cost and gradient
        + max_iter * n_params * n_targets * _SECONDS_PER_BULK_ELEMENT
    )
    if every_step_needed:
        gram += max_iter * (
            n_params**2 * n_targets / _DENSE_FLOPS + 3 * _SECONDS_PER_NUMPY_CALL
        )

    dual_step = (
        8 * n_samples**2 * n_targets / _STREAM_BYTES_PER_SECOND
        + 4 * _SECONDS_PER_NUMPY_CALL
    )
    dual = (
        _dual_build_seconds(X)
        + (max_iter + (_LANCZOS_PRODUCTS if auto_alpha else 0)) * dual_step
        + 2 * step  # the first residual, and the parameters at the end
    )
    if every_step_needed:
        dual += max_iter * step

    if 8 * n_params**2 > _MAX_AUTO_GRAM_BYTES:
        gram = np.inf
    if 8 * n_samples**2 > _MAX_AUTO_GRAM_BYTES:
        dual = np.inf
    return {"literal": literal, "gram": gram, "dual": dual}


def _literal_step_seconds(objective):
    X = objective.X
    if objective.compiled_step:
        return X.nnz * _COMPILED_STEP_SECONDS_PER_NONZERO + _SECONDS_PER_NUMPY_CALL
    n_blocks = len(row_blocks(X)) if not sp.issparse(X) or X.format == "csr" else 1
    overhead = 6 * n_blocks * _SECONDS_PER_NUMPY_CALL
    if sp.issparse(X):
        return X.nnz * _SPARSE_MATVEC_SECONDS_PER_NONZERO + overhead
    # The block's second product finds it in cache: about two reads of X.
    return 1.6 * X.nbytes / _STREAM_BYTES_PER_SECOND + overhead


def _gram_build_seconds(X, n_params):
    if not sp.issparse(X):
        return X.shape[0] * n_params**2 / _DENSE_FLOPS
    # X^T X costs the sum over rows of (nonzeros in the row)^2 multiply-adds.
    return _squared_counts(X, "csr") / _SPARSE_PRODUCT_RATE + (
        8 * n_params**2 / _STREAM_BYTES_PER_SECOND
    )


def _dual_build_seconds(X):
    n_samples = X.shape[0]
    if not sp.issparse(X):
        return n_samples**2 * X.shape[1] / _DENSE_FLOPS
    # X X^T costs the sum over columns of (nonzeros in the column)^2.
    return _squared_counts(X, "csc") / _SPARSE_PRODUCT_RATE + (
        8 * n_samples**2 / _STREAM_BYTES_PER_SECOND
    )


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
