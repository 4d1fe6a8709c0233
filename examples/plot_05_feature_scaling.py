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

# sphinx_gallery_thumbnail_number = 2

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
# 1000 steps with ``alpha='auto'`` each, and what is left to gain, :math:`J -
# J_{min}`, on a logarithmic axis (``kind="gap"``, with each fit's ``min_cost_``
# as :math:`J_{min}`). The steps are on a logarithmic axis too (linear from 0 to
# 1), so that the first dozen, where the standardized run does all its work, get
# as much room as the last thousand.
#
# The minimum is the same for both, up to rounding: scaling the features changes
# the parameters, not the predictions the model can make. On the standardized
# features the gap falls by a factor of ten or more per step and reaches the
# rounding error of the cost in about fifteen steps; from there on the computed
# gap is rounding noise, zero or about ten times the spacing of floating point
# numbers near :math:`J_{min}` (dotted), which the logarithmic axis shows as a
# few specks, then not at all. On the raw features the first step settles the
# steepest direction (the size, whose values are in the thousands) and then the
# descent all but stops: with :math:`\kappa` in the tens of millions, 1000 steps
# remove a fraction of a percent of what is left.
raw = GradientDescentRegressor(max_iter=1000, store_path=True).fit(X, price)
scaled = make_pipeline(
    StandardScaler(), GradientDescentRegressor(max_iter=1000, store_path=True)
).fit(X, price)
print(f"min_cost_: raw {raw.min_cost_:.10g}, standardized {scaled[-1].min_cost_:.10g}")

fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
for name, reg in [("raw features", raw), ("standardized features", scaled[-1])]:
    CostHistoryDisplay.from_estimator(reg, kind="gap", name=name, ax=ax)
    gap = reg.cost_history_ - reg.min_cost_
    print(f"{name:21s} J - J_min after 1, 10, 1000 steps:", end=" ")
    print(", ".join(f"{g:.3g}" for g in gap[[1, 10, 1000]]))
rounding = np.spacing(scaled[-1].min_cost_)
ax.axhline(rounding, color="0.4", linestyle=":", linewidth=1)
gap = scaled[-1].cost_history_ - scaled[-1].min_cost_
# The last step before the computed gap first reaches zero.
last = int(np.flatnonzero(gap <= 0)[0]) - 1
ax.annotate(
    f"at the minimum to rounding\nerror after {last} steps",
    xy=(last, gap[last]),
    xytext=(40, 1e-9),
    arrowprops={"arrowstyle": "-|>", "color": "0.3"},
)
ax.text(
    600,
    rounding * 3,
    r"spacing of floats at $J_{\min}$",
    ha="right",
    va="bottom",
    color="0.3",
)
ax.set_xscale("symlog", linthresh=1, linscale=0.5)
ax.set_xticks([0, 1, 10, 100, 1000], labels=["0", "1", "10", "100", "1000"])
ax.set_xlim(0, 1000)
ax.set_title("What is left to gain after each step")
plt.show()

# %%
# The shape of the bowl
# ---------------------
# The cost over the intercept and the coefficient of the size, the other two
# coefficients at their best for each point: each contour is the lowest cost any
# model with that intercept and that coefficient of the size can reach, and the
# star is the least-squares solution.
#
# Raw, the descent has moved the coefficient of the size (to 0.14; least squares
# says 0.105) and nothing else: after 1000 steps the intercept is still 0.002,
# where least squares puts it at 39. The learning rate must suit the steepest
# direction, the size, whose values are in the thousands; along the intercept
# the same rate makes steps millions of times too small. The contours show why:
# over these two parameters the bowl is a long, narrow canyon. The first steps
# went straight up its steep side, to where the size's coefficient alone makes up
# for the missing intercept; the floor runs on to the star, 39 to the right,
# but so gently that the descent has not set off along it.
#
# Standardized, the bowl is round (drawn here with equal scales on both axes),
# and the path runs straight to the centre: after the first step it is nearly
# there.
exact = LinearRegression().fit(X, price)
for name, model in [("raw", raw), ("least squares", exact)]:
    print(f"{name:13s}: intercept_ = {model.intercept_:8.4f}, coef_ =", end=" ")
    print(model.coef_.round(4))

fig, (ax_raw, ax_scaled) = plt.subplots(1, 2, figsize=(8.5, 4.4), layout="constrained")
DescentPathDisplay.from_estimator(
    raw,
    X,
    price,
    params=("intercept", 0),
    param_names=("intercept_", "coef_[0] (size, per sq. ft)"),
    ax=ax_raw,
)
ax_raw.set_title("Raw features: 1000 steps")
DescentPathDisplay.from_estimator(
    scaled,
    X,
    price,
    params=("intercept", 0),
    param_names=("intercept_", "coef_[0] (size, per std)"),
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
