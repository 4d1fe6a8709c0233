"""scikit-learn's own estimator checks, with no expected failures."""

import numpy as np
from sklearn.utils.estimator_checks import (
    check_param_validation,
    parametrize_with_checks,
)

from skgd import GradientDescentRegressor

# The default, and configurations that take the other code paths: early stopping
# with tol, no intercept, few steps, warm starts (check_supervised_y_2d refits a
# 1-D fit on a 2-D single-column y), and each solver. A fixed float alpha is
# left out: the checks fit data of very different scales, and any fixed
# learning rate is above 2/L for some of them, which is divergence by design
# (tested elsewhere).
ESTIMATORS = [
    GradientDescentRegressor(),
    GradientDescentRegressor(tol=1e-6, max_iter=20_000),
    GradientDescentRegressor(fit_intercept=False, max_iter=200),
    GradientDescentRegressor(max_iter=100),
    GradientDescentRegressor(warm_start=True),
    GradientDescentRegressor(solver="literal", max_iter=300),
    GradientDescentRegressor(solver="dual", max_iter=300),
    GradientDescentRegressor(early_stopping=True, random_state=0, tol=1e-4),
    GradientDescentRegressor(l2_penalty=1.0),
]


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=lambda estimator: {})
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def test_param_validation():
    # check_estimator leaves this one out; scikit-learn runs it separately too.
    check_param_validation("GradientDescentRegressor", GradientDescentRegressor())


def test_a_warm_start_reshapes_a_coef_of_the_same_size():
    # fit(X, y) then fit(X, y[:, None]) was refused, as ElasticNet accepts it.
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 3))
    y = X @ [1.0, 2.0, 3.0] + 1.0
    reg = GradientDescentRegressor(warm_start=True, max_iter=10).fit(X, y)
    coef, intercept = reg.coef_.copy(), reg.intercept_
    reg.fit(X, y[:, None])
    assert reg.coef_.shape == (1, 3) and reg.intercept_.shape == (1,)
    # It continued from the 1-D fit: its first cost is that fit's last.
    residual = X @ coef + intercept - y
    np.testing.assert_allclose(reg.cost_history_[0], 0.5 * np.mean(residual**2))
    reg.fit(X, y)
    assert reg.coef_.shape == (3,)
