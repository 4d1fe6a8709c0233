"""The Displays, in scikit-learn's style: a module for each, and the cost slices.

- ``_cost_history``: :class:`CostHistoryDisplay`, the cost (or its gap to the
  minimum) step by step;
- ``_descent_path``: :class:`DescentPathDisplay`, the path of two parameters over
  the contours of the cost;
- ``_cost_slice``: the mathematics of those contours, the cost of a fitted model
  over two of its parameters;
- ``_base``: what they share (the matplotlib check, the fitted estimator).
"""

from skgd._plotting._cost_history import CostHistoryDisplay
from skgd._plotting._descent_path import DescentPathDisplay

__all__ = ["CostHistoryDisplay", "DescentPathDisplay"]
