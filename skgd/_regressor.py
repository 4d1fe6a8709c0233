"""``GradientDescentRegressor``: scikit-learn glue around the loop and the objective."""

import warnings
from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_array
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import check_is_fitted, validate_data

from skgd._callbacks import (
    CallbackSupportMixin,
    StepCallbacks,
    begin_fit_task,
    end_fit_task,
)
from skgd._descent import Status, descend
from skgd._exceptions import DivergenceError
from skgd._loss import HalfSquaredError
from skgd._solvers import SOLVERS, choose_solver, make_solver
from skgd._validation import (
    check_magnitudes,
    too_large_message,
    validate_sample_weight,
)


class GradientDescentRegressor(CallbackSupportMixin, RegressorMixin, BaseEstimator):
    r"""Linear regression by batch gradient descent on the half mean squared error.

    The model is :math:`h(x) = x w + b`. Starting from :math:`w = 0, b = 0`, every
    step computes the whole gradient of the cost and moves all parameters against
    it at once, scaled by the learning rate :math:`\alpha`. The cost after every
    step is kept in ``cost_history_``.

    Parameters
    ----------
    alpha : float or 'auto', default='auto'
        The learning rate, > 0. ``'auto'`` takes :math:`1 / L`, where :math:`L` is
        the largest eigenvalue of the Hessian of the cost (intercept and sample
        weights included): the cost then falls at every step, on any data.
        A learning rate above :math:`2 / L` diverges and raises
        :class:`DivergenceError`.

    max_iter : int, default=1000
        The number of gradient steps, >= 1.

    tol : float or None, default=None
        ``None`` takes exactly ``max_iter`` steps. A float >= 0 stops as soon as one
        step lowers the cost by less than ``tol``, and warns with
        :class:`~sklearn.exceptions.ConvergenceWarning` if ``max_iter`` comes first.

    fit_intercept : bool, default=True
        Whether to fit the intercept :math:`b`, a parameter of its own updated with
        :math:`w`. If False, the model passes through the origin.

    warm_start : bool, default=False
        Whether to start from the previous fit's ``coef_`` and ``intercept_``
        instead of zeros.

    solver : {'auto', 'literal', 'gram', 'dual'}, default='auto'
        How the iterates are computed. All give the same iterates and costs, up
        to rounding; they differ in speed and memory.

        - 'literal': the textbook step, reading X once per step in row blocks.
          Extra memory: a block of X (about 1 MiB).
        - 'gram': one pass builds the Hessian :math:`[X\ 1]^T S [X\ 1]`, after
          which the steps do not touch X. Extra memory:
          O(n_features²).
        - 'dual': the steps are taken on the matrix :math:`X X^T`, for fewer
          samples than features. Extra memory: O(n_samples²).
        - 'auto': the path estimated to be fastest for the shape and sparsity
          of X and ``max_iter``.

        With 'gram' and 'dual', :math:`L` is known before the first step, so a
        learning rate above :math:`2 / L` raises :class:`DivergenceError` at
        once; 'literal' raises it at the first step at which the cost rises.

    store_path : bool or int, default=False
        Whether to keep the parameters along the descent in ``coef_path_`` and
        ``intercept_path_``. ``True`` keeps up to 1001 points (the start and
        every step of 1000), an int >= 2 at most that many: the parameters after
        steps ``0, s, 2s, ...`` and after the last step, with the smallest stride
        ``s`` that fits ``max_iter`` steps. Memory:
        ``n_points * (n_features + 1) * n_targets`` floats.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
        The weights :math:`w`.

    intercept_ : float or ndarray of shape (n_targets,)
        The intercept :math:`b`; 0.0 when ``fit_intercept=False``.

    alpha_ : float
        The learning rate used.

    n_iter_ : int
        The number of steps taken in the last fit.

    cost_history_ : ndarray of shape (`n_iter_` + 1,)
        ``cost_history_[k]`` is the cost after ``k`` steps of the last fit;
        ``cost_history_[0]`` is the cost at its starting point.

    solver_ : str
        The path that computed the iterates: 'literal', 'gram' or 'dual'.

    coef_path_ : ndarray of shape (n_points, n_features) or 3-D
        ``coef_`` after step ``path_iterations_[i]``, for each kept point; of
        shape (n_points, n_targets, n_features) for 2-D ``y``. Only with
        ``store_path``.

    intercept_path_ : ndarray of shape (n_points,) or (n_points, n_targets)
        ``intercept_`` after step ``path_iterations_[i]``. Only with
        ``store_path``.

    path_iterations_ : ndarray of int of shape (n_points,)
        The step number of each kept point, from 0 (the start) to ``n_iter_``.
        Only with ``store_path``.

    n_features_in_ : int
        Number of features seen during :term:`fit`.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`. Defined only when `X` has
        feature names that are all strings.

    See Also
    --------
    gradient_descent : The descent loop, for any differentiable function.
    sklearn.linear_model.LinearRegression : The same model, solved outright.
    sklearn.linear_model.SGDRegressor : Stochastic gradient descent, one sample at
        a time.

    Notes
    -----
    With sample weights :math:`s_i` (all 1 by default) the cost is

    .. math::

        J(w, b) = \frac{1}{2 \sum_i s_i} \sum_i s_i \lVert x_i w + b - y_i \rVert^2,

    its gradient is

    .. math::

        \frac{\partial J}{\partial w} = \frac{1}{\sum_i s_i}
            \sum_i s_i (x_i w + b - y_i) x_i, \qquad
        \frac{\partial J}{\partial b} = \frac{1}{\sum_i s_i}
            \sum_i s_i (x_i w + b - y_i),

    and every step is :math:`(w, b) \leftarrow (w, b) - \alpha \nabla J(w, b)`.
    For 2-D ``y`` the squared norm sums over the targets, so that each target
    follows the trajectory it would follow alone.

    The cost is a quadratic whose Hessian has largest eigenvalue :math:`L`; the
    iterates converge for :math:`0 < \alpha < 2 / L` and to the least-squares
    solution of :class:`~sklearn.linear_model.LinearRegression`. How fast depends
    on the conditioning of the features: scale them, for example with
    :class:`~sklearn.preprocessing.StandardScaler` in a pipeline.

    References
    ----------
    .. [1] A. Cauchy, "Méthode générale pour la résolution des systèmes
       d'équations simultanées", Comptes Rendus de l'Académie des Sciences,
       vol. 25, pp. 536-538, 1847.
    .. [2] Y. Nesterov, "Lectures on Convex Optimization", 2nd ed., Springer,
       2018, section 2.1.5.

    Examples
    --------
    >>> import numpy as np
    >>> from skgd import GradientDescentRegressor
    >>> X = np.array([[1.0], [2.0], [3.0], [4.0]])
    >>> y = np.array([3.0, 5.0, 7.0, 9.0])  # y = 2 x + 1
    >>> reg = GradientDescentRegressor(max_iter=2000).fit(X, y)
    >>> reg.coef_, round(reg.intercept_, 6)
    (array([2.]), 1.0)
    >>> round(float(reg.cost_history_[0]), 12)  # J(0, 0) = (9+25+49+81) / (2*4)
    20.5
    >>> bool(reg.cost_history_[-1] < 1e-20)  # the data lie on a line
    True
    >>> reg.predict([[5.0]])
    array([11.])
    """

    _parameter_constraints: dict = {
        "alpha": [Interval(Real, 0, None, closed="neither"), StrOptions({"auto"})],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left"), None],
        "fit_intercept": ["boolean"],
        "warm_start": ["boolean"],
        "solver": [StrOptions({"auto", *SOLVERS})],
        "store_path": ["boolean", Interval(Integral, 2, None, closed="left")],
    }

    def __init__(
        self,
        *,
        alpha="auto",
        max_iter=1000,
        tol=None,
        fit_intercept=True,
        warm_start=False,
        solver="auto",
        store_path=False,
    ):
        self.alpha = alpha
        self.max_iter = max_iter
        self.tol = tol
        self.fit_intercept = fit_intercept
        self.warm_start = warm_start
        self.solver = solver
        self.store_path = store_path

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the linear model by batch gradient descent.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data. CSR and CSC matrices are used as they are.

        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Target values.

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative individual weights for each sample, with a positive sum.

        Returns
        -------
        self : object
            The fitted estimator.

        Raises
        ------
        DivergenceError
            If the cost rises: the learning rate is above the stable bound.
        ValueError
            For bad input, as scikit-learn's estimators do; also if the values of
            X or y are so large that the sums of their squares overflow, or those
            of X so small that they underflow.
        """
        with _previous_fit_kept_on_error(self):
            X, y, sample_weight = self._validate_fit_data(X, y, sample_weight)
            loss = HalfSquaredError(
                X, y, sample_weight, fit_intercept=self.fit_intercept
            )
            theta0 = self._starting_point(loss)
            callbacks_set = bool(getattr(self, "_skl_callbacks", None))
            name = self.solver
            if name == "auto":
                name = choose_solver(
                    X,
                    1 if y.ndim == 1 else y.shape[1],
                    fit_intercept=self.fit_intercept,
                    max_iter=self.max_iter,
                    auto_alpha=self.alpha == "auto",
                    every_step=callbacks_set,
                )
            # Overflow is caught and reported below; numpy need not warn of it.
            with np.errstate(over="ignore", invalid="ignore"):
                solver = make_solver(name, loss)
                alpha = self._learning_rate(solver, X)
                result = self._descend(solver, theta0, alpha, X, y, sample_weight)
            if result.status in (Status.DIVERGED, Status.NOT_A_NUMBER):
                raise DivergenceError(
                    iteration=result.nit + 1,
                    alpha=alpha,
                    max_stable_alpha=_max_stable_alpha(solver, X),
                )
            if result.status == Status.MAX_ITER and self.tol is not None:
                _warn_not_converged(result, self.tol)

            self.coef_, self.intercept_ = loss.unpack(result.x)
            self.alpha_ = float(alpha)
            self.n_iter_ = result.nit
            self.cost_history_ = result.cost_history
            self.solver_ = solver.name
            if result.path is not None:
                points = [loss.unpack(theta) for theta in result.path]
                self.coef_path_ = np.stack([coef for coef, _ in points])
                self.intercept_path_ = np.asarray([b for _, b in points])
                self.path_iterations_ = result.path_iterations
        return self

    def _validate_fit_data(self, X, y, sample_weight):
        if sp.issparse(y):
            # scikit-learn's own message for a sparse y, which is not supported.
            check_array(y, accept_sparse=False, input_name="y", estimator=self)
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            dtype=[np.float64, np.float32],
            multi_output=True,
            y_numeric=True,
            # X's NaN and infinity: below, in one pass that checks overflow too.
            ensure_all_finite=False,
        )
        check_magnitudes(self, X, y)
        y = y.astype(X.dtype, copy=False)
        if sample_weight is not None:
            sample_weight = validate_sample_weight(sample_weight, X)
        return X, y, sample_weight

    def _learning_rate(self, solver, X):
        """``alpha``, or 1/L for 'auto'; refused above 2/L where L is known."""
        if self.alpha == "auto":
            lipschitz = _lipschitz(solver, X)
            # L = 0 only when X is all zeros and there is no intercept: the
            # gradient is then zero everywhere and every learning rate is stable.
            return 1.0 / lipschitz if lipschitz > 0 else 1.0
        if solver.bound_known and self.alpha > _max_stable_alpha(solver, X):
            raise DivergenceError(
                iteration=None,
                alpha=self.alpha,
                max_stable_alpha=_max_stable_alpha(solver, X),
            )
        return self.alpha

    def _descend(self, solver, theta0, alpha, X, y, sample_weight):
        metadata = None if sample_weight is None else {"sample_weight": sample_weight}
        context = begin_fit_task(
            self, max_steps=self.max_iter, X=X, y=y, metadata=metadata
        )
        step_callbacks = None
        if context is not None and getattr(self, "_skl_callbacks", None):
            step_callbacks = StepCallbacks(
                context,
                self,
                X=X,
                y=y,
                metadata=metadata,
                unpack=solver.loss.unpack,
                theta0=theta0,
            )
        result = descend(
            solver.stepper(theta0, alpha),
            max_iter=self.max_iter,
            tol=self.tol,
            callback=step_callbacks,
            store_path=self.store_path,
        )
        coef, intercept = solver.loss.unpack(result.x)
        end_fit_task(
            context,
            self,
            X=X,
            y=y,
            metadata=metadata,
            attributes={"coef_": coef, "intercept_": intercept},
        )
        return result

    def _starting_point(self, loss):
        zeros = loss.zeros()
        if not (self.warm_start and hasattr(self, "coef_")):
            return zeros
        coef = np.asarray(self.coef_)
        intercept = np.asarray(self.intercept_)
        expected_coef = zeros[: loss.n_features].T.shape
        if coef.size != np.prod(expected_coef) or (
            self.fit_intercept and intercept.size != np.prod(zeros.shape[1:])
        ):
            raise ValueError(
                f"warm_start=True needs the previous coef_ to fit this data: got "
                f"coef_ of shape {coef.shape}, but X and y need shape "
                f"{expected_coef}. Set warm_start=False to start from zero."
            )
        # A coef_ of the same size is reshaped, as ElasticNet(warm_start=True)
        # does: a 1-D y's fit continues on the same y as a column, and back.
        return loss.pack(
            coef.reshape(expected_coef), intercept.reshape(zeros.shape[1:])
        )

    def predict(self, X):
        """Predict with the fitted linear model, ``X @ coef_.T + intercept_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_targets)
            Predicted values.
        """
        check_is_fitted(self)
        X = validate_data(
            self,
            X,
            accept_sparse=["csr", "csc"],
            dtype=[np.float64, np.float32],
            reset=False,
        )
        return safe_sparse_dot(X, self.coef_.T, dense_output=True) + self.intercept_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.multi_output = True
        return tags


def _lipschitz(solver, X):
    """``L``, or a clear error where it is beyond float64 (the features' fault)."""
    lipschitz = solver.lipschitz()
    if not np.isfinite(lipschitz):
        raise ValueError(too_large_message("X", X))
    return lipschitz


def _max_stable_alpha(solver, X):
    lipschitz = _lipschitz(solver, X)
    return 2.0 / lipschitz if lipschitz > 0 else np.inf


def _warn_not_converged(result, tol):
    last_decrease = result.cost_history[-2] - result.cost_history[-1]
    warnings.warn(
        f"Gradient descent did not converge within max_iter={result.nit} steps: "
        f"the last step lowered the cost by {last_decrease:.3g}, not below "
        f"tol={tol:.3g}. Increase max_iter, use a larger alpha (up to 2/L; "
        "alpha='auto' takes 1/L), or scale the features.",
        ConvergenceWarning,
        stacklevel=2,
    )


@contextmanager
def _previous_fit_kept_on_error(estimator):
    """Leave the fitted attributes as they were before ``fit`` if it raises.

    A failed fit then never leaves a half-fitted estimator: a fitted one keeps
    its previous model whole, an unfitted one stays unfitted.
    """
    before = _fitted_attributes(estimator)
    try:
        yield
    except BaseException:
        for name in _fitted_attributes(estimator):
            delattr(estimator, name)
        for name, value in before.items():
            setattr(estimator, name, value)
        raise


def _fitted_attributes(estimator):
    return {
        name: value
        for name, value in vars(estimator).items()
        if name.endswith("_") and not name.startswith("_")
    }
