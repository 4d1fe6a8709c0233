r"""
===============
Feature scaling
===============

Gradient descent is only as fast as the bowl of :math:`J` is round. Its speed is
set by the *condition number* of the Hessian :math:`H` of the cost, the ratio
:math:`\kappa = L / \mu` of its largest to its smallest eigenvalue: with
:math:`\alpha = 1/L`, the error along the flattest direction shrinks by the
factor :math:`1 - \mu/L = 1 - 1/\kappa` per step, so it takes about
:math:`\kappa` steps to shrink it by :math:`e`.

For the half mean squared error, :math:`H = \frac1m [X\ 1]^\top [X\ 1]`, so
:math:`\kappa` comes from the features alone: features of very different sizes,
or far from zero, make it huge. Standardizing them (:math:`x \to (x - \bar x) /
s`) brings it near 1.
"""

# %%
# Houses: sizes in square feet, bedrooms, and ages in years
# ---------------------------------------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skgd import CostHistoryDisplay, DescentPathDisplay, GradientDescentRegressor

rng = np.random.default_rng(0)
n_houses = 100
size = rng.normal(1500, 400, n_houses)
bedrooms = rng.integers(1, 6, n_houses).astype(float)
age = rng.uniform(0, 40, n_houses)
X = np.column_stack([size, bedrooms, age])
price = 50 + 0.1 * size + 10 * bedrooms - 0.5 * age + rng.normal(0, 15, n_houses)


def condition_number(X):
    """kappa = L / mu of the Hessian (1/m) [X 1]^T [X 1] of the half MSE."""
    design = np.column_stack([X, np.ones(len(X))])
    eigenvalues = np.linalg.eigvalsh(design.T @ design / len(X))
    return eigenvalues[-1] / eigenvalues[0]


X_scaled = StandardScaler().fit_transform(X)
print(f"condition number, raw features:          {condition_number(X):12.4g}")
print(f"condition number, standardized features: {condition_number(X_scaled):12.4g}")

# %%
# The same descent on both
# ------------------------
# 1000 steps with ``alpha='auto'`` each. What is left to gain, :math:`J -
# J_{min}`, shows the difference: on the raw features the first steps settle
# the steepest direction (the size, whose values are in the thousands) and then
# the descent all but stops, with :math:`\kappa` in the tens of millions; on the
# standardized features it reaches the minimum in a dozen steps, down to the
# rounding error of the cost (about :math:`10^{-13}`).
# (The costs of the two are equal at the minimum: scaling the features changes
# the parameters, not the predictions the model can make.)
raw = GradientDescentRegressor(max_iter=1000, store_path=True).fit(X, price)
scaled = make_pipeline(
    StandardScaler(), GradientDescentRegressor(max_iter=1000, store_path=True)
).fit(X, price)
best_cost = np.mean((LinearRegression().fit(X, price).predict(X) - price) ** 2) / 2

fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
for name, reg in [("raw features", raw), ("standardized features", scaled[-1])]:
    CostHistoryDisplay(cost_history=reg.cost_history_ - best_cost, name=name).plot(
        ax=ax, log_scale=True
    )
    print(f"{name:22s} J - J_min after 1, 10, 1000 steps:", end=" ")
    print(np.array2string(reg.cost_history_[[1, 10, 1000]] - best_cost, precision=3))
ax.set_ylabel(r"$J - J_{min}$")
ax.set_title("What is left to gain after each step (log scale)")
plt.show()

# %%
# The shape of the bowl
# ---------------------
# The cost over the intercept and the coefficient of the size, the other two
# coefficients held at their final values.
#
# Raw, the descent has moved the coefficient of the size (to 0.14; least squares
# says 0.105) and nothing else: after 1000 steps the intercept is still 0.002,
# where least squares puts it at 39. The learning rate must suit the steepest
# direction, the size, whose values are in the thousands; along the intercept
# the same rate makes steps millions of times too small. The contours show why:
# over these two parameters the bowl is a long, narrow canyon, whose floor runs
# towards an intercept far off to the right.
#
# Standardized, the bowl is round (drawn here with equal scales on both axes),
# and the path runs straight to the centre: after the first step it is nearly
# there.
exact = LinearRegression().fit(X, price)
for name, model in [("raw", raw), ("least squares", exact)]:
    print(f"{name:13s}: intercept_ = {model.intercept_:8.4f}, coef_ =", end=" ")
    print(model.coef_.round(4))

fig, (ax_raw, ax_scaled) = plt.subplots(1, 2, figsize=(11, 5), layout="constrained")
DescentPathDisplay.from_estimator(
    raw,
    X,
    price,
    params=("intercept", 0),
    param_names=("intercept_", "coef_[0] (size, per square foot)"),
    ax=ax_raw,
)
ax_raw.set_title("Raw features: 1000 steps")
DescentPathDisplay.from_estimator(
    scaled,
    X,
    price,
    params=("intercept", 0),
    param_names=("intercept_", "coef_[0] (size, per standard deviation)"),
    extent=(-30, 260, -125, 165),
    ax=ax_scaled,
)
ax_scaled.set_aspect("equal")
ax_scaled.set_title("Standardized features: 1000 steps")
plt.show()

# %%
# In practice: put a :class:`~sklearn.preprocessing.StandardScaler` in front of
# :class:`~skgd.GradientDescentRegressor` in a pipeline, as above, so the scaling
# learnt on the training data is applied to new data too.
