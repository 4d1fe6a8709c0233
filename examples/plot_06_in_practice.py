r"""
========================================================
In practice: pipelines, grid search and cross-validation
========================================================

:class:`skgd.GradientDescentRegressor` is an ordinary scikit-learn estimator, so
the usual workflow applies unchanged: scale the features in a
:class:`~sklearn.pipeline.Pipeline`, choose the learning rate with
:class:`~sklearn.model_selection.GridSearchCV`, estimate how well the model
generalises with :func:`~sklearn.model_selection.cross_validate`, and compare it
with the exact least-squares solution of
:class:`~sklearn.linear_model.LinearRegression`.
"""

# %%
# The data and the pipeline
# -------------------------
# The diabetes data shipped with scikit-learn: 442 patients, 10 features, and a
# measure of disease progression one year later.
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.exceptions import FitFailedWarning
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import GridSearchCV, KFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skgd import GradientDescentRegressor

X, y = load_diabetes(return_X_y=True)
model = make_pipeline(StandardScaler(), GradientDescentRegressor(max_iter=300))
cv = KFold(n_splits=5, shuffle=True, random_state=0)

# %%
# Choosing the learning rate
# --------------------------
# The grid spans four orders of magnitude, ``'auto'`` included. The largest two
# values are above the stable bound :math:`2/L \approx 0.5` of these data: their
# fits raise :class:`skgd.DivergenceError`, which ``GridSearchCV`` records as a
# failed fit (``error_score=np.nan``) and reports in one ``FitFailedWarning``,
# caught here and summarised.
alphas = [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 0.45, 1.0, 3.0]
search = GridSearchCV(
    model,
    {"gradientdescentregressor__alpha": alphas + ["auto"]},
    cv=cv,
    scoring="r2",
    error_score=np.nan,
)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always", FitFailedWarning)
    search.fit(X, y)
print(f"FitFailedWarning raised: {any(w.category is FitFailedWarning for w in caught)}")

results = search.cv_results_
mean, std = results["mean_test_score"], results["std_test_score"]
n_failed = np.isnan(
    [results[f"split{i}_test_score"] for i in range(cv.get_n_splits())]
).sum(axis=0)
for params, score, failures in zip(results["params"], mean, n_failed, strict=True):
    alpha = params["gradientdescentregressor__alpha"]
    note = f"  ({failures} of 5 fits diverged)" if failures else ""
    print(f"alpha={alpha!s:>6}: mean R^2 = {score:.4f}{note}")
print("best:", search.best_params_, f"R^2 = {search.best_score_:.4f}")

# %%
# The score against the learning rate
# -----------------------------------
# With 300 steps, a learning rate that is too small stops far from the least
# squares solution and scores poorly; from about 0.03 up to the bound the score
# is flat; above the bound the fit fails (red crosses, drawn at the bottom). The
# ``'auto'`` learning rate :math:`1/L` is the star, drawn at the value it chose
# on the whole data. On the flat part the mean scores differ in the third
# decimal, far less than their spread over the folds: the "best" learning rate
# above wins a tie. What a larger stable rate buys is fewer steps to the same
# minimum, as :ref:`sphx_glr_auto_examples_plot_04_learning_rates.py` shows.
is_auto = np.array(
    [p["gradientdescentregressor__alpha"] == "auto" for p in results["params"]]
)
grid_alphas = np.array(alphas)
grid_mean, grid_std = mean[~is_auto], std[~is_auto]
ok = np.isfinite(grid_mean)
auto_alpha = model.fit(X, y)[-1].alpha_

fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
ax.errorbar(
    grid_alphas[ok],
    grid_mean[ok],
    yerr=grid_std[ok],
    marker="o",
    capsize=3,
    label="mean R² ± std over 5 folds",
)
bottom = np.nanmin(grid_mean - grid_std) - 0.05
ax.plot(
    grid_alphas[~ok],
    np.full((~ok).sum(), bottom),
    "x",
    color="tab:red",
    markersize=10,
    markeredgewidth=2,
    label="diverged (DivergenceError)",
)
ax.plot(
    auto_alpha,
    mean[is_auto][0],
    "*",
    color="black",
    markersize=14,
    label=f"alpha='auto' (1/L = {auto_alpha:.3f})",
)
ax.axvline(2 * auto_alpha, color="0.5", linestyle="--", label="stable bound 2/L")
ax.set(
    xscale="log",
    xlabel="learning rate alpha",
    ylabel="R² (cross-validated)",
    title="Score against the learning rate, 300 steps",
)
ax.legend(loc="lower center")
plt.show()

# %%
# Cross-validation, and the exact solution
# ----------------------------------------
# The chosen pipeline against :class:`~sklearn.linear_model.LinearRegression` on
# the same folds: the scores are close, fold by fold.
gd_scores = cross_validate(search.best_estimator_, X, y, cv=cv, scoring="r2")
ls_scores = cross_validate(
    make_pipeline(StandardScaler(), LinearRegression()), X, y, cv=cv, scoring="r2"
)
print("fold R^2, gradient descent:", gd_scores["test_score"].round(4))
print("fold R^2, least squares:   ", ls_scores["test_score"].round(4))

# %%
# The coefficients tell more. After 300 steps those of age, sex, bmi and bp
# agree with least squares, but not those of the blood serum measurements
# ``s1`` to ``s5``, which are strongly correlated: along the directions in which
# they trade off against each other the bowl is nearly flat (the condition
# number of the Hessian is about 470 even after scaling), so the descent has
# moved little there. The predictions hardly depend on those directions, which
# is why the scores are close. Given more steps, gradient descent gets there too.
exact = make_pipeline(StandardScaler(), LinearRegression()).fit(X, y)[-1].coef_
best_alpha = search.best_params_["gradientdescentregressor__alpha"]
columns = {}
for max_iter in [300, 1000, 3000]:
    step = GradientDescentRegressor(alpha=best_alpha, max_iter=max_iter)
    columns[f"{max_iter} steps"] = (
        make_pipeline(StandardScaler(), step).fit(X, y)[-1].coef_
    )
columns["least squares"] = exact
print("feature " + "".join(f"{name:>15}" for name in columns))
for i, feature in enumerate(load_diabetes().feature_names):
    print(f"{feature:7s} " + "".join(f"{coef[i]:15.2f}" for coef in columns.values()))
