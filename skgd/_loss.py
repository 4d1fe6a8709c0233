r"""The half mean squared error of a linear model: the objective, and only that.

.. math::

    J(w, b) = \frac{1}{2 \sum_i s_i} \sum_i s_i \, \lVert x_i w + b - y_i \rVert^2
              + \frac{\lambda}{2} \lVert w \rVert^2

with the L2 penalty :math:`\lambda` (``l2_penalty``, 0 by default) on the
coefficients only.

The parameters travel as one array ``theta`` of shape ``(n_params,)`` for 1-D
``y`` or ``(n_params, n_targets)`` for 2-D ``y``: the rows are the coefficients
``w`` followed, when ``fit_intercept``, by the intercept ``b``. ``X`` itself is
never copied or augmented with a column of ones.
"""

import numpy as np
from scipy.sparse.linalg import LinearOperator, eigsh

from skgd._blocks import chunked_sum_of_squares, residual_products

# Up to this many parameters a symmetric matrix is decomposed outright; beyond,
# Lanczos needs a few dozen products with it instead.
MAX_PARAMS_FOR_EXPLICIT_SPECTRUM = 128


def normalised_weights(sample_weight):
    """Weights in float64 that sum to one, or None for equal weights.

    Divided first by a power of two near their largest value, which is exact, so
    that their sum cannot overflow.
    """
    if sample_weight is None:
        return None
    weights = np.asarray(sample_weight, dtype=np.float64)
    exponent = np.frexp(weights.max())[1]
    weights = np.ldexp(weights, -exponent)
    weights /= weights.sum()
    return weights


class HalfSquaredError:
    r"""The half (weighted) mean squared error of a linear model.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Training data, float32 or float64.
    y : ndarray of shape (n_samples,) or (n_samples, n_targets)
        Targets, of the dtype of ``X``.
    sample_weight : ndarray of shape (n_samples,) or None, default=None
        Non-negative weights with a positive sum; ``None`` weighs every sample 1.
    fit_intercept : bool, default=True
        Whether the model has an intercept ``b``.
    l2_penalty : float, default=0.0
        :math:`\\lambda`, the weight of :math:`\\tfrac12 \\lVert w \\rVert^2`.

    Examples
    --------
    >>> import numpy as np
    >>> from skgd._loss import HalfSquaredError
    >>> X = np.array([[1.0], [2.0], [3.0]])
    >>> y = np.array([2.0, 4.0, 6.0])
    >>> loss = HalfSquaredError(X, y)
    >>> cost, gradient = loss.loss_gradient(np.zeros(2))
    >>> float(cost)  # (4 + 16 + 36) / (2 * 3)
    9.333...
    >>> gradient  # [-(2 + 8 + 18) / 3, -(2 + 4 + 6) / 3]
    array([-9.333..., -4.        ])
    """

    def __init__(self, X, y, sample_weight=None, *, fit_intercept=True, l2_penalty=0.0):
        self.X = X
        # Row blocks of y and the compiled kernel need it C-ordered.
        self.y = np.ascontiguousarray(y, dtype=X.dtype)
        self.fit_intercept = fit_intercept
        self.l2_penalty = float(l2_penalty)
        self.weights = normalised_weights(sample_weight)

    @property
    def n_features(self):
        """The number of columns of X."""
        return self.X.shape[1]

    @property
    def n_params(self):
        """Number of rows of ``theta``: the features, plus one for the intercept."""
        return self.n_features + int(self.fit_intercept)

    @property
    def cost_scale(self):
        """The cost of the model that predicts zero everywhere, ``J(0, 0)``."""
        total = chunked_sum_of_squares(self.y, self.weights)
        return 0.5 * (total if self.weights is not None else total / len(self.y))

    def zeros(self):
        """The starting point ``w = 0, b = 0`` as a ``theta`` array."""
        return np.zeros((self.n_params, *self.y.shape[1:]), dtype=self.X.dtype)

    def pack(self, coef, intercept):
        """Stack ``coef`` (as ``coef_``) and ``intercept`` into one ``theta``."""
        theta = np.asarray(coef, dtype=self.X.dtype).T
        if self.fit_intercept:
            intercept = np.asarray(intercept, dtype=theta.dtype)
            theta = np.concatenate([theta, intercept[np.newaxis]])
        return np.array(theta)

    def warm_start(self, coef, intercept):
        """A previous fit's ``coef_`` and ``intercept_`` as this loss's ``theta``.

        A ``coef_`` of the right size is reshaped, as
        ``ElasticNet(warm_start=True)`` does: a fit on 1-D ``y`` continues on the
        same ``y`` as a column, and back. Of another size, it is refused.
        """
        zeros = self.zeros()
        coef, intercept = np.asarray(coef), np.asarray(intercept)
        coef_shape = zeros[: self.n_features].T.shape
        if coef.size != np.prod(coef_shape) or (
            self.fit_intercept and intercept.size != np.prod(zeros.shape[1:])
        ):
            raise ValueError(
                f"warm_start=True needs the previous coef_ to fit this data: got "
                f"coef_ of shape {coef.shape}, but X and y need shape "
                f"{coef_shape}. Set warm_start=False to start from zero."
            )
        return self.pack(coef.reshape(coef_shape), intercept.reshape(zeros.shape[1:]))

    def unpack(self, theta):
        """Split ``theta`` into ``coef`` (shaped as ``coef_``) and ``intercept``."""
        return unpack(theta, self.n_features, self.fit_intercept)

    def _split(self, theta):
        w = theta[: self.n_features]
        return w, (theta[self.n_features] if self.fit_intercept else None)

    def _scaled(self, sum_of_squares, sums, gradient):
        # Without weights, 1/m is applied once, to the sums.
        if self.weights is None:
            scale = 1.0 / self.X.shape[0]
            sum_of_squares *= scale
            sums = sums * scale
            gradient *= scale
        return sum_of_squares, sums, gradient

    def loss_gradient(self, theta):
        """The cost ``J`` and its gradient with respect to ``theta``, in one pass.

        ``dJ/dw = X^T S r`` and ``dJ/db = sum(S r)``, where ``r = X w + b - y`` and
        ``S`` holds the normalised weights; see :func:`skgd._blocks.
        residual_products` for how X is read. The gradient is float64.
        """
        w, b = self._split(theta)
        gradient = np.zeros(theta.shape)
        sum_of_squares, sums = residual_products(
            self.X, w, b, self.y, self.weights, gradient[: self.n_features]
        )
        sum_of_squares, sums, gradient = self._scaled(sum_of_squares, sums, gradient)
        if self.fit_intercept:
            gradient[self.n_features] = sums
        cost = 0.5 * sum_of_squares
        if self.l2_penalty:
            cost += (
                0.5 * self.l2_penalty * float(np.sum(np.square(w, dtype=np.float64)))
            )
            gradient[: self.n_features] += self.l2_penalty * w
        return cost, gradient

    def loss(self, theta):
        """The cost ``J`` at ``theta``."""
        return self.loss_gradient(theta)[0]

    def hessian_matvec(self, v):
        """The product of the Hessian ``[X 1]^T S [X 1] + lambda P`` with ``v``.

        ``P`` is the identity on the coefficients, zero on the intercept.

        The Hessian is the same for every target; ``v`` has ``n_params`` entries.
        Computed as the gradient for zero targets, in one pass over X.
        """
        v = np.asarray(v, dtype=np.float64).ravel()
        w, b = self._split(v.astype(self.X.dtype))
        product = np.zeros(self.n_params)
        _, sums = residual_products(
            self.X, w, b, None, self.weights, product[: self.n_features]
        )
        _, sums, product = self._scaled(0.0, sums, product)
        if self.fit_intercept:
            product[self.n_features] = sums
        product[: self.n_features] += self.l2_penalty * v[: self.n_features]
        return product

    def lipschitz(self):
        """The largest eigenvalue ``L`` of the Hessian, by Lanczos.

        Gradient descent on ``J`` is stable for learning rates below ``2 / L``.
        Each Lanczos iteration is one pass over X.
        """
        n_params = self.n_params
        operator = LinearOperator(
            (n_params, n_params), matvec=self.hessian_matvec, dtype=np.float64
        )
        return largest_eigenvalue(operator)

    def residual(self, theta):
        """The residual ``r = X w + b - y`` at ``theta``, one row per sample."""
        w, b = self._split(theta)
        residual = np.asarray(self.X @ w, dtype=np.float64)
        if b is not None:
            residual += b
        residual -= self.y
        return residual


