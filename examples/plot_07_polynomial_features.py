r"""
====================================
Polynomial features and conditioning
====================================

A linear model fits a curve when its features are the powers
:math:`x, x^2, \dots, x^d` of one variable
(:class:`~sklearn.preprocessing.PolynomialFeatures`). The model stays linear in
its parameters, and the cost is still the half mean squared error, with the
Hessian :math:`H = \frac1m [X\ 1]^\top [X\ 1]`. But the columns of this
:math:`X` are about the worst gradient descent can be given:

- their sizes grow like the powers: for :math:`x` up to 4, :math:`x^5` reaches
  1024, so the largest curvature :math:`L` grows with the degree and the stable
  bound :math:`2/L` on the learning rate shrinks;
- they are strongly correlated (on :math:`[0, 4]`, :math:`x^4` and :math:`x^5`
  rise together), so some directions of the bowl are nearly flat, the smallest
  curvature :math:`\mu` is tiny, and the condition number :math:`\kappa = L/\mu`
  explodes.

Gradient descent needs about :math:`\kappa` steps (see
:ref:`sphx_glr_auto_examples_plot_05_feature_scaling.py`), so on polynomial
features scaling matters more than anywhere else.
"""

# %%
# The data
# --------
# Sixty points of a smooth curve on :math:`[0, 4]`, with noise.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler

from skgd import CostHistoryDisplay, GradientDescentRegressor

rng = np.random.default_rng(0)
x = rng.uniform(0, 4, 60)
y = 2 + np.sin(1.6 * x) + 0.3 * x + rng.normal(scale=0.15, size=60)
X = x[:, np.newaxis]


def curvatures(features):
    """L and kappa of the Hessian (1/m) [X 1]^T [X 1] of the half MSE."""
    design = np.column_stack([features, np.ones(len(features))])
    eigenvalues = np.linalg.eigvalsh(design.T @ design / len(features))
    return eigenvalues[-1], eigenvalues[-1] / eigenvalues[0]


# Three ways to prepare the powers of x for the descent.
preparations = {
    "raw powers": lambda d: make_pipeline(PolynomialFeatures(d, include_bias=False)),
    "powers, standardized": lambda d: make_pipeline(
        PolynomialFeatures(d, include_bias=False), StandardScaler()
    ),
    "x centred, then powers, standardized": lambda d: make_pipeline(
        StandardScaler(), PolynomialFeatures(d, include_bias=False), StandardScaler()
    ),
}

# %%
# The stable bound and the condition number, degree by degree
# ------------------------------------------------------------
# For each degree, :math:`2/L` and :math:`\kappa` of the features as they reach
# the descent. Raw, every degree divides the stable bound by ten or more and
# multiplies :math:`\kappa` by forty to ninety: at degree 6 the
# learning rate must stay below :math:`1.5 \cdot 10^{-6}`, and :math:`\kappa` is
# :math:`3 \cdot 10^{10}`.
#
# Standardizing the powers (the usual
# ``make_pipeline(PolynomialFeatures(d), StandardScaler(), ...)``) puts every
# column at variance 1, so :math:`L \le d + 1` and the stable bound shrinks only
# slowly, to 0.35 at degree 6. It does not decorrelate them: :math:`\kappa` still grows
# by orders of magnitude with the degree. Centring :math:`x` *before* taking the
# powers removes most of the correlation (on :math:`[-1.7, 1.7]`, :math:`x^2`
# and :math:`x^3` no longer rise together), and :math:`\kappa` stays below a few
# thousand.
degrees = np.arange(1, 7)
table = {
    name: np.array([curvatures(make(d).fit_transform(X)) for d in degrees])
    for name, make in preparations.items()
}
print("degree " + "".join(f"{d:>10d}" for d in degrees))
for name, values in table.items():
    print(f"{name}:")
    print("  2/L  " + "".join(f"{2 / L:10.3g}" for L, _ in values))
    print("  kappa" + "".join(f"{kappa:10.3g}" for _, kappa in values))

