r"""The cost of a fitted linear model over two of its parameters.

The half mean squared error is a quadratic in the parameters, so over any two of
them, the others either held fixed or chosen at their best, it is a quadratic in
two variables. Both are computed here exactly, from one pass over the data:

With the fitted residual :math:`r` (for the drawn target) and the columns
:math:`u_a, u_b` that the two drawn parameters multiply (a feature, or ones for
the intercept), moving them by :math:`d = (d_a, d_b)` gives the residual
:math:`r + d_a u_a + d_b u_b`. With :math:`V = [r, u_a, u_b]` and the weights
:math:`S`, the cost is

.. math::

    J(d) = \frac{c^\top G\, c + J_0}{2 \sum_i s_i}, \qquad c = (1, d_a, d_b),

- ``"slice"``: the other parameters at their fitted values, :math:`G = V^\top S
  V`;
- ``"profile"``: the other parameters at their best for each :math:`d`, which
  takes from :math:`S^{1/2} V` its projection onto the columns :math:`S^{1/2}
  U_h` of the hidden parameters, :math:`G = V^\top S^{1/2} (I - P_h) S^{1/2} V`:
  the lowest cost of any model with those two values.

:math:`J_0` is what the other targets add (their fitted cost, or their least
cost for ``"profile"``): a constant.
"""

from numbers import Integral

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import check_array

CONTOURS = ("profile", "slice")
# "profile" reads the hidden parameters' columns as one dense array; beyond this
# many values (400 MB of float64) it asks for "slice" instead.
_MAX_DENSE_HIDDEN = 50_000_000


