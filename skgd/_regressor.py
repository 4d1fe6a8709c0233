"""``GradientDescentRegressor``: scikit-learn glue around the loop and the objective."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import check_is_fitted, validate_data

from skgd._callbacks import CallbackSupportMixin
from skgd._dask_detect import dask_support, is_dask_collection, score
from skgd._exceptions import previous_fit_kept_on_error
from skgd._fit import fit_arrays
from skgd._incremental import fit_from_statistics, forget_rows, keep_rows, partial_fit
from skgd._solvers import SOLVERS


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
        - 'gram': one pass sums the sufficient statistics (the centred
          :math:`X^T S X`, :math:`X^T S y` and means), after which the steps do
          not touch X. Extra memory: O(n_features²).
        - 'dual': the steps are taken on the matrix :math:`X X^T`, for fewer
          samples than features. Extra memory: O(n_samples²).
        - 'auto': the solver of least work for the shape and sparsity of X and
          ``max_iter``.

        With 'gram' and 'dual', :math:`L` is known before the first step, so a
        learning rate above :math:`2 / L` raises :class:`DivergenceError` at
        once; 'literal' raises it at the first step at which the cost rises.

    store_path : bool or int, default=False
        Whether to keep the parameters along the descent in ``coef_path_`` and
        ``intercept_path_``. ``True`` keeps up to 1001 points (the start and
        every step of 1000), an int >= 2 at most that many: the parameters after
        steps ``0, s, 2s, ...`` and after the last step, with the smallest stride
        ``s`` that fits ``max_iter`` steps (so that a fit stopped early keeps
        fewer points, and not necessarily that of ``best_iteration_``, whose
        parameters ``coef_`` and ``intercept_`` are). Memory:
        ``n_points * (n_features + 1) * n_targets`` floats.

    compute_min_cost : bool or 'auto', default='auto'
        Whether to compute ``min_cost_``, the minimum of the cost over all
        parameters. 'auto' computes it where it comes at no extra cost (the
        'gram' solver); True on every solver, at the price of one pass over X and
        O(n_features²) memory for 'literal', and an eigendecomposition of the
        (n_samples, n_samples) matrix for 'dual'.

    verbose : int, default=0
        ``1`` prints the cost after steps 0, 1, 2, 5, 10, 20, 50, ... and the
        last step, with why the descent stopped; ``2`` prints every step.

    l2_penalty : float, default=0.0
        :math:`\lambda \ge 0`: the cost becomes :math:`J_\lambda = J +
        \tfrac\lambda2 \lVert w \rVert^2`, the intercept unpenalised, whose
        minimiser is :class:`~sklearn.linear_model.Ridge`'s with
        ``alpha=l2_penalty * sum(sample_weight)`` (``n_samples`` without weights).
        ``cost_history_`` records :math:`J_\lambda`, and :math:`L` is the largest
        eigenvalue of its Hessian (at most :math:`L_0 + \lambda`, :math:`L_0` that
        of :math:`J`; equal without an intercept).

    early_stopping : bool, default=False
        Whether to stop when the cost of a validation set has not fallen by more
        than ``tol`` (0 when ``tol`` is None) for ``n_iter_no_change`` steps, and
        keep the parameters of the step of lowest validation cost. The validation
        set is ``X_val, y_val`` if given to :meth:`fit`, else a fraction
        ``validation_fraction`` of the rows held out at random (with their
        weights). ``tol`` then applies to the validation cost only.

    validation_fraction : float, default=0.1
        The fraction of the rows held out for early stopping, in (0, 1), when no
        validation set is given.

    n_iter_no_change : int, default=10
        How many steps without a fall of the validation cost stop the descent,
        with ``early_stopping``.

    random_state : int, RandomState instance or None, default=None
        How the rows held out for early stopping are drawn. Pass an int for the
        same rows at every call.

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
        The solver that computed the iterates: 'literal', 'gram' or 'dual'.

    validation_cost_history_ : ndarray of shape (`n_iter_` + 1,)
        The half squared error of the validation rows (unpenalised) at the start
        and after every step, aligned with ``cost_history_``. Only where a
        validation set exists: given to :meth:`fit`, or held out by
        ``early_stopping``.

    best_iteration_ : int
        With ``early_stopping``, the step of the lowest validation cost, whose
        parameters ``coef_`` and ``intercept_`` are.

    min_cost_ : float
        The minimum of the cost over all parameters, :math:`\min J`:
        ``cost_history_[-1] - min_cost_`` is how far above the minimum the fit
        stopped. Only where ``compute_min_cost`` asks for it.

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

    n_samples_seen_ : int
        The number of rows in ``statistics_``.

    statistics_ : SufficientStatistics
        The statistics of the rows fitted, to which :meth:`partial_fit` adds;
        only where the solver stepped from them ('gram'). n_features² floats.

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
    iterates converge for :math:`0 < \alpha < 2 / L`. From :math:`w = 0, b = 0`
    they stay in the row space of :math:`[X\ 1]` and reach the least-squares
    :math:`(w, b)` of smallest norm :math:`\lVert (w, b) \rVert`. Where X has full
    column rank, or without an intercept, that is the solution of
    :class:`~sklearn.linear_model.LinearRegression`; on rank-deficient or wide
    data with an intercept, ``LinearRegression`` returns the least-squares point
    of smallest :math:`\lVert w \rVert` with :math:`b` free instead, which
    predicts the training data alike but new rows differently. The iterates
    converge fastest on scaled features (see
    :class:`~sklearn.preprocessing.StandardScaler`).

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
        "compute_min_cost": ["boolean", StrOptions({"auto"})],
        "verbose": ["verbose"],
        "l2_penalty": [Interval(Real, 0, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
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
        compute_min_cost="auto",
        verbose=0,
        l2_penalty=0.0,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        random_state=None,
    ):
        self.alpha = alpha
        self.max_iter = max_iter
        self.tol = tol
        self.fit_intercept = fit_intercept
        self.warm_start = warm_start
        self.solver = solver
        self.store_path = store_path
        self.compute_min_cost = compute_min_cost
        self.verbose = verbose
        self.l2_penalty = l2_penalty
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(
        self,
        X,
        y,
        sample_weight=None,
        *,
        X_val=None,
        y_val=None,
        sample_weight_val=None,
    ):
        """Fit the linear model by batch gradient descent.

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array or DataFrame} of shape \
(n_samples, n_features)
            Training data. CSR and CSC matrices are used as they are; Dask
            collections are summed block by block, never read into memory whole.

        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Target values.

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative individual weights for each sample, with a positive sum.

        X_val : {array-like, sparse matrix, dask array} of shape (n_val, n_features), \