fig, (ax_bound, ax_kappa) = plt.subplots(1, 2, figsize=(8.5, 3.9), layout="constrained")
for (name, values), marker in zip(table.items(), "osD", strict=True):
    ax_bound.plot(degrees, 2 / values[:, 0], marker=marker, label=name)
    ax_kappa.plot(degrees, values[:, 1], marker=marker, label=name)
ax_bound.set(
    yscale="log",
    xlabel="degree d",
    ylabel="2/L",
    title="Largest stable learning rate",
)
ax_kappa.set(
    yscale="log",
    xlabel="degree d",
    ylabel=r"$\kappa = L / \mu$",
    title="Condition number",
)
handles, labels = ax_bound.get_legend_handles_labels()
fig.legend(handles, labels, loc="outside lower center", ncols=3, fontsize="small")
plt.show()

# %%
# The same descent, degree 3
# --------------------------
# 1000 steps with ``alpha='auto'`` (:math:`1/L`) on each preparation of the
# cubic features, and what is left to gain, :math:`J - J_{min}`, with each fit's
# ``min_cost_``, the least-squares cost, as :math:`J_{min}` (the three
# preparations describe the same cubic curves, so they share it, up to
# rounding). Raw, ``'auto'`` must take a learning rate of 0.0015 and the gap has
# not fallen by a factor of ten; standardized, it falls fast at first and then
# crawls along the flat directions (:math:`\kappa \approx 2300`); centred first
# (:math:`\kappa \approx 25`), it reaches the minimum to rounding error in about
# 400 steps, where the curve stops (the speck near step 800 is rounding noise).
degree = 3
models = {}
fig, ax = plt.subplots(figsize=(6.5, 3.8), layout="constrained")
for name, make in preparations.items():
    model = make_pipeline(make(degree), GradientDescentRegressor(max_iter=1000))
    models[name] = model.fit(X, y)
    CostHistoryDisplay.from_estimator(model, kind="gap", name=name, ax=ax)
    gap = model[-1].cost_history_[[10, 100, 1000]] - model[-1].min_cost_
    print(f"{name}: alpha_ = {model[-1].alpha_:.4f}")
    print("  J - J_min after 10, 100, 1000 steps:", ", ".join(f"{g:.2g}" for g in gap))
ax.set_title(f"What is left to gain, degree {degree}")
ax.legend(fontsize="small")
plt.show()

# %%
# The curves after 1000 steps
# ---------------------------
# The gaps above, seen as curves. After 1000 steps the raw descent has not found
# the shape of the data; the standardized one has its general trend but not yet
# its bends, which lie along the flat directions of the bowl; the centred one is
# on the least-squares cubic, that of
# :class:`~sklearn.linear_model.LinearRegression` (dashed).
cubic = PolynomialFeatures(degree, include_bias=False).fit_transform(X)
exact = LinearRegression().fit(cubic, y)
grid = np.linspace(0, 4, 200)[:, np.newaxis]
fig, ax = plt.subplots(figsize=(6.5, 4.2), layout="constrained")
ax.scatter(x, y, s=12, color="0.5", label="data")
for name, model in models.items():
    ax.plot(grid[:, 0], model.predict(grid), label=name)
ax.plot(
    grid[:, 0],
    exact.predict(PolynomialFeatures(degree, include_bias=False).fit_transform(grid)),
    color="black",
    linestyle="--",
    label="least squares",
)
ax.set(xlabel="x", ylabel="y", title=f"Degree {degree}, after 1000 steps")
fig.legend(loc="outside lower center", ncols=3, fontsize="small")
plt.show()

# %%
# In practice: with polynomial features, standardize the variable before
# expanding it and the powers after, both inside the pipeline,
# ``make_pipeline(StandardScaler(), PolynomialFeatures(d), StandardScaler(),
# GradientDescentRegressor())``, and keep the degree low; a solver that does not
# depend on :math:`\kappa`, such as :class:`~sklearn.linear_model.LinearRegression`,
# is the better tool for a high degree.