class CostOverTwoParameters:
    """The half mean squared error of a fitted model over two of its parameters.

    Parameters
    ----------
    estimator : GradientDescentRegressor
        Fitted, with ``coef_``, ``intercept_`` and, for :meth:`path`, the path.
    X, y, sample_weight : arrays
        The data it was fitted on.
    params : pair of (int or str) or None
        The two parameters: ``"intercept"``, a feature's index or its name.
        ``None`` takes the first two of the intercept, ``coef_[0]``, ``coef_[1]``.
    target : int or None
        The target whose parameters are drawn, for several targets.
    contours : {"profile", "slice"}
        What happens to the parameters not drawn: minimised, or held at their
        fitted values.

    Examples
    --------
    >>> import numpy as np
    >>> from skgd import GradientDescentRegressor
    >>> from skgd._plotting._cost_slice import CostOverTwoParameters
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 2.0], [3.0, 1.0]])
    >>> y = 1 + X @ [2.0, 0.5]
    >>> reg = GradientDescentRegressor(max_iter=3).fit(X, y)
    >>> cost = CostOverTwoParameters(reg, X, y, None, (0, 1), None, "profile")
    >>> reg.coef_.round(3)  # three steps from zero
    array([1.825, 0.92 ])
    >>> cost.minimum().round(6)  # the least-squares coef_, with the intercept at best
    array([2. , 0.5])
    """

    def __init__(self, estimator, X, y, sample_weight, params, target, contours):
        if contours not in CONTOURS:
            raise ValueError(f"contours must be one of {CONTOURS}, got {contours!r}.")
        self.estimator = estimator
        self.contours = contours
        # Predicted before the check below, which drops a DataFrame's names.
        prediction = np.asarray(estimator.predict(X), dtype=np.float64)
        X = check_array(X, accept_sparse=["csr", "csc"], dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        coef = np.asarray(estimator.coef_)
        if X.shape[1] != coef.shape[-1]:
            raise ValueError(
                f"X has {X.shape[1]} features, but the estimator was fitted on "
                f"{coef.shape[-1]}; pass the data it was fitted on."
            )
        if y.shape[0] != X.shape[0]:
            raise ValueError(
                f"X and y have different numbers of samples: {X.shape[0]} and "
                f"{y.shape[0]}."
            )
        self.target = check_target(target, coef)
        weights = (
            np.ones(X.shape[0])
            if sample_weight is None
            else np.asarray(sample_weight, dtype=np.float64)
        )
        if weights.shape != (X.shape[0],):
            raise ValueError(
                f"sample_weight must have shape ({X.shape[0]},), got {weights.shape}."
            )
        self.fit_intercept = bool(getattr(estimator, "fit_intercept", True))
        all_params = (["intercept"] if self.fit_intercept else []) + list(
            range(coef.shape[-1])
        )
        if params is None:
            params = all_params[:2]
            if len(params) < 2:
                raise ValueError(
                    "The estimator has a single parameter: there is no pair to draw."
                )
        self.params = [self._param_index(p) for p in check_params_pair(params)]
        self.hidden = [p for p in all_params if p not in self.params]

        if y.shape != prediction.shape:
            raise ValueError(
                f"y has shape {y.shape}, but the estimator predicts shape "
                f"{prediction.shape}: pass the targets it was fitted on."
            )
        residual = (prediction - y).reshape(X.shape[0], -1)
        t = 0 if self.target is None else self.target
        others = np.delete(residual, t, axis=1)
        V = np.column_stack([residual[:, t]] + [_column(X, p) for p in self.params])
        root = np.sqrt(weights)[:, np.newaxis]
        if contours == "slice" or not self.hidden:
            self.gram = (V * weights[:, np.newaxis]).T @ V
            # Other targets add their fitted cost, a constant.
            self.constant = float(weights @ (others**2).sum(axis=1))
        else:
            # The hidden parameters at their best: least squares on their columns,
            # whose residuals are the parts of r, u_a, u_b they cannot explain.
            hidden = _dense_columns(X, self.hidden, "the hidden parameters")
            projected = _residual_of_least_squares(root * hidden, root * V)
            self.gram = projected.T @ projected
            # Other targets at their best: their least-squares cost, a constant.
            everything = _dense_columns(X, all_params, "all parameters")
            self.constant = float(
                np.sum(
                    _residual_of_least_squares(root * everything, root * others) ** 2
                )
            )
        self.denominator = 2.0 * weights.sum()
        self.center = np.array([self._fitted_value(p) for p in self.params])

    def _param_index(self, param):
        # "intercept", or the index of a feature in coef_.
        estimator = self.estimator
        n_features = np.shape(estimator.coef_)[-1]
        if isinstance(param, str) and param == "intercept":
            if not self.fit_intercept:
                raise ValueError(
                    "params names 'intercept', but the estimator was fitted with "
                    "fit_intercept=False: choose two features."
                )
            return "intercept"
        if isinstance(param, str):
            names = list(getattr(estimator, "feature_names_in_", []))
            if param not in names:
                raise ValueError(
                    f"params names {param!r}, which is neither 'intercept' nor one "
                    f"of the estimator's feature names {names}."
                )
            return names.index(param)
        if isinstance(param, Integral) and 0 <= param < n_features:
            return int(param)
        raise ValueError(
            f"params must hold 'intercept', feature names or feature indices in "
            f"[0, {n_features}), got {param!r}."
        )

    def _select(self, array):
        array = np.asarray(array, dtype=np.float64)
        return array if self.target is None else array[..., self.target]

    def _fitted_value(self, param):
        if param == "intercept":
            return float(self._select(self.estimator.intercept_))
        coef = np.asarray(self.estimator.coef_, dtype=np.float64)
        return float(coef[param] if self.target is None else coef[self.target, param])

    def path(self):
        """The two parameters at each recorded step, shape (n_points, 2)."""
        columns = []
        for param in self.params:
            if param == "intercept":
                values = self._select(self.estimator.intercept_path_)
            else:
                coef_path = np.asarray(self.estimator.coef_path_, dtype=np.float64)
                values = (
                    coef_path[:, param]
                    if self.target is None
                    else coef_path[:, self.target, param]
                )
            columns.append(np.asarray(values, dtype=np.float64).reshape(-1))
        return np.column_stack(columns)

    def cost(self, xx0, xx1):
        """The cost at each grid point."""
        d0, d1 = xx0 - self.center[0], xx1 - self.center[1]
        G = self.gram
        quadratic = (
            G[0, 0]
            + self.constant
            + 2 * (G[0, 1] * d0 + G[0, 2] * d1)
            + G[1, 1] * d0**2
            + 2 * G[1, 2] * d0 * d1
            + G[2, 2] * d1**2
        )
        # Rounding can take an exact zero a hair below it.
        return np.maximum(quadratic, 0.0) / self.denominator

    def minimum(self):
        """Where the drawn cost is lowest, or the fitted point if it has no unique
        lowest point."""
        hessian, linear = self.gram[1:, 1:], self.gram[1:, 0]
        try:
            step = np.linalg.solve(hessian, -linear)
        except np.linalg.LinAlgError:
            return self.center
        return self.center + step if np.all(np.isfinite(step)) else self.center

    def names(self):
        """Axis labels naming the fitted attributes."""
        feature_names = getattr(self.estimator, "feature_names_in_", None)
        prefix = "" if self.target is None else f"{self.target}, "
        labels = []
        for param in self.params:
            if param == "intercept":
                label = (
                    "intercept_"
                    if self.target is None
                    else f"intercept_[{self.target}]"
                )
            else:
                label = f"coef_[{prefix}{param}]"
                if feature_names is not None:
                    label += f" ({feature_names[param]})"
            labels.append(label)
        return tuple(labels)

    def description(self):
        """What the contours are, in a few words, for the figure."""
        n_hidden = len(self.hidden)
        if n_hidden == 0:
            return "contours of the cost J"
        others = "the other parameter" if n_hidden == 1 else f"{n_hidden} others"
        if self.contours == "profile":
            return f"contours of J, minimised over {others}"
        return f"contours of J, {others} at fitted values"


def _column(X, param):
    if param == "intercept":
        return np.ones(X.shape[0])
    column = X[:, [param]]
    return column.toarray().ravel() if sp.issparse(column) else column.ravel()


def _dense_columns(X, params, what):
    """The columns that ``params`` multiply, as one dense (n_samples, k) array."""
    if X.shape[0] * len(params) > _MAX_DENSE_HIDDEN:
        raise ValueError(
            f"contours='profile' reads the columns of {what} as a dense array of "
            f"{X.shape[0]} x {len(params)} values, more than this display allows "
            f"({_MAX_DENSE_HIDDEN}); pass contours='slice' for this data."
        )
    return np.column_stack([_column(X, p) for p in params])


def _residual_of_least_squares(A, B):
    """``B - A Z`` for the least-squares ``Z``: what ``A``'s columns cannot explain.

    Subtracting the fitted part rather than forming a Gram matrix keeps the small
    residual cost free of the cancellation of large terms.
    """
    if B.shape[1] == 0 or A.shape[1] == 0:
        return B
    solution, *_ = np.linalg.lstsq(A, B, rcond=None)
    return B - A @ solution


def check_params_pair(params):
    """``params`` as a tuple of two different parameters."""
    if isinstance(params, str) or np.ndim(params) != 1 or len(params) != 2:
        raise ValueError(f"params must be a pair of parameters, got {params!r}.")
    if params[0] == params[1]:
        raise ValueError(f"params must name two different parameters, got {params!r}.")
    return tuple(params)


def check_target(target, coef):
    """The index of the drawn target, or None for an estimator with one target."""
    if coef.ndim == 1:
        if target is not None:
            raise ValueError(
                f"target={target!r} was given, but the estimator was fitted on a "
                "single target: leave target=None."
            )
        return None
    n_targets = coef.shape[0]
    if not (isinstance(target, Integral) and 0 <= target < n_targets):
        raise ValueError(
            f"The estimator was fitted on {n_targets} targets: pass target=i, with "
            f"0 <= i < {n_targets}, to choose whose parameters to draw; got "
            f"target={target!r}."
        )
    return int(target)