default=None
            A validation set, whose cost is recorded after every step in
            ``validation_cost_history_``, and which ``early_stopping`` stops on.
            In a :class:`~sklearn.pipeline.Pipeline`, it can be transformed as
            ``X`` is with ``Pipeline(..., transform_input=["X_val"])`` and
            metadata routing.

        y_val : array-like of shape (n_val,) or (n_val, n_targets), default=None
            The validation targets, with ``X_val``.

        sample_weight_val : array-like of shape (n_val,), default=None
            The validation rows' weights.

        Returns
        -------
        self : object
            The fitted estimator.

        Raises
        ------
        DivergenceError
            If the cost rises: the learning rate is above the stable bound.
        ValueError
            For bad input, as scikit-learn's estimators do; also for X or y whose
            squares overflow float64, or X whose squares underflow it.
        """
        with previous_fit_kept_on_error(self):
            forget_rows(self)  # of earlier partial_fit calls
            data = (X, y, sample_weight, X_val, y_val, sample_weight_val)
            if is_dask_collection(X, y, sample_weight):  # never in memory whole
                dask_support().fit_dask(self, *data)
            else:
                solver, fitted_weights = fit_arrays(self, *data)
                keep_rows(self, solver, fitted_weights)  # for partial_fit
        return self

    partial_fit = partial_fit
    fit_from_statistics = fit_from_statistics
    score = score

    def _starting_point(self, loss):
        if self.warm_start and hasattr(self, "coef_"):
            return loss.warm_start(self.coef_, self.intercept_)
        return loss.zeros()

    def predict(self, X):
        """Predict with the fitted linear model, ``X @ coef_.T + intercept_``.

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array or DataFrame} of shape \
(n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_targets)
            Predicted values; a lazy Dask array for a Dask collection.
        """
        if is_dask_collection(X):  # a lazy Dask array
            return dask_support().predict_dask(self, X)
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
