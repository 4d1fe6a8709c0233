"""skgd: linear regression by batch gradient descent, as a scikit-learn estimator."""

from skgd._exceptions import DivergenceError
from skgd._gradient_descent import gradient_descent
from skgd._plotting import CostHistoryDisplay, DescentPathDisplay
from skgd._regressor import GradientDescentRegressor
from skgd._result import GradientDescentResult, Status
from skgd._statistics import SufficientStatistics
from skgd._version import __version__

__all__ = [
    "CostHistoryDisplay",
    "DescentPathDisplay",
    "DivergenceError",
    "GradientDescentRegressor",
    "GradientDescentResult",
    "Status",
    "SufficientStatistics",
    "__version__",
    "gradient_descent",
]
