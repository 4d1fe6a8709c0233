r"""
========================
Simple linear regression
========================

One feature, the hypothesis :math:`h_\theta(x) = \theta_0 + \theta_1 x`, and the
half mean squared error

.. math::

    J(\theta_0, \theta_1) = \frac{1}{2m} \sum_{i=1}^m
    \left(\theta_0 + \theta_1 x_i - y_i\right)^2 .

:class:`skgd.GradientDescentRegressor` starts from :math:`\theta_0 = \theta_1 = 0`
and steps down this bowl. Fitted with ``store_path=True`` it keeps the
parameters along the way in ``intercept_path_`` (:math:`\theta_0`) and
``coef_path_`` (:math:`\theta_1`), and :class:`skgd.DescentPathDisplay` draws
them over the contours of :math:`J`.
"""

# %%
# The data and the fit
# --------------------
# Fifty points around the line :math:`y = 4 + 1.5x`, with :math:`x` between 0
# and 4, left unscaled on purpose.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LinearRegression

from skgd import CostHistoryDisplay, DescentPathDisplay, GradientDescentRegressor

rng = np.random.default_rng(0)
X = rng.uniform(0, 4, size=(50, 1))
y = 4 + 1.5 * X[:, 0] + rng.normal(scale=1.0, size=50)

# store_path=True keeps up to 1001 points: here the start and all 500 steps.
reg = GradientDescentRegressor(max_iter=500, store_path=True).fit(X, y)
exact = LinearRegression().fit(X, y)
for name, model in [("gradient descent", reg), ("least squares", exact)]:
    print(
        f"{name:16s}: theta_0 = {model.intercept_:.4f}, theta_1 = {model.coef_[0]:.4f}"
    )
print(f"alpha = 1/L = {reg.alpha_:.4f}")
first, last = reg.cost_history_[[0, -1]]
print(f"J = {first:.2f} at the start, {last:.4f} at the end")
print(f"J_min = {reg.min_cost_:.4f}, the least-squares cost (min_cost_)")
print(
    f"{len(reg.path_iterations_)} points kept, at steps {reg.path_iterations_[:4]}..."
)

# %%
# The path down the bowl, and the line it fits
# --------------------------------------------
# The contours are tilted ellipses, long and thin: :math:`J` is much steeper
# across the valley than along it, because the slope :math:`\theta_1` multiplies
# :math:`x` (2 on average) and a change of the slope can be partly made up by a
# change of the intercept. The first step goes almost straight across the
# valley, mostly raising the slope; the rest of the descent walks along its
# floor, trading slope for intercept. On the right, the line after 1, 10, 50 and
# 500 steps: the first is too steep and too low, the last is the least-squares
# line.
fig, (ax_path, ax_line) = plt.subplots(1, 2, figsize=(8.5, 4), layout="constrained")
DescentPathDisplay.from_estimator(
    reg,
    X,
    y,
    param_names=(r"$\theta_0$ (intercept)", r"$\theta_1$ (slope)"),
    ax=ax_path,
    path_kwargs={"markersize": 2},
)
ax_path.set_title("The descent path, down to\nthe least-squares minimum (star)")

ax_line.scatter(X[:, 0], y, s=15, color="0.5", label="data")
x_line = np.array([0.0, 4.0])
colors = ["#fdae61", "#f46d43", "#d73027", "#313695"]
for step, color in zip([1, 10, 50, reg.n_iter_], colors, strict=True):
    i = int(np.searchsorted(reg.path_iterations_, step))
    b, w = reg.intercept_path_[i], reg.coef_path_[i, 0]
    n_steps = reg.path_iterations_[i]
    label = f"after {n_steps} step{'s' if n_steps != 1 else ''}"
    ax_line.plot(x_line, b + w * x_line, color=color, label=label)
ax_line.set(xlabel="x", ylabel="y", title="The fitted line along the way")
ax_line.legend(loc="upper left", fontsize="small")
plt.show()

# %%
# The cost after each step
# ------------------------
# What is left to gain, :math:`J - J_{min}`, on a logarithmic axis
# (``kind="gap"``). :math:`J_{min}`, the least-squares cost, is the fit's
# ``min_cost_``, which the display reads. Most of the cost goes in the first
# step, across the valley; the rest falls by a constant factor per step, a
# straight line, as the descent walks along the valley floor. How slowly depends
# on how elongated the ellipses are, which is the subject of
# :ref:`sphx_glr_auto_examples_plot_05_feature_scaling.py`.
fig, ax = plt.subplots(figsize=(6, 3.6), layout="constrained")
CostHistoryDisplay.from_estimator(reg, kind="gap", ax=ax)
ax.set_title("What is left to gain after each step")
plt.show()
