"""scikit-learn's own estimator checks, with no expected failures."""

from sklearn.utils.estimator_checks import (
    check_param_validation,
    parametrize_with_checks,
)

from skgd import GradientDescentRegressor

# The default, and configurations that take the other code paths: early stopping
# with tol, no intercept, and few steps. A fixed float alpha is left out: the
# checks fit data of very different scales, and any fixed learning rate is above
# 2/L for some of them, which is divergence by design (tested elsewhere).
ESTIMATORS = [
    GradientDescentRegressor(),
    GradientDescentRegressor(tol=1e-6, max_iter=5000),
    GradientDescentRegressor(fit_intercept=False, max_iter=200),
    GradientDescentRegressor(max_iter=100),
]


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=lambda estimator: {})
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def test_param_validation():
    # check_estimator leaves this one out; scikit-learn runs it separately too.
    check_param_validation("GradientDescentRegressor", GradientDescentRegressor())
