r"""The half squared error read from its sufficient statistics.

With :math:`e = w - \hat w` (the coefficients less the anchor) and the mean
residual of the model :math:`c = \mu_x e + b - \mu_r`,

.. math::

    J(w, b) = \frac{1}{2W} \left(e^T C_{xx} e - 2 e^T C_{xr} + C_{rr}\right)
              + \frac12 c^2, \qquad
    \nabla_w J = \frac{C_{xx} e - C_{xr}}{W} + \mu_x c, \quad
    \nabla_b J = c,

exactly. :class:`StatisticsCost` is the base of
:class:`~skgd.SufficientStatistics`, whose fields it reads.
"""

import numpy as np


class StatisticsCost:
    """The cost, its gradient and Hessian, and its minimiser, from the fields of
    :class:`~skgd.SufficientStatistics`.

    ``theta`` stacks the coefficients and, with ``fit_intercept``, the
    intercept: shape (n_params,) for one target, (n_params, n_targets) for
    several, as :class:`~skgd.GradientDescentRegressor` packs them.
    ``l2_penalty`` is :math:`\\lambda` of the penalised cost
    :math:`J_\\lambda = J + \\frac{\\lambda}{2} \\lVert w \\rVert^2` (the
    intercept unpenalised), whose value, gradient, Hessian and minimiser the
    methods then give.
    """

    def hessian(self, fit_intercept=True, l2_penalty=0.0):
        """The Hessian of J, ``[X 1]^T S [X 1] / W``, the same for every target.

        Parameters
        ----------
        fit_intercept : bool, default=True
            Whether the model has an intercept (the last row and column).
        l2_penalty : float, default=0.0
            :math:`\\lambda`, added to the diagonal of the coefficients' block.

        Returns
        -------
        hessian : ndarray of shape (n_params, n_params)
            The Hessian.
        """
        n = self.n_features
        mean = self.mean_x
        hessian = np.empty((n + fit_intercept,) * 2)
        hessian[:n, :n] = self.comoment_xx / self.weight_sum + np.outer(mean, mean)
        hessian[range(n), range(n)] += l2_penalty
        if fit_intercept:
            hessian[:n, n] = hessian[n, :n] = mean
            hessian[n, n] = 1.0
        return hessian

    def _split(self, theta, fit_intercept):
        # theta of shape (..., n_params, n_targets) -> e and b of (..., n, k), (..., k)
        n = self.n_features
        error = theta[..., :n, :] - self.anchor
        intercept = theta[..., n, :] if fit_intercept else 0.0
        mean_error = np.einsum("j,...jt->...t", self.mean_x, error)
        return error, mean_error + intercept - self.mean_residual

    def cost(self, theta, fit_intercept=True, l2_penalty=0.0):
        """J at ``theta``, or at each of a stack of parameters.

        Parameters
        ----------
        theta : ndarray of shape (n_params,), (n_params, n_targets) or \
(n_points, n_params, n_targets)
            The parameters.
        fit_intercept : bool, default=True
            Whether ``theta`` ends with the intercept.
        l2_penalty : float, default=0.0
            :math:`\\lambda` of :math:`J_\\lambda`.

        Returns
        -------
        cost : float or ndarray of shape (n_points,)
            The cost, summed over the targets.
        """
        theta = np.asarray(theta, dtype=np.float64)
        stacked = theta.reshape(-1, self.n_features + fit_intercept, self.n_targets)
        error, offset = self._split(stacked, fit_intercept)
        # e^T C e - 2 e^T C_xr + C_rr, per target, then summed over targets.
        moved = np.matmul(self.comoment_xx, error)
        centred = (
            np.einsum("pjt,pjt->p", error, moved - 2 * self.comoment_xr)
            + self.comoment_rr.sum()
        )
        costs = 0.5 * centred / self.weight_sum + 0.5 * np.sum(offset**2, axis=-1)
        if l2_penalty:
            w = stacked[:, : self.n_features]
            costs = costs + 0.5 * l2_penalty * np.einsum("pjt,pjt->p", w, w)
        return costs if theta.ndim == 3 else costs[0]

    def gradient(self, theta, fit_intercept=True, l2_penalty=0.0):
        """The gradient of J at ``theta``.

        Parameters
        ----------
        theta : ndarray of shape (n_params,) or (n_params, n_targets)
            The parameters.
        fit_intercept : bool, default=True
            Whether ``theta`` ends with the intercept.
        l2_penalty : float, default=0.0
            :math:`\\lambda` of :math:`J_\\lambda`.

        Returns
        -------
        gradient : ndarray of the shape of ``theta``
            The gradient, in float64.
        """
        theta = np.asarray(theta, dtype=np.float64)
        columns = theta.reshape(self.n_features + fit_intercept, self.n_targets)
        error, offset = self._split(columns, fit_intercept)
        gradient = np.empty_like(columns)
        gradient[: self.n_features] = (
            self.comoment_xx @ error - self.comoment_xr
        ) / self.weight_sum + np.outer(self.mean_x, offset)
        gradient[: self.n_features] += l2_penalty * columns[: self.n_features]
        if fit_intercept:
            gradient[self.n_features] = offset
        return gradient.reshape(theta.shape)

    def least_squares(self, fit_intercept=True, spectrum=None, l2_penalty=0.0):
        """A minimiser of J: the least-squares parameters of smallest norm.

        The one of smallest :math:`\\lVert (w, b) \\rVert` among the
        minimisers, which gradient descent from zero reaches; with a penalty,
        the one minimiser of :math:`J_\\lambda`, the ridge solution.

        Parameters
        ----------
        fit_intercept : bool, default=True
            Whether the model has an intercept.
        spectrum : tuple of ndarray, default=None
            The eigenvalues and vectors of :meth:`hessian`, if already known.
        l2_penalty : float, default=0.0
            :math:`\\lambda` of :math:`J_\\lambda` (``spectrum`` must then be
            that of its Hessian).

        Returns
        -------
        theta : ndarray of shape (n_params, n_targets)
            The minimiser.
        """
        if spectrum is None:
            spectrum = np.linalg.eigh(self.hessian(fit_intercept, l2_penalty))
        eigenvalues, basis = spectrum
        zero = np.zeros((len(eigenvalues), self.n_targets))
        gradient = self.gradient(zero, fit_intercept)  # -c, as H theta - c
        largest = eigenvalues[-1] if len(eigenvalues) else 0.0
        cutoff = largest * len(eigenvalues) * np.finfo(np.float64).eps
        inverse = np.divide(
            1.0, eigenvalues, out=np.zeros_like(eigenvalues), where=eigenvalues > cutoff
        )
        return -basis @ (inverse[:, np.newaxis] * (basis.T @ gradient))

    def min_cost(self, fit_intercept=True, spectrum=None, l2_penalty=0.0):
        """The minimum of J over all parameters: J at :meth:`least_squares`.

        Parameters
        ----------
        fit_intercept : bool, default=True
            Whether the model has an intercept.
        spectrum : tuple of ndarray, default=None
            The eigenvalues and vectors of :meth:`hessian`, if already known.
        l2_penalty : float, default=0.0
            :math:`\\lambda` of :math:`J_\\lambda` (``spectrum`` must then be
            that of its Hessian).

        Returns
        -------
        min_cost : float
            The least-squares cost.
        """
        minimiser = self.least_squares(fit_intercept, spectrum, l2_penalty)
        return float(self.cost(minimiser, fit_intercept, l2_penalty))

    def cancellation(self, theta, fit_intercept=True):
        """How many times larger the terms of J at ``theta`` are than J itself.

        The relative rounding error of :meth:`cost` there is about this times
        the precision of float64: far above 1 at the minimum of a near-exact
        fit, unless the anchor is near it.

        Parameters
        ----------
        theta : ndarray of shape (n_params,) or (n_params, n_targets)
            The parameters.
        fit_intercept : bool, default=True
            Whether ``theta`` ends with the intercept.

        Returns
        -------
        ratio : float
            The ratio, >= 1; infinite where J is zero but its terms are not.
        """
        columns = np.asarray(theta, float).reshape(-1, self.n_targets)
        error, offset = self._split(columns, fit_intercept)
        moved = self.comoment_xx @ error
        terms = (
            np.abs(np.einsum("jt,jt->", error, moved))
            + 2 * np.abs(np.einsum("jt,jt->", error, self.comoment_xr))
            + self.comoment_rr.sum()
        ) / self.weight_sum + np.sum(
            (np.abs(self.mean_x) @ np.abs(error) + np.abs(self.mean_residual)) ** 2
        )
        cost = 2 * float(self.cost(theta, fit_intercept))
        if terms == 0:
            return 1.0
        return terms / cost if cost > 0 else np.inf


def as_columns(y):
    """``y`` as a 2-D array, a column per target."""
    y = np.asarray(y)
    return y if y.ndim == 2 else y.reshape(len(y), 1)
