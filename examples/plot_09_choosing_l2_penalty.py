r"""
===================
Choosing l2_penalty
===================

``l2_penalty`` :math:`\lambda` adds :math:`\tfrac\lambda2 \lVert w \rVert^2` to the
cost (the intercept is not penalised), so that the descent converges to the
model of :class:`~sklearn.linear_model.Ridge` with ``alpha`` :math:`= \lambda m`,
:math:`m` the number of training rows. Which :math:`\lambda` to take is a
question for cross-validation, asked as for any scikit-learn estimator: with
:class:`~sklearn.model_selection.GridSearchCV` over the parameter of the step in
a :class:`~sklearn.pipeline.Pipeline`, and drawn with
:class:`~sklearn.model_selection.ValidationCurveDisplay`.
"""

# %%
# The data and the pipeline
# -------------------------
# Data of the kind of
# :ref:`sphx_glr_auto_examples_plot_08_early_stopping_as_regularisation.py`: 100
# rows of 60 correlated features, 8 of which carry the signal, with noise.
# The features are standardized inside the pipeline, on the training rows of
# each fold. 5000 steps bring every fit below to its minimum, as the
# comparisons with Ridge show.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_regression
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.model_selection import GridSearchCV, KFold, ValidationCurveDisplay
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skgd import GradientDescentRegressor

X, y, true_coef = make_regression(
    n_samples=100,
    n_features=60,
    n_informative=8,
    effective_rank=8,
    noise=3.0,
    coef=True,
    random_state=0,
)
model = make_pipeline(StandardScaler(), GradientDescentRegressor(max_iter=5000))
cv = KFold(n_splits=5, shuffle=True, random_state=0)
penalties = np.logspace(-4, 1, 21)

# %%
# The grid search
# ---------------
# The step of the pipeline is called ``gradientdescentregressor``, so its
# parameter is ``gradientdescentregressor__l2_penalty``. The score is the mean
# squared error on the left-out fold (scikit-learn maximises scores, hence
# ``neg_mean_squared_error``).
search = GridSearchCV(
    model,
    {"gradientdescentregressor__l2_penalty": penalties},
    cv=cv,
    scoring="neg_mean_squared_error",
)
search.fit(X, y)
chosen = search.best_params_["gradientdescentregressor__l2_penalty"]
mse = -search.cv_results_["mean_test_score"]
print(f"chosen l2_penalty: {chosen:.3g}, cross-validated MSE {-search.best_score_:.2f}")
print(f"MSE at the smallest l2_penalty ({penalties[0]:g}): {mse[0]:.2f}")
print(f"MSE at the largest l2_penalty ({penalties[-1]:g}):    {mse[-1]:.2f}")

# %%
# Every training fold has 80 rows, so on each fold the pipeline fits the model
# of ``Ridge(alpha=80 * l2_penalty)``. The same search over
# :class:`~sklearn.linear_model.Ridge` gives the same scores, to rounding, and
# chooses the same penalty: the 5000 steps were enough.
n_fold = len(y) - len(y) // cv.get_n_splits()
ridge_search = GridSearchCV(
    make_pipeline(StandardScaler(), Ridge()),
    {"ridge__alpha": penalties * n_fold},
    cv=cv,
    scoring="neg_mean_squared_error",
).fit(X, y)
score_gap = np.abs(
    ridge_search.cv_results_["mean_test_score"] - search.cv_results_["mean_test_score"]
).max()
print(f"largest difference of the mean scores from Ridge's: {score_gap:.1e}")
ridge_alpha = ridge_search.best_params_["ridge__alpha"]
print(f"Ridge chose alpha = {ridge_alpha:.4g} = {n_fold} * {ridge_alpha / n_fold:.3g}")