def unpack(theta, n_features, fit_intercept):
    """Split ``theta`` into ``coef`` (shaped as ``coef_``) and ``intercept``."""
    coef = np.array(theta[:n_features].T)
    if fit_intercept:
        intercept = theta[n_features]
        intercept = float(intercept) if intercept.ndim == 0 else intercept.copy()
    else:
        intercept = 0.0 if theta.ndim == 1 else np.zeros(theta.shape[1], theta.dtype)
    return coef, intercept


def largest_eigenvalue(matrix):
    """The largest eigenvalue of a symmetric positive semi-definite matrix, >= 0.

    ``matrix`` is an array or, for Lanczos, anything with a matvec. Up to 128
    rows it is decomposed outright; otherwise Lanczos (``eigsh``) runs to machine
    precision (``tol=0``), so that ``alpha='auto'`` is the same on every solver,
    from a fixed start vector, so that fits are deterministic. Eight Lanczos
    vectors suffice for the one extreme eigenvalue and keep its memory small. A
    zero matrix has L = 0, which Lanczos cannot start from: it is found by the
    first product.

    Examples
    --------
    >>> import numpy as np
    >>> from skgd._loss import largest_eigenvalue
    >>> largest_eigenvalue(np.diag([1.0, 3.0, 2.0]))
    3.0
    """
    size = matrix.shape[0]
    if size == 0:
        return 0.0
    if size <= MAX_PARAMS_FOR_EXPLICIT_SPECTRUM:
        if not isinstance(matrix, np.ndarray):  # an operator: its columns
            matrix = np.column_stack([matrix @ column for column in np.eye(size)])
        return max(float(np.linalg.eigvalsh(matrix)[-1]), 0.0)
    start = np.random.default_rng(0).standard_normal(size)
    if not np.any(matrix @ start):
        return 0.0  # a positive semi-definite matrix with a null product is zero
    value = eigsh(matrix, k=1, which="LA", v0=start, tol=0, ncv=8)[0][0]
    return max(float(value), 0.0)