# %%
# The validation curve
# --------------------
# :class:`~sklearn.model_selection.ValidationCurveDisplay` runs the same
# cross-validation for every :math:`\lambda` and draws the mean error on the
# training and on the left-out folds, with a band of one standard deviation
# over the folds (``negate_score=True`` draws the error rather than its
# negative). Small penalties fit the training folds best and the left-out folds
# worst: with 60 coefficients for 80 rows the model follows the noise. Large
# penalties shrink every coefficient towards zero and miss the signal, on both.
# The chosen :math:`\lambda` (dotted) is at the bottom of the curve of the
# left-out folds. The bottom is flat: the penalties whose error is within 10% of
# the best span a factor of about three (printed), and the spread over the folds
# (the band) is wider than those differences. The grid's best is a good
# penalty, not the only one.
fig, ax = plt.subplots(figsize=(7, 4.2), layout="constrained")
display = ValidationCurveDisplay.from_estimator(
    model,
    X,
    y,
    param_name="gradientdescentregressor__l2_penalty",
    param_range=penalties,
    cv=cv,
    scoring="neg_mean_squared_error",
    negate_score=True,
    score_name="mean squared error",
    ax=ax,
)
ax.axvline(chosen, color="0.4", linestyle=":", label=f"chosen: {chosen:.3g}")
ax.set(xlabel=r"l2_penalty $\lambda$", title="Cross-validated error over l2_penalty")
# Below the axes, where it hides no part of the band.
handles, labels = ax.get_legend_handles_labels()
ax.get_legend().remove()
fig.legend(handles, labels, loc="outside lower center", ncols=3)
plt.show()

near = penalties[mse <= 1.1 * mse.min()]
spread = search.cv_results_["std_test_score"][search.best_index_]
print(f"error within 10% of the best: l2_penalty from {near[0]:.3g} to {near[-1]:.3g}")
print(f"standard deviation over the folds at the chosen l2_penalty: {spread:.2f}")

# %%
# The chosen model against Ridge
# ------------------------------
# ``GridSearchCV`` refits the chosen pipeline on all 100 rows, so its model is
# that of ``Ridge(alpha=100 * l2_penalty)``, in the same pipeline. The
# coefficients (on the standardized features) agree to rounding. Beside them,
# those of least squares (:class:`~sklearn.linear_model.LinearRegression`).
# Both models give their largest coefficients to features with signal (shaded),
# and the penalty shrinks the large ones most, the norm :math:`\lVert w \rVert`
# by a fifth. That is little to look at, yet it halves the cross-validated
# error above: the features are correlated, and the penalty acts most along the
# combinations of them that the training rows hardly determine.
chosen_gd = search.best_estimator_[-1]
ridge = make_pipeline(StandardScaler(), Ridge(alpha=chosen * len(y))).fit(X, y)[-1]
least_squares = make_pipeline(StandardScaler(), LinearRegression()).fit(X, y)[-1]
coef_gap = np.abs(chosen_gd.coef_ - ridge.coef_).max() / np.abs(ridge.coef_).max()
print(f"largest difference of the coefficients from Ridge's, relative: {coef_gap:.1e}")
informative = true_coef != 0
for name, fit in [("l2_penalty", chosen_gd), ("least squares", least_squares)]:
    signal, noise = np.abs(fit.coef_[informative]), np.abs(fit.coef_[~informative])
    print(
        f"{name:13s}: |w| = {np.linalg.norm(fit.coef_):.2f}, largest |coef| with "
        f"signal {signal.max():.2f}, without {noise.max():.2f}"
    )

features = np.arange(X.shape[1])
fig, ax = plt.subplots(figsize=(8.5, 3.8), layout="constrained")
ax.plot(features, least_squares.coef_, ".", color="0.6", label="least squares")
ax.plot(
    features,
    chosen_gd.coef_,
    "o",
    markerfacecolor="none",
    label=f"GradientDescentRegressor(l2_penalty={chosen:.3g})",
)
ax.plot(features, ridge.coef_, "x", label=f"Ridge(alpha={len(y)} * {chosen:.3g})")
for j in np.flatnonzero(informative):
    ax.axvspan(j - 0.5, j + 0.5, color="tab:green", alpha=0.12, linewidth=0)
ax.set(
    xlabel="feature (shaded: carries the signal)",
    ylabel="coefficient",
    title="The chosen model's coefficients",
)
fig.legend(loc="outside lower center", ncols=3, fontsize="small")
plt.show()
